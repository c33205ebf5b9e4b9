"""Scrapy settings of a distributed crawl. Imports neither scrapy nor redis.

Hook for the crawler's Scrapy settings: ``values.update(scrapy_overrides(settings))`` (an empty dict on
one machine).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from tocsin.config import DistributedSettings, Settings
from tocsin.distributed.connection import Keys, is_distributed, require_package

#: Scrapy setting that carries the ``[distributed]`` section into the crawl process.
SETTINGS_KEY = "TOCSIN_DISTRIBUTED"


def scrapy_overrides(settings: Settings) -> dict[str, Any]:
    """Scrapy settings that make a crawl distributed; ``{}`` when ``distributed.redis_url`` is empty.

    The scrapy-redis scheduler and duplicate filter (keyed per source), and :class:`StreamPipeline` in
    place of the store pipeline.
    """
    if not is_distributed(settings):
        return {}
    require_package("scrapy_redis")
    keys = Keys.of(settings)
    return {
        "SCHEDULER": "tocsin.distributed.crawling.SourceScheduler",
        "DUPEFILTER_CLASS": "tocsin.distributed.crawling.ExpiringDupeFilter",
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "SCHEDULER_QUEUE_KEY": keys.requests_pattern,
        "SCHEDULER_DUPEFILTER_KEY": keys.dupefilter_pattern,
        # Several processes share the queue: none may flush it when it finishes; the duplicate filter
        # expires instead (ExpiringDupeFilter), so the next round fetches pages again.
        "SCHEDULER_PERSIST": True,
        "REDIS_URL": settings.distributed.redis_url,
        "ITEM_PIPELINES": {"tocsin.distributed.crawling.StreamPipeline": 300},
        SETTINGS_KEY: dataclasses.asdict(settings.distributed),
    }


def distributed_settings_from(scrapy_settings: Any) -> DistributedSettings:
    """The ``[distributed]`` section carried in a crawl's Scrapy settings."""
    return DistributedSettings(**scrapy_settings.getdict(SETTINGS_KEY))


def source_key(spider: Any) -> str:
    """``<source>:<spider class>``: the request queue and duplicate filter a spider shares with the other
    processes crawling the same source the same way (a re-check of a source never takes a crawl's requests)."""
    name = getattr(spider, "source_name", None)
    if not (isinstance(name, str) and name):
        name = getattr(getattr(spider, "source", None), "name", None)
    if not (isinstance(name, str) and name):
        name = spider.name
    return f"{name}:{type(spider).__name__}"


