"""Distributed mode: many crawler processes and analysis workers on several machines, through Redis.

Crawlers share scrapy-redis request queues and duplicate filters and push items to a Redis stream;
workers read it through a consumer group and write the SQLite store. Off (and Redis never imported)
while ``distributed.redis_url`` is empty. See ``docs/scale-out.md``.
"""

from tocsin.distributed.connection import (DistributedError, Keys, RedisUnavailable, connect_redis, is_distributed,
                                           masked_url)
from tocsin.distributed.scrapy_settings import scrapy_overrides
from tocsin.distributed.status import status_lines

__all__ = ["DistributedError", "Keys", "RedisUnavailable", "connect_redis", "is_distributed", "masked_url",
           "scrapy_overrides", "status_lines"]
