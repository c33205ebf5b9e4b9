"""Claims shared by every crawler process: an article announced by a feed is fetched by one process only,
and never when the central store already has it (incremental crawling across machines).

The crawler's ledger asks ``item_id in claims`` and then ``claims.add(item_id)``; :class:`SharedClaims`
answers the first question atomically in Redis (test and set), so two processes never both win.

An article stored from its feed summary only (its page failed) is not "stored" for the first
:data:`~tocsin.crawler.ledger.REFETCH_SUMMARY_DAYS` days, as on one machine: the workers keep it apart
(:func:`summary_only_key`, with when it was first stored), and crawlers fetch its page again meanwhile.
"""

from __future__ import annotations

import logging
import os
import socket
from typing import Any, Iterable, Mapping

from tocsin.config import DistributedSettings
from tocsin.crawler.ledger import REFETCH_SUMMARY_DAYS
from tocsin.distributed.connection import Keys, connect_redis
from tocsin.distributed.fleet import RELEASE_SCRIPT

logger = logging.getLogger(__name__)

# KEYS[1]: the set of stored item ids, KEYS[2]: this item's claim, KEYS[3]: the summary-only items (score: when
# first stored, unix seconds); ARGV: member, owner, TTL, how long a summary-only item is fetched again (s).
# Returns 2: stored already, 1: claimed by another process, 0: claimed now by this one. A summary-only item
# past its time counts as stored from then on (moved to the stored set).
CLAIM_SCRIPT = """
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 2 end
local since = redis.call('ZSCORE', KEYS[3], ARGV[1])
if since and tonumber(since) < tonumber(redis.call('TIME')[1]) - tonumber(ARGV[4]) then
  redis.call('SADD', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[3], ARGV[1])
  return 2
end
if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'EX', ARGV[3]) then return 0 end
return 1
"""

#: How long an article stored from its feed summary only is fetched again, in seconds.
REFETCH_SUMMARY_S = REFETCH_SUMMARY_DAYS * 86_400


def stored_member(item_id: str) -> bytes:
    """The compact member of the stored-items set for ``item_id`` (16 bytes of its SHA-256 hex id)."""
    try:
        return bytes.fromhex(item_id[:32])
    except ValueError:
        return item_id.encode()


def summary_only_key(keys: Keys) -> str:
    """Sorted set of the items stored from their feed summary only (16-byte members, scored with when they
    were first stored): crawlers fetch them again for :data:`REFETCH_SUMMARY_S`."""
    return f"{keys.stored}:summary"


def remember_stored(pipe: Any, keys: Keys, item_ids: Iterable[str], summary_only: Mapping[str, float] | None = None) -> None:
    """Queue on a Redis pipeline what a worker tells the crawlers after its commit: the items stored with their
    text (``SADD``, no longer summary-only) and those stored from their feed summary only, with when they were
    first stored (``ZADD NX``: a failed fetch again keeps the first time).

    :param summary_only: item id -> unix time first stored; these are not added to the stored set.
    """
    members = [stored_member(i) for i in item_ids]
    if members:
        pipe.sadd(keys.stored, *members)
        pipe.zrem(summary_only_key(keys), *members)
    if summary_only:
        pipe.zadd(summary_only_key(keys), {stored_member(i): at for i, at in summary_only.items()}, nx=True)


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
        outcome = int(self.script(keys=[self.keys.stored, self.keys.claim(item_id), summary_only_key(self.keys)],
                                  args=[stored_member(item_id), self.owner, self.ttl_s, REFETCH_SUMMARY_S]))
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
