"""The sitemaps real news sites serve: nested and looping indexes, gzip, Google News beside image entries, archives
of monthly sitemaps, text sitemaps, a byte-order mark, and bodies that are no sitemap at all."""

from __future__ import annotations

import codecs
import gzip
from datetime import datetime, timezone

import pytest
from scrapy import Request
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.http import HtmlResponse, Response, TextResponse, XmlResponse
from scrapy.utils.test import get_crawler

from tests.test_crawl_parsing import BASE, make_spider, resp, split
from tocsin.crawler.items import ItemRecord
from tocsin.crawler.spiders import SitemapSpider
from tocsin.crawler.spiders.sitemap import parse_sitemap
from tocsin.store import upsert_item

NS = ('xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9" '
      'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"')


def urlset(*entries: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset {NS}>{"".join(entries)}</urlset>'.encode()


def index(*children: tuple[str, str | None]) -> bytes:
    """A sitemap index of (address, lastmod or None)."""
    items = "".join(f"<sitemap><loc>{loc}</loc>{f'<lastmod>{mod}</lastmod>' if mod else ''}</sitemap>" for loc, mod in children)
    return f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex {NS}>{items}</sitemapindex>'.encode()


def urls(requests) -> list[str]:
    return [r.url for r in requests]


def errors(spider) -> list[tuple[str, str]]:
    spider.ledger.flush(force=True)
    return [tuple(r) for r in spider.ledger.store.execute("SELECT kind, message FROM crawl_errors ORDER BY id")]


def test_an_index_listing_itself_or_its_parent_is_read_once(tmp_path):
    spider = make_spider(SitemapSpider, tmp_path, urls=[f"{BASE}/sitemap.xml"])
    (start,) = spider.start_requests_for()
    top = index((f"{BASE}/sitemap.xml", None), (f"{BASE}/sitemap-news-index.xml", None))
    requests, _ = split(spider.parse_sitemap(resp(start.url, top, XmlResponse)))
    assert urls(requests) == [f"{BASE}/sitemap-news-index.xml"]
    nested = index((f"{BASE}/sitemap.xml", None), (f"{BASE}/sitemap-news-index.xml", None), (f"{BASE}/news.xml", None))
    requests, _ = split(spider.parse_sitemap(resp(requests[0].url, nested, XmlResponse)))
    assert urls(requests) == [f"{BASE}/news.xml"]


def decompressed(body: bytes, headers: dict[str, str]) -> Response:
    """The response the spider gets once Scrapy's compression middleware has seen it."""
    url = f"{BASE}/sitemap.xml.gz"
    middleware = HttpCompressionMiddleware.from_crawler(get_crawler())
    return middleware.process_response(Request(url), Response(url, body=body, headers=headers))


@pytest.mark.parametrize("body, headers", [
    (gzip.compress(urlset(f"<url><loc>{BASE}/a/1</loc></url>")), {"Content-Type": "application/x-gzip"}),
    (gzip.compress(urlset(f"<url><loc>{BASE}/a/1</loc></url>")), {"Content-Type": "application/xml", "Content-Encoding": "gzip"}),
    (urlset(f"<url><loc>{BASE}/a/1</loc></url>"), {"Content-Type": "application/xml"}),   # a .gz that is not gzipped
], ids=["x-gzip", "content-encoding", "not-gzipped"])
def test_gzipped_sitemaps_however_served(tmp_path, body, headers):
    spider = make_spider(SitemapSpider, tmp_path)
    requests, _ = split(spider.parse_sitemap(decompressed(body, headers)))
    assert urls(requests) == [f"{BASE}/a/1"] and errors(spider) == []


def test_google_news_fields_come_from_the_news_element_and_fill_what_the_page_lacks(tmp_path):
    photo = f"<image:image><image:loc>{BASE}/photo.jpg</image:loc><image:title>Photo: the square</image:title></image:image>"
    news = ("<news:news><news:publication><news:name>Vodiy</news:name><news:language>uz</news:language></news:publication>"
            "<news:publication_date>2024-06-01T10:00:00+05:00</news:publication_date><news:title>Flood in Osh</news:title></news:news>")
    found = parse_sitemap(urlset(f"<url><loc>{BASE}/a/1</loc>{photo}{news}</url>",
                                 f"<url><loc>{BASE}/a/2</loc><lastmod>2024-06-02</lastmod>{photo}</url>"))
    assert [(e.loc, e.title, e.date, e.lang, e.news) for e in found.entries] == [
        (f"{BASE}/a/1", "Flood in Osh", "2024-06-01T05:00:00+00:00", "uz", True),
        (f"{BASE}/a/2", "", "2024-06-02T00:00:00+00:00", "", False),
    ]
    spider = make_spider(SitemapSpider, tmp_path, since_days=3650)
    (request,) = split(spider.parse_sitemap(resp(f"{BASE}/news.xml", urlset(f"<url><loc>{BASE}/a/1</loc>{photo}{news}</url>"), XmlResponse)))[0]
    page = "<html><body><article><p>" + "Suv toshqini Osh shahrida ko'plab uylarni bosdi. " * 10 + "</p></article></body></html>"
    (item,) = [i for i in spider.parse_article(resp(request.url, page), request.cb_kwargs["lead"]) if isinstance(i, ItemRecord)]
    assert (item.published_at, item.lang) == ("2024-06-01T05:00:00+00:00", "uz")


@pytest.mark.parametrize("lastmod, stored", [
    ("2024-06-01", "2024-06-01T00:00:00+00:00"),
    ("2024-06-01T10:00:00Z", "2024-06-01T10:00:00+00:00"),
    ("2024-06-01T10:00+05:00", "2024-06-01T05:00:00+00:00"),
    ("2024-06-01T10:00:00.123456+05:00", "2024-06-01T05:00:00+00:00"),
    ("2024-06-01T10:00:00.123456789Z", "2024-06-01T10:00:00+00:00"),
])
def test_lastmod_in_the_formats_sites_write(lastmod, stored):
    (entry,) = parse_sitemap(urlset(f"<url><loc>{BASE}/a/1</loc><lastmod>{lastmod}</lastmod></url>")).entries
    assert entry.date == stored


def test_an_archive_of_monthly_sitemaps_costs_only_the_months_in_the_window(tmp_path):
    undated = [(f"{BASE}/sitemap-{year}-{month:02d}.xml", None) for year in range(2015, 2025) for month in range(1, 13)]
    old_lastmod = [(f"{BASE}/sitemap-posts-{n}.xml", "2015-01-31") for n in range(20)]
    edited = [(f"{BASE}/sitemap-2015-01-b.xml", "2024-06-10T12:00:00Z")]   # an old month, changed since
    spider = make_spider(SitemapSpider, tmp_path, since_days=7, max_pages=1000)
    spider.since = lambda: datetime(2024, 6, 10, 8, tzinfo=timezone.utc)
    requests, _ = split(spider.parse_sitemap(resp(f"{BASE}/sitemap.xml", index(*undated, *old_lastmod, *edited), XmlResponse)))
    assert urls(requests) == [f"{BASE}/sitemap-2024-{month:02d}.xml" for month in range(6, 13)] + [f"{BASE}/sitemap-2015-01-b.xml"]


def test_a_text_sitemap_and_a_byte_order_mark(tmp_path):
    text = parse_sitemap(f"{BASE}/a/1\r\n\n{BASE}/a/2\n".encode())
    assert text.kind == "urlset" and [e.loc for e in text.entries] == [f"{BASE}/a/1", f"{BASE}/a/2"]
    with_bom = parse_sitemap(codecs.BOM_UTF8 + urlset(f"<url><loc>{BASE}/a/3</loc></url>"))
    assert [e.loc for e in with_bom.entries] == [f"{BASE}/a/3"]
    robots = parse_sitemap(codecs.BOM_UTF8 + b"Sitemap: /news.xml\nUser-agent: *\n")
    assert robots.kind == "robots" and [e.loc for e in robots.entries] == ["/news.xml"]
    spider = make_spider(SitemapSpider, tmp_path)
    requests, _ = split(spider.parse_sitemap(resp(f"{BASE}/robots.txt", b"Sitemap: /news.xml\n", TextResponse)))
    assert urls(requests) == [f"{BASE}/news.xml"]


@pytest.mark.parametrize("body, cls, problem", [
    (b"", TextResponse, "empty sitemap: the server sent no content"),
    (b" \r\n ", TextResponse, "empty sitemap: the server sent no content"),
    (b"<!DOCTYPE html><html><head><title>Error</title></head><body><p>Try later</body></html>", HtmlResponse,
     "not a sitemap: the server sent an HTML page"),
    (b"Service Unavailable", TextResponse, "not a sitemap: neither XML, a text sitemap"),
])
def test_what_is_no_sitemap_is_named_with_its_fix_and_nothing_stored_is_lost(tmp_path, body, cls, problem):
    spider = make_spider(SitemapSpider, tmp_path)
    upsert_item(spider.ledger.store, ItemRecord(source="src", url=f"{BASE}/a/1", text="already here"))
    assert split(spider.parse_sitemap(resp(f"{BASE}/sitemap.xml", body, cls))) == ([], [])
    ((kind, message),) = errors(spider)
    assert kind == "parse" and message.startswith(problem) and "address" in message
    assert spider.ledger.store.execute("SELECT count(*) FROM items").fetchone()[0] == 1
