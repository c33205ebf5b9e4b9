"""The daemon's bookkeeping: the last run of each job, and crawl runs a killed crawl left open."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from tocsin.store.db import marks, transaction


def record_job_start(db: sqlite_utils.Database, name: str, now: str) -> None:
    """Note that a job started."""
    with transaction(db):
        db.execute("""INSERT INTO job_runs (name, last_started_at) VALUES (?, ?)
                      ON CONFLICT(name) DO UPDATE SET last_started_at = excluded.last_started_at""", [name, now])


def record_job_end(db: sqlite_utils.Database, name: str, *, now: str, status: str, summary: str = "", error: str = "",
                   duration_s: float = 0.0) -> None:
    """Note how a job ended (``ok``, ``failed``, ``stopped`` when asked or ``killed``) with its counts or its error."""
    with transaction(db):
        db.execute("""INSERT INTO job_runs (name, last_started_at) VALUES (?, ?) ON CONFLICT(name) DO NOTHING""", [name, now])
        db.execute("""UPDATE job_runs SET last_finished_at = ?, last_status = ?, last_summary = ?, last_error = ?,
                      last_duration_s = ?, runs = runs + 1, failures = failures + ? WHERE name = ?""",
                   [now, status, summary[:500], error[:2000], round(duration_s, 3), int(status != "ok"), name])


#: A job whose last start has no end after it: running, waiting for a crawl slot, or left by a daemon that died.
UNFINISHED = "(last_finished_at IS NULL OR coalesce(last_started_at, '') > last_finished_at)"


def close_unfinished_jobs(db: sqlite_utils.Database, *, now: str, why: str) -> int:
    """Mark the unfinished jobs (a step waiting for a crawl slot when the daemon stopped, or a daemon that was
    killed) ``interrupted``, without counting a run; returns how many."""
    with transaction(db):
        return db.execute(f"""UPDATE job_runs SET last_finished_at = ?, last_status = 'interrupted', last_summary = '',
                              last_error = ? WHERE {UNFINISHED}""", [now, why]).rowcount


def job_runs(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every job's last run, by name, with ``finished``: whether its last start has ended."""
    return list(db.query(f"SELECT *, NOT {UNFINISHED} AS finished FROM job_runs ORDER BY name"))


def latest_crawl_run_id(db: sqlite_utils.Database) -> int:
    """The id of the newest crawl run (0 when there is none): runs a crawl starts after this have larger ones."""
    return db.execute("SELECT COALESCE(MAX(id), 0) FROM crawl_runs").fetchone()[0]


def open_crawl_runs(db: sqlite_utils.Database, sources: list[str], after_id: int) -> list[int]:
    """Ids of crawl runs of ``sources`` newer than run ``after_id`` that were never finished (by id, not by time:
    a clock set back while a crawl ran changes nothing)."""
    if not sources:
        return []
    return [r[0] for r in db.execute(
        f"SELECT id FROM crawl_runs WHERE status = 'running' AND source IN ({marks(sources)}) AND id > ?", [*sources, after_id])]
