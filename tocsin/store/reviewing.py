"""Queries of the review page: item pages, decisions, assignments, users, agreement figures, and the
alerts and silences monitors act on. The queue and its filters are in :mod:`tocsin.store.review_queue`.

Reviews are append-only (a trigger refuses updates); a reviewer's latest decision on an item is the one
that counts. Every write runs in one transaction together with its audit event.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from datetime import datetime, timezone
from itertools import groupby
from operator import itemgetter
from typing import Any

import sqlite_utils

from tocsin.store import alerting
from tocsin.store.analyses import current_analysis_id
from tocsin.store.audit import log_event
from tocsin.store.db import StoreError, transaction, utcnow
from tocsin.store.review_queue import (  # noqa: F401 - the queue's names, used through this module
    SHOWN_VERSION, STATUSES, QueueFilters, QueuePosition, QueueView, decided_on, facet_counts, owed, queue_count,
    queue_ids, queue_items, queue_position, read_transaction)

logger = logging.getLogger(__name__)

DECISIONS = ("incitement", "not_incitement", "escalate", "unsure")
ROLES = ("reviewer", "lead", "admin")


class ReviewError(StoreError):
    """A review-page write was refused; the message says why."""


class UnknownItem(ReviewError):
    """No item has this id."""


class UnknownUser(ReviewError):
    """No user has this name."""


#: Item ``i`` with the analysis ``a`` that speaks for it, flagged or not (for statistics; NULLs when none): that of
#: the version it shows, as the queue and exports (:func:`~tocsin.store.analyses.current_analysis_id`).
_WITH_ANALYSIS = "LEFT JOIN analyses a ON a.id = " + current_analysis_id("i.id")
#: The language of item ``i``: the one its analysis ``a`` detected, else the crawler's hint.
_LANG = "COALESCE(NULLIF(a.lang, ''), i.lang)"
#: The content hash of the version item ``i`` is judged by: the one its analysis ``a`` read (its queue row's), else
#: the one it shows. A decision counts for the item, its assignments and the statistics only on that version.
_JUDGED = "COALESCE(a.content_hash, i.content_hash)"


# --------------------------------------------------------------------------- item page


def item_reviews(db: sqlite_utils.Database, item_id: str) -> list[dict[str, Any]]:
    """Every decision on an item, oldest first, each with ``version_rank`` and ``version_seen_at``: the place in the
    item's edit history (:func:`~tocsin.store.items.item_versions`) of the version it was made on, and when that
    version was first seen (NULL for a decision whose version is unknown, made before versions were recorded)."""
    return list(db.query(
        """SELECT r.*, v.current_rank AS version_rank, v.seen_at AS version_seen_at FROM reviews r
           LEFT JOIN item_versions v ON v.item_id = r.item_id AND v.content_hash = r.content_hash
           WHERE r.item_id = ? ORDER BY r.id""", [item_id]))


def shown_version(db: sqlite_utils.Database, item_id: str) -> str | None:
    """The content hash of the version an item's page shows: the one the analysis that speaks for the item read, while
    that version is stored (the page then says the item changed since), else the one the item shows now; None when
    there is no such item."""
    row = db.execute(
        f"SELECT COALESCE(v.content_hash, i.content_hash) FROM items i {_WITH_ANALYSIS} {SHOWN_VERSION} WHERE i.id = ?",
        [item_id]).fetchone()
    return row[0] if row else None


def decided_version(db: sqlite_utils.Database, item_id: str, content_hash: str | None) -> str | None:
    """The version a decision on an item is recorded on: ``content_hash`` when it is one of the item's versions, else
    the version its page shows now (:func:`shown_version`).

    :param content_hash: the version the page the decision came from showed (as the page sent it: unchecked).
    """
    if content_hash and db.execute(
            "SELECT 1 FROM item_versions WHERE item_id = ? AND content_hash = ? UNION ALL "
            "SELECT 1 FROM items WHERE id = ? AND content_hash = ?",
            [item_id, content_hash, item_id, content_hash]).fetchone():
        return content_hash
    return shown_version(db, item_id)


def latest_review_id(db: sqlite_utils.Database) -> int:
    """The newest decision's id (0 when there is none): a page records it to learn later what was decided since."""
    return db.execute("SELECT COALESCE(MAX(id), 0) FROM reviews").fetchone()[0]


def decisions_since(db: sqlite_utils.Database, item_id: str, after_id: int) -> list[dict[str, Any]]:
    """Decisions on an item after review ``after_id``, oldest first (what a page did not show).

    :param after_id: the newest review id when the page was shown (:func:`latest_review_id`).
    """
    return list(db.query("SELECT * FROM reviews WHERE item_id = ? AND id > ? ORDER BY id", [item_id, after_id]))


