"""Queries for the classifier's training: monitors' review decisions as labels."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from tocsin.store.db import marks

#: Review decisions that are labels; ``escalate`` and ``unsure`` are not.
LABEL_DECISIONS = {"incitement": 1, "not_incitement": 0}


def review_labels(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Items whose latest labelling review says incitement or not: ``{item_id, text, lang, incitement}``.

    The latest ``incitement``/``not_incitement`` decision per item wins; items without text are skipped.
    """
    rows = db.query(
        """SELECT i.id AS item_id, trim(i.title || ' ' || i.text) AS text, i.lang, r.decision
           FROM reviews r JOIN items i ON i.id = r.item_id
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
