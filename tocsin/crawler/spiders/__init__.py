"""One spider per discovery method, each configured from a source in the config."""

from __future__ import annotations

from tocsin.crawler.spiders.base import SourceSpider
from tocsin.crawler.spiders.feed import FeedSpider
from tocsin.crawler.spiders.json_endpoint import JsonSpider
from tocsin.crawler.spiders.listing import ListingSpider
from tocsin.crawler.spiders.recheck import RecheckSpider
from tocsin.crawler.spiders.sitemap import SitemapSpider
from tocsin.crawler.spiders.telegram import TelegramSpider

#: The spider for each source ``kind``.
SPIDERS: dict[str, type[SourceSpider]] = {
    "feed": FeedSpider, "sitemap": SitemapSpider, "telegram": TelegramSpider, "listing": ListingSpider, "json": JsonSpider,
}

__all__ = ["SPIDERS", "FeedSpider", "JsonSpider", "ListingSpider", "RecheckSpider", "SitemapSpider", "SourceSpider", "TelegramSpider"]
