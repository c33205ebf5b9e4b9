"""Items, their versions and raw snapshots: evidence that survives edits and deletions."""

from __future__ import annotations

import hashlib
import json
import logging
import zlib
from dataclasses import dataclass, field
from typing import Any, Literal

import sqlite_utils

from tocsin.store.crawling import is_summary_only
from tocsin.store.db import chunked, marks, transaction, utcnow
from tocsin.store.pseudonyms import pseudonymise_author
from tocsin.store.tombstones import is_erased
from tocsin.urls import canonical_url, item_id_for

logger = logging.getLogger(__name__)

#: ``erased``: the item was erased by ``tocsin forget`` (it has a tombstone) and is not stored again.
UpsertOutcome = Literal["new", "changed", "unchanged", "erased"]


@dataclass
class ItemRecord:
    """One crawled item before it is stored. ``author`` is the raw name: the store pseudonymises it."""

    source: str
    url: str
    kind: str = "article"
    title: str = ""
    text: str = ""
    author: str = ""
    published_at: str | None = None
    lang: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    raw: bytes | None = None
    content_type: str = ""

    @property
    def canonical_url(self) -> str:
        return canonical_url(self.url)

    @property
    def id(self) -> str:
        return item_id_for(self.url)

    @property
    def content_hash(self) -> str:
        """The content hash the store gives this record's version."""
        return stored_content_hash(self.title, self.text)


def content_hash(title: str, text: str) -> str:
    """SHA-256 of an item's visible content (title and text, whitespace-normalised)."""
    norm = " ".join(title.split()) + "\n" + " ".join(text.split())
    return hashlib.sha256(norm.encode("utf-8", "surrogatepass")).hexdigest()


def clean_text(value: str) -> str:
    """Make a scraped string storable: drop NUL and lone surrogates, keep everything else."""
    return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


#: A stored title is cut to this many characters: a page whose ``og:title`` holds a whole article (or a
#: megabyte of junk) would otherwise fill every alert, queue row and export line. The raw snapshot keeps it all.
MAX_TITLE_CHARS = 1_000


def clean_title(value: str) -> str:
    """A scraped title made storable (:func:`clean_text`) and cut to :data:`MAX_TITLE_CHARS` with an ellipsis."""
    title = clean_text(value)
    return title if len(title) <= MAX_TITLE_CHARS else title[:MAX_TITLE_CHARS - 1].rstrip() + "…"


def storable(title: str, text: str) -> tuple[str, str]:
    """A scraped title and text as the store keeps them (:func:`clean_title`, :func:`clean_text`)."""
    return clean_title(title), clean_text(text)


def stored_content_hash(title: str, text: str) -> str:
    """The content hash of the version the store keeps of this scraped title and text: what its analyses,
    versions and the distributed workers' keys are tied to."""
    return content_hash(*storable(title, text))


def is_current_version(db: sqlite_utils.Database, item_id: str, digest: str) -> bool:
    """Whether ``digest`` is the content hash of the version an item shows now."""
    return db.execute("SELECT 1 FROM items WHERE id = ? AND content_hash = ?", [item_id, digest]).fetchone() is not None


def store_snapshot(db: sqlite_utils.Database, raw: bytes, content_type: str = "") -> str:
    """Keep a compressed copy of a raw body; return its SHA-256 (stored once per distinct body)."""
    digest = hashlib.sha256(raw).hexdigest()
    db.execute(
        "INSERT OR IGNORE INTO snapshots (sha256, content_type, size, body, fetched_at) VALUES (?, ?, ?, ?, ?)",
        [digest, content_type, len(raw), zlib.compress(raw, 6), utcnow()],
    )
    return digest


def read_snapshot(db: sqlite_utils.Database, sha256: str) -> bytes | None:
    """The raw body of a snapshot, or None if it was purged."""
    row = db.execute("SELECT body FROM snapshots WHERE sha256 = ?", [sha256]).fetchone()
    return zlib.decompress(row[0]) if row else None


