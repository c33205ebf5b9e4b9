"""What the listing and JSON spiders share: stop paging at known items, build URLs for items without one (also
for the feed entries that share one page)."""

from __future__ import annotations

import hashlib

from urllib.parse import urlsplit

from tocsin.urls import SYNTHETIC_PARAM, item_id_for, piece_name, query_pieces, with_query


def synthetic_url(start_url: str, *key: str) -> str:
    """A stable URL for an item that has no permalink: the start URL of its pages (not the page it is on, which
    changes as newer items push it back) with ``tocsin_item=<hash of key>``; the key is its author, date and text
    where there are such, so that two people posting the same words stay two items."""
    digest = hashlib.sha256("\x1f".join(part for part in key if part).encode("utf-8")).hexdigest()[:16]
    return with_query(start_url, **{SYNTHETIC_PARAM: digest})


def is_synthetic_url(url: str) -> bool:
    """Whether ``url`` was made by :func:`synthetic_url` (it carries ``tocsin_item``): the item has no page of its
    own, so fetching that address says nothing about it (a re-check must skip it)."""
    return any(piece_name(piece) == SYNTHETIC_PARAM for piece in query_pieces(urlsplit(url).query))


def all_known(urls: list[str], known_ids: set[str]) -> bool:
    """True when a page had items and every one of them is stored already."""
    return bool(urls) and all(item_id_for(u) in known_ids for u in urls)
