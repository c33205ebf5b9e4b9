"""Export speed and memory: 100,000 items to CSV, JSONL and Parquet; then a retention purge and an erasure.

Builds a store of synthetic items (with analyses, spans, identifiers to redact and reviews) through
``tocsin.store.exporting.bulk_insert``, then exports it once per format, each in a fresh process so its
peak resident memory (``ru_maxrss``: interpreter, pyarrow and all) is its own. Goal: at least 20,000
rows/s within 300 MB. Wall-clock rows/s depends on what else the machine runs; rows per CPU second
does not. Run: ``python -m bench.export [N]``.

``python -m bench.export N --spans K`` exports N long posts of K evidence spans each instead (no reviews):
memory must stay flat there too, however many spans an item carries.
"""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._machine import reference_line

ITEMS = 100_000
FORMATS = ("csv", "jsonl", "parquet")
WORDS = ("bazaar", "Osh", "uzbek", "kyrgyz", "neighbours", "market", "prices", "rumour", "police", "border", "school",
         "harvest", "road", "water", "mahalla", "city", "council", "they", "must", "leave", "vermin", "news")


def synthetic_text(rng: random.Random, n: int) -> str:
    """About 600 characters; one item in ten carries a handle, a phone number and an e-mail address."""
    words = [rng.choice(WORDS) for _ in range(90)]
    text = " ".join(words)
    if n % 10 == 0:
        text += f" Contact @user_{n} at +996 555 {n % 1000:03d} {n % 997:03d} or user{n}@example.org."
    return text


def build_store(path: Path, items: int = ITEMS) -> float:
    """Create a store with ``items`` items, an analysis each and reviews on one in five; seconds taken."""
    from tocsin.store import connect
    from tocsin.store.db import utcnow
    from tocsin.store.exporting import bulk_insert
    from tocsin.store.sources import ensure_source

    started = time.perf_counter()
    rng = random.Random(7)
    db = connect(path)
    for source in ("alpha", "beta", "gamma"):
        ensure_source(db, source)
    now = utcnow()
    for start in range(0, items, 10_000):
        rows, analyses, reviews = [], [], []
        for n in range(start, min(items, start + 10_000)):
            text = synthetic_text(rng, n)
            item_id = f"{n:064x}"
            rows.append(item_row(n, text, now))
            spans = []
            analysed = f"Item {n}\n\n{text}"  # what the analyser reads: title, blank line, body
            for kind, label, word in (("target", "uzbek", "uzbek"), ("place", "osh", "Osh"), ("cue", "dehumanization", "vermin")):
                at = analysed.find(word)
                if at >= 0:
                    spans.append({"kind": kind, "label": label, "text": word, "start": at, "end": at + len(word)})
            analyses.append(analysis_row(item_id, spans, rng.random(), now))
            if n % 5 == 0:
                reviews += [{"item_id": item_id, "reviewer": r, "decision": rng.choice(("incitement", "not_incitement")), "note": "", "at": now}
                            for r in ("r1", "r2", "r3")]
        bulk_insert(db, "items", rows)
        bulk_insert(db, "analyses", analyses)
        bulk_insert(db, "reviews", reviews)
    db.close()
    return time.perf_counter() - started


def item_row(n: int, text: str, now: str) -> dict[str, object]:
    """The ``items`` row of synthetic item ``n``, titled ``Item n``."""
    item_id = f"{n:064x}"
    return {"id": item_id, "source": ("alpha", "beta", "gamma")[n % 3], "kind": "post", "url": f"https://example.org/{n}",
            "title": f"Item {n}", "text": text, "author_pseudonym": f"a_{n % 5000:016x}", "published_at": now,
            "first_seen": now, "last_seen": now, "lang": "ru", "content_hash": item_id,
            "meta": json.dumps({"author_url": f"https://t.me/user_{n % 5000}"})}


def analysis_row(item_id: str, spans: list[dict[str, object]], score: float, now: str) -> dict[str, object]:
    """The ``analyses`` row of an item with these evidence spans (its targets and places taken from them)."""
    return {"item_id": item_id, "content_hash": item_id, "model_name": "bench", "model_version": "1",
            "patterns_version": "p1", "threshold": 0.5, "score": score, "incitement": int(score >= 0.5),
            "lang": "ru", "hallmarks": json.dumps(["dehumanization"] if score >= 0.5 else []),
            "targets": json.dumps([{"group": s["label"], "text": s["text"], "start": s["start"], "end": s["end"]} for s in spans if s["kind"] == "target"]),
            "places": json.dumps([{"place": s["label"], "text": s["text"], "start": s["start"], "end": s["end"]} for s in spans if s["kind"] == "place"]),
            "spans": json.dumps(spans), "explanation": "benchmark", "error": "", "analysed_at": now}


#: The sentence long posts repeat, and its evidence spans: (kind, label, word).
SENTENCE = "In Osh the uzbek neighbours are vermin, they must leave. "
SENTENCE_SPANS = (("place", "osh", "Osh"), ("target", "uzbek", "uzbek"), ("cue", "dehumanization", "vermin"))


