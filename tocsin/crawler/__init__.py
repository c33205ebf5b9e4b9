"""The crawler: Scrapy spiders for news feeds, sitemaps, Telegram channel previews, listing pages and
JSON endpoints, whose items go into the store.

    from tocsin.crawler import crawl_sources, recheck_flagged
    results = crawl_sources(settings)            # one CrawlResult per source

Each crawl runs the real Scrapy engine in a subprocess (``python -m tocsin.crawler.run``). Importing
this package does not import Scrapy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tocsin.crawler.runner import CrawlResult, crawl_sources, recheck_flagged

__all__ = ["CrawlResult", "crawl_sources", "recheck_flagged"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from tocsin.crawler import runner

        return getattr(runner, name)
    raise AttributeError(name)
