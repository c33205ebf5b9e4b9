"""Sources, crawl runs and crawl errors: what was fetched, when, and what went wrong."""

from __future__ import annotations

import json
import logging
from typing import Any, Iterable

import sqlite_utils

from tocsin.config import SourceSettings
from tocsin.store.db import marks, transaction, utcnow

logger = logging.getLogger(__name__)


def sync_sources(db: sqlite_utils.Database, sources: Iterable[SourceSettings]) -> None:
    """Make the ``sources`` table match the config (new rows added, settings updated, state kept); a source
    no longer in the config keeps its row (its items refer to it) but is no longer enabled."""
    now = utcnow()
    sources = list(sources)
    with transaction(db):
        db.execute(f"UPDATE sources SET enabled = 0 WHERE name NOT IN ({marks([s.name for s in sources])})",
                   [s.name for s in sources])
        for src in sources:
            db.execute(
                """INSERT INTO sources (name, kind, url, language, enabled, interval_minutes, created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, url = excluded.url,
                   language = excluded.language, enabled = excluded.enabled,
                   interval_minutes = excluded.interval_minutes""",
                [src.name, src.kind, src.urls[0] if src.urls else "", src.language, int(src.enabled), src.interval_minutes, now],
            )


def ensure_source(db: sqlite_utils.Database, name: str, kind: str = "feed", url: str = "") -> None:
    """Make sure a source row exists (items reference it)."""
    db.execute(
        "INSERT OR IGNORE INTO sources (name, kind, url, created_at) VALUES (?, ?, ?, ?)", [name, kind, url, utcnow()]
    )


def source_state(db: sqlite_utils.Database, name: str) -> dict[str, Any]:
    """A spider's resume state for a source (e.g. the last Telegram message id seen)."""
    row = db.execute("SELECT state FROM sources WHERE name = ?", [name]).fetchone()
    return json.loads(row[0]) if row and row[0] else {}


def source_states(db: sqlite_utils.Database) -> dict[str, Any]:
    """Every source's resume state that is set, by source name."""
    return {name: json.loads(raw) for name, raw in db.execute(
        "SELECT name, state FROM sources WHERE state IS NOT NULL AND state != ''")}


def save_source_state(db: sqlite_utils.Database, name: str, state: dict[str, Any]) -> None:
    """Replace a source's resume state."""
    with transaction(db):
        db.execute("UPDATE sources SET state = ? WHERE name = ?", [json.dumps(state, ensure_ascii=False), name])


def start_crawl_run(db: sqlite_utils.Database, source: str) -> int:
    """Open a crawl run for ``source`` and return its id."""
    with transaction(db):
        now = utcnow()
        db.execute("UPDATE sources SET last_crawl_at = ? WHERE name = ?", [now, source])
        return db.execute("INSERT INTO crawl_runs (source, started_at) VALUES (?, ?)", [source, now]).lastrowid


def count_crawl_run(db: sqlite_utils.Database, run_id: int, *, pages: int = 0, items: int = 0, new_items: int = 0) -> None:
    """Add to a crawl run's counters."""
    with transaction(db):
        db.execute(
            "UPDATE crawl_runs SET pages = pages + ?, items = items + ?, new_items = new_items + ? WHERE id = ?",
            [pages, items, new_items, run_id],
        )


def record_crawl_error(db: sqlite_utils.Database, run_id: int | None, source: str, kind: str, message: str, url: str = "") -> None:
    """Record one failure (an HTTP error, a timeout, a blocked address, a parse failure) on its source."""
    with transaction(db):
        db.execute(
            "INSERT INTO crawl_errors (run_id, source, url, kind, message, at) VALUES (?, ?, ?, ?, ?, ?)",
            [run_id, source, url, kind, message[:2000], utcnow()],
        )
        if run_id is not None:
            db.execute("UPDATE crawl_runs SET errors = errors + 1 WHERE id = ?", [run_id])


def finish_crawl_run(db: sqlite_utils.Database, run_id: int, status: str | None = None, message: str = "") -> str:
    """Close a crawl run. Without an explicit ``status``: ``ok``, ``partial`` (some errors) or ``failed``."""
    with transaction(db):
        row = db.execute("SELECT source, pages, items, errors FROM crawl_runs WHERE id = ?", [run_id]).fetchone()
        source, pages, items, errors = row
        if status is None:
            status = "ok" if errors == 0 else ("partial" if items or pages else "failed")
        now = utcnow()
        db.execute("UPDATE crawl_runs SET finished_at = ?, status = ?, message = ? WHERE id = ?", [now, status, message, run_id])
        if status in ("ok", "partial"):
            db.execute("UPDATE sources SET last_success_at = ? WHERE name = ?", [now, source])
    return status


def crawl_errors(db: sqlite_utils.Database, run_id: int) -> list[dict[str, Any]]:
    """The errors recorded on one crawl run."""
    return list(db.query("SELECT * FROM crawl_errors WHERE run_id = ? ORDER BY id", [run_id]))
