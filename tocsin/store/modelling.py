"""Queries for the classifier's training: monitors' review decisions as labels."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from tocsin.store.db import marks

#: Review decisions that are labels; ``escalate`` and ``unsure`` are not.
LABEL_DECISIONS = {"incitement": 1, "not_incitement": 0}


def review_labels(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Items whose latest labelling review says incitement or not: ``{item_id, text, lang, incitement}``.

    The latest ``incitement``/``not_incitement`` decision per item wins, with the title and text of the version it
    was made on (the current ones for a decision on the version shown now, or on an unknown version: made before
    versions were recorded);
    a decision whose version's text is gone (purged by retention) or empty is skipped, never paired with another text.
    """
    rows = db.query(
        """SELECT i.id AS item_id, i.lang, r.decision,
                  CASE WHEN r.content_hash IS NULL OR r.content_hash = i.content_hash THEN trim(i.title || ' ' || i.text)
                       ELSE trim(COALESCE(v.title, '') || ' ' || COALESCE(v.text, '')) END AS text
           FROM reviews r JOIN items i ON i.id = r.item_id
           LEFT JOIN item_versions v ON v.item_id = r.item_id AND v.content_hash = r.content_hash
           WHERE r.decision IN ('incitement', 'not_incitement')
             AND r.id = (SELECT max(r2.id) FROM reviews r2 WHERE r2.item_id = r.item_id
                         AND r2.decision IN ('incitement', 'not_incitement'))
           ORDER BY r.id"""
    )
    return [
        {"item_id": r["item_id"], "text": r["text"], "lang": r["lang"], "incitement": LABEL_DECISIONS[r["decision"]]}
        for r in rows if (r["text"] or "").strip()
    ]


def count_pending(db: sqlite_utils.Database, model_name: str, model_version: str) -> int:
    """How many items have no analysis of their current content by this model version."""
    return db.execute(
        """SELECT count(*) FROM items i WHERE NOT EXISTS (
             SELECT 1 FROM analyses a WHERE a.item_id = i.id AND a.content_hash = i.content_hash
             AND a.model_name = ? AND a.model_version = ?)""",
        [model_name, model_version],
    ).fetchone()[0]


def saved_analyses(db: sqlite_utils.Database, analysis_ids: list[int]) -> list[dict[str, Any]]:
    """Analyses by id, decoded, with their item's source, kind, url, title, first_seen and published_at."""
    from tocsin.store.analyses import decode

    if not analysis_ids:
        return []
    rows = db.query(
        f"""SELECT a.*, i.source, i.kind, i.url, i.title, i.first_seen, i.published_at
            FROM analyses a JOIN items i ON i.id = a.item_id WHERE a.id IN ({marks(analysis_ids)}) ORDER BY a.id""",
        list(analysis_ids),
    )
    return [decode(r) for r in rows]
