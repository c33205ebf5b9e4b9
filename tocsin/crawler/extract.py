"""Pure extraction helpers: article text (trafilatura), selector values, dates. No I/O."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any

from parsel import Selector, SelectorList
from w3lib.html import remove_tags, replace_entities

from tocsin.crawler.written_dates import relative_date, written_date

logger = logging.getLogger(__name__)

XPATH_START = ("/", "(", "./", "string(", "normalize-space(")


@dataclass
class Extracted:
    """What an article page yields."""

    title: str = ""
    text: str = ""
    author: str = ""
    published_at: str | None = None
    lang: str = ""


@lru_cache(maxsize=1)
def trafilatura_config():
    """trafilatura's config for short regional news: small minimum sizes, no signal-based timeout."""
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "40")
    config.set("DEFAULT", "MIN_OUTPUT_SIZE", "10")
    config.set("DEFAULT", "MIN_EXTRACTED_COMM_SIZE", "10")
    return config


#: Where pages state their publication time more precisely than trafilatura's day.
PUBLISHED_QUERIES = (
    'meta[property="article:published_time"]::attr(content)', 'meta[itemprop="datePublished"]::attr(content)',
    "article time[datetime]::attr(datetime)", "time[datetime]::attr(datetime)",
)


TITLE_QUERIES = ('meta[property="og:title"]::attr(content)', "h1::text", "title::text")
AUTHOR_QUERIES = ('meta[name="author"]::attr(content)', '[rel="author"]::text', '[itemprop="author"] [itemprop="name"]::text',
                  '[itemprop="author"]::text')


def first_of(sel: Selector, queries: tuple[str, ...]) -> str:
    """The first non-empty value any of ``queries`` gives."""
    for query in queries:
        value = " ".join((sel.css(query).get() or "").split())
        if value:
            return value
    return ""


def extract_article(html: str | bytes, url: str = "", selector: Selector | None = None, zone: tzinfo | None = None) -> Extracted:
    """Main text, title, author, date and language of an article page (navigation, ads, comments left out).

    Title, author and date come from the page's own markup (Open Graph, ``<time>``, ``rel=author``) when it
    has them; otherwise trafilatura's metadata extraction (slower) finds them.

    :param selector: the page already parsed (saves a parse).
    :param zone: the source's time zone, for times the page writes without an offset.
    """
    import trafilatura

    if isinstance(html, bytes):
        html = html.decode("utf-8", "replace")
    if not html.strip():
        return Extracted()
    sel = selector if selector is not None else Selector(text=html)
    title, author = first_of(sel, TITLE_QUERIES), first_of(sel, AUTHOR_QUERIES)
    published = next((d for d in (normalise_date(sel.css(q).get(), zone, url) for q in PUBLISHED_QUERIES) if d), None)
    need_metadata = not (title and published)
    doc = trafilatura.bare_extraction(
        html, url=url or None, fast=True, include_comments=False, include_tables=True, with_metadata=need_metadata,
        config=trafilatura_config(),
    )
    lang = page_language(html)
    if doc is None:
        return Extracted(title=title, author=author, published_at=published, lang=lang)
    if need_metadata:
        title = title or (doc.title or "").strip()
        author = author or (doc.author or "").strip()
        published = published or normalise_date(doc.date, zone, url)
    text = (doc.text or "").strip()
    if title and text.startswith(title):
        text = text[len(title):].lstrip()
    return Extracted(title=title, text=text, author=author, published_at=published, lang=lang or (doc.language or ""))


_LANG_ATTR = re.compile(r"<html[^>]*\blang\s*=\s*[\"']?([A-Za-z]{2,3}(?:-[A-Za-z0-9]+)*)", re.I)


def page_language(html: str) -> str:
    """The ``<html lang>`` of a page, lower-case primary tag plus script (``uz-Cyrl``), or ''."""
    m = _LANG_ATTR.search(html[:4000])
    if not m:
        return ""
    parts = m.group(1).split("-")
    out = [parts[0].lower()]
    if len(parts) > 1 and len(parts[1]) == 4:
        out.append(parts[1].title())
    return "-".join(out)


def is_xpath(query: str) -> bool:
    return query.strip().startswith(XPATH_START)


