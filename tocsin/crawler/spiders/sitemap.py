"""Sitemaps, sitemap indexes (also gzipped, also from robots.txt) and the Google News extension, with a
date window (``since_days``)."""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any, Iterable, Iterator

from lxml import etree
from scrapy import Request
from scrapy.http import Response
from scrapy.utils.gz import gunzip

from tocsin.crawler.extract import normalise_date
from tocsin.crawler.spiders.articles import ArticleLead, ArticleSpider
from tocsin.urls import join_url

logger = logging.getLogger(__name__)


@dataclass
class SitemapEntry:
    """One ``<url>`` or ``<sitemap>`` element."""

    loc: str
    date: str | None = None
    title: str = ""
    lang: str = ""
    news: bool = False


@dataclass
class Sitemap:
    kind: str  # "urlset" (also a text sitemap) | "sitemapindex" | "robots"
    entries: list[SitemapEntry] = field(default_factory=list)
    #: What the XML parser had to recover from ('' when the sitemap is well-formed): entries after it may be lost.
    problem: str = ""


#: An ``&`` that starts no character or entity reference: sites write ``?a=1&b=2`` into sitemaps unescaped, and
#: the recovering parser would drop ``&b`` from the address.
_BARE_AMPERSAND = re.compile(rb"&(?!(?:[A-Za-z][A-Za-z0-9._-]*|#[0-9]+|#[xX][0-9A-Fa-f]+);)")
#: The closing tag of a sitemap's root, as a whole sitemap ends.
_CLOSED = re.compile(rb"</(?:[\w.-]+:)?(?:urlset|sitemapindex)\s*>\s*$")
#: A month in a child sitemap's address, as archives name theirs: ``sitemap-2015-01.xml``, ``/2015/01/``,
#: ``sitemap_201501.xml.gz`` (a day after it is allowed). A year alone is not read: it may be a page number.
_MONTH_IN_URL = re.compile(r"(?<!\d)(?P<year>(?:19|20)\d\d)[-_/.]?(?P<month>0[1-9]|1[0-2])(?:[-_/.]?(?:0[1-9]|[12]\d|3[01]))?(?!\d)")
#: The problem of a sitemap whose body is empty or only white space.
EMPTY_SITEMAP = ("empty sitemap: the server sent no content (or only white space); check the source's address, or wait "
                 "if the site is down for repairs")
#: The problem of a web page served where the sitemap should be.
HTML_SITEMAP = ("not a sitemap: the server sent an HTML page (an error or login page served with status 200, or a moved "
                "sitemap); open the source's address in a browser and put the sitemap's real address in the config")


def local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def parse_sitemap(body: bytes, zone: tzinfo | None = None) -> Sitemap:
    """Parse a sitemap, sitemap index or robots.txt body (already decompressed); ``zone`` is the source's time
    zone, for dates written without an offset.

    :raises ValueError: when it is none of these.
    """
    body = body.removeprefix(codecs.BOM_UTF8)
    head = body.lstrip()[:200].lower()
    if not head:
        raise ValueError(EMPTY_SITEMAP)
    if not head.startswith(b"<"):
        return parse_text_sitemap(body)
    if head.startswith(b"<!doctype html") or b"<html" in head:
        raise ValueError(HTML_SITEMAP)
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
    try:
        root = etree.fromstring(_BARE_AMPERSAND.sub(b"&amp;", body), parser=parser)
    except etree.XMLSyntaxError as e:
        raise ValueError(f"not XML: {e}") from e
    if root is None or local(root.tag) not in ("urlset", "sitemapindex"):
        name = local(getattr(root, "tag", ""))
        if name == "html":
            raise ValueError(HTML_SITEMAP)
        raise ValueError(f"not a sitemap: root element is {name or 'missing'}; check the source's address")
    sitemap = Sitemap(local(root.tag), problem=recovered_from(parser))
    for node in root:
        # loc and lastmod are the entry's own; the title, date and language only those of its Google News
        # element, never an <image:title>, <image:loc> or <video:publication_date> beside it.
        fields = texts(node)
        news = next((child for child in node if local(child.tag) == "news"), None)
        told = texts(news.iter()) if news is not None else {}
        if fields.get("loc"):
            sitemap.entries.append(SitemapEntry(
                loc=fields["loc"], date=normalise_date(told.get("publication_date") or fields.get("lastmod"), zone, fields["loc"]),
                title=told.get("title", ""), lang=told.get("language", ""), news=news is not None,
            ))
    if sitemap.problem and not _CLOSED.search(body[-512:]):
        # Cut off: the last entry's address may be cut too ("https://site.example/ne"); it is not followed.
        sitemap.entries = sitemap.entries[:-1]
        sitemap.problem = f"{sitemap.problem}; cut off before its end"
    return sitemap


