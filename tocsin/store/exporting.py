"""Queries behind research exports: items with their latest analysis and reviewers' decisions.

Reviewers' names never leave this module: each item carries only the latest decision of each reviewer on the
version of the item it is exported with.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Iterator

import sqlite_utils

from tocsin.store.analyses import current_analysis_id
from tocsin.store.db import marks, transaction
from tocsin.store.pseudonyms import get_secret
from tocsin.store.review_queue import decided_on

logger = logging.getLogger(__name__)

LINK_KEY_PREFIX = "link_key:"

#: The language of an item: the analysed one (e.g. ``uz-Latn``) when there is one, else the crawled hint.
LANG_EXPR = "COALESCE(NULLIF(a.lang, ''), i.lang)"


@dataclass
class ExportQuery:
    """Which items an export takes. Every field is optional; lists match any of their values.

    :param since: keep items published (or, without a date, first seen) at or after this ISO time.
    :param until: keep items published (or first seen) strictly before this ISO time.
    :param languages: language codes, in any case; ``uz`` also matches ``uz-Latn`` and ``uz-Cyrl``.
    :param sources: source names.
    :param groups: target group ids found by the latest analysis, in any case.
    :param hallmarks: hallmark names found by the latest analysis.
    :param reviewed_only: keep only items with at least one review of the version exported.
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
            # any case (language tags are); a prefix compared as a string: '_' and '%' in a code match themselves
            # (LIKE would take them as wildcards)
            lang_expr = f"lower({LANG_EXPR})"
            conds.append("(" + " OR ".join(f"{lang_expr} = ? OR substr({lang_expr}, 1, ?) = ?" for _ in self.languages) + ")")
            for lang in map(str.lower, self.languages):
                params += [lang, len(lang) + 1, lang + "-"]
        if self.sources:
            conds.append(f"i.source IN ({marks(self.sources)})")
            params += list(self.sources)
        if self.groups:
            conds.append(f"EXISTS (SELECT 1 FROM json_each(a.targets) t WHERE lower(json_extract(t.value, '$.group')) IN ({marks(self.groups)}))")
            params += [group.lower() for group in self.groups]
        if self.hallmarks:
            conds.append(f"EXISTS (SELECT 1 FROM json_each(a.hallmarks) h WHERE h.value IN ({marks(self.hallmarks)}))")
            params += list(self.hallmarks)
        if self.reviewed_only:
            conds.append(f"EXISTS (SELECT 1 FROM reviews r WHERE r.item_id = i.id AND {decided_on('r', _EXPORTED_VERSION)})")
        if self.min_score is not None:
            conds.append("a.score >= ?")
            params.append(float(self.min_score))
        return (" AND ".join(conds) or "1"), params


#: Each item with the successful analysis that speaks for it (if any): that of the version it shows, else of
#: the version it showed last (:func:`tocsin.store.analyses.current_analysis_id`).
_FROM = "FROM items i LEFT JOIN analyses a ON a.id = " + current_analysis_id("i.id", "a2.error = ''")

#: The version ``v`` of item ``i`` its analysis ``a`` read, while its text is kept: the one the item is exported with.
_KEPT_VERSION = "v.item_id = i.id AND v.content_hash = a.content_hash AND (v.title != '' OR v.text != '')"
#: The content hash of the version item ``i`` is exported with: :data:`_KEPT_VERSION`, else the one it shows now.
_EXPORTED_VERSION = f"COALESCE((SELECT v.content_hash FROM item_versions v WHERE {_KEPT_VERSION}), i.content_hash)"


#: The latest decision of each reviewer of item ``i`` on the version it is exported with (``v``, else the current one;
#: see :func:`~tocsin.store.review_queue.decided_on`), joined by commas (reviews are append-only); NULL when none.
_DECISIONS = f"""(SELECT group_concat(r.decision) FROM reviews r WHERE r.item_id = i.id
                 AND r.id = (SELECT max(r2.id) FROM reviews r2 WHERE r2.item_id = i.id AND r2.reviewer = r.reviewer
                             AND {decided_on('r2', 'COALESCE(v.content_hash, i.content_hash)')}))"""

#: An analysis list column as JSON ('[]' when empty or missing from the stored row).
_LIST = "COALESCE(NULLIF(a.{0}, ''), '[]')"

#: The columns of each row :func:`iter_export_chunks` yields, in order.
EXPORT_COLUMNS = ("id", "source", "kind", "title", "text", "author_pseudonym", "published_at", "first_seen",
                  "removed_at", "lang", "meta", "score", "incitement", "threshold", "lists", "explanation",
                  "model_name", "model_version", "patterns_version", "decisions")

