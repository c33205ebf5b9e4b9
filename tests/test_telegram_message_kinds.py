"""The kinds of messages a ``t.me/s`` page holds, beyond plain text: media with and without a caption, forwards,
edits, link previews and emoji (replies, polls and service messages are in ``test_crawl_hardening``)."""

from __future__ import annotations

from test_crawl_hardening import message
from test_crawl_parsing import make_spider, resp, split
from tocsin.crawler.spiders import RecheckSpider, TelegramSpider
from tocsin.store import connect, get_item, item_versions, upsert_item

CHANNEL = "https://t.me/s/demo_chan"
PHOTO = ('<a class="tgme_widget_message_photo_wrap blured js-message_photo" href="https://t.me/demo_chan/{n}" '
         "style=\"background-image:url('https://cdn4.telesco.pe/file/demo.jpg')\"></a>")
VIDEO = ('<a class="tgme_widget_message_video_player js-message_video_player" href="https://t.me/demo_chan/{n}">'
         '<video class="tgme_widget_message_video" src="https://cdn4.telesco.pe/file/demo.mp4"></video>'
         '<time class="message_video_duration js-message_video_duration">0:15</time></a>')
OWNER = ('<div class="tgme_widget_message_author accent_color"><a class="tgme_widget_message_owner_name" '
         'href="https://t.me/demo_chan"><span dir="auto">Demo Channel</span></a></div>')


def text(words: str) -> str:
    return f'<div class="tgme_widget_message_text js-message_text" dir="auto">{words}</div>'


def forwarded(name: str) -> str:
    return f'<div class="tgme_widget_message_forwarded_from accent_color">Forwarded from {name}</div>'


def edited(msg: str) -> str:
    """``msg`` as Telegram shows it once edited: the word before the date in its footer."""
    return msg.replace('<a class="tgme_widget_message_date"',
                       '<span class="tgme_widget_message_meta">edited &nbsp;<a class="tgme_widget_message_date"')


def page(*messages: str) -> str:
    return f'<html><body><section class="tgme_channel_history">{"".join(messages)}</section></body></html>'


def crawl(tmp_path, *messages: str) -> list:
    """The items one crawl of a channel page holding ``messages`` yields."""
    spider = make_spider(TelegramSpider, tmp_path, urls=[CHANNEL])
    (first,) = list(spider.start_requests_for())
    return split(spider.parse_page(resp(first.url, page(*messages)), **first.cb_kwargs))[1]


def test_media_without_a_caption_is_no_item_and_a_caption_is_its_text(tmp_path):
    items = crawl(tmp_path, message(1, PHOTO.format(n=1)), message(2, VIDEO.format(n=2)),
                  message(3, PHOTO.format(n=3) + text("A fictional market at dawn")))
    assert [(i.url, i.text) for i in items] == [("https://t.me/demo_chan/3", "A fictional market at dawn")]


def test_a_forward_keeps_its_text_and_names_where_it_came_from_not_the_forwarder_as_author(tmp_path):
    link = ('<a class="tgme_widget_message_forwarded_from_name" href="https://t.me/origin_chan/321">'
            '<span dir="auto">Origin Channel</span></a>')
    (item,) = crawl(tmp_path, message(4, OWNER + forwarded(link) + text("Words first posted elsewhere")))
    assert item.text == "Words first posted elsewhere" and item.author == "Origin Channel"
    assert item.meta["channel"] == "demo_chan"   # the channel that spread them
    assert {k: v for k, v in item.meta.items() if k.startswith("forwarded_from")} == {
        "forwarded_from": "Origin Channel", "forwarded_from_url": "https://t.me/origin_chan/321",
        "forwarded_from_channel": "origin_chan"}


def test_a_forward_from_a_hidden_account_has_its_name_and_no_link(tmp_path):
    hidden = '<span class="tgme_widget_message_forwarded_from_name">A Hidden Sender</span>'
    (item,) = crawl(tmp_path, message(5, OWNER + forwarded(hidden) + text("Forwarded words")))
    assert item.author == "A Hidden Sender" and item.meta["forwarded_from"] == "A Hidden Sender"
    assert "forwarded_from_url" not in item.meta


