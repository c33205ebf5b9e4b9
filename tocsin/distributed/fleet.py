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


class LeaseKeeper:
    """Renews leases from a background thread while a crawl runs (``with LeaseKeeper(fleet, names):``)."""

    def __init__(self, fleet: CrawlFleet, names: list[str], every_s: float = RENEW_EVERY_S):
        self.fleet, self.names, self.every_s = fleet, names, every_s
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.loop, name="lease-keeper", daemon=True)

    def loop(self) -> None:
        while not self.done.wait(self.every_s):
            try:
                self.fleet.renew(self.names)
            except Exception as e:  # a missed renewal only risks a second crawler taking over
                logger.warning("could not renew crawl leases: %s", e)

    def __enter__(self) -> "LeaseKeeper":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.done.set()
        self.thread.join(5)


def run_crawler(settings: Settings, names: list[str] | None = None, *, once: bool = False, parallel: int = 4,
                report: Callable[[str], Any] = logger.info) -> dict[str, int]:
    """``tocsin worker crawl``: take due sources (up to ``parallel`` at once), crawl them into the stream,
    record the outcome; until SIGTERM, or until nothing is due with ``once``."""
    from tocsin.crawler import crawl_sources
    from tocsin.distributed.connection import connect_redis
    from tocsin.distributed.heartbeat import Heartbeat, node_name

    redis = connect_redis(settings)
    owner = node_name("crawl")
    fleet = CrawlFleet(settings, redis, owner)
    heartbeat = Heartbeat(redis, fleet.keys, owner, "crawl", settings.distributed.heartbeat_s)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    totals = {"crawls": 0, "pushed": 0}
    while not stopping.is_set():
        taken = fleet.take(fleet.due(names), parallel)
        if not taken:
            if once:
                break
            heartbeat.beat("waiting for a due source", totals)
            stopping.wait(min(settings.daemon.tick_seconds, settings.distributed.heartbeat_s))
            continue
        heartbeat.beat("crawling " + ", ".join(taken), totals, force=True)
        try:
            with LeaseKeeper(fleet, taken):
                results = crawl_sources(settings, taken, timeout_s=settings.crawl.crawl_timeout_s)
        except BaseException:
            for name in taken:
                fleet.finish(name, {"status": "failed", "message": "the crawler stopped"})
            raise
        for r in results:
            fleet.finish(r.source, {"status": r.status, "pages": r.pages, "items": r.items, "errors": r.errors})
            report(f"{r.source}: {r.status}, {r.pages} pages, {r.items} items pushed, {r.errors} errors")
            totals["crawls"] += 1
            totals["pushed"] += r.items
        for name in set(taken) - {r.source for r in results}:
            fleet.finish(name, {"status": "failed", "message": "no result from the crawl process"})
    heartbeat.beat("stopped", totals, force=True)
    return totals
