"""The stream worker: reads the Redis stream in batches through a consumer group, stores each batch in the
SQLite store (and analyses it), and acknowledges the entries only after the transaction committed.

A worker that dies leaves its batch pending in the group; after ``claim_idle_s`` another worker claims
it (XAUTOCLAIM) and does it again. Doing a batch twice is harmless: ``upsert_item`` of an unchanged item
only moves ``last_seen`` and an item version is analysed once per model version (a unique key), so every
item is stored and analysed exactly once. When raising a batch's item alerts fails, only the alerts are
undone: the items and analyses are stored and the entries acknowledged, and the alerts are owed in the store
(:func:`tocsin.analyse.raise_alerts`), tried again every :data:`OWED_ALERTS_EVERY_S`. An entry that cannot be
read, that fails on its own (a batch that fails is done again entry by entry) or whose workers kept dying
(``max_deliveries`` real deliveries: a restart or a claim, never a worker's own retries) goes to the
dead-letter stream ``<stream>:dead`` with the reason; nothing is dropped. While the store or Redis itself
fails, a worker keeps its batch pending, says what failed and how to fix it, and retries with backoff: that
never sends an entry to dead letters.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import random
import signal
import sqlite3
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

import sqlite_utils

from tocsin.analyse import raise_alerts, raise_owed_alerts
from tocsin.config import Settings
from tocsin.crawler.ledger import REFETCH_SUMMARY_DAYS
from tocsin.distributed.analysis import BatchAnalyser
from tocsin.distributed.claims import remember_stored, summary_only_key
from tocsin.distributed.connection import Backoff, Keys, connect_redis, redis_problem
from tocsin.distributed.deadletters import FIRST_DEAD_FIELD
from tocsin.distributed.heartbeat import Heartbeat, forget_old_heartbeats, node_name
from tocsin.distributed.records import BadEntry, Payload, RemovedMark, SeenMark, decode_entry
from tocsin.distributed.stream import ensure_group, is_missing_group
from tocsin.store import transaction, upsert_item
from tocsin.store.analyses import AnalysisRecord, save_analysis
from tocsin.store.crawling import iso_before, is_summary_only, mark_seen, summary_only_first_seen
from tocsin.store.db import is_locked_error
from tocsin.store.distributed import analysed_versions, iter_item_ids
from tocsin.store.modelling import saved_analyses
from tocsin.store.items import ItemRecord, content_hash, is_current_version, mark_removed, storable, stored_content_hash
from tocsin.store.sources import ensure_source

logger = logging.getLogger(__name__)

#: Attempts of one batch's write while SQLite stays locked by other writers (each after the busy timeout).
WRITE_ATTEMPTS = 6
#: Consumers with nothing pending and silent this long are removed from the group when a worker starts.
FORGET_CONSUMER_MS = 24 * 3600 * 1000
#: How often a worker that raises alerts tries again the alerts owed in the store (raising them failed).
OWED_ALERTS_EVERY_S = 60.0

OnBatchSaved = Callable[[sqlite_utils.Database, list[dict[str, Any]]], Any]


#: Field of an entry in ``<stream>:analysed`` that carries its analysis (JSON of an AnalysisRecord).
ANALYSIS_FIELD = b"analysis"


class StoreBusy(RuntimeError):
    """The store stayed locked through every attempt; the batch stays pending and is retried."""


def is_outage(error: BaseException) -> bool:
    """True when the store or Redis itself failed (locked, full, read-only or damaged store, a file system
    error, Redis unreachable or refusing writes), not the entries being done: their batch stays pending."""
    import redis as redis_lib

    if isinstance(error, (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError, sqlite3.DataError)):
        return False  # this entry's data: a constraint, a value SQLite cannot bind
    return isinstance(error, (redis_lib.RedisError, StoreBusy, OSError, sqlite3.DatabaseError))


def outage_message(error: Exception, redis_url: str) -> str:
    """What failed and how to fix it, in the words ``tocsin`` and the daemon use for the same problem."""
    import redis as redis_lib

    from tocsin.cli.app import stated_problem

    if isinstance(error, redis_lib.RedisError):
        return redis_problem(redis_url, type(error)(redis_answer(error)))
    return stated_problem(error) or str(error)


def redis_answer(error: Exception) -> str:
    """Redis's own answer, without the command of a failed pipeline (its arguments are entry data)."""
    return str(error).rpartition(" of pipeline caused error: ")[2]


