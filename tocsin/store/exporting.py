"""Queries behind research exports: items with their latest analysis and reviewers' decisions.

Reviewers' names never leave this module: each item carries only the latest decision of each reviewer.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

import sqlite_utils

from tocsin.store.db import chunked, marks, transaction
from tocsin.store.pseudonyms import get_secret

logger = logging.getLogger(__name__)

LINK_KEY_PREFIX = "link_key:"

#: The language of an item: the analysed one (e.g. ``uz-Latn``) when there is one, else the crawled hint.
LANG_EXPR = "COALESCE(NULLIF(a.lang, ''), i.lang)"


@dataclass
class ExportQuery:
    """Which items an export takes. Every field is optional; lists match any of their values.

    :param since: keep items published (or, without a date, first seen) at or after this ISO time.
    :param until: keep items published (or first seen) strictly before this ISO time.
    :param languages: language codes; ``uz`` also matches ``uz-Latn`` and ``uz-Cyrl``.
    :param sources: source names.
    :param groups: target group ids found by the latest analysis.
    :param hallmarks: hallmark names found by the latest analysis.
    :param reviewed_only: keep only items with at least one review.
    :param min_score: keep only items whose latest analysis scored at least this.
    """

    since: str | None = None
    until: str | None = None
    languages: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    hallmarks: tuple[str, ...] = ()
    reviewed_only: bool = False
    min_score: float | None = None

    def where(self) -> tuple[str, list[Any]]:
        """The SQL conditions (joined by AND) and their parameters."""
        conds: list[str] = []
        params: list[Any] = []
        # datetime() reads ISO times with any offset as UTC (NULL when unreadable), so bounds compare true times
        date_expr = "COALESCE(datetime(i.published_at), datetime(i.first_seen))"
        if self.since:
            conds.append(f"{date_expr} >= datetime(?)")
            params.append(self.since)
        if self.until:
            conds.append(f"{date_expr} < datetime(?)")
            params.append(self.until)
        if self.languages:
            conds.append("(" + " OR ".join(f"{LANG_EXPR} = ? OR {LANG_EXPR} LIKE ?" for _ in self.languages) + ")")
            for lang in self.languages:
                params += [lang, lang + "-%"]
        if self.sources:
            conds.append(f"i.source IN ({marks(self.sources)})")
            params += list(self.sources)
        if self.groups:
            conds.append(f"EXISTS (SELECT 1 FROM json_each(a.targets) t WHERE json_extract(t.value, '$.group') IN ({marks(self.groups)}))")
            params += list(self.groups)
        if self.hallmarks:
            conds.append(f"EXISTS (SELECT 1 FROM json_each(a.hallmarks) h WHERE h.value IN ({marks(self.hallmarks)}))")
            params += list(self.hallmarks)
        if self.reviewed_only:
            conds.append("EXISTS (SELECT 1 FROM reviews r WHERE r.item_id = i.id)")
        if self.min_score is not None:
            conds.append("a.score >= ?")
            params.append(float(self.min_score))
        return (" AND ".join(conds) or "1"), params


#: Each item with its latest successful analysis (if any).
_FROM = "FROM items i LEFT JOIN analyses a ON a.id = (SELECT max(a2.id) FROM analyses a2 WHERE a2.item_id = i.id AND a2.error = '')"

_SELECT = f"""
    SELECT i.seq, i.id, i.source, i.kind, COALESCE(v.title, i.title) AS title, COALESCE(v.text, i.text) AS text,
           i.author_pseudonym, i.published_at, i.first_seen,
           i.removed_at, {LANG_EXPR} AS lang, i.meta,
           a.score, a.incitement, a.targets, a.places, a.hallmarks, a.spans, a.explanation,
           a.model_name, a.model_version, a.patterns_version, a.threshold
    {_FROM}
    LEFT JOIN item_versions v ON v.item_id = i.id AND v.content_hash = a.content_hash
