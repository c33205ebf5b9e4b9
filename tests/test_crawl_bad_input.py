"""Hostile or broken sources lose nothing they need not, and change no evidence: unreadable dates, legacy
encodings, broken character references, rate-limit pages, redirects, unreadable markup."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, TextResponse, XmlResponse

from test_crawl_parsing import BASE, make_spider, resp, split
from tocsin.crawler.extract import normalise_date
from tocsin.crawler.items import ItemRecord, Removed
from tocsin.crawler.spiders import FeedSpider, JsonSpider, RecheckSpider, SitemapSpider, TelegramSpider
from tocsin.crawler.spiders.articles import ArticleLead
from tocsin.crawler.spiders.feed import parse_feed
from tocsin.crawler.spiders.telegram import parse_count

CALL = "Надо выгнать узбеков из Оша!"


@pytest.mark.parametrize("given, stored", [
    ("2024-06-01T10:00:00+06:00", "2024-06-01T04:00:00+00:00"),
    ("Sat, 01 Jun 2024 10:00:00 +0600", "2024-06-01T04:00:00+00:00"),
    ("1717236000", "2024-06-01T10:00:00+00:00"),          # epoch seconds, as JSON APIs give them
    ("1717236000000", "2024-06-01T10:00:00+00:00"),       # epoch milliseconds
    ("20240601", "2024-06-01T00:00:00+00:00"),
    ("2024-06-01T10:00:00.0123Z", "2024-06-01T10:00:00+00:00"),   # a fraction of a second is no year 0123
    ("2024-06-01T0530", "2024-06-01T05:30:00+00:00"),
    ("2024-06-01 0930", "2024-06-01T09:30:00+00:00"),
    ("-2024-01-01", None),
    ("0000-00-00 00:00:00", None),                        # MySQL's zero date
    ("0001-01-01T00:00:00+06:00", None),                  # out of range once moved to UTC
    ("-0001-11-30T00:00:00+00:00", None),                 # PHP's zero date
    ("Mon, 01 Jan 0001 00:00:00 +0600", None),
    ("2024-02-30", None),                                 # no such day (not 1 March)
    ("2024/06/01", "2024-06-01T00:00:00+00:00"),          # not 1 December, as lenient parsers read it
    ("2024.11.05 10:00", "2024-11-05T10:00:00+00:00"),
    ("01.06.2024 10:00", "2024-06-01T10:00:00+00:00"),    # day first, as the region writes it
    ("1/6/2024, 9:05", "2024-06-01T09:05:00+00:00"),
    ("31.04.2024", None),
    ("2024/06/01 25:00", None),
    ("2999-01-01", None),
    ("12345", None),
    ("not a date", None),
    ("14:30 01.06.2024", "2024-06-01T14:30:00+00:00"),    # the time first, as listings write it: not today
    ("08:15, 25.03.2025", "2025-03-25T08:15:00+00:00"),
    ("14:30 1 June 2024", "2024-06-01T14:30:00+00:00"),
    ("1 июня 2024, 14:30", "2024-06-01T14:30:00+00:00"),  # month names of the region's languages
    ("Опубликовано: 12 мая 2025 года в 08:15", "2025-05-12T08:15:00+00:00"),
    ("2024-жылдын 1-июну", "2024-06-01T00:00:00+00:00"),
    ("2024-yil 1-iyun, 09:05", "2024-06-01T09:05:00+00:00"),
    ("12-dekabr, 2024-yil", "2024-12-12T00:00:00+00:00"),
    ("5 декабря 2023 г.", "2023-12-05T00:00:00+00:00"),
    ("June 1, 2024", "2024-06-01T00:00:00+00:00"),
    ("31 июня 2024", None),
])
def test_dates_are_read_or_left_empty_never_guessed(given, stored):
    assert normalise_date(given) == stored


def rss(*items: str, declaration: str = '<?xml version="1.0"?>') -> str:
    return f'{declaration}<rss version="2.0"><channel><title>Ош</title>{"".join(items)}</channel></rss>'


def item(n: int, title: str, date: str = "Sat, 01 Jun 2024 10:00:00 +0600") -> str:
    return f"<item><title>{title}</title><link>{BASE}/a/{n}</link><pubDate>{date}</pubDate><description>{title}</description></item>"


@pytest.mark.parametrize("given, stored", [
    ("01.06.2024 10:00", "2024-06-01T04:00:00+00:00"),            # Bishkek is UTC+6 all year
    ("2024-06-01T10:00:00", "2024-06-01T04:00:00+00:00"),
    ("Sat, 01 Jun 2024 10:00:00", "2024-06-01T04:00:00+00:00"),
    ("2024-06-01T10:00:00+05:00", "2024-06-01T05:00:00+00:00"),   # a time with its offset keeps it
    ("1717236000", "2024-06-01T10:00:00+00:00"),                  # epoch seconds are UTC by definition
])
def test_times_without_an_offset_are_read_in_the_sources_time_zone(given, stored):
    from zoneinfo import ZoneInfo

    assert normalise_date(given, ZoneInfo("Asia/Bishkek")) == stored


def test_days_named_relative_to_today_are_read_in_the_sources_time_zone():
    from zoneinfo import ZoneInfo

    from tocsin.crawler.written_dates import relative_date

    late_evening = datetime(2026, 12, 4, 20, 0, tzinfo=timezone.utc)   # already 5 December in Bishkek
    bishkek = ZoneInfo("Asia/Bishkek")
    assert relative_date("Сегодня, 14:30", bishkek, late_evening) == datetime(2026, 12, 5, 8, 30, tzinfo=timezone.utc)
    assert relative_date("вчера в 09:05", bishkek, late_evening) == datetime(2026, 12, 4, 3, 5, tzinfo=timezone.utc)
    assert relative_date("Kecha, 18:00", bishkek, late_evening) == relative_date("Кечээ 18:00", bishkek, late_evening)
    assert relative_date("14:30", bishkek, late_evening) == relative_date("Бүгүн 14:30", bishkek, late_evening)
    assert relative_date("сегодня 14:30 и ещё", bishkek, late_evening) is None
    assert normalise_date("Yesterday at 9:05", bishkek) is not None and normalise_date("вчера в 25:00", bishkek) is None


def test_a_sources_time_zone_reaches_its_feed_listing_and_article_times(tmp_path):
    from tocsin.crawler.spiders import ListingSpider

    body = rss(item(1, "one", "Sat, 01 Jun 2024 10:00:00")).encode("utf-8")
    assert parse_feed(body, f"{BASE}/rss", zone=None)[0][0].published_at == "2024-06-01T10:00:00+00:00"
    spider = make_spider(FeedSpider, tmp_path, timezone="Asia/Tashkent")   # UTC+5
    requests, _ = split(spider.parse_feed(resp(f"{BASE}/rss", body, XmlResponse)))
    assert requests[0].cb_kwargs["lead"].published_at == "2024-06-01T05:00:00+00:00"
    page = ('<html><head><meta property="article:published_time" content="2024-06-01T10:00"></head><body><article><p>'
            + "Жители Кара-Суу вышли на субботник и посадили деревья. " * 5 + "</p></article></body></html>")
    (article,) = spider.parse_article(resp(f"{BASE}/a/1", page), ArticleLead(url=f"{BASE}/a/1"))
    assert article.published_at == "2024-06-01T05:00:00+00:00"
    forum = make_spider(ListingSpider, tmp_path / "f", timezone="Asia/Bishkek",
                        selectors={"item": "div.post", "text": "p", "date": "time::text"})
    (post,) = [i for i in forum.parse_listing(resp(f"{BASE}/forum", '<div class="post"><p>Салам</p><time>01.06.2024 10:00</time></div>'))
               if isinstance(i, ItemRecord)]
    assert post.published_at == "2024-06-01T04:00:00+00:00"
    sitemap = make_spider(SitemapSpider, tmp_path / "s", timezone="Asia/Bishkek", since_days=3650)
    entry = f"<url><loc>{BASE}/news/1.html</loc><lastmod>2024-06-01T10:00:00</lastmod></url>"
    (lead_request,) = [r for r in sitemap.parse_sitemap(resp(f"{BASE}/sitemap.xml", SITEMAP_HEAD + entry.encode() + b"</urlset>",
                                                             TextResponse)) if isinstance(r, Request)]
    assert lead_request.cb_kwargs["lead"].published_at == "2024-06-01T04:00:00+00:00"


def test_a_feed_with_a_zero_date_keeps_every_entry():
    leads, problem = parse_feed(rss(item(1, "one", "0000-00-00 00:00:00"), item(2, "two")).encode("utf-8"), f"{BASE}/rss")
    assert [lead.title for lead in leads] == ["one", "two"] and problem == ""
    assert [lead.published_at for lead in leads] == [None, "2024-06-01T04:00:00+00:00"]


def test_a_windows_1251_feed_that_names_no_encoding_is_read_as_cyrillic():
    body = rss(item(1, CALL), item(2, "Жители района говорят о соседях, рынке и новой школе.")).encode("cp1251")
    leads, _ = parse_feed(body, f"{BASE}/rss", "text/xml")
    assert leads[0].title == CALL and leads[0].summary == CALL


def test_a_windows_1251_feed_that_says_so_is_left_to_its_declaration():
    body = rss(item(1, CALL), declaration='<?xml version="1.0" encoding="windows-1251"?>').encode("cp1251")
    assert parse_feed(body, f"{BASE}/rss", "text/xml")[0][0].title == CALL


def test_a_surrogate_reference_costs_one_character_not_the_feed():
    leads, _ = parse_feed(rss(item(1, "bad &#xD800; and &#55296; here"), item(2, "two")).encode("utf-8"), f"{BASE}/rss")
    assert [lead.title for lead in leads] == ["bad \ufffd and \ufffd here", "two"]


def test_an_article_in_windows_1251_that_says_utf_8_is_read_as_cyrillic(tmp_path):
    spider = make_spider(FeedSpider, tmp_path)
    text = f"{CALL} Так пишут в районном чате, и жители Оша обсуждают это второй день подряд."
    html = f'<html><head><meta charset="utf-8"><title>Ош</title></head><body><article><p>{text}</p></article></body></html>'
    url = f"{BASE}/a/1"
    response = HtmlResponse(url=url, body=html.encode("cp1251"), headers={"Content-Type": "text/html; charset=utf-8"},
                            request=Request(url))
    (stored,) = spider.parse_article(response, ArticleLead(url=url))
    assert CALL in stored.text and "\ufffd" not in stored.text


@pytest.mark.parametrize("declared", ["meta", "header"])
def test_an_article_in_utf_8_that_says_windows_1251_is_read_as_utf_8(tmp_path, declared):
    spider = make_spider(FeedSpider, tmp_path)
    text = f"{CALL} Так пишут в районном чате, и жители Оша обсуждают это второй день подряд."
    meta = '<meta charset="windows-1251">' if declared == "meta" else ""
    html = f"<html><head>{meta}<title>Ош</title></head><body><article><p>{text}</p></article></body></html>"
    url = f"{BASE}/a/1"
    header = "text/html; charset=windows-1251" if declared == "header" else "text/html"
    response = HtmlResponse(url=url, body=html.encode("utf-8"), headers={"Content-Type": header}, request=Request(url))
    (stored,) = spider.parse_article(response, ArticleLead(url=url))
    assert CALL in stored.text


def test_a_utf_8_feed_that_says_windows_1251_is_read_as_utf_8():
    body = rss(item(1, CALL), declaration='<?xml version="1.0" encoding="windows-1251"?>').encode("utf-8")
    assert parse_feed(body, f"{BASE}/rss", "text/xml")[0][0].title == CALL
    assert parse_feed(rss(item(1, CALL)).encode("utf-8"), f"{BASE}/rss", "text/xml; charset=windows-1251")[0][0].title == CALL


# ---------------------------------------------------------------------------------------------- telegram and re-checks

MESSAGE = {"id": "x", "url": f"{BASE}/t.me/south_news_demo/1020", "kind": "post",
           "meta": {"channel": "south_news_demo", "message_id": 1020, "channel_url": f"{BASE}/t.me/s/south_news_demo"}}


def errors(spider) -> list[tuple[str, str]]:
    spider.ledger.flush(force=True)
    return [tuple(r) for r in spider.ledger.store.execute("SELECT kind, message FROM crawl_errors")]


def test_a_channel_page_without_messages_marks_nothing_removed(tmp_path):
    spider = make_spider(RecheckSpider, tmp_path)
    page = "<html><body><h1>Too Many Requests</h1></body></html>"
    assert list(spider.check_message(resp(f"{BASE}/t.me/s/south_news_demo?before=1021", page), MESSAGE)) == []
    ((kind, message),) = errors(spider)
    assert kind == "parse" and "whether message 1020 was deleted is unknown" in message


def test_a_channel_whose_older_history_is_gone_marks_the_post_removed(tmp_path):
    spider = make_spider(RecheckSpider, tmp_path)
    page = '<html><body><section class="tgme_channel_history"></section></body></html>'
    (gone,) = spider.check_message(resp(f"{BASE}/t.me/s/south_news_demo?before=1021", page), MESSAGE)
    assert isinstance(gone, Removed)


@pytest.mark.parametrize("original, final, removed", [
    (f"{BASE}/news/a1.html", f"{BASE}/", True), (f"{BASE}/news/a1.html", f"{BASE}/news", True),   # front page, section
    (f"{BASE}/?p=123", f"{BASE}/", True), (f"{BASE}/index.php?newsid=55", f"{BASE}/index.php", True),
    (f"{BASE}/news/a1.html", f"{BASE}/news/renamed.html", False),   # another page proves nothing: no new text
    (f"{BASE}/news.php?id=5", f"{BASE}/news.php?id=6", False),
])
def test_a_re_checked_article_that_redirects_away_is_not_overwritten(tmp_path, original, final, removed):
    spider = make_spider(RecheckSpider, tmp_path)
    page = resp(final, "<html><body><article><p>" + "Главная страница сайта, свежие новости. " * 5 + "</p></article></body></html>")
    found = list(spider.check_page(page, {"id": "y", "url": original, "kind": "article"}))
    if removed:
        assert len(found) == 1 and isinstance(found[0], Removed) and found[0].reason == f"redirected to {final}"
    else:
        assert found == [] and spider.notes == [f"{original} now redirects to {final}; its text was not re-read"]


def test_a_same_page_over_https_with_a_final_slash_is_re_read(tmp_path):
    spider = make_spider(RecheckSpider, tmp_path)
    page = resp("https://www.demo.example/news/a1.html/", f"<html><body><article><p>{CALL} " * 3 + "</p></article></body></html>")
    (found,) = spider.check_page(page, {"id": "y", "url": f"{BASE}/news/a1.html", "kind": "article"})
    assert isinstance(found, ItemRecord) and CALL in found.text


def test_a_re_read_page_drops_the_marks_of_a_summary_only_article(tmp_path):
    from tocsin.store.crawling import SUMMARY_ONLY, is_summary_only

    spider = make_spider(RecheckSpider, tmp_path)
    page = resp(f"{BASE}/news/a1.html", f"<html><body><article><p>{CALL} " * 3 + "</p></article></body></html>")
    stored = {"id": "y", "url": f"{BASE}/news/a1.html", "kind": "article",
              "meta": {"feed_url": f"{BASE}/rss", "text_from": SUMMARY_ONLY, "why": "fetch_failed"}}
    (found,) = spider.check_page(page, stored)
    assert found.meta == {"feed_url": f"{BASE}/rss"} and not is_summary_only(found.meta)


def test_a_channel_page_whose_messages_cannot_be_read_is_an_error(tmp_path):
    spider = make_spider(TelegramSpider, tmp_path, urls=[f"{BASE}/t.me/s/south_news_demo"])
    page = ('<html><body><section class="tgme_channel_history"><div class="tgme_widget_message">'
            '<div class="tgme_widget_message_text">text</div></div></section></body></html>')
    list(spider.start_requests_for())
    assert list(spider.parse_page(resp(f"{BASE}/t.me/s/south_news_demo", page), start_url=f"{BASE}/t.me/s/south_news_demo",
                                  channel="south_news_demo", chain="main", stop_at=0)) == []
    ((kind, message),) = errors(spider)
    assert kind == "parse" and "none could be read" in message


@pytest.mark.parametrize("shown, views", [("987", 987), ("6.1K", 6100), ("6,1K", 6100), ("1.2M", 1_200_000),
                                          ("1,234", 1234), ("1 234", 1234), ("1.2.3K", None), ("many", None)])
def test_view_counts_read_or_none(shown, views):
    assert parse_count(shown) == views


def test_entries_without_a_usable_link_are_kept_for_the_feed_and_only_empty_ones_skipped_and_said_so():
    body = rss(item(1, "good"), "<item><title>no link</title><description>text</description></item>",
               "<item><title>bad port</title><link>http://127.0.0.1:99999/x</link></item>",
               "<item><title>bad host</title><link>http://[::1/x</link></item>",
               "<item><link>mailto:desk@example.org</link></item>").encode("utf-8")
    leads, problem = parse_feed(body, f"{BASE}/rss")
    assert [lead.title for lead in leads] == ["good", "no link", "bad port", "bad host"]
    assert [lead.url for lead in leads[1:]] == [f"{BASE}/rss"] * 3 and all(lead.meta["no_link"] for lead in leads[1:])
    assert "1 of 5 entries skipped: no link that can be read and no text" in problem


def test_links_that_are_no_web_address_are_skipped_and_the_rest_of_the_page_kept(tmp_path):
    from test_crawl_parsing import split
    from tocsin.crawler.spiders import ListingSpider

    spider = make_spider(FeedSpider, tmp_path)
    body = rss("<item><title>mail</title><link>mailto:desk@example.org</link><description>x</description></item>",
               "<item><title>urn</title><guid>urn:uuid:1</guid><description>y</description></item>",
               "<item><title>file</title><link>file:///etc/passwd</link><description>z</description></item>",
               item(2, "good", "2027/01/15 10:00"))
    requests, items = split(spider.parse_feed(resp(f"{BASE}/rss", body, XmlResponse)))
    assert [r.url for r in requests] == [f"{BASE}/a/2"] and spider.notes == []
    assert requests[0].cb_kwargs["lead"].published_at == "2027-01-15T10:00:00+00:00"   # as written, not 1 December
    assert [i.text for i in items] == ["x", "y", "z"]   # kept from the feed, as if they had no link
    assert all(i.url.startswith(f"{BASE}/rss?tocsin_item=") and i.meta["no_link"] for i in items)
    listing = make_spider(ListingSpider, tmp_path / "l", selectors={"item": "div.post", "text": "p", "link": "a::attr(href)",
                                                                    "next_page": "a.next::attr(href)"})
    page = ("<div class=post><p>first post</p><a href='javascript:void(0)'>#</a></div>"
            "<div class=post><p>second post</p><a href='#post2'>#</a></div>"
            "<div class=post><p>third post</p><a href='#post3'>#</a></div>"
            "<a class=next href='javascript:void(0)'>next</a>")
    requests, items = split(listing.parse_listing(resp(f"{BASE}/board", page)))
    assert requests == [] and "links that are no web address were skipped (first: 'javascript:void(0)')" in listing.notes
    assert [i.url for i in items][1:] == [f"{BASE}/board?anchor=post2", f"{BASE}/board?anchor=post3"]
    assert items[0].url.startswith(f"{BASE}/board") and len({i.id for i in items}) == 3   # three posts, three items


def test_comments_that_link_to_anchors_of_their_article_are_items_of_their_own(tmp_path):
    from tocsin.crawler.spiders.articles import ArticleLead

    spider = make_spider(FeedSpider, tmp_path, selectors={"comment": "div.c", "comment_text": "p", "comment_link": "a::attr(href)"})
    url = f"{BASE}/a/1"
    page = ("<html><body><article><h1>Title</h1>" + "<p>The article's own long text about the market in Osh.</p>" * 5
            + "</article>" + "".join(f"<div class=c><p>comment {n} says something</p><a href='{url}#comment-{n}'>#</a></div>"
                                     for n in (1, 2, 3)) + "</body></html>")
    records = list(spider.parse_article(resp(url, page), ArticleLead(url=url, title="Title", summary="", author="", lang="en")))
    comments = [r for r in records if r.kind == "comment"]
    assert [c.url for c in comments] == [f"{url}?anchor=comment-{n}" for n in (1, 2, 3)]
    assert len({r.id for r in records}) == len(records) == 4   # the article keeps its id; no comment overwrites it


def test_comments_of_an_article_announced_with_a_fragment_do_not_overwrite_it(tmp_path):
    from tocsin.crawler.spiders.articles import ArticleLead

    spider = make_spider(FeedSpider, tmp_path, selectors={"comment": "div.c", "comment_text": "p"})
    url = f"{BASE}/2024/06/osh.html#xtor=RSS-3"
    page = ("<html><body><article><h1>Title</h1>" + "<p>The article's own long text about the market in Osh.</p>" * 5
            + "</article>" + "".join(f"<div class=c><p>comment {n} says something</p></div>" for n in (1, 2)) + "</body></html>")
    records = list(spider.parse_article(resp(url, page), ArticleLead(url=url, title="Title", summary="", author="", lang="en")))
    assert [r.url for r in records if r.kind == "comment"] == [f"{BASE}/2024/06/osh.html?comment={n}" for n in (1, 2)]
    assert len({r.id for r in records}) == len(records) == 3


def live(n: int, guid: bool = True, title: str = "") -> str:
    """An entry of a live blog: the blog's page with ``#p<n>``, its own guid, title and text."""
    return (f"<item><title>{title or f'Update {n}'}</title><link>{BASE}/live#p{n}</link>"
            + (f"<guid isPermaLink='false'>live-{n}</guid>" if guid else "") + f"<description>Text of update {n}</description></item>")


