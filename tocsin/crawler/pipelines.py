"""The item pipeline: every crawled item goes into the store (with its raw snapshot), once per version."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from tocsin.crawler.items import ItemRecord, Removed, StillThere

logger = logging.getLogger(__name__)


class StorePipeline:
    """Writes :class:`ItemRecord` items through ``upsert_item`` and re-check outcomes through the ledger
    of the spider's source. An item with neither text nor title is dropped and recorded as an error."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "StorePipeline":
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        ledger = self.crawler.spider.ledger
        if isinstance(item, Removed):
            ledger.removed(item.item_id)
        elif isinstance(item, StillThere):
            ledger.seen(item.item_id)
        elif isinstance(item, ItemRecord):
            if not (item.text.strip() or item.title.strip()):
                ledger.error("no_text", "the page has no text to store and no feed summary to fall back on", item.url)
                raise DropItem(f"no text: {item.url}")
            ledger.save(item)
        else:
            raise DropItem(f"not an item tocsin stores: {type(item).__name__}")
        return item
