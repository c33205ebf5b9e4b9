"""Store queries of the distributed workers: which item versions of a batch still need analysing, and
every stored item id (for the crawlers' claims)."""

from __future__ import annotations

import logging
from typing import Iterable, Iterator

import sqlite_utils

from tocsin.store.db import marks

logger = logging.getLogger(__name__)

CHUNK = 400


def analysed_versions(db: sqlite_utils.Database, versions: Iterable[tuple[str, str]], model_name: str,
                      model_version: str) -> set[tuple[str, str]]:
    """The ``(item_id, content_hash)`` pairs among ``versions`` already analysed by this model version.

    :param versions: item ids with the content hash to check.
    """
    wanted = list(dict.fromkeys(versions))
    found: set[tuple[str, str]] = set()
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        ids = list({item_id for item_id, _ in chunk})
        rows = db.execute(
            f"SELECT item_id, content_hash FROM analyses WHERE model_name = ? AND model_version = ? AND item_id IN ({marks(ids)})",
            [model_name, model_version, *ids],
        )
        found.update((r[0], r[1]) for r in rows)
    return found & set(wanted)


def iter_item_ids(db: sqlite_utils.Database, chunk: int = 5000) -> Iterator[list[str]]:
    """Every stored item id, in chunks, in storage order."""
    last = 0
    while True:
        rows = db.execute("SELECT seq, id FROM items WHERE seq > ? ORDER BY seq LIMIT ?", [last, chunk]).fetchall()
        if not rows:
            return
        last = rows[-1][0]
        yield [r[1] for r in rows]
