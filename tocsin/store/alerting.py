"""Alerts, their deliveries (the outbox), delivery attempts and silences.

An alert is one group (a rule and a key, e.g. ``incitement`` / ``uzbek|osh``) that collects items while
it is open. Each notification of an alert enqueues one ``deliveries`` row per sink with a unique
idempotency key and the message frozen in ``body``, so every retry sends the same bytes.
``alerts.last_sent_at`` is the time of the last notification enqueued (the repeat interval counts from
it); ``deliveries.sent_at`` is when a sink accepted a message.
"""

from __future__ import annotations

import json
import secrets
from typing import Any, Callable, Iterable

import sqlite_utils

from tocsin.store.analyses import current_analysis_id
from tocsin.store.db import StoreError, chunked, marks, transaction, utcnow

ALERT_STATUSES = ("open", "acknowledged", "resolved")
DELIVERY_STATUSES = ("pending", "sending", "sent", "dead", "silenced")
ALERT_JSON = ("payload", "item_ids")
UPDATABLE_ALERT_COLUMNS = {"severity", "status", "title", "message", "payload", "item_ids", "count", "updated_at",
                           "last_sent_at", "notifications", "notified_count", "notified_severity"}
#: When the message of delivery ``d`` first failed: its earliest failed attempt, or that of another delivery of the
#: same notification to the same sink (a dead letter split off). Attempts are never deleted, so a dead letter
#: queued again keeps this time while its ``attempts`` count starts afresh.
FAILING_SINCE = """(SELECT min(a.started_at) FROM deliveries m JOIN delivery_attempts a ON a.delivery_id = m.id
                    WHERE m.alert_id = d.alert_id AND m.sink = d.sink AND m.notification = d.notification
                    AND a.outcome IN ('transient', 'permanent')) AS failing_since"""


class AlertNotFound(StoreError):
    """No alert, delivery or silence with that id."""


def decode_alert(row: dict[str, Any]) -> dict[str, Any]:
    """An ``alerts`` row with ``payload`` and ``item_ids`` decoded."""
    out = dict(row)
    for column in ALERT_JSON:
        if isinstance(out.get(column), str):
            out[column] = json.loads(out[column])
    return out


def instance_id(db: sqlite_utils.Database) -> str:
    """A random id of this database, made once; it keeps idempotency keys unique across installations."""
    with transaction(db):
        db.execute("INSERT OR IGNORE INTO secrets (name, value, created_at) VALUES ('alerts_instance', ?, ?)",
                   [secrets.token_hex(4).encode(), utcnow()])
        value = db.execute("SELECT value FROM secrets WHERE name = 'alerts_instance'").fetchone()[0]
    return value.decode() if isinstance(value, bytes) else str(value)


# --------------------------------------------------------------------------- alerts


def current_alert(db: sqlite_utils.Database, rule: str, key: str) -> dict[str, Any] | None:
    """The newest alert of ``rule`` and ``key`` that is not resolved, decoded, or None."""
    rows = list(db.query("SELECT * FROM alerts WHERE rule = ? AND key = ? AND status != 'resolved' ORDER BY id DESC LIMIT 1",
                         [rule, key]))
    return decode_alert(rows[0]) if rows else None


def current_alert_with_items(db: sqlite_utils.Database, rule: str, item_ids: Iterable[str]) -> dict[str, Any] | None:
    """The newest unresolved alert of ``rule`` holding any of ``item_ids`` (spread clusters keep their alert)."""
    ids = list(item_ids)
    if not ids:
        return None
    rows = list(db.query(
        f"""SELECT a.* FROM alerts a WHERE a.rule = ? AND a.status != 'resolved'
            AND EXISTS (SELECT 1 FROM json_each(a.item_ids) j WHERE j.value IN ({marks(ids)}))
            ORDER BY a.id DESC LIMIT 1""", [rule, *ids]))
    return decode_alert(rows[0]) if rows else None


