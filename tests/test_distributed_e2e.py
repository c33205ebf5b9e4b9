"""The whole distributed path on this machine: a real Redis server, the demo world, two crawler
processes (`tocsin worker crawl`) and two analysis workers (`tocsin worker analyse`), one of them
killed with SIGKILL in the middle of a batch."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tocsin.crawler.demo_world import demo_sources, expected_texts, serve_demo_world
from tocsin.demo import demo_settings
from tocsin.distributed import Keys, connect_redis
from tocsin.config_toml import dump_settings
from tocsin.distributed.redis_server import local_redis, redis_server_path
from tocsin.store import connect
from tocsin.urls import canonical_url

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
TOCSIN = [str(Path(sys.executable).parent / "tocsin")]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(redis_server_path() is None,
                       reason="redis-server is not installed (make test installs it: apt-get install redis-server)"),
]


def wait_for(condition, timeout_s: float, what: str, every_s: float = 0.02):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every_s)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def consumer_info(redis, keys: Keys, consumer: str) -> dict | None:
    """What Redis knows of ``consumer`` in the analysis group (None before its first read)."""
    import redis as redis_lib

    try:
        consumers = redis.xinfo_consumers(keys.stream, keys.group)
    except redis_lib.ResponseError:  # no stream or group yet
        return None
    return next((c for c in consumers if c["name"] == consumer.encode()), None)


def is_consumer(redis, keys: Keys, consumer: str) -> bool:
    return consumer_info(redis, keys, consumer) is not None


def pending_of(redis, keys: Keys, consumer: str) -> int:
    info = consumer_info(redis, keys, consumer)
    return int(info["pending"]) if info else 0


def test_two_crawlers_and_two_workers_store_and_analyse_every_item_once_despite_a_kill(tmp_path):
    with local_redis(tmp_path / "redis") as redis_url, serve_demo_world(port=0) as base:
        settings = demo_settings(str(base), tmp_path, tmp_path / "hub.db")
        settings.sources = demo_sources(base)
        settings.distributed.redis_url = redis_url
        settings.distributed.batch_size = 6
        settings.distributed.claim_idle_s = 2
        settings.distributed.heartbeat_s = 1
        settings.model.threads = 1
        config = tmp_path / "tocsin.toml"
        config.write_text(dump_settings(settings), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": f"{TESTS}{os.pathsep}{ROOT}"}
        env.pop("TOCSIN_DB", None)
        redis = connect_redis(settings)
        keys = Keys.of(settings)

        def start(*args: str, db: str) -> subprocess.Popen:
            return subprocess.Popen([*TOCSIN, "--config", str(config), "--db", str(tmp_path / db), "worker", *args],
                                    env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

        connect(tmp_path / "hub.db").close()  # the hub's store, as 'tocsin init' makes it
        doomed = start("analyse", "--name", "doomed", db="hub.db")  # tocsin's own model and rules
        survivor = crawlers = None
        try:
            # The doomed worker reads first, so that it, not the survivor, takes the first batch.
            wait_for(lambda: is_consumer(redis, keys, "doomed"), 60, "the first worker to start reading")
            survivor = start("analyse", "--name", "survivor", db="hub.db")
            crawlers = [start("crawl", "--once", db=f"crawler-{i}.db") for i in range(2)]  # each as on its own machine
            wait_for(lambda: pending_of(redis, keys, "doomed") > 0, 60, "the first worker to take a batch")
            doomed.send_signal(signal.SIGKILL)
            doomed.wait(10)
            lost_with_it = pending_of(redis, keys, "doomed")
            assert lost_with_it > 0  # killed in the middle of a batch, its entries unacknowledged
            for crawler in crawlers:
                out, err = crawler.communicate(timeout=90)
                assert crawler.returncode == 0, err
            wait_for(lambda: redis.xlen(keys.stream) == 0, 60, "the survivor to drain the stream", every_s=0.2)
            survivor.send_signal(signal.SIGTERM)
            out, err = survivor.communicate(timeout=30)
            assert survivor.returncode == 0, err
        finally:
            for p in (doomed, survivor, *(crawlers or [])):
                if p is not None and p.poll() is None:
                    p.kill()
                    p.wait()
        dead_letters = redis.xlen(keys.dead)
        fetched_articles = base.world.fetched("/osh-times/news/") + base.world.fetched("/vodiy/article/")

        # A later round on a third machine fetches none of the articles the store already has.
        redis.hdel(keys.crawls, "demo-osh-times")
        again = start("crawl", "--once", "--source", "demo-osh-times", db="crawler-2.db")
        _, err = again.communicate(timeout=90)
        assert again.returncode == 0, err
        refetched = len(base.world.fetched("/osh-times/news/")) - len([a for a in fetched_articles if a.startswith("/osh-times/")])
        assert refetched == 0 and redis.xlen(keys.stream) == 0

    claimed = int(out.split(" claimed from other workers")[0].rsplit(", ", 1)[1])
    assert claimed >= lost_with_it
    db = connect(tmp_path / "hub.db")
    expected = {canonical_url(t.url(base)) for t in expected_texts()}
    stored = {r[0] for r in db.execute("SELECT url FROM items")}
    assert stored == expected
    per_item = db.execute("""SELECT i.url, (SELECT count(*) FROM item_versions v WHERE v.item_id = i.id),
                                    (SELECT count(*) FROM analyses a WHERE a.item_id = i.id) FROM items i""").fetchall()
    assert {(v, a) for _, v, a in per_item} == {(1, 1)}, [r for r in per_item if r[1:] != (1, 1)]
    assert dead_letters == 0
    runs = [connect(tmp_path / f"crawler-{i}.db").execute("SELECT source, items FROM crawl_runs").fetchall() for i in range(2)]
    crawled = [sorted(source for source, _ in r) for r in runs]
    assert all(crawled) and sorted(crawled[0] + crawled[1]) == sorted(s.name for s in settings.sources)  # shared, once each
    assert sum(items for r in runs for _, items in r) == len(expected)  # each item pushed by one of them
    assert fetched_articles and len(fetched_articles) == len(set(fetched_articles))  # no article fetched twice