def build_span_store(path: Path, items: int, spans_per_item: int) -> float:
    """Create a store of ``items`` long posts with ``spans_per_item`` evidence spans each (a place, a target and
    a cue in every sentence) and an analysis each; seconds taken."""
    from tocsin.store import connect
    from tocsin.store.db import utcnow
    from tocsin.store.exporting import bulk_insert
    from tocsin.store.sources import ensure_source

    started = time.perf_counter()
    db = connect(path)
    for source in ("alpha", "beta", "gamma"):
        ensure_source(db, source)
    now = utcnow()
    sentences = -(-spans_per_item // len(SENTENCE_SPANS))
    text = SENTENCE * sentences
    for n in range(items):
        offset = len(f"Item {n}\n\n")  # the analysed text: title, blank line, body
        spans = [{"kind": kind, "label": label, "text": word, "start": at, "end": at + len(word)}
                 for k in range(sentences) for kind, label, word in SENTENCE_SPANS
                 for at in [offset + k * len(SENTENCE) + SENTENCE.index(word)]][:spans_per_item]
        bulk_insert(db, "items", [item_row(n, text, now)])
        bulk_insert(db, "analyses", [analysis_row(f"{n:064x}", spans, 0.9, now)])
    db.close()
    return time.perf_counter() - started


def export_once(fmt: str, db_path: str, out: str) -> dict[str, float]:
    """Export the store in one format (run in its own process); rows, seconds, rows/s, peak RSS in MB."""
    from tocsin.config import Settings
    from tocsin.export.dataset import ExportOptions, export_dataset
    from tocsin.store import connect

    db = connect(db_path)
    started, cpu_started = time.perf_counter(), time.process_time()
    summary = export_dataset(db, Settings(), ExportOptions(fmt=fmt, out=Path(out), force=True))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return {"rows": summary.rows, "seconds": round(seconds, 2), "rows_per_s": round(summary.rows / seconds),
            "rows_per_cpu_s": round(summary.rows / cpu),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "file_mb": round(summary.data_path.stat().st_size / 1e6, 1)}


def main(items: int = ITEMS, spans_per_item: int = 0) -> dict[str, float]:
    """Build the store (long posts of ``spans_per_item`` spans each, if given), export it in each format, print
    and return the figures."""
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="tocsin-bench-export-") as tmp:
        db_path = Path(tmp) / "bench.db"
        if spans_per_item:
            figures["build_s"] = round(build_span_store(db_path, items, spans_per_item), 1)
            print(f"built {items} items of {spans_per_item:,} spans each ({items * spans_per_item:,} spans) "
                  f"in {figures['build_s']} s", flush=True)
        else:
            figures["build_s"] = round(build_store(db_path, items), 1)
            print(f"built {items} items in {figures['build_s']} s", flush=True)
        for fmt in FORMATS:
            load = os.getloadavg()[0]  # other work on the machine slows the wall-clock rate
            out = subprocess.run([sys.executable, "-m", "bench.export", "--one", fmt, str(db_path), str(Path(tmp) / fmt)],
                                 check=True, capture_output=True, text=True).stdout
            result = json.loads(out.strip().splitlines()[-1])
            print(f"{fmt:8} {result['rows']} rows in {result['seconds']} s: {result['rows_per_s']:,} rows/s "
                  f"({result['rows_per_cpu_s']:,} per CPU second), "
                  f"peak RSS {result['peak_rss_mb']} MB, file {result['file_mb']} MB, load average {load:.1f}", flush=True)
            for key in ("rows_per_s", "rows_per_cpu_s", "peak_rss_mb", "file_mb"):
                figures[f"{fmt}_{key}"] = result[key]
        figures.update(time_retention_and_forget(db_path))
    return figures


def time_retention_and_forget(db_path: Path) -> dict[str, float]:
    """Seconds to purge every unflagged item past retention, then to forget 20 items (with VACUUM)."""
    from datetime import datetime, timedelta, timezone

    from tocsin.config import Settings
    from tocsin.export.erasure import forget
    from tocsin.export.retention import purge_expired
    from tocsin.store import connect

    db = connect(db_path)
    started = time.perf_counter()
    purged = purge_expired(db, Settings(), now=datetime.now(timezone.utc) + timedelta(days=400), trust_clock=True)
    retention_s = time.perf_counter() - started
    ids = [f"{n:064x}" for n in range(0, 100, 5)]
    started = time.perf_counter()
    forget(db, Settings(), item_ids=ids)
    forget_s = time.perf_counter() - started
    db.close()
    print(f"retention: purged {purged} unflagged items in {retention_s:.1f} s; forget of 20 items (with VACUUM) "
          f"in {forget_s:.1f} s", flush=True)
    return {"retention_purged": purged, "retention_s": round(retention_s, 1), "forget_20_items_s": round(forget_s, 1)}


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--one":
        print(json.dumps(export_once(*sys.argv[2:])))
    else:
        args = sys.argv[1:]
        spans = int(args.pop(args.index("--spans") + 1)) if "--spans" in args else 0
        args = [a for a in args if a != "--spans"]
        print(reference_line(), flush=True)
        main(int(args[0]) if args else ITEMS, spans)