def feed_outcome(spider, body: str) -> tuple[list[str], list[ItemRecord]]:
    requests, items = split(spider.parse_feed(resp(f"{BASE}/rss", rss(body), XmlResponse)))
    return [r.url for r in requests], items


@pytest.mark.parametrize("guid", [True, False])
def test_entries_of_one_page_that_differ_only_by_fragment_are_items_of_their_own(tmp_path, guid):
    from tocsin.urls import item_id_for

    spider = make_spider(FeedSpider, tmp_path)
    urls, items = feed_outcome(spider, live(3, guid) + live(2, guid) + live(1, guid) + item(7, "an article"))
    assert [i.text for i in items] == [f"Text of update {n}" for n in (3, 2, 1)]   # none lost
    assert [i.title for i in items] == [f"Update {n}" for n in (3, 2, 1)] and {i.kind for i in items} == {"post"}
    assert len({i.id for i in items}) == 3 and item_id_for(f"{BASE}/live") not in {i.id for i in items}
    assert urls == [f"{BASE}/a/7"]   # the page itself is neither fetched nor stored: each entry is stored once


def test_a_page_that_every_entry_links_to_is_never_requested(tmp_path):
    from tocsin.crawler.spiders.paging import is_synthetic_url
    from tocsin.store import upsert_item

    # A feed whose entries all link to the home page (which has no text of its own): only the entries are stored,
    # no request goes to the page, so no `no_text` error recurs on each crawl (nor clears the feed's ETag).
    home = "".join(f"<item><title>News {n}</title><link>{BASE}/</link><guid>n-{n}</guid>"
                   f"<description>Text of news {n}</description></item>" for n in (1, 2, 3))
    spider = make_spider(FeedSpider, tmp_path)
    urls, items = feed_outcome(spider, home)
    assert urls == [] and [i.text for i in items] == [f"Text of news {n}" for n in (1, 2, 3)]
    assert all(i.kind == "post" and is_synthetic_url(i.url) for i in items)
    assert errors(spider) == []
    for record in items:
        upsert_item(spider.ledger.store, record)
    assert feed_outcome(make_spider(FeedSpider, tmp_path), home) == ([], [])   # the next crawl: nothing to do


