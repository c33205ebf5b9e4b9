"""Review page under load: 8 concurrent readers while a writer stores items and analyses as the daemon does.

Builds a store (the export benchmark's synthetic items), serves the real review page with waitress on
127.0.0.1 in a subprocess (``tocsin serve``), starts a writer process that upserts items and saves
analyses in batches (each batch one ``BEGIN IMMEDIATE`` transaction, as ``analyse_pending`` does) at
``WRITES_PER_S`` for the whole run, and has 8 logged-in readers fetch the queue and item pages over
HTTP. Prints p50/p95 latency per page, the writer's rows/s and how long it holds the write lock per
batch, and the number of failed requests (a "database is locked" error reaching a user would be one).
Goal: p95 < 300 ms. Run: ``python -m bench.load [SECONDS] [ITEMS] [FILTERS]`` (the store holds ITEMS
synthetic items, about half of them flagged, before the writer starts; FILTERS, a query string such as
``group=uzbek&place=osh&status=all``, narrows the queue and item pages the readers fetch, so their
counts and next/previous work on a filtered view).
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

READERS = 8
SECONDS = 30
ITEMS = 20_000
#: Items (each with its flagged analysis) the writer stores per second, in batches of 50: about four
#: times what one machine's pipeline analyses end to end (see bench.pipeline).
WRITES_PER_S = 50


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def logged_in_opener(base: str, username: str, password: str) -> urllib.request.OpenerDirector:
    """An HTTP client with a session cookie for the review page."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    html = opener.open(f"{base}/login", timeout=10).read().decode()
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    body = urllib.parse.urlencode({"username": username, "password": password, "csrf_token": token}).encode()
    opener.open(f"{base}/login", data=body, timeout=10).read()
    return opener


WRITER = r"""
import sys, time, json
from tocsin.store import connect, transaction, ItemRecord, upsert_item
from tocsin.store.analyses import AnalysisRecord, save_analysis
db = connect(sys.argv[1])
deadline = time.monotonic() + float(sys.argv[2])
per_second = float(sys.argv[3])
n = 0
held = []
while time.monotonic() < deadline:
    tick = time.monotonic()
    with transaction(db):
        for _ in range(50):
            rec = ItemRecord(source="alpha", url=f"https://load.example.org/{n}", kind="post",
                             text=f"load item {n}: they must leave Osh, uzbek vermin", author=f"user{n % 97}", lang="ru")
            upsert_item(db, rec)
            save_analysis(db, AnalysisRecord(item_id=rec.id, content_hash=rec.content_hash, model_name="load",
                          model_version="1", patterns_version="p", threshold=0.5, score=0.9, incitement=True, lang="ru",
                          targets=[{"group": "uzbek", "text": "uzbek", "start": 0, "end": 5}], hallmarks=["call_to_expulsion"]))
            n += 1
    held.append(time.monotonic() - tick)
    time.sleep(max(0.0, 50 / per_second - (time.monotonic() - tick)))
held.sort()
print(n, 1000 * held[len(held) // 2], 1000 * held[int(0.95 * (len(held) - 1))])
"""


def main(seconds: float = SECONDS, items: int = ITEMS, filters: str = "") -> dict[str, float]:
    """Run the load and print p50/p95 per page, failures and the writer's rate.

    :param filters: a query string added to the queue and item page URLs (empty: the default 'todo' view).
    """
    from bench.export import build_store
    from tocsin.review.accounts import add_user
    from tocsin.store import connect

    figures: dict[str, float] = {"items": items}
    with tempfile.TemporaryDirectory(prefix="tocsin-bench-load-") as tmp:
        path = Path(tmp) / "load.db"
        build_store(path, items)
        db = connect(path)
        add_user(db, "load", "load password 1", "lead")
        item_ids = [r[0] for r in db.execute("SELECT item_id FROM analyses WHERE incitement = 1 LIMIT 200")]
        figures["flagged"] = db.execute("SELECT COUNT(*) FROM review_queue").fetchone()[0]
        db.close()
        query = f"?{filters}" if filters else ""
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "TOCSIN_LOG_LEVEL": "WARNING"}
        tocsin = str(Path(sys.executable).with_name("tocsin"))
        server = subprocess.Popen([tocsin, "--db", str(path), "serve", "--port", str(port)],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(f"{base}/login")
            writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(seconds), str(WRITES_PER_S)],
                                      stdout=subprocess.PIPE, text=True)
            latencies: dict[str, list[float]] = {"queue": [], "item": []}
            failures: list[str] = []
            lock = threading.Lock()
            stop = time.monotonic() + seconds

            def reader(k: int) -> None:
                opener = logged_in_opener(base, "load", "load password 1")
                i = k
                while time.monotonic() < stop:
                    item_url = f"{base}/items/{item_ids[i % len(item_ids)]}{query}"
                    for page, url in (("queue", f"{base}/{query}"), ("item", item_url)):
                        started = time.perf_counter()
                        try:
                            with opener.open(url, timeout=30) as response:
                                body = response.read()
                                ok = response.status == 200 and b"database is locked" not in body
                        except Exception as e:  # noqa: BLE001 - every failure is counted and shown
                            ok, body = False, str(e).encode()
                        elapsed = (time.perf_counter() - started) * 1000
                        with lock:
                            latencies[page].append(elapsed)
                            if not ok:
                                failures.append(f"{url}: {body[:200]!r}")
                    i += READERS

            threads = [threading.Thread(target=reader, args=(k,)) for k in range(READERS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            written, batch_p50, batch_p95 = (float(v) for v in writer.communicate(timeout=120)[0].split())
        finally:
            server.terminate()
            server.wait(timeout=30)
    for page, values in latencies.items():
        values.sort()
        figures[f"{page}_p50_ms"] = round(statistics.median(values), 1)
        figures[f"{page}_p95_ms"] = round(values[int(0.95 * (len(values) - 1))], 1)
        figures[f"{page}_requests"] = len(values)
    figures["failed_requests"] = len(failures)
    figures["writer_rows_per_s"] = round(written / seconds, 1)
    figures["writer_batch_p50_ms"] = round(batch_p50, 1)   # one transaction of 50 items and analyses
    figures["writer_batch_p95_ms"] = round(batch_p95, 1)
    if filters:
        print(f"{'filters':>20}: {filters}")
    for key, value in figures.items():
        print(f"{key:>20}: {value}", flush=True)
    for failure in failures[:5]:
        print("  failed:", failure)
    return figures


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else SECONDS, int(sys.argv[2]) if len(sys.argv) > 2 else ITEMS,
         sys.argv[3] if len(sys.argv) > 3 else "")
