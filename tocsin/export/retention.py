"""Retention: the raw content of unflagged items is kept ``retention.retention_days`` days, then purged.

Flagged items (flagged by any analysis, or judged incitement or escalated by a reviewer) keep all their
evidence. The daemon calls :func:`purge_expired` on its schedule; ``tocsin retention`` runs it now.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import sqlite_utils

from tocsin.config import Settings
from tocsin.store import erasure as store
from tocsin.store.audit import log_event

logger = logging.getLogger(__name__)


def retention_cutoff(days: int, now: datetime | None = None) -> str:
    """The ISO UTC time before which content is past retention."""
    now = now or datetime.now(timezone.utc)
    return (now - timedelta(days=days)).isoformat(timespec="seconds")


def count_expired(db: sqlite_utils.Database, settings: Settings, now: datetime | None = None) -> int:
    """How many items :func:`purge_expired` would purge now (0 when ``retention_days`` is 0)."""
    days = settings.retention.retention_days
    return store.count_purgeable(db, retention_cutoff(days, now)) if days > 0 else 0


def purge_expired(db: sqlite_utils.Database, settings: Settings, now: datetime | None = None) -> int:
    """Purge raw content (item title and text, version texts, snapshots, quotes in analyses) of unflagged
    items collected more than ``retention_days`` ago; returns the number of items purged (0 when
    ``retention_days`` is 0, which keeps everything).

    Uses secure delete, merges the full-text index and checkpoints the WAL so the purged text is gone
    from the file, not just unlinked.
    """
    days = settings.retention.retention_days
    if days <= 0:
        return 0
    cutoff = retention_cutoff(days, now)
    store.secure_delete_on(db)
    purged, snapshots = store.purge_raw_content(db, cutoff)
    if purged:
        log_event(db, "retention", "retention", "", items=purged, snapshots=len(snapshots), cutoff=cutoff)
        store.compact(db, vacuum=False)
    logger.info("retention: purged raw content of %d items collected before %s", purged, cutoff)
    return purged
