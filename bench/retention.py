"""Retention on a store whose kept pages hold the purged comments: the first purge of a store full of old items.

Builds N items from a few sources, each with a ~12 KB raw page kept as a snapshot, where every page also quotes the
comments of two other items of its source (as a forum thread or an article's page with its comments does). One
item in four is flagged and keeps its page; the rest are past retention. Then times ``purge_expired``, which purges
the unflagged items and masks what they wrote in the flagged items' pages (``SharedSnapshotScrub``), and prints the
purge's seconds, items per second and how many pages were masked or dropped.

    python -m bench.retention [N]
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench._machine import reference_line

ITEMS = 4_000
SOURCES = 3
WORDS = ("bazaar", "Osh", "neighbours", "market", "prices", "rumour", "police", "border", "school", "harvest", "road",
         "water", "mahalla", "city", "council", "news", "bread", "bus", "wedding", "rain", "field", "Jalal-Abad")


def sentence(rng: random.Random, n: int) -> str:
    """A fictional sentence, made distinct by its number."""
    return f"Comment {n}: " + " ".join(rng.choice(WORDS) for _ in range(14)) + "."


def page(rng: random.Random, own: str, quoted: list[str]) -> bytes:
    """A ~12 KB page with the item's own text and the comments of others quoted below it."""
    filler = "".join(f"<p>{' '.join(rng.choice(WORDS) for _ in range(40))}</p>" for _ in range(35))
    comments = "".join(f'<div class="comment"><p>{text}</p></div>' for text in quoted)
    return (f"<html><head><title>t</title></head><body><article><p>{own}</p>{filler}</article>"
            f"<section>{comments}</section></body></html>").encode("utf-8")


def build(db_path: Path, items: int, rng: random.Random) -> int:
    """The store; returns how many items are flagged (they keep their pages)."""
    from tocsin.store import ItemRecord, connect, upsert_item
    from tocsin.store.analyses import AnalysisRecord, save_analysis
    from tocsin.store.sources import ensure_source

    db = connect(db_path)
    texts = [sentence(rng, n) for n in range(items)]
    flagged = 0
    for n, text in enumerate(texts):
        source = f"forum-{n % SOURCES}"
        ensure_source(db, source)
        quoted = [texts[(n + k * SOURCES) % items] for k in (1, 2)]
        record = ItemRecord(source=source, url=f"https://forum.example.org/{n}", kind="post", title="", text=text,
                            author=f"poster {n}", published_at="2025-01-01T10:00:00+00:00", lang="en",
                            raw=page(rng, text, quoted), content_type="text/html")
        upsert_item(db, record)
        flag = n % 4 == 0
        flagged += flag
        save_analysis(db, AnalysisRecord(item_id=record.id, content_hash=record.content_hash, model_name="bench",
                                         model_version="1", patterns_version="1", threshold=0.5, score=0.9 if flag else 0.1,
                                         incitement=flag, lang="en", explanation="fictional"))
    db.close()
    return flagged


def main(items: int = ITEMS) -> dict[str, float]:
    """Build the store, purge it once; the figures."""
    from tocsin.config import Settings
    from tocsin.export.retention import purge_expired
    from tocsin.store import connect

    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="tocsin-bench-retention-") as tmp:
        db_path = Path(tmp) / "bench.db"
        started = time.perf_counter()
        flagged = build(db_path, items, rng)
        print(f"built {items} items ({flagged} flagged, keeping pages that quote the others) in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        db = connect(db_path)
        cpu, started = time.process_time(), time.perf_counter()
        purged = purge_expired(db, Settings(), now=datetime.now(timezone.utc) + timedelta(days=400), trust_clock=True)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        (details,) = db.execute("SELECT details FROM audit_log WHERE action = 'retention'").fetchone()
        db.close()
    pages = json.loads(details)
    figures = {"items": items, "purged": purged, "seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1),
               "purged_per_s": round(purged / seconds, 1) if seconds else 0.0,
               "pages_masked": pages.get("snapshots_masked", 0), "snapshots_gone": pages.get("snapshots", 0)}
    print(f"retention: purged {purged} items in {seconds:.1f} s ({cpu:.1f} CPU s, {figures['purged_per_s']:,} items/s); "
          f"{figures['pages_masked']} kept pages masked, {figures['snapshots_gone']} snapshots gone", flush=True)
    return figures


if __name__ == "__main__":
    print(reference_line(), flush=True)
    main(int(sys.argv[1]) if len(sys.argv) > 1 else ITEMS)