def texts(elements: Iterable[Any]) -> dict[str, str]:
    """The text of each element by its local name (the first of each name), those without text left out."""
    found: dict[str, str] = {}
    for element in elements:
        if element.text and element.text.strip():
            found.setdefault(local(element.tag), element.text.strip())
    return found


def parse_text_sitemap(body: bytes) -> Sitemap:
    """A robots.txt with ``Sitemap:`` lines, or a text sitemap: one address a line, nothing else.

    :raises ValueError: when it is neither.
    """
    lines = [line.strip() for line in body.decode("utf-8", "replace").splitlines() if line.strip()]
    if not lines:
        raise ValueError(EMPTY_SITEMAP)
    listed = [line.split(":", 1)[1].strip() for line in lines if line.lower().startswith("sitemap:")]
    if listed:
        return Sitemap("robots", [SitemapEntry(url) for url in listed])
    if all(line.lower().startswith(("http://", "https://")) for line in lines):
        return Sitemap("urlset", [SitemapEntry(url) for url in lines])
    raise ValueError("not a sitemap: neither XML, a text sitemap (one address a line) nor a robots.txt with Sitemap: "
                     f"lines (it starts {lines[0][:60]!r}); check the source's address")


def recovered_from(parser: etree.XMLParser) -> str:
    """The first error a recovering parser read past, with its line, or ``''``."""
    errors = [e for e in parser.error_log if e.level >= etree.ErrorLevels.ERROR]
    if not errors:
        return ""
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"malformed sitemap: {errors[0].message.strip()} at line {errors[0].line}{more}"


def in_window(entry: SitemapEntry, since: datetime) -> bool:
    """Entries without a date are kept; dated ones only from ``since`` on."""
    return entry.date is None or entry.date >= since.isoformat(timespec="seconds")


def child_in_window(entry: SitemapEntry, since: datetime) -> bool:
    """Whether a child of a sitemap index (or robots.txt) may hold entries from ``since`` on: by its
    ``lastmod``, or else by the month its address names (``sitemap-2015-01.xml``), kept unless that whole month
    ended before the day ``since`` falls on; a child with neither is kept."""
    if entry.date is not None:
        return in_window(entry, since)
    month = _MONTH_IN_URL.search(entry.loc)
    if month is None:
        return True
    year, number = int(month["year"]), int(month["month"])
    month_after = date(year + number // 12, number % 12 + 1, 1)
    return month_after >= since.date()


class SitemapSpider(ArticleSpider):
    """Discovers articles through the source's sitemaps."""

    kind = "sitemap"

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        #: Sitemaps requested or read in this crawl: an index that lists itself, its parent or a sibling index
        #: that lists it back is read once.
        self.sitemaps_seen: set[str] = set()

    def start_requests_for(self) -> Iterable[Request]:
        for url in self.source.urls:
            req = self.sitemap_request(url, dont_filter=True)
            if req is not None:
                yield req

    def sitemap_request(self, url: str, *, dont_filter: bool = False) -> Request | None:
        """A request for the sitemap at ``url``; None when this crawl has requested it already (or over budget)."""
        if url in self.sitemaps_seen:
            return None
        self.sitemaps_seen.add(url)
        return self.request(url, self.parse_sitemap, dont_filter=dont_filter)

    def parse_sitemap(self, response: Response) -> Iterator:
        self.sitemaps_seen.add(response.url)   # after a redirect, its target too
        body = response.body
        if body[:2] == b"\x1f\x8b":
            try:
                body = gunzip(body, max_size=self.max_body_bytes())
            except Exception as e:  # a gzip bomb or a broken archive
                self.ledger.error("too_large" if "max" in type(e).__name__.lower() else "parse", f"gzipped sitemap: {e!r}", response.url)
                return
        try:
            sitemap = parse_sitemap(body, self.zone)
        except ValueError as e:
            self.ledger.error("parse", str(e), response.url)
            return
        if sitemap.problem:
            self.note_once(f"{response.url}: {sitemap.problem}; the {len(sitemap.entries)} entries read before or "
                           "around it were used, any after it may be missing until the site mends its sitemap")
        since = self.since()
        if sitemap.kind in ("sitemapindex", "robots"):
            for entry in sitemap.entries:
                if child_in_window(entry, since):
                    req = self.sitemap_request(join_url(response.url, entry.loc))
                    if req is not None:
                        yield req
            return
        leads = [
            ArticleLead(url=join_url(response.url, e.loc), title=e.title, published_at=e.date, lang=e.lang.split("-")[0],
                        meta={"sitemap_url": response.url, **({"news_sitemap": True} if e.news else {})})
            for e in sitemap.entries if in_window(e, since)
        ]
        # Newest first: when max_pages cuts the list, the older pages wait for the next crawl.
        leads.sort(key=lambda lead: lead.published_at or "", reverse=True)
        yield from self.follow(leads)
