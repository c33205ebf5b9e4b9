"""A generic spider for forums and comment pages, driven by the selectors in the source's config:
``item`` (container), ``text``, ``author``, ``date``, ``link``, ``title``, ``next_page`` (CSS or XPath)."""

from __future__ import annotations

import logging
from typing import Iterable, Iterator

from scrapy import Request
from scrapy.http import Response, TextResponse

from tocsin.crawler.decoding import readable_response
from tocsin.crawler.extract import normalise_date, select, select_first, select_text
from tocsin.crawler.items import ItemRecord
from tocsin.crawler.spiders.base import SourceSpider
from tocsin.crawler.spiders.paging import all_known, synthetic_url
from tocsin.urls import item_addresses, item_id_for, join_url

logger = logging.getLogger(__name__)


def check_selectors(selectors: dict[str, str], needed: tuple[str, ...], source: str) -> None:
    """Raise ``ValueError`` naming the missing selector keys and the fix."""
    missing = [k for k in needed if not selectors.get(k)]
    if missing:
        raise ValueError(f"source {source!r}: selectors need {', '.join(missing)} "
                         f"(e.g. selectors = {{ item = 'div.post', text = 'div.body' }})")
    from parsel import Selector

    probe = Selector(text="<html></html>")
    for key, query in selectors.items():
        try:
            select(probe, query)
        except Exception as e:  # cssselect and lxml raise several kinds
            raise ValueError(f"source {source!r}: selectors.{key} = {query!r} is not valid CSS or XPath: {e}") from e


class ListingSpider(SourceSpider):
    """Each element matching ``item`` on a listing page is one post; ``next_page`` leads on."""

    kind = "listing"

    def check_config(self) -> None:
        check_selectors(self.source.selectors, ("item", "text"), self.source.name)

    def start_requests_for(self) -> Iterable[Request]:
        for url in self.source.urls:
            req = self.request(url, self.parse_listing, cb_kwargs={"start_url": url}, dont_filter=True)
            if req is not None:
                yield req

    def parse_listing(self, response: Response, start_url: str = "") -> Iterator:
        if not isinstance(response, TextResponse):
            self.ledger.error("not_html", "the listing page is not text", response.url)
            return
        response = readable_response(response)   # a page in another encoding than it declares
        sel = self.source.selectors
        posts = [(node, text) for node in select(response.selector, sel["item"]) if (text := select_text(node, sel["text"]))]
        records = [ItemRecord(
            source=self.source.name, url="", kind="post", title=select_first(node, sel.get("title", "")), text=text,
            author=select_first(node, sel.get("author", "")),
            published_at=normalise_date(select_first(node, sel.get("date", "")), self.zone, response.url),
            lang=self.source.language, meta={"listing_url": response.url}, raw=node.get().encode("utf-8"),
            content_type="text/html; charset=utf-8",
        ) for node, text in posts]
        urls = item_addresses(response.url, [select_first(node, sel.get("link", "")) for node, _ in posts],
                              [synthetic_url(start_url or response.url, r.author, r.published_at or "", r.text) for r in records])
        for record, url in zip(records, urls):
            record.url = url
        if not records and not select(response.selector, sel["item"]):
            self.ledger.error("parse", f"selectors.item {sel['item']!r} matched nothing on the page", response.url)
            return
        known = self.ledger.known([item_id_for(r.url) for r in records])
        yield from records
        stop = self.source.pagination.get("stop_at_known", "true").lower() != "false"
        if stop and all_known([r.url for r in records], known):
            return  # newest first: nothing new past this page
        next_link = select_first(response.selector, sel.get("next_page", ""))
        if next_link:
            req = self.request(join_url(response.url, next_link), self.parse_listing, cb_kwargs={"start_url": start_url})
            if req is not None:
                yield req