def error_text(error: BaseException) -> str:
    """An exception as a dead letter's reason: its type and its message."""
    return f"{type(error).__name__}: {error}"


@dataclass
class Entry:
    """One stream entry as read: its id, its raw fields and how often the group delivered it."""

    id: bytes
    fields: dict[bytes, bytes] | None
    deliveries: int = 1


@dataclass
class BatchResult:
    """What one batch did."""

    entries: int = 0
    stored: int = 0
    new: int = 0
    marks: int = 0
    analysed: int = 0
    flagged: int = 0
    failed: int = 0
    dead: int = 0
    #: items erased by ``tocsin forget`` met again: not stored, only counted
    erased: int = 0
    #: batches whose item alerts failed (items and analyses stored; their alerts owed in the store)
    alert_errors: int = 0
    stored_ids: list[str] = field(default_factory=list)
    #: Of ``stored_ids``, the articles stored from their feed summary only (fetched again for a while).
    summary_ids: list[str] = field(default_factory=list)

    def add(self, other: "BatchResult") -> None:
        """Count in ``other`` (one entry of a batch done entry by entry)."""
        for name in (f.name for f in dataclasses.fields(self)):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class WorkerTotals:
    """Everything a worker did since it started."""

    batches: int = 0
    entries: int = 0
    stored: int = 0
    new: int = 0
    analysed: int = 0
    flagged: int = 0
    failed: int = 0
    dead: int = 0
    claimed: int = 0
    errors: int = 0
    alert_errors: int = 0
    erased: int = 0

    def add(self, result: BatchResult) -> None:
        self.batches += 1
        for name in ("entries", "stored", "new", "analysed", "flagged", "failed", "dead", "alert_errors", "erased"):
            setattr(self, name, getattr(self, name) + getattr(result, name))


def carried_analyses(good: list[tuple["Entry", Payload]]) -> tuple[list[AnalysisRecord], list[tuple["Entry", str]]]:
    """The analyses that publishing workers attached to entries, and the entries whose analysis is unreadable."""
    analyses, unreadable = [], []
    for entry, _ in good:
        raw = (entry.fields or {}).get(ANALYSIS_FIELD)
        if raw is None:
            continue  # analysis failed or not an item: stored as it is
        try:
            analyses.append(AnalysisRecord(**json.loads(raw)))
        except (TypeError, ValueError) as e:
            unreadable.append((entry, f"its analysis cannot be read ({e})"))
    return analyses, unreadable


def write_with_retry(db: sqlite_utils.Database, write: Callable[[], Any], attempts: int = WRITE_ATTEMPTS,
                     base_delay_s: float = 0.2) -> Any:
    """Run ``write`` (which opens its own transaction) until it commits, retrying "database is locked"
    with exponential backoff and jitter.

    :raises StoreBusy: still locked after ``attempts``.
    """
    for attempt in range(attempts):
        try:
            return write()
        except sqlite3.OperationalError as e:
            if db.conn.in_transaction:  # a failed COMMIT leaves the transaction open
                db.conn.execute("ROLLBACK")
            if not is_locked_error(e):
                raise
            delay = base_delay_s * (2**attempt) * (0.5 + random.random())
            logger.warning("store locked (%s); retrying the batch in %.1f s (%d/%d)", e, delay, attempt + 1, attempts)
            time.sleep(delay)
    raise StoreBusy(f"the store stayed locked through {attempts} attempts: another program (the daemon, a crawl, an "
                    "export or a forget) holds it too long; the batch is retried, raise database.busy_timeout_ms if "
                    "this goes on")