def test_one_entry_that_links_to_its_article_with_a_fragment_stays_one_item(tmp_path):
    from tocsin.urls import item_id_for

    spider = make_spider(FeedSpider, tmp_path)
    same = "<title>Osh</title><guid>osh-1</guid><description>text</description>"
    urls, items = feed_outcome(spider, f"<item>{same}<link>{BASE}/a/1#comments</link></item>"
                                       f"<item>{same}<link>{BASE}/a/1#xtor=RSS-3</link></item>")
    assert items == [] and [item_id_for(u) for u in urls] == [item_id_for(f"{BASE}/a/1")]
    unnamed = "<title>Osh</title><description>text</description>"   # no guid: the same title and text
    urls, items = feed_outcome(make_spider(FeedSpider, tmp_path / "2"), f"<item>{unnamed}<link>{BASE}/a/1#top</link></item>"
                                                                        f"<item>{unnamed}<link>{BASE}/a/1#more</link></item>")
    assert items == [] and [item_id_for(u) for u in urls] == [item_id_for(f"{BASE}/a/1")]


def test_entries_of_a_shared_page_keep_their_ids_and_nothing_stored_is_duplicated(tmp_path):
    from tocsin.store import upsert_item
    from tocsin.urls import item_id_for

    # Stored before entries of a shared page were told apart: the page, under its bare id, from its first entry.
    first = make_spider(FeedSpider, tmp_path)
    upsert_item(first.ledger.store, ItemRecord(source="src", url=f"{BASE}/live#p1", text="the live page", meta={"guid": "live-1"}))
    urls, crawl_1 = feed_outcome(first, live(2) + live(1))
    assert urls == []   # the page stored before is left as it is: not fetched again, nor stored twice
    assert len(crawl_1) == 2 and item_id_for(f"{BASE}/live") not in {i.id for i in crawl_1}
    for record in crawl_1:
        upsert_item(first.ledger.store, record)
    urls, crawl_2 = feed_outcome(make_spider(FeedSpider, tmp_path), live(4) + live(3) + live(2) + live(1))
    assert urls == [] and [i.text for i in crawl_2] == ["Text of update 4", "Text of update 3"]   # only the new ones
    again = feed_outcome(make_spider(FeedSpider, tmp_path / "again"), live(4) + live(3) + live(2) + live(1))[1]
    assert [i.id for i in again][2:] == [i.id for i in crawl_1]   # the same entry, the same id, whatever the feed holds
    assert feed_outcome(make_spider(FeedSpider, tmp_path), live(2)) == ([], [])   # listed alone: still known
    edited = feed_outcome(make_spider(FeedSpider, tmp_path / "edited"), live(2, title="Update 2, corrected") + live(1))[1]
    assert edited[0].id == crawl_1[0].id   # the guid names the entry, whatever its title says now
    page = first.ledger.store.execute("SELECT kind, text FROM items WHERE id = ?", [item_id_for(f"{BASE}/live")]).fetchall()
    assert [tuple(r) for r in page] == [("article", "the live page")]


