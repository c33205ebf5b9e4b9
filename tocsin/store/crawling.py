"""Crawl queries beyond ``sources.py``: flagged items due for a re-check, runs of one crawl."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlite_utils

from tocsin.store.db import chunked, marks, transaction, utcnow
from tocsin.urls import SYNTHETIC_PARAM

logger = logging.getLogger(__name__)


def iso_before(hours: float = 0, days: float = 0, now: datetime | None = None) -> str:
    """The ISO UTC time ``hours``/``days`` before ``now``."""
    moment = (now or datetime.now(timezone.utc)) - timedelta(hours=hours, days=days)
    return moment.isoformat(timespec="seconds")


def items_due_for_recheck(db: sqlite_utils.Database, *, every_hours: float, within_days: float,
                          sources: list[str] | None = None, now: datetime | None = None, limit: int = 500) -> list[dict[str, Any]]:
    """Flagged items, not known to be removed, first seen in the last ``within_days`` days and not seen
    for ``every_hours`` hours: the ones to re-visit for edits and deletions.

    An item counts as flagged when any analysis flagged it and the latest decision on the version its queue row
    shows is not 'not incitement' (a decision on an earlier text spares not an edit flagged since). Items stored under a synthetic address (``?tocsin_item=``: a listing post or a feed entry with
    no page of its own) are never due: fetching that address says nothing about them.

    :param sources: only these sources (default: all).
    """
    # Stored URLs are canonical and synthetic_url appends the parameter, so it follows a "?" or a "&".
    synthetic = SYNTHETIC_PARAM.replace("_", "\\_")
    params: list[Any] = [iso_before(days=within_days, now=now), iso_before(hours=every_hours, now=now),
                         f"%?{synthetic}=%", f"%&{synthetic}=%"]
    where = ""
    if sources is not None:
        if not sources:
            return []
        where = f" AND i.source IN ({','.join('?' * len(sources))})"
        params.extend(sources)
    params.append(limit)
    rows = db.execute(
        f"""SELECT i.id, i.source, i.kind, i.url, i.meta FROM items i
            WHERE i.removed_at IS NULL AND i.first_seen >= ? AND i.last_seen <= ?
              AND i.url NOT LIKE ? ESCAPE '\\' AND i.url NOT LIKE ? ESCAPE '\\'
              AND EXISTS (SELECT 1 FROM analyses a WHERE a.item_id = i.id AND a.incitement = 1)
              AND COALESCE((SELECT q.latest_decision FROM review_queue q WHERE q.item_id = i.id), '') != 'not_incitement'
              {where}
            ORDER BY i.last_seen LIMIT ?""",
        params,
    ).fetchall()
    return [{"id": r[0], "source": r[1], "kind": r[2], "url": r[3], "meta": json.loads(r[4] or "{}")} for r in rows]


def mark_seen(db: sqlite_utils.Database, item_id: str, at: str | None = None) -> None:
    """Record that an item is still there, unchanged (a re-check found it)."""
    with transaction(db):
        db.execute("UPDATE items SET last_seen = ?, removed_at = NULL WHERE id = ?", [at or utcnow(), item_id])


def crawl_runs(db: sqlite_utils.Database, run_ids: list[int]) -> list[dict[str, Any]]:
    """Crawl runs by id, in the order given."""
    if not run_ids:
        return []
    rows = {r["id"]: r for r in db.query(f"SELECT * FROM crawl_runs WHERE id IN ({','.join('?' * len(run_ids))})", run_ids)}
    return [rows[i] for i in run_ids if i in rows]


def unfinished_runs(db: sqlite_utils.Database, run_ids: list[int]) -> list[int]:
    """Those of ``run_ids`` still marked running."""
    return [r["id"] for r in crawl_runs(db, run_ids) if r["status"] == "running"]


def run_errors(db: sqlite_utils.Database, run_ids: list[int], per_run: int = 5) -> dict[int, list[dict[str, Any]]]:
    """The first ``per_run`` errors of each run."""
    out: dict[int, list[dict[str, Any]]] = {i: [] for i in run_ids}
    for run_id in run_ids:
        out[run_id] = list(db.query("SELECT kind, url, message FROM crawl_errors WHERE run_id = ? ORDER BY id LIMIT ?", [run_id, per_run]))
    return out


#: ``meta.text_from`` of an article stored from its feed's summary only (its page failed or had no text).
SUMMARY_ONLY = "feed_summary"


def is_summary_only(meta: dict[str, Any] | None) -> bool:
    """Whether an item's ``meta`` says it was stored from its feed's summary only."""
    return isinstance(meta, dict) and meta.get("text_from") == SUMMARY_ONLY


def read_from_page(meta: dict[str, Any]) -> dict[str, Any]:
    """``meta`` of an article whose page has now been read: the summary-only marks (``text_from``, ``why``) dropped."""
    return {key: value for key, value in meta.items() if key not in ("text_from", "why")}


def summary_only_first_seen(db: sqlite_utils.Database, ids: list[str], *, first_seen_after: str) -> dict[str, str]:
    """Of ``ids``, the articles stored from their feed's summary only (the page failed or had no text),
    first seen after ``first_seen_after``, with when they were first seen (ISO UTC): worth fetching again."""
    found: dict[str, str] = {}
    for chunk in chunked(ids):
        rows = db.execute(
            f"""SELECT id, first_seen FROM items WHERE id IN ({','.join('?' * len(chunk))}) AND first_seen >= ?
                AND json_extract(meta, '$.text_from') = ?""",
            [*chunk, first_seen_after, SUMMARY_ONLY],
        )
        found.update((r[0], r[1]) for r in rows)
    return found


def summary_only_item_ids(db: sqlite_utils.Database, ids: list[str], *, first_seen_after: str) -> set[str]:
    """The ids of :func:`summary_only_first_seen`."""
    return set(summary_only_first_seen(db, ids, first_seen_after=first_seen_after))


def close_stale_runs(db: sqlite_utils.Database, sources: list[str], *, started_before: str, message: str) -> int:
    """Mark runs of ``sources`` still 'running' but started before ``started_before`` as failed (their
    process was killed: no live crawl runs that long). Returns how many were closed."""
    if not sources:
        return 0
    with transaction(db):
        rows = db.execute(
            f"SELECT id, source FROM crawl_runs WHERE status = 'running' AND started_at < ? AND source IN ({marks(sources)})",
            [started_before, *sources],
        ).fetchall()
        now = utcnow()
        for run_id, source in rows:
            db.execute("INSERT INTO crawl_errors (run_id, source, url, kind, message, at) VALUES (?, ?, '', 'interrupted', ?, ?)",
                       [run_id, source, message, now])
            db.execute("UPDATE crawl_runs SET status = 'failed', finished_at = ?, message = ?, errors = errors + 1 WHERE id = ?",
                       [now, message, run_id])
    return len(rows)
