"""A crawl run's bookkeeping in the store: items, pages, errors, resume state, progress lines.

One :class:`CrawlLedger` per spider (per source); it opens its own connection when the spider opens.
Counters are written in batches; errors are written at once.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import sys
import time
from typing import Any

import sqlite_utils

from tocsin.store import connect, mark_removed, upsert_item
from tocsin.store.crawling import iso_before, mark_seen, summary_only_item_ids
from tocsin.store.db import is_locked_error
from tocsin.store.items import ItemRecord, is_current_version, known_item_ids
from tocsin.store.sources import count_crawl_run, record_crawl_error, save_source_state, source_state

logger = logging.getLogger(__name__)

#: Prefix of the progress lines a crawl process writes to stdout.
PROGRESS_PREFIX = "@progress "
FLUSH_EVERY_S = 1.0
#: After the store was found locked by another program, for this long the ledger waits at most
#: :data:`LOCKED_BUSY_MS` for each write (not ``database.busy_timeout_ms``), so that the crawl's event loop
#: keeps running: what cannot be written meanwhile is kept and written later.
LOCK_BACKOFF_S = 30.0
LOCKED_BUSY_MS = 500
#: For how many days an article stored from its feed summary only is fetched again on each crawl.
REFETCH_SUMMARY_DAYS = 3


class CrawlLedger:
    """Writes one source's crawl run to the store.

    :param db_path: the SQLite file.
    :param source: the source's name.
    :param run_id: its open crawl run.
    :param progress: print progress lines (JSON after :data:`PROGRESS_PREFIX`) to stdout.
    """

    def __init__(self, db_path: str, source: str, run_id: int, *, busy_timeout_ms: int = 10_000, progress: bool = False,
                 claims: set[str] | None = None):
        self.db_path, self.source, self.run_id = db_path, source, run_id
        #: Item ids a spider of this crawl is already fetching (shared by the spiders of one crawl: two
        #: sources may list one article).
        self.claimed: set[str] = claims if claims is not None else set()
        self.busy_timeout_ms = busy_timeout_ms
        self.progress = progress
        self.db: sqlite_utils.Database | None = None
        self.pending = {"pages": 0, "items": 0, "new_items": 0}
        self.totals = {"pages": 0, "items": 0, "new_items": 0, "errors": 0, "removed": 0, "lost": 0,
                       "erased": 0}
        #: Errors that could not be written yet (the store was locked), written when it lets us.
        self.unwritten: list[tuple[str, str, str]] = []
        #: URLs of items fetched but not stored (see :meth:`lost`): a spider keeps its resume point behind them.
        self.lost_urls: list[str] = []
        self.locked_until = 0.0
        self.last_flush = 0.0

    def open(self) -> None:
        if self.db is None:
            self.db = connect(self.db_path, busy_timeout_ms=self.busy_timeout_ms, create=False, migrate=False)

    def note_lock(self) -> None:
        """The store was found locked: wait only briefly on it for a while (see :data:`LOCK_BACKOFF_S`)."""
        self.locked_until = time.monotonic() + LOCK_BACKOFF_S
        self._busy_timeout(min(self.busy_timeout_ms, LOCKED_BUSY_MS))

    @property
    def recently_locked(self) -> bool:
        """Whether the store was found locked within :data:`LOCK_BACKOFF_S` (the full wait returns after)."""
        if self.locked_until and time.monotonic() >= self.locked_until:
            self.locked_until = 0.0
            self._busy_timeout(self.busy_timeout_ms)
        return bool(self.locked_until)

    def _busy_timeout(self, ms: int) -> None:
        if self.db is not None:
            self.db.execute(f"PRAGMA busy_timeout = {int(ms)}")

    @property
    def store(self) -> sqlite_utils.Database:
        self.open()
        assert self.db is not None
        return self.db

    # ------------------------------------------------------------------ incremental crawling

    def known(self, item_ids: list[str]) -> set[str]:
        """The ids already in the store."""
        return known_item_ids(self.store, item_ids) if item_ids else set()

    def changed(self, digests: dict[str, str]) -> set[str]:
        """Of ``digests`` (item id → the content hash a crawl found), the ids stored with another current version."""
        known = self.known(list(digests))
        return {item_id for item_id in known if not is_current_version(self.store, item_id, digests[item_id])}

    def complete(self, item_ids: list[str]) -> set[str]:
        """The ids already in the store with their full text: an article stored from its feed summary in
        the last :data:`REFETCH_SUMMARY_DAYS` days (its page failed or was empty) is fetched again."""
        known = self.known(item_ids)
        if not known:
            return known
        since = iso_before(days=REFETCH_SUMMARY_DAYS)
        return known - summary_only_item_ids(self.store, list(known), first_seen_after=since)

    def claim(self, item_id: str) -> bool:
        """True the first time any spider of this process claims ``item_id``."""
        if item_id in self.claimed:
            return False
        self.claimed.add(item_id)
        return True

    def release(self, item_id: str) -> None:
        """Give up the claim on ``item_id`` (its item was lost), so that a later crawl may fetch it again."""
        self.claimed.discard(item_id)

    def state(self) -> dict[str, Any]:
        return source_state(self.store, self.source)

    def save_state(self, state: dict[str, Any]) -> None:
        """Keep the source's resume state; when the store stays locked the old one stays (the next crawl
        then reads a little more again, and loses nothing)."""
        try:
            save_source_state(self.store, self.source, state)
        except sqlite3.OperationalError as e:
            if not is_locked_error(e):
                raise
            logger.warning("%s: the store is locked; the resume point stays where it was", self.source)

    # ------------------------------------------------------------------ writes

    def save(self, record: ItemRecord) -> str:
        """Store an item (new, changed or unchanged) and count it; an item erased by ``tocsin forget`` is
        not stored again, only counted (``erased``)."""
        outcome = upsert_item(self.store, record)
        if outcome == "erased":   # erased by 'tocsin forget': not stored again, counted, never named
            self.totals["erased"] += 1
            return outcome
        self.pending["items"] += 1
        self.totals["items"] += 1
        if outcome == "new":
            self.pending["new_items"] += 1
            self.totals["new_items"] += 1
        self.flush()
        return outcome

    def lost(self, url: str, why: str) -> None:
        """An item fetched but not stored: counted, logged, and recorded as a ``store`` error as soon as the store
        can be written (see :meth:`error`)."""
        self.totals["lost"] += 1
        self.lost_urls.append(url)
        logger.warning("%s: item not stored (%s): %s", self.source, why, url)
        self.error("store", f"not stored: {why}", url)

    def removed(self, item_id: str) -> None:
        """A re-checked item is gone (counted as an item of the run)."""
        mark_removed(self.store, item_id)
        self.totals["removed"] += 1
        self.count_item()

    def seen(self, item_id: str) -> None:
        """A re-checked item is still there (counted as an item of the run)."""
        mark_seen(self.store, item_id)
        self.count_item()

    def count_item(self) -> None:
        self.pending["items"] += 1
        self.totals["items"] += 1
        self.flush()

    def page(self) -> None:
        self.pending["pages"] += 1
        self.totals["pages"] += 1
        self.flush()

    def error(self, kind: str, message: str, url: str = "") -> None:
        """Record one failure on this source's run (at once, or as soon as the store is no longer locked)."""
        logger.info("%s: %s %s %s", self.source, kind, url, message)
        self.totals["errors"] += 1
        self.unwritten.append((kind, message, url))
        self.flush(force=True)

    def flush(self, force: bool = False) -> None:
        """Write the batched counters (at most once a second unless forced) and a progress line."""
        now = time.monotonic()
        if not force and now - self.last_flush < FLUSH_EVERY_S:
            return
        self.last_flush = now
        try:
            while self.unwritten:
                record_crawl_error(self.store, self.run_id, self.source, *self.unwritten[0])
                self.unwritten.pop(0)
            if any(self.pending.values()):
                count_crawl_run(self.store, self.run_id, **self.pending)
                self.pending = dict.fromkeys(self.pending, 0)
        except sqlite3.DatabaseError as e:
            if is_locked_error(e):
                self.note_lock()
                logger.warning("%s: the store is locked by another program; this run's counts and %d error(s) are "
                               "written when it is free", self.source, len(self.unwritten))
            else:   # a full disk, a read-only or damaged store: kept here, and written if it can be before the run ends
                logger.error("%s: the store cannot be written (%s); this run's counts and %d error(s) are written "
                             "when it can be", self.source, e, len(self.unwritten))
        if self.progress:
            emit_progress(self.source, self.run_id, self.totals)

    def close(self) -> None:
        if self.db is not None:
            self.flush(force=True)
            self.db.close()
            self.db = None


def emit_progress(source: str, run_id: int, totals: dict[str, int]) -> None:
    """Write one progress line for the parent process (see :data:`PROGRESS_PREFIX`)."""
    sys.stdout.write(PROGRESS_PREFIX + json.dumps({"source": source, "run_id": run_id, **totals}) + "\n")
    sys.stdout.flush()
