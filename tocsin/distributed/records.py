"""Stream entries: what a crawler pushes and a worker reads, encoded and decoded.

An entry has a format version ``v``, a ``type`` (``item``, ``removed`` or ``seen``), a JSON ``record``
with the text fields, and for items the raw page body zlib-compressed in ``raw`` (kept as evidence by the
store's snapshots). ``None`` stays ``None``; the author's raw name travels only until the store
pseudonymises it, so use ``rediss://`` and a password between machines.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import zlib
from dataclasses import dataclass
from typing import Any, Union

from tocsin.store.items import ItemRecord

logger = logging.getLogger(__name__)

FORMAT_VERSION = b"1"
TEXT_FIELDS = tuple(f.name for f in dataclasses.fields(ItemRecord) if f.name != "raw")


class BadEntry(ValueError):
    """A stream entry cannot be decoded; it goes to the dead-letter stream with this message."""


@dataclass(frozen=True)
class RemovedMark:
    """A stored item is gone from its source (a re-check found 404/410 or a deleted message)."""

    item_id: str
    url: str = ""
    reason: str = ""


@dataclass(frozen=True)
class SeenMark:
    """A stored item was found again where it was."""

    item_id: str
    url: str = ""


Payload = Union[ItemRecord, RemovedMark, SeenMark]


def encode_entry(payload: Payload, *, crawler: str = "") -> dict[bytes, bytes]:
    """Stream fields for one payload."""
    fields: dict[bytes, bytes] = {b"v": FORMAT_VERSION, b"crawler": crawler.encode()}
    if isinstance(payload, ItemRecord):
        record = {name: getattr(payload, name) for name in TEXT_FIELDS}
        fields[b"type"] = b"item"
        fields[b"record"] = json.dumps(record, ensure_ascii=False).encode("utf-8", "surrogatepass")
        if payload.raw is not None:
            fields[b"raw"] = zlib.compress(bytes(payload.raw), 6)
    elif isinstance(payload, RemovedMark):
        fields[b"type"] = b"removed"
        fields[b"record"] = json.dumps(dataclasses.asdict(payload), ensure_ascii=False).encode()
    elif isinstance(payload, SeenMark):
        fields[b"type"] = b"seen"
        fields[b"record"] = json.dumps(dataclasses.asdict(payload), ensure_ascii=False).encode()
    else:
        raise TypeError(f"cannot push a {type(payload).__name__} to the stream")
    return fields


def decode_entry(fields: dict[bytes, bytes] | None) -> Payload:
    """The payload of one entry.

    :raises BadEntry: unknown format, missing or malformed fields.
    """
    if not fields:
        raise BadEntry("entry has no fields (deleted before it was read)")
    version = fields.get(b"v")
    if version != FORMAT_VERSION:
        raise BadEntry(f"unknown entry format {version!r}; upgrade tocsin on this worker to read it")
    kind = fields.get(b"type", b"").decode(errors="replace")
    try:
        record = json.loads(fields[b"record"].decode("utf-8", "surrogatepass"))
    except (KeyError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BadEntry(f"entry of type {kind!r} has no readable 'record' field ({e})") from e
    if not isinstance(record, dict):
        raise BadEntry(f"entry of type {kind!r}: 'record' is not a JSON object")
    try:
        if kind == "item":
            unknown = set(record) - set(TEXT_FIELDS)
            if unknown:
                raise BadEntry(f"item entry has unknown fields {sorted(unknown)}; upgrade tocsin on this worker")
            raw = fields.get(b"raw")
            item = ItemRecord(**record, raw=zlib.decompress(raw) if raw is not None else None)
            if not item.source or not item.url:
                raise BadEntry("item entry without source or url")
            if not isinstance(item.meta, dict):
                raise BadEntry("item entry: meta is not a JSON object")
            return item
        if kind == "removed":
            return RemovedMark(**record)
        if kind == "seen":
            return SeenMark(**record)
    except (TypeError, zlib.error) as e:
        raise BadEntry(f"entry of type {kind!r} is malformed ({e})") from e
    raise BadEntry(f"unknown entry type {kind!r}")


def payload_of(item: Any) -> Payload:
    """Turn what a spider yields (ItemRecord, the crawler's Removed/StillThere) into a payload."""
    if isinstance(item, (ItemRecord, RemovedMark, SeenMark)):
        return item
    name = type(item).__name__
    if name == "Removed":
        return RemovedMark(item_id=item.item_id, url=getattr(item, "url", ""), reason=getattr(item, "reason", ""))
    if name == "StillThere":
        return SeenMark(item_id=item.item_id, url=getattr(item, "url", ""))
    raise TypeError(f"not an item tocsin stores: {name}")
