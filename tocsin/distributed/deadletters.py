"""The dead-letter stream: entries no worker could take (unreadable, rejected by the store, failing on their
own when their batch was done again entry by entry, or delivered ``max_deliveries`` times to workers that
died). Kept whole, with the reason, until requeued."""

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


def list_dead(redis: Any, settings: Settings, limit: int = 50) -> list[dict[str, str]]:
    """The oldest ``limit`` dead letters of each stream: stream, id, type, url (when readable) and reason."""
    out = []
    for keys in streams(settings):
        out.extend(dict(row, stream=keys.stream) for row in _list(redis, keys, limit))
    return out


def _list(redis: Any, keys: Keys, limit: int) -> list[dict[str, str]]:
    out = []
    for entry_id, fields in redis.xrange(keys.dead, count=limit):
        url = ""
        try:
            record = json.loads(fields.get(b"record", b"{}"))
            url = record.get("url", "") if isinstance(record, dict) else ""
        except ValueError:
            pass
        out.append({"id": entry_id.decode(), "type": fields.get(b"type", b"?").decode(errors="replace"), "url": url,
                    "reason": fields.get(b"reason", b"").decode(errors="replace")})
    return out


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
