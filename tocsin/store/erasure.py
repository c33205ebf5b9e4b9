"""Deleting content for good: erasure of items (``tocsin forget``) and retention purges.

Every function here runs with SQLite's ``secure_delete`` on, so freed bytes are overwritten with
zeros; :func:`compact` then merges the full-text index, checkpoints the WAL and vacuums the file so no
copy of erased content is left in the database, its WAL or the FTS5 segments.
"""

from __future__ import annotations

import hashlib
import json
import logging
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import sqlite_utils

from tocsin.store.analyses import current_analysis_id
from tocsin.store.db import chunked, marks, transaction, utcnow
from tocsin.store import tombstones

logger = logging.getLogger(__name__)

#: Decisions of a reviewer that make an item's evidence worth keeping.
FLAGGING_DECISIONS = ("incitement", "escalate")

#: An item is flagged when any analysis flagged it, a reviewer called it incitement or escalated it, or an alert
#: names it (a spike or spread rule with a ``min_score`` below the threshold counts items no analysis flagged, and
#: the alert quotes them). (``+fa.incitement`` keeps SQLite on the per-item index rather than scanning every
#: flagged analysis.)
FLAGGED_SQL = f"""(EXISTS (SELECT 1 FROM analyses fa WHERE fa.item_id = i.id AND +fa.incitement = 1)
   OR EXISTS (SELECT 1 FROM reviews fr WHERE fr.item_id = i.id AND fr.decision IN ({",".join(repr(d) for d in FLAGGING_DECISIONS)}))
   OR EXISTS (SELECT 1 FROM alert_items fl WHERE fl.item_id = i.id))"""

ERASED = "(erased)"


@dataclass
class ErasedContent:
    """What the items about to be erased hold: the material to look for elsewhere."""

    item_ids: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    author_pseudonyms: list[str] = field(default_factory=list)
    snapshot_shas: list[str] = field(default_factory=list)


def secure_delete_on(db: sqlite_utils.Database) -> None:
    """Overwrite deleted content with zeros on this connection from now on."""
    db.execute("PRAGMA secure_delete = ON")


def item_ids_by_author(db: sqlite_utils.Database, author_pseudonym: str) -> list[str]:
    """Ids of the items stored under an author pseudonym."""
    if not author_pseudonym:
        return []
    return [r[0] for r in db.execute("SELECT id FROM items WHERE author_pseudonym = ? ORDER BY seq", [author_pseudonym])]


def item_ids_by_url_or_id(db: sqlite_utils.Database, urls: list[str], ids: list[str]) -> list[str]:
    """Ids of stored items whose canonical URL is in ``urls`` or whose id is in ``ids``."""
    found: list[str] = []
    for column, values in (("url", urls), ("id", ids)):
        for chunk in chunked(values):
            found += [r[0] for r in db.execute(f"SELECT id FROM items WHERE {column} IN ({marks(chunk)})", chunk)]
    return list(dict.fromkeys(found))


def items_holding(db: sqlite_utils.Database, fragment: str) -> list[tuple[str, str, str]]:
    """The id, URL and ``meta`` (JSON) of the items whose URL or meta holds ``fragment`` (ASCII case-insensitive,
    '_' matching any character: a first narrowing only), in store order."""
    return db.execute("SELECT id, url, meta FROM items WHERE url LIKE ? OR meta LIKE ? ORDER BY seq",
                      [f"%{fragment}%", f"%{fragment}%"]).fetchall()


def raw_pages(db: sqlite_utils.Database, item_ids: list[str]) -> Iterator[tuple[bytes, str]]:
    """The raw pages (decompressed) that these items' versions still have, each with its content type."""
    for chunk in chunked(item_ids):
        rows = db.execute(f"""SELECT body, content_type FROM snapshots WHERE sha256 IN (SELECT snapshot_sha256
                              FROM item_versions WHERE item_id IN ({marks(chunk)}))""", chunk).fetchall()
        for body, content_type in rows:
            yield zlib.decompress(body), content_type or ""


