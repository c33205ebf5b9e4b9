"""Counts for ``tocsin status``: per table, per source, per language."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from tocsin.store.analyses import current_analysis_id

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


def last_run_errors(db: sqlite_utils.Database, per_source: int = 3) -> list[dict[str, Any]]:
    """The first errors of each source's last finished crawl run (source, kind, message, url), for ``tocsin status``."""
    runs = db.execute("""SELECT r.source, max(r.id) FROM crawl_runs r WHERE r.status != 'running' GROUP BY r.source
                         ORDER BY r.source""").fetchall()
    return [row for source, run_id in runs for row in db.query(
        "SELECT source, kind, message, url FROM crawl_errors WHERE run_id = ? ORDER BY id LIMIT ?", [run_id, per_source])]


#: An item's language: the one detected by the analysis that speaks for it (among those that detected one:
#: :func:`~tocsin.store.analyses.current_analysis_id`), else the crawler's hint.
ITEM_LANG = f"""COALESCE((SELECT a.lang FROM analyses a WHERE a.id = {current_analysis_id("items.id", "a2.lang != ''")}),
                         NULLIF(items.lang, ''), '?')"""


def language_counts(db: sqlite_utils.Database) -> dict[str, int]:
    """Items per language ('?' for not yet known)."""
    return {row[0]: row[1] for row in db.execute(f"SELECT {ITEM_LANG} AS l, count(*) FROM items GROUP BY l ORDER BY 2 DESC")}


def delivery_counts(db: sqlite_utils.Database) -> dict[str, int]:
    """Deliveries per status (pending, sent, dead, …)."""
    return {row[0]: row[1] for row in db.execute("SELECT status, count(*) FROM deliveries GROUP BY status")}


def unanalysed_count(db: sqlite_utils.Database) -> int:
    """Items whose current content has no analysis yet (by any model)."""
    return db.execute(
        """SELECT count(*) FROM items i WHERE NOT EXISTS
           (SELECT 1 FROM analyses a WHERE a.item_id = i.id AND a.content_hash = i.content_hash)"""
    ).fetchone()[0]


def flagged_breakdown(db: sqlite_utils.Database) -> dict[str, dict[str, int]]:
    """Flagged items (by the analysis that speaks for each: :func:`~tocsin.store.analyses.current_analysis_id`, as
    the review queue) per target group, place and hallmark."""
    rows = db.execute(
        f"""SELECT a.targets, a.places, a.hallmarks FROM analyses a
            WHERE a.incitement = 1 AND a.id = {current_analysis_id("a.item_id")}"""
    ).fetchall()
    out: dict[str, dict[str, int]] = {"group": {}, "place": {}, "hallmark": {}}
    for targets, places, hallmarks in rows:
        for key, values in (("group", {t["group"] for t in json.loads(targets)}),
                            ("place", {p["place"] for p in json.loads(places)}),
                            ("hallmark", set(json.loads(hallmarks)))):
            for value in values:
                out[key][value] = out[key].get(value, 0) + 1
    return out


def items_per_source_and_language(db: sqlite_utils.Database) -> list[tuple[str, str, int]]:
    """(source, language, items) for every pair that has items."""
    return [tuple(r) for r in db.execute(f"SELECT source, {ITEM_LANG} AS l, count(*) FROM items GROUP BY source, l ORDER BY source, l")]