def test_an_edited_message_crawled_again_is_a_new_version_of_the_same_item(tmp_path):
    (first,) = crawl(tmp_path, message(6, text("The fictional bridge is closed")))
    (again,) = crawl(tmp_path, edited(message(6, text("The fictional bridge is open again"))))
    assert again.id == first.id and "edited" not in first.meta and again.meta["edited"] is True
    db = connect(tmp_path / "t.db")   # the store of the crawls (make_spider)
    assert [upsert_item(db, item) for item in (first, again)] == ["new", "changed"]
    assert [v["text"] for v in item_versions(db, first.id)] == ["The fictional bridge is closed",
                                                                 "The fictional bridge is open again"]
    assert get_item(db, first.id)["meta"]["edited"] is True


def test_a_link_preview_is_not_the_posters_words(tmp_path):
    preview = ('<a class="tgme_widget_message_link_preview" href="https://news.example/a">'
               '<div class="link_preview_site_name accent_color">News Example</div>'
               '<div class="link_preview_title">A headline of the site</div>'
               '<div class="link_preview_description">The site describes itself</div></a>')
    (item,) = crawl(tmp_path, message(7, text('Read <a href="https://news.example/a">this</a>') + preview))
    assert item.text == "Read this" and item.meta["links"] == ["https://news.example/a"]


def test_emoji_shown_as_images_keep_their_characters(tmp_path):
    emoji = ("<i class=\"emoji\" style=\"background-image:url('//telegram.org/img/emoji/40/F09F94A5.png')\"><b>🔥</b></i>"
             ' Fictional news <tg-emoji emoji-id="5368324170671202286"><i class="emoji" '
             "style=\"background-image:url('//telegram.org/img/emoji/40/E29DA4.png')\"><b>❤️</b></i></tg-emoji>")
    (item,) = crawl(tmp_path, message(8, text(emoji)))
    assert item.text == "🔥 Fictional news ❤️"


def signed(name: str) -> str:
    """A channel post's signature, as Telegram puts it in the footer before the views."""
    return f'<span class="tgme_widget_message_from_author" dir="auto">{name}</span>'


def test_a_signed_post_is_credited_to_its_signer_and_an_unsigned_one_to_the_channel(tmp_path):
    items = crawl(tmp_path, message(5, OWNER + text("Signed words") + signed("Zqx Editor")),
                  message(6, OWNER + text("Unsigned words")))
    assert [(i.text, i.author) for i in items] == [("Signed words", "Zqx Editor"), ("Unsigned words", "Demo Channel")]
    assert items[0].meta["channel"] == "demo_chan"


def test_a_signed_forward_is_credited_to_where_it_came_from(tmp_path):
    link = '<a class="tgme_widget_message_forwarded_from_name"><span dir="auto">Origin Channel</span></a>'
    (item,) = crawl(tmp_path, message(7, OWNER + forwarded(link) + text("Passed on") + signed("Zqx Editor")))
    assert item.author == "Origin Channel"


def test_a_recheck_that_finds_an_older_message_edited_marks_it_edited_and_keeps_what_was_stored(tmp_path):
    spider = make_spider(RecheckSpider, tmp_path)
    stored = {"id": "x", "url": "https://t.me/demo_chan/8", "kind": "post",
              "meta": {"channel": "demo_chan", "message_id": 8, "channel_url": CHANNEL, "views": 10, "note": "kept"}}
    body = page(edited(message(8, OWNER + text("Words changed later"))))
    (found,) = spider.check_message(resp(f"{CHANNEL}?before=9", body), stored)
    assert found.text == "Words changed later" and found.url == stored["url"]
    assert found.meta["edited"] is True and found.meta["note"] == "kept" and found.meta["channel_url"] == CHANNEL
    # seen edited once, it stays marked when a later page no longer shows the word
    (again,) = spider.check_message(resp(f"{CHANNEL}?before=9", page(message(8, OWNER + text("Words changed later")))),
                                    {**stored, "meta": found.meta})
    assert again.meta["edited"] is True
