"""Pushing to the stream: one entry per crawled item version, deduplicated between crawlers.

Entries stay in the stream until a worker has stored them and acknowledged them (then they are deleted).
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from tocsin.config import DistributedSettings
from tocsin.distributed.connection import Keys
from tocsin.distributed.records import Payload, encode_entry
from tocsin.store.items import ItemRecord, stored_content_hash

logger = logging.getLogger(__name__)

# KEYS[1]: the item version's "seen" marker, KEYS[2]: the stream; ARGV[1]: marker TTL (0: no dedupe),
# ARGV[2..]: the entry's field/value pairs. The marker is set only after XADD succeeded, so a failed
# push never hides an item.
PUSH_SCRIPT = """
local ttl = tonumber(ARGV[1])
if ttl > 0 and redis.call('EXISTS', KEYS[1]) == 1 then return false end
local id = redis.call('XADD', KEYS[2], '*', unpack(ARGV, 2))
if ttl > 0 then redis.call('SET', KEYS[1], '1', 'EX', ttl) end
return id
"""


def item_version_digest(record: ItemRecord) -> str:
    """One id per item version (item id and content hash, as the store computes it)."""
    digest = stored_content_hash(record.title, record.text)
    return hashlib.sha1(f"{record.id}\n{digest}".encode()).hexdigest()


class StreamPusher:
    """Pushes payloads to the stream, skipping an item version another crawler pushed within ``dedupe_ttl_s``.

    :param redis: the client.
    :param dist: the ``[distributed]`` settings.
    :param crawler: this crawler's name, written into each entry.
    """

    def __init__(self, redis: Any, dist: DistributedSettings, crawler: str = ""):
        self.redis, self.dist, self.crawler = redis, dist, crawler
        self.keys = Keys.of(dist)
        self.script = redis.register_script(PUSH_SCRIPT)
        self.pushed = 0
        self.skipped = 0

    def ensure_group(self) -> None:
        """Create the stream and its consumer group, reading from the start (entries wait for workers)."""
        ensure_group(self.redis, self.keys)

    def push(self, payload: Payload) -> bool:
        """Push one payload; False when the same item version was pushed recently (by any crawler).

        :raises redis.RedisError: Redis did not take it (nothing was pushed, or it was and the answer was lost:
            pushing it again then skips it); the caller keeps the item or counts it as lost.
        """
        if isinstance(payload, ItemRecord):
            marker, ttl = self.keys.seen(item_version_digest(payload)), self.dist.dedupe_ttl_s
        else:
            marker, ttl = self.keys.seen("mark"), 0
        args: list[Any] = [ttl]
        for name, value in encode_entry(payload, crawler=self.crawler).items():
            args.extend((name, value))
        entry_id = self.script(keys=[marker, self.keys.stream], args=args)
        if entry_id is None:
            self.skipped += 1
            return False
        self.pushed += 1
        return True

    def backlog(self) -> int:
        """Entries not stored yet: those of the stream (waiting for a worker) and of ``<stream>:analysed``
        (analysed by publishing workers, waiting for the writer). Stored entries are deleted."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.xlen(self.keys.stream)
        pipe.xlen(self.keys.analysed().stream)
        return sum(int(n) for n in pipe.execute())


def ensure_group(redis: Any, keys: Keys) -> None:
    """Create ``keys.stream`` and ``keys.group`` if missing (idempotent)."""
    import redis as redis_lib

    try:
        redis.xgroup_create(keys.stream, keys.group, id="0", mkstream=True)
    except redis_lib.ResponseError as e:
        if "BUSYGROUP" not in str(e):
            raise


def is_missing_group(error: BaseException) -> bool:
    """True for Redis's NOGROUP answer: the stream or its group is gone (Redis lost its data); :func:`ensure_group`
    makes them again."""
    import redis as redis_lib

    return isinstance(error, redis_lib.ResponseError) and str(error).startswith("NOGROUP")