def upsert_item(db: sqlite_utils.Database, record: ItemRecord) -> UpsertOutcome:
    """Insert a new item or record a new version of a known one.

    Reviews, analyses and earlier versions' contents are never touched. A seen-again item only moves ``last_seen``
    (and clears ``removed_at``: it is back). An item that returns to a version it showed before (A → B → A)
    keeps one row per version; triggers (migration m012) make the version it shows the newest in its history.
    An item erased by ``tocsin forget`` (see :mod:`tocsin.store.tombstones`) is not stored again: ``"erased"``.
    """
    now = utcnow()
    title, text = storable(record.title, record.text)
    digest = content_hash(title, text)
    with transaction(db):
        if is_erased(db, record.url):
            return "erased"
        snapshot = store_snapshot(db, record.raw, record.content_type) if record.raw else None
        row = db.execute("SELECT content_hash, meta FROM items WHERE id = ?", [record.id]).fetchone()
        if row is not None and row[0] != digest and keeps_full_text(row[1], record.meta):
            db.execute("UPDATE items SET last_seen = ?, removed_at = NULL WHERE id = ?", [now, record.id])
            return "unchanged"
        if row is None:
            db.execute(
                """INSERT INTO items (id, source, kind, url, title, text, author_pseudonym, published_at,
                   first_seen, last_seen, lang, content_hash, meta) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)""",
                [record.id, record.source, record.kind, record.canonical_url, title, text,
                 pseudonymise_author(db, record.author), record.published_at, now, now,
                 record.lang, digest, json.dumps(record.meta, ensure_ascii=False)],
            )
            outcome: UpsertOutcome = "new"
        elif row[0] != digest:
            db.execute(
                """UPDATE items SET title = ?, text = ?, content_hash = ?, last_seen = ?, removed_at = NULL,
                   lang = CASE WHEN ? != '' THEN ? ELSE lang END, meta = ? WHERE id = ?""",
                [title, text, digest, now, record.lang, record.lang, json.dumps(record.meta, ensure_ascii=False), record.id],
            )
            outcome = "changed"
        else:
            db.execute("UPDATE items SET last_seen = ?, removed_at = NULL WHERE id = ?", [now, record.id])
            outcome = "unchanged"
        cur = db.execute(
            "INSERT OR IGNORE INTO item_versions (item_id, content_hash, snapshot_sha256, title, text, seen_at) VALUES (?,?,?,?,?,?)",
            [record.id, digest, snapshot, title, text, now],
        )
        if outcome == "unchanged" and cur.rowcount == 0 and snapshot:
            db.execute(
                "UPDATE item_versions SET snapshot_sha256 = ? WHERE item_id = ? AND content_hash = ? AND snapshot_sha256 IS NULL",
                [snapshot, record.id, digest],
            )
    return outcome


def keeps_full_text(stored_meta: str | None, new_meta: dict[str, Any]) -> bool:
    """Whether a record from a feed's summary only (its page failed or had no text) arrives for an item stored
    with its page's text: the summary is no new version of the article, and the full text stays."""
    return is_summary_only(new_meta) and not is_summary_only(json.loads(stored_meta or "{}"))


def mark_removed(db: sqlite_utils.Database, item_id: str, at: str | None = None) -> None:
    """Record that an item is gone from its source (404/410, message deleted)."""
    with transaction(db):
        db.execute("UPDATE items SET removed_at = COALESCE(removed_at, ?) WHERE id = ?", [at or utcnow(), item_id])


def get_item(db: sqlite_utils.Database, item_id: str) -> dict[str, Any] | None:
    """One item as a dict (``meta`` decoded), or None."""
    rows = list(db.query("SELECT * FROM items WHERE id = ?", [item_id]))
    if not rows:
        return None
    item = rows[0]
    item["meta"] = json.loads(item["meta"] or "{}")
    return item


def item_versions(db: sqlite_utils.Database, item_id: str) -> list[dict[str, Any]]:
    """Every distinct version of an item, in the order the item last showed them: the one it shows now last
    (``current_since`` says when it came back to a version it had shown before)."""
    return list(db.query("SELECT * FROM item_versions WHERE item_id = ? ORDER BY current_rank, id", [item_id]))


def known_item_ids(db: sqlite_utils.Database, ids: list[str]) -> set[str]:
    """The subset of ``ids`` already stored (for incremental crawls)."""
    found: set[str] = set()
    for chunk in chunked(ids):
        found.update(r[0] for r in db.execute(f"SELECT id FROM items WHERE id IN ({marks(chunk)})", chunk))
    return found
