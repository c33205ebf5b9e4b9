"""Unusual markup and malformed links cost no item and no page: replies and polls of a Telegram channel, comments
and posts whose links are no permalinks, unreadable addresses in sitemaps and listings, a byte-order mark."""

from __future__ import annotations

import json
import sqlite3

import pytest
from parsel import Selector
from scrapy import Request
from scrapy.http import TextResponse, XmlResponse

from test_crawl_bad_input import CALL, item, rss
from test_crawl_parsing import BASE, make_spider, resp, split
from tocsin.crawler.items import ItemRecord
from tocsin.crawler.spiders import FeedSpider, JsonSpider, ListingSpider, SitemapSpider, TelegramSpider
from tocsin.crawler.spiders.articles import ArticleLead
from tocsin.crawler.spiders.feed import parse_feed
from tocsin.crawler.spiders.telegram import parse_channel_page

#: Addresses no request can be made for: a bracket never closed, a port out of range, a port written twice.
UNREADABLE = ["http://[::1", "http://news.example:99999/a", "http://news.example:80:80/a"]
ARTICLE = "<p>The fictional town's market opened early on Saturday, and the stalls were full of apricots.</p>" * 4


# ---------------------------------------------------------------------------------------------- telegram


def message(n: int, inner: str) -> str:
    """A message of a ``t.me/s`` page as Telegram writes it, with ``inner`` as its bubble's content."""
    return (f'<div class="tgme_widget_message_wrap js-widget_message_wrap"><div class="tgme_widget_message js-widget_message" '
            f'data-post="demo_chan/{n}"><div class="tgme_widget_message_bubble">{inner}<div class="tgme_widget_message_footer">'
            f'<span class="tgme_widget_message_views">12</span><a class="tgme_widget_message_date" href="https://t.me/demo_chan/{n}">'
            '<time datetime="2024-06-01T10:00:00+00:00" class="time">10:00</time></a></div></div></div></div>')


def channel(*messages: str) -> Selector:
    return Selector(text=f'<html><body><section class="tgme_channel_history">{"".join(messages)}</section></body></html>')


REPLY = message(2, '<a class="tgme_widget_message_reply" href="https://t.me/demo_chan/1"><div class="tgme_widget_message_author">'
                   '<span class="tgme_widget_message_author_name">Demo</span></div><div class="tgme_widget_message_text '
                   'js-message_reply_text" dir="auto">The older post it quotes <a href="https://quoted.example/">link</a></div></a>'
                   '<div class="tgme_widget_message_text js-message_text" dir="auto">The reply\'s own words '
                   '<a href="https://own.example/">link</a></div>')
POLL = message(3, '<div class="tgme_widget_message_poll js-poll"><div class="tgme_widget_message_poll_question">Should the '
                  'fictional market move?</div><div class="tgme_widget_message_poll_type">Anonymous poll</div>'
                  '<div class="tgme_widget_message_poll_options">' + "".join(
                      f'<div class="tgme_widget_message_poll_option"><div class="tgme_widget_message_poll_option_percent">{p}%</div>'
                      f'<div class="tgme_widget_message_poll_option_value"><div class="tgme_widget_message_poll_option_text">{o}'
                      '</div></div></div>' for o, p in (("Yes", 60), ("No", 40))) + "</div></div>")


def test_a_reply_is_stored_with_its_own_words_not_those_it_quotes():
    (reply,) = parse_channel_page(channel(REPLY), "https://t.me/s/demo_chan").messages
    assert reply.text == "The reply's own words link" and reply.links == ["https://own.example/"]


def test_a_reply_without_words_of_its_own_is_not_stored_with_the_quote():
    photo = REPLY.replace('<div class="tgme_widget_message_text js-message_text" dir="auto">The reply\'s own words '
                          '<a href="https://own.example/">link</a></div>', '<a class="tgme_widget_message_photo_wrap"></a>')
    (reply,) = parse_channel_page(channel(photo), "https://t.me/s/demo_chan").messages
    assert reply.text == ""


def test_a_poll_is_stored_with_its_question_and_options():
    (poll,) = parse_channel_page(channel(POLL), "https://t.me/s/demo_chan").messages
    assert poll.text == "Should the fictional market move?\nYes\nNo"


def test_a_message_whose_text_telegram_wraps_twice_lists_each_link_once():
    twice = message(4, '<div class="tgme_widget_message_text js-message_text"><div class="tgme_widget_message_text">Read '
                       '<a href="https://own.example/">this</a></div></div>')
    (msg,) = parse_channel_page(channel(twice), "https://t.me/s/demo_chan").messages
    assert msg.text == "Read this" and msg.links == ["https://own.example/"]


