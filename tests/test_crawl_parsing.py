"""Spider callbacks and pure crawl logic on saved bodies (``HtmlResponse(url, body=...)``), no engine."""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, TextResponse, XmlResponse

from tocsin.config import SourceSettings
from tocsin.crawler.demo_world import pages
from tocsin.crawler.demo_world.content import WorldState, load_data
from tocsin.crawler.demo_world.sources import COMMENT_SELECTORS, FORUM_SELECTORS, MICROBLOG_FIELDS
from tocsin.crawler.errors import BlockedAddress, BlockedScheme
from tocsin.crawler.items import ItemRecord, Removed
from tocsin.crawler.middlewares import BackoffRetryMiddleware, address_problem, check_url
from tocsin.crawler.spiders import FeedSpider, JsonSpider, ListingSpider, RecheckSpider, SitemapSpider, TelegramSpider
from tocsin.crawler.spiders.json_endpoint import get_path
from tocsin.crawler.spiders.sitemap import parse_sitemap
from tocsin.crawler.spiders.telegram import parse_channel_page, parse_count
from tocsin.store import connect, upsert_item
from tocsin.store.sources import start_crawl_run, sync_sources
from tocsin.urls import item_id_for

FIXTURES = Path(__file__).parent / "fixtures" / "crawl"
BASE = "http://demo.example"


def make_spider(cls, tmp_path, **source_kw):
    """A spider for one source, with a store and an open crawl run."""
    source = SourceSettings(**{"name": "src", "kind": cls.kind if cls.kind != "recheck" else "feed", "urls": [f"{BASE}/start"], **source_kw})
    db_path = tmp_path / "t.db"
    db = connect(db_path)
    sync_sources(db, [source])
    run_id = start_crawl_run(db, source.name)
    db.close()
    return cls(source=source, run_id=run_id, db_path=str(db_path))


def resp(url: str, body: str | bytes, cls=HtmlResponse, status: int = 200) -> TextResponse:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return cls(url=url, body=data, encoding="utf-8", status=status, request=Request(url))


def split(results):
    out = list(results or [])
    return [r for r in out if isinstance(r, Request)], [r for r in out if not isinstance(r, Request)]


# ---------------------------------------------------------------------------------------------- feeds


def test_feed_spider_follows_rss2_entries_without_tracking_parameters(tmp_path):
    spider = make_spider(FeedSpider, tmp_path)
    state = WorldState()
    requests, items = split(spider.parse_feed(resp(f"{BASE}/osh-times/rss.xml", pages.rss_xml(BASE, state), XmlResponse)))
    assert items == []
    assert len(requests) == len(load_data("osh_times")["articles"])
    lead = requests[0].cb_kwargs["lead"]
    assert "utm_" not in spider.canonical(lead.url)
    assert lead.title and lead.summary and lead.published_at and lead.author


def test_feed_spider_reads_rss1_and_atom_with_relative_links(tmp_path):
    spider = make_spider(FeedSpider, tmp_path)
    requests, _ = split(spider.parse_feed(resp("https://news.example.org/rss", (FIXTURES / "rss1.rdf").read_bytes(), XmlResponse)))
    leads = [r.cb_kwargs["lead"] for r in requests]
    assert [spider.canonical(x.url) for x in leads] == ["https://news.example.org/a/1", "https://news.example.org/a/2"]
    assert leads[0].summary == "The market reopened on Monday."
    assert leads[0].published_at == "2026-11-20T03:30:00+00:00"
    requests, _ = split(spider.parse_feed(resp("https://valley.example.org/atom", (FIXTURES / "atom_relative.xml").read_bytes(), XmlResponse)))
    (lead,) = [r.cb_kwargs["lead"] for r in requests]
    assert spider.canonical(lead.url) == "https://valley.example.org/news/cotton"
    assert lead.title == "Cotton & wheat prices" and lead.summary == "Full text of the entry in the feed."


