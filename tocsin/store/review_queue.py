"""The review queue: flagged items in review order, narrowed by filters, with counts per filter value and
an item's neighbours.

Reads the ``review_queue`` table (migrations ``m004_review_queue`` to ``m007_review_queue_label_text``, and
``m013_review_queue_current_analysis``): one row per flagged item (the analysis that speaks for it flags it: that
of the version it shows, else of the one it showed last) with its score, severity, language, source, dates
and latest decision, kept right by triggers in the transaction of every write that changes it. Each request reads only the rows it shows
through the ``review_queue_order`` index, and counts with indexed lookups; nothing is gathered per request.
The counts per filter value are kept for the next request with the same filters until the queue changes
(``m009_review_queue_version``).
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import OrderedDict
from dataclasses import astuple, dataclass, fields
from datetime import date
from typing import Any

import sqlite_utils

from tocsin.store.db import read_transaction
from tocsin.store.search import search_item_ids

logger = logging.getLogger(__name__)

#: Queue views: what still needs a decision from me, items assigned to me, items whose latest decision is
#: 'escalate', reviewed items, every flagged item.
STATUSES = ("todo", "assigned", "escalated", "reviewed", "all")
#: Severity of a flagged item, from its hallmarks; an open alert naming the item can raise it.
SEVERITY_LEVELS = ("info", "warning", "high", "critical")
#: How many matches of a full-text search are considered.
SEARCH_LIMIT = 5000
#: Most values listed per filter.
FACET_LIMIT = 100
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass
class QueueFilters:
    """What the queue is narrowed to; empty strings mean 'any'."""

    lang: str = ""
    source: str = ""
    group: str = ""
    place: str = ""
    hallmark: str = ""
    date_from: str = ""   # YYYY-MM-DD, on published time (else first seen)
    date_to: str = ""     # YYYY-MM-DD, inclusive
    q: str = ""           # full-text search, any string
    status: str = "todo"

    @classmethod
    def from_mapping(cls, args: Any) -> "QueueFilters":
        """Filters from a query-string mapping; unknown keys are ignored, over-long values cut."""
        values = {f.name: str(args.get(f.name, "") or "")[:200].strip() for f in fields(cls)}
        if values["status"] not in STATUSES:
            values["status"] = "todo"
        for key in ("date_from", "date_to"):
            if not _is_date(values[key]):
                values[key] = ""
        return cls(**values)

    def as_params(self) -> dict[str, str]:
        """The non-default filters, for building links that keep them."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if getattr(self, f.name) and not (f.name == "status" and self.status == "todo")}


def _is_date(value: str) -> bool:
    """Whether ``value`` is a real calendar date written YYYY-MM-DD (not 2026-02-30)."""
    if not ISO_DATE.fullmatch(value or ""):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


@dataclass
class QueuePosition:
    """Where an item stands in a queue view: its 0-based position (None when outside the view), the items
    before and after it (outside the view, 'next' is the head of the queue) and the view's length."""

    position: int | None
    previous_id: str | None
    next_id: str | None
    length: int


#: Facets that are columns of ``review_queue``, and facets held in ``review_queue_labels``.
COLUMN_FACETS = ("lang", "source")
LABEL_FACETS = ("group", "place", "hallmark")

#: Queue order (most severe, then highest score, then newest; the item id breaks ties) and its reverse,
#: both along the ``review_queue_order`` index.
_ORDER = "b.severity_level DESC, b.score DESC, b.first_seen DESC, b.item_id DESC"
_REVERSED = "b.severity_level, b.score, b.first_seen, b.item_id"
#: Rows ahead of a row (severity, score, first seen, id) in queue order, and rows behind it: ranges of the index.
_KEY = "(b.severity_level, b.score, b.first_seen, b.item_id)"
_AHEAD = f"{_KEY} > (?, ?, ?, ?)"
_BEHIND = f"{_KEY} < (?, ?, ?, ?)"


def decided_on(review: str, version: str) -> str:
    """SQL: the review ``review`` (an alias) was made on the version of its item whose content hash is the SQL
    expression ``version``, or on an unknown version (made before versions were recorded: it counts for every
    version): the rule m017_review_version gives a queue row's latest decision, for the queries beside it."""
    return f"({review}.content_hash IS NULL OR {review}.content_hash = {version})"


