"""Distributed mode's throughput on this machine: items per second end to end (two crawler processes →
Redis → analysis workers → SQLite) with 1 and with 2 analysis workers, and the workers' own rate on a
stream fed as fast as Redis takes it (also: 2 publishing workers and one writer).

A local redis-server is started; the crawl is of a scaled-up demo world (generated articles under
``/bench/`` on two loopback hosts, politeness delays off). Workers run with ``model.threads = 1`` so
that two workers use two cores. Times start once every worker has loaded its model.

    python -m bench.scale [ITEMS_CRAWLED] [ITEMS_FED_TO_WORKERS]
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from tocsin.config import Settings, SourceSettings
from tocsin.crawler.demo_world import expected_texts, serve_demo_world
from tocsin.distributed import Keys, connect_redis
from tocsin.config_toml import dump_settings
from tocsin.distributed.heartbeat import read_heartbeats
from tocsin.distributed.redis_server import local_redis
from tocsin.distributed.stream import StreamPusher
from tocsin.store import ItemRecord, connect

TOCSIN = str(Path(sys.executable).parent / "tocsin")


def analysis_ready(settings: Settings) -> tuple[bool, str]:
    """Whether tocsin's own analyser loads here (the embedded model exists), and why not."""
    try:
        from tocsin.distributed.model_analyser import ModelBatchAnalyser

        analyser = ModelBatchAnalyser(settings)
        return True, f"{analyser.model_name} {analyser.model_version}"
    except Exception as e:  # noqa: BLE001 - reported in the figures
        return False, f"{type(e).__name__}: {str(e)[:200]}"