def alert_severities_of_items(db: sqlite_utils.Database, rule: str, item_ids: Iterable[str]) -> dict[str, list[str]]:
    """For each of ``item_ids`` that an alert of ``rule`` holds (open, acknowledged or resolved), the severities
    of those alerts; items in none are left out."""
    held: dict[str, list[str]] = {}
    for chunk in chunked(list(dict.fromkeys(item_ids))):
        for item_id, severity in db.execute(
                f"""SELECT ai.item_id, al.severity FROM alert_items ai JOIN alerts al ON al.id = ai.alert_id
                    WHERE al.rule = ? AND ai.item_id IN ({marks(chunk)})""", [rule, *chunk]):
            held.setdefault(item_id, []).append(severity)
    return held


def insert_alert(db: sqlite_utils.Database, *, rule: str, kind: str, key: str, severity: str, title: str, message: str,
                 payload: dict[str, Any], item_ids: list[str], now: str) -> int:
    """Open a new alert; returns its id.

    :param now: ISO UTC time stored as created_at and updated_at.
    """
    with transaction(db):
        cur = db.execute(
            """INSERT INTO alerts (rule, kind, key, severity, status, title, message, payload, item_ids, count,
               created_at, updated_at) VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?)""",
            [rule, kind, key, severity, title, message, json.dumps(payload, ensure_ascii=False),
             json.dumps(item_ids), max(1, len(item_ids)), now, now])
        return int(cur.lastrowid)


def update_alert(db: sqlite_utils.Database, alert_id: int, **fields: Any) -> None:
    """Set some columns of an alert (JSON columns are encoded here)."""
    unknown = set(fields) - UPDATABLE_ALERT_COLUMNS
    if unknown:
        raise ValueError(f"not updatable alert columns: {sorted(unknown)}")
    values = [json.dumps(v, ensure_ascii=False) if k in ALERT_JSON else v for k, v in fields.items()]
    assignments = ", ".join(f"{k} = ?" for k in fields)
    with transaction(db):
        db.execute(f"UPDATE alerts SET {assignments} WHERE id = ?", [*values, alert_id])


def get_alert(db: sqlite_utils.Database, alert_id: int) -> dict[str, Any]:
    """One alert, decoded; raises :class:`AlertNotFound`."""
    rows = list(db.query("SELECT * FROM alerts WHERE id = ?", [alert_id]))
    if not rows:
        raise AlertNotFound(f"no alert #{alert_id}; 'tocsin alert list' shows the ids")
    return decode_alert(rows[0])


def list_alerts(db: sqlite_utils.Database, *, status: str | None = None, rule: str | None = None,
                dead_only: bool = False, limit: int = 50) -> list[dict[str, Any]]:
    """Newest alerts first, each with counts of its deliveries per status (``sent``, ``pending``, ``dead``, …);
    with ``dead_only``, also its dead-lettered deliveries (``dead_letters``: sink, attempts, last error, and
    ``failing_since``, see :data:`FAILING_SINCE`)."""
    where, args = ["1 = 1"], []
    if status:
        where.append("a.status = ?")
        args.append(status)
    if rule:
        where.append("a.rule = ?")
        args.append(rule)
    if dead_only:
        where.append("EXISTS (SELECT 1 FROM deliveries d WHERE d.alert_id = a.id AND d.status = 'dead')")
    rows = [decode_alert(r) for r in db.query(
        f"SELECT a.* FROM alerts a WHERE {' AND '.join(where)} ORDER BY a.id DESC LIMIT ?", [*args, limit])]
    for row in rows:
        row["deliveries"] = {s: n for s, n in db.execute(
            "SELECT status, count(*) FROM deliveries WHERE alert_id = ? GROUP BY status", [row["id"]])}
        if dead_only:
            row["dead_letters"] = list(db.query(f"""SELECT alert_id, sink, attempts, last_error, {FAILING_SINCE}
                                                    FROM deliveries d WHERE alert_id = ? AND status = 'dead' ORDER BY id""",
                                                [row["id"]]))
    return rows


