"""Crawl log lines that never carry an item's content: only its kind and URL.

Scrapy's default formatter prints whole items (raw author, title, text) when one is scraped, dropped
or fails in a pipeline; those lines can end up in logs and in stored error messages, where neither
pseudonymisation nor erasure would reach them.
"""

from __future__ import annotations

from typing import Any

from scrapy import logformatter


def describe(item: Any) -> str:
    """A content-free label for an item: its type and URL (or item id)."""
    where = getattr(item, "url", "") or getattr(item, "item_id", "")
    return f"{type(item).__name__}({where})"


class PrivateLogFormatter(logformatter.LogFormatter):
    """Scrapy's formatter with every item replaced by :func:`describe`."""

    def scraped(self, item: Any, response: Any, spider: Any) -> dict[str, Any]:
        return super().scraped(describe(item), response, spider)

    def dropped(self, item: Any, exception: BaseException, response: Any, spider: Any) -> dict[str, Any]:
        return super().dropped(describe(item), exception, response, spider)

    def item_error(self, item: Any, exception: BaseException, response: Any, spider: Any) -> dict[str, Any]:
        return super().item_error(describe(item), exception, response, spider)
