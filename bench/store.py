"""Store write speed: ``upsert_item`` of new items (one transaction per batch, and one per item) and
``save_analysis`` (one transaction per batch of 32, as the analyser saves them).

Each item is what the crawler stores: a ~1,200-character text, a title, an author (pseudonymised by the
store), meta, and a ~12 KB raw page kept as a compressed snapshot. The store is an on-disk SQLite file
in WAL mode with ``synchronous = NORMAL`` (as ``tocsin.store.connect`` opens it). Goal: the store is never
the bottleneck — it must take new items well above the crawl's pages/s (see ``bench.crawl``).

    python -m bench.store [N]
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

ITEMS = 5_000
PER_ITEM = 1_000
BATCH = 32
WORDS = ("bazaar", "Osh", "neighbours", "market", "prices", "rumour", "police", "border", "school", "harvest", "road",
         "water", "mahalla", "city", "council", "news", "bread", "bus", "wedding", "rain", "field", "Jalal-Abad")


def records(prefix: str, n: int, rng: random.Random) -> list:
    """``n`` new items as the crawler hands them to the store."""
    from tocsin.store import ItemRecord

    out = []
    for i in range(n):
        text = " ".join(rng.choice(WORDS) for _ in range(180))
        page = ("<html><head><title>t</title></head><body><nav>menu</nav><article>"
                + "".join(f"<p>{' '.join(rng.choice(WORDS) for _ in range(40))}</p>" for _ in range(40))
                + "</article></body></html>")
        out.append(ItemRecord(
            source="bench", url=f"https://news.example.org/{prefix}/{i}.html", kind="article",
            title=f"Fictional story {prefix} {i}", text=text, author=f"reporter {i % 50}",
            published_at="2026-11-01T10:00:00+00:00", lang="ru", meta={"section": "region", "n": i},
            raw=page.encode("utf-8"), content_type="text/html",
        ))
    return out


def analyses(ids: list[tuple[str, str]], rng: random.Random) -> list:
    """One analysis per (item id, content hash), a quarter of them flagged with spans."""
    from tocsin.store.analyses import AnalysisRecord

    out = []
    for n, (item_id, digest) in enumerate(ids):
        flagged = n % 4 == 0
        out.append(AnalysisRecord(
            item_id=item_id, content_hash=digest, model_name="bench", model_version="1", patterns_version="1",
            threshold=0.5, score=rng.random(), incitement=flagged, lang="ru",
            targets=[{"group": "uzbek", "text": "uzbeks", "start": 10, "end": 16}] if flagged else [],
            places=[{"place": "osh", "text": "Osh", "start": 30, "end": 33}],
            hallmarks=["dehumanisation"] if flagged else [],
            spans=[{"kind": "hallmark", "label": "dehumanisation", "text": "vermin", "start": 40, "end": 46}] if flagged else [],
            explanation="fictional explanation for the benchmark",
        ))
    return out


def per_second(n: int, seconds: float) -> float:
    return round(n / seconds, 1) if seconds > 0 else 0.0


def main(items: int = ITEMS) -> dict[str, float]:
    """Time the three write paths on a fresh on-disk store; return the figures."""
    from tocsin.store import connect, transaction, upsert_item
    from tocsin.store.analyses import save_analysis
    from tocsin.store.sources import ensure_source

    rng = random.Random(7)
    batched = records("batch", items, rng)
    single = records("single", min(PER_ITEM, items), rng)
    with tempfile.TemporaryDirectory(prefix="tocsin-bench-store-") as tmp:
        db = connect(Path(tmp) / "bench.db")
        ensure_source(db, "bench")

        started = time.perf_counter()
        for i in range(0, len(batched), BATCH):
            with transaction(db):
                outcomes = [upsert_item(db, rec) for rec in batched[i:i + BATCH]]
            assert all(o == "new" for o in outcomes), outcomes
        batch_s = time.perf_counter() - started

        started = time.perf_counter()
        for rec in single:
            upsert_item(db, rec)
        single_s = time.perf_counter() - started

        ids = [(rec.id, rec.content_hash) for rec in batched]
        rows = analyses(ids, rng)
        started = time.perf_counter()
        for i in range(0, len(rows), BATCH):
            with transaction(db):
                for rec in rows[i:i + BATCH]:
                    save_analysis(db, rec)
        analysis_s = time.perf_counter() - started

        stored = db.execute("SELECT count(*) FROM items").fetchone()[0]
        saved = db.execute("SELECT count(*) FROM analyses").fetchone()[0]
        db.close()
        size_mb = sum(p.stat().st_size for p in Path(tmp).iterdir()) / 1e6
    if stored != len(batched) + len(single) or saved != len(rows):
        raise RuntimeError(f"stored {stored} items and {saved} analyses, expected {len(batched) + len(single)} and {len(rows)}")
    figures = {
        "items_batched": float(len(batched)),
        f"inserts_per_s_batch_{BATCH}": per_second(len(batched), batch_s),
        "items_single": float(len(single)),
        "inserts_per_s_one_per_txn": per_second(len(single), single_s),
        f"analyses_per_s_batch_{BATCH}": per_second(len(rows), analysis_s),
        "db_mb": round(size_mb, 1),
    }
    for key, value in figures.items():
        print(f"{key:28s} {value:,.1f}")
    return figures


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