def erased_content(db: sqlite_utils.Database, item_ids: list[str]) -> ErasedContent:
    """Collect the URLs, titles, texts (every version), author pseudonyms and snapshots of items."""
    out = ErasedContent(item_ids=list(item_ids))
    for chunk in chunked(item_ids):
        for url, title, text, author in db.execute(
            f"SELECT url, title, text, author_pseudonym FROM items WHERE id IN ({marks(chunk)})", chunk
        ):
            out.urls.append(url)
            out.titles.append(title)
            out.texts.append(text)
            if author:
                out.author_pseudonyms.append(author)
        for title, text, sha in db.execute(
            f"SELECT title, text, snapshot_sha256 FROM item_versions WHERE item_id IN ({marks(chunk)})", chunk
        ):
            out.titles.append(title)
            out.texts.append(text)
            if sha:
                out.snapshot_shas.append(sha)
    out.titles = [t for t in dict.fromkeys(out.titles) if t]
    out.texts = [t for t in dict.fromkeys(out.texts) if t]
    out.author_pseudonyms = list(dict.fromkeys(out.author_pseudonyms))
    out.snapshot_shas = list(dict.fromkeys(out.snapshot_shas))
    return out


def bury_items(db: sqlite_utils.Database, item_ids: list[str]) -> int:
    """Leave a tombstone (keyed hashes only) for each of the items about to be deleted, so that a later crawl
    does not store them again: see :mod:`tocsin.store.tombstones`. Call it in the deletion's transaction."""
    return tombstones.bury_items(db, item_ids)


def bury_urls(db: sqlite_utils.Database, urls: list[str]) -> int:
    """Leave a tombstone (keyed hashes only) for each of ``urls``, stored there or not, so that a later crawl does
    not store an item there: see :mod:`tocsin.store.tombstones`."""
    return tombstones.bury_urls(db, urls)


def delete_items(db: sqlite_utils.Database, item_ids: list[str]) -> dict[str, int]:
    """Delete items with their versions, analyses, reviews and assignments; counts per table.

    The FTS index follows through the ``items_fts_ad`` trigger.
    """
    counts = {"items": 0, "item_versions": 0, "analyses": 0, "reviews": 0, "assignments": 0}
    with transaction(db):
        for chunk in chunked(item_ids):
            for table in ("item_versions", "analyses", "reviews", "assignments"):
                counts[table] += db.execute(f"DELETE FROM {table} WHERE item_id IN ({marks(chunk)})", chunk).rowcount
            counts["items"] += db.execute(f"DELETE FROM items WHERE id IN ({marks(chunk)})", chunk).rowcount
    return counts


def delete_crawl_errors_for(db: sqlite_utils.Database, urls: list[str]) -> int:
    """Delete crawl errors recorded against these URLs."""
    deleted = 0
    with transaction(db):
        for chunk in chunked(urls):
            deleted += db.execute(f"DELETE FROM crawl_errors WHERE url IN ({marks(chunk)})", chunk).rowcount
    return deleted


def scrub_audit_targets(db: sqlite_utils.Database, item_ids: list[str]) -> int:
    """Blank the target and details of audit events about these items, and take them out of the ``item_ids`` of
    events about several items (an assignment); the events themselves stay. Returns how many events changed."""
    changed, erased = 0, set(item_ids)
    with transaction(db):
        for chunk in chunked(item_ids):
            changed += db.execute(
                f"UPDATE audit_log SET target = ?, details = '{{}}' WHERE target IN ({marks(chunk)})", [ERASED, *chunk]
            ).rowcount
            naming = db.execute(f"""SELECT id, details FROM audit_log WHERE EXISTS (SELECT 1 FROM
                                    json_each(audit_log.details, '$.item_ids') WHERE value IN ({marks(chunk)}))""", chunk).fetchall()
            for event_id, details in naming:
                kept = json.loads(details)
                kept["item_ids"] = [i for i in kept["item_ids"] if i not in erased]
                db.execute("UPDATE audit_log SET details = ? WHERE id = ?", [json.dumps(kept, ensure_ascii=False), event_id])
            changed += len(naming)
    return changed