def test_feed_spider_skips_known_articles(tmp_path):
    spider = make_spider(FeedSpider, tmp_path)
    state = WorldState()
    first = load_data("osh_times")["articles"][0]
    known_url = f"{BASE}/osh-times/news/{first['slug']}.html"
    upsert_item(spider.ledger.store, ItemRecord(source="src", url=known_url, text="already here"))
    requests, _ = split(spider.parse_feed(resp(f"{BASE}/osh-times/rss.xml", pages.rss_xml(BASE, state), XmlResponse)))
    assert item_id_for(known_url) not in {item_id_for(r.url) for r in requests}
    assert len(requests) == len(load_data("osh_times")["articles"]) - 1


def test_malformed_feed_is_recorded_as_a_parse_error(tmp_path):
    spider = make_spider(FeedSpider, tmp_path)
    assert split(spider.parse_feed(resp(f"{BASE}/bad.xml", "<rss><channel><item><title>broken <<<", XmlResponse))) == ([], [])
    spider.ledger.flush(force=True)
    row = spider.ledger.store.execute("SELECT kind, message FROM crawl_errors").fetchone()
    assert row[0] == "parse" and "feed" in row[1]


# ---------------------------------------------------------------------------------------------- articles


def test_article_extraction_leaves_out_navigation_ads_and_comments(tmp_path):
    spider = make_spider(FeedSpider, tmp_path, selectors=dict(COMMENT_SELECTORS))
    state = WorldState()
    art = load_data("osh_times")["articles"][0]
    url = f"{BASE}/osh-times/news/{art['slug']}.html"
    from tocsin.crawler.spiders.articles import ArticleLead

    out = list(spider.parse_article(resp(url, pages.article_html("osh_times", art, state)), ArticleLead(url=url, summary="s")))
    article = out[0]
    assert article.kind == "article" and article.title == art["title"] and article.author == art["author"]
    assert art["paragraphs"][0][:60] in article.text and art["paragraphs"][-1][:40] in article.text
    for noise in ("Реклама", "Главная", "Кредит", "Модераторы", "Комментарии"):
        assert noise not in article.text
    assert article.lang == "ru" and article.published_at == state.at(art["minutes_ago"]).isoformat()
    assert article.raw and b"<html" in article.raw
    comments = out[1:]
    assert [c.kind for c in comments] == ["comment"] * len(art["comments"])
    assert comments[1].text == art["comments"][1]["text"] and comments[1].author == art["comments"][1]["author"]
    assert comments[1].url == f"{url}?replytocom={art['comments'][1]['id']}"


def test_page_without_text_keeps_the_feed_summary(tmp_path):
    spider = make_spider(FeedSpider, tmp_path)
    from tocsin.crawler.spiders.articles import ArticleLead

    lead = ArticleLead(url=f"{BASE}/x", title="T", summary="From the feed.")
    (item,) = spider.parse_article(resp(f"{BASE}/x", "<html><body><script>app()</script></body></html>"), lead)
    assert item.text == "From the feed." and item.meta["text_from"] == "feed_summary"
    assert list(spider.parse_article(resp(f"{BASE}/y", "<html><body></body></html>"), ArticleLead(url=f"{BASE}/y"))) == []
    spider.ledger.flush(force=True)
    kinds = [r[0] for r in spider.ledger.store.execute("SELECT kind FROM crawl_errors")]
    assert kinds == ["no_text", "no_text"]


# ---------------------------------------------------------------------------------------------- sitemaps


def test_sitemap_index_news_extension_gzip_and_date_window(tmp_path):
    state = WorldState()
    index = parse_sitemap(pages.sitemap_index_xml(BASE, state).encode())
    assert index.kind == "sitemapindex" and len(index.entries) == 2
    news = parse_sitemap(pages.sitemap_news_xml(BASE, state).encode())
    assert news.kind == "urlset" and all(e.news and e.title and e.date for e in news.entries)
    spider = make_spider(SitemapSpider, tmp_path, since_days=7)
    requests, _ = split(spider.parse_sitemap(resp(f"{BASE}/vodiy/sitemap-archive.xml.gz", pages.sitemap_archive_gz(BASE, state), TextResponse)))
    archive = [a for a in load_data("vodiy")["articles"] if a["minutes_ago"] > 2 * 24 * 60]
    in_week = [a for a in archive if a["minutes_ago"] <= 7 * 24 * 60]
    assert 0 < len(in_week) < len(archive)
    assert len(requests) == len(in_week)


