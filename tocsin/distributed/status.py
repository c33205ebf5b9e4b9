"""What ``tocsin status`` shows of distributed mode: the stream, pending entries, request queues, workers."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from tocsin.config import Settings
from tocsin.distributed.connection import DistributedError, Keys, connect_redis, is_distributed, masked_url
from tocsin.distributed.deadletters import entry_ms, redis_now_ms
from tocsin.distributed.fleet import CrawlFleet
from tocsin.distributed.heartbeat import read_heartbeats

logger = logging.getLogger(__name__)

#: A worker is "seen recently" when its last heartbeat is younger than this many heartbeat periods.
RECENT_HEARTBEATS = 3


@dataclass
class QueueStatus:
    """The state of the stream, its group and the crawlers' request queues."""

    stream: str
    entries: int = 0              # waiting + pending (acknowledged entries are deleted)
    pending: int = 0              # delivered to a worker, not yet acknowledged
    oldest_waiting_s: float = 0.0  # since the oldest entry no worker has taken was pushed (its id, Redis's clock)
    oldest_pending_s: float = 0.0  # since the oldest pending entry was pushed
    pending_idle_s: float = 0.0    # since the oldest pending entry was last delivered (what claim_idle_s measures)
    consumers: int = 0
    dead: int = 0
    request_queues: dict[str, int] = field(default_factory=dict)
    workers: list[dict[str, Any]] = field(default_factory=list)
    crawls: dict[str, dict[str, Any]] = field(default_factory=dict)   # source -> last crawl
    crawling: dict[str, str] = field(default_factory=dict)            # source -> crawler holding it
    analysed: "QueueStatus | None" = None                             # <stream>:analysed, when used

    @property
    def waiting(self) -> int:
        return max(0, self.entries - self.pending)


def stream_status(redis: Any, keys: Keys) -> QueueStatus:
    """One stream: its length, its group's pending entries and consumers, its dead letters, and how long ago
    its oldest waiting and oldest pending entries were pushed."""
    import redis as redis_lib

    status = QueueStatus(stream=keys.stream, entries=int(redis.xlen(keys.stream)), dead=int(redis.xlen(keys.dead)))
    now_ms = redis_now_ms(redis)
    try:
        groups = redis.xinfo_groups(keys.stream)
    except redis_lib.ResponseError:  # no stream yet
        groups = []
    last_delivered: bytes | str = "0-0"
    for group in groups:
        if group["name"] in (keys.group, keys.group.encode()):
            status.pending = int(group["pending"])
            status.consumers = int(group["consumers"])
            last_delivered = group["last-delivered-id"]
    if status.pending:
        summary = redis.xpending_range(keys.stream, keys.group, min="-", max="+", count=1)
        if summary:
            status.oldest_pending_s = age_s(summary[0]["message_id"], now_ms)
            status.pending_idle_s = int(summary[0]["time_since_delivered"]) / 1000
    oldest_waiting = redis.xrange(keys.stream, min=next_id(last_delivered), max="+", count=1)
    if oldest_waiting:
        status.oldest_waiting_s = age_s(oldest_waiting[0][0], now_ms)
    return status


def age_s(entry_id: bytes | str, now_ms: int) -> float:
    """Seconds since the entry ``entry_id`` was pushed: its id starts with Redis's clock then, in milliseconds."""
    return max(0.0, (now_ms - entry_ms(entry_id)) / 1000)


def next_id(entry_id: bytes | str) -> str:
    """The smallest stream id after ``entry_id``: the group has delivered every entry up to ``entry_id``, so
    the entries from this one on wait for a worker."""
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    milliseconds, _, sequence = text.partition("-")
    return f"{milliseconds}-{int(sequence or 0) + 1}"


def queue_status(redis: Any, settings: Settings) -> QueueStatus:
    """Read the stream, group, dead letters, request queues and heartbeats (read only)."""
    keys = Keys.of(settings)
    status = stream_status(redis, keys)
    analysed = stream_status(redis, keys.analysed())
    if analysed.entries or analysed.consumers or analysed.dead:
        status.analysed = analysed
    prefix = keys.requests_pattern.split("%(spider)s")[0]
    for key in redis.scan_iter(match=f"{prefix}*", count=500):
        name = key.decode(errors="replace") if isinstance(key, bytes) else key
        status.request_queues[name[len(prefix):]] = int(redis.zcard(key))
    recent = settings.distributed.heartbeat_s * RECENT_HEARTBEATS
    status.workers = [h for h in read_heartbeats(redis, keys) if h["age_s"] <= recent]
    fleet = CrawlFleet(settings, redis, owner="status")
    status.crawls, status.crawling = fleet.last_crawls(), fleet.holders()
    return status