def owed(assignment: str, version: str) -> str:
    """SQL: the assignment ``assignment`` (an alias) is owed: its reviewer has not decided its item on the version
    whose content hash is the SQL expression ``version`` (:func:`decided_on`); a decision on an earlier text of an
    edited item does not settle it."""
    return f"""NOT EXISTS (SELECT 1 FROM reviews r WHERE r.item_id = {assignment}.item_id
                          AND r.reviewer = {assignment}.reviewer AND {decided_on('r', version)})"""


#: The version ``v`` of item ``i`` that its analysis ``a`` read when the item was edited since and that version is
#: stored (NULLs otherwise: the item's own title and text are shown): with ``COALESCE(v.…, i.…)``, the text its queue
#: row and its page show, and a decision from them is recorded on.
SHOWN_VERSION = ("LEFT JOIN item_versions v ON v.item_id = i.id AND v.content_hash = a.content_hash "
                 "AND a.content_hash != i.content_hash")

#: Queued items assigned to a reviewer that the reviewer has not decided on the version the queue row's analysis
#: read (binds the reviewer once).
_MINE = f"""SELECT s.item_id FROM assignments s JOIN review_queue q ON q.item_id = s.item_id
           JOIN analyses qa ON qa.id = q.analysis_id WHERE s.reviewer = ? AND {owed('s', 'qa.content_hash')}"""
#: The views. An item assigned to the reviewer and not yet decided by them is left out of Escalated and Reviewed:
#: seeing it there would tell them another reviewer's decision before they make their own (blind double review).
_STATUS_SQL = {"todo": f"(b.latest_decision IS NULL OR b.item_id IN ({_MINE}))", "assigned": f"b.item_id IN ({_MINE})",
               "escalated": f"b.latest_decision = 'escalate' AND b.item_id NOT IN ({_MINE})",
               "reviewed": f"b.latest_decision IS NOT NULL AND b.item_id NOT IN ({_MINE})", "all": "1"}
#: Ends each ``facet=value`` token of ``review_queue.labels_text`` (which starts with it too); values that
#: hold it are only in ``review_queue_labels``, and a filter on one is tested there.
LABEL_END = "\x1f"
#: A group, place or hallmark value carried by fewer than one row in this many is looked up in the labels.
RARE_LABEL = 8


def _in_view(view: str, decision: str | None, rows: int, mine: int) -> int:
    """How many of ``rows`` queue rows whose latest decision is ``decision`` a view holds, when ``mine`` of
    them are assigned to the reviewer and not decided by them (the Python twin of :data:`_STATUS_SQL`)."""
    if view == "todo":
        return rows if decision is None else mine
    if view == "assigned":
        return mine
    if view == "escalated":
        return rows - mine if decision == "escalate" else 0
    if view == "reviewed":
        return rows - mine if decision is not None else 0
    return rows


def _commonest(counts: dict[Any, int]) -> list[tuple[str, int]]:
    """The :data:`FACET_LIMIT` commonest values with their counts, most first, then by value."""
    return sorted(((str(v), n) for v, n in counts.items()), key=lambda p: (-p[1], p[0]))[:FACET_LIMIT]


