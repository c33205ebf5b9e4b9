"""Retention: the raw content of unflagged items is kept ``retention.retention_days`` days, then purged.

Flagged items (flagged by any analysis, or judged incitement or escalated by a reviewer) keep all their
evidence. In distributed mode the dead letters in Redis (raw author names, raw pages) are kept no longer
either. The daemon calls :func:`run_retention` on its schedule; ``tocsin retention`` runs it now.
"""

from __future__ import annotations

import html
import logging
import re
import zlib
from datetime import datetime, timedelta, timezone
from typing import Callable

import sqlite_utils

from tocsin.config import Settings
from tocsin.export import erasure
from tocsin.export.page_masking import mask_as_read
from tocsin.store import erasure as store
from tocsin.store.audit import log_event
from tocsin.store.pseudonyms import author_pseudonyms

logger = logging.getLogger(__name__)


class ClockDoubt(RuntimeError):
    """Retention would purge even the newest items collected, and the crawl record went silent for a long
    while since: the clock is more likely wrong (a dead clock battery, a bad time server) than the store that
    old. Nothing is purged; the message says what to do."""


#: The share of ``retention_days`` the crawl record may go silent for before a store that is wholly past
#: retention is taken for a clock that jumped.
SILENCE_SHARE = 0.5


def retention_cutoff(days: int, now: datetime | None = None) -> str:
    """The ISO UTC time before which content is past retention."""
    now = now or datetime.now(timezone.utc)
    return (now - timedelta(days=days)).isoformat(timespec="seconds")


def count_expired(db: sqlite_utils.Database, settings: Settings, now: datetime | None = None) -> int:
    """How many items :func:`purge_expired` would purge now (0 when ``retention_days`` is 0)."""
    days = settings.retention.retention_days
    return store.count_purgeable(db, retention_cutoff(days, now)) if days > 0 else 0


def clock_doubt(db: sqlite_utils.Database, settings: Settings, now: datetime | None = None) -> str | None:
    """Why this machine's clock is in doubt for a purge (see :class:`ClockDoubt`), or None when it is not."""
    days = settings.retention.retention_days
    # Items collected after the clock jumped carry its wrong time, but what they were published at comes from
    # the sources' clocks: when even the newest publication is past retention, this clock is in doubt too,
    # unless the sources were crawled all along since (quiet sources, not a jump).
    newest = min(filter(None, [store.newest_collected(db), store.newest_published(db)]), default=None)
    if days <= 0 or not newest or newest >= retention_cutoff(days, now):
        return None
    today = retention_cutoff(0, now)
    gap = store.longest_crawl_gap_days(db, newest, today)
    if gap <= days * SILENCE_SHARE:
        return None
    return (f"retention would purge even the newest item collected or published ({newest}): by this machine's clock "
            f"({today}) it is more than {days} days old, and no crawl was recorded for {gap:.0f} "
            "days in between. If the clock is wrong, set it; if the store really was left alone that long, run "
            "'tocsin retention --yes'")


def purge_expired(db: sqlite_utils.Database, settings: Settings, now: datetime | None = None, *,
                  trust_clock: bool = False) -> int:
    """Purge raw content (item title and text, version texts, snapshots, quotes in analyses) of unflagged
    items collected more than ``retention_days`` ago; returns the number of items purged (0 when
    ``retention_days`` is 0, which keeps everything). Their content is also masked in the snapshots other items
    keep (:class:`SharedSnapshotScrub`): the pages only those items' old versions keep are dropped first, then each
    page left in their sources is read once, before the first item is purged, not once per batch.

    Uses secure delete, merges the full-text index and checkpoints the WAL so the purged text is gone
    from the file, not just unlinked.

    :param trust_clock: purge even when the newest item collected is past retention (see :class:`ClockDoubt`).
    :raises ClockDoubt: when it is, unless ``trust_clock``.
    """
    days = settings.retention.retention_days
    if days <= 0:
        return 0
    cutoff = retention_cutoff(days, now)
    doubt = None if trust_clock else clock_doubt(db, settings, now)
    if doubt:
        raise ClockDoubt(f"{doubt}. Nothing was purged")
    store.secure_delete_on(db)
    due = store.purgeable_ids(db, cutoff)
    early = store.drop_purged_snapshots(db, due, cutoff)   # their own pages need no scrub
    shared = SharedSnapshotScrub(db, store.purged_content(db, due, cutoff))
    shared.scrub_all()
    purged, snapshots = store.purge_raw_content(db, cutoff, scrub_shared=shared)
    if purged:
        log_event(db, "retention", "retention", "", items=purged, snapshots=len(early + snapshots) + shared.dropped,
                  snapshots_masked=shared.masked, cutoff=cutoff)
        store.compact(db, vacuum=False)
    logger.info("retention: purged raw content of %d items collected before %s", purged, cutoff)
    return purged