def status_lines(settings: Settings) -> list[str]:
    """Lines for ``tocsin status``; empty on one machine. Never raises: an unreachable Redis is a line."""
    return read_status(settings)[0]


def read_status(settings: Settings) -> tuple[list[str], bool]:
    """:func:`status_lines`, and whether all is well: Redis answered and there is nothing to warn about
    (:func:`stream_warnings`); False on one machine too."""
    if not is_distributed(settings):
        return [], False
    url = masked_url(settings.distributed.redis_url)
    try:
        redis = connect_redis(settings)
        status = queue_status(redis, settings)
    except DistributedError as e:
        return [f"distributed: {e}"], False
    except Exception as e:  # status must always print
        return [f"distributed: cannot read Redis at {url} ({e})"], False
    claim_idle_s = settings.distributed.claim_idle_s
    warned = any(stream_warnings(stream, start, claim_idle_s) for _, stream, start in labelled_streams(status))
    return format_status(status, url, settings), not warned


def labelled_streams(status: QueueStatus) -> list[tuple[str, QueueStatus, str]]:
    """The crawled stream, and the analysed one when it is used: each with its label and the command that reads it."""
    streams = [("stream", status, "tocsin worker analyse"), ("analysed", status.analysed, "tocsin worker store")]
    return [(label, stream, start) for label, stream, start in streams if stream is not None]


def stream_warnings(stream: QueueStatus, start: str, claim_idle_s: int) -> list[str]:
    """What needs someone's attention in one stream: an entry no worker has taken for longer than
    ``claim_idle_s`` (no worker running, or too few), or one pending on a silent worker that long."""
    warnings = []
    if stream.oldest_waiting_s > claim_idle_s:
        warnings.append(f"the oldest entry of {stream.stream} has waited {stream.oldest_waiting_s:.0f} s for a worker, longer "
                        f"than claim_idle_s ({claim_idle_s} s): is any worker running? start '{start}' (or more of them "
                        "if they are all busy)")
    if stream.pending_idle_s > claim_idle_s:
        warnings.append(f"{stream.stream} has entries pending longer than claim_idle_s ({claim_idle_s} s): "
                        f"is any worker running? start '{start}'")
    return warnings


def format_status(status: QueueStatus, url: str, settings: Settings) -> list[str]:
    """Human lines for a :class:`QueueStatus`."""
    lines = [f"distributed: Redis {url}, stream {status.stream}, group {settings.distributed.group}"]
    for label, stream, start in labelled_streams(status):
        ages = [f"oldest {kind} {age:.0f} s" for kind, count, age in (
            ("waiting", stream.waiting, stream.oldest_waiting_s), ("pending", stream.pending, stream.oldest_pending_s)) if count]
        lines.append(f"  {label}: {stream.waiting} waiting, {stream.pending} pending on {stream.consumers} consumers"
                     + (f"; {', '.join(ages)}" if ages else ""))
        lines.extend(f"  warning: {text}" for text in stream_warnings(stream, start, settings.distributed.claim_idle_s))
        if stream.dead:
            lines.append(f"  dead letters of {stream.stream}: {stream.dead} (list them with 'tocsin worker dead')")
    queued = {k: v for k, v in status.request_queues.items() if v}
    if queued:
        lines.append("  request queues: " + ", ".join(f"{k} {v}" for k, v in sorted(queued.items())))
    else:
        lines.append("  request queues: empty")
    if status.crawls or status.crawling:
        failed = sorted(name for name, c in status.crawls.items() if c.get("status") == "failed")
        newest = max((c.get("at", 0) for c in status.crawls.values()), default=0)
        line = f"  crawls: {len(status.crawls)} sources crawled"
        if newest:
            line += f", newest {time.time() - newest:.0f} s ago"
        if status.crawling:
            line += "; now: " + ", ".join(f"{k} ({v})" for k, v in sorted(status.crawling.items()))
        if failed:
            line += "; failed last time: " + ", ".join(failed)
        lines.append(line)
    recent = settings.distributed.heartbeat_s * RECENT_HEARTBEATS
    lines.append(f"  workers seen in the last {recent} s: {len(status.workers)}")
    for w in status.workers:
        counts = ", ".join(f"{k} {w[k]}" for k in ("pushed", "skipped", "lost", "stored", "erased", "analysed", "flagged",
                                                    "failed", "dead", "claimed") if w.get(k))
        memory = f", {w['peak_rss_mb']} MB" if w.get("peak_rss_mb") else ""
        lines.append(f"    {w['name']} [{w.get('role', '?')}] {w.get('state', '?')}, {w['age_s']:.0f} s ago{memory}"
                     + (f"; {counts}" if counts else ""))
    return lines
