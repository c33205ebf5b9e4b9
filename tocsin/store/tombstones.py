"""Tombstones of erased items: what keeps ``tocsin forget`` for good when a later crawl meets an item again.

A tombstone holds only keyed hashes (HMAC-SHA-256 under the store's ``erased_key`` secret) of an erased item's
canonical URL and of its id (the SHA-256 of that URL, which anyone can compute). Without the key a tombstone
names nothing: a guessed address cannot be checked against it from the file's other contents alone. An address
at which no item was stored gets one too when ``tocsin forget --url`` names it (:func:`bury_urls`).
:func:`tocsin.store.items.upsert_item` stores no item whose URL or id has a tombstone.
"""

from __future__ import annotations

import sqlite_utils

from tocsin.store.db import chunked, marks, utcnow
from tocsin.store.pseudonyms import get_secret, keyed_digest, stored_secret
from tocsin.urls import canonical_url, item_id_for

ERASED_KEY = "erased_key"


def _digests(key: bytes, canonical: str, item_id: str) -> tuple[str, str]:
    return keyed_digest(key, "url\x1f" + canonical), keyed_digest(key, "id\x1f" + item_id)


def bury_items(db: sqlite_utils.Database, item_ids: list[str]) -> int:
    """Leave a tombstone for each stored item of ``item_ids`` (call it before the items are deleted, in the same
    transaction); returns how many were new."""
    if not item_ids:
        return 0
    key, now, added = get_secret(db, ERASED_KEY), utcnow(), 0
    for chunk in chunked(item_ids):
        for item_id, url in db.execute(f"SELECT id, url FROM items WHERE id IN ({marks(chunk)})", chunk).fetchall():
            added += _bury(db, key, canonical_url(url), item_id, now)
    return added


def bury_urls(db: sqlite_utils.Database, urls: list[str]) -> int:
    """Leave a tombstone for each of ``urls`` (compared canonically, as :func:`is_erased` compares), whether or not
    an item is stored there: a person may ask before any crawl met it. Returns how many were new."""
    if not urls:
        return 0
    key, now = get_secret(db, ERASED_KEY), utcnow()
    return sum(_bury(db, key, canonical_url(url), item_id_for(url), now) for url in urls)


def _bury(db: sqlite_utils.Database, key: bytes, canonical: str, item_id: str, now: str) -> int:
    """Leave one tombstone; 1 when it is new, 0 when there was one."""
    url_hash, id_hash = _digests(key, canonical, item_id)
    return db.execute("INSERT OR IGNORE INTO erased_items (url_hash, id_hash, erased_at) VALUES (?, ?, ?)",
                      [url_hash, id_hash, now]).rowcount


def is_erased(db: sqlite_utils.Database, url: str) -> bool:
    """Whether an item at ``url`` (compared canonically, or by the id it gives) was erased by ``tocsin forget``."""
    key = stored_secret(db, ERASED_KEY)   # none: no item was ever erased, and none is made
    if key is None:
        return False
    url_hash, id_hash = _digests(key, canonical_url(url), item_id_for(url))
    return db.execute("SELECT 1 FROM erased_items WHERE url_hash = ? OR id_hash = ?", [url_hash, id_hash]).fetchone() is not None


def count_tombstones(db: sqlite_utils.Database) -> int:
    """How many erased items have a tombstone."""
    return db.execute("SELECT count(*) FROM erased_items").fetchone()[0]
