"""The SQLite store: the only place in tocsin that writes SQL.

Open it with :func:`connect`; every write goes through a function of this package, inside one
transaction. Tables and their meaning are in ``migrations.py``.
"""

from tocsin.store.db import DatabaseMissing, StoreError, connect, transaction, utcnow
from tocsin.store.items import ItemRecord, content_hash, get_item, item_versions, mark_removed, upsert_item
from tocsin.store.search import fts_query, search_item_ids, search_items

__all__ = [
    "DatabaseMissing", "ItemRecord", "StoreError", "connect", "content_hash", "fts_query", "get_item",
    "item_versions", "mark_removed", "search_item_ids", "search_items", "transaction", "upsert_item", "utcnow",
]
