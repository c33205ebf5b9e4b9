"""Erasure reaches Redis too: items waiting in the streams (or set aside as dead letters) that belong to
an author or a URL being forgotten are deleted before any worker stores them.

``tocsin forget`` calls :func:`purge_waiting` in distributed mode. An entry a worker has already taken
may still be stored: run the erasure again once ``tocsin status`` shows nothing pending.
"""

from __future__ import annotations

import logging
from typing import Any, Iterable

from tocsin.config import Settings
from tocsin.distributed.connection import Keys, connect_redis, is_distributed
from tocsin.distributed.records import BadEntry, decode_entry
from tocsin.store.items import ItemRecord
from tocsin.store.pseudonyms import name_key
from tocsin.urls import canonical_url, item_id_for

logger = logging.getLogger(__name__)

PAGE = 500


def bare_name(author: str) -> str:
    """An author's name or handle as compared for erasure: no leading '@', as the store compares names
    (:func:`~tocsin.store.pseudonyms.name_key`)."""
    return name_key(author or "").lstrip("@")


def purge_waiting(settings: Settings, *, authors: Iterable[str] = (), urls: Iterable[str] = (),
                  item_ids: Iterable[str] = (), redis: Any = None) -> int:
    """Delete waiting entries of these authors (raw names, as crawled), URLs or item ids from every stream
    and dead-letter stream; returns how many. Nothing to do (0) on one machine."""
    if not is_distributed(settings):
        return 0
    redis = redis if redis is not None else connect_redis(settings)
    names = {bare_name(a) for a in authors if bare_name(a)}
    ids = set(item_ids) | {item_id_for(u) for u in urls}
    canonical = {canonical_url(u) for u in urls}
    keys = Keys.of(settings)
    removed = 0
    for stream, group in ((keys.stream, keys.group), (keys.analysed().stream, keys.analysed().group),
                          (keys.dead, None), (keys.analysed().dead, None)):
        removed += purge_stream(redis, stream, group, lambda r: (r.id in ids or r.canonical_url in canonical
                                                                 or bare_name(r.author) in names))
    if removed:
        logger.info("erased %d waiting entries from Redis", removed)
    return removed


def purge_stream(redis: Any, stream: str, group: str | None, matches: Any) -> int:
    """Delete (and acknowledge) the entries of ``stream`` whose item matches."""
    removed, start = 0, "-"
    while True:
        page = redis.xrange(stream, min=start, max="+", count=PAGE)
        if not page:
            return removed
        doomed = []
        for entry_id, fields in page:
            try:
                payload = decode_entry(fields)
            except BadEntry:
                continue
            if isinstance(payload, ItemRecord) and matches(payload):
                doomed.append(entry_id)
        if doomed:
            pipe = redis.pipeline(transaction=True)
            if group:
                pipe.xack(stream, group, *doomed)
            pipe.xdel(stream, *doomed)
            pipe.execute()
            removed += len(doomed)
        if len(page) < PAGE:
            return removed
        start = "(" + page[-1][0].decode()