def _values(raw: str | None, key: str) -> list[str]:
    """The distinct values of a JSON list of strings, or of ``key`` in a JSON list of objects, sorted."""
    try:
        entries = json.loads(raw or "[]")
    except ValueError:
        return []
    if not isinstance(entries, list):
        return []
    values: set[str] = set()
    for entry in entries:
        if key and not isinstance(entry, dict):
            continue
        value = entry.get(key) if key else entry
        if value is not None and value != "":
            values.add(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
    return sorted(values)


class QueueView:
    """One reviewer's queue under some filters: its pages, length, counts per filter value, and where an
    item stands in it. Cheap to make (a full-text search, when asked for, runs once here)."""

    def __init__(self, db: sqlite_utils.Database, f: QueueFilters, reviewer: str):
        """:param reviewer: the user looking (for the 'todo' and 'assigned' views)."""
        self.db, self.f, self.reviewer = db, f, reviewer
        self._matches = json.dumps(search_item_ids(db, f.q, limit=SEARCH_LIMIT)) if f.q else None
        self._labelled = {name: self._label_clause(name, getattr(f, name)) for name in LABEL_FACETS if getattr(f, name)}

    def _label_clause(self, facet: str, value: str) -> tuple[str, list[Any]]:
        """The test of one group, place or hallmark filter: a lookup in ``review_queue_labels`` for a value
        few rows carry (the rows can then be found from the labels), else a test of each row's
        ``labels_text`` (no list of the many rows that carry it is built)."""
        carried = self.db.execute("SELECT COALESCE(SUM(n), 0) FROM review_queue_counts WHERE facet = ? AND value = ?",
                                  [facet, value]).fetchone()[0]
        if LABEL_END in value or carried * RARE_LABEL < self.db.execute("SELECT COUNT(*) FROM review_queue").fetchone()[0]:
            return "b.seq IN (SELECT l.seq FROM review_queue_labels l WHERE l.facet = ? AND l.value = ?)", [facet, value]
        return "instr(b.labels_text, ?) > 0", [f"{LABEL_END}{facet}={value}{LABEL_END}"]

    # ----------------------------------------------------------------- SQL pieces

    def _status(self, status: str) -> tuple[str, list[Any]]:
        sql = _STATUS_SQL[status]
        return sql, [self.reviewer] * sql.count(_MINE)

    def _filters(self, exclude: tuple[str, ...] = ()) -> tuple[str, list[Any]]:
        """Every filter but the status (and those named in ``exclude``) on ``review_queue b``."""
        clauses, params = ["1"], []
        for name in COLUMN_FACETS:
            if getattr(self.f, name) and name not in exclude:
                clauses.append(f"b.{name} = ?")
                params.append(getattr(self.f, name))
        for name, (clause, values) in self._labelled.items():
            if name not in exclude:
                clauses.append(clause)
                params += values
        if self.f.date_from:
            clauses.append("b.dated_at >= ?")
            params.append(self.f.date_from)
        if self.f.date_to:
            clauses.append("b.dated_at < date(?, '+1 day')")
            params.append(self.f.date_to)
        if self._matches is not None:
            clauses.append("+b.item_id IN (SELECT value FROM json_each(?))")
            params.append(self._matches)
        return " AND ".join(clauses), params

    def _where(self) -> tuple[str, list[Any]]:
        status, status_params = self._status(self.f.status)
        where, params = self._filters()
        return f"{status} AND {where}", [*status_params, *params]

    # ----------------------------------------------------------------- reads

    def count(self) -> int:
        """How many items the view holds."""
        where, params = self._where()
        return self.db.execute(f"SELECT COUNT(*) FROM review_queue b WHERE {where}", params).fetchone()[0]

    def ids(self, limit: int = 10_000, offset: int = 0) -> list[str]:
        """Item ids in queue order (most severe, then highest score, then newest)."""
        where, params = self._where()
        return [r[0] for r in self.db.execute(
            f"SELECT b.item_id FROM review_queue b WHERE {where} ORDER BY {_ORDER} LIMIT ? OFFSET ?",
            [*params, limit, offset])]

    def items(self, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        """One page of the view, with each item's title, excerpt, severity, groups, places and hallmarks: those of
        the version its analysis read (:data:`SHOWN_VERSION`, also when the item was edited since), whose hash is
        ``content_hash``, the version a decision from the row is recorded on."""
        where, params = self._where()
        rows = []
        for row in self.db.query(
            f"""WITH page AS (SELECT b.* FROM review_queue b WHERE {where} ORDER BY {_ORDER} LIMIT ? OFFSET ?)
                SELECT i.id, i.source, i.kind, COALESCE(v.title, i.title) AS title,
                       substr(COALESCE(v.text, i.text), 1, 300) AS excerpt,
                       COALESCE(v.content_hash, i.content_hash) AS content_hash, i.published_at, i.first_seen,
                       i.removed_at, b.lang, b.score, b.severity_level, a.targets, a.places, a.hallmarks,
                       (SELECT COUNT(*) FROM reviews r WHERE r.item_id = i.id) AS reviews,
                       (SELECT COUNT(*) FROM assignments s WHERE s.item_id = i.id) AS assignments
                FROM page b JOIN items i ON i.seq = b.seq JOIN analyses a ON a.id = b.analysis_id {SHOWN_VERSION}
                ORDER BY {_ORDER}""", [*params, limit, offset]):
            row["groups"] = _values(row.pop("targets"), "group")
            row["places"] = _values(row["places"], "place")
            row["hallmarks"] = _values(row["hallmarks"], "")
            row["severity"] = SEVERITY_LEVELS[row["severity_level"]]
            rows.append(row)
        return rows

    def facets(self) -> dict[str, list[tuple[str, int]]]:
        """For each filter, its values (the :data:`FACET_LIMIT` commonest) with how many items each would
        leave (the other filters applied); under ``status``, the size of each view with every filter applied.

        Counted again only when the queue has changed since the same reviewer asked with the same filters
        (:data:`FACET_CACHE`, keyed on the token of ``review_queue_version``, read in the same snapshot). A
        full-text search is always counted afresh: its matches change with texts that the queue does not hold.

        Languages, sources and view sizes come from one pass over the queue per language, source and
        latest decision. Groups, places and hallmarks come from ``review_queue_counts`` when only the
        language and source are filtered on; otherwise from the labels of the matching rows (one pass when
        none of them is filtered on, else one per facet, each leaving its own filter out).
        """
        if self.f.q:
            return self.count_facets()
        with read_transaction(self.db):
            key = self._cache_key()
            cached = FACET_CACHE.get(key)
            if cached is None:
                cached = self.count_facets()
                FACET_CACHE.put(key, cached)
        return cached

    def count_facets(self) -> dict[str, list[tuple[str, int]]]:
        """What :meth:`facets` returns, counted now."""
        with read_transaction(self.db):
            out, views = self._column_facets()
            if not any(getattr(self.f, name) for name in (*LABEL_FACETS, "date_from", "date_to", "q")):
                out.update(self._label_facets_from_counts())
            else:
                out.update(self._label_facets_from_rows())
        out = {name: out[name] for name in (*COLUMN_FACETS, *LABEL_FACETS)}
        out["status"] = views
        return out

    def _cache_key(self) -> tuple[Any, ...]:
        """The queue's state (a random token renewed by every write to it), the filters and who asks."""
        token = self.db.execute("SELECT token FROM review_queue_version").fetchone()[0]
        return token, astuple(self.f), self.reviewer

    def _label_facets_from_counts(self) -> dict[str, list[tuple[str, int]]]:
        """Counts per group, place and hallmark from ``review_queue_counts`` (language and source filters
        only), corrected for the reviewer's pending assignments."""
        clauses, params = ["n > 0"], []
        for name in COLUMN_FACETS:
            if getattr(self.f, name):
                clauses.append(f"{name} = ?")
                params.append(getattr(self.f, name))
        every = self.db.execute(f"""SELECT facet, value, decision, SUM(n) FROM review_queue_counts
                                    WHERE {' AND '.join(clauses)} GROUP BY 1, 2, 3""", params).fetchall()
        where, params = self._filters()
        mine = {tuple(r[:3]): r[3] for r in self.db.execute(
            f"""SELECT l.facet, l.value, COALESCE(b.latest_decision, ''), COUNT(*)
                FROM review_queue b JOIN review_queue_labels l ON l.seq = b.seq
                WHERE b.item_id IN ({_MINE}) AND {where} GROUP BY 1, 2, 3""", [self.reviewer, *params])}
        counts: dict[str, dict[str, int]] = {name: {} for name in LABEL_FACETS}
        for facet, value, decision, n in every:
            shown = _in_view(self.f.status, decision or None, n, mine.get((facet, value, decision), 0))
            if shown and facet in counts:
                counts[facet][value] = counts[facet].get(value, 0) + shown
        return {name: _commonest(counts[name]) for name in LABEL_FACETS}

    def _label_facets_from_rows(self) -> dict[str, list[tuple[str, int]]]:
        """Counts per group, place and hallmark from the labels of the rows in the view."""
        out = {}
        status, status_params = self._status(self.f.status)
        label_filters = [name for name in LABEL_FACETS if getattr(self.f, name)]
        for names in ([[name] for name in LABEL_FACETS] if label_filters else [list(LABEL_FACETS)]):
            where, params = self._filters(exclude=tuple(names))
            rows = self.db.execute(
                f"""SELECT l.facet, l.value, COUNT(*) FROM review_queue_labels l JOIN review_queue b ON b.seq = l.seq
                    WHERE l.facet IN ({', '.join('?' * len(names))}) AND {status} AND {where} GROUP BY 1, 2""",
                [*names, *status_params, *params]).fetchall()
            for name in names:
                out[name] = _commonest({value: n for facet, value, n in rows if facet == name})
        return out

    def _column_facets(self) -> tuple[dict[str, list[tuple[str, int]]], list[tuple[str, int]]]:
        """Counts per language and per source, and the size of each view, from the queue's rows counted per
        language, source and latest decision (along ``review_queue_facets``) and the reviewer's pending
        assignments counted the same way."""
        where, params = self._filters(exclude=COLUMN_FACETS)
        sql = "SELECT b.lang, b.source, b.latest_decision, COUNT(*) FROM review_queue b WHERE {} GROUP BY 1, 2, 3"
        every = self.db.execute(sql.format(where), params).fetchall()
        mine = {tuple(r[:3]): r[3] for r in self.db.execute(sql.format(f"b.item_id IN ({_MINE}) AND {where}"),
                                                            [self.reviewer, *params])}
        counts: dict[str, dict[str, int]] = {name: {} for name in COLUMN_FACETS}
        views = dict.fromkeys(STATUSES, 0)
        for lang, source, decision, n in every:
            values = {"lang": lang, "source": source}
            matches = {name: not getattr(self.f, name) or values[name] == getattr(self.f, name) for name in COLUMN_FACETS}
            m = mine.get((lang, source, decision), 0)
            if all(matches.values()):
                for view in STATUSES:
                    views[view] += _in_view(view, decision, n, m)
            shown = _in_view(self.f.status, decision, n, m)
            for name in COLUMN_FACETS:
                if shown and values[name] and all(ok for other, ok in matches.items() if other != name):
                    counts[name][values[name]] = counts[name].get(values[name], 0) + shown
        return {name: _commonest(counts[name]) for name in COLUMN_FACETS}, list(views.items())

    def position(self, item_id: str) -> QueuePosition:
        """Where ``item_id`` stands in the view (see :class:`QueuePosition`)."""
        with read_transaction(self.db):
            return self._position(item_id)

    def _position(self, item_id: str) -> QueuePosition:
        where, params = self._where()
        row = self.db.execute(f"SELECT b.severity_level, b.score, b.first_seen FROM review_queue b WHERE b.item_id = ? AND {where}",
                              [item_id, *params]).fetchone()
        if row is None:
            head = self.ids(limit=1)
            return QueuePosition(None, None, head[0] if head else None, self.count())
        key = [*row, item_id]
        length, ahead = self.db.execute(f"SELECT COUNT(*), COALESCE(SUM({_AHEAD}), 0) FROM review_queue b WHERE {where}",
                                        [*key, *params]).fetchone()
        previous = self.db.execute(f"SELECT b.item_id FROM review_queue b WHERE {where} AND {_AHEAD} ORDER BY {_REVERSED} LIMIT 1",
                                   [*params, *key]).fetchone()
        following = self.db.execute(f"SELECT b.item_id FROM review_queue b WHERE {where} AND {_BEHIND} ORDER BY {_ORDER} LIMIT 1",
                                    [*params, *key]).fetchone()
        return QueuePosition(ahead, previous[0] if previous else None, following[0] if following else None, length)


class FacetCache:
    """The counts of the last few views asked for (least recently used dropped first); safe across threads.
    Each caller gets its own copy of the lists."""

    def __init__(self, size: int = 256):
        self.size = size
        self._entries: OrderedDict[tuple[Any, ...], dict[str, list[tuple[str, int]]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> dict[str, list[tuple[str, int]]] | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            self._entries.move_to_end(key)
        return {name: list(values) for name, values in found.items()}

    def put(self, key: tuple[Any, ...], facets: dict[str, list[tuple[str, int]]]) -> None:
        with self._lock:
            self._entries[key] = {name: list(values) for name, values in facets.items()}
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


#: The review page's facet counts, shared by the server's threads.
FACET_CACHE = FacetCache()


def queue_items(db: sqlite_utils.Database, f: QueueFilters, reviewer: str, *, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
    """Flagged items matching ``f``, most severe and highest-scoring first.

    :param reviewer: the user looking (for the 'todo' and 'assigned' views).
    """
    return QueueView(db, f, reviewer).items(limit, offset)


def queue_ids(db: sqlite_utils.Database, f: QueueFilters, reviewer: str, limit: int = 10_000) -> list[str]:
    """The ids of the queue under ``f``, in queue order."""
    return QueueView(db, f, reviewer).ids(limit)


def queue_count(db: sqlite_utils.Database, f: QueueFilters, reviewer: str) -> int:
    """How many items the queue holds under ``f``."""
    return QueueView(db, f, reviewer).count()


def facet_counts(db: sqlite_utils.Database, f: QueueFilters, reviewer: str) -> dict[str, list[tuple[str, int]]]:
    """Counts per filter value and per view (see :meth:`QueueView.facets`)."""
    return QueueView(db, f, reviewer).facets()


def queue_position(db: sqlite_utils.Database, f: QueueFilters, reviewer: str, item_id: str) -> QueuePosition:
    """Where an item stands in the queue under ``f`` (for next/previous on the item page)."""
    return QueueView(db, f, reviewer).position(item_id)