def acknowledge_alert(db: sqlite_utils.Database, alert_id: int, by: str, now: str | None = None) -> bool:
    """Mark an open alert acknowledged: it keeps collecting items but sends no updates until it escalates.

    Returns False when the alert is not open (already acknowledged, or resolved); raises
    :class:`AlertNotFound` for an unknown id.
    """
    get_alert(db, alert_id)
    with transaction(db):
        cur = db.execute("""UPDATE alerts SET status = 'acknowledged', acknowledged_by = ?, acknowledged_at = ?
                            WHERE id = ? AND status = 'open'""", [by, now or utcnow(), alert_id])
        return cur.rowcount > 0


def resolve_alert(db: sqlite_utils.Database, alert_id: int, now: str) -> None:
    """Close an alert; the next event of its rule and key opens a new one."""
    with transaction(db):
        db.execute("UPDATE alerts SET status = 'resolved', updated_at = ? WHERE id = ?", [now, alert_id])


def unresolved_alerts(db: sqlite_utils.Database, rule: str | None = None) -> list[dict[str, Any]]:
    """Every open or acknowledged alert (of one rule), decoded."""
    if rule:
        return [decode_alert(r) for r in db.query("SELECT * FROM alerts WHERE status != 'resolved' AND rule = ? ORDER BY id", [rule])]
    return [decode_alert(r) for r in db.query("SELECT * FROM alerts WHERE status != 'resolved' ORDER BY id")]


def alert_counts(db: sqlite_utils.Database) -> dict[str, int]:
    """Alerts per status."""
    return {s: n for s, n in db.execute("SELECT status, count(*) FROM alerts GROUP BY status")}


# --------------------------------------------------------------------------- deliveries (the outbox)


def insert_delivery(db: sqlite_utils.Database, *, alert_id: int, sink: str, idempotency_key: str, notification: int,
                    body: dict[str, Any], status: str, now: str, last_error: str = "") -> bool:
    """Enqueue one message for one sink; False when that idempotency key exists already."""
    with transaction(db):
        cur = db.execute(
            """INSERT OR IGNORE INTO deliveries (alert_id, sink, idempotency_key, status, attempts, next_attempt_at,
               last_error, created_at, notification, body) VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?)""",
            [alert_id, sink, idempotency_key, status, now, last_error, now, notification,
             json.dumps(body, ensure_ascii=False, sort_keys=True)])
        return cur.rowcount > 0


def has_unsent_delivery(db: sqlite_utils.Database, alert_id: int) -> bool:
    """Whether a message of this alert still waits for its first attempt: its notification is not frozen yet,
    so it will carry what joins the alert meanwhile."""
    return db.execute("""SELECT 1 FROM deliveries WHERE alert_id = ? AND status IN ('pending', 'sending')
                         AND frozen_at IS NULL LIMIT 1""", [alert_id]).fetchone() is not None


def unfrozen_messages(db: sqlite_utils.Database, alert_id: int, notification: int) -> list[dict[str, Any]]:
    """The messages of one notification of an alert that wait to be sent (bodies decoded), when none of the
    notification's messages has been frozen yet; else an empty list."""
    rows = list(db.query("SELECT id, idempotency_key, status, frozen_at, body FROM deliveries WHERE alert_id = ? AND notification = ? ORDER BY id",
                         [alert_id, notification]))
    if any(row["frozen_at"] for row in rows):
        return []
    return [{**row, "body": json.loads(row["body"])} for row in rows if row["status"] in ("pending", "sending")]