def test_items_under_a_synthetic_address_are_never_re_checked(tmp_path):
    from tocsin.crawler.spiders.paging import is_synthetic_url, synthetic_url
    from tocsin.store import upsert_item
    from tocsin.store.analyses import AnalysisRecord, save_analysis
    from tocsin.store.crawling import items_due_for_recheck

    # A feed entry of a shared page and a listing post without a permalink: fetching their address says nothing
    # (a site that drops unknown parameters would redirect it "away", and it would be removed); an article is due.
    spider = make_spider(FeedSpider, tmp_path)
    urls = [f"{BASE}/live?tocsin_item=0123456789abcdef", synthetic_url(f"{BASE}/forum?page=2", "ali", CALL),
            f"{BASE}/a/1?tocsin_items=3"]
    entry, post = (ItemRecord(source="src", url=u, kind="post", text=f"{CALL} {n}") for n, u in enumerate(urls[:2]))
    article = ItemRecord(source="src", url=urls[2], kind="article", text=CALL)
    db = spider.ledger.store
    for record in (entry, post, article):
        upsert_item(db, record)
        stored = db.execute("SELECT content_hash FROM items WHERE id = ?", [record.id]).fetchone()[0]
        save_analysis(db, AnalysisRecord(item_id=record.id, content_hash=stored, model_name="t", model_version="1",
                                         patterns_version="1", threshold=0.5, score=0.9, incitement=True))
    db.execute("UPDATE items SET last_seen = ?", [datetime.now(timezone.utc).isoformat()[:10] + "T00:00:00+00:00"])
    due = items_due_for_recheck(db, every_hours=0, within_days=30, now=datetime.now(timezone.utc))
    assert [d["id"] for d in due] == [article.id]
    assert [is_synthetic_url(u) for u in urls] == [True, True, False]
    recheck = make_spider(RecheckSpider, tmp_path / "recheck")
    recheck.items = [{"id": r.id, "url": r.url, "kind": r.kind, "meta": {}} for r in (entry, post, article)]
    assert [r.url for r in recheck.start_requests_for()] == [urls[2]]   # a stale list skips them too