def test_sitemap_rejects_what_is_not_a_sitemap(tmp_path):
    spider = make_spider(SitemapSpider, tmp_path)
    assert split(spider.parse_sitemap(resp(f"{BASE}/s.xml", "<html><body>hi</body></html>"))) == ([], [])
    bomb = gzip.compress(b"<urlset>" + b" " * 5_000_000)
    spider.crawler = type("C", (), {"settings": type("S", (), {"getint": staticmethod(lambda k: 1_000_000)})()})()
    assert split(spider.parse_sitemap(resp(f"{BASE}/s.xml.gz", bomb, TextResponse))) == ([], [])
    spider.ledger.flush(force=True)
    assert [r[0] for r in spider.ledger.store.execute("SELECT kind FROM crawl_errors ORDER BY id")] == ["parse", "too_large"]


# ---------------------------------------------------------------------------------------------- telegram


def test_channel_preview_page_parsing():
    state = WorldState()
    html = pages.telegram_page_html("south_news_demo", state.messages("south_news_demo"), None, 10, BASE)
    page = parse_channel_page(HtmlResponse(url=f"{BASE}/t.me/s/south_news_demo", body=html.encode(), encoding="utf-8").selector, BASE)
    ids = [m.id for m in page.messages]
    assert ids == sorted(ids) and len(ids) == 10 and page.before == ids[0]
    last = page.messages[-1]
    assert last.forwarded_from == "Мэрия Оша (demo)" and last.views == 6400
    assert last.url == f"{BASE}/t.me/south_news_demo/{last.id}" and last.published_at
    with_link = next(m for m in parse_channel_page(HtmlResponse(
        url=BASE, body=pages.telegram_page_html("south_news_demo", state.messages("south_news_demo"), 1005, 10, BASE).encode(),
        encoding="utf-8").selector, BASE).messages if m.links)
    assert with_link.links == ["https://example.org/roads/too-ashuu"] and "реверс" in with_link.text


def test_view_counts():
    assert [parse_count(x) for x in ("987", "6.1K", "1.2M", "", "n/a")] == [987, 6100, 1_200_000, None, None]


def test_telegram_spider_pages_back_and_stops_at_the_resume_point(tmp_path):
    spider = make_spider(TelegramSpider, tmp_path, urls=[f"{BASE}/t.me/s/south_news_demo"])
    spider.ledger.save_state({"channels": {"south_news_demo": {"last_id": 1015}}})
    (first,) = list(spider.start_requests_for())
    state = WorldState()
    body = pages.telegram_page_html("south_news_demo", state.messages("south_news_demo"), None, 10, BASE)
    requests, items = split(spider.parse_page(resp(first.url, body), **first.cb_kwargs))
    assert len(items) == 10 and requests == []  # the page reaches back past message 1015
    spider.on_closed("finished")
    assert spider.ledger.state()["channels"]["south_news_demo"] == {"last_id": 1022}


def test_a_lost_message_keeps_the_resume_point_whatever_the_case_of_the_channel_name(tmp_path):
    spider = make_spider(TelegramSpider, tmp_path, urls=[f"{BASE}/t.me/s/South_News_Demo"])
    spider.ledger.save_state({"channels": {"South_News_Demo": {"last_id": 1015}}})
    (first,) = list(spider.start_requests_for())
    body = pages.telegram_page_html("south_news_demo", WorldState().messages("south_news_demo"), None, 10, BASE)
    _, items = split(spider.parse_page(resp(first.url, body), **first.cb_kwargs))
    assert "/south_news_demo/" in items[0].url   # the links name the channel as t.me writes it
    spider.ledger.lost(items[0].url, "the store stayed locked")
    spider.on_closed("finished")
    assert spider.ledger.state()["channels"]["South_News_Demo"] == {"last_id": 1015}   # read again next time


# ---------------------------------------------------------------------------------------------- listing and json


