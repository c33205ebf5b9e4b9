"""Sharing the sources between crawler processes on any number of machines.

Each source is crawled by one process at a time (a lease in Redis, renewed while the crawl runs), once
per ``interval_minutes`` fleet-wide. One process per source keeps the per-domain politeness limits true
however many machines crawl; more machines means more sources crawled at once. A crawler that dies
stops renewing its lease: after ``LEASE_S`` another process takes the source and resumes the request
queue it left in Redis (scrapy-redis keeps it).
"""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from typing import Any, Callable

from tocsin.config import Settings
from tocsin.distributed.connection import Keys

logger = logging.getLogger(__name__)

#: A lease not renewed for this long is free again (the crawler holding it died).
LEASE_S = 60
RENEW_EVERY_S = 15

# KEYS[1]: lease; ARGV[1]: owner, ARGV[2]: seconds. Renew only one's own lease.
RENEW_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
# KEYS[1]: lease; ARGV[1]: owner. Release only one's own lease.
RELEASE_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class CrawlFleet:
    """Leases and last-crawl times of the sources, shared through Redis.

    :param settings: the sources and ``[distributed]``.
    :param redis: the client.
    :param owner: this process's name (in leases and in ``tocsin status``).
    """

    def __init__(self, settings: Settings, redis: Any, owner: str):
        self.settings, self.redis, self.owner = settings, redis, owner
        self.keys = Keys.of(settings)
        self.renew_script = redis.register_script(RENEW_SCRIPT)
        self.release_script = redis.register_script(RELEASE_SCRIPT)

    def last_crawls(self) -> dict[str, dict[str, Any]]:
        """Per source: when it was last crawled by any process, by whom, with what outcome."""
        out = {}
        for name, raw in self.redis.hgetall(self.keys.crawls).items():
            try:
                out[name.decode()] = json.loads(raw)
            except ValueError:
                continue
        return out

    def due(self, names: list[str] | None = None, now: float | None = None) -> list[str]:
        """Enabled sources (or those named) whose interval has passed since their last crawl, most overdue first."""
        now = time.time() if now is None else now
        last = self.last_crawls()
        wanted = [s for s in self.settings.enabled_sources() if not names or s.name in names]
        overdue = [(now - last.get(s.name, {}).get("at", 0) - s.interval_minutes * 60, s.name) for s in wanted]
        return [name for lateness, name in sorted(overdue, reverse=True) if lateness >= 0]

    def take(self, names: list[str], limit: int) -> list[str]:
        """Lease up to ``limit`` of ``names`` for this process; returns those taken."""
        taken = []
        for name in names:
            if len(taken) >= limit:
                break
            if self.redis.set(self.keys.lease(name), self.owner, nx=True, ex=LEASE_S):
                self.forget_seen_requests(name)
                taken.append(name)
        return taken

    def forget_seen_requests(self, name: str) -> int:
        """Start a new round of ``name``: clear its duplicate filters (requests queued by a crawler that died
        stay queued and are resumed)."""
        pattern = self.keys.dupefilter_pattern % {"spider": f"{name}:*"}
        stale = list(self.redis.scan_iter(match=pattern, count=100))
        if stale:
            self.redis.delete(*stale)
        return len(stale)

    def renew(self, names: list[str]) -> None:
        for name in names:
            self.renew_script(keys=[self.keys.lease(name)], args=[self.owner, LEASE_S])

    def finish(self, name: str, outcome: dict[str, Any]) -> None:
        """Record the crawl of ``name`` (so no process crawls it again before its interval) and release it."""
        record = {"at": time.time(), "by": self.owner, **outcome}
        self.redis.hset(self.keys.crawls, name, json.dumps(record, ensure_ascii=False))
        self.release_script(keys=[self.keys.lease(name)], args=[self.owner])

    def holders(self) -> dict[str, str]:
        """Sources being crawled now, and by whom."""
        out = {}
        for s in self.settings.sources:
            owner = self.redis.get(self.keys.lease(s.name))
            if owner:
                out[s.name] = owner.decode(errors="replace")
        return out


class Repeating:
    """Calls ``action`` every ``every_s`` seconds from a background thread while a block runs
    (``with Repeating(action, 15, "renew crawl leases"):``); a failure is logged, never raised."""

    def __init__(self, action: Callable[[], Any], every_s: float, what: str):
        self.action, self.every_s, self.what = action, every_s, what
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.loop, name=what, daemon=True)

    def loop(self) -> None:
        while not self.done.wait(self.every_s):
            try:
                self.action()
            except Exception as e:  # a missed renewal or heartbeat must not stop the crawl
                logger.warning("could not %s: %s", self.what, e)

    def __enter__(self) -> "Repeating":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.done.set()
        self.thread.join(5)


class LeaseKeeper(Repeating):
    """Renews leases while a crawl runs (``with LeaseKeeper(fleet, names):``); a missed renewal only risks a
    second crawler taking over."""

    def __init__(self, fleet: CrawlFleet, names: list[str], every_s: float = RENEW_EVERY_S):
        super().__init__(lambda: fleet.renew(names), every_s, "renew crawl leases")


