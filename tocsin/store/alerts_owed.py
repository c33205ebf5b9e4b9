"""Item alerts owed: saved analyses whose alerts failed to be raised, kept until raising them succeeds."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from tocsin.store.db import chunked, marks, utcnow


def owe_alerts(db: sqlite_utils.Database, analysis_ids: list[int], error: str) -> None:
    """Record that raising the alerts of these analyses failed (call inside the analyses' transaction); an
    analysis already owed keeps its first failure time and takes the new error."""
    now = utcnow()
    db.conn.executemany(
        """INSERT INTO alerts_owed (analysis_id, failed_at, error) VALUES (?, ?, ?)
           ON CONFLICT (analysis_id) DO UPDATE SET error = excluded.error""",
        [(analysis_id, now, error) for analysis_id in analysis_ids],
    )


def settle_alerts(db: sqlite_utils.Database, analysis_ids: list[int]) -> None:
    """Forget the debt of these analyses (their alerts were raised)."""
    for chunk in chunked(analysis_ids):
        db.execute(f"DELETE FROM alerts_owed WHERE analysis_id IN ({marks(chunk)})", chunk)


def settle_superseded_alerts(db: sqlite_utils.Database) -> int:
    """Forget, without raising, the debt of analyses that no longer speak for their item (a newer model or an
    edit judged the item since: its alerts follow that judgement); returns how many."""
    from tocsin.store.analyses import current_analysis_id

    return db.execute(
        f"""DELETE FROM alerts_owed WHERE analysis_id IN (
                SELECT a.id FROM alerts_owed o JOIN analyses a ON a.id = o.analysis_id
                WHERE a.id != {current_analysis_id('a.item_id')})"""
    ).rowcount


def owed_alert_ids(db: sqlite_utils.Database) -> list[int]:
    """The ids of the analyses whose alerts are owed, oldest first."""
    return [row[0] for row in db.execute("SELECT analysis_id FROM alerts_owed ORDER BY analysis_id")]


def owed_alerts_summary(db: sqlite_utils.Database) -> dict[str, Any]:
    """How many analyses' alerts are owed (``count``), since when (``since``) and the error of the latest first
    failure (``error``)."""
    count, since = db.execute("SELECT count(*), min(failed_at) FROM alerts_owed").fetchone()
    error = db.execute("SELECT error FROM alerts_owed ORDER BY failed_at DESC, analysis_id DESC LIMIT 1").fetchone()
    return {"count": count, "since": since, "error": error[0] if error else ""}