def test_listing_spider_with_css_selectors_stops_at_known_pages(tmp_path):
    spider = make_spider(ListingSpider, tmp_path, selectors=dict(FORUM_SELECTORS))
    state = WorldState()
    requests, items = split(spider.parse_listing(resp(f"{BASE}/forum/", pages.forum_page_html(1, state))))
    assert len(items) == 5 and [r.url for r in requests] == [f"{BASE}/forum/?page=2"]
    assert items[0].url == f"{BASE}/forum/viewtopic.php?p=9012#p9012" and items[0].author == "Азамат_О"
    for item in items:
        upsert_item(spider.ledger.store, item)
    requests, items = split(spider.parse_listing(resp(f"{BASE}/forum/", pages.forum_page_html(1, state))))
    assert len(items) == 5 and requests == []


def test_listing_spider_with_xpath_selectors_and_no_permalinks(tmp_path):
    selectors = {"item": "//ol[@class='comments']/li", "text": "./div[@class='txt']", "author": "./p[@class='who']/text()",
                 "date": "./p[@class='when']/text()", "next_page": "//a[@class='older']/@href"}
    spider = make_spider(ListingSpider, tmp_path, selectors=selectors)
    requests, items = split(spider.parse_listing(resp(f"{BASE}/c", (FIXTURES / "listing_xpath.html").read_bytes())))
    assert [i.text for i in items] == ["Первый комментарий. Вторая строка.", "Ikkinchi izoh."]
    assert items[0].published_at == "2026-11-20T04:00:00+00:00" and items[1].published_at == "2026-11-20T06:00:00+00:00"
    assert items[0].url != items[1].url and "tocsin_item=" in items[0].url
    assert [r.url for r in requests] == [f"{BASE}/c?page=2"]


def test_a_post_without_a_link_keeps_its_id_as_newer_posts_push_it_to_the_next_page(tmp_path):
    spider = make_spider(ListingSpider, tmp_path, selectors={"item": "li", "text": "p", "author": "b::text",
                                                             "next_page": "a.older::attr(href)"})
    post = "<li><b>{who}</b><p>{text}</p></li>"
    first = ("<ol>" + post.format(who="Guli", text="Same words.") + post.format(who="Timur", text="Same words.")
             + "</ol><a class=older href='/c?page=2'>older</a>")
    (request,), items = split(spider.parse_listing(resp(f"{BASE}/c", first), start_url=f"{BASE}/c"))
    assert len({i.id for i in items}) == 2   # two people posting the same words are two items
    _, later = split(spider.parse_listing(resp(request.url, "<ol>" + post.format(who="Guli", text="Same words.") + "</ol>"),
                                          **request.cb_kwargs))
    assert later[0].id == items[0].id   # the same post, now on page 2: the same item


def test_json_records_without_the_id_their_link_is_made_of_stay_apart(tmp_path):
    spider = make_spider(JsonSpider, tmp_path, fields={"items": "posts", "id": "id", "text": "text", "author": "by",
                                                       "url": f"{BASE}/p/{{id}}"})
    body = '{"posts": [{"id": 7, "text": "one"}, {"text": "two", "by": "a"}, {"text": "three", "by": "b"}]}'
    items = [r for r in spider.parse_json(resp(f"{BASE}/api", body, TextResponse), endpoint=f"{BASE}/api", page=None)
             if isinstance(r, ItemRecord)]
    assert items[0].url == f"{BASE}/p/7" and "tocsin_item=" in items[1].url and len({i.id for i in items}) == 3


def test_listing_and_json_configs_are_checked(tmp_path):
    with pytest.raises(ValueError, match="selectors need item"):
        make_spider(ListingSpider, tmp_path, selectors={"text": "p"})
    with pytest.raises(ValueError, match="not valid CSS or XPath"):
        make_spider(ListingSpider, tmp_path / "b", selectors={"item": "div[[", "text": "p"})
    with pytest.raises(ValueError, match="next_cursor"):
        make_spider(JsonSpider, tmp_path / "c", fields={"text": "t"}, pagination={"mode": "cursor"})


