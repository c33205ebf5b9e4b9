"""Following article links found by a feed or a sitemap: fetch each new one, extract it, keep comments."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from scrapy import Request
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from tocsin.crawler.decoding import readable_response
from tocsin.crawler.extract import extract_article, normalise_date, select, select_first, select_text
from tocsin.crawler.items import ItemRecord
from tocsin.crawler.spiders.base import SourceSpider
from tocsin.crawler.standin import js_redirect, stand_in
from tocsin.store.crawling import SUMMARY_ONLY
from tocsin.urls import item_addresses, with_query

logger = logging.getLogger(__name__)

#: Selector keys of a source that turn on comment extraction from article pages.
COMMENT_KEYS = ("comment", "comment_text", "comment_author", "comment_date", "comment_link")


@dataclass
class ArticleLead:
    """An article announced by a feed or sitemap, with what the announcement already tells."""

    url: str
    title: str = ""
    summary: str = ""
    author: str = ""
    published_at: str | None = None
    lang: str = ""
    meta: dict[str, Any] = field(default_factory=dict)


class ArticleSpider(SourceSpider):
    """Base of the feed and sitemap spiders."""

    def follow(self, leads: list[ArticleLead]) -> Iterator[Request | ItemRecord]:
        """Requests for the leads not stored yet (incremental crawling); known articles are never fetched, and
        leads that are no web address are skipped with a note."""
        by_url = {lead.url: lead for lead in leads if self.is_followable(lead.url)}
        for url in self.unknown(list(by_url)):
            lead = by_url[url]
            # dont_filter: claims already dedupe articles, and a redirect loop must end in an error
            # (too many redirects) rather than be dropped silently as a duplicate.
            req = self.request(url, self.parse_article, cb_kwargs={"lead": lead}, dont_filter=True,
                               errback=lambda failure, lead=lead: self.on_article_error(failure, lead))
            if req is not None:
                yield req
            elif lead.summary and self.budget <= 0:
                # Over the page budget: keep what the feed says; the page is fetched on a later re-check.
                yield self.summary_item(lead, None, reason="max_pages")

    def parse_article(self, response: Response, lead: ArticleLead) -> Iterator[ItemRecord]:
        """Store the article's main text; fall back on the feed summary when the page yields none."""
        if not isinstance(response, TextResponse):
            self.ledger.error("not_html", f"not a text page ({response.headers.get('Content-Type', b'').decode('latin-1')})", response.url)
            if lead.summary:
                yield self.summary_item(lead, response, reason="not_html")
            return
        response = readable_response(response)
        found = extract_article(response.text, response.url, selector=response.selector, zone=self.zone)
        check = stand_in(response, found.text)
        if check:
            kept = "stored the feed's summary for now" if lead.summary else "nothing stored"
            self.ledger.error("bot_check", f"the site answered with {check} instead of the article: {kept}; the page "
                                           "is fetched again on a later crawl", response.url)
            if lead.summary:
                yield self.summary_item(lead, response, reason="bot_check")
            return
        if not found.text:
            target = js_redirect(response.text)
            why = f"no main text on the page{f' (it redirects with JavaScript to {target})' if target else ''}"
            if lead.summary:
                self.ledger.error("no_text", f"{why}; stored the feed's summary instead", response.url)
                yield self.summary_item(lead, response, reason="no_text")
            else:
                self.ledger.error("no_text", f"{why} and no summary in the feed", response.url)
        else:
            yield ItemRecord(
                source=self.source.name, url=lead.url, kind="article", title=found.title or lead.title, text=found.text,
                author=found.author or lead.author, published_at=found.published_at or lead.published_at,
                lang=found.lang or lead.lang or self.source.language, meta=page_meta(response, lead),
                raw=response.body, content_type=content_type(response),
            )
        yield from self.comments(response, lead)

    def on_article_error(self, failure: Failure, lead: ArticleLead) -> Iterable[ItemRecord]:
        """Record the failure; keep the feed's summary as the item when there is one."""
        self.on_error(failure)
        if lead.summary:
            return [self.summary_item(lead, None, reason="fetch_failed")]
        return []

    def summary_item(self, lead: ArticleLead, response: Response | None, *, reason: str) -> ItemRecord:
        return ItemRecord(
            source=self.source.name, url=lead.url, kind="article", title=lead.title, text=lead.summary,
            author=lead.author, published_at=lead.published_at, lang=lead.lang or self.source.language,
            meta={**lead.meta, "text_from": SUMMARY_ONLY, "why": reason},
            raw=response.body if response is not None else None,
            content_type=content_type(response) if response is not None else "",
        )

    def comments(self, response: Response, lead: ArticleLead) -> Iterator[ItemRecord]:
        """Comments under the article, when the source's selectors name them (``comment``, ``comment_text``, …)."""
        sel = self.source.selectors
        if not sel.get("comment"):
            return
        found = [(n, node, text) for n, node in enumerate(select(response.selector, sel["comment"]), start=1)
                 if (text := select_text(node, sel.get("comment_text", "")) or select_text(node, "."))]
        urls = item_addresses(response.url, [select_first(node, sel.get("comment_link", "")) for _, node, _ in found],
                              [with_query(lead.url, comment=str(n)) for n, _, _ in found])
        for (n, node, text), url in zip(found, urls):
            yield ItemRecord(
                source=self.source.name, url=url, kind="comment", text=text,
                author=select_first(node, sel.get("comment_author", "")),
                published_at=normalise_date(select_first(node, sel.get("comment_date", "")), self.zone, lead.url),
                lang=self.source.language, meta={"article_url": lead.url, "position": n},
                raw=node.get().encode("utf-8"), content_type="text/html; charset=utf-8",
            )


def page_meta(response: Response, lead: ArticleLead) -> dict[str, Any]:
    """What the feed said plus where the page really was: the URL fetched (after redirects) and the page's
    own canonical URL (the item keeps the id of the announced URL, so the next crawl recognises it)."""
    meta = {**lead.meta, "fetched_url": response.url}
    canonical = response.css('link[rel="canonical"]::attr(href)').get() if isinstance(response, TextResponse) else None
    if canonical:
        meta["canonical_url"] = response.urljoin(canonical.strip())
    return meta


def content_type(response: Response) -> str:
    return response.headers.get("Content-Type", b"").decode("latin-1")