def start_workers(config: Path, db: Path, commands: list[list[str]], env: dict[str, str]) -> list[subprocess.Popen]:
    """One ``tocsin worker …`` process per command (e.g. ``["analyse"]``), named bench-0, bench-1, …"""
    return [subprocess.Popen([TOCSIN, "--config", str(config), "--db", str(db), "worker", *command, "--name", f"bench-{i}"],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            for i, command in enumerate(commands)]


def wait_ready(redis: Any, keys: Keys, count: int, workers: list[subprocess.Popen], timeout_s: float = 300) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        ready = [h for h in read_heartbeats(redis, keys) if h["name"].startswith("bench-") and h["state"] in ("ready", "idle")]
        if len(ready) >= count:
            return
        for w in workers:
            if w.poll() is not None:
                raise RuntimeError(f"a worker exited: {w.stderr.read()[-2000:] if w.stderr else ''}")
        time.sleep(0.1)
    raise RuntimeError("workers did not become ready")


def stop(workers: list[subprocess.Popen]) -> None:
    for w in workers:
        w.send_signal(signal.SIGTERM)
    for w in workers:
        try:
            w.wait(60)
        except subprocess.TimeoutExpired:
            w.kill()
            w.wait()


def wait_drained(redis: Any, keys: Keys, db_path: Path, expected: int, analysed_table: bool, timeout_s: float = 1800) -> None:
    """Until the stream is empty and ``expected`` items are stored (and analysed)."""
    deadline = time.monotonic() + timeout_s
    db = connect(db_path)
    sql = "SELECT count(DISTINCT item_id) FROM analyses" if analysed_table else "SELECT count(*) FROM items"
    while time.monotonic() < deadline:
        if redis.xlen(keys.stream) == 0 and redis.xlen(keys.analysed().stream) == 0 and db.execute(sql).fetchone()[0] >= expected:
            db.close()
            return
        time.sleep(0.05)
    raise RuntimeError("the workers did not drain the stream in time")


def page_like(n: int) -> bytes:
    """A raw page body of about 20 kB that compresses like HTML does (markup repeats, text does not)."""
    import random

    rnd = random.Random(n)
    words = " ".join(rnd.choice(("bazaar", "news", "Osh", "road", "market", "prices", "school", "water")) + str(rnd.randint(0, 99))
                     for _ in range(1200))
    return f"<html><head><title>{n}</title></head><body>{'<div class=nav><a href=/x>x</a></div>' * 60}<p>{words}</p></body></html>".encode()


def drain_rate(redis: Any, keys: Keys, db_path: Path, expected: int, analysed: bool, timeout_s: float = 1800) -> float:
    """Items per second from the first item written to the last (model loading and start-up excluded)."""
    db = connect(db_path)
    sql = "SELECT count(DISTINCT item_id) FROM analyses" if analysed else "SELECT count(*) FROM items"
    deadline = time.monotonic() + timeout_s
    first: tuple[float, int] | None = None
    try:
        while time.monotonic() < deadline:
            done = db.execute(sql).fetchone()[0]
            now = time.perf_counter()
            if done and first is None:
                first = (now, done)
            if done >= expected and redis.xlen(keys.stream) == 0 and redis.xlen(keys.analysed().stream) == 0:
                assert first is not None
                return (done - first[1]) / max(now - first[0], 1e-3)
            time.sleep(0.02)
    finally:
        db.close()
    raise RuntimeError("the workers did not drain the stream in time")


def fresh(redis: Any, folder: Path) -> Path:
    redis.flushdb()
    db_path = folder / f"hub-{time.monotonic_ns()}.db"
    connect(db_path).close()
    return db_path


def main(items: int = 240, worker_items: int = 1000) -> dict[str, Any]:
    """Run the benchmark with about ``items`` crawled items and ``worker_items`` fed straight to the
    workers; return (and print) the figures."""
    figures: dict[str, Any] = {"cpu_count": float(os.cpu_count() or 0), "load_avg_before": round(os.getloadavg()[0], 2)}
    per_host = max(items // 2, 1)
    with tempfile.TemporaryDirectory(prefix="tocsin-bench-scale-") as tmp_name, ExitStack() as stack:
        tmp = Path(tmp_name)
        redis_url = stack.enter_context(local_redis(tmp / "redis"))
        bases = [stack.enter_context(serve_demo_world(scale=per_host, host=f"127.0.0.{i + 1}")) for i in range(2)]
        settings = Settings()
        settings.config_dir = tmp
        settings.distributed.redis_url = redis_url
        settings.model.threads = 1
        settings.crawl.download_delay_s = 0
        settings.crawl.autothrottle = False
        settings.crawl.retry_backoff_s = 0
        settings.sources = [SourceSettings(name=f"bench-{i + 1}", kind="sitemap", urls=[f"{b}/bench/sitemap.xml"],
                                           allow_private_networks=True, max_pages=per_host + 10, since_days=3650)
                            for i, b in enumerate(bases)]
        ready, model = analysis_ready(settings)
        local = ["analyse"] if ready else ["store", "--unanalysed"]
        figures["analysis"] = model if ready else f"not ready, store-only workers measured ({model})"
        config = tmp / "tocsin.toml"
        config.write_text(dump_settings(settings), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k != "TOCSIN_DB"}
        redis = connect_redis(settings)
        keys = Keys.of(settings)
        expected = per_host * 2
        texts = [t.text for t in expected_texts()]
        for count in (1, 2):
            # End to end: two crawler processes feeding `count` workers.
            db_path = fresh(redis, tmp)
            workers = start_workers(config, db_path, [local] * count, env)
            try:
                wait_ready(redis, keys, count, workers)
                started = time.perf_counter()
                crawlers = [subprocess.Popen([TOCSIN, "--config", str(config), "--db", str(tmp / f"crawler-{i}-{count}.db"),
                                              "worker", "crawl", "--once"], env=env, stdout=subprocess.DEVNULL,
                                             stderr=subprocess.PIPE, text=True)
                            for i in range(2)]
                for c in crawlers:
                    _, err = c.communicate(timeout=1800)
                    if c.returncode:
                        raise RuntimeError(f"crawler failed: {err[-2000:]}")
                crawl_s = time.perf_counter() - started
                wait_drained(redis, keys, db_path, expected, ready)
                total_s = time.perf_counter() - started
            finally:
                stop(workers)
            figures[f"end_to_end_items_per_s_{count}_workers"] = round(expected / total_s, 1)
            figures[f"crawl_seconds_{count}_workers"] = round(crawl_s, 1)

        # The workers alone, fed as fast as Redis takes it (what analysis and writing capacity is).
        setups = {"1_worker": [local], "2_workers": [local] * 2}
        if ready:
            setups["2_publishing_workers_and_writer"] = [["analyse", "--publish"]] * 2 + [["store"]]
        for label, commands in setups.items():
            db_path = fresh(redis, tmp)
            pusher = StreamPusher(redis, settings.distributed)
            pusher.ensure_group()
            started = time.perf_counter()
            for n in range(worker_items):
                pusher.push(ItemRecord(source="bench", url=f"https://bench.example.org/{label}/{n}", title=f"Item {n}",
                                       text=texts[n % len(texts)] + f" ({n})", raw=page_like(n)))
            figures["push_items_per_s"] = round(worker_items / (time.perf_counter() - started), 1)
            workers = start_workers(config, db_path, commands, env)
            try:
                figures[f"worker_items_per_s_{label}"] = round(drain_rate(redis, keys, db_path, worker_items, ready), 1)
                figures["worker_peak_rss_mb"] = float(max(h.get("peak_rss_mb", 0) for h in read_heartbeats(redis, keys)))
            finally:
                stop(workers)
        figures["items_crawled"] = float(expected)
        figures["items_fed_to_workers"] = float(worker_items)
        # Redis memory per waiting entry (a demo text and a 20 kB page, compressed), for sizing.
        redis.flushdb()
        before = int(redis.info("memory")["used_memory"])
        pusher = StreamPusher(redis, settings.distributed)
        for n in range(1000):
            pusher.push(ItemRecord(source="bench", url=f"https://bench.example.org/m/{n}", title=f"Item {n}",
                                   text=texts[n % len(texts)], raw=page_like(n)))
        figures["redis_bytes_per_waiting_entry"] = round((int(redis.info("memory")["used_memory"]) - before) / 1000, 0)
    for key, value in figures.items():
        print(f"{key:36s} {value:,.1f}" if isinstance(value, float) else f"{key:36s} {value}")
    return figures


if __name__ == "__main__":
    main(*[int(a) for a in sys.argv[1:3]])