def freeze_notification(db: sqlite_utils.Database, alert_id: int, notification: int, bodies: dict[int, dict[str, Any]],
                        now: str) -> None:
    """Freeze every message of one notification of an alert for good, first replacing the bodies given.

    :param bodies: delivery id → its message rendered again.
    :param now: ISO time stored as ``frozen_at``.
    """
    with transaction(db):
        for delivery_id, body in bodies.items():
            db.execute("UPDATE deliveries SET body = ? WHERE id = ? AND frozen_at IS NULL",
                       [json.dumps(body, ensure_ascii=False, sort_keys=True), delivery_id])
        db.execute("UPDATE deliveries SET frozen_at = ? WHERE alert_id = ? AND notification = ? AND frozen_at IS NULL",
                   [now, alert_id, notification])


def delivery_body(db: sqlite_utils.Database, delivery_id: int) -> dict[str, Any]:
    """The message of one delivery as stored now, decoded."""
    return json.loads(db.execute("SELECT body FROM deliveries WHERE id = ?", [delivery_id]).fetchone()[0])


def claim_due_deliveries(db: sqlite_utils.Database, *, now: str, claimer: str, lease_until: str, limit: int,
                         claimer_alive: Callable[[str], bool]) -> list[dict[str, Any]]:
    """Atomically take deliveries that are due: pending ones whose time has come, and ones left ``sending``
    by a process that died or whose lease ran out. Each taken row counts one more attempt.

    :param claimer: ``host:pid`` of the caller, stored while it sends.
    :param lease_until: when an unfinished claim may be taken by another process.
    :param claimer_alive: tells whether the process named by a ``claimed_by`` value still runs.
    """
    with transaction(db):
        rows = list(db.query(
            """SELECT * FROM deliveries WHERE (status = 'pending' AND next_attempt_at <= ?) OR status = 'sending'
               ORDER BY status = 'sending' DESC, next_attempt_at, id LIMIT ?""", [now, limit * 4]))
        taken = []
        for row in rows:
            if row["status"] == "sending" and row["next_attempt_at"] > now and claimer_alive(row["claimed_by"]):
                continue
            taken.append(row)
            if len(taken) >= limit:
                break
        for row in taken:
            db.execute("UPDATE deliveries SET status = 'sending', claimed_by = ?, attempts = attempts + 1, next_attempt_at = ? WHERE id = ?",
                       [claimer, lease_until, row["id"]])
            row["attempts"] += 1
            row["body"], row["reached"] = json.loads(row["body"]), json.loads(row["reached"])
    return taken


def renew_claim(db: sqlite_utils.Database, delivery_id: int, *, claimer: str, lease_until: str) -> bool:
    """Extend ``claimer``'s lease on a delivery it is about to send; False when the claim is no longer its own
    (its lease ran out and another process took the delivery, which then sends it)."""
    with transaction(db):
        return db.execute("UPDATE deliveries SET next_attempt_at = ? WHERE id = ? AND status = 'sending' AND claimed_by = ?",
                          [lease_until, delivery_id, claimer]).rowcount == 1


def finish_delivery(db: sqlite_utils.Database, delivery_id: int, *, status: str, attempt: int, started_at: str,
                    duration_ms: int, outcome: str, error: str = "", next_attempt_at: str | None = None,
                    now: str | None = None, reached: Iterable[str] | None = None) -> None:
    """Record the outcome of one attempt and move the delivery to ``status`` (sent, pending, dead, silenced).

    :param reached: the sink's recipients that have the message now, when the attempt says (kept otherwise).
    """
    if status not in DELIVERY_STATUSES:
        raise ValueError(f"unknown delivery status {status!r}")
    now = now or utcnow()
    with transaction(db):
        db.execute(
            """UPDATE deliveries SET status = ?, last_error = ?, claimed_by = '', reached = COALESCE(?, reached),
               next_attempt_at = COALESCE(?, next_attempt_at), sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END
               WHERE id = ?""", [status, error[:2000], None if reached is None else json.dumps(sorted(reached)),
                                 next_attempt_at, status, now, delivery_id])
        if outcome:
            db.execute("INSERT INTO delivery_attempts (delivery_id, attempt, started_at, duration_ms, outcome, error) VALUES (?, ?, ?, ?, ?, ?)",
                       [delivery_id, attempt, started_at, duration_ms, outcome, error[:2000]])