_SELECT = f"""
    SELECT i.id, i.source, i.kind, COALESCE(v.title, i.title), COALESCE(v.text, i.text),
           i.author_pseudonym, i.published_at, i.first_seen, i.removed_at, {LANG_EXPR}, i.meta,
           a.score, a.incitement, a.threshold,
           CASE WHEN a.id IS NULL THEN NULL
                WHEN v.id IS NULL AND a.content_hash != i.content_hash THEN '[' || {_LIST.format('hallmarks')} || ',[],[],[]]'
                ELSE '[' || {_LIST.format('hallmarks')} || ',' || {_LIST.format('targets')} || ','
                     || {_LIST.format('places')} || ',' || {_LIST.format('spans')} || ']' END,
           a.explanation, a.model_name, a.model_version, a.patterns_version, {_DECISIONS}
    {_FROM}
    LEFT JOIN item_versions v ON {_KEPT_VERSION}
"""


#: Characters of text and JSON lists a chunk of :func:`iter_export_chunks` holds at most (one item may hold more).
#: An item's spans take a few hundred bytes each once decoded and built into a record, so a chunk counted in
#: items alone would grow with the spans: 64 items of 10,000 spans each are about a gigabyte of records.
CHUNK_CHARS = 1 << 20

#: The columns a row's size is counted from (title, text, lists, explanation).
_SIZED = itemgetter(*(EXPORT_COLUMNS.index(name) for name in ("title", "text", "lists", "explanation")))


def row_chars(row: tuple[Any, ...]) -> int:
    """Characters of an export row's title, text, lists and explanation (what its record's size follows)."""
    title, text, lists, explanation = _SIZED(row)
    return len(title or "") + len(text or "") + len(lists or "") + len(explanation or "")


def iter_export_chunks(db: sqlite_utils.Database, query: ExportQuery, chunk_size: int = 1000,
                       chunk_chars: int = CHUNK_CHARS) -> Iterator[list[tuple[Any, ...]]]:
    """Matching items in store order, ``chunk_size`` at a time (fewer where they would hold more than
    ``chunk_chars`` characters of text and lists: see :data:`CHUNK_CHARS`), as tuples of :data:`EXPORT_COLUMNS`.

    ``title`` and ``text`` are those of the version the item's analysis read (so its offsets fit), else
    the current ones: also when retention purged that version of an item edited since, whose targets, places
    and spans are then left out (their offsets are into the purged text). ``lists`` is one JSON array holding the analysis' hallmarks, targets, places and
    spans (NULL when the item has no analysis). ``decisions`` is the latest decision of each reviewer of
    the item made on the version exported (or on an unknown version, made before versions were recorded), joined
    by commas, in no particular order (NULL when none; reviewers' names stay here).

    One query streams the rows (SQLite steps through them as they are fetched), so memory stays
    constant whatever the number of items and spans. Call it inside :func:`tocsin.store.db.read_transaction`
    for a view consistent with :func:`count_export_rows`.
    """
    where, params = query.where()
    cursor = db.execute(f"{_SELECT} WHERE {where} ORDER BY i.seq", params)
    try:
        chunk: list[tuple[Any, ...]] = []
        chars = 0
        for row in cursor:
            size = row_chars(row)
            if chunk and (len(chunk) >= chunk_size or chars + size > chunk_chars):
                yield chunk
                chunk, chars = [], 0
            chunk.append(row)
            chars += size
        if chunk:
            yield chunk
    finally:
        cursor.close()


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


def unmatched_filters(db: sqlite_utils.Database, query: ExportQuery) -> list[str]:
    """Each ``--source``, ``--language`` or ``--group`` value that matches no
    stored item on its own (by the export's own filter), with the values the store does have."""
    checks = (("source", "sources", "SELECT DISTINCT source FROM items"),
              ("language", "languages", f"SELECT DISTINCT {LANG_EXPR} {_FROM}"),
              ("group", "groups", f"SELECT DISTINCT json_extract(t.value, '$.group') {_FROM}, json_each({_LIST.format('targets')}) t"))
    found = []
    for name, field_name, stored_values in checks:
        unmatched = [value for value in getattr(query, field_name)
                     if not count_export_rows(db, ExportQuery(**{field_name: (value,)}))]
        if unmatched:
            known = ", ".join(sorted({row[0] for row in db.execute(stored_values) if row[0]})) or "none"
            found += [f"--{name} {value}: no stored item has it (the store has: {known})" for value in unmatched]
    return found