def test_query_values_in_a_legacy_encoding_keep_items_apart_and_stay_fetchable():
    from tocsin.urls import canonical_url, is_web_address, item_addresses, with_query

    cp1251 = [f"{BASE}/tag.php?tag=%E0%E1", f"{BASE}/tag.php?tag=%E2%E3"]   # "аб" and "вг" in windows-1251
    assert [canonical_url(u) for u in cp1251] == cp1251   # as written: not both "??" (one id for two pages)
    assert canonical_url(f"{BASE}/news.php?12345") == f"{BASE}/news.php?12345"   # no "12345=" the site may not read
    assert canonical_url(f"{BASE}/a?q=%d0%9e%d1%88&utm_source=tg") == canonical_url(f"{BASE}/a?q=Ош") == f"{BASE}/a?q=%D0%9E%D1%88"
    assert with_query(f"{BASE}/api?tag=%E0%E1&page=2#top", page="3") == f"{BASE}/api?tag=%E0%E1&page=3"
    assert not is_web_address("http://x.kg:99999/p")   # a port no address can have
    assert item_addresses(f"{BASE}/board", ["http://x.kg:99999/p", "/p/2"], ["fallback-1", "fallback-2"]) == \
        ["fallback-1", f"{BASE}/p/2"]   # the rest of the page is kept