def iter_alerts(db: sqlite_utils.Database) -> Iterator[dict[str, Any]]:
    """Every alert's id, rule, kind, severity, title, message, payload and item ids (JSON decoded)."""
    for row in db.query("SELECT id, rule, kind, severity, title, message, payload, item_ids, count FROM alerts ORDER BY id"):
        row["payload"] = json.loads(row["payload"] or "{}")
        row["item_ids"] = json.loads(row["item_ids"] or "[]")
        yield row


def alert_members(db: sqlite_utils.Database, item_ids: list[str]) -> list[dict[str, Any]]:
    """The items an alert keeps: source, times and text, with the score, hallmarks, targets, places and spans of the
    successful analysis that speaks for each (:func:`~tocsin.store.analyses.current_analysis_id`: an item edited
    A → B → A is told as A's analysis says, though B's is newer)."""
    members = []
    for chunk in chunked(item_ids):
        members += db.query(
            f"""SELECT i.source, i.published_at, i.first_seen, i.text, a.score, a.hallmarks, a.targets, a.places,
                       a.spans
                FROM items i LEFT JOIN analyses a ON a.id = {current_analysis_id("i.id", "a2.error = ''")}
                WHERE i.id IN ({marks(chunk)})""", chunk)
    for m in members:
        for column in ("hallmarks", "targets", "places", "spans"):
            m[column] = json.loads(m[column] or "[]")
    return members


def delete_alerts(db: sqlite_utils.Database, alert_ids: list[int]) -> int:
    """Delete alerts and their deliveries."""
    deleted = 0
    with transaction(db):
        for chunk in chunked(alert_ids):
            db.execute(f"DELETE FROM deliveries WHERE alert_id IN ({marks(chunk)})", chunk)
            deleted += db.execute(f"DELETE FROM alerts WHERE id IN ({marks(chunk)})", chunk).rowcount
    return deleted


def update_alert(db: sqlite_utils.Database, alert: dict[str, Any]) -> None:
    """Write back an alert's severity, title, message, payload, item ids and count."""
    with transaction(db):
        db.execute(
            "UPDATE alerts SET severity = ?, title = ?, message = ?, payload = ?, item_ids = ?, count = ? WHERE id = ?",
            [alert["severity"], alert["title"], alert["message"], json.dumps(alert["payload"], ensure_ascii=False),
             json.dumps(alert["item_ids"]), alert["count"], alert["id"]],
        )


def iter_delivery_bodies(db: sqlite_utils.Database) -> Iterator[tuple[int, str]]:
    """Every delivery's id and frozen message body (JSON text)."""
    yield from db.execute("SELECT id, body FROM deliveries ORDER BY id").fetchall()


def update_delivery_body(db: sqlite_utils.Database, delivery_id: int, body: Any) -> None:
    """Replace a delivery's frozen message body."""
    with transaction(db):
        db.execute("UPDATE deliveries SET body = ? WHERE id = ?", [json.dumps(body, ensure_ascii=False), delivery_id])


def iter_snapshots(db: sqlite_utils.Database, page: int = 200) -> Iterator[tuple[str, bytes]]:
    """Every snapshot's SHA-256 and compressed body, a page at a time."""
    last = ""
    while True:
        rows = db.execute("SELECT sha256, body FROM snapshots WHERE sha256 > ? ORDER BY sha256 LIMIT ?", [last, page]).fetchall()
        if not rows:
            return
        for sha, body in rows:
            yield sha, bytes(body)
        last = rows[-1][0]


def unreferenced_snapshots(db: sqlite_utils.Database, shas: list[str]) -> list[str]:
    """Those of ``shas`` no item version points to any more."""
    referenced: set[str] = set()
    for chunk in chunked(shas):  # one pass over item_versions per 500 (the column has no index)
        referenced.update(r[0] for r in db.execute(
            f"SELECT DISTINCT snapshot_sha256 FROM item_versions WHERE snapshot_sha256 IN ({marks(chunk)})", chunk))
    return [sha for sha in dict.fromkeys(shas) if sha not in referenced]