def item_assignments(db: sqlite_utils.Database, item_id: str) -> list[dict[str, Any]]:
    """Who an item is assigned to, with whether each has decided it (``done``) on the version it is judged by: a
    decision on an earlier text of an edited item leaves the assignment owed (:func:`pending_assignment`)."""
    return list(db.query(
        f"""SELECT s.*, NOT {owed('s', _JUDGED)} AS done
            FROM assignments s JOIN items i ON i.id = s.item_id {_WITH_ANALYSIS} WHERE s.item_id = ? ORDER BY s.id""",
        [item_id]))


def item_alerts(db: sqlite_utils.Database, item_id: str) -> list[dict[str, Any]]:
    """Alerts that name an item, newest first."""
    return [_decode_alert(r) for r in db.query(
        """SELECT al.* FROM alert_items ai JOIN alerts al ON al.id = ai.alert_id WHERE ai.item_id = ?
           ORDER BY al.id DESC""", [item_id])]


def spread_cluster(db: sqlite_utils.Database, item_id: str, limit: int = 100) -> list[dict[str, Any]]:
    """Other items of the spread alerts naming this item (the same text carried by other sources)."""
    return list(db.query(
        """SELECT DISTINCT i.id, i.source, i.title, substr(i.text, 1, 160) AS excerpt, i.first_seen, i.removed_at
           FROM alert_items mine JOIN alerts al ON al.id = mine.alert_id AND al.kind = 'spread'
           JOIN alert_items other ON other.alert_id = al.id JOIN items i ON i.id = other.item_id
           WHERE mine.item_id = ? AND other.item_id != ? ORDER BY i.first_seen LIMIT ?""", [item_id, item_id, limit]))


def analysis_history(db: sqlite_utils.Database, item_id: str) -> list[dict[str, Any]]:
    """Every analysis of an item (model, version, score, verdict), newest first."""
    return list(db.query(
        """SELECT id, content_hash, model_name, model_version, patterns_version, threshold, score, incitement,
                  error, analysed_at FROM analyses WHERE item_id = ? ORDER BY id DESC""", [item_id]))


# --------------------------------------------------------------------------- decisions and assignments


#: A decision the same as the reviewer's latest on the item, with the same note, within this many seconds of
#: it, is the same form sent again (a retry after a lost answer on a bad line, a reload), not a new decision.
REPEAT_WINDOW_S = 600


def _seconds_since(at: str) -> float:
    try:
        return (datetime.now(timezone.utc) - datetime.fromisoformat(at)).total_seconds()
    except (TypeError, ValueError):
        return float("inf")


def record_decision(db: sqlite_utils.Database, item_id: str, reviewer: str, decision: str, note: str = "",
                    content_hash: str | None = None) -> int:
    """Append a reviewer's decision on a version of an item (and its audit event); returns the review id. The same
    decision on the same version sent again within :data:`REPEAT_WINDOW_S` is recorded once: its first review's id
    is returned.

    :param content_hash: the version the reviewer judged (the one the page showed); when None or not one of the
        item's versions, the one its page shows now (:func:`decided_version`).
    """
    if decision not in DECISIONS:
        raise ReviewError(f"unknown decision {decision!r}; use one of {', '.join(DECISIONS)}")
    with transaction(db):
        version = decided_version(db, item_id, content_hash)
        if version is None:
            raise UnknownItem(f"no item {item_id!r}")
        latest = db.execute("""SELECT id, decision, note, content_hash, at FROM reviews WHERE item_id = ? AND reviewer = ?
                               ORDER BY id DESC LIMIT 1""", [item_id, reviewer]).fetchone()
        if latest and tuple(latest[1:4]) == (decision, note, version) and _seconds_since(latest[4]) < REPEAT_WINDOW_S:
            return latest[0]
        review_id = db.execute(
            "INSERT INTO reviews (item_id, reviewer, decision, note, content_hash, at) VALUES (?, ?, ?, ?, ?, ?)",
            [item_id, reviewer, decision, note, version, utcnow()],
        ).lastrowid
        log_event(db, reviewer, "decision", item_id, decision=decision, review_id=review_id, with_note=bool(note))
    return review_id


