"""Re-visits flagged items to record edits and deletions (``removed_at``) as evidence."""

from __future__ import annotations

import logging
from typing import Any, Iterable, Iterator
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.http import Response, TextResponse

from tocsin.crawler.decoding import readable_response
from tocsin.crawler.extract import extract_article
from tocsin.crawler.items import ItemRecord, Removed, StillThere
from tocsin.crawler.spiders.base import SourceSpider
from tocsin.crawler.spiders.paging import is_synthetic_url
from tocsin.crawler.spiders.telegram import message_item, message_meta, page_url, parse_channel_page
from tocsin.crawler.standin import stand_in
from tocsin.store.crawling import read_from_page
from tocsin.urls import canonical_url

logger = logging.getLogger(__name__)

GONE = (404, 410)


def moved_to(original: str, final: str) -> str:
    """Where a re-checked page's redirects led: ``""`` (the same page, perhaps over https, with or without
    ``www.`` or a final slash), ``"away"`` (the site's front page, or a section above the page, or the same
    script without the query that named the article — ``index.php?newsid=55`` → ``index.php``: the page is
    gone) or ``"elsewhere"`` (another page)."""
    def key(url: str) -> tuple[str, str, str]:
        parts = urlsplit(canonical_url(url))
        return (parts.hostname or "").removeprefix("www."), parts.path.rstrip("/"), parts.query

    (host, path, query), (new_host, new_path, new_query) = key(original), key(final)
    if (host, path, query) == (new_host, new_path, new_query):
        return ""
    if new_host == host and not new_query and (not new_path or path.startswith(new_path + "/") or (query and new_path == path)):
        return "away"
    return "elsewhere"


class RecheckSpider(SourceSpider):
    """Fetches each given item again: gone (404/410, message missing) marks it removed; an article still
    there is re-extracted (a changed text becomes a new version); other items are marked seen.

    :param items: the items to re-check (``id``, ``url``, ``kind``, ``meta``).
    """

    kind = "recheck"
    #: The items to re-check are the work itself: in distributed mode, processes share them (see SourceScheduler).
    shares_start_requests = True

    def __init__(self, *args: Any, items: list[dict[str, Any]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.items = items or []
        self.budget = len(self.items) + 1

    def start_requests_for(self) -> Iterable[Request]:
        for item in self.items:
            meta = item.get("meta") or {}
            if meta.get("channel_url") and meta.get("message_id"):
                url = page_url(meta["channel_url"], before=int(meta["message_id"]) + 1)
                req = self.request(url, self.check_message, cb_kwargs={"item": item}, dont_filter=True, handle_status=list(GONE))
            elif is_synthetic_url(item["url"]):
                continue   # no page of its own (listing post, feed entry of a shared page): fetching proves nothing
            else:
                req = self.request(item["url"], self.check_page, cb_kwargs={"item": item}, dont_filter=True, handle_status=list(GONE))
            if req is not None:
                yield req

    def check_message(self, response: Response, item: dict[str, Any]) -> Iterator:
        if response.status in GONE:
            yield Removed(item["id"], item["url"], f"channel page answered {response.status}")
            return
        page = parse_channel_page(response.selector, response.url)
        if not page.messages and not response.css(".tgme_channel_history"):   # a rate-limit page: proves nothing
            self.ledger.error("parse", f"{response.url} shows no messages, so whether message {item['meta']['message_id']} "
                                       "was deleted is unknown; it is checked again on the next re-check", response.url)
            return
        wanted = int(item["meta"]["message_id"])
        msg = next((m for m in page.messages if m.id == wanted), None)
        if msg is None:
            yield Removed(item["id"], item["url"], "message missing from the channel")
            return
        # what the page shows now (views, an edit, links) over what was stored; an edit once seen stays recorded
        meta = {**item["meta"], **message_meta(msg, response.url)}
        yield message_item(msg, self.source.name, self.source.language, item["url"], meta)

    def check_page(self, response: Response, item: dict[str, Any]) -> Iterator:
        if response.status in GONE:
            yield Removed(item["id"], item["url"], f"HTTP {response.status}")
            return
        moved = moved_to(item["url"], response.url)
        if moved == "away":   # the front page or a section: the article is gone, and that page is not its text
            yield Removed(item["id"], item["url"], f"redirected to {response.url}")
            return
        if moved == "elsewhere":   # the same article at a new address, or a login or consent page: proves nothing
            self.notes.append(f"{item['url']} now redirects to {response.url}; its text was not re-read")
            return
        if item["kind"] == "article" and isinstance(response, TextResponse):
            response = readable_response(response)
            found = extract_article(response.text, response.url, selector=response.selector, zone=self.zone)
            check = stand_in(response, found.text)
            if check:   # proves neither that the article is there nor that it is gone
                self.notes.append(f"{item['url']} answered with {check}; its text was not re-read")
                return
            if found.text:
                yield ItemRecord(
                    source=self.source.name, url=item["url"], kind="article", title=found.title, text=found.text,
                    author=found.author, published_at=found.published_at, lang=found.lang or self.source.language,
                    meta=read_from_page(item.get("meta") or {}), raw=response.body,
                    content_type=response.headers.get("Content-Type", b"").decode("latin-1"),
                )
                return
        yield StillThere(item["id"], item["url"])