def drop_snapshots(db: sqlite_utils.Database, shas: list[str]) -> int:
    """Delete snapshots, detaching the item versions that pointed to them."""
    deleted = 0
    with transaction(db):
        for chunk in chunked(shas):
            db.execute(f"UPDATE item_versions SET snapshot_sha256 = NULL WHERE snapshot_sha256 IN ({marks(chunk)})", chunk)
            deleted += db.execute(f"DELETE FROM snapshots WHERE sha256 IN ({marks(chunk)})", chunk).rowcount
    return deleted


#: (table, key column, text columns) rewritten by :func:`rewrite_mentions`.
MENTION_COLUMNS = (
    ("items", "seq", ("title", "text", "meta")),
    ("item_versions", "id", ("title", "text")),
    ("analyses", "id", ("targets", "places", "spans", "explanation")),
    ("silences", "id", ("comment",)),
)


#: Free-text columns of crawl errors, runs, the daemon's jobs and owed alerts (a crashed crawl's log tail may quote
#: scraped items, and is copied into its run's message and its job's last error; a failure to raise a batch's
#: alerts, stored on each of its analyses, may quote one of its items).
CRAWL_ERROR_COLUMNS = (("crawl_errors", "id", ("message",)), ("crawl_runs", "id", ("message",)),
                       ("job_runs", "name", ("last_error", "last_summary")), ("alerts_owed", "analysis_id", ("error",)))


def rewrite_mentions(db: sqlite_utils.Database, matches: Callable[[str], bool], rewrite: Callable[[str], str],
                     columns: tuple[tuple[str, str, tuple[str, ...]], ...] = MENTION_COLUMNS) -> int:
    """Rewrite every stored text that ``matches`` with ``rewrite``; returns the rows changed.

    Used to mask an erased author's name where other items mention it (``rewrite`` must then keep
    lengths, so offsets of evidence spans stay valid, and JSON valid), and to blank crawl errors that
    quote erased content.
    """
    db.conn.create_function("tocsin_mentions", 1, lambda v: bool(v) and matches(v), deterministic=True)
    changed = 0
    with transaction(db):
        for table, key, names in columns:
            condition = " OR ".join(f"tocsin_mentions({c})" for c in names)
            rows = db.execute(f"SELECT {key}, {', '.join(names)} FROM {table} WHERE {condition}").fetchall()
            for row in rows:
                values = [rewrite(v) if isinstance(v, str) else v for v in row[1:]]
                db.execute(f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in names)} WHERE {key} = ?", [*values, row[0]])
                changed += 1
    return changed


def optimise_fts(db: sqlite_utils.Database) -> None:
    """Merge the full-text index into one segment, dropping deleted entries for good."""
    with transaction(db):
        db.execute("INSERT INTO items_fts (items_fts) VALUES ('optimize')")


def checkpoint(db: sqlite_utils.Database) -> bool:
    """Copy the WAL into the database and truncate it; False when a reader kept it from completing."""
    row = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    busy = bool(row and row[0])
    if busy:
        logger.warning("WAL checkpoint could not complete: another connection is reading; run it again when idle")
    return not busy


def compact(db: sqlite_utils.Database, vacuum: bool = True) -> bool:
    """Optimise the FTS index, checkpoint the WAL, vacuum, checkpoint again; False if a checkpoint was blocked."""
    optimise_fts(db)
    ok = checkpoint(db)
    if vacuum:
        db.execute("VACUUM")
        ok = checkpoint(db) and ok
    return ok


# --------------------------------------------------------------------------- retention