def test_json_spider_maps_fields_and_follows_the_cursor(tmp_path):
    (tmp_path / "b").mkdir()
    spider = make_spider(JsonSpider, tmp_path / "b", fields=dict(MICROBLOG_FIELDS), pagination={"mode": "cursor", "param": "cursor"})
    state = WorldState()
    requests, items = split(spider.parse_json(resp(f"{BASE}/api/timeline.json", pages.timeline_json("", state, BASE), TextResponse),
                                              endpoint=f"{BASE}/api/timeline.json", page=None))
    assert len(items) == 3 and items[0].url.startswith(f"{BASE}/chirp/") and items[0].author == "valley_watch"
    assert items[0].published_at and items[0].meta["post_id"] == "c-808"
    assert [r.url for r in requests] == [f"{BASE}/api/timeline.json?cursor=3"]
    assert get_path({"a": [{"b": 1}]}, "a.0.b") == 1 and get_path({"a": 1}, "a.b") is None


# ---------------------------------------------------------------------------------------------- re-checks


def test_recheck_marks_missing_messages_and_gone_pages_removed(tmp_path):
    spider = make_spider(RecheckSpider, tmp_path)
    state = WorldState()
    msg = {"id": "x", "url": f"{BASE}/t.me/south_news_demo/1020", "kind": "post",
           "meta": {"channel": "south_news_demo", "message_id": 1020, "channel_url": f"{BASE}/t.me/s/south_news_demo"}}
    body = pages.telegram_page_html("south_news_demo", state.messages("south_news_demo"), 1021, 10, BASE)
    (found,) = spider.check_message(resp(f"{BASE}/t.me/s/south_news_demo?before=1021", body), msg)
    assert isinstance(found, ItemRecord) and "провокация" in found.text
    state.remove_message("south_news_demo", 1020)
    body = pages.telegram_page_html("south_news_demo", state.messages("south_news_demo"), 1021, 10, BASE)
    (gone,) = spider.check_message(resp(f"{BASE}/t.me/s/south_news_demo?before=1021", body), msg)
    assert isinstance(gone, Removed)
    (gone,) = spider.check_page(resp(f"{BASE}/a", "gone", status=410), {"id": "y", "url": f"{BASE}/a", "kind": "article"})
    assert isinstance(gone, Removed) and "410" in gone.reason


# ---------------------------------------------------------------------------------------------- safety


@pytest.mark.parametrize("url, error", [
    ("http://127.0.0.1:8000/x", BlockedAddress), ("http://10.1.2.3/", BlockedAddress), ("http://192.168.0.1/", BlockedAddress),
    ("http://169.254.169.254/latest/meta-data", BlockedAddress), ("http://[::1]/", BlockedAddress),
    ("http://[::ffff:127.0.0.1]/", BlockedAddress), ("http://100.64.0.1/", BlockedAddress), ("http://0.0.0.0/", BlockedAddress),
    ("file:///etc/passwd", BlockedScheme), ("ftp://example.org/", BlockedScheme), ("gopher://x/", BlockedScheme),
])
def test_private_and_non_http_addresses_are_blocked(url, error):
    with pytest.raises(error):
        check_url(url, allow_private=False, resolve=lambda host: [ipaddress.ip_address(host.strip("[]"))])


def test_resolved_addresses_are_checked_not_names():
    with pytest.raises(BlockedAddress, match="10.0.0.5"):
        check_url("https://intranet.example.org/", allow_private=False, resolve=lambda host: [ipaddress.ip_address("10.0.0.5")])
    check_url("https://news.example.org/", allow_private=False, resolve=lambda host: [ipaddress.ip_address("93.184.215.14")])


def test_a_source_may_reach_only_its_own_private_hosts():
    check_url("http://localhost:8790/feed", allow_private=False, own_hosts={"localhost"}, resolve=lambda h: [ipaddress.ip_address("127.0.0.1")])
    with pytest.raises(BlockedAddress):
        check_url("http://127.0.0.1:8790/", allow_private=False, own_hosts={"localhost"}, resolve=lambda h: [ipaddress.ip_address(h)])
    check_url("http://127.0.0.1:8790/", allow_private=True, resolve=lambda h: [ipaddress.ip_address(h)])
    assert address_problem(ipaddress.ip_address("fe80::1")) == "link-local"


