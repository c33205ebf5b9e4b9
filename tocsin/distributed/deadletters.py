"""The dead-letter stream: entries no worker could take (unreadable, rejected by the store, failing on their
own when their batch was done again entry by entry, or delivered ``max_deliveries`` times to workers that
died). Kept whole, with the reason, until requeued or until the retention job trims those older than
``retention.retention_days`` (:func:`trim_dead`): they hold raw author names and raw pages."""

from __future__ import annotations

import json
import logging
from typing import Any

from tocsin.config import Settings
from tocsin.distributed.connection import Keys

logger = logging.getLogger(__name__)

#: Fields the dead-letter stream adds to an entry; removed again when it is requeued.
DEAD_FIELDS = (b"reason", b"original_id", b"worker", b"at")


def streams(settings: Settings) -> list[Keys]:
    """The crawled-items stream and the analysed-items stream: each has its dead letters."""
    keys = Keys.of(settings)
    return [keys, keys.analysed()]


def redis_now_ms(redis: Any) -> int:
    """Redis's clock in milliseconds (``TIME``): the clock that gave the dead letters their ids."""
    seconds, microseconds = redis.time()
    return int(seconds) * 1000 + int(microseconds) // 1000


def entry_ms(entry_id: bytes | str) -> int:
    """When a stream entry was added, in milliseconds: the first part of its id."""
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    return int(text.partition("-")[0])


def age_text(seconds: float) -> str:
    """An age in the largest whole unit: ``40 s``, ``12 min``, ``5 h``, ``3 d``."""
    for unit, size in (("d", 86_400), ("h", 3_600), ("min", 60)):
        if seconds >= size:
            return f"{int(seconds // size)} {unit}"
    return f"{max(0, int(seconds))} s"


def list_dead(redis: Any, settings: Settings, limit: int = 50) -> list[dict[str, str]]:
    """The oldest ``limit`` dead letters of each stream: stream, id, age (since it was set aside, by Redis's
    clock), type, url (when readable) and reason."""
    now_ms = redis_now_ms(redis)
    out = []
    for keys in streams(settings):
        out.extend(dict(row, stream=keys.stream) for row in _list(redis, keys, limit, now_ms))
    return out


def _list(redis: Any, keys: Keys, limit: int, now_ms: int) -> list[dict[str, str]]:
    out = []
    for entry_id, fields in redis.xrange(keys.dead, count=limit):
        url = ""
        try:
            record = json.loads(fields.get(b"record", b"{}"))
            url = record.get("url", "") if isinstance(record, dict) else ""
        except ValueError:
            pass
        out.append({"id": entry_id.decode(), "age": age_text((now_ms - entry_ms(entry_id)) / 1000),
                    "type": fields.get(b"type", b"?").decode(errors="replace"), "url": url,
                    "reason": fields.get(b"reason", b"").decode(errors="replace")})
    return out


def expiry_id(redis: Any, max_age_s: float) -> str:
    """The stream id before which entries are older than ``max_age_s`` by Redis's clock."""
    return f"{max(0, redis_now_ms(redis) - int(max_age_s * 1000))}-0"


def trim_dead(redis: Any, settings: Settings, max_age_s: float) -> int:
    """Delete the dead letters set aside more than ``max_age_s`` ago (``XTRIM MINID``, exact); returns how many."""
    minid = expiry_id(redis, max_age_s)
    return sum(int(redis.xtrim(keys.dead, minid=minid, approximate=False)) for keys in streams(settings))


def count_old_dead(redis: Any, settings: Settings, max_age_s: float) -> int:
    """How many dead letters :func:`trim_dead` would delete now."""
    before = "(" + expiry_id(redis, max_age_s)
    return sum(count_range(redis, keys.dead, before) for keys in streams(settings))


def count_range(redis: Any, stream: str, before: str, page: int = 500) -> int:
    """How many entries of ``stream`` come before the id ``before`` (read page by page)."""
    counted, start = 0, "-"
    while True:
        batch = redis.xrange(stream, min=start, max=before, count=page)
        counted += len(batch)
        if len(batch) < page:
            return counted
        start = "(" + batch[-1][0].decode()


def requeue_dead(redis: Any, settings: Settings) -> int:
    """Move every dead letter back onto its stream (each in one MULTI: push, then delete); returns how many."""
    return sum(_requeue(redis, keys) for keys in streams(settings))


def _requeue(redis: Any, keys: Keys) -> int:
    moved = 0
    while True:
        batch = redis.xrange(keys.dead, count=500)
        if not batch:
            return moved
        for entry_id, fields in batch:
            original = {k: v for k, v in fields.items() if k not in DEAD_FIELDS}
            pipe = redis.pipeline(transaction=True)
            pipe.xadd(keys.stream, original)
            pipe.xdel(keys.dead, entry_id)
            pipe.execute()
            moved += 1