def test_a_feed_whose_every_entry_lacks_a_link_is_kept_and_one_with_nothing_to_keep_is_a_parse_error(tmp_path):
    spider = make_spider(FeedSpider, tmp_path)
    body = rss("<item><title>no link</title><description>text</description></item>")
    requests, items = split(spider.parse_feed(resp(f"{BASE}/rss", body, XmlResponse)))
    assert requests == [] and [i.text for i in items] == ["text"] and errors(spider) == []
    spider = make_spider(FeedSpider, tmp_path / "empty")
    body = rss("<item><guid isPermaLink='false'>x-1</guid></item>")
    assert list(spider.parse_feed(resp(f"{BASE}/rss", body, XmlResponse))) == []
    ((kind, message),) = errors(spider)
    assert kind == "parse" and "1 of 1 entries skipped" in message


def test_a_lone_surrogate_in_json_costs_one_character_not_the_page(tmp_path):
    spider = make_spider(JsonSpider, tmp_path, fields={"items": "posts", "id": "id", "text": "text", "next_cursor": "next"},
                         pagination={"mode": "cursor", "param": "cursor"})
    body = '{"posts": [{"id": 1, "text": "bad \\ud800 here"}, {"id": 2, "text": "fine \\ud83d\\ude00"}]}'
    stored = [r for r in spider.parse_json(resp(f"{BASE}/api", body, TextResponse), endpoint=f"{BASE}/api", page=None)
              if isinstance(r, ItemRecord)]
    assert [r.text for r in stored] == ["bad \ufffd here", "fine \U0001f600"]
    assert all(r.raw.decode("utf-8") for r in stored)