def assign_items(db: sqlite_utils.Database, item_ids: list[str], reviewers: list[str], assigned_by: str) -> int:
    """Assign items to reviewers for (double) review; returns how many new assignments were made. The audit event
    names the reviewers (its target) and the items (``item_ids``)."""
    made = 0
    with transaction(db):
        for name in reviewers:
            if not db.execute("SELECT 1 FROM users WHERE username = ? AND disabled = 0", [name]).fetchone():
                raise UnknownUser(f"no active user {name!r}; list them with 'tocsin users list'")
        for item_id in item_ids:
            if not db.execute("SELECT 1 FROM items WHERE id = ?", [item_id]).fetchone():
                raise UnknownItem(f"no item {item_id!r}")
            for name in reviewers:
                made += db.execute(
                    "INSERT OR IGNORE INTO assignments (item_id, reviewer, assigned_by, at) VALUES (?, ?, ?, ?)",
                    [item_id, name, assigned_by, utcnow()],
                ).rowcount
        if made:
            log_event(db, assigned_by, "assign", ",".join(reviewers), items=len(item_ids), made=made,
                      item_ids=list(dict.fromkeys(item_ids)))
    return made


def pending_assignment(db: sqlite_utils.Database, item_id: str, reviewer: str) -> bool:
    """Whether ``reviewer`` is assigned this item and has not decided it yet on the version it is judged by, as the
    queue's Assigned view says (the page then hides others' decisions): an item edited since their decision is owed
    one on its new text."""
    return db.execute(
        f"""SELECT 1 FROM assignments s JOIN items i ON i.id = s.item_id {_WITH_ANALYSIS}
            WHERE s.item_id = ? AND s.reviewer = ? AND {owed('s', _JUDGED)}""",
        [item_id, reviewer]).fetchone() is not None


# --------------------------------------------------------------------------- stats


def decision_pairs(db: sqlite_utils.Database) -> dict[str, list[tuple[str, str]]]:
    """Per language, the (first reviewer, second reviewer) decisions on each version of an item decided by two or
    more people (:func:`version_pairs`): decisions on different texts of an edited item are never paired. The
    language is that of the analysis that speaks for the item, else the item's."""
    return decisions(db)[1]


def decisions(db: sqlite_utils.Database) -> tuple[list[dict[str, Any]], dict[str, list[tuple[str, str]]]]:
    """:func:`decision_counts` and :func:`decision_pairs`, from one read of the reviews, one item at a time in the
    order of the ``reviews_item`` index."""
    judged = {item_id: (lang, version) for item_id, lang, version in db.execute(
        f"""SELECT i.id, COALESCE(NULLIF({_LANG}, ''), 'unknown'), {_JUDGED} FROM items i {_WITH_ANALYSIS}
            WHERE i.id IN (SELECT item_id FROM reviews)""")}
    counts: Counter[tuple[str, str]] = Counter()
    pairs: dict[str, list[tuple[str, str]]] = {}
    rows = db.execute("SELECT item_id, content_hash, reviewer, decision FROM reviews ORDER BY item_id, id")
    for item_id, reviews in groupby(rows, key=itemgetter(0)):
        if item_id not in judged:
            continue
        lang, version = judged[item_id]
        made = [row[1:] for row in reviews]
        current = {reviewer: decision for made_on, reviewer, decision in made if made_on is None or made_on == version}
        counts.update((lang, decision) for decision in current.values())
        if len({reviewer for _, reviewer, _ in made}) >= 2 and (found := version_pairs(made)):
            pairs.setdefault(lang, []).extend(found)
    return [{"lang": lang, "decision": decision, "n": n} for (lang, decision), n in sorted(counts.items())], pairs


def version_pairs(decisions: list[tuple[str | None, str, str]]) -> list[tuple[str, str]]:
    """The (first reviewer, second reviewer) decisions on each version of one item that two or more people decided,
    in the order its versions were first decided: each reviewer's latest decision on that version, of the first two
    reviewers to decide it.

    :param decisions: the item's ``(version, reviewer, decision)``, oldest first; a version None (unknown: decided
        before versions were recorded) counts for every version, as in :func:`~tocsin.store.review_queue.decided_on`.
    """
    versions = list(dict.fromkeys(version for version, _, _ in decisions if version is not None)) or [None]
    pairs = []
    for version in versions:
        latest: dict[str, str] = {}   # by reviewer, in the order they first decided the version
        for made_on, reviewer, decision in decisions:
            if made_on is None or made_on == version:
                latest[reviewer] = decision
        if len(latest) >= 2:
            first, second = list(latest.values())[:2]
            pairs.append((first, second))
    return pairs