def test_retry_backoff_doubles_and_honours_retry_after():
    from scrapy.settings import Settings as ScrapySettings

    mw = BackoffRetryMiddleware(ScrapySettings({"RETRY_BACKOFF_S": 1.5, "RETRY_TIMES": 3}))
    assert [mw.delay_for(Request("http://x", meta={"retry_times": n})) for n in (1, 2, 3)] == [1.5, 3.0, 6.0]
    busy = HtmlResponse("http://x", status=429, headers={"Retry-After": "20"}, body=b"")
    assert mw.delay_for(Request("http://x", meta={"retry_times": 1}), busy) == 20.0
    huge = HtmlResponse("http://x", status=503, headers={"Retry-After": "86400"}, body=b"")
    assert mw.delay_for(Request("http://x", meta={"retry_times": 1}), huge) == 60.0


def test_demo_world_dates_follow_its_start():
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert WorldState(now=start).at(90) == start - timedelta(minutes=90)


def test_starter_config_declares_the_demo_sources_as_demo_sources_does():
    from tocsin.cli.setup import starter_config_text
    from tocsin.config import load_settings
    from tocsin.crawler.demo_world import demo_sources

    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tocsin.toml"
        path.write_text(starter_config_text(), encoding="utf-8")
        starter = {s.name: s for s in load_settings(path, env={}).sources if s.name.startswith("demo-")}
    for src in demo_sources("http://127.0.0.1:8790"):
        ours = starter[src.name]
        assert (ours.kind, ours.urls, ours.selectors, ours.fields, ours.pagination, ours.allow_private_networks) == \
            (src.kind, src.urls, src.selectors, src.fields, src.pagination, True), src.name


def test_articles_stored_from_their_feed_summary_are_fetched_again(tmp_path):
    spider = make_spider(FeedSpider, tmp_path)
    full, partial = f"{BASE}/full", f"{BASE}/partial"
    upsert_item(spider.ledger.store, ItemRecord(source="src", url=full, text="whole article"))
    upsert_item(spider.ledger.store, ItemRecord(source="src", url=partial, text="summary", meta={"text_from": "feed_summary"}))
    assert spider.unknown([full, partial, f"{BASE}/new"]) == [partial, f"{BASE}/new"]


def test_the_resolver_refuses_private_answers_for_hosts_not_opted_in():
    from twisted.internet.error import DNSLookupError

    from tocsin.crawler.resolver import GuardedResolver

    resolver = GuardedResolver.__new__(GuardedResolver)
    resolver.allow_all, resolver.allowed_hosts = False, frozenset({"intranet.local"})
    assert resolver.check_answer("93.184.215.14", "news.example.org") == "93.184.215.14"
    assert resolver.check_answer("10.0.0.7", "intranet.local") == "10.0.0.7"
    with pytest.raises(DNSLookupError, match="private"):
        resolver.check_answer("10.0.0.7", "rebinding.example.org")


def test_sitemaps_listed_in_robots_txt_are_found():
    found = parse_sitemap(b"User-agent: *\nDisallow: /admin/\nSitemap: https://example.org/news.xml\nsitemap: https://example.org/a.xml.gz\n")
    assert found.kind == "robots" and [e.loc for e in found.entries] == ["https://example.org/news.xml", "https://example.org/a.xml.gz"]
    with pytest.raises(ValueError, match="not a sitemap"):
        parse_sitemap(b"<?xml version='1.0'?><rss><channel/></rss>")


def test_telegram_crawl_cut_short_leaves_a_gap_that_the_next_crawl_fills(tmp_path):
    spider = make_spider(TelegramSpider, tmp_path, urls=[f"{BASE}/t.me/s/south_news_demo"], max_pages=1)
    spider.ledger.save_state({"channels": {"south_news_demo": {"last_id": 1003}}})
    (first,) = list(spider.start_requests_for())
    state = WorldState()
    body = pages.telegram_page_html("south_news_demo", state.messages("south_news_demo"), None, 10, BASE)
    requests, items = split(spider.parse_page(resp(first.url, body), **first.cb_kwargs))
    assert len(items) == 10 and requests == []  # max_pages = 1: no second page
    spider.on_closed("finished")
    oldest = min(i.meta["message_id"] for i in items)
    assert spider.ledger.state()["channels"]["south_news_demo"] == {"last_id": 1022, "gaps": [{"before": oldest, "until": 1003}]}
    again = make_spider(TelegramSpider, tmp_path / "x", urls=[f"{BASE}/t.me/s/south_news_demo"])
    again.ledger = spider.ledger
    again.ledger.open()
    starts = list(again.start_requests_for())
    assert [r.url for r in starts] == [f"{BASE}/t.me/s/south_news_demo", f"{BASE}/t.me/s/south_news_demo?before={oldest}"]
    body = pages.telegram_page_html("south_news_demo", state.messages("south_news_demo"), oldest, 10, BASE)
    requests, items = split(again.parse_page(resp(starts[1].url, body), **starts[1].cb_kwargs))
    assert requests == [] and min(i.meta["message_id"] for i in items) <= 1004
    again.channels["south_news_demo"]["newest"] = 1022
    again.channels["south_news_demo"]["open"].pop("main")
    again.on_closed("finished")
    assert again.ledger.state()["channels"]["south_news_demo"] == {"last_id": 1022}


