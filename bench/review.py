"""Review page speed: the queue, its filter counts, search, an item page and stats over a large store.

Builds the export benchmark's synthetic store (items with analyses, about half flagged, three reviewers on
one item in five), logs in through the real app (Flask test client, no network) and times each page:
median of several requests, wall-clock and CPU time. Goal: every page under 1 s of CPU at 100,000 items. Run: ``python -m bench.review [N]``.
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ITEMS = 100_000
REPEAT = 5


def timed(client, url: str, repeat: int = REPEAT) -> tuple[float, float]:
    """Median wall-clock and CPU milliseconds of ``repeat`` GETs of ``url`` (each must answer 200).

    CPU time is this process's own: on a machine shared with other work it shows the page's cost when
    wall-clock time mostly shows the waiting.
    """
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return round(statistics.median(walls), 1), round(statistics.median(cpus), 1)


def main(items: int = ITEMS) -> dict[str, float]:
    """Build the store, time the pages, print and return the figures."""
    from bench.export import build_store
    from tocsin.config import Settings
    from tocsin.review import create_app
    from tocsin.review.accounts import add_user
    from tocsin.store import connect

    figures: dict[str, float] = {"items": items}
    with tempfile.TemporaryDirectory(prefix="tocsin-bench-review-") as tmp:
        path = Path(tmp) / "bench.db"
        figures["build_s"] = round(build_store(path, items), 1)
        db = connect(path)
        add_user(db, "bench", "bench password", "lead")
        item_id = db.execute("SELECT item_id FROM analyses WHERE incitement = 1 LIMIT 1").fetchone()[0]
        figures["flagged"] = db.execute("SELECT COUNT(*) FROM analyses WHERE incitement = 1").fetchone()[0]
        print(f"{items} items, {figures['flagged']} flagged, built in {figures['build_s']} s", flush=True)
        db.close()
        client = create_app(Settings(), path).test_client()
        html = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
        client.post("/login", data={"username": "bench", "password": "bench password", "csrf_token": token})
        pages = {
            "queue_ms": "/",
            "queue_filtered_ms": "/?lang=ru&group=uzbek&place=osh&hallmark=dehumanization&source=alpha",
            "queue_search_ms": "/?q=vermin+bazaar",
            "queue_all_page_20_ms": "/?status=all&page=20",
            "item_ms": f"/items/{item_id}",
            "stats_ms": "/stats",
        }
        for name, url in pages.items():
            figures[name], figures[name.replace("_ms", "_cpu_ms")] = timed(client, url)
            print(f"{name:>22}: {figures[name]:8.1f} ms wall, {figures[name.replace('_ms', '_cpu_ms')]:8.1f} ms CPU", flush=True)
        figures["load_average"] = round(os.getloadavg()[0], 1)
        print(f"load average during the run: {figures['load_average']} on {os.cpu_count()} CPUs", flush=True)
    return figures


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else ITEMS)