#: Items that still hold raw content collected before the cutoff (bound twice) and are not flagged.
_OLD_CONTENT = f"""NOT {FLAGGED_SQL} AND (
      EXISTS (SELECT 1 FROM item_versions v WHERE v.item_id = i.id AND v.seen_at < ?
              AND (v.title != '' OR v.text != '' OR v.snapshot_sha256 IS NOT NULL))
      OR ((i.title != '' OR i.text != '' OR json_extract(i.meta, '$.retention_purged_at') IS NULL)
          AND COALESCE((SELECT v.seen_at FROM item_versions v WHERE v.item_id = i.id AND v.content_hash = i.content_hash),
                       i.first_seen) < ?))"""


def newest_collected(db: sqlite_utils.Database) -> str | None:
    """When anything was last collected (the newest item version seen, ISO UTC), or None for an empty store."""
    return db.execute("SELECT max(m) FROM (SELECT max(seen_at) AS m FROM item_versions UNION ALL "
                      "SELECT max(first_seen) FROM items)").fetchone()[0]


def newest_published(db: sqlite_utils.Database) -> str | None:
    """The newest publication time the sources gave (by their own clocks, not this machine's), or None."""
    return db.execute("SELECT max(published_at) FROM items WHERE published_at IS NOT NULL").fetchone()[0]


def longest_crawl_gap_days(db: sqlite_utils.Database, since: str, until: str) -> float:
    """The longest time, in days, between ``since``, the crawl runs started after it and ``until``: how long
    the crawl record went silent. A clock that jumped leaves a gap as long as the jump; a store whose
    sources are merely quiet, crawled all along, leaves none. The time before the store's first crawl run is
    no silence (a new store of a quiet forum or an archive holds what was published long before): when
    ``since`` is earlier, the record is read from that run on."""
    return db.execute(
        """WITH start(at) AS (SELECT CASE WHEN julianday(min(started_at)) > julianday(?) THEN min(started_at) ELSE ? END
                              FROM crawl_runs),
                t(d) AS (SELECT julianday(started_at) FROM crawl_runs WHERE started_at >= (SELECT at FROM start)
                         UNION ALL SELECT julianday(at) FROM start UNION ALL SELECT julianday(?))
           SELECT max(d - previous) FROM (SELECT d, lag(d) OVER (ORDER BY d) AS previous FROM t)""",
        [since, since, until]).fetchone()[0] or 0.0


def count_purgeable(db: sqlite_utils.Database, cutoff: str) -> int:
    """How many unflagged items still hold content collected before ``cutoff`` (what a purge would touch)."""
    return db.execute(f"SELECT count(*) FROM items i WHERE {_OLD_CONTENT}", [cutoff, cutoff]).fetchone()[0]


def purgeable_ids(db: sqlite_utils.Database, cutoff: str) -> list[str]:
    """Ids of the unflagged items that still hold content collected before ``cutoff``, in store order: what
    :func:`purge_raw_content` would purge now."""
    return [r[0] for r in db.execute(f"SELECT i.id FROM items i WHERE {_OLD_CONTENT} ORDER BY i.seq", [cutoff, cutoff])]


def drop_purged_snapshots(db: sqlite_utils.Database, item_ids: list[str], cutoff: str) -> list[str]:
    """Detach the snapshots of the versions a purge blanks (seen before ``cutoff``) of those of ``item_ids`` still due
    (unflagged), and delete the snapshots no version points to any more; returns them. Done before the purge, it
    leaves to scrub only the pages that outlive it."""
    dropped: list[str] = []
    for chunk in chunked(item_ids):
        with transaction(db):
            due = [r[0] for r in db.execute(f"SELECT i.id FROM items i WHERE i.id IN ({marks(chunk)}) AND {_OLD_CONTENT}",
                                            [*chunk, cutoff, cutoff])]
            dropped += detach_old_snapshots(db, due, cutoff)
    return dropped


