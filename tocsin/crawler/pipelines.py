"""The item pipeline: every crawled item goes into the store (with its raw snapshot), once per version."""

from __future__ import annotations

import logging
import sqlite3
import time
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from tocsin.crawler.items import ItemRecord, Removed, StillThere
from tocsin.store.db import is_locked_error, rescue_command

logger = logging.getLogger(__name__)

#: Tries to store one item while another program holds the store's write lock (each waits
#: ``database.busy_timeout_ms``), and the pause between them.
STORE_TRIES = 3
RETRY_PAUSE_S = 1.0


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
            self.save(ledger, item)
        else:
            raise DropItem(f"not an item tocsin stores: {type(item).__name__}")
        return item

    @staticmethod
    def save(ledger: Any, item: ItemRecord) -> None:
        """Store one item, trying again while the store is locked; an item that still cannot be stored, or that a
        full disk or a read-only store refuses, is counted as lost (the spider then keeps its resume point, so
        the next crawl fetches it again) and recorded as an error when the store lets it. While the store stays
        locked, each item is tried once, briefly (see :meth:`CrawlLedger.note_lock`), so the crawl goes on
        fetching."""
        tries = 1 if ledger.recently_locked else STORE_TRIES
        for attempt in range(1, tries + 1):
            try:
                ledger.save(item)
                return
            except sqlite3.DatabaseError as e:
                if not is_locked_error(e):   # a full disk, a read-only or damaged store: counted, never silent
                    ledger.lost(item.url, f"{unwritable(e)}, and the item is fetched again on the next crawl")
                    raise DropItem(f"store not writable: {item.url}") from e
                if attempt < tries:
                    time.sleep(RETRY_PAUSE_S)
        ledger.note_lock()
        ledger.lost(item.url, "the store stayed locked by another program; the item is fetched again on the next crawl")
        raise DropItem(f"store locked: {item.url}")


def unwritable(error: sqlite3.DatabaseError) -> str:
    """Why the store refused a write, and the fix."""
    if "malformed" in str(error):
        return (f"the store is damaged ({error}); copy the database file aside and restore it from a backup, or "
                f"rescue it with: {rescue_command()}")
    return f"the store cannot be written ({error}); free space on its disk or make it writable"