"""


def iter_export_chunks(db: sqlite_utils.Database, query: ExportQuery, chunk_size: int = 1000) -> Iterator[list[dict[str, Any]]]:
    """Matching items in store order, ``chunk_size`` at a time, each with ``decisions``.

    ``title`` and ``text`` are those of the version the latest analysis read (so its offsets fit), else
    the current ones.

    ``decisions`` is the latest decision of each reviewer of the item (a list of strings, no names).
    Pages by ``items.seq``, so memory stays constant whatever the number of items. Call it inside
    :func:`consistent_read` for a consistent view.
    """
    where, params = query.where()
    sql = f"{_SELECT} WHERE i.seq > ? AND {where} ORDER BY i.seq LIMIT ?"
    last = 0
    while True:
        cursor = db.execute(sql, [last, *params, chunk_size])
        columns = [d[0] for d in cursor.description]
        rows = [dict(zip(columns, row)) for row in cursor.fetchall()]
        if not rows:
            return
        decisions = latest_decisions(db, [r["id"] for r in rows])
        for row in rows:
            row["decisions"] = decisions.get(row["id"], [])
        yield rows
        last = rows[-1]["seq"]
        if len(rows) < chunk_size:
            return


def latest_decisions(db: sqlite_utils.Database, item_ids: list[str]) -> dict[str, list[str]]:
    """For each item, the latest decision of each of its reviewers (reviews are append-only)."""
    latest: dict[str, dict[str, str]] = {}
    for chunk in chunked(item_ids):
        for item_id, reviewer, decision in db.execute(
            f"SELECT item_id, reviewer, decision FROM reviews WHERE item_id IN ({marks(chunk)}) ORDER BY id", chunk
        ):
            latest.setdefault(item_id, {})[reviewer] = decision
    return {item_id: list(by_reviewer.values()) for item_id, by_reviewer in latest.items()}


@contextmanager
def consistent_read(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """A read transaction: every query inside sees the same state of the store (WAL keeps writers going)."""
    if db.conn.in_transaction:
        yield db
        return
    db.execute("BEGIN DEFERRED")
    try:
        db.execute("SELECT count(*) FROM items").fetchone()  # takes the read snapshot now
        yield db
    finally:
        if db.conn.in_transaction:
            db.execute("COMMIT")


def count_export_rows(db: sqlite_utils.Database, query: ExportQuery) -> int:
    """How many items match ``query`` (before any label filter)."""
    where, params = query.where()
    return db.execute(f"SELECT count(*) {_FROM} WHERE {where}", params).fetchone()[0]


def describe_sources(db: sqlite_utils.Database, names: list[str]) -> list[dict[str, Any]]:
    """Name, kind, start URL and language hint of the named sources (for the datasheet)."""
    if not names:
        return []
    return list(db.query(f"SELECT name, kind, url, language FROM sources WHERE name IN ({marks(names)}) ORDER BY name", names))


def get_link_key(db: sqlite_utils.Database, name: str) -> tuple[bytes, bool]:
    """The stored link key ``name`` (``secrets`` row ``link_key:<name>``) and whether it was just created."""
    with transaction(db):
        existed = db.execute("SELECT 1 FROM secrets WHERE name = ?", [LINK_KEY_PREFIX + name]).fetchone() is not None
        return get_secret(db, LINK_KEY_PREFIX + name), not existed


def link_keys(db: sqlite_utils.Database) -> list[dict[str, str]]:
    """The stored link keys: name and creation time (never the key)."""
    return [{"name": name[len(LINK_KEY_PREFIX):], "created_at": created} for name, created in db.execute(
        "SELECT name, created_at FROM secrets WHERE substr(name, 1, ?) = ? ORDER BY name",
        [len(LINK_KEY_PREFIX), LINK_KEY_PREFIX])]


def delete_link_key(db: sqlite_utils.Database, name: str) -> bool:
    """Delete a stored link key for good (secure delete); False when there was none of that name."""
    db.execute("PRAGMA secure_delete = ON")
    with transaction(db):
        return db.execute("DELETE FROM secrets WHERE name = ?", [LINK_KEY_PREFIX + name]).rowcount > 0


#: Tables :func:`bulk_insert` may load.
BULK_TABLES = ("items", "item_versions", "snapshots", "analyses", "reviews", "alerts", "deliveries")


def bulk_insert(db: sqlite_utils.Database, table: str, rows: list[dict[str, Any]]) -> int:
    """Insert many rows of one table with ``executemany`` in one transaction (benchmarks, fixtures, imports).

    Every row must have the same keys, named after the table's columns.
    """
    if table not in BULK_TABLES:
        raise ValueError(f"bulk_insert does not load {table!r}; it loads {', '.join(BULK_TABLES)}")
    if not rows:
        return 0
    columns = list(rows[0])
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks(columns)})"
    with transaction(db):
        db.conn.executemany(sql, ([row[c] for c in columns] for row in rows))
    return len(rows)
