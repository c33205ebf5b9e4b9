"""The daemon's analyse step on a large store: the cost of finding the items to analyse, apart from analysing them.

A store of N items already analysed, with 1,000 unanalysed ones spread evenly through it (as after a pause, or
posts edited at their sources), is worked off as the daemon does it: one ``analyse_pending`` call per batch of 32,
with an analyser that takes no time, so what is timed is reading the store. Two ways are timed on copies of the
same store: each call reading on from the last item taken (``after_seq``, as the daemon does), and each call
reading from the store's first item.

    python -m bench.backlog [N]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

PENDING = 1_000
BATCH = 32


class Instant:
    """An analyser that reads every text as harmless at once."""

    model_name, model_version = "bench", "1"

    def analyse_texts(self, texts, lang_hints, item_ids, content_hashes):
        from tocsin.analysis_record import AnalysisRecord

        return [AnalysisRecord(item_id=i, content_hash=h, model_name="bench", model_version="1", patterns_version="p",
                               threshold=0.5, score=0.1, incitement=False) for i, h in zip(item_ids, content_hashes)]


def build_store(path: Path, items: int) -> None:
    """``items`` items, all but :data:`PENDING` of them (evenly spread) analysed by the bench model."""
    from tocsin.store import connect
    from tocsin.store.sources import ensure_source

    db = connect(path)
    ensure_source(db, "bench")
    every = max(1, items // PENDING)
    with db.conn:
        db.conn.executemany(
            "INSERT INTO items (id, source, kind, url, title, text, first_seen, last_seen, content_hash) "
            "VALUES (?, 'bench', 'post', ?, '', 'a fictional post', '2026-01-01', '2026-01-01', ?)",
            ((f"i{n}", f"https://bench.example/{n}", f"h{n}") for n in range(items)))
        db.conn.executemany(
            "INSERT INTO analyses (item_id, content_hash, model_name, model_version, patterns_version, threshold, score, "
            "incitement, analysed_at) VALUES (?, ?, 'bench', '1', 'p', 0.5, 0.1, 0, '2026-01-01')",
            ((f"i{n}", f"h{n}") for n in range(items) if n % every))
    db.close()


def work_off(path: Path, reading_on: bool) -> tuple[float, int]:
    """Seconds to analyse every pending item one batch per call, and how many were analysed."""
    from tocsin.analyse import analyse_pending
    from tocsin.config import Settings
    from tocsin.store import connect

    settings = Settings()
    settings.model.batch_size = BATCH
    db = connect(path)
    analysed, after_seq, started = 0, 0, time.perf_counter()
    while True:
        summary = analyse_pending(db, settings, analyser=Instant(), limit=BATCH, after_seq=after_seq if reading_on else 0)
        analysed += summary.analysed
        after_seq = summary.last_seq
        if summary.analysed < BATCH:
            break
    seconds = time.perf_counter() - started
    db.close()
    return seconds, analysed


def main(items: int = 200_000) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="tocsin-bench-backlog-"))
    try:
        build_store(folder / "store.db", items)
        figures: dict[str, float] = {"items": items, "pending": PENDING}
        for name, reading_on in (("reading on", True), ("from the start", False)):
            copy = folder / f"{name.replace(' ', '-')}.db"
            shutil.copy(folder / "store.db", copy)
            seconds, analysed = work_off(copy, reading_on)
            figures[f"{name}: seconds"] = seconds
            figures[f"{name}: analysed"] = analysed
        for key, value in figures.items():
            print(f"{key:28} {value:12,.2f}", flush=True)
        return figures
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
