"""Analyses: one row per item content, model and version; what was flagged and why."""

from __future__ import annotations

import json
from typing import Any, Iterator

import sqlite_utils

from tocsin.analysis_record import AnalysisRecord  # noqa: F401 - also imported from here
from tocsin.store.db import transaction, utcnow

JSON_COLUMNS = ("targets", "places", "hallmarks", "spans")


def save_analysis(db: sqlite_utils.Database, record: AnalysisRecord) -> int | None:
    """Store one analysis; returns its id, or None when this item version was already analysed by this model version.

    Runs inside the caller's transaction when there is one (so alerts raised from it commit together).
    """
    with transaction(db):
        cur = db.execute(
            """INSERT OR IGNORE INTO analyses (item_id, content_hash, model_name, model_version, patterns_version,
               threshold, score, incitement, lang, targets, places, hallmarks, spans, explanation, error, analysed_at)
               VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
            [record.item_id, record.content_hash, record.model_name, record.model_version, record.patterns_version,
             record.threshold, min(1.0, max(0.0, float(record.score))), int(record.incitement), record.lang,
             *(json.dumps(getattr(record, c), ensure_ascii=False) for c in JSON_COLUMNS),
             record.explanation, record.error, utcnow()],
        )
        return cur.lastrowid if cur.rowcount else None


def pending_items(db: sqlite_utils.Database, model_name: str, model_version: str, limit: int = 500,
                  after_seq: int = 0) -> list[dict[str, Any]]:
    """Items whose current content has no analysis by this model version, oldest first (by ``seq``, only those
    after ``after_seq``: a caller working through a backlog does not read its start again for every batch)."""
    return list(
        db.query(
            """SELECT i.seq, i.id, i.source, i.kind, i.title, i.text, i.lang, i.content_hash, i.published_at, i.first_seen
               FROM items i WHERE i.seq > ? AND NOT EXISTS (
                 SELECT 1 FROM analyses a WHERE a.item_id = i.id AND a.content_hash = i.content_hash
                 AND a.model_name = ? AND a.model_version = ?)
               ORDER BY i.seq LIMIT ?""",
            [after_seq, model_name, model_version, limit],
        )
    )


def decode(row: dict[str, Any]) -> dict[str, Any]:
    """An analyses row with its JSON columns decoded and ``incitement`` as a bool."""
    out = dict(row)
    for column in JSON_COLUMNS:
        if column in out and isinstance(out[column], str):
            out[column] = json.loads(out[column])
    if "incitement" in out:
        out["incitement"] = bool(out["incitement"])
    return out


def current_analysis_id(item: str, where: str = "1") -> str:
    """SQL for the id of the analysis that speaks for the item whose id is the SQL expression ``item``: the
    newest (among those ``a2`` matching ``where``) of the version the item shows, else of the one it showed
    last. An item edited A → B → A is judged by A's analysis again, though B's was made later.

    :param item: an SQL expression for the item's id (a column of the outer query, a named parameter).
    :param where: an extra condition on the analyses ``a2``.
    """
    return f"""(SELECT a2.id FROM analyses a2 JOIN items i2 ON i2.id = a2.item_id
                LEFT JOIN item_versions v2 ON v2.item_id = a2.item_id AND v2.content_hash = a2.content_hash
                WHERE a2.item_id = {item} AND {where}
                ORDER BY a2.content_hash = i2.content_hash DESC, v2.current_rank DESC, a2.id DESC LIMIT 1)"""


def latest_analysis(db: sqlite_utils.Database, item_id: str) -> dict[str, Any] | None:
    """The analysis that speaks for an item now (:func:`current_analysis_id`), decoded, or None."""
    rows = list(db.query(f"SELECT * FROM analyses WHERE id = {current_analysis_id(':item')}", {"item": item_id}))
    return decode(rows[0]) if rows else None


def iter_flagged(db: sqlite_utils.Database, since: str | None = None) -> Iterator[dict[str, Any]]:
    """Flagged analyses joined with their items (source, kind, url, title, first_seen), newest last."""
    sql = """SELECT a.*, i.source, i.kind, i.url, i.title, i.first_seen, i.published_at
             FROM analyses a JOIN items i ON i.id = a.item_id
             WHERE a.incitement = 1 AND (? IS NULL OR a.analysed_at >= ?) ORDER BY a.id"""
    for row in db.query(sql, [since, since]):
        yield decode(row)