def split_off_dead_letter(db: sqlite_utils.Database, delivery_id: int, *, reached: Iterable[str], attempt: int,
                          started_at: str, duration_ms: int, error: str, now: str) -> int:
    """Record a dead letter for some recipients of a delivery's sink (an e-mail they refused for good while others
    deferred it, which stays queued for those): a new ``dead`` delivery of the same frozen message, created when
    the delivery was, with the attempt and its error. Returns its id; whom it owes the message to is set by
    :func:`~tocsin.store.delivery_parts.split_off_refused`.

    :param reached: those recipients that already have the message (not sent it again).
    """
    with transaction(db):
        dead_id = db.execute(
            """INSERT INTO deliveries (alert_id, sink, idempotency_key, status, attempts, next_attempt_at, last_error,
                                       created_at, notification, body, frozen_at, reached)
               SELECT alert_id, sink, idempotency_key || '-refused-' || (SELECT max(id) + 1 FROM deliveries), 'dead', ?, ?,
                      ?, created_at, notification, body, frozen_at, ? FROM deliveries WHERE id = ?""",
            [attempt, now, error[:2000], json.dumps(sorted(reached)), delivery_id]).lastrowid
        db.execute("INSERT INTO delivery_attempts (delivery_id, attempt, started_at, duration_ms, outcome, error) VALUES (?, ?, ?, ?, ?, ?)",
                   [dead_id, attempt, started_at, duration_ms, "permanent", error[:2000]])
    return dead_id


def interrupt_delivery(db: sqlite_utils.Database, delivery_id: int, *, attempt: int, started_at: str, duration_ms: int,
                       error: str, now: str) -> None:
    """Record a send cut short by a stop: logged as ``interrupted``, not counted as an attempt; the delivery is
    pending again, due at ``now``."""
    with transaction(db):
        finish_delivery(db, delivery_id, status="pending", attempt=attempt, started_at=started_at, duration_ms=duration_ms,
                        outcome="interrupted", error=error, next_attempt_at=now)
        db.execute("UPDATE deliveries SET attempts = max(0, attempts - 1) WHERE id = ?", [delivery_id])


def release_deliveries(db: sqlite_utils.Database, delivery_ids: list[int], now: str) -> None:
    """Give back claimed deliveries that were not attempted (a stop request): pending again, attempt uncounted."""
    with transaction(db):
        for delivery_id in delivery_ids:
            db.execute("""UPDATE deliveries SET status = 'pending', attempts = max(0, attempts - 1), claimed_by = '',
                          next_attempt_at = ? WHERE id = ? AND status = 'sending'""", [now, delivery_id])


def silence_delivery(db: sqlite_utils.Database, delivery_id: int, silence_id: int) -> None:
    """A matching silence stops this message (kept, marked ``silenced``, never sent)."""
    with transaction(db):
        db.execute("UPDATE deliveries SET status = 'silenced', claimed_by = '', last_error = ? WHERE id = ?",
                   [f"silenced by #{silence_id}", delivery_id])


def retry_dead_deliveries(db: sqlite_utils.Database, now: str, alert_id: int | None = None) -> int:
    """Put dead-lettered deliveries (of one alert, or all) back in the queue with fresh attempts; returns how many."""
    with transaction(db):
        cur = db.execute(
            """UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?, claimed_by = ''
               WHERE status = 'dead' AND (? IS NULL OR alert_id = ?)""", [now, alert_id, alert_id])
        return cur.rowcount


