"""A bare guid stays no address even under an ``xml:base``, and a date whose zone name nobody knows is stored
as none (with a warning naming where it was read and the zone), never at a guessed time."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

import pytest
from scrapy.http import XmlResponse

from test_crawl_parsing import BASE, make_spider, resp, split
from tocsin.crawler.extract import normalise_date, warn_unknown_zone
from tocsin.crawler.spiders import FeedSpider
from tocsin.crawler.spiders.feed import parse_feed
from tocsin.crawler.spiders.paging import synthetic_url

FEED = f"{BASE}/rss"
ELSEWHERE = "https://elsewhere.example/news/"
TASHKENT = ZoneInfo("Asia/Tashkent")


def rss(item: str, base: str = "") -> str:
    return f'<?xml version="1.0"?><rss version="2.0"><channel {base}><title>Ош</title>{item}</channel></rss>'


def atom(entry: str, base: str = "") -> str:
    return (f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" {base}><title>Ош</title>'
            f'<id>urn:feed</id><updated>2024-06-01T00:00:00Z</updated>{entry}</feed>')


def crawl(body: str, tmp_path):
    """The requests and items of one fetch of the feed."""
    return split(make_spider(FeedSpider, tmp_path).parse_feed(resp(FEED, body, XmlResponse)))


BASED = f'xml:base="{ELSEWHERE}"'


@pytest.mark.parametrize("body, guid", [
    (rss("<item><title>Митинг</title><guid>12345</guid><description>Текст.</description></item>", BASED), "12345"),
    (rss(f"<item {BASED}><title>Митинг</title><guid>news/77</guid><description>Текст.</description></item>"),
     "news/77"),
    (rss("<item><title>Митинг</title><guid isPermaLink='false'>12345</guid><description>Текст.</description></item>",
         BASED), "12345"),
    (atom("<entry><title>Митинг</title><id>12345</id><updated>2024-06-01T00:00:00Z</updated>"
          "<summary>Текст.</summary></entry>", BASED), "12345"),
    (atom(f"<entry {BASED}><title>Митинг</title><id>news/77</id><updated>2024-06-01T00:00:00Z</updated>"
          "<summary>Текст.</summary></entry>"), "news/77"),
])
def test_a_bare_guid_under_an_xml_base_is_stored_under_the_feeds_address(body, guid, tmp_path):
    requests, (record,) = crawl(body, tmp_path)
    assert requests == []   # nothing on elsewhere.example is fetched
    assert record.url == synthetic_url(FEED, guid) and record.url.startswith(f"{FEED}?tocsin_item=")
    assert record.meta["guid"] == guid and record.meta["no_link"] is True


def test_the_address_is_the_same_with_and_without_the_xml_base(tmp_path):
    item = "<item><title>Митинг</title><guid>12345</guid><description>Текст.</description></item>"
    _, (plain,) = crawl(rss(item), tmp_path / "plain")
    _, (based,) = crawl(rss(item, BASED), tmp_path / "based")
    assert based.url == plain.url and based.id == plain.id


def test_an_absolute_guid_under_an_xml_base_is_still_the_entrys_link():
    body = rss("<item><title>Митинг</title><guid>https://news.example/a</guid><description>Текст.</description></item>",
               BASED)
    (lead,), problem = parse_feed(body.encode("utf-8"), FEED)
    assert problem == "" and lead.url == "https://news.example/a" and "no_link" not in lead.meta


@pytest.mark.parametrize("written", [
    "Tue, 03 Jun 2024 14:30:00 XYZ",
    "Tue, 03 Jun 2024 14:30:00 XYZ (Nowhere Time)",
    "03 Jun 2024 14:30 XYZ",
    "June 3, 2024 2:30 PM XYZ",
    "2024-06-03 14:30 XYZ",
])
def test_a_date_with_an_unknown_zone_is_none_and_a_warning_names_the_address_and_zone(written, caplog):
    warn_unknown_zone.cache_clear()
    with caplog.at_level(logging.WARNING, logger="tocsin.crawler.extract"):
        assert normalise_date(written, TASHKENT, FEED) is None
        assert normalise_date(written) is None
    warning = caplog.records[0].getMessage()   # once per address and zone: the second call names "a source"
    assert len(caplog.records) == 2 and warning.startswith(f"{FEED}: ") and "'XYZ'" in warning and "ZONE_ABBREVIATIONS" in warning


@pytest.mark.parametrize("written, stored", [
    ("Tue, 03 Jun 2024 14:30:00 UTC", "2024-06-03T14:30:00+00:00"),
    ("Tue, 03 Jun 2024 14:30:00 GMT", "2024-06-03T14:30:00+00:00"),
    ("Tue, 03 Jun 2024 14:30:00 EST", "2024-06-03T19:30:00+00:00"),
    ("Tue, 03 Jun 2024 14:30:00 +0600", "2024-06-03T08:30:00+00:00"),
    ("Tue, 03 Jun 2024 14:30:00 CET", "2024-06-03T13:30:00+00:00"),
    ("Tue, 03 Jun 2024 14:30:00 CEST", "2024-06-03T12:30:00+00:00"),
    ("Tue, 03 Jun 2024 14:30:00 ALMT", "2024-06-03T09:30:00+00:00"),
    ("Tue, 03 Jun 2024 14:30:00", "2024-06-03T09:30:00+00:00"),    # no zone: the source's (UTC+5)
    ("June 3, 2024 2:30 PM", "2024-06-03T09:30:00+00:00"),
])
def test_known_zones_and_dates_without_one_read_as_before(written, stored, caplog):
    with caplog.at_level(logging.WARNING, logger="tocsin.crawler.extract"):
        assert normalise_date(written, TASHKENT, FEED) == stored
    assert not caplog.records


def test_a_feed_entry_dated_in_an_unknown_zone_is_kept_without_feedparsers_utc_guess(caplog):
    warn_unknown_zone.cache_clear()
    body = rss("<item><title>Митинг</title><link>https://news.example/a</link>"
               "<pubDate>Tue, 03 Jun 2024 14:30:00 XYZ</pubDate></item>")
    with caplog.at_level(logging.WARNING, logger="tocsin.crawler.extract"):
        (lead,), problem = parse_feed(body.encode("utf-8"), FEED, zone=TASHKENT)
    assert problem == "" and lead.url == "https://news.example/a" and lead.published_at is None
    assert any(r.getMessage().startswith(f"{FEED}: ") and "'XYZ'" in r.getMessage() for r in caplog.records)
