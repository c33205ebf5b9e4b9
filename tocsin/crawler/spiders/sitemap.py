"""Sitemaps, sitemap indexes (also gzipped, also from robots.txt) and the Google News extension, with a
date window (``since_days``)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Iterable, Iterator

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
    kind: str  # "urlset" | "sitemapindex" | "robots"
    entries: list[SitemapEntry] = field(default_factory=list)
    #: What the XML parser had to recover from ('' when the sitemap is well-formed): entries after it may be lost.
    problem: str = ""


#: An ``&`` that starts no character or entity reference: sites write ``?a=1&b=2`` into sitemaps unescaped, and
#: the recovering parser would drop ``&b`` from the address.
_BARE_AMPERSAND = re.compile(rb"&(?!(?:[A-Za-z][A-Za-z0-9._-]*|#[0-9]+|#[xX][0-9A-Fa-f]+);)")
#: The closing tag of a sitemap's root, as a whole sitemap ends.
_CLOSED = re.compile(rb"</(?:[\w.-]+:)?(?:urlset|sitemapindex)\s*>\s*$")


def local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def parse_sitemap(body: bytes, zone: tzinfo | None = None) -> Sitemap:
    """Parse a sitemap, sitemap index or robots.txt body (already decompressed); ``zone`` is the source's time
    zone, for dates written without an offset.

    :raises ValueError: when it is none of these.
    """
    head = body.lstrip()[:200].lower()
    if not head.startswith(b"<"):
        urls = [line.split(b":", 1)[1].strip().decode("utf-8", "replace") for line in body.splitlines()
                if line.lower().startswith(b"sitemap:")]
        if urls:
            return Sitemap("robots", [SitemapEntry(u) for u in urls])
        raise ValueError("neither XML nor a robots.txt with Sitemap: lines")
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
    try:
        root = etree.fromstring(_BARE_AMPERSAND.sub(b"&amp;", body), parser=parser)
    except etree.XMLSyntaxError as e:
        raise ValueError(f"not XML: {e}") from e
    if root is None or local(root.tag) not in ("urlset", "sitemapindex"):
        raise ValueError(f"not a sitemap: root element is {local(getattr(root, 'tag', '')) or 'missing'}")
    sitemap = Sitemap(local(root.tag), problem=recovered_from(parser))
    for node in root:
        fields: dict[str, str] = {}
        news = False
        for child in node.iter():
            name = local(child.tag)
            if name == "news":
                news = True
            if child.text and child.text.strip() and name not in fields:
                fields[name] = child.text.strip()
        if fields.get("loc"):
            sitemap.entries.append(SitemapEntry(
                loc=fields["loc"], date=normalise_date(fields.get("publication_date") or fields.get("lastmod"), zone),
                title=fields.get("title", ""), lang=fields.get("language", ""), news=news,
            ))
    if sitemap.problem and not _CLOSED.search(body[-512:]):
        # Cut off: the last entry's address may be cut too ("https://site.example/ne"); it is not followed.
        sitemap.entries = sitemap.entries[:-1]
        sitemap.problem = f"{sitemap.problem}; cut off before its end"
    return sitemap


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


class SitemapSpider(ArticleSpider):
    """Discovers articles through the source's sitemaps."""

    kind = "sitemap"

    def start_requests_for(self) -> Iterable[Request]:
        for url in self.source.urls:
            req = self.request(url, self.parse_sitemap, dont_filter=True)
            if req is not None:
                yield req

    def parse_sitemap(self, response: Response) -> Iterator:
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
                if in_window(entry, since):
                    req = self.request(join_url(response.url, entry.loc), self.parse_sitemap)
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