def test_the_guard_blocks_a_redirect_to_loopback_when_private_networks_are_off():
    from tocsin.crawler.middlewares import PrivateNetworkGuard

    crawler = type("Crawler", (), {})()
    crawler.settings = type("S", (), {"getbool": staticmethod(lambda key: False)})()
    crawler.spider = type("Spider", (), {"private_hosts": frozenset()})()
    guard = PrivateNetworkGuard(crawler)
    guard.cache["news.example.org"] = [ipaddress.ip_address("93.184.215.14")]
    check = lambda request: asyncio.run(guard.process_request(request))  # noqa: E731
    assert check(Request("https://news.example.org/a")) is None
    redirected = Request("http://127.0.0.1/admin", meta={"redirect_urls": ["https://news.example.org/a"]})
    with pytest.raises(BlockedAddress, match=r"redirect from https://news.example.org/a blocked: .*loopback"):
        check(redirected)
    guard.cache["rebound.example.org"] = [ipaddress.ip_address("10.9.8.7")]
    with pytest.raises(BlockedAddress, match="10.9.8.7, a private address"):
        check(Request("https://rebound.example.org/"))
    with pytest.raises(BlockedScheme):
        check(Request("https://news.example.org/a").replace(url="file:///etc/passwd"))


@pytest.mark.parametrize("status", [404, 410])
def test_recheck_treats_404_and_410_as_removed(tmp_path, status):
    spider = make_spider(RecheckSpider, tmp_path)
    (gone,) = spider.check_page(resp(f"{BASE}/a", "", status=status), {"id": "y", "url": f"{BASE}/a", "kind": "post"})
    assert isinstance(gone, Removed) and str(status) in gone.reason


def test_a_web_page_given_as_a_feed_leads_to_the_feed_it_advertises(tmp_path):
    spider = make_spider(FeedSpider, tmp_path)
    page = ('<html><head><link rel="alternate" type="application/rss+xml" title="RSS" href="/rss/news.xml">'
            '</head><body><p>Home page</p></body></html>')
    requests, _ = split(spider.parse_feed(resp(f"{BASE}/", page)))
    assert [r.url for r in requests] == [f"{BASE}/rss/news.xml"] and "advertises" in spider.notes[0]
    assert split(spider.parse_feed(resp(f"{BASE}/rss/news.xml", page), discovered=True)) == ([], [])
    spider.ledger.flush(force=True)
    assert [r[0] for r in spider.ledger.store.execute("SELECT kind FROM crawl_errors")] == ["parse"]


def test_runs_left_open_by_a_killed_crawl_are_closed_later(tmp_path):
    from tocsin.crawler.runner import close_abandoned_runs
    from tocsin.store.crawling import crawl_runs

    db = connect(tmp_path / "t.db")
    sync_sources(db, [SourceSettings(name="a", urls=[BASE]), SourceSettings(name="b", urls=[BASE])])
    old_a, old_b, fresh_a = start_crawl_run(db, "a"), start_crawl_run(db, "b"), start_crawl_run(db, "a")
    db.execute("UPDATE crawl_runs SET started_at = '2020-01-01T00:00:00+00:00' WHERE id IN (?, ?)", [old_a, old_b])
    close_abandoned_runs(db, ["a"], timeout_s=60)
    status = {r["id"]: r["status"] for r in crawl_runs(db, [old_a, old_b, fresh_a])}
    assert status == {old_a: "failed", old_b: "running", fresh_a: "running"}  # b not crawled now; fresh_a may be alive