def test_an_unreadable_link_in_a_message_costs_neither_the_message_nor_the_page(tmp_path):
    spider = make_spider(TelegramSpider, tmp_path, urls=["https://t.me/s/demo_chan"])
    list(spider.start_requests_for())
    odd = message(5, f'<div class="tgme_widget_message_text js-message_text">See <a href="{UNREADABLE[0]}">here</a></div>')
    odd = odd.replace('href="https://t.me/demo_chan/5"', f'href="{UNREADABLE[1]}"')   # its own link unreadable too
    page = f'<html><body><section class="tgme_channel_history">{odd}{REPLY}</section></body></html>'
    _, items = split(spider.parse_page(resp("https://t.me/s/demo_chan", page), start_url="https://t.me/s/demo_chan",
                                       channel="demo_chan", chain="main", stop_at=0))
    assert [(i.url, i.text) for i in items] == [("https://t.me/demo_chan/5", "See here"),
                                                ("https://t.me/demo_chan/2", "The reply's own words link")]
    assert all(i.id for i in items)


# ---------------------------------------------------------------------------------------------- links that are no permalinks


def article_with_comments(href: str) -> str:
    return (f"<html><body><article><h1>Market day</h1>{ARTICLE}</article>"
            + "".join(f"<div class=c><p>Fictional comment {n}</p><a href='{href}'>Reply</a></div>" for n in (1, 2))
            + "</body></html>")


def test_comments_whose_reply_button_links_to_the_article_never_overwrite_it(tmp_path):
    url = f"{BASE}/news/market.html"
    for n, href in enumerate(["#", url, "?", UNREADABLE[0]]):
        spider = make_spider(FeedSpider, tmp_path / str(n), selectors={"comment": "div.c", "comment_text": "p",
                                                                         "comment_link": "a::attr(href)"})
        records = list(spider.parse_article(resp(url, article_with_comments(href)), ArticleLead(url=url, title="Market day")))
        assert [(r.kind, r.url) for r in records] == [
            ("article", url), ("comment", f"{url}?comment=1"), ("comment", f"{url}?comment=2")], href


def test_posts_of_a_listing_that_share_one_link_stay_items_of_their_own(tmp_path):
    spider = make_spider(ListingSpider, tmp_path, selectors={"item": "div.post", "text": "p", "link": "a::attr(href)"})
    posts = "".join(f'<div class="post"><p>Fictional post {n}</p><a href="/thread/5">thread</a></div>' for n in (1, 2, 3))
    posts += '<div class="post"><p>A post with its own link</p><a href="/thread/5?p=9">#9</a></div>'
    _, items = split(spider.parse_listing(resp(f"{BASE}/forum/latest", posts), start_url=f"{BASE}/forum/latest"))
    assert len({i.id for i in items}) == 4 and items[-1].url == f"{BASE}/thread/5?p=9"
    assert all("tocsin_item=" in i.url for i in items[:3])


def test_a_post_listed_twice_on_one_page_keeps_its_link(tmp_path):
    spider = make_spider(ListingSpider, tmp_path, selectors={"item": "div.post", "text": "p", "link": "a::attr(href)"})
    sticky = '<div class="post"><p>Fictional forum rules</p><a href="/thread/1">rules</a></div>'
    _, items = split(spider.parse_listing(resp(f"{BASE}/forum/latest", sticky * 2), start_url=f"{BASE}/forum/latest"))
    assert [i.url for i in items] == [f"{BASE}/thread/1"] * 2


def test_records_of_a_json_page_that_share_one_link_stay_items_of_their_own(tmp_path):
    spider = make_spider(JsonSpider, tmp_path, fields={"items": "posts", "text": "text", "url": "link"})
    rows = [{"text": f"Fictional post {n}", "link": "https://micro.example/profile/demo"} for n in (1, 2)]
    rows += [{"text": "Another", "link": "https://micro.example/status/7"}, {"text": "Odd", "link": UNREADABLE[0]}]
    body = json.dumps({"posts": rows})
    items = [r for r in spider.parse_json(resp(f"{BASE}/api", body, TextResponse), endpoint=f"{BASE}/api", page=None)
             if isinstance(r, ItemRecord)]
    assert len({i.id for i in items}) == 4 and items[2].url == "https://micro.example/status/7"
    assert all("tocsin_item=" in i.url for i in items[:2] + items[3:])


def test_json_records_with_a_link_template_keep_their_links(tmp_path):
    spider = make_spider(JsonSpider, tmp_path, fields={"items": "posts", "text": "text", "id": "id", "url": "/status/{id}"})
    body = json.dumps({"posts": [{"id": 7, "text": "Pinned"}, {"id": 8, "text": "New"}, {"id": 7, "text": "Pinned"}]})
    items = [r for r in spider.parse_json(resp(f"{BASE}/api", body, TextResponse), endpoint=f"{BASE}/api", page=None)
             if isinstance(r, ItemRecord)]
    assert [i.url for i in items] == [f"{BASE}/status/7", f"{BASE}/status/8", f"{BASE}/status/7"]


# ---------------------------------------------------------------------------------------------- unreadable addresses


def test_an_unreadable_address_in_a_sitemap_costs_only_its_entry(tmp_path):
    for n, bad in enumerate(UNREADABLE):
        spider = make_spider(SitemapSpider, tmp_path / str(n), since_days=3650)
        body = ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                + "".join(f"<url><loc>{loc}</loc></url>" for loc in (f"{BASE}/a/1", bad, f"{BASE}/a/2")) + "</urlset>")
        requests, _ = split(spider.parse_sitemap(resp(f"{BASE}/sitemap.xml", body, XmlResponse)))
        assert sorted(r.url for r in requests) == [f"{BASE}/a/1", f"{BASE}/a/2"]
        assert any(bad[:30] in note for note in spider.notes), spider.notes