def test_json_records_whose_text_is_no_string_are_skipped_with_a_note_and_deep_json_is_a_parse_error(tmp_path):
    spider = make_spider(JsonSpider, tmp_path, fields={"items": "posts", "id": "id", "text": "text"})
    body = '{"posts": [{"id": 1, "text": 5}, {"id": 2, "text": {"a": 1}}, {"id": 3, "text": "a real post"}, {"id": 4, "text": true}]}'
    stored = [r for r in spider.parse_json(resp(f"{BASE}/api", body, TextResponse), endpoint=f"{BASE}/api", page=None)
              if isinstance(r, ItemRecord)]
    assert [r.text for r in stored] == ["a real post"]
    assert spider.notes == ["fields.text 'text' is not a string in some records; those were skipped"]
    deep = '{"posts": ' + "[" * 100_000 + "]" * 100_000 + "}"
    assert list(spider.parse_json(resp(f"{BASE}/api2", deep, TextResponse), endpoint=f"{BASE}/api2", page=None)) == []
    assert ("parse", "JSON nested too deeply to read") in errors(spider)


def test_a_telegram_post_id_that_is_no_plain_number_is_skipped(tmp_path):
    from parsel import Selector

    from tocsin.crawler.spiders.telegram import parse_channel_page

    posts = "".join(f'<div class="tgme_widget_message" data-post="chan/{i}"><div class="tgme_widget_message_text">post {n}'
                    "</div></div>" for n, i in enumerate(("12", "٣", "99999999999999999999", "x1", "13")))
    page = parse_channel_page(Selector(text=f"<html><body>{posts}</body></html>"), "https://t.me/s/chan")
    assert [m.id for m in page.messages] == [12, 13]


def test_a_source_that_cannot_start_is_an_error_on_its_run(tmp_path):
    spider = make_spider(JsonSpider, tmp_path, fields={"items": "posts", "text": "text"}, pagination={"mode": "page", "start": "abc"})

    async def requests():
        return [r async for r in spider.start()]

    assert asyncio.run(requests()) == []
    ((kind, message),) = errors(spider)
    assert kind == "config" and "could not start: ValueError" in message


@pytest.mark.parametrize("error, expected", [
    ("DownloadConnectionRefusedError", "127.0.0.1:9 refused the connection"),
    ("ResponseDataLossError", "127.0.0.1:9 closed the connection before the whole body arrived"),
])
def test_scrapys_connection_errors_are_connection_errors(error, expected):
    import scrapy.exceptions
    from twisted.python.failure import Failure

    from tocsin.crawler.errors import classify_failure

    try:
        raise getattr(scrapy.exceptions, error)()
    except Exception:
        failure = Failure()
    failure.request = Request("http://127.0.0.1:9/x")
    kind, message = classify_failure(failure)
    assert kind == "connection" and message.startswith(expected)


def test_a_page_number_that_is_no_number_is_a_config_error(tmp_path):
    from tocsin.config import ConfigError, load_settings

    config = tmp_path / "tocsin.toml"
    config.write_text('[[sources]]\nname = "api"\nkind = "json"\nurls = ["https://api.example/posts"]\n'
                      'fields = { items = "posts", text = "text" }\npagination = { mode = "page", start = "abc" }\n',
                      encoding="utf-8")
    with pytest.raises(ConfigError, match=r"sources\[0\]\.pagination\.start.*whole number"):
        load_settings(config, env={})


# ---------------------------------------------------------------------------------------------- a locked store

def test_an_item_the_locked_store_refuses_is_counted_lost_recorded_later_and_the_resume_point_stays(tmp_path, monkeypatch):
    import sqlite3

    from scrapy.exceptions import DropItem

    from tocsin.crawler import pipelines
    from tocsin.crawler.ledger import CrawlLedger

    monkeypatch.setattr(pipelines, "RETRY_PAUSE_S", 0)
    spider = make_spider(TelegramSpider, tmp_path, urls=[f"{BASE}/t.me/s/chan", f"{BASE}/t.me/s/calm"])
    db_path = str(tmp_path / "t.db")
    spider.ledger = CrawlLedger(db_path, "src", spider.run_id, busy_timeout_ms=50)
    spider.state = {}
    spider.channels = {"chan": {"last_id": 0, "newest": 9, "open": {}}, "calm": {"last_id": 3, "newest": 7, "open": {}}}
    tries = []
    save = spider.ledger.save
    monkeypatch.setattr(spider.ledger, "save", lambda record: (tries.append(record.url), save(record)))
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")   # another program writes for a long time
    for n in (8, 9):
        with pytest.raises(DropItem, match="store locked"):
            pipelines.StorePipeline.save(spider.ledger, ItemRecord(source="src", url=f"{BASE}/t.me/chan/{n}", kind="post", text="a post"))
    assert len(tries) == pipelines.STORE_TRIES + 1   # while the lock lasts, later items are tried once
    holder.execute("ROLLBACK")
    spider.on_closed("finished")
    spider.ledger.flush(force=True)
    assert spider.ledger.totals["lost"] == 2
    assert [k for k, m in errors(spider)] == ["store", "store"] and "fetched again on the next crawl" in errors(spider)[0][1]
    # no resume point moved past the posts that were not stored; the channel whose posts all were stored moves on
    assert spider.ledger.state() == {"channels": {"calm": {"last_id": 7}}}


