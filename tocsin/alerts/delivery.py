"""Delivering the outbox: claim due messages, send each once, retry transient failures with
exponential backoff and jitter, dead-letter permanent failures and exhausted retries.

A message is claimed (``sending``, one more attempt counted) in its own committed transaction before
it is sent, and marked ``sent`` after: a crash between the two sends it again later with the same
idempotency key (at most one duplicate per crash), never loses it. Marking it is tried again a few times
when the store fails (locked too long); a send it still cannot record is no failed attempt: the message stays
claimed and goes again, under the same key, only when its claim is taken over, as after a crash. A claim left
by a dead process on this machine is taken over at once; one from another machine after its lease.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable

import sqlite_utils

from tocsin.alerts.silences import matching_silence
from tocsin.alerts.times import as_datetime, iso
from tocsin.alerts.transports import FileTransport, Transport, TransportError, build_transport
from tocsin.config import Settings
from tocsin.processes import process_alive
from tocsin.store import alerting as store
from tocsin.store import delivery_parts
from tocsin.store.db import transaction
from tocsin.store.pseudonyms import item_link_ids

logger = logging.getLogger(__name__)

#: Longest wait between two attempts.
MAX_BACKOFF_S = 6 * 3600
#: Pauses before trying again to record a message the sink accepted (each try also waits out the store's busy timeout).
RECORD_PAUSES_S = (1.0, 3.0)


@dataclass
class DeliverySummary:
    """What one :func:`deliver_due` call did."""

    sent: int = 0
    retrying: int = 0
    dead: int = 0
    silenced: int = 0
    #: dead letters put back in the queue because their sink, down when they died, accepts messages again
    revived: int = 0
    errors: list[str] = field(default_factory=list)
    #: the sinks already checked for such dead letters in this call
    revived_for: set[str] = field(default_factory=set)

    @property
    def attempted(self) -> int:
        return self.sent + self.retrying + self.dead


def undelivered(summary: Any) -> bool:
    """Whether a delivery round (a :class:`DeliverySummary`, or a cycle's summary with the same counts) left alert
    messages undelivered: some went dead, or some wait for a retry while none got through."""
    return bool(summary.dead or (summary.retrying and not summary.sent))


def backoff_delay(attempts: int, base_s: float, rng: random.Random | None = None) -> float:
    """Seconds before attempt ``attempts + 1``: ``base × 2^(attempts-1)``, half of it random ("equal
    jitter", so many failing messages do not retry in step), at most :data:`MAX_BACKOFF_S`."""
    delay = min(MAX_BACKOFF_S, base_s * (2 ** max(0, attempts - 1)))
    return delay / 2 + (rng or random).uniform(0, delay / 2)


def this_claimer() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claimer_alive(claimed_by: str) -> bool:
    """Whether the process that claimed a message may still be sending it."""
    host, _, pid = claimed_by.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine: trust its lease
    if int(pid) == os.getpid():
        return False  # our own claim, left by an earlier call that failed
    return process_alive(int(pid))


def deliver_due(db: sqlite_utils.Database, settings: Settings, now: datetime | str | None = None, *,
                limit: int = 200, transports: dict[str, Transport] | None = None,
                should_stop: Callable[[], bool] | None = None, rng: random.Random | None = None) -> DeliverySummary:
    """Send every delivery that is due; returns counts of sent, retrying, dead and silenced messages.

    :param limit: messages claimed at a time (the call goes on until nothing is due).
    :param transports: sink name → transport, to replace the configured ones (tests).
    :param should_stop: checked between messages and while a network send waits; True stops early (a send
        under way is cut short and tried again later without using up an attempt; the rest stay queued).
    """
    moment = as_datetime(now)
    summary = DeliverySummary()
    sinks = {s.name: s for s in settings.alerts.sinks}
    lease = timedelta(seconds=4 * max([s.timeout_s for s in sinks.values()] or [10]) + 60)
    silences = store.list_silences(db, active_at=iso(moment))
    cache: dict[str, Transport] = dict(transports or {})
    stalled: set[str] = set()   # sinks that ran past their deadline in this call: their other messages wait
    me, started = this_claimer(), time.monotonic()

    def lease_until() -> str:   # a lease from this moment on, counted from the call's own ``moment``
        return iso(moment + timedelta(seconds=time.monotonic() - started) + lease)

    while True:  # claim ``limit`` at a time until nothing is due (a failed message waits for its backoff)
        claimed = store.claim_due_deliveries(db, now=iso(moment), claimer=me, lease_until=lease_until(),
                                             limit=limit, claimer_alive=claimer_alive)
        for n, row in enumerate(claimed):
            if should_stop and should_stop():
                store.release_deliveries(db, [rest["id"] for rest in claimed[n:]], iso(moment))
                return summary
            if row["sink"] in stalled:   # one send to it just hung: the rest wait for a later call, uncounted
                store.release_deliveries(db, [row["id"]], iso(moment + timedelta(seconds=max(60.0, settings.alerts.backoff_s))))
                continue
            if not store.renew_claim(db, row["id"], claimer=me, lease_until=lease_until()):
                logger.info("alert #%s to %s: taken over by another process after this one's lease ran out",
                            row["alert_id"], row["sink"])
                continue
            try:
                deliver_one(db, settings, row, moment, sinks, cache, silences, summary, rng, stalled, should_stop)
            except Exception as e:   # a bug or the store failing: a transient failure, counted, so it ends dead-lettered
                logger.exception("alert #%s to %s failed unexpectedly", row["alert_id"], row["sink"])
                try:
                    fail(db, settings, row, moment, f"{type(e).__name__}: {e}", False, None, iso(datetime.now().astimezone()),
                         time.monotonic(), summary, rng)
                except Exception:  # noqa: BLE001 - the store itself: the lease ends and another call retries
                    logger.exception("alert #%s to %s: the failure could not be recorded either", row["alert_id"], row["sink"])
        if len(claimed) < limit:
            return summary


def message_to_send(db: sqlite_utils.Database, settings: Settings, row: dict[str, Any], moment: datetime) -> dict[str, Any]:
    """The frozen message of a claimed delivery. The first attempt of any message of a notification first
    renders every message of it again from the alert and freezes them all for good: items that joined since
    the notification was enqueued go out in it, to every sink alike, instead of in a second one; a retry, a
    dead letter queued again or a send cut short by a stop keeps the same bytes under the same id."""
    from tocsin.alerts import severity as sev
    from tocsin.alerts.messages import render_body

    if row["frozen_at"]:   # frozen when it was claimed: its body is final
        return row["body"]
    with transaction(db):
        waiting = store.unfrozen_messages(db, row["alert_id"], row["notification"])
        if waiting:
            alert = store.get_alert(db, row["alert_id"])
            link_id = item_link_ids(db)
            bodies = {message["id"]: render_body(
                alert, idempotency_key=message["idempotency_key"], notification=row["notification"],
                reason=message["body"].get("reason", ""), review_url=settings.alerts.review_url, link_id=link_id,
                thread=message["body"].get("thread", "")) for message in waiting}
            store.freeze_notification(db, row["alert_id"], row["notification"], bodies, iso(moment))
            notified = alert["severity"] if sev.rank(alert["severity"]) > sev.rank(alert["notified_severity"]) else alert["notified_severity"]
            store.update_alert(db, alert["id"], notified_count=max(alert["count"], alert["notified_count"]), notified_severity=notified)
        return store.delivery_body(db, row["id"])


def deliver_one(db: sqlite_utils.Database, settings: Settings, row: dict[str, Any], moment: datetime,
                sinks: dict[str, Any], cache: dict[str, Transport], silences: list[dict[str, Any]],
                summary: DeliverySummary, rng: random.Random | None, stalled: set[str] | None = None,
                should_stop: Callable[[], bool] | None = None) -> None:
    """Send one claimed delivery and record the outcome (a sink whose send hung is added to ``stalled``;
    ``should_stop`` cuts a waiting send short)."""
    body = row["body"] = message_to_send(db, settings, row, moment)
    silence = matching_silence(silences, body.get("labels", {}))
    if silence:
        store.silence_delivery(db, row["id"], silence["id"])
        summary.silenced += 1
        return
    started, clock = iso(datetime.now().astimezone()), time.monotonic()
    try:
        transport = cache.get(row["sink"])
        if transport is None:
            if row["sink"] not in sinks:
                raise TransportError(f"sink {row['sink']!r} is no longer configured; add it back and run "
                                     "'tocsin alert deliver --retry-dead'", permanent=True)
            transport = cache[row["sink"]] = build_transport(sinks[row["sink"]], settings)
            if isinstance(transport, FileTransport):   # known to the store from now on, whatever config reads it later
                store.remember_alert_file(db, str(transport.path.absolute()), row["sink"])
        if should_stop is not None:
            transport.should_stop = should_stop
        transport.reached = frozenset(row["reached"])
        transport.owed = recipients_owed(db, row, transport)
        transport.notify(body)
    except TransportError as e:
        if e.stalled and stalled is not None:
            stalled.add(row["sink"])
        if e.interrupted:   # tocsin is stopping: the message stays queued and keeps its attempts
            store.interrupt_delivery(db, row["id"], attempt=row["attempts"], started_at=started,
                                     duration_ms=int((time.monotonic() - clock) * 1000), error=str(e), now=iso(moment))
            logger.info("alert #%s to %s: %s", row["alert_id"], row["sink"], e)
            return
        with transaction(db):   # a dead letter split off for some recipients is kept only with the attempt it comes from
            if e.refused_for_good:   # this delivery goes on to the others
                dead_letter_for(db, row, e, cache[row["sink"]], moment, started, clock)
            fail(db, settings, row, moment, str(e), e.permanent, e.retry_after, started, clock, summary, rng, e.reached)
        if e.refused_for_good:
            summary.dead += 1
            logger.error("alert #%s to %s is dead-lettered for %s: %s", row["alert_id"], row["sink"],
                         ", ".join(e.refused_for_good), e)
    except Exception as e:  # a bug or an unexpected library error: retried like a transient failure
        logger.exception("sink %s failed unexpectedly on message %s", row["sink"], row["idempotency_key"])
        fail(db, settings, row, moment, f"{type(e).__name__}: {e}", False, None, started, clock, summary, rng)
    else:
        summary.sent += 1
        if not record_sent(db, row, moment, started, clock, summary):
            return
        logger.info("sent alert #%s to %s (%s, attempt %d)", row["alert_id"], row["sink"], row["idempotency_key"], row["attempts"])
        if row["sink"] not in summary.revived_for:
            summary.revived_for.add(row["sink"])
            revived = store.revive_outage_dead_letters(db, row["sink"], iso(moment))
            summary.revived += revived
            if revived:
                logger.warning("%s accepts messages again: %d message(s) dead-lettered while it was down are queued "
                               "again", row["sink"], revived)


def record_sent(db: sqlite_utils.Database, row: dict[str, Any], moment: datetime, started: str, clock: float,
                summary: DeliverySummary) -> bool:
    """Mark a message its sink accepted ``sent``, trying again after each of :data:`RECORD_PAUSES_S` when the store
    fails. When it never succeeds, the send is not made a failed attempt (which would send it again after a backoff,
    or dead-letter a message that arrived): the message stays claimed, and goes again only when its claim is taken
    over, with the same idempotency key (webhook id, ``Message-ID``) a receiver can drop it by; logged as an error.
    Returns whether it was recorded."""
    error: Exception | None = None
    for pause in (*RECORD_PAUSES_S, None):
        try:
            store.finish_delivery(db, row["id"], status="sent", attempt=row["attempts"], started_at=started,
                                  duration_ms=int((time.monotonic() - clock) * 1000), outcome="sent", now=iso(moment))
            return True
        except Exception as e:  # noqa: BLE001 - the store (locked, full): the send itself succeeded
            error = e
            if pause is not None:
                logger.warning("alert #%s to %s was sent but could not be recorded (%s); trying again in %.0f s",
                               row["alert_id"], row["sink"], e, pause)
                time.sleep(pause)
    why = (f"alert #{row['alert_id']} to {row['sink']} was sent but could not be recorded ({type(error).__name__}: "
           f"{error}): it stays claimed and may go out once more, with the same id {row['idempotency_key']}, when "
           "its claim is taken over")
    summary.errors.append(why)
    logger.error(why)
    return False


def recipients_owed(db: sqlite_utils.Database, row: dict[str, Any], transport: Transport) -> frozenset[str] | None:
    """Whom a claimed delivery's message is for: None for every recipient of its sink (a message never split), else
    those its part of the message owes it to (see :func:`~tocsin.store.delivery_parts.take_on_unowed`)."""
    if row["owed"] is None:
        return None
    return frozenset(delivery_parts.take_on_unowed(db, row["id"], transport.sink.recipients))


def dead_letter_for(db: sqlite_utils.Database, row: dict[str, Any], error: TransportError, transport: Transport,
                    moment: datetime, started: str, clock: float) -> None:
    """Split a dead letter off a claimed delivery for the sink's recipients that refused it for good
    (``error.refused_for_good``) while others deferred it; the delivery keeps the others it was for."""
    delivery_parts.split_off_refused(
        db, row["id"], refused=error.refused_for_good,
        owed=transport.sink.recipients if transport.owed is None else transport.owed, attempt=row["attempts"],
        started_at=started, duration_ms=int((time.monotonic() - clock) * 1000), error=str(error), now=iso(moment))


def fail(db: sqlite_utils.Database, settings: Settings, row: dict[str, Any], moment: datetime, error: str,
         permanent: bool, retry_after: float | None, started: str, clock: float, summary: DeliverySummary,
         rng: random.Random | None, reached: tuple[str, ...] | None = None) -> None:
    """Record a failed attempt: retry later, or dead-letter it (``reached``: the sink's recipients that have the
    message now, when the transport says)."""
    duration = int((time.monotonic() - clock) * 1000)
    exhausted = row["attempts"] >= settings.alerts.max_attempts
    if permanent or exhausted:
        why = error if permanent else f"{error} (gave up after {row['attempts']} attempts)"
        store.finish_delivery(db, row["id"], status="dead", attempt=row["attempts"], started_at=started,
                              duration_ms=duration, outcome="permanent" if permanent else "transient", error=why,
                              reached=reached)
        summary.dead += 1
        summary.errors.append(why)
        logger.error("alert #%s to %s is dead-lettered: %s", row["alert_id"], row["sink"], why)
        return
    # a receiver's Retry-After is honoured up to the longest backoff: one answering "in 3,000 years" is not
    delay = max(backoff_delay(row["attempts"], settings.alerts.backoff_s, rng), min(retry_after or 0, MAX_BACKOFF_S))
    store.finish_delivery(db, row["id"], status="pending", attempt=row["attempts"], started_at=started, duration_ms=duration,
                          outcome="transient", error=error, next_attempt_at=iso(moment + timedelta(seconds=delay)),
                          reached=reached)
    summary.retrying += 1
    summary.errors.append(error)
    logger.warning("alert #%s to %s failed (attempt %d/%d), retry in %.0f s: %s", row["alert_id"], row["sink"],
                   row["attempts"], settings.alerts.max_attempts, delay, error)