def test_an_unreadable_address_in_a_sitemap_index_costs_only_its_entry(tmp_path):
    spider = make_spider(SitemapSpider, tmp_path)
    body = ('<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in (UNREADABLE[0], f"{BASE}/s2.xml")) + "</sitemapindex>")
    requests, _ = split(spider.parse_sitemap(resp(f"{BASE}/sitemap.xml", body, XmlResponse)))
    assert [r.url for r in requests] == [f"{BASE}/s2.xml"]


def test_an_unreadable_link_on_a_listing_costs_neither_its_post_nor_the_page(tmp_path):
    spider = make_spider(ListingSpider, tmp_path, selectors={"item": "div.post", "text": "p", "link": "a::attr(href)",
                                                             "next_page": "a.next::attr(href)"})
    page = (f'<div class="post"><p>Fictional post one</p><a href="{BASE}/p/1">l</a></div>'
            f'<div class="post"><p>Fictional post two</p><a href="{UNREADABLE[0]}">l</a></div>'
            f'<a class="next" href="{UNREADABLE[0]}">next</a>')
    requests, items = split(spider.parse_listing(resp(f"{BASE}/forum/latest", page), start_url=f"{BASE}/forum/latest"))
    assert requests == [] and [i.text for i in items] == ["Fictional post one", "Fictional post two"]
    assert items[0].url == f"{BASE}/p/1" and "tocsin_item=" in items[1].url
    assert any(UNREADABLE[0] in note for note in spider.notes)


# ---------------------------------------------------------------------------------------------- encodings


def test_a_utf_8_feed_with_a_byte_order_mark_that_says_windows_1251_is_read_as_utf_8():
    body = b"\xef\xbb\xbf" + rss(item(1, CALL), declaration='<?xml version="1.0" encoding="windows-1251"?>').encode("utf-8")
    (lead,), problem = parse_feed(body, f"{BASE}/rss", "application/rss+xml")
    assert lead.title == CALL and problem == ""


def test_a_utf_8_feed_with_a_byte_order_mark_is_read_through_the_spider(tmp_path):
    spider = make_spider(FeedSpider, tmp_path)
    body = b"\xef\xbb\xbf" + rss(item(1, CALL), declaration='<?xml version="1.0" encoding="windows-1251"?>').encode("utf-8")
    response = XmlResponse(url=f"{BASE}/rss", body=body, request=Request(f"{BASE}/rss"))
    (request,) = [r for r in spider.parse_feed(response) if isinstance(r, Request)]
    assert request.cb_kwargs["lead"].title == CALL


# ---------------------------------------------------------------------------------------------- the store


def test_an_item_a_damaged_store_refuses_is_counted_lost_and_the_resume_point_stays(tmp_path, monkeypatch):
    from scrapy.exceptions import DropItem

    from tocsin.crawler import ledger as ledger_module
    from tocsin.crawler import pipelines

    def damaged(*args, **kwargs):
        raise sqlite3.DatabaseError("database disk image is malformed")

    spider = make_spider(TelegramSpider, tmp_path, urls=[f"{BASE}/t.me/s/chan"])
    spider.state = {}
    spider.channels = {"chan": {"last_id": 3, "newest": 9, "open": {}}}
    monkeypatch.setattr(ledger_module, "upsert_item", damaged)
    monkeypatch.setattr(ledger_module, "record_crawl_error", damaged)
    with pytest.raises(DropItem, match="store not writable"):
        pipelines.StorePipeline.save(spider.ledger, ItemRecord(source="src", url=f"{BASE}/t.me/chan/9", kind="post", text="a post"))
    assert spider.ledger.totals["lost"] == 1 and spider.ledger.unwritten[0][0] == "store"
    assert "the store is damaged" in spider.ledger.unwritten[0][1] and ".recover" in spider.ledger.unwritten[0][1]
    spider.on_closed("finished")
    assert spider.ledger.state() == {}   # the channel is read again from message 3 on the next crawl


@pytest.mark.parametrize("body", [b"  \n\t ", b"\xef\xbb\xbf \n", b""], ids=["white-space", "byte-order-mark", "nothing"])
def test_an_empty_feed_is_named_as_empty_with_the_fix(body):
    leads, problem = parse_feed(body, f"{BASE}/rss")
    assert leads == [] and problem.startswith("empty feed:") and "check the source's address" in problem


def test_a_service_message_of_telegram_is_no_post():
    service = message(4, '<div class="tgme_widget_message_text js-message_text">Channel photo updated</div>').replace(
        'class="tgme_widget_message js-widget_message"', 'class="tgme_widget_message js-widget_message service_message"')
    page = parse_channel_page(channel(service, message(5, '<div class="tgme_widget_message_text">A fictional post.</div>')),
                              "https://t.me/s/demo_chan")
    assert [(m.id, m.text) for m in page.messages] == [(5, "A fictional post.")]
