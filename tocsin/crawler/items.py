"""What spiders yield. A crawled item is the store's own :class:`~tocsin.store.items.ItemRecord` (a
dataclass, so a Scrapy item as it is); re-checks also yield :class:`Removed` and :class:`StillThere`."""

from __future__ import annotations

from dataclasses import dataclass

from tocsin.store.items import ItemRecord

__all__ = ["ItemRecord", "Removed", "StillThere"]


@dataclass
class Removed:
    """A stored item is gone from its source (HTTP 404/410, message missing from the channel)."""

    item_id: str
    url: str
    reason: str


@dataclass
class StillThere:
    """A stored item was found again where it was (content not re-extracted)."""

    item_id: str
    url: str
