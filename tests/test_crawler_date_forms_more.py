"""More date forms of the region's pages and feeds: an offset after a numeric date or one with a month's name
("01.06.2024 14:30 +0600", "1 июня 2024, 14:30 UTC+6"), and the zones CEST, CET and ALMT (Almaty: UTC+6 until
1 March 2024, UTC+5 from then on). An offset written with the time wins over the source's zone."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from test_crawl_bad_input import rss
from test_crawl_parsing import BASE
from tocsin.crawler.extract import normalise_date
from tocsin.crawler.spiders.feed import parse_feed

TASHKENT = ZoneInfo("Asia/Tashkent")   # UTC+5: a source zone the written offset must override


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def read(written: str, zone=None) -> datetime | None:
    """The aware UTC time :func:`normalise_date` stores for ``written``; None for no date."""
    stored = normalise_date(written, zone)
    return None if stored is None else datetime.fromisoformat(stored)


AT_14_30_BISHKEK = utc(2024, 6, 1, 8, 30)


@pytest.mark.parametrize("written", [
    "01.06.2024 14:30 +0600",
    "01.06.2024 14:30 UTC+6",
    "01.06.2024 14:30 +06:00",
    "01.06.2024 14:30 GMT+6",
    "01/06/2024 14:30 +06",
    "2024.06.01 14:30 +0600",
    "14:30 01.06.2024 +0600",
    "1 июня 2024, 14:30 +0600",
    "1 июня 2024, 14:30 UTC+6",
    "1 июня 2024, 14:30 +06:00",
    "2024-жылдын 1-июну, 14:30 +0600",    # Kyrgyz
    "1-iyun 2024, 14:30 UTC+6",           # Uzbek Latin
    "2024-yil 1-iyun, 14:30 +06:00",
    "June 1, 2024 2:30 PM +0600",
    "Sat, 01 Jun 2024 14:30:00 KGT",      # the forms read before stay read
    "Sat, 01 Jun 2024 14:30:00 +0600",
    "2024-06-01T14:30:00+06:00",
])
def test_an_offset_after_the_time_is_kept_whatever_the_form(written):
    assert read(written) == read(written, TASHKENT) == AT_14_30_BISHKEK
    assert read(written).tzinfo == timezone.utc


@pytest.mark.parametrize("written, stored", [
    ("01.06.2024 14:30 -0330", utc(2024, 6, 1, 18, 0)),
    ("01.06.2024 +0600", utc(2024, 5, 31, 18, 0)),                     # a date alone starts at local midnight
    ("Sat, 01 Jun 2024 14:30:00 -0000", utc(2024, 6, 1, 14, 30)),      # RFC 5322: UTC, whatever the source's
    ("Sat, 01 Jun 2024 14:30:00 CEST", utc(2024, 6, 1, 12, 30)),
    ("01.06.2024 14:30 CEST", utc(2024, 6, 1, 12, 30)),
    ("1 июня 2024, 14:30 CEST", utc(2024, 6, 1, 12, 30)),
    ("Fri, 01 Nov 2024 14:30:00 CET", utc(2024, 11, 1, 13, 30)),
    ("Sat, 01 Jun 2024 14:30:00 ALMT", utc(2024, 6, 1, 9, 30)),        # UTC+5 since 1 March 2024
    ("01.06.2024 14:30 ALMT", utc(2024, 6, 1, 9, 30)),
    ("1 июня 2024, 14:30 ALMT", utc(2024, 6, 1, 9, 30)),
    ("2024-06-01 14:30 ALMT", utc(2024, 6, 1, 9, 30)),
    ("01.03.2024 00:30 ALMT", utc(2024, 2, 29, 19, 30)),
    ("Thu, 29 Feb 2024 22:30:00 ALMT", utc(2024, 2, 29, 16, 30)),     # UTC+6 before
    ("15.01.2023 14:30 ALMT", utc(2023, 1, 15, 8, 30)),
])
def test_the_zones_cest_cet_and_almt_are_read_at_their_offset_of_the_day(written, stored):
    assert read(written) == read(written, TASHKENT) == stored


@pytest.mark.parametrize("written", [
    "01.06.2024 14:30 +2500",          # no offset
    "01.06.2024 14:30 +0699",
    "31.06.2024 14:30 +0600",          # no such day
    "31 июня 2024, 14:30 ALMT",
    "01.06.2024 25:00 +0600",
    "0000-00-00 00:00:00 +0600",       # a placeholder
    "01.06.2024 14:30 XYZT",           # a zone nobody knows: no date rather than a wrong one
    "not a date +0600",
    "not a date ALMT",
])
def test_a_date_that_cannot_be_read_with_its_zone_is_still_none(written):
    assert read(written) is None and read(written, TASHKENT) is None


def test_a_feed_entry_dated_in_almaty_time_is_stored_at_its_time():
    body = rss('<item><title>Fictional bridge</title><link>https://news.example/a</link>'
               '<pubDate>Sat, 01 Jun 2024 14:30:00 ALMT</pubDate></item>')
    (lead,), problem = parse_feed(body.encode("utf-8"), f"{BASE}/rss")
    assert problem == "" and lead.published_at == "2024-06-01T09:30:00+00:00"