def test_an_item_a_full_disk_refuses_is_counted_lost_and_its_error_written_once_there_is_room(tmp_path, monkeypatch):
    import sqlite3

    from scrapy.exceptions import DropItem

    from tocsin.crawler import ledger as ledger_module
    from tocsin.crawler import pipelines
    from tocsin.crawler.ledger import CrawlLedger

    spider = make_spider(FeedSpider, tmp_path)
    spider.ledger = CrawlLedger(str(tmp_path / "t.db"), "src", spider.run_id, busy_timeout_ms=50)
    full = {"on": True}
    upsert, record_error = ledger_module.upsert_item, ledger_module.record_crawl_error

    def disk(write):
        def guarded(*args, **kwargs):
            if full["on"]:
                raise sqlite3.OperationalError("database or disk is full")
            return write(*args, **kwargs)
        return guarded

    monkeypatch.setattr(ledger_module, "upsert_item", disk(upsert))
    monkeypatch.setattr(ledger_module, "record_crawl_error", disk(record_error))
    with pytest.raises(DropItem, match="store not writable"):
        pipelines.StorePipeline.save(spider.ledger, ItemRecord(source="src", url=f"{BASE}/news/1.html", text="a text"))
    assert spider.ledger.totals["lost"] == 1 and spider.ledger.lost_urls == [f"{BASE}/news/1.html"]
    full["on"] = False   # room again: the error kept in memory is written, and the run cannot look clean
    spider.ledger.flush(force=True)
    ((kind, message),) = errors(spider)
    assert kind == "store" and "the store cannot be written (database or disk is full)" in message


def test_an_up_to_date_store_opens_while_another_program_writes_and_a_lock_is_one_message(tmp_path):
    import sqlite3

    from tocsin.cli.app import stated_problem
    from tocsin.store import connect

    connect(tmp_path / "t.db").close()
    holder = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        db = connect(tmp_path / "t.db", busy_timeout_ms=50)   # migrations are only read: no write lock wanted
        assert db.execute("SELECT count(*) FROM items").fetchone()[0] == 0
        with pytest.raises(sqlite3.OperationalError) as locked:
            db.execute("INSERT INTO sources (name) VALUES ('x')")
        assert "locked by another program" in stated_problem(locked.value)
        db.close()
    finally:
        holder.execute("ROLLBACK")


def test_a_utf_8_page_with_a_stray_byte_stays_utf_8(tmp_path):
    spider = make_spider(FeedSpider, tmp_path)
    text = "O‘zbeklar va qirg‘izlar bozorda savdo qilishdi. Oʻsh shahrida bayram boʻldi, hamma xursand edi. " * 3
    body = f'<html><head><meta charset="utf-8"></head><body><article><p>{text}</p></article></body></html>'.encode()
    url = f"{BASE}/a/2"
    response = HtmlResponse(url=url, body=body.replace(b"bayram", b"bayram\xe9", 1), request=Request(url),
                            headers={"Content-Type": "text/html; charset=utf-8"})
    (stored,) = spider.parse_article(response, ArticleLead(url=url))
    assert "O‘zbeklar va qirg‘izlar" in stored.text


SITEMAP_HEAD = b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'


def sitemap_urls(n: int) -> bytes:
    return b"".join(b"<url><loc>%s/news/%d.html</loc></url>\n" % (BASE.encode(), i) for i in range(n))


def test_a_sitemap_cut_off_is_used_up_to_its_last_whole_address_and_noted(tmp_path):
    spider = make_spider(SitemapSpider, tmp_path)
    body = SITEMAP_HEAD + sitemap_urls(4)
    cut = body[:-17]   # inside the fourth address
    requests = [r for r in spider.parse_sitemap(resp(f"{BASE}/sitemap.xml", cut, TextResponse)) if isinstance(r, Request)]
    assert sorted(r.url for r in requests) == [f"{BASE}/news/{i}.html" for i in range(3)]
    (note,) = spider.notes
    assert note.startswith(f"{BASE}/sitemap.xml: malformed sitemap: ") and "cut off before its end" in note
    assert "the 3 entries read before or around it were used" in note


def test_a_sitemap_with_bare_ampersands_keeps_every_address_whole(tmp_path):
    spider = make_spider(SitemapSpider, tmp_path)
    body = SITEMAP_HEAD + f"<url><loc>{BASE}/index.php?newsid=5&amp;page=1&print=1&#38;x=2</loc></url></urlset>".encode()
    (request,) = [r for r in spider.parse_sitemap(resp(f"{BASE}/sitemap.xml", body, TextResponse)) if isinstance(r, Request)]
    assert request.url == f"{BASE}/index.php?newsid=5&page=1&print=1&x=2" and spider.notes == []
    whole = SITEMAP_HEAD + sitemap_urls(2) + b"</urlset>"
    assert len(list(make_spider(SitemapSpider, tmp_path / "b").parse_sitemap(resp(f"{BASE}/s.xml", whole, TextResponse)))) == 2