def decision_counts(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Decisions per language and decision: each reviewer's current decision on each item, their latest on the version
    the item is judged by (:func:`~tocsin.store.review_queue.decided_on`), as agreement takes it. A decision on an
    earlier text of an edited item, or one its reviewer changed since, is left out (:func:`reviewer_counts` counts it)."""
    return decisions(db)[0]


def volume(db: sqlite_utils.Database, days: int = 30) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Items seen, analysed, flagged and reviewed (decided on the version they are judged by, as the queue counts them:
    an item edited and flagged again since its decision is not), per day of first sight over the last ``days`` (newest
    first) and per language over all time (of the analysis that speaks for the item, else the item's; most items
    first), from one pass over the items."""
    rows = db.execute(
        f"""SELECT substr(i.first_seen, 1, 10), COALESCE(NULLIF({_LANG}, ''), 'unknown'), COUNT(*), COUNT(a.id),
                   SUM(COALESCE(a.incitement, 0)),
                   SUM(EXISTS (SELECT 1 FROM reviews r WHERE r.item_id = i.id AND {decided_on('r', _JUDGED)})),
                   date('now', ?)
            FROM items i {_WITH_ANALYSIS} GROUP BY 1, 2""", [f"-{int(days)} days"]).fetchall()
    by_day: dict[str, dict[str, Any]] = {}
    by_lang: dict[str, dict[str, Any]] = {}
    for day, lang, seen, analysed, flagged, reviewed, since in rows:
        if day >= since:
            _add(by_day.setdefault(day, {"day": day, "seen": 0, "flagged": 0, "reviewed": 0}),
                 seen=seen, flagged=flagged, reviewed=reviewed)
        _add(by_lang.setdefault(lang, {"lang": lang, "seen": 0, "analysed": 0, "flagged": 0, "reviewed": 0}),
             seen=seen, analysed=analysed, flagged=flagged, reviewed=reviewed)
    return (sorted(by_day.values(), key=itemgetter("day"), reverse=True),
            sorted(by_lang.values(), key=lambda row: (-row["seen"], row["lang"])))


def _add(total: dict[str, Any], **counts: int) -> None:
    """Add ``counts`` to the same keys of ``total``."""
    for key, n in counts.items():
        total[key] += n


def volume_by_day(db: sqlite_utils.Database, days: int = 30) -> list[dict[str, Any]]:
    """The per-day half of :func:`volume`."""
    return volume(db, days)[0]


def volume_by_language(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """The per-language half of :func:`volume`."""
    return volume(db)[1]


def reviewer_counts(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Decisions per reviewer, every one they made (on any version of a text, changed since or not: all of it was
    work), with the time of each one's latest."""
    return list(db.query(
        "SELECT reviewer, COUNT(*) AS n, MAX(at) AS last_at FROM reviews GROUP BY reviewer ORDER BY n DESC"))


# --------------------------------------------------------------------------- users


def insert_user(db: sqlite_utils.Database, username: str, password_hash: str, role: str, actor: str = "system") -> None:
    """Create a user with an already hashed password (``actor``: who did it, for the audit log)."""
    with transaction(db):
        if db.execute("SELECT 1 FROM users WHERE username = ?", [username]).fetchone():
            raise ReviewError(f"user {username!r} exists; change its password with 'tocsin users passwd {username}'")
        db.execute("INSERT INTO users (username, password_hash, role, created_at) VALUES (?, ?, ?, ?)",
                   [username, password_hash, role, utcnow()])
        log_event(db, actor, "user_add", username, role=role)


def get_user(db: sqlite_utils.Database, username: str) -> dict[str, Any] | None:
    """One user row (with its password hash), or None."""
    rows = list(db.query("SELECT * FROM users WHERE username = ?", [username]))
    return rows[0] if rows else None


def list_users(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every user without password hashes, with decision counts and the last login."""
    return list(db.query(
        """SELECT u.username, u.role, u.disabled, u.created_at,
                  (SELECT COUNT(*) FROM reviews r WHERE r.reviewer = u.username) AS decisions,
                  (SELECT MAX(at) FROM audit_log l WHERE l.actor = u.username AND l.action = 'login') AS last_login
           FROM users u ORDER BY u.username"""))


def update_user(db: sqlite_utils.Database, username: str, actor: str, *, password_hash: str | None = None,
                disabled: bool | None = None, role: str | None = None) -> None:
    """Change a user's password hash, disabled flag or role (one audit event)."""
    with transaction(db):
        if not db.execute("SELECT 1 FROM users WHERE username = ?", [username]).fetchone():
            raise UnknownUser(f"no user {username!r}; list them with 'tocsin users list'")
        changed = []
        if password_hash is not None:
            db.execute("UPDATE users SET password_hash = ? WHERE username = ?", [password_hash, username])
            changed.append("password")
        if disabled is not None:   # either way its sessions end: a cookie copied before it was disabled stays dead
            db.execute("UPDATE users SET disabled = ?, session_generation = session_generation + 1 WHERE username = ?",
                       [int(disabled), username])
            changed.append("disabled" if disabled else "enabled")
        if role is not None:
            db.execute("UPDATE users SET role = ? WHERE username = ?", [role, username])
            changed.append(f"role={role}")
        log_event(db, actor, "user_change", username, changed=changed)


def end_sessions(db: sqlite_utils.Database, username: str) -> None:
    """End every review-page session of a user, copies of the cookie included (see
    ``m008_user_session_generation``)."""
    with transaction(db):
        db.execute("UPDATE users SET session_generation = session_generation + 1 WHERE username = ?", [username])


def active_usernames(db: sqlite_utils.Database) -> list[str]:
    """Names of users who can log in."""
    return [r[0] for r in db.execute("SELECT username FROM users WHERE disabled = 0 ORDER BY username")]


def recent_audit(db: sqlite_utils.Database, limit: int = 200) -> list[dict[str, Any]]:
    """The newest audit events."""
    return list(db.query("SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", [limit]))


# --------------------------------------------------------------------------- alerts and silences


def _decode_alert(row: dict[str, Any]) -> dict[str, Any]:
    for key, empty in (("item_ids", []), ("payload", {})):
        try:
            row[key] = json.loads(row.get(key) or json.dumps(empty))
        except ValueError:
            row[key] = empty
    if not isinstance(row["item_ids"], list):
        row["item_ids"] = []
    return row


def open_alerts(db: sqlite_utils.Database, limit: int = 200) -> list[dict[str, Any]]:
    """Open alerts, newest first, each with ``items`` (id, title, source) of the items it names."""
    alerts = [_decode_alert(r) for r in db.query(
        "SELECT * FROM alerts WHERE status = 'open' ORDER BY updated_at DESC, id DESC LIMIT ?", [limit])]
    for alert in alerts:
        alert["items"] = alert_items(db, alert)
    return alerts


def alert_items(db: sqlite_utils.Database, alert: dict[str, Any]) -> list[dict[str, Any]]:
    """The first 50 items an alert names (id, source, title, excerpt)."""
    ids = [str(i) for i in alert["item_ids"][:50]]
    return list(db.query(
        """SELECT i.id, i.source, i.title, substr(i.text, 1, 120) AS excerpt FROM items i
           WHERE i.id IN (SELECT value FROM json_each(?))""", [json.dumps(ids)]))


def get_alert(db: sqlite_utils.Database, alert_id: int) -> dict[str, Any] | None:
    """One alert, decoded, or None."""
    rows = list(db.query("SELECT * FROM alerts WHERE id = ?", [alert_id]))
    return _decode_alert(rows[0]) if rows else None


def acknowledge_alert(db: sqlite_utils.Database, alert_id: int, user: str) -> bool:
    """Mark an open alert acknowledged by ``user`` (through the alerts store); False if it was not open."""
    with transaction(db):
        row = db.execute("SELECT status FROM alerts WHERE id = ?", [alert_id]).fetchone()
        if row is None or row[0] != "open":
            return False
        alerting.acknowledge_alert(db, alert_id, user)
        log_event(db, user, "acknowledge", f"alert:{alert_id}")
    return True


def create_silence(db: sqlite_utils.Database, matchers: dict[str, str], *, created_by: str, comment: str,
                   starts_at: str, ends_at: str) -> int:
    """Store a silence (through the alerts store) and its audit event.

    Alerts whose labels match every matcher (``fnmatch`` patterns) are not sent between the two times.
    """
    clean = {k: v for k, v in matchers.items() if v}
    if not clean:
        raise ReviewError("a silence needs at least one matcher (rule, key, group, place or severity)")
    if ends_at <= starts_at:
        raise ReviewError("a silence must end after it starts")
    with transaction(db):
        silence_id = alerting.add_silence(db, clean, starts_at=starts_at, ends_at=ends_at, comment=comment,
                                          created_by=created_by)
        log_event(db, created_by, "silence", f"silence:{silence_id}", matchers=clean, ends_at=ends_at)
    return silence_id


def active_silences(db: sqlite_utils.Database, now: str | None = None) -> list[dict[str, Any]]:
    """Silences in force now (from the alerts store), ending soonest first."""
    rows = alerting.list_silences(db, active_at=now or utcnow())
    for row in rows:
        if not isinstance(row.get("matchers"), dict):
            row["matchers"] = {}
    return sorted(rows, key=lambda r: r["ends_at"])