def revive_outage_dead_letters(db: sqlite_utils.Database, sink: str, now: str) -> int:
    """Put back in the queue, with fresh attempts, the deliveries to ``sink`` that died of transient failures
    (5xx, timeouts, no connection) while the sink accepted nothing at all: an outage, not a message the receiver
    refuses. Called when the sink accepts a message again. A message that died while others to its sink got
    through is left dead, so one the receiver keeps failing on is not retried for ever. Returns how many."""
    with transaction(db):
        ids = [row[0] for row in db.execute(
            """WITH span AS (SELECT delivery_id, min(id) AS first, max(id) AS latest FROM delivery_attempts GROUP BY delivery_id)
               SELECT d.id FROM deliveries d JOIN span ON span.delivery_id = d.id
               JOIN delivery_attempts last_try ON last_try.id = span.latest
               WHERE d.sink = ? AND d.status = 'dead' AND last_try.outcome = 'transient'
               AND NOT EXISTS (SELECT 1 FROM delivery_attempts ok JOIN deliveries other ON other.id = ok.delivery_id
                               WHERE other.sink = d.sink AND ok.outcome = 'sent' AND ok.id BETWEEN span.first AND span.latest)""",
            [sink])]
        for chunk in chunked(ids):
            db.execute(f"""UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?, claimed_by = ''
                           WHERE id IN ({marks(chunk)})""", [now, *chunk])
        return len(ids)


def deliveries_for_alert(db: sqlite_utils.Database, alert_id: int) -> list[dict[str, Any]]:
    """Every delivery of one alert with its attempts (``attempt_log``), oldest first."""
    rows = list(db.query("SELECT * FROM deliveries WHERE alert_id = ? ORDER BY id", [alert_id]))
    for row in rows:
        row["body"] = json.loads(row["body"])
        row["attempt_log"] = list(db.query("SELECT * FROM delivery_attempts WHERE delivery_id = ? ORDER BY id", [row["id"]]))
    return rows


def delivery_status_counts(db: sqlite_utils.Database) -> dict[str, int]:
    """Deliveries per status."""
    return {s: n for s, n in db.execute("SELECT status, count(*) FROM deliveries GROUP BY status")}


def next_due_delivery(db: sqlite_utils.Database) -> str | None:
    """When the earliest pending delivery is due, or None."""
    row = db.execute("SELECT min(next_attempt_at) FROM deliveries WHERE status IN ('pending', 'sending')").fetchone()
    return row[0] if row else None


def recent_dead_deliveries(db: sqlite_utils.Database, limit: int = 5) -> list[dict[str, Any]]:
    """The newest dead-lettered deliveries with their alert's title and ``failing_since`` (:data:`FAILING_SINCE`)."""
    return list(db.query(
        f"""SELECT d.id, d.alert_id, d.sink, d.attempts, d.last_error, a.title, {FAILING_SINCE} FROM deliveries d
           JOIN alerts a ON a.id = d.alert_id WHERE d.status = 'dead' ORDER BY d.id DESC LIMIT ?""", [limit]))


# --------------------------------------------------------------------------- silences