class SharedSnapshotScrub:
    """Takes purged items' content out of the snapshots other items keep (an article's page, kept because the
    article is flagged or young, holding old unflagged comments scraped from it).

    In each such page the purged titles and sentences (those no other item holds: :func:`distinctive_pieces`)
    and the purged authors' names are masked as ``forget`` masks mentions (one :data:`MASK` per character);
    the page is stored again under its new SHA-256. A sentence split by markup or written with character
    entities is masked as a reader sees it (:func:`~tocsin.export.page_masking.mask_as_read`), its tags kept. A
    page still holding purged content once masked (in JSON escapes, say), or that cannot be read in its encoding,
    is dropped, as ``forget`` drops pages it cannot clean. Counts pages masked and dropped.

    Made with everything the run will purge, :meth:`scrub_all` cleans every page of those items' sources of all of
    it at once, before any item is purged; then, called in each batch's transaction (:meth:`__call__`), it cleans
    only the pages of the batch's sources stored since. A page thus never holds a purged item's words, even when
    the run is killed midway (the next run purges the rest, scrubbing again), and each page is read once a run.
    """

    def __init__(self, db: sqlite_utils.Database, content: store.ErasedContent):
        self.db = db
        self.masked = 0
        self.dropped = 0
        self.pseudonyms: dict[str, set[str]] = {}  # the pseudonyms of each piece of page text, computed once
        self.due = set(content.item_ids)
        self.purged, self.authors = self.needles(content)
        self.clean: set[str] = set()   # the pages (SHA-256) already clean of all of ``content``

    def pseudonyms_of(self, name: str) -> set[str]:
        """Every pseudonym the store may hold for ``name``, with or without a leading '@'."""
        if name not in self.pseudonyms:
            self.pseudonyms[name] = {p for v in erasure.author_variants(name) for p in author_pseudonyms(self.db, v)}
        return self.pseudonyms[name]

    def needles(self, content: store.ErasedContent) -> tuple[erasure.Needles, set[str]]:
        """The pieces of ``content`` looked for in pages (made once: each page adds only the names it shows), and
        its authors' pseudonyms."""
        pieces, texts = erasure.distinctive_pieces(self.db, content.titles, content.texts, content.item_ids)
        pieces += [p for text in texts for p in erasure.text_fragments(text, limit=None)]
        return erasure.Needles(pieces, []), set(content.author_pseudonyms)

    def scrub_all(self) -> None:
        """Clean every page the sources of the items due keep, each in its own short transaction."""
        for sha in store.snapshots_beside(self.db, sorted(self.due)):
            self.scrub_clean(sha)

    def __call__(self, content: store.ErasedContent) -> None:
        """Clean the pages of a batch's sources not yet clean (stored during the run); a batch holding items that
        were not due when the run began (unflagged since) has their pages all scrubbed of it, as before."""
        if not content.item_ids:
            return
        if not self.due.issuperset(content.item_ids):
            purged, authors = self.needles(content)
            for sha in store.snapshots_beside(self.db, content.item_ids):
                self.scrub(sha, purged, authors)
        # asked again: a page masked just above is stored under a new SHA-256
        for sha in store.snapshots_beside(self.db, content.item_ids):
            if sha not in self.clean:
                self.scrub_clean(sha)

    def scrub_clean(self, sha: str) -> None:
        """Scrub one page of all the run purges, and remember it clean."""
        kept = self.scrub(sha, self.purged, self.authors)
        if kept:
            self.clean.add(kept)

    def scrub(self, sha: str, purged: erasure.Needles, authors: set[str]) -> str | None:
        """Mask the ``purged`` pieces and the names of the purged ``authors`` (pseudonyms) in one snapshot; returns
        its SHA-256 after (None when it is gone)."""
        stored = store.read_stored_snapshot(self.db, sha)
        if stored is None:
            return None
        content_type, body = stored
        raw = zlib.decompress(body)
        codec = erasure.page_encoding(raw, content_type)
        try:
            page = raw.decode(codec)
        except (LookupError, UnicodeError):
            if erasure.raw_page_mentions(body, purged.narrowed(), content_type):
                self.dropped += store.drop_snapshots(self.db, [sha])
                return None
            return sha
        names = names_in_page(page, authors, self.pseudonyms_of, set(store.snapshot_owners(self.db, sha)))
        needles = purged.narrowed(names)   # looks in each text only for the pieces it may hold
        if needles.pattern is None:
            return sha
        masked = erasure.masked(page, needles.pattern)
        if erasure.page_text_mentions(masked, needles):   # split by markup or written with entities
            masked = mask_as_read(masked, needles.pattern, erasure.MASK)
        if erasure.page_text_mentions(masked, needles):
            self.dropped += store.drop_snapshots(self.db, [sha])
            return None
        if masked == page:
            return sha
        self.masked += 1
        return store.replace_snapshot(self.db, sha, masked.encode(codec, "xmlcharrefreplace"))


