"""What every tocsin spider shares: its source, its ledger, a page budget, error recording."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import scrapy
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from tocsin.config import SourceSettings
from tocsin.crawler.errors import classify_failure
from tocsin.crawler.ledger import CrawlLedger
from tocsin.urls import canonical_url, is_web_address, item_id_for

logger = logging.getLogger(__name__)


class SourceSpider(scrapy.Spider):
    """A spider for one configured source. Subclasses implement :meth:`start_requests_for`.

    :param source: the source's settings (``kind`` picks the subclass).
    :param run_id: the crawl run it writes to.
    :param db_path: the store.
    :param claims: item ids claimed by the spiders of one crawl (shared, so no article is fetched twice).
    """

    kind = ""

    def __init__(self, source: SourceSettings, run_id: int, db_path: str, *, progress: bool = False,
                 busy_timeout_ms: int = 10_000, claims: set[str] | None = None, **kwargs: Any):
        super().__init__(name=source.name, **kwargs)
        self.source = source
        self.run_id = run_id
        self.ledger = CrawlLedger(db_path, source.name, run_id, busy_timeout_ms=busy_timeout_ms, progress=progress, claims=claims)
        self.budget = max(source.max_pages, 1)
        self.budget_note = ""
        self.odd_link_note = ""
        self.notes: list[str] = []
        #: why Scrapy closed the spider; None while it runs, and after a forced stop that never closed it
        self.closed_reason: str | None = None
        #: Hosts this source may reach on a private network (its own, when it opts in).
        self.private_hosts = frozenset(
            (urlsplit(u).hostname or "").lower() for u in source.urls) if source.allow_private_networks else frozenset()
        #: The zone of times the source writes without an offset (``timezone``); None: UTC.
        self.zone = ZoneInfo(source.timezone) if source.timezone else None
        self.check_config()

    def check_config(self) -> None:
        """Raise ``ValueError`` naming the key when the source's config cannot work for this spider."""

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> "SourceSpider":
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_opened, signal=signals.spider_opened)
        crawler.signals.connect(spider.on_response, signal=signals.response_received)
        crawler.signals.connect(spider.on_spider_error, signal=signals.spider_error)
        return spider

    # ------------------------------------------------------------------ signals

    def on_opened(self, spider: scrapy.Spider) -> None:
        self.ledger.open()

    def on_response(self, response: Response, request: Request, spider: scrapy.Spider) -> None:
        if not urlsplit(response.url).path.endswith("/robots.txt"):
            self.ledger.page()

    def on_spider_error(self, failure: Failure, response: Response, spider: scrapy.Spider) -> None:
        exc = failure.value
        self.ledger.error("parse", f"{type(exc).__name__}: {exc}", response.url)

    def closed(self, reason: str) -> None:
        self.closed_reason = reason
        if reason == "closespider_timeout":
            limit = self.crawler.settings.getint("CLOSESPIDER_TIMEOUT") if getattr(self, "crawler", None) else 0
            self.ledger.error("crawl_timeout", f"stopped after {limit} s (crawl time limit); the rest waits for the next crawl")
        elif reason == "shutdown":
            self.ledger.error("interrupted", "the crawl process was told to stop before the source was done")
        elif reason != "finished":
            self.notes.append(f"stopped: {reason}")
        if erased := self.ledger.totals.get("erased"):
            self.note_once(f"{erased} erased items not stored again")
            logger.info("%s: %d erased items not stored again", self.source.name, erased)
        self.on_closed(reason)
        self.ledger.close()

    def on_closed(self, reason: str) -> None:
        """Subclasses save resume state here."""

    # ------------------------------------------------------------------ requests

    async def start(self):
        try:
            for request in self.start_requests_for():
                yield request
        except Exception as exc:   # recorded on the run, not only a note: the source did not run
            logger.debug("source %s could not start", self.source.name, exc_info=True)
            self.ledger.error("config", f"the source could not start: {type(exc).__name__}: {exc}; check its settings")

    def start_requests_for(self) -> Iterable[Request]:
        raise NotImplementedError

    def request(self, url: str, callback: Callable, *, cb_kwargs: dict[str, Any] | None = None,
                meta: dict[str, Any] | None = None, errback: Callable | None = None, priority: int = 0,
                dont_filter: bool = False, handle_status: list[int] | None = None,
                headers: dict[str, str] | None = None) -> Request | None:
        """A request within the page budget (``max_pages``), its failures recorded; None when over budget, or
        for a link that is no web address (``mailto:``, ``javascript:void(0)``), which is noted once."""
        if not self.is_followable(url):
            return None
        if self.budget <= 0:
            if not self.budget_note:
                self.budget_note = f"max_pages ({self.source.max_pages}) reached; the rest waits for the next crawl"
                self.notes.append(self.budget_note)
            return None
        self.budget -= 1
        meta = dict(meta or {})
        if handle_status:
            meta["handle_httpstatus_list"] = handle_status
        return Request(url, callback=callback, cb_kwargs=cb_kwargs or {}, meta=meta, errback=errback or self.on_error,
                       priority=priority, dont_filter=dont_filter, headers=headers)

    def is_followable(self, url: str) -> bool:
        """Whether ``url`` is a web address a request can be made for; the first that is not (``mailto:``,
        ``javascript:void(0)``, ``http://[::1``) is named in a note of the run."""
        if is_web_address(url):
            return True
        if not self.odd_link_note:
            self.odd_link_note = f"links that are no web address were skipped (first: {url[:80]!r})"
            self.notes.append(self.odd_link_note)
        return False

    def note_once(self, note: str) -> None:
        """Add ``note`` to this run's notes unless it is there already."""
        if note not in self.notes:
            self.notes.append(note)

    def on_error(self, failure: Failure) -> None:
        """Record a failed request on this source; the crawl goes on."""
        kind, message = classify_failure(failure)
        request = getattr(failure, "request", None)
        # The URL the source linked to (a redirect's target is named in the message).
        url = (request.meta.get("redirect_urls") or [request.url])[0] if request is not None else ""
        self.ledger.error(kind, message, url)

    # ------------------------------------------------------------------ helpers

    def unknown(self, urls: list[str]) -> list[str]:
        """Of ``urls``, those not stored yet and not fetched by another spider of this crawl, in order,
        without duplicates (incremental crawling)."""
        seen: dict[str, str] = {}
        for url in urls:
            seen.setdefault(item_id_for(url), url)
        known = self.ledger.complete(list(seen))
        return [url for item_id, url in seen.items() if item_id not in known and self.ledger.claim(item_id)]

    def max_body_bytes(self) -> int:
        """The size limit of one body (``crawl.max_page_bytes``), also for bodies decompressed by hand."""
        crawler = getattr(self, "crawler", None)
        return crawler.settings.getint("DOWNLOAD_MAXSIZE") if crawler is not None else 10_000_000

    def since(self) -> datetime:
        """The oldest moment this source looks back to (``since_days``)."""
        return datetime.now(timezone.utc) - timedelta(days=self.source.since_days)

    @staticmethod
    def canonical(url: str) -> str:
        return canonical_url(url)