def add_silence(db: sqlite_utils.Database, matchers: dict[str, str], *, starts_at: str, ends_at: str,
                comment: str = "", created_by: str = "") -> int:
    """Store a silence; returns its id."""
    with transaction(db):
        cur = db.execute(
            "INSERT INTO silences (matchers, comment, created_by, starts_at, ends_at, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            [json.dumps(matchers, ensure_ascii=False, sort_keys=True), comment, created_by, starts_at, ends_at, utcnow()])
        return int(cur.lastrowid)


def list_silences(db: sqlite_utils.Database, *, active_at: str | None = None) -> list[dict[str, Any]]:
    """Silences (only those in force at ``active_at`` when given), newest first, matchers decoded."""
    if active_at:
        rows = db.query("SELECT * FROM silences WHERE starts_at <= ? AND ends_at > ? ORDER BY id DESC", [active_at, active_at])
    else:
        rows = db.query("SELECT * FROM silences ORDER BY id DESC")
    return [{**r, "matchers": json.loads(r["matchers"])} for r in rows]


def expire_silence(db: sqlite_utils.Database, silence_id: int, now: str) -> None:
    """End a silence now; raises :class:`AlertNotFound` for an unknown id."""
    with transaction(db):
        row = db.execute("SELECT ends_at FROM silences WHERE id = ?", [silence_id]).fetchone()
        if row is None:
            raise AlertNotFound(f"no silence #{silence_id}; 'tocsin alert silence list' shows the ids")
        if row[0] > now:
            db.execute("UPDATE silences SET ends_at = ? WHERE id = ?", [now, silence_id])


# --------------------------------------------------------------------------- what the rules read


def scored_analyses_since(db: sqlite_utils.Database, since: str, *, min_score: float, only_flagged: bool) -> list[dict[str, Any]]:
    """The analysis that speaks for each item seen or published since about ``since`` (the newest successful one
    of the version it shows, else of the one it showed last: :func:`~tocsin.store.analyses.current_analysis_id`)
    when it is flagged (or, when ``only_flagged`` is false, scores at least ``min_score``), with its item's
    source, text and times. An item edited A → B → A counts as A's analysis says, however old that analysis is.

    Items are chosen by their own times, which the rules compare, not by when their analysis was made. The time
    filter is coarse (a day of slack for time zones); callers compare times precisely.
    """
    rows = db.query(
        f"""SELECT a.id, a.item_id, a.score, a.incitement, a.targets, a.places, a.hallmarks, a.spans, a.threshold,
                  i.source, i.kind, i.url, i.title, i.text, i.first_seen, i.published_at
           FROM items i JOIN analyses a ON a.id = {current_analysis_id("i.id", "a2.error = ''")}
           WHERE (i.first_seen >= date(?, '-1 day') OR i.published_at >= date(?, '-1 day'))
             AND (a.incitement = 1 OR (? = 0 AND a.score >= ?)) AND a.score >= ?
           ORDER BY a.id""", [since, since, int(only_flagged), min_score, min_score])
    out = []
    for row in rows:
        for column in ("targets", "places", "hallmarks", "spans"):
            row[column] = json.loads(row[column])
        row["incitement"] = bool(row["incitement"])
        out.append(row)
    return out


def source_freshness(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Per enabled source: interval, last crawl, last success, when it was added, and the status and start
    of its latest crawl run that was not interrupted (a crawl stopped with the daemon says nothing of the source)."""
    return list(db.query(
        """SELECT s.name, s.interval_minutes, s.last_crawl_at, s.last_success_at, s.created_at,
                  r.status AS last_status, r.started_at AS last_started_at
           FROM sources s LEFT JOIN crawl_runs r ON r.id = (
               SELECT max(r2.id) FROM crawl_runs r2 WHERE r2.source = s.name AND r2.message NOT LIKE 'interrupted%'
               AND NOT EXISTS (SELECT 1 FROM crawl_errors e WHERE e.run_id = r2.id AND e.kind = 'interrupted'))
           WHERE s.enabled = 1 ORDER BY s.name"""))


def item_summaries(db: sqlite_utils.Database, item_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Source, url, title and a text excerpt of some items, by id."""
    out: dict[str, dict[str, Any]] = {}
    for chunk in chunked(item_ids):
        for row in db.query(f"SELECT id, source, url, title, substr(text, 1, 400) AS excerpt, first_seen, published_at "
                            f"FROM items WHERE id IN ({marks(chunk)})", chunk):
            out[row["id"]] = row
    return out


def remember_alert_file(db: sqlite_utils.Database, path: str, sink: str) -> None:
    """Record that the file sink ``sink`` appends to ``path`` (an absolute path)."""
    with transaction(db):
        db.execute("INSERT OR IGNORE INTO alert_files (path, sink, first_written_at) VALUES (?, ?, ?)", [path, sink, utcnow()])


def remembered_alert_files(db: sqlite_utils.Database) -> list[str]:
    """Every file an alert sink of this store has appended to (see :func:`remember_alert_file`)."""
    return [row[0] for row in db.execute("SELECT path FROM alert_files ORDER BY path")]