def test_a_source_taken_out_of_the_config_keeps_its_row_but_is_no_longer_enabled(tmp_path):
    db = connect(tmp_path / "t.db")
    sync_sources(db, [SourceSettings(name="a", urls=[BASE]), SourceSettings(name="b", urls=[BASE])])
    sync_sources(db, [SourceSettings(name="b", urls=[BASE])])   # "a" removed when going live
    assert dict(db.execute("SELECT name, enabled FROM sources ORDER BY name").fetchall()) == {"a": 0, "b": 1}
    sync_sources(db, [SourceSettings(name="a", urls=[BASE]), SourceSettings(name="b", urls=[BASE], enabled=False)])
    assert dict(db.execute("SELECT name, enabled FROM sources ORDER BY name").fetchall()) == {"a": 1, "b": 0}


def test_a_channel_without_public_history_is_an_error(tmp_path):
    spider = make_spider(TelegramSpider, tmp_path, urls=[f"{BASE}/t.me/s/some_group"])
    (first,) = list(spider.start_requests_for())
    page = '<html><body><div class="tgme_page"><div class="tgme_page_title">Some group</div></div></body></html>'
    assert split(spider.parse_page(resp(first.url, page), **first.cb_kwargs)) == ([], [])
    spider.ledger.flush(force=True)
    (message,) = [r[0] for r in spider.ledger.store.execute("SELECT message FROM crawl_errors")]
    assert "no public message history" in message
    spider.on_closed("finished")
    assert spider.ledger.state() == {}  # nothing learnt, nothing saved


def test_feeds_are_fetched_conditionally_after_the_first_crawl(tmp_path):
    spider = make_spider(FeedSpider, tmp_path)
    (first,) = list(spider.start_requests_for())
    assert b"If-None-Match" not in first.headers
    feed = pages.rss_xml(BASE, WorldState())
    response = XmlResponse(url=first.url, body=feed.encode(), encoding="utf-8", request=first,
                           headers={"ETag": '"v1"', "Last-Modified": "Sat, 28 Nov 2026 10:00:00 GMT"})
    split(spider.parse_feed(response))
    spider.on_closed("finished")
    again = make_spider(FeedSpider, tmp_path / "again")
    again.ledger = spider.ledger
    (second,) = list(again.start_requests_for())
    assert second.headers[b"If-None-Match"] == b'"v1"' and second.headers[b"If-Modified-Since"].startswith(b"Sat, 28 Nov")
    assert split(again.parse_feed(XmlResponse(url=second.url, status=304, body=b"", request=second))) == ([], [])


def test_a_feed_crawl_that_left_work_undone_is_not_fetched_conditionally_next_time(tmp_path):
    spider = make_spider(FeedSpider, tmp_path, max_pages=3)
    (first,) = list(spider.start_requests_for())
    response = XmlResponse(url=first.url, body=pages.rss_xml(BASE, WorldState()).encode(), encoding="utf-8", request=first,
                           headers={"ETag": '"v1"'})
    requests, _ = split(spider.parse_feed(response))
    assert len(requests) == 2 and spider.budget_note  # max_pages cut the articles short
    spider.on_closed("finished")
    assert "feeds" not in spider.ledger.state() or spider.ledger.state()["feeds"] == {}


def test_no_console_or_remote_control_listens_in_a_crawl():
    from tocsin.config import CrawlSettings
    from tocsin.crawler.settings import scrapy_settings

    values = scrapy_settings(CrawlSettings())
    assert values["TELNETCONSOLE_ENABLED"] is False and values["REMOTE_CONTROL_ENABLED"] is False
    assert values["CONCURRENT_REQUESTS_PER_DOMAIN"] == 2 and values["ROBOTSTXT_OBEY"] is True and values["AUTOTHROTTLE_ENABLED"] is True
    assert values["DOWNLOAD_MAXSIZE"] == CrawlSettings().max_page_bytes and values["COOKIES_ENABLED"] is False