#: What a worker does: ``analyse`` (store and analyse, beside the database), ``publish`` (analyse only and
#: push the results to ``<stream>:analysed``; no database), ``write`` (the single writer of what publishing
#: workers analysed), ``store`` (store crawled items unanalysed).
MODES = ("analyse", "publish", "write", "store")


class StreamWorker:
    """Consumes a stream of ``settings.distributed`` (see :data:`MODES`).

    :param settings: tocsin's settings (``[distributed]``, the model threshold).
    :param db: the open store (None in ``publish`` mode).
    :param redis: a Redis client (default: from ``distributed.redis_url``).
    :param analyser: analyses items (``analyse`` and ``publish`` modes).
    :param mode: one of :data:`MODES`; default ``analyse`` with an analyser, else ``store``.
    :param on_batch_saved: called inside each batch's transaction with the saved analyses (alerts); when it
        fails, their alerts are owed in the store and tried again every :data:`OWED_ALERTS_EVERY_S`.
    :param name: the consumer name; a worker restarted under the same name resumes its own pending batch
        at once, otherwise others claim it after ``claim_idle_s``.
    :param block_ms: how long one read waits for new entries.
    """

    def __init__(self, settings: Settings, db: sqlite_utils.Database | None, *, redis: Any = None,
                 analyser: BatchAnalyser | None = None, on_batch_saved: OnBatchSaved | None = None,
                 name: str = "", batch_size: int | None = None, block_ms: int = 2000, mode: str = ""):
        self.mode = mode or ("analyse" if analyser is not None else "store")
        if self.mode not in MODES:
            raise ValueError(f"unknown worker mode {self.mode!r}; one of {', '.join(MODES)}")
        if (analyser is None) != (self.mode in ("write", "store")):
            raise ValueError(f"a worker in {self.mode} mode {'needs' if analyser is None else 'takes no'} analyser")
        if db is None and self.mode != "publish":
            raise ValueError(f"a worker in {self.mode} mode needs the store")
        self.settings, self.db = settings, db
        self.dist = settings.distributed
        self.redis = redis if redis is not None else connect_redis(settings)
        self.keys = Keys.of(settings).analysed() if self.mode == "write" else Keys.of(settings)
        self.analyser = analyser
        self.on_batch_saved = on_batch_saved
        self.role = self.mode
        self.name = name or node_name(self.role)
        self.batch_size = batch_size or self.dist.batch_size
        self.block_ms = block_ms
        self.read_wait_ms: int | None = block_ms
        self.totals = WorkerTotals()
        self.heartbeat = Heartbeat(self.redis, self.keys, self.name, self.role, self.dist.heartbeat_s)
        self.stopping = False
        self.backoff = Backoff()   # pauses after failures in a row (Redis down, store locked)
        self.last_claim = 0.0
        self.claim_cursor: bytes | str = b"0-0"
        self.last_owed_alerts: float | None = None   # when owed alerts were last tried (monotonic)
        #: The batch this process holds: entry id -> deliveries when it got them (see :meth:`own_pending`).
        self.held: dict[bytes, int] = {}

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Create the group if needed, tidy old heartbeats and consumers, report ready."""
        self.join_group()
        forget_old_heartbeats(self.redis, self.keys)
        self.forget_idle_consumers()
        self.heartbeat.beat("ready", self.counters(), force=True)
        logger.info("worker %s reading %s (group %s, batches of %d)", self.name, self.keys.stream, self.keys.group, self.batch_size)

    def start_when_possible(self) -> None:
        """:meth:`start`, retried with backoff while Redis or the store fails (Redis out of memory refuses to
        make the group), until it succeeds or the worker is stopped."""
        while not self.stopping:
            try:
                self.start()
                self.backoff.reset()
                return
            except Exception as e:
                if not is_outage(e):
                    raise
                self.back_off(e)

    def join_group(self) -> None:
        """Make the stream and its group if missing (the writer's too, when publishing); beside the store,
        tell the crawlers what it holds when Redis has forgotten it."""
        ensure_group(self.redis, self.keys)
        if self.mode == "publish":
            ensure_group(self.redis, self.keys.analysed())  # results wait for the writer from the start
        else:
            self.seed_stored_ids()

    def stop(self, *_: Any) -> None:
        """Finish the current batch, then return from :meth:`run` (SIGTERM, SIGINT)."""
        self.stopping = True

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)

    def run(self, *, until_idle_s: float | None = None, max_batches: int | None = None,
            give_up_after_s: float | None = None) -> WorkerTotals:
        """Work until stopped.

        :param until_idle_s: also return once the stream has been empty (nothing waiting, nothing pending
            anywhere) for this many seconds.
        :param max_batches: also return after this many batches.
        :param give_up_after_s: with ``until_idle_s``, raise :class:`~tocsin.distributed.connection.GaveUp`
            once Redis or the store has failed for this long in a row (default: wait as long as it takes).
        """
        if until_idle_s is not None:
            self.backoff.patience_s = give_up_after_s
        self.start_when_possible()
        if until_idle_s is not None:  # do not wait on an empty stream longer than asked to
            self.read_wait_ms = None if until_idle_s <= 0 else min(self.block_ms, max(1, int(until_idle_s * 1000)))
        idle_since: float | None = None
        try:
            while not self.stopping:
                if max_batches is not None and self.totals.batches >= max_batches:
                    break
                did_work = self.step()
                if did_work:
                    idle_since = None
                elif until_idle_s is not None:
                    if self.stream_is_empty():
                        idle_since = idle_since or time.monotonic()
                        if time.monotonic() - idle_since >= until_idle_s:
                            break
                    else:
                        idle_since = None
        finally:
            self.heartbeat.beat("stopped", self.counters(), force=True)
        return self.totals

    def step(self) -> bool:
        """Read (or claim) one batch and do it; True if there was work. Never raises for Redis or the
        store being unavailable: it logs, waits with backoff and lets the next step retry."""
        try:
            if self.writer_behind():
                return False
            self.raise_owed_alerts()
            entries = self.next_batch()
            if not entries:
                self.heartbeat.beat("idle", self.counters())
                return False
            result = self.process(entries)
            self.totals.add(result)
            self.backoff.reset()
            self.heartbeat.beat("working", self.counters())
            return True
        except Exception as e:  # Redis down, store busy or full: retry later, never crash-loop
            self.back_off(e)
            return False

    def raise_owed_alerts(self) -> None:
        """Try again the alerts owed in the store (see :func:`tocsin.analyse.raise_owed_alerts`), when this worker
        raises alerts, at its first step and then every :data:`OWED_ALERTS_EVERY_S`."""
        now = time.monotonic()
        if self.on_batch_saved is None or self.db is None or (
                self.last_owed_alerts is not None and now - self.last_owed_alerts < OWED_ALERTS_EVERY_S):
            return
        self.last_owed_alerts = now
        if write_with_retry(self.db, lambda: raise_owed_alerts(self.db, self.on_batch_saved)):
            self.totals.alert_errors += 1

    def back_off(self, error: Exception) -> None:
        """Log ``error`` (the problem and its fix when the store or Redis failed), then wait, longer after
        each failure in a row."""
        self.totals.errors += 1
        problem = outage_message(error, self.dist.redis_url) if is_outage(error) else str(error)
        delay = self.backoff.next_pause(problem)
        logger.error("worker %s: %s; retrying in %.0f s (nothing is lost: entries stay in the stream until stored)",
                     self.name, problem, delay, exc_info=None if is_outage(error) else error)
        self.heartbeat.beat(f"error: {problem[:200]}", self.counters(), force=True)
        self.sleep(delay)

    def sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < end:
            time.sleep(min(0.2, end - time.monotonic()))

    # ------------------------------------------------------------------ back-pressure of publishing workers

    def writer_behind(self) -> bool:
        """Whether this is a publishing worker and ``<stream>:analysed`` holds more than ``max_stream_entries``
        (the writer is behind or stopped). It then reads nothing, says so and waits as long as a read would."""
        analysed = self.keys.analysed().stream
        if self.mode != "publish" or int(self.redis.xlen(analysed)) <= self.dist.max_stream_entries:
            return False
        if self.heartbeat.beat("paused: writer behind", self.counters()):
            logger.warning("worker %s: %s holds more than %d entries: pausing until 'tocsin worker store' catches up",
                           self.name, analysed, self.dist.max_stream_entries)
        self.sleep(self.block_ms / 1000)
        return True

    # ------------------------------------------------------------------ reading

    def next_batch(self) -> list[Entry]:
        """This worker's own unacknowledged entries first, then stale ones of silent workers, then new ones."""
        batch = self.own_pending() or self.claim_due() or self.read(b">", block_ms=self.read_wait_ms)
        self.held = {entry.id: entry.deliveries for entry in batch}
        return batch

    def own_pending(self) -> list[Entry]:
        """This worker's unacknowledged entries, with how often they were delivered.

        Redis counts each re-read as a delivery. For the entries this process holds already (a batch retried
        after a failure here) the count is set back to what it was, so that only real redeliveries (to a
        restarted worker, or claimed by another) count toward ``max_deliveries``."""
        own = self.read(b"0", block_ms=None)
        if not own:
            return []
        entries = self.with_deliveries(own)
        retried = [entry for entry in entries if entry.id in self.held]
        for entry in retried:
            entry.deliveries = self.held[entry.id]
        self.set_deliveries(retried)
        return entries

    def set_deliveries(self, entries: list[Entry]) -> None:
        """Set the group's delivery count of ``entries`` (pending on this worker) to their ``deliveries``."""
        by_count: dict[int, list[bytes]] = defaultdict(list)
        for entry in entries:
            by_count[entry.deliveries].append(entry.id)
        for count, ids in by_count.items():
            self.redis.xclaim(self.keys.stream, self.keys.group, self.name, 0, ids, retrycount=count, justid=True)

    def claim_due(self) -> list[Entry]:
        """Stale entries of silent workers (:meth:`claim_stale`), looked for every quarter of ``claim_idle_s``."""
        now = time.monotonic()
        if now - self.last_claim < max(0.5, self.dist.claim_idle_s / 4):
            return []
        self.last_claim = now
        return self.claim_stale()

    def in_group(self, command: Callable[[], Any]) -> Any:
        """Run a group command; when Redis answers that the group is gone (it lost its data: a restart
        without persistence, FLUSHALL), make the group again and run it once more."""
        try:
            return command()
        except Exception as e:
            if not is_missing_group(e):
                raise
            logger.warning("worker %s: Redis has lost the group %s of %s (restarted without persistence, or "
                           "flushed); making it again", self.name, self.keys.group, self.keys.stream)
        self.join_group()
        return command()

    def read(self, start: bytes, block_ms: int | None) -> list[Entry]:
        reply = self.in_group(lambda: self.redis.xreadgroup(self.keys.group, self.name, {self.keys.stream: start},
                                                            count=self.batch_size, block=block_ms))
        if not reply:
            return []
        _, messages = reply[0]
        return [Entry(id=entry_id, fields=fields or None) for entry_id, fields in messages]

    def claim_stale(self) -> list[Entry]:
        """Take over entries pending longer than ``claim_idle_s`` on other consumers (they died or hang)."""
        reply = self.in_group(lambda: self.redis.xautoclaim(
            self.keys.stream, self.keys.group, self.name, min_idle_time=self.dist.claim_idle_s * 1000,
            start_id=self.claim_cursor, count=self.batch_size))
        self.claim_cursor = reply[0] or b"0-0"  # scan the whole pending list over successive calls
        messages = reply[1] if len(reply) > 1 else []
        entries = [Entry(id=entry_id, fields=fields or None) for entry_id, fields in messages]
        if entries:
            self.totals.claimed += len(entries)
            logger.warning("worker %s claimed %d entries left pending by a silent worker", self.name, len(entries))
            return self.with_deliveries(entries)
        return []

    def with_deliveries(self, entries: list[Entry]) -> list[Entry]:
        """Fill in how often each entry was delivered (XPENDING), to spot entries that kill workers."""
        ids = sorted(e.id for e in entries)
        rows = self.redis.xpending_range(self.keys.stream, self.keys.group, min=ids[0], max=ids[-1],
                                         count=max(len(ids) * 4, 100), consumername=self.name)
        counts = {row["message_id"]: int(row["times_delivered"]) for row in rows}
        for entry in entries:
            entry.deliveries = counts.get(entry.id, entry.deliveries)
        return entries

    # ------------------------------------------------------------------ processing

    def process(self, entries: list[Entry]) -> BatchResult:
        """Do a batch (:meth:`process_together`). When it fails, and not because the store or Redis failed,
        do its entries one by one, so that only an entry that fails on its own goes to dead letters. An error
        of the store or of Redis is raised: what is not done yet stays pending and is retried.
        """
        try:
            return self.process_together(entries)
        except Exception as e:
            if is_outage(e):
                raise
            logger.warning("worker %s: a batch of %d entries failed (%s); doing its entries one by one",
                           self.name, len(entries), error_text(e))
        return self.process_each(entries)

    def process_each(self, entries: list[Entry]) -> BatchResult:
        """Do ``entries`` one at a time; one that fails alone goes to dead letters with that error as its reason."""
        result = BatchResult()
        for entry in entries:
            try:
                result.add(self.process_together([entry]))
            except Exception as e:
                if is_outage(e):
                    raise
                logger.error("worker %s: entry %s failed on its own; moving it to %s (see 'tocsin worker dead')",
                             self.name, entry.id.decode(), self.keys.dead, exc_info=e)
                result.add(self.set_aside(entry, f"it failed on its own ({error_text(e)})"))
        return result

    def set_aside(self, entry: Entry, reason: str) -> BatchResult:
        """Move one entry to dead letters and acknowledge it."""
        if self.mode == "publish":
            self.publish([entry], [], [], [(entry, reason)])
        else:
            self.acknowledge([entry], [(entry, reason)])
        return BatchResult(entries=1, dead=1)

    def process_together(self, entries: list[Entry]) -> BatchResult:
        """Decode, analyse (outside any transaction), store in one transaction, then acknowledge."""
        result = BatchResult(entries=len(entries))
        good: list[tuple[Entry, Payload]] = []
        dead: list[tuple[Entry, str]] = []
        for entry in entries:
            if entry.fields is None:  # acknowledged and deleted meanwhile by a slow worker: nothing to do
                continue
            if entry.deliveries > self.dist.max_deliveries:
                dead.append((entry, f"delivered {entry.deliveries} times without success (its workers kept stopping)"))
                continue
            try:
                good.append((entry, decode_entry(entry.fields)))
            except BadEntry as e:
                dead.append((entry, str(e)))
        analyses = self.analyse([p for _, p in good if isinstance(p, ItemRecord)], result)
        if self.mode == "publish":
            self.publish(entries, good, analyses, dead)
            result.dead, result.analysed = len(dead), len(analyses)
            result.flagged = sum(1 for a in analyses if a.incitement)
            return result
        if self.mode == "write":
            analyses, unreadable = carried_analyses(good)
            dead.extend(unreadable)
            bad_ids = {e.id for e, _ in unreadable}
            good = [(e, p) for e, p in good if e.id not in bad_ids]
        write_with_retry(self.db, lambda: self.write(good, analyses, dead, result))
        self.acknowledge(entries, dead, result.stored_ids, result.summary_ids)
        result.dead = len(dead)
        if dead:
            logger.error("worker %s: %d entries moved to %s (see 'tocsin worker dead')", self.name, len(dead), self.keys.dead)
        return result

    def analyse(self, records: list[ItemRecord], result: BatchResult) -> list[AnalysisRecord]:
        """Analyses of the item versions in ``records`` not yet analysed by this model version."""
        if self.analyser is None or not records:
            return []
        rows: dict[tuple[str, str], dict[str, Any]] = {}
        for record in records:
            title, text = storable(record.title, record.text)
            key = (record.id, content_hash(title, text))
            rows[key] = {"id": record.id, "source": record.source, "kind": record.kind, "title": title, "text": text,
                         "lang": record.lang, "content_hash": key[1], "published_at": record.published_at}
        done = set() if self.db is None else analysed_versions(self.db, rows, self.analyser.model_name, self.analyser.model_version)
        todo = [row for key, row in rows.items() if key not in done]
        if not todo:
            return []
        out = []
        for row, analysis in zip(todo, self.analyser.analyse(todo)):
            if analysis is None:
                result.failed += 1  # stored, left unanalysed: 'tocsin analyse' / the daemon retries it
            else:
                out.append(analysis)
        return out

    def write(self, good: list[tuple[Entry, Payload]], analyses: list[AnalysisRecord],
              dead: list[tuple[Entry, str]], result: BatchResult) -> None:
        """One transaction: items and marks, then analyses, then ``on_batch_saved`` (alerts; when it fails, only
        the alerts are undone and owed: :func:`tocsin.analyse.raise_alerts`)."""
        counts = BatchResult()
        stored_ids: set[str] = set()
        with_text: set[str] = set()
        rejected: list[tuple[Entry, str]] = []
        with transaction(self.db):
            for source in sorted({p.source for _, p in good if isinstance(p, ItemRecord)}):
                ensure_source(self.db, source)
            for entry, payload in good:
                try:
                    self.db.execute("SAVEPOINT entry")
                    if isinstance(payload, ItemRecord):
                        outcome = upsert_item(self.db, payload)
                        if outcome == "erased":   # erased by 'tocsin forget': not stored again, only counted
                            counts.erased += 1
                            self.db.execute("RELEASE entry")
                            continue
                        counts.stored += 1
                        counts.new += outcome == "new"
                        stored_ids.add(payload.id)
                        if not is_summary_only(payload.meta):
                            with_text.add(payload.id)
                    elif isinstance(payload, RemovedMark):
                        mark_removed(self.db, payload.item_id)
                        counts.marks += 1
                    elif isinstance(payload, SeenMark):
                        mark_seen(self.db, payload.item_id)
                        counts.marks += 1
                    self.db.execute("RELEASE entry")
                except Exception as e:  # this entry's data (a constraint, a null title): set it aside
                    self.db.execute("ROLLBACK TO entry")
                    self.db.execute("RELEASE entry")
                    if is_outage(e):
                        raise
                    rejected.append((entry, f"the store rejected it ({error_text(e)})"))
            saved: list[int] = []
            for analysis in analyses:
                if analysis.item_id in stored_ids and is_current_version(self.db, analysis.item_id, analysis.content_hash):
                    analysis_id = save_analysis(self.db, analysis)
                    if analysis_id is not None:
                        saved.append(analysis_id)
            rows = saved_analyses(self.db, saved)
            alert_error = raise_alerts(self.db, self.on_batch_saved, saved) if rows and self.on_batch_saved else None
        # committed: only now count (a retried attempt must not count twice)
        result.stored, result.new, result.marks, result.erased = counts.stored, counts.new, counts.marks, counts.erased
        result.stored_ids = sorted(stored_ids)
        result.summary_ids = sorted(stored_ids - with_text)
        result.analysed = len(rows)
        result.flagged = sum(1 for r in rows if r["incitement"])
        result.alert_errors = int(alert_error is not None)
        dead.extend(rejected)

    def publish(self, entries: list[Entry], good: list[tuple[Entry, Payload]], analyses: list[AnalysisRecord],
                dead: list[tuple[Entry, str]]) -> None:
        """Move the batch to ``<stream>:analysed`` (each entry with its analysis, when it has one), dead
        entries to dead letters, and acknowledge the originals: one MULTI, so every entry is in exactly
        one of the two streams."""
        by_version = {(a.item_id, a.content_hash): a for a in analyses}
        target = self.keys.analysed()
        pipe = self.redis.pipeline(transaction=True)
        for entry, payload in good:
            fields = dict(entry.fields or {})
            fields.pop(FIRST_DEAD_FIELD, None)  # done on this stream: a death on the next is a new first failure
            if isinstance(payload, ItemRecord):
                analysis = by_version.get((payload.id, stored_content_hash(payload.title, payload.text)))
                if analysis is not None:
                    fields[ANALYSIS_FIELD] = json.dumps(dataclasses.asdict(analysis), ensure_ascii=False).encode()
            fields[b"analysed_by"] = self.name.encode()
            pipe.xadd(target.stream, fields)
        self.queue_dead(pipe, dead)
        ids = [e.id for e in entries]
        pipe.xack(self.keys.stream, self.keys.group, *ids)
        pipe.xdel(self.keys.stream, *ids)
        pipe.execute()

    def queue_dead(self, pipe: Any, dead: list[tuple[Entry, str]]) -> None:
        for entry, reason in dead:
            fields = dict(entry.fields or {})
            fields.update({b"reason": reason.encode(), b"original_id": entry.id, b"worker": self.name.encode(),
                           b"at": str(time.time()).encode()})
            pipe.xadd(self.keys.dead, fields)

    def acknowledge(self, entries: list[Entry], dead: list[tuple[Entry, str]], stored_ids: list[str] = (),
                    summary_ids: list[str] = ()) -> None:
        """Move dead entries to the dead-letter stream, note the stored items for the crawlers' claims (those
        stored from their feed summary only apart, with the time), acknowledge and delete every entry: one MULTI."""
        ids = [e.id for e in entries]
        summary = set(summary_ids)
        now = time.time()
        pipe = self.redis.pipeline(transaction=True)
        remember_stored(pipe, self.keys, [i for i in stored_ids if i not in summary], {i: now for i in summary})
        self.queue_dead(pipe, dead)
        pipe.xack(self.keys.stream, self.keys.group, *ids)
        pipe.xdel(self.keys.stream, *ids)
        pipe.execute()

    # ------------------------------------------------------------------ state

    def stream_is_empty(self) -> bool:
        """Nothing waiting and nothing pending on any worker (entries are deleted once acknowledged)."""
        return int(self.redis.xlen(self.keys.stream)) == 0

    def counters(self) -> dict[str, Any]:
        t = self.totals
        return {"batches": t.batches, "stored": t.stored, "analysed": t.analysed, "flagged": t.flagged,
                "failed": t.failed, "dead": t.dead, "claimed": t.claimed, "errors": t.errors, "erased": t.erased}

    def seed_stored_ids(self) -> int:
        """Fill the crawlers' set of stored item ids from the store when Redis has none (a new or
        flushed Redis), so crawlers skip what the store already has; returns how many."""
        if self.redis.exists(self.keys.stored, summary_only_key(self.keys)):
            return 0
        seeded = 0
        for chunk in iter_item_ids(self.db):
            pipe = self.redis.pipeline(transaction=False)
            remember_stored(pipe, self.keys, *self.split_summary_only(chunk))
            pipe.execute()
            seeded += len(chunk)
        if seeded:
            logger.info("worker %s: told the crawlers about %d stored items", self.name, seeded)
        return seeded

    def split_summary_only(self, item_ids: list[str]) -> tuple[list[str], dict[str, float]]:
        """``item_ids`` apart from the articles stored from their feed summary only within
        :data:`~tocsin.crawler.ledger.REFETCH_SUMMARY_DAYS`, and those with when they were first stored (unix time)."""
        since = iso_before(days=REFETCH_SUMMARY_DAYS)
        recent = summary_only_first_seen(self.db, item_ids, first_seen_after=since)
        first_seen = {i: datetime.fromisoformat(at).timestamp() for i, at in recent.items()}
        return [i for i in item_ids if i not in first_seen], first_seen

    def forget_idle_consumers(self) -> int:
        """Remove consumers of the group with nothing pending and silent for a day (old worker names)."""
        removed = 0
        for consumer in self.redis.xinfo_consumers(self.keys.stream, self.keys.group):
            name = consumer["name"]
            if consumer["pending"] == 0 and consumer["idle"] > FORGET_CONSUMER_MS and name != self.name.encode():
                self.redis.xgroup_delconsumer(self.keys.stream, self.keys.group, name)
                removed += 1
        return removed