def detach_old_snapshots(db: sqlite_utils.Database, item_ids: list[str], cutoff: str) -> list[str]:
    """Detach the snapshots of ``item_ids``' versions seen before ``cutoff`` and delete those no version points to any
    more; returns them (in the caller's transaction)."""
    detached = [sha for (sha,) in db.execute(
        f"SELECT snapshot_sha256 FROM item_versions WHERE item_id IN ({marks(item_ids)}) AND seen_at < ? "
        "AND snapshot_sha256 IS NOT NULL", [*item_ids, cutoff])]
    db.execute(f"UPDATE item_versions SET snapshot_sha256 = NULL WHERE item_id IN ({marks(item_ids)}) AND seen_at < ? "
               "AND snapshot_sha256 IS NOT NULL", [*item_ids, cutoff])
    gone = unreferenced_snapshots(db, list(dict.fromkeys(detached)))
    drop_snapshots(db, gone)
    return gone


def purge_raw_content(db: sqlite_utils.Database, cutoff: str, batch: int = 1000,
                      scrub_shared: Callable[[ErasedContent], Any] | None = None) -> tuple[int, list[str]]:
    """Blank the raw content of unflagged items collected before ``cutoff``, ``batch`` items per transaction.

    Versions seen before ``cutoff`` lose title, text and snapshot; items whose current version is that
    old lose title, text and ``meta`` (which then records ``retention_purged_at``); their analyses keep
    scores, labels and offsets but lose quoted text and the explanation. Short transactions keep the
    crawler and the review page writing while a large purge runs. Returns the number of items touched
    and the snapshots left unreferenced (deleted).

    :param scrub_shared: called in each batch's transaction, once the batch is blanked, with what it held
        (:func:`purged_content`), to take that content out of the snapshots other items keep (an article's
        page holding its comments).
    """
    meta = json.dumps({"retention_purged_at": utcnow()})
    touched = 0
    dropped: list[str] = []
    last_seq = 0
    while True:
        with transaction(db):
            rows = db.execute(f"SELECT i.seq, i.id, i.content_hash, i.first_seen FROM items i WHERE i.seq > ? AND {_OLD_CONTENT} "
                              "ORDER BY i.seq LIMIT ?", [last_seq, cutoff, cutoff, batch]).fetchall()
            if not rows:
                break
            last_seq = rows[-1][0]
            ids = [r[1] for r in rows]
            content = purged_content(db, ids, cutoff) if scrub_shared else None
            dropped += detach_old_snapshots(db, ids, cutoff)
            db.execute(f"""UPDATE item_versions SET title = '', text = ''
                           WHERE item_id IN ({marks(ids)}) AND seen_at < ? AND (title != '' OR text != '')""", [*ids, cutoff])
            db.execute(f"""UPDATE items AS i SET title = '', text = '', meta = ? WHERE i.id IN ({marks(ids)})
                           AND COALESCE((SELECT v.seen_at FROM item_versions v WHERE v.item_id = i.id
                                         AND v.content_hash = i.content_hash), i.first_seen) < ?""", [meta, *ids, cutoff])
            purge_analysis_quotes(db, ids, cutoff)
            if content is not None:
                scrub_shared(content)
            touched += len(ids)
    return touched, dropped


def purged_content(db: sqlite_utils.Database, item_ids: list[str], cutoff: str) -> ErasedContent:
    """What a retention purge of these items is about to blank: the titles and texts of their versions seen before
    ``cutoff``, and their author pseudonyms (ids and pseudonyms only of the items with such text)."""
    out = ErasedContent()
    for chunk in chunked(item_ids):
        for item_id, title, text, author in db.execute(
            f"""SELECT v.item_id, v.title, v.text, i.author_pseudonym FROM item_versions v JOIN items i ON i.id = v.item_id
                WHERE v.item_id IN ({marks(chunk)}) AND v.seen_at < ? AND (v.title != '' OR v.text != '')""", [*chunk, cutoff]
        ):
            out.item_ids.append(item_id)
            out.titles.append(title)
            out.texts.append(text)
            out.author_pseudonyms.append(author)
    out.item_ids = list(dict.fromkeys(out.item_ids))
    out.titles = [t for t in dict.fromkeys(out.titles) if t]
    out.texts = [t for t in dict.fromkeys(out.texts) if t]
    out.author_pseudonyms = [a for a in dict.fromkeys(out.author_pseudonyms) if a]
    return out