_TEXT_NODE = re.compile(r"<[^<>]*>|[\r\n]+")
#: The longest piece of a page's text taken for a possible author name.
NAME_MAX = 80


def names_in_page(page: str, authors: set[str], pseudonyms_of: Callable[[str], set[str]],
                  owners: set[str] = frozenset()) -> list[str]:
    """The pieces of a page's text (between tags or line breaks, as a comment's byline shows its author) that
    ``pseudonyms_of`` gives one of the pseudonyms ``authors``, other than the page's ``owners``' (the authors of
    the items it is the page of)."""
    if not authors:
        return []
    pieces = {html.unescape(p).strip() for p in _TEXT_NODE.split(page)}
    return [piece for piece in pieces
            if 0 < len(piece) <= NAME_MAX and not authors.isdisjoint(pseudonyms_of(piece) - owners)]


def trim_dead_letters(settings: Settings, *, dry_run: bool = False) -> int:
    """Delete the dead letters Redis has held longer than ``retention_days`` (by Redis's clock); returns how
    many (with ``dry_run``, how many it would). 0 on one machine and when ``retention_days`` is 0.

    :raises DistributedError: Redis cannot be reached or answers with an error; the message says what to do.
    """
    from tocsin.distributed.connection import is_distributed

    days = settings.retention.retention_days
    if days <= 0 or not is_distributed(settings):
        return 0
    import redis as redis_lib

    from tocsin.distributed.connection import DistributedError, connect_redis, redis_problem
    from tocsin.distributed.deadletters import count_old_dead, trim_dead

    max_age_s = days * 86_400
    try:
        redis = connect_redis(settings)
        count = count_old_dead if dry_run else trim_dead
        trimmed = count(redis, settings, max_age_s)
    except redis_lib.RedisError as e:
        raise DistributedError(f"the dead letters older than {days} days could not be trimmed: "
                               f"{redis_problem(settings.distributed.redis_url, e)}") from e
    if trimmed and not dry_run:
        logger.info("retention: trimmed %d dead letters older than %d days from Redis", trimmed, days)
    return trimmed


def run_retention(db: sqlite_utils.Database, settings: Settings, *, trust_clock: bool = False) -> dict[str, int]:
    """The retention job: :func:`purge_expired`, then (in distributed mode) :func:`trim_dead_letters`; returns
    ``{"purged": items, "dead_letters": trimmed}``. A purge refused for a doubtful clock trims nothing.

    :raises ClockDoubt: see :func:`purge_expired`.
    :raises DistributedError: the store's content was purged, but Redis could not be reached to trim.
    """
    purged = purge_expired(db, settings, trust_clock=trust_clock)
    trimmed = trim_dead_letters(settings)
    if trimmed:
        log_event(db, "retention", "retention_dead_letters", "", dead_letters=trimmed,
                  days=settings.retention.retention_days)
    return {"purged": purged, "dead_letters": trimmed}
