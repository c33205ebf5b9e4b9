"""Claims shared by every crawler process: an article announced by a feed is fetched by one process only,
and never when the central store already has it (incremental crawling across machines).

The crawler's ledger asks ``item_id in claims`` and then ``claims.add(item_id)``; :class:`SharedClaims`
answers the first question atomically in Redis (test and set), so two processes never both win.
"""

from __future__ import annotations

import logging
import os
import socket
from typing import Any, Iterable

from tocsin.config import DistributedSettings
from tocsin.distributed.connection import Keys, connect_redis
from tocsin.distributed.fleet import RELEASE_SCRIPT

logger = logging.getLogger(__name__)

# KEYS[1]: the set of stored item ids, KEYS[2]: this item's claim; ARGV: member, owner, TTL.
# Returns 2: stored already, 1: claimed by another process, 0: claimed now by this one.
CLAIM_SCRIPT = """
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 2 end
if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'EX', ARGV[3]) then return 0 end
return 1
"""


def stored_member(item_id: str) -> bytes:
    """The compact member of the stored-items set for ``item_id`` (16 bytes of its SHA-256 hex id)."""
    try:
        return bytes.fromhex(item_id[:32])
    except ValueError:
        return item_id.encode()


def remember_stored(pipe: Any, keys: Keys, item_ids: Iterable[str]) -> None:
    """Queue ``SADD`` of stored item ids on a Redis pipeline (a worker does this after its commit)."""
    members = [stored_member(i) for i in item_ids]
    if members:
        pipe.sadd(keys.stored, *members)


class SharedClaims:
    """A set-like view of the claims of every crawler process (see the module docstring).

    ``item_id in claims`` is a test-and-set: False means "nobody had it, and now this process has it".
    """

    def __init__(self, redis: Any, dist: DistributedSettings):
        self.redis, self.keys, self.ttl_s = redis, Keys.of(dist), max(1, dist.dedupe_ttl_s)
        self.script = redis.register_script(CLAIM_SCRIPT)
        self.release_script = redis.register_script(RELEASE_SCRIPT)  # deletes a key only while it is ours
        self.owner = f"{socket.gethostname()}/{os.getpid()}"
        self.mine: set[str] = set()
        self.stats = {"claimed": 0, "taken": 0, "stored": 0}

    def __contains__(self, item_id: object) -> bool:
        if not isinstance(item_id, str):
            return False
        if item_id in self.mine:
            return True
        outcome = int(self.script(keys=[self.keys.stored, self.keys.claim(item_id)],
                                  args=[stored_member(item_id), self.owner, self.ttl_s]))
        if outcome == 0:
            self.mine.add(item_id)
            self.stats["claimed"] += 1
            return False
        self.stats["stored" if outcome == 2 else "taken"] += 1
        return True

    def add(self, item_id: str) -> None:
        self.mine.add(item_id)

    def discard(self, item_id: str) -> None:
        """Release this process's claim on ``item_id`` (its item was lost), so that any crawler may fetch it
        again; when Redis cannot be told, the claim expires after ``dedupe_ttl_s``."""
        from redis import RedisError

        self.mine.discard(item_id)
        try:
            self.release_script(keys=[self.keys.claim(item_id)], args=[self.owner])
        except (RedisError, OSError) as e:
            logger.warning("could not release the claim on item %s (%s); it expires within %d s", item_id, e, self.ttl_s)


def shared_claims(scrapy_overrides: dict[str, Any] | None) -> SharedClaims | None:
    """Shared claims for a crawl whose Scrapy overrides turn distributed mode on; None on one machine."""
    from tocsin.distributed.scrapy_settings import SETTINGS_KEY

    section = (scrapy_overrides or {}).get(SETTINGS_KEY)
    if not section or not section.get("redis_url"):
        return None
    dist = DistributedSettings(**section)
    return SharedClaims(connect_redis(dist), dist)
