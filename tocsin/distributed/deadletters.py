"""The dead-letter stream: entries no worker could take (unreadable, rejected by the store, failing on their
own when their batch was done again entry by entry, or delivered ``max_deliveries`` times to workers that
died). Kept whole, with the reason, until requeued or until the retention job trims those older than
``retention.retention_days`` (:func:`trim_dead`): they hold raw author names and raw pages.

An entry's age counts from its first failure, by Redis's clock: the id of the dead letter made when it first
died, kept in :data:`FIRST_DEAD_FIELD` when it is requeued (or cleaned by an erasure) and so added again with
a new id. An entry that dies again after a requeue keeps that time, so it is shown as old as it is and trimmed
``retention_days`` after it first died, not after it last died."""

from __future__ import annotations

import json
import logging
from typing import Any, Iterator

from tocsin.config import Settings
from tocsin.distributed.connection import Keys

logger = logging.getLogger(__name__)

#: Fields the dead-letter stream adds to an entry; removed again when it is requeued.
DEAD_FIELDS = (b"reason", b"original_id", b"worker", b"at")
#: When the entry first died (milliseconds, Redis's clock); set when a dead letter is requeued and carried from
#: then on, through the stream and any later death. Absent: the dead letter's id is its first failure.
FIRST_DEAD_FIELD = b"first_dead_at"


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


def first_dead_ms(entry_id: bytes | str, fields: dict[bytes, bytes]) -> int:
    """When a dead letter first died, in milliseconds: its :data:`FIRST_DEAD_FIELD`, or else its id. Never
    later than its id (an unreadable or future value is ignored), so it cannot keep an entry longer."""
    added = entry_ms(entry_id)
    try:
        return min(added, int(fields.get(FIRST_DEAD_FIELD, b"")))
    except ValueError:
        return added


def keep_first_failure(entry_id: bytes | str, fields: dict[bytes, bytes]) -> dict[bytes, bytes]:
    """``fields`` of the dead letter ``entry_id``, with its first failure written in, for adding it again under a
    new id (requeued, or cleaned by an erasure)."""
    return {**fields, FIRST_DEAD_FIELD: str(first_dead_ms(entry_id, fields)).encode()}


def age_text(seconds: float) -> str:
    """An age in the largest whole unit: ``40 s``, ``12 min``, ``5 h``, ``3 d``."""
    for unit, size in (("d", 86_400), ("h", 3_600), ("min", 60)):
        if seconds >= size:
            return f"{int(seconds // size)} {unit}"
    return f"{max(0, int(seconds))} s"


def list_dead(redis: Any, settings: Settings, limit: int = 50) -> list[dict[str, str]]:
    """The first ``limit`` dead letters of each stream: stream, id, age (since it first died, by Redis's clock,
    see :func:`first_dead_ms`), type, url (when readable) and reason."""
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
        out.append({"id": entry_id.decode(), "age": age_text((now_ms - first_dead_ms(entry_id, fields)) / 1000),
                    "type": fields.get(b"type", b"?").decode(errors="replace"), "url": url,
                    "reason": fields.get(b"reason", b"").decode(errors="replace")})
    return out


def expiry_ms(redis: Any, max_age_s: float) -> int:
    """The time (milliseconds, Redis's clock) before which a first failure is older than ``max_age_s``."""
    return max(0, redis_now_ms(redis) - int(max_age_s * 1000))


#: Dead letters read at once when looking for old ones: each may hold a raw page of up to
#: ``crawl.max_page_bytes``, so a page of them is bounded in entries, not bytes.
DEAD_PAGE = 20


def old_dead_ids(redis: Any, stream: str, before_ms: int, page: int = DEAD_PAGE, start: str = "-") -> Iterator[list[bytes]]:
    """The ids of the dead letters of ``stream`` from ``start`` on that first died before ``before_ms``, page by
    page.

    The stream's order is the order of the last deaths, not the first: a requeued entry that died again has a new
    id but an old first failure. So every entry is read (``XRANGE``, ``page`` at a time) and its
    :func:`first_dead_ms` compared."""
    while True:
        batch = redis.xrange(stream, min=start, max="+", count=page)
        old = [entry_id for entry_id, fields in batch if first_dead_ms(entry_id, fields) < before_ms]
        if old:
            yield old
        if len(batch) < page:
            return
        start = "(" + batch[-1][0].decode()


def trim_dead(redis: Any, settings: Settings, max_age_s: float) -> int:
    """Delete the dead letters that first died more than ``max_age_s`` ago; returns how many.

    Those whose id is older go by ``XTRIM MINID`` without being read (an entry first died no later than its
    id); of the rest, the requeued ones that died again with an old first failure by ``XDEL`` (see
    :func:`old_dead_ids`)."""
    before = expiry_ms(redis, max_age_s)
    trimmed = 0
    for keys in streams(settings):
        trimmed += int(redis.xtrim(keys.dead, minid=before, approximate=False))
        trimmed += sum(int(redis.xdel(keys.dead, *ids)) for ids in old_dead_ids(redis, keys.dead, before, start=str(before)))
    return trimmed


def count_old_dead(redis: Any, settings: Settings, max_age_s: float) -> int:
    """How many dead letters :func:`trim_dead` would delete now."""
    before = expiry_ms(redis, max_age_s)
    return sum(len(ids) for keys in streams(settings) for ids in old_dead_ids(redis, keys.dead, before))


def requeue_dead(redis: Any, settings: Settings) -> int:
    """Move every dead letter back onto its stream (each in one MULTI: push, then delete), with the time it
    first died (:func:`keep_first_failure`); returns how many."""
    return sum(_requeue(redis, keys) for keys in streams(settings))


def _requeue(redis: Any, keys: Keys) -> int:
    moved = 0
    while True:
        batch = redis.xrange(keys.dead, count=500)
        if not batch:
            return moved
        for entry_id, fields in batch:
            original = {k: v for k, v in keep_first_failure(entry_id, fields).items() if k not in DEAD_FIELDS}
            pipe = redis.pipeline(transaction=True)
            pipe.xadd(keys.stream, original)
            pipe.xdel(keys.dead, entry_id)
            pipe.execute()
            moved += 1
