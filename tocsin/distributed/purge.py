"""Erasure reaches Redis too: items waiting in the streams (or set aside as dead letters) that belong to
an author or a URL being forgotten are deleted before any worker stores them, and the other waiting items
are cleaned as the erasure cleans stored ones (:class:`Scrub`): the erased authors' names masked where they
are mentioned, a raw page that quotes erased content dropped.

``tocsin forget`` calls :func:`purge_waiting` in distributed mode. An entry a worker has already taken
may still be stored: run the erasure again once ``tocsin status`` shows nothing pending.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from tocsin.config import Settings
from tocsin.distributed.connection import Keys, connect_redis, is_distributed
from tocsin.distributed.deadletters import keep_first_failure
from tocsin.distributed.records import BadEntry, decode_entry, encode_entry
from tocsin.distributed.worker import ANALYSIS_FIELD
from tocsin.store.items import ItemRecord, stored_content_hash
from tocsin.store.pseudonyms import name_key
from tocsin.urls import canonical_url, item_id_for

logger = logging.getLogger(__name__)

PAGE = 500


@dataclass
class Scrub:
    """How waiting entries that are not erased themselves are cleaned, as the erasure cleans stored items.

    :param mask: masks the erased authors' names in a text, keeping its length (applied to an entry's title,
        text and meta, and to the analysis a publishing worker attached, which then belongs to the masked text).
    :param quotes: whether a raw page (zlib-compressed, as the entry holds it) quotes erased content; such a
        page is dropped, as such snapshots are, and the item keeps its text.
    """

    mask: Callable[[str], str] | None = None
    quotes: Callable[[bytes], bool] | None = None
    #: Entries changed so far.
    scrubbed: int = 0

    def cleaned(self, fields: dict[bytes, bytes], item: ItemRecord) -> dict[bytes, bytes] | None:
        """``fields`` cleaned, or None when nothing in them needed it.

        :param item: the entry's payload, as :func:`~tocsin.distributed.records.decode_entry` read it from
            ``fields`` (its ``record`` JSON is not parsed again).
        """
        new = dict(fields)
        if self.mask is not None and (masked := masked_item(item, self.mask)) != item:
            new[b"record"] = encode_entry(dataclasses.replace(masked, raw=None))[b"record"]
            if ANALYSIS_FIELD in fields:
                new[ANALYSIS_FIELD] = masked_analysis(fields[ANALYSIS_FIELD], masked, self.mask)
        if self.quotes is not None and b"raw" in fields and self.quotes(fields[b"raw"]):
            del new[b"raw"]
        if new == fields:
            return None
        self.scrubbed += 1
        return new


def masked_item(item: ItemRecord, mask: Callable[[str], str]) -> ItemRecord:
    """``item`` with ``mask`` applied to its title, text and meta (as the erasure masks the same columns of
    stored items); equal to ``item`` when nothing changed."""
    changes: dict[str, Any] = {name: mask(getattr(item, name)) for name in ("title", "text")
                               if isinstance(getattr(item, name), str)}
    if isinstance(item.meta, dict):
        changes["meta"] = json.loads(mask(json.dumps(item.meta, ensure_ascii=False)))
    return dataclasses.replace(item, **changes)


def masked_analysis(raw: bytes, item: ItemRecord, mask: Callable[[str], str]) -> bytes:
    """A publishing worker's analysis JSON with ``mask`` applied, tied to the masked ``item`` (the content
    hash of its title and text, as the worker computes it), so that the writer stores it with that version."""
    analysis = json.loads(mask(raw.decode("utf-8", "replace")))
    analysis["content_hash"] = stored_content_hash(item.title or "", item.text or "")
    return json.dumps(analysis, ensure_ascii=False).encode()


def bare_name(author: str) -> str:
    """An author's name or handle as compared for erasure: no leading '@', as the store compares names
    (:func:`~tocsin.store.pseudonyms.name_key`)."""
    return name_key(author or "").lstrip("@")


def purge_waiting(settings: Settings, *, authors: Iterable[str] = (), urls: Iterable[str] = (),
                  item_ids: Iterable[str] = (), redis: Any = None, scrub: Scrub | None = None) -> int:
    """Delete waiting entries of these authors (raw names, as crawled), URLs or item ids from every stream
    and dead-letter stream, and clean the others with ``scrub`` (see :class:`Scrub`; its ``scrubbed`` then
    counts them); returns how many were deleted. Nothing to do (0) on one machine."""
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
                                                                 or bare_name(r.author) in names), scrub)
    if removed or (scrub and scrub.scrubbed):
        logger.info("erased %d waiting entries from Redis, cleaned %d", removed, scrub.scrubbed if scrub else 0)
    return removed


def purge_stream(redis: Any, stream: str, group: str | None, matches: Any, scrub: Scrub | None = None) -> int:
    """Delete (and acknowledge) the entries of ``stream`` whose item matches; replace those ``scrub`` cleans
    by their cleaned copy (added at the stream's end, in the same MULTI). Returns how many were deleted."""
    removed, start = 0, "-"
    while True:
        page = redis.xrange(stream, min=start, max="+", count=PAGE)
        if not page:
            return removed
        doomed, cleaned = [], []
        for entry_id, fields in page:
            try:
                payload = decode_entry(fields)
            except BadEntry:
                continue
            if not isinstance(payload, ItemRecord):
                continue
            if matches(payload):
                doomed.append(entry_id)
            elif scrub is not None and (copy := scrub.cleaned(fields, payload)) is not None:
                cleaned.append((entry_id, copy))
        replace(redis, stream, group, doomed, cleaned)
        removed += len(doomed)
        if len(page) < PAGE:
            return removed
        start = "(" + page[-1][0].decode()


def replace(redis: Any, stream: str, group: str | None, doomed: list[bytes],
            cleaned: list[tuple[bytes, dict[bytes, bytes]]]) -> None:
    """One MULTI: add the cleaned copies, then acknowledge and delete the doomed entries and the originals. In a
    dead-letter stream (no ``group``) a cleaned copy keeps the time its original first died."""
    gone = doomed + [entry_id for entry_id, _ in cleaned]
    if not gone:
        return
    pipe = redis.pipeline(transaction=True)
    for entry_id, fields in cleaned:
        pipe.xadd(stream, fields if group else keep_first_failure(entry_id, fields))
    if group:
        pipe.xack(stream, group, *gone)
    pipe.xdel(stream, *gone)
    pipe.execute()