def snapshots_beside(db: sqlite_utils.Database, item_ids: list[str]) -> list[str]:
    """The snapshots that items of the same sources as these items still point to: the pages that may hold
    these items' content too (an article's page with its comments, a channel page with several posts)."""
    shas: list[str] = []
    for chunk in chunked(item_ids):
        shas += [r[0] for r in db.execute(
            f"""SELECT DISTINCT v.snapshot_sha256 FROM item_versions v JOIN items i ON i.id = v.item_id
                WHERE v.snapshot_sha256 IS NOT NULL
                AND i.source IN (SELECT source FROM items WHERE id IN ({marks(chunk)}))""", chunk)]
    return list(dict.fromkeys(shas))


def snapshot_owners(db: sqlite_utils.Database, sha: str) -> list[str]:
    """The author pseudonyms of the items whose versions point to a snapshot."""
    return [r[0] for r in db.execute("""SELECT DISTINCT i.author_pseudonym FROM item_versions v JOIN items i ON i.id = v.item_id
                                        WHERE v.snapshot_sha256 = ?""", [sha])]


def read_stored_snapshot(db: sqlite_utils.Database, sha: str) -> tuple[str, bytes] | None:
    """A snapshot's content type and compressed body, or None if there is none."""
    row = db.execute("SELECT content_type, body FROM snapshots WHERE sha256 = ?", [sha]).fetchone()
    return (row[0], bytes(row[1])) if row else None


def replace_snapshot(db: sqlite_utils.Database, sha: str, raw: bytes) -> str:
    """Store ``raw`` in place of snapshot ``sha`` (its content type and fetch time kept), point the item versions
    that held the old one to it and delete the old one; returns the new SHA-256 (snapshots are keyed by
    their body's)."""
    new = hashlib.sha256(raw).hexdigest()
    if new == sha:
        return sha
    with transaction(db):
        db.execute("""INSERT OR IGNORE INTO snapshots (sha256, content_type, size, body, fetched_at)
                      SELECT ?, content_type, ?, ?, fetched_at FROM snapshots WHERE sha256 = ?""",
                   [new, len(raw), zlib.compress(raw, 6), sha])
        db.execute("UPDATE item_versions SET snapshot_sha256 = ? WHERE snapshot_sha256 = ?", [new, sha])
        db.execute("DELETE FROM snapshots WHERE sha256 = ?", [sha])
    return new


def purge_analysis_quotes(db: sqlite_utils.Database, item_ids: list[str], cutoff: str | None = None) -> int:
    """Blank the quoted ``text`` of targets, places and spans, and the explanation, of these items' analyses.

    :param cutoff: only analyses of content collected before this time (the version they read, else the
        item's first sighting); None blanks them all.
    """
    changed = 0
    age = ("AND COALESCE((SELECT v.seen_at FROM item_versions v WHERE v.item_id = a.item_id AND v.content_hash = a.content_hash),"
           " (SELECT i.first_seen FROM items i WHERE i.id = a.item_id)) < ?") if cutoff else ""
    with transaction(db):
        for chunk in chunked(item_ids):
            rows = db.execute(f"SELECT a.id, a.targets, a.places, a.spans FROM analyses a WHERE a.item_id IN ({marks(chunk)}) {age}",
                              [*chunk, *([cutoff] if cutoff else [])]).fetchall()
            for analysis_id, *lists in rows:
                blanked = [json.dumps([{**s, "text": ""} if isinstance(s, dict) else s for s in json.loads(v or "[]")],
                                      ensure_ascii=False) for v in lists]
                db.execute("UPDATE analyses SET targets = ?, places = ?, spans = ?, explanation = '' WHERE id = ?",
                           [*blanked, analysis_id])
                changed += 1
    return changed
