"""Counts for ``tocsin status``: per table, per source, per language."""

from __future__ import annotations

from typing import Any

import sqlite_utils

#: Tables whose row counts ``status`` shows, in the order of the data flow.
STATUS_TABLES = ("sources", "crawl_runs", "items", "item_versions", "snapshots", "analyses",
                 "alerts", "deliveries", "reviews", "users", "audit_log")


def table_counts(db: sqlite_utils.Database) -> dict[str, int]:
    """Rows in each main table."""
    return {t: db.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0] for t in STATUS_TABLES if db[t].exists()}


def source_summary(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Per source: kind, enabled, items, last crawl, last success and the last run's outcome."""
    return list(
        db.query(
            """SELECT s.name, s.kind, s.enabled, s.last_crawl_at, s.last_success_at,
                      (SELECT count(*) FROM items i WHERE i.source = s.name) AS items,
                      (SELECT r.status FROM crawl_runs r WHERE r.source = s.name ORDER BY r.id DESC LIMIT 1) AS last_status,
                      (SELECT r.errors FROM crawl_runs r WHERE r.source = s.name ORDER BY r.id DESC LIMIT 1) AS last_errors
               FROM sources s ORDER BY s.name"""
        )
    )


def language_counts(db: sqlite_utils.Database) -> dict[str, int]:
    """Items per language ('' for not yet known)."""
    return {row[0] or "?": row[1] for row in db.execute("SELECT lang, count(*) FROM items GROUP BY lang ORDER BY 2 DESC")}


def delivery_counts(db: sqlite_utils.Database) -> dict[str, int]:
    """Deliveries per status (pending, sent, dead, …)."""
    return {row[0]: row[1] for row in db.execute("SELECT status, count(*) FROM deliveries GROUP BY status")}


def unanalysed_count(db: sqlite_utils.Database) -> int:
    """Items whose current content has no analysis yet (by any model)."""
    return db.execute(
        """SELECT count(*) FROM items i WHERE NOT EXISTS
           (SELECT 1 FROM analyses a WHERE a.item_id = i.id AND a.content_hash = i.content_hash)"""
    ).fetchone()[0]