class FleetCrawler:
    """One ``tocsin worker crawl`` process: takes due sources, crawls them and records how each went.

    :param sleep: waits between looks for due sources and after a failure (returns early once stopped).
    """

    def __init__(self, settings: Settings, redis: Any, *, names: list[str] | None, parallel: int,
                 report: Callable[[str], Any], sleep: Callable[[float], Any], patience_s: float | None = None):
        from tocsin.distributed.connection import Backoff
        from tocsin.distributed.heartbeat import Heartbeat, node_name

        self.settings, self.names, self.parallel, self.report, self.sleep = settings, names, parallel, report, sleep
        self.fleet = CrawlFleet(settings, redis, node_name("crawl"))
        self.heartbeat = Heartbeat(redis, self.fleet.keys, self.fleet.owner, "crawl", settings.distributed.heartbeat_s)
        self.backoff = Backoff(patience_s)
        self.totals = {"crawls": 0, "pushed": 0}
        #: Crawls done whose outcome Redis has not taken yet: source -> outcome.
        self.unrecorded: dict[str, dict[str, Any]] = {}

    def crawl_due(self) -> bool:
        """Record outcomes Redis did not take before, then crawl the due sources (up to ``parallel``) and
        record theirs; False when none was due. Raises what Redis raised (the outcomes wait meanwhile)."""
        self.record_outcomes()
        taken = self.fleet.take(self.fleet.due(self.names), self.parallel)
        if not taken:
            return False
        results = self.crawl(taken)
        for r in results:
            self.unrecorded[r.source] = {"status": r.status, "pages": r.pages, "items": r.items, "errors": r.errors}
            self.report(f"{r.source}: {r.status}, {r.pages} pages, {r.items} items pushed, {r.errors} errors")
            self.totals["crawls"] += 1
            self.totals["pushed"] += r.items
        for name in set(taken) - {r.source for r in results}:
            self.unrecorded[name] = {"status": "failed", "message": "no result from the crawl process"}
        self.record_outcomes()
        return True

    def crawl(self, taken: list[str]) -> list[Any]:
        """Crawl ``taken`` while keeping their leases and reporting this process every ``heartbeat_s``."""
        from tocsin.crawler import crawl_sources

        state = "crawling " + ", ".join(taken)
        self.heartbeat.beat(state, self.totals, force=True)
        beating = Repeating(lambda: self.heartbeat.beat(state, self.totals, force=True),
                            self.settings.distributed.heartbeat_s, "report the crawl")
        try:
            with LeaseKeeper(self.fleet, taken), beating:
                return crawl_sources(self.settings, taken, timeout_s=self.settings.crawl.crawl_timeout_s)
        except BaseException:
            self.unrecorded.update({name: {"status": "failed", "message": "the crawler stopped"} for name in taken})
            raise

    def record_outcomes(self) -> None:
        """Record each crawl not recorded yet (so no crawler does it again before its interval) and release
        its lease; what Redis does not take stays for the next try."""
        for name, outcome in list(self.unrecorded.items()):
            self.fleet.finish(name, outcome)
            del self.unrecorded[name]

    def back_off(self, error: Exception) -> None:
        """Log what failed in Redis and how to fix it, then wait, longer after each failure in a row."""
        from tocsin.distributed.connection import redis_problem

        problem = redis_problem(self.settings.distributed.redis_url, error)
        pause = self.backoff.next_pause(problem)
        logger.error("crawler %s: %s; trying again in %.0f s", self.fleet.owner, problem, pause)
        self.heartbeat.beat(f"error: {problem[:200]}", self.totals, force=True)
        self.sleep(pause)

    def wait(self) -> None:
        """Nothing due: report so, and look again after a while."""
        self.heartbeat.beat("waiting for a due source", self.totals)
        self.sleep(min(self.settings.daemon.tick_seconds, self.settings.distributed.heartbeat_s))

    def run(self, stopping: threading.Event, once: bool) -> None:
        """Crawl due sources until ``stopping`` is set, or until nothing is due with ``once``; while Redis
        fails, :meth:`back_off` and try again."""
        from redis import RedisError

        while not stopping.is_set():
            try:
                crawled = self.crawl_due()
            except RedisError as e:  # Redis down, restarting or full: retry later, never crash-loop
                self.back_off(e)
                continue
            self.backoff.reset()
            if not crawled:
                if once:
                    break
                self.wait()

    def stop(self) -> None:
        """Try once more to record what is not recorded yet, and report this process stopped."""
        from redis import RedisError

        try:
            self.record_outcomes()
        except RedisError as e:
            logger.error("crawler %s: the outcome of %s is not recorded (%s); its lease expires in %d s",
                         self.fleet.owner, ", ".join(self.unrecorded), e, LEASE_S)
        self.heartbeat.beat("stopped", self.totals, force=True)


def run_crawler(settings: Settings, names: list[str] | None = None, *, once: bool = False, parallel: int = 4,
                report: Callable[[str], Any] = logger.info, sleep: Callable[[float], Any] | None = None,
                give_up_after_s: float | None = None) -> dict[str, int]:
    """``tocsin worker crawl``: take due sources (up to ``parallel`` at once), crawl them into the stream,
    record the outcome; until SIGTERM, or until nothing is due with ``once``. While Redis cannot be reached
    (at start too) or fails, it logs the problem and its fix and tries again with backoff.

    :param sleep: waits (default: until SIGTERM, at most the time given).
    :param give_up_after_s: with ``once``, raise :class:`~tocsin.distributed.connection.GaveUp` once Redis
        has failed for this long in a row (default: wait as long as it takes).
    """
    from tocsin.distributed.connection import wait_for_redis

    stopping = threading.Event()
    previous_handler = signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    sleep = sleep or stopping.wait
    try:
        patience_s = give_up_after_s if once else None
        redis = wait_for_redis(settings, stopped=stopping.is_set, sleep=sleep, patience_s=patience_s)
        if redis is None:
            return {"crawls": 0, "pushed": 0}
        crawler = FleetCrawler(settings, redis, names=names, parallel=parallel, report=report, sleep=sleep,
                               patience_s=patience_s)
        try:
            crawler.run(stopping, once)
        finally:
            crawler.stop()
        return crawler.totals
    finally:
        signal.signal(signal.SIGTERM, previous_handler)
