"""Heartbeats: every worker and crawler reports itself in one Redis hash, so ``tocsin status`` can list
who is alive, what each is doing and how much it did."""

from __future__ import annotations

import json
import logging
import os
import resource
import socket
import time
from typing import Any

from tocsin.distributed.connection import Keys

logger = logging.getLogger(__name__)

#: Heartbeats older than this are removed by the next worker that starts.
FORGET_AFTER_S = 24 * 3600


def node_name(role: str, suffix: str = "") -> str:
    """A name unique on this network: ``role@host/pid`` (plus ``suffix``)."""
    name = f"{role}@{socket.gethostname()}/{os.getpid()}"
    return f"{name}/{suffix}" if suffix else name


class Heartbeat:
    """Writes ``name -> {role, host, pid, state, counters, started, at}`` at most every ``every_s`` seconds.

    :param redis: the client.
    :param keys: the key names.
    :param name: this process's name (see :func:`node_name`).
    :param role: ``analyse``, ``store`` or ``crawl``.
    """

    def __init__(self, redis: Any, keys: Keys, name: str, role: str, every_s: float):
        self.redis, self.keys, self.name, self.role, self.every_s = redis, keys, name, role, every_s
        self.started = time.time()
        self.last = 0.0

    def beat(self, state: str, counters: dict[str, Any] | None = None, *, force: bool = False) -> bool:
        """Report ``state`` and ``counters``; returns whether it wrote. A Redis error is logged, not raised."""
        now = time.time()
        if not force and now - self.last < self.every_s:
            return False
        self.last = now
        value = {"role": self.role, "host": socket.gethostname(), "pid": os.getpid(), "state": state,
                 "started": round(self.started, 3), "at": round(now, 3),
                 "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024), **(counters or {})}
        try:
            self.redis.hset(self.keys.workers, self.name, json.dumps(value, ensure_ascii=False))
        except Exception as e:  # a heartbeat must never stop the work it reports on
            logger.warning("heartbeat to Redis failed: %s", e)
            return False
        return True


def read_heartbeats(redis: Any, keys: Keys) -> list[dict[str, Any]]:
    """Every heartbeat, newest first, each with ``name`` and ``age_s``."""
    now = time.time()
    out = []
    for name, raw in redis.hgetall(keys.workers).items():
        try:
            value = json.loads(raw)
        except (ValueError, TypeError):
            continue
        value["name"] = name.decode(errors="replace") if isinstance(name, bytes) else name
        value["age_s"] = max(0.0, now - float(value.get("at", 0)))
        out.append(value)
    return sorted(out, key=lambda v: v["age_s"])


def forget_old_heartbeats(redis: Any, keys: Keys, older_than_s: float = FORGET_AFTER_S) -> int:
    """Remove heartbeats not renewed for ``older_than_s``; returns how many."""
    old = [h["name"] for h in read_heartbeats(redis, keys) if h["age_s"] > older_than_s]
    if old:
        redis.hdel(keys.workers, *old)
    return len(old)