def select(node: Selector | SelectorList, query: str) -> SelectorList:
    """Apply a CSS or XPath query (XPath when it starts with ``/``, ``(`` or ``./``)."""
    return node.xpath(query) if is_xpath(query) else node.css(query)


def node_text(sel: Selector) -> str:
    """The visible text of a selected node (an element's text with line breaks, or a string/attribute)."""
    root = sel.root
    if isinstance(root, str):
        return root.strip()
    parts = [t.strip() for t in sel.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]").getall()]
    return clean_whitespace(" ".join(p for p in parts if p))


def select_text(node: Selector | SelectorList, query: str) -> str:
    """The text of everything ``query`` selects under ``node``, joined; '' when ``query`` is empty."""
    if not query:
        return ""
    return clean_whitespace("\n".join(t for t in (node_text(s) for s in select(node, query)) if t))


def select_first(node: Selector | SelectorList, query: str) -> str:
    """The text of the first thing ``query`` selects, or ''."""
    if not query:
        return ""
    found = select(node, query)
    return node_text(found[0]) if found else ""


def clean_whitespace(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


#: Tags left in a feed's text once read: its HTML was escaped twice (``&lt;p&gt;`` inside CDATA, ``&amp;lt;p&amp;gt;``).
_ESCAPED_TAG = re.compile(r"</?(?:p|br|div|span|a|img|b|i|u|s|em|strong|h[1-6]|ul|ol|li|blockquote|figure|figcaption"
                          r"|iframe|table|tr|td)\b[^<>]*>", re.I)


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment (a feed summary), also of one whose HTML the feed escaped twice."""
    if not fragment:
        return ""
    text = _markup_to_text(fragment)
    return _markup_to_text(text) if _ESCAPED_TAG.search(text) else text


def _markup_to_text(fragment: str) -> str:
    text = re.sub(r"<\s*(br|/p|/div|/li)\b[^>]*>", "\n", fragment, flags=re.I)
    return clean_whitespace(replace_entities(remove_tags(text)))


#: Dates before this year are placeholders ("0000-00-00 00:00:00", "0001-01-01"), not publication times.
EARLIEST_YEAR = 1990
#: Epoch seconds (9–10 digits) or milliseconds (12–13 digits), as JSON APIs give them.
_EPOCH = re.compile(r"^(\d{9,10}|\d{12,13})(?:\.\d+)?$")
#: A text that starts with an ISO date: its day must exist ("2024-02-30" is no date, not 1 March).
_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
#: A year before 1000 written out ("-0001-11-30", "01 Jan 0001"), which parsers would read as 2000 or 2001;
#: not a time-zone offset ("+0600"), a fraction of a second (".0123") or a time ("T0530", " 0930:").
_PLACEHOLDER_YEAR = re.compile(r"(?<![\d+\-.:T])0\d{3}(?![\d:])")
#: A year from 1000 on: with one in the text, a "0930" is a time, not a year.
_REAL_YEAR = re.compile(r"(?<!\d)[12]\d{3}(?!\d)")
#: Numeric dates as sites of the region write them, with an optional time: 2024/06/01 and 2024.06.01 (year
#: first), 01.06.2024 and 01/06/2024 (day first, never month first); lenient parsers read the first two as
#: 1 December.
_TIME = r"(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
_YEAR_FIRST = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})" + _TIME)
_DAY_FIRST = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})" + _TIME)
#: A time before the date, as listings write it ("14:30 01.06.2024", "08:15, 25.03.2025").
_TIME_FIRST = re.compile(r"^(?P<time>\d{1,2}:\d{2}(?::\d{2})?)[,\s]+(?P<date>\d.*)$")


def normalise_date(value: Any, zone: tzinfo | None = None, where: str = "") -> str | None:
    """Any date a page, feed or API gives (a string, epoch seconds or milliseconds, a datetime; "Сегодня, 14:30"
    and "вчера" read against today in ``zone``), as the store's ISO UTC form; None when it cannot be read or is
    no real time (a day that does not exist, a placeholder year before :data:`EARLIEST_YEAR`, more than a year
    ahead).

    :param zone: the time zone of a time written without an offset (the source's ``timezone``); UTC if None.
    :param where: the address the date is from, named in the warning about a zone not known (:func:`unknown_zone`).
    """
    if value is None or value == "" or isinstance(value, bool):
        return None
    if name := unknown_zone(value):
        warn_unknown_zone(where, name)
        return None
    try:
        dt = value if isinstance(value, datetime) else relative_date(str(value), zone) or _parse_date(str(value).strip())
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    return _plausible_iso(dt, zone)


def _parse_date(text: str) -> datetime | None:
    epoch = _EPOCH.match(text)
    if epoch:
        seconds = float(text) / (1000 if len(epoch.group(1)) > 10 else 1)
        return datetime.fromtimestamp(seconds, tz=timezone.utc)
    # a bare number that is no epoch and no 20240601, a negative year, or a placeholder year
    if ((text.isdigit() and len(text) != 8) or text.startswith("-")
            or (_PLACEHOLDER_YEAR.search(text) and not _REAL_YEAR.search(text))):
        return None
    local, zone = split_zone(text)
    dt = _local_date(local)
    if dt is None:
        return parse_with_feedparser(text)
    return dt.replace(tzinfo=zone) if zone is not None and dt.tzinfo is None else dt


def _local_date(text: str) -> datetime | None:
    """The time of ``text`` (its zone split off) as a numeric, ISO, RFC 822 or written date, without a zone unless
    it names one; None when it is none of these."""
    time_first = _TIME_FIRST.match(text)
    if time_first:   # "14:30 01.06.2024" as "01.06.2024 14:30"
        text = f"{time_first['date']} {time_first['time']}"
    numeric = _YEAR_FIRST.match(text) or _DAY_FIRST.match(text)
    if numeric:
        return _numeric_date(numeric)
    day = _ISO_DAY.match(text)
    if day:
        datetime(*map(int, day.groups()))   # raises for a day that does not exist
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    if not _TWELVE_HOUR_CLOCK.search(text):   # RFC 822's parser reads "2:30 PM" as 2:30 (written_date reads it)
        try:
            return parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            pass
    return written_date(text)


#: A time on the 12-hour clock ("2:30 PM", "12:15 a.m.").
_TWELVE_HOUR_CLOCK = re.compile(r"\d:\d{2}(?::\d{2})?\s?[ap]\.?m(?![^\W\d_])", re.IGNORECASE)
#: A zone after a time written as hours ("+06", the name tzdata gives Asia/Bishkek, which PHP's ``T`` and strftime's
#: ``%Z`` write), behind "GMT" or "UTC" ("GMT+6", "UTC+05:00", JavaScript's "GMT+0600 (Kyrgyzstan Time)"), or named by
#: an abbreviation of the region: RFC 822's parser takes "+06" for six minutes and drops the others. It is split off
#: any form ("01.06.2024 14:30 +0600", "1 июня 2024, 14:30 UTC+6") and applied to the time read from the rest.
_HOURS_ZONE = re.compile(r"\s(?:(?:GMT|UTC?)\s*)?(?P<sign>[+-])(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?(?:\s*\([^()]*\))?$",
                         re.I)
_NAMED_ZONE = re.compile(r"\s(?P<name>[A-Z]{3,4})(?:\s*\([^()]*\))?$")


class ChangedOffset(tzinfo):
    """A zone whose offset changed on a day: ``before`` for local times before ``on``, ``after`` from it."""

    def __init__(self, before: timedelta, after: timedelta, on: datetime):
        self.before, self.after, self.on = before, after, on

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return self.after if dt is not None and dt.replace(tzinfo=None) >= self.on else self.before

    def dst(self, dt: datetime | None) -> None:
        return None

    def tzname(self, dt: datetime | None) -> None:
        return None


def _utc_plus(hours: int) -> timezone:
    return timezone(timedelta(hours=hours))


#: Abbreviations the region's sites (and European wires) write that RFC 822 does not know. ALMT (Almaty) was
#: UTC+6 until Kazakhstan moved it to UTC+5 on 1 March 2024, as tzdata's Asia/Almaty has it.
ZONE_ABBREVIATIONS = {"MSK": _utc_plus(3), "KGT": _utc_plus(6), "UZT": _utc_plus(5), "TJT": _utc_plus(5),
                      "TMT": _utc_plus(5), "YEKT": _utc_plus(5), "OMST": _utc_plus(6), "NOVT": _utc_plus(7),
                      "CET": _utc_plus(1), "CEST": _utc_plus(2),
                      "ALMT": ChangedOffset(timedelta(hours=6), timedelta(hours=5), datetime(2024, 3, 1))}


def split_zone(text: str) -> tuple[str, tzinfo | None]:
    """``text`` without the zone after its time, and that zone (:data:`_HOURS_ZONE`, :data:`ZONE_ABBREVIATIONS`);
    ``text`` and None when it ends in no such zone."""
    hours = _HOURS_ZONE.search(text)
    if hours and int(hours["hours"]) <= 14 and int(hours["minutes"] or 0) < 60:
        offset = timedelta(hours=int(hours["hours"]), minutes=int(hours["minutes"] or 0))
        return text[:hours.start()], timezone(-offset if hours["sign"] == "-" else offset)
    named = _NAMED_ZONE.search(text)
    if named and named["name"] in ZONE_ABBREVIATIONS:
        return text[:named.start()], ZONE_ABBREVIATIONS[named["name"]]
    return text, None


#: A name after a time ("14:30:00 XYZ", "2:30 PM XYZ"): a zone, unless one of RFC 822's (UT, GMT, EST …), one of
#: :data:`ZONE_ABBREVIATIONS` or a 12-hour clock's AM or PM.
_ZONE_NAME = re.compile(r"\d:\d{2}(?::\d{2})?(?:\s*[AP]M)?\s+(?P<name>[A-Z]{1,5})(?:\s*\([^()]*\))?$")
RFC822_ZONES = {"UT", "UTC", "GMT", "Z", "AST", "ADT", "EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT"}


def unknown_zone(value: Any) -> str:
    """The zone name a date ends in when no reader knows it (``XYZ`` of "Tue, 03 Jun 2024 14:30:00 XYZ"), else ''.
    Such a date is no date: read in the source's zone or in UTC it could be hours off."""
    found = _ZONE_NAME.search(value.strip()) if isinstance(value, str) else None
    name = found["name"] if found else ""
    return "" if name in RFC822_ZONES or name in ZONE_ABBREVIATIONS or name in ("AM", "PM") else name


@lru_cache(maxsize=256)
def warn_unknown_zone(where: str, name: str) -> None:
    """Log, once per address and zone, that a date was stored as none for its zone."""
    logger.warning("%s: a date ends in the time zone %r, which tocsin does not know: the item is stored without "
                   "a date rather than at a guessed time; if the zone has a fixed offset, add it to "
                   "ZONE_ABBREVIATIONS in tocsin/crawler/extract.py", where or "a source", name)


def _numeric_date(match: re.Match) -> datetime:
    """The date, without a zone, of a :data:`_YEAR_FIRST` or :data:`_DAY_FIRST` match; a ValueError for a day
    or time that does not exist."""
    first, second, third, *clock = match.groups()
    year, month, day = (first, second, third) if len(first) == 4 else (third, second, first)
    hour, minute, second_ = (int(part or 0) for part in clock)
    return datetime(int(year), int(month), int(day), hour, minute, second_)


def _plausible_iso(dt: datetime | None, zone: tzinfo | None = None) -> str | None:
    """``dt`` in UTC as ISO text (read in ``zone``, else UTC, when it has no offset), or None when it is no
    plausible publication time."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=zone or timezone.utc)
    try:
        utc = dt.astimezone(timezone.utc)
    except (ValueError, OverflowError):   # year 1 shifted back by a time zone
        return None
    if utc.year < EARLIEST_YEAR or utc > datetime.now(timezone.utc) + timedelta(days=366):
        return None
    return utc.isoformat(timespec="seconds")


def parse_with_feedparser(text: str) -> datetime | None:
    """feedparser's lenient date parser (many formats and languages)."""
    from feedparser.datetimes import _parse_date as feedparser_date

    parsed = feedparser_date(text)
    if not parsed or any(int(year) != parsed[0] for year in _REAL_YEAR.findall(text)):
        return None   # it fills in today's date for a date it cannot read beside a time it can
    return datetime(*parsed[:6], tzinfo=timezone.utc)


def struct_to_iso(value: Any) -> str | None:
    """A ``time.struct_time`` in UTC (feedparser's ``*_parsed``) as ISO UTC; None when it is no real time."""
    if not value:
        return None
    try:
        return _plausible_iso(datetime(*value[:6], tzinfo=timezone.utc))
    except (TypeError, ValueError, OverflowError):
        return None
