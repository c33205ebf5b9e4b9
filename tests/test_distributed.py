"""Distributed mode against a real Redis server (Debian's redis-server, started and stopped here)."""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tocsin.config import ConfigError, load_settings
from tocsin.distributed import DistributedError, Keys, masked_url, scrapy_overrides, status_lines
from tocsin.distributed.connection import check_redis_url, connect_redis
from tocsin.distributed.deadletters import list_dead, requeue_dead
from tocsin.distributed.records import BadEntry, RemovedMark, decode_entry, encode_entry
from tocsin.distributed.redis_server import local_redis, redis_server_path
from tocsin.distributed.stream import StreamPusher
from tocsin.distributed.worker import StreamWorker, write_with_retry
from tocsin.store import connect, get_item, item_versions, transaction
from tocsin.store.items import read_snapshot

from test_distributed_fakes import PER_CRAWLER_CONCURRENCY, KeywordAnalyser, item

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent

needs_redis = pytest.mark.skipif(redis_server_path() is None,
                                 reason="redis-server is not installed (make test installs it: apt-get install redis-server)")


# --------------------------------------------------------------------------- without Redis


def test_one_machine_mode_needs_no_redis():
    code = ("import sys, tocsin.cli, tocsin.distributed as d; from tocsin.config import load_settings;"
            "s = load_settings(None, env={}); assert d.scrapy_overrides(s) == {} and d.status_lines(s) == [];"
            "print('redis' in sys.modules, 'scrapy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["False", "False"]


def test_entries_round_trip_every_field_and_raw_bytes():
    rec = item(7, raw=bytes(range(256)) * 40, text="Ўзбекча матн — текст 🙂")
    rec.published_at = None
    back = decode_entry(encode_entry(rec, crawler="c1"))
    assert back == rec and back.raw == rec.raw and back.published_at is None
    assert len(encode_entry(rec)[b"raw"]) < len(rec.raw)  # compressed
    assert decode_entry(encode_entry(RemovedMark("abc", "https://x.example/1", "http_404"))) == RemovedMark("abc", "https://x.example/1", "http_404")


@pytest.mark.parametrize("fields, message", [
    (None, "no fields"),
    ({b"v": b"9", b"type": b"item", b"record": b"{}"}, "unknown entry format"),
    ({b"v": b"1", b"type": b"item", b"record": b"not json"}, "no readable 'record'"),
    ({b"v": b"1", b"type": b"item", b"record": b'{"source": "s", "url": "u", "colour": 1}'}, "unknown fields"),
    ({b"v": b"1", b"type": b"item", b"record": b'{"source": "", "url": "u"}'}, "without source"),
    ({b"v": b"1", b"type": b"video", b"record": b"{}"}, "unknown entry type"),
])
def test_bad_entries_are_named(fields, message):
    with pytest.raises(BadEntry, match=message):
        decode_entry(fields)


def test_redis_url_is_checked_and_passwords_masked():
    with pytest.raises(ConfigError, match="distributed.redis_url"):
        check_redis_url("http://localhost:6379")
    assert masked_url("redis://:s3cret@hub.example:6380/1") == "redis://:***@hub.example:6380/1"
    assert "s3cret" not in masked_url("rediss://tocsin:s3cret@hub.example/0")


@pytest.mark.parametrize("url, shown", [
    ("redis://:zq/xv@127.0.0.1:6379/0", "redis://:***@127.0.0.1:6379/0"),
    ("redis://:zq#xv@127.0.0.1:6379/0", "redis://:***@127.0.0.1:6379/0"),
    ("rediss://tocsin:zq?x/v@hub.example:6380/1", "rediss://tocsin:***@hub.example:6380/1"),
    ("redis://:zq@xv@hub.example/0", "redis://:***@hub.example/0"),
    ("redis://zqxv@hub.example/0", "redis://***@hub.example/0"),        # a password without the colon
    (":zq/xv@hub.example:6379", ":***@hub.example:6379"),                # no scheme
    ("redis://hub.example:6379/0", "redis://hub.example:6379/0"),
])
def test_a_password_is_masked_whatever_characters_it_holds(url, shown):
    assert masked_url(url) == shown


def test_a_password_a_url_parser_misreads_must_be_percent_encoded():
    with pytest.raises(ConfigError, match="percent-encode") as refused:
        check_redis_url("redis://:zq/xv@127.0.0.1:6379/0")
    assert "zq" not in str(refused.value) and "xv" not in str(refused.value)
    check_redis_url("redis://:zq%2Fxv@127.0.0.1:6379/0")
    check_redis_url("unix:///run/redis@main.sock")   # an '@' in a socket path is no password
    settings = load_settings(None, env={})
    settings.distributed.redis_url = "redis://:zq/xv@127.0.0.1:1/0"
    (line,) = status_lines(settings)
    assert "percent-encode" in line and "zq" not in line and "xv" not in line


def test_worker_commands_say_how_to_turn_distributed_mode_on(runner, db_path):
    from tocsin.cli import main

    result = runner.invoke(main, ["--db", str(db_path), "worker", "status"], env={"TOCSIN_DISTRIBUTED_REDIS_URL": ""})
    assert result.exit_code != 0 and "distributed.redis_url" in result.output


def hide_package(monkeypatch, missing: str) -> None:
    """Make ``missing`` look uninstalled to ``importlib.util.find_spec``."""
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == missing else real_find_spec(name, *a))


def test_a_worker_without_the_redis_package_names_the_install_command(runner, db_path, monkeypatch):
    from tocsin.cli import main

    connect(db_path).close()
    hide_package(monkeypatch, "redis")
    result = runner.invoke(main, ["--db", str(db_path), "worker", "crawl", "--once"],
                           env={"TOCSIN_DISTRIBUTED_REDIS_URL": "redis://127.0.0.1:1/0"})
    assert result.exit_code == 2 and not isinstance(result.exception, DistributedError), result.output
    assert "needs the 'redis' package" in result.stderr and "pip install 'tocsin[distributed]'" in result.stderr


def test_a_crawl_without_scrapy_redis_names_the_install_command(monkeypatch):
    settings = load_settings(None, env={"TOCSIN_DISTRIBUTED_REDIS_URL": "redis://127.0.0.1:1/0"})
    assert scrapy_overrides(settings)["SCHEDULER"].endswith("SourceScheduler")
    hide_package(monkeypatch, "scrapy_redis")
    with pytest.raises(DistributedError, match=r"needs the 'scrapy_redis' package.*pip install 'tocsin\[distributed\]'"):
        scrapy_overrides(settings)


def test_status_names_an_unreachable_redis_without_failing():
    settings = load_settings(None, env={})
    settings.distributed.redis_url = "redis://:pw@127.0.0.1:1/0"
    lines = status_lines(settings)
    assert len(lines) == 1 and "cannot reach Redis" in lines[0] and "pw" not in lines[0]


def test_worker_status_exits_1_when_redis_cannot_be_read(runner, db_path):
    from tocsin.cli import main

    result = runner.invoke(main, ["--db", str(db_path), "worker", "status"],
                           env={"TOCSIN_DISTRIBUTED_REDIS_URL": "redis://:pw@127.0.0.1:1/0"})
    assert result.exit_code == 1 and "cannot reach Redis" in result.output and "pw" not in result.output


@pytest.mark.parametrize("command", [["worker", "crawl", "--once"], ["worker", "store", "--until-idle", "5"],
                                     ["worker", "analyse", "--until-idle", "5"]])
def test_a_run_meant_to_end_gives_up_on_an_unreachable_redis(runner, db_path, command):
    from tocsin.cli import main

    connect(db_path).close()
    result = runner.invoke(main, ["--db", str(db_path), *command, "--give-up-after", "0"],
                           env={"TOCSIN_DISTRIBUTED_REDIS_URL": "redis://:pw@127.0.0.1:1/0"})
    assert result.exit_code != 0 and "cannot reach Redis" in result.output and "gave up after" in result.output
    assert "run it again" in result.output and "pw" not in result.output


def test_backoff_gives_up_only_once_its_pauses_would_pass_its_patience():
    from tocsin.distributed.connection import Backoff, GaveUp

    patient = Backoff(patience_s=3.5)
    assert [patient.next_pause("x"), patient.next_pause("x")] == [1.0, 2.0]
    with pytest.raises(GaveUp, match="Redis is down; gave up after 2 tries in 3 s"):
        patient.next_pause("Redis is down")
    patient.reset()
    assert patient.next_pause() == 1.0
    endless = Backoff()
    assert [endless.next_pause() for _ in range(12)][-1] == 60.0


def test_write_retries_while_the_store_is_locked(tmp_path):
    path = tmp_path / "t.db"
    db = connect(path, busy_timeout_ms=100)
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    threading.Timer(0.8, lambda: other.execute("COMMIT")).start()
    calls = []

    def write():
        calls.append(1)
        with transaction(db):
            db.execute("INSERT INTO sources (name, kind, created_at) VALUES ('x', 'feed', 'now')")

    write_with_retry(db, write, base_delay_s=0.1)
    assert len(calls) > 1 and db.execute("SELECT count(*) FROM sources WHERE name = 'x'").fetchone()[0] == 1


# --------------------------------------------------------------------------- with a real Redis


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    if redis_server_path() is None:
        pytest.skip("redis-server is not installed (make test installs it: apt-get install redis-server)")
    with local_redis(tmp_path_factory.mktemp("redis")) as url:
        yield url


def settings_for(redis_url: str, folder, *, running: bool = True) -> Any:
    """Settings of a test: its own database in ``folder``, the given Redis emptied (unless not ``running``)."""
    s = load_settings(None, env={})
    s.config_dir = folder
    s.database.path = str(folder / "tocsin.db")
    s.distributed.redis_url = redis_url
    s.distributed.batch_size = 8
    s.distributed.claim_idle_s = 1
    if running:
        connect_redis(s).flushdb()
    return s


@pytest.fixture
def settings(redis_url, tmp_path):
    return settings_for(redis_url, tmp_path)


@pytest.fixture
def own_redis_settings(tmp_path):
    """Settings with a Redis of the test's own: crawler subprocesses must not meet state that threads of
    earlier tests may still write into the module's Redis."""
    if redis_server_path() is None:
        pytest.skip("redis-server is not installed (make test installs it: apt-get install redis-server)")
    with local_redis(tmp_path / "redis") as url:
        yield settings_for(url, tmp_path)


def make_worker(settings, name, analyser=KeywordAnalyser, db=None, **kw):
    db = db or connect(settings.database_path, busy_timeout_ms=2000)
    return StreamWorker(settings, db, analyser=analyser() if analyser else None, name=name, block_ms=100, **kw)


def stop_processes(processes) -> None:
    """Kill the test's crawler processes still running (after a failure), so that none goes on using the
    module's Redis in the next test."""
    for p in processes:
        if p.poll() is None:
            p.kill()
            p.wait(timeout=10)


def counts(db):
    return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("items", "item_versions", "analyses", "snapshots")}


@needs_redis
def test_pushed_items_are_stored_analysed_and_acknowledged(settings):
    redis = connect_redis(settings)
    pusher = StreamPusher(redis, settings.distributed)
    pusher.ensure_group()
    records = [item(n, raw=f"<html>{n}</html>".encode()) for n in range(20)]
    records[3].text = "Fictional call to expel the neighbours."
    assert all(pusher.push(r) for r in records)
    assert not pusher.push(item(5, raw=b"<html>5</html>"))  # the same version again: skipped
    records[5].text += " (edited)"
    assert pusher.push(records[5])  # a new version is pushed
    flagged_rows = []
    w = make_worker(settings, "w1", on_batch_saved=lambda db, rows: flagged_rows.extend(r for r in rows if r["incitement"]))
    totals = w.run(until_idle_s=0)
    db = w.db
    assert counts(db) == {"items": 20, "item_versions": 21, "analyses": 21, "snapshots": 20}
    assert totals.stored == 21 and totals.analysed == 21 and totals.flagged == 1 and totals.dead == 0
    assert [r["url"] for r in flagged_rows] == ["https://news.example.org/a/3"] and flagged_rows[0]["source"] == "test"
    stored = get_item(db, records[5].id)
    assert stored["text"].endswith("(edited)") and stored["author_pseudonym"] and stored["author_pseudonym"] != "Reporter 2"
    assert read_snapshot(db, item_versions(db, records[7].id)[0]["snapshot_sha256"]) == b"<html>7</html>"
    assert redis.xlen(settings.distributed.stream) == 0  # acknowledged entries are deleted
    info = redis.xinfo_groups(settings.distributed.stream)[0]
    assert info["pending"] == 0


@needs_redis
def test_a_dead_workers_batch_is_claimed_by_another_and_done_once(settings):
    redis = connect_redis(settings)
    pusher = StreamPusher(redis, settings.distributed)
    pusher.ensure_group()
    for n in range(12):
        pusher.push(item(n))
    dying = make_worker(settings, "dying")
    dying.start()
    taken = dying.next_batch()  # read, then "killed" before storing
    assert len(taken) == 8
    survivor = make_worker(settings, "survivor")
    time.sleep(1.1)  # claim_idle_s = 1
    totals = survivor.run(until_idle_s=0)
    assert totals.claimed == 8 and totals.stored == 12
    assert counts(survivor.db)["analyses"] == 12
    # The slow worker wakes up and finishes its old batch: nothing is stored or analysed twice.
    late = dying.process(taken)
    assert late.analysed == 0 and counts(survivor.db) == {"items": 12, "item_versions": 12, "analyses": 12, "snapshots": 0}
    assert redis.xlen(settings.distributed.stream) == 0


@needs_redis
def test_a_worker_restarted_under_its_name_resumes_its_own_batch(settings):
    redis = connect_redis(settings)
    pusher = StreamPusher(redis, settings.distributed)
    pusher.ensure_group()
    for n in range(5):
        pusher.push(item(n))
    settings.distributed.claim_idle_s = 3600
    first = make_worker(settings, "host-1")
    first.start()
    assert len(first.next_batch()) == 5
    again = make_worker(settings, "host-1")
    assert again.run(until_idle_s=0).stored == 5


@needs_redis
def test_bad_entries_go_to_dead_letters_and_can_be_requeued(settings):
    redis = connect_redis(settings)
    keys = Keys.of(settings)
    pusher = StreamPusher(redis, settings.distributed)
    pusher.ensure_group()
    pusher.push(item(1))
    redis.xadd(keys.stream, {b"v": b"1", b"type": b"item", b"record": b"{broken"})
    bad_kind = item(2)
    bad_kind.kind = "video"  # the store's CHECK constraint rejects it: only that entry is set aside
    pusher.push(bad_kind)
    pusher.push(item(3, text="FAIL analysing this one"))
    w = make_worker(settings, "w")
    totals = w.run(until_idle_s=0)
    assert totals.stored == 2 and totals.dead == 2 and totals.failed == 1 and totals.analysed == 1
    dead = list_dead(redis, settings)
    assert {d["reason"].split(" (")[0] for d in dead} >= {"entry of type 'item' has no readable 'record' field"}
    assert any("rejected" in d["reason"] and d["url"].endswith("/a/2") for d in dead)
    assert any("dead letters of tocsin:items: 2" in line for line in status_lines(settings))
    assert requeue_dead(redis, settings) == 2
    assert redis.xlen(keys.dead) == 0 and redis.xlen(keys.stream) == 2


@needs_redis
def test_an_entry_that_keeps_killing_workers_is_set_aside(settings):
    redis = connect_redis(settings)
    pusher = StreamPusher(redis, settings.distributed)
    pusher.ensure_group()
    pusher.push(item(1))
    settings.distributed.max_deliveries = 2
    settings.distributed.claim_idle_s = 0  # claim at once
    for n in range(3):  # three workers take it and die
        w = make_worker(settings, f"victim-{n}")
        w.start()
        assert len(w.claim_stale() or w.read(b">", None)) == 1
    final = make_worker(settings, "final")
    totals = final.run(until_idle_s=0)
    assert totals.dead == 1 and totals.stored == 0
    assert "delivered 4 times" in list_dead(redis, settings)[0]["reason"]


def push_all(settings, entries) -> Any:
    """Push ``entries`` (payloads, or raw fields added as they are) to the stream; returns the Redis client."""
    redis = connect_redis(settings)
    pusher = StreamPusher(redis, settings.distributed)
    pusher.ensure_group()
    for entry in entries:
        if isinstance(entry, dict):
            redis.xadd(settings.distributed.stream, entry)
        else:
            pusher.push(entry)
    return redis


def without_waiting(worker: StreamWorker) -> StreamWorker:
    """``worker`` with its backoff pauses noted in ``worker.pauses`` instead of waited for."""
    worker.pauses = []
    worker.sleep = worker.pauses.append
    return worker


def read_only_store(worker, redis, monkeypatch):
    worker.db.execute("PRAGMA query_only = ON")  # "attempt to write a readonly database"
    return lambda: worker.db.execute("PRAGMA query_only = OFF")


def full_store(worker, redis, monkeypatch):
    pages = worker.db.execute("PRAGMA page_count").fetchone()[0]
    worker.db.execute(f"PRAGMA max_page_count = {pages}")  # "database or disk is full"
    return lambda: worker.db.execute("PRAGMA max_page_count = 1073741823")


def locked_store(worker, redis, monkeypatch):
    from tocsin.distributed import worker as worker_module

    def still_locked(db, write, **_):
        raise worker_module.StoreBusy("the store stayed locked through 6 attempts: raise database.busy_timeout_ms")

    monkeypatch.setattr(worker_module, "write_with_retry", still_locked)
    return monkeypatch.undo


def redis_out_of_memory(worker, redis, monkeypatch):
    redis.config_set("maxmemory", "1")  # the batch is stored, acknowledging it is refused
    return lambda: redis.config_set("maxmemory", "0")


@needs_redis
@pytest.mark.parametrize("outage, fix", [(read_only_store, "make its folder writable"), (full_store, "free space on its disk"),
                                         (locked_store, "busy_timeout_ms"), (redis_out_of_memory, "raise its maxmemory")])
def test_a_failing_store_or_redis_keeps_the_batch_pending_and_sends_nothing_to_dead_letters(settings, monkeypatch, caplog,
                                                                                             outage, fix):
    redis = push_all(settings, [item(n, text=f"Fictional market news number {n}. " * 100) for n in range(24)])
    w = without_waiting(make_worker(settings, "w"))
    w.start()
    end_outage = outage(w, redis, monkeypatch)
    try:
        assert not any(w.step() for _ in range(8))  # more failures than max_deliveries (5)
    finally:
        end_outage()
    assert w.totals.errors == 8 and w.pauses == sorted(w.pauses) and redis.xlen(Keys.of(settings).dead) == 0
    assert fix in caplog.text and "nothing is lost" in caplog.text and "of pipeline" not in caplog.text
    pending = redis.xpending_range(settings.distributed.stream, settings.distributed.group, "-", "+", 100)
    assert len(pending) == 8 and {p["times_delivered"] for p in pending} == {1}  # retries here are no redeliveries
    totals = w.run(until_idle_s=0)
    assert totals.stored == 24 and totals.dead == 0 and counts(w.db)["analyses"] == 24
    assert redis.xlen(settings.distributed.stream) == 0


@needs_redis
def test_a_worker_restarted_while_holding_an_entry_counts_a_delivery(settings):
    redis = push_all(settings, [item(1)])
    settings.distributed.max_deliveries = 2
    settings.distributed.claim_idle_s = 3600
    for _ in range(3):  # the same worker killed three times while it holds the entry
        w = make_worker(settings, "host-1")
        w.start()
        assert len(w.next_batch()) == 1
    totals = make_worker(settings, "host-1").run(until_idle_s=0)
    assert totals.dead == 1 and "delivered 4 times" in list_dead(redis, settings)[0]["reason"]


def entry_with_null_title(n: int) -> dict[bytes, bytes]:
    """The entry of ``item(n)`` with ``"title": null``: it decodes, but cannot be stored."""
    fields = encode_entry(item(n))
    fields[b"record"] = json.dumps({**json.loads(fields[b"record"]), "title": None}).encode()
    return fields


@needs_redis
@pytest.mark.parametrize("mode, reason", [("analyse", "it failed on its own (AttributeError: 'NoneType'"),
                                          ("store", "the store rejected it (AttributeError: 'NoneType'"),
                                          ("publish", "it failed on its own (AttributeError: 'NoneType'")])
def test_an_entry_that_fails_on_its_own_goes_alone_to_dead_letters_with_its_reason(settings, mode, reason):
    redis = push_all(settings, [*map(item, range(3)), entry_with_null_title(3), *map(item, range(4, 8))])
    db = None if mode == "publish" else connect(settings.database_path)
    w = without_waiting(StreamWorker(settings, db, analyser=None if mode == "store" else KeywordAnalyser(), mode=mode,
                                     name="w", block_ms=100))
    totals = w.run(until_idle_s=0)
    assert totals.dead == 1 and totals.errors == 0 and w.pauses == []
    (dead,) = list_dead(redis, settings)
    assert dead["reason"].startswith(reason) and dead["url"] == item(3).url
    if mode == "publish":
        assert totals.analysed == 7 and redis.xlen(Keys.of(settings).analysed().stream) == 7
    else:
        assert totals.stored == 7 and counts(db)["items"] == 7


@needs_redis
def test_a_failing_alert_rule_keeps_the_items_and_analyses_and_owes_their_alerts(settings):
    from tocsin.store.alerts_owed import owed_alert_ids

    push_all(settings, [item(n) for n in range(8)])
    raised, fixed = [], []

    def alerts(db, rows):
        if any(row["url"] == item(5).url for row in rows) and not fixed:
            raise ValueError("rule 'threats' cannot read item 5")
        raised.extend(row["url"] for row in rows)

    w = without_waiting(make_worker(settings, "w", on_batch_saved=alerts))
    totals = w.run(until_idle_s=0)
    assert totals.stored == 8 and totals.analysed == 8 and totals.dead == 0 and totals.errors == 0
    assert totals.alert_errors == 1 and raised == []
    assert counts(w.db)["items"] == 8 and counts(w.db)["analyses"] == 8
    assert list_dead(connect_redis(settings), settings) == []
    analysis_ids = [r[0] for r in w.db.execute("SELECT id FROM analyses ORDER BY id")]
    assert owed_alert_ids(w.db) == analysis_ids  # the batch's alerts are owed, the entries acknowledged
    assert connect_redis(settings).xlen(settings.distributed.stream) == 0
    fixed.append(True)
    w.last_owed_alerts = None  # the next round tries the owed alerts again
    w.step()
    assert owed_alert_ids(w.db) == [] and sorted(raised) == sorted(item(n).url for n in range(8))


@needs_redis
def test_a_worker_makes_its_group_again_after_redis_lost_its_data(settings):
    redis = push_all(settings, [item(n) for n in range(3)])
    w = without_waiting(make_worker(settings, "w"))
    assert w.run(until_idle_s=0).stored == 3
    redis.flushdb()  # Redis restarted without persistence
    StreamPusher(redis, settings.distributed).push(item(9))  # a crawler goes on pushing: a stream, but no group
    assert any(w.step() for _ in range(3))
    assert w.totals.stored == 4 and w.totals.errors == 0
    assert redis.scard(Keys.of(settings).stored) == 4  # crawlers learn again what the store holds


@needs_redis
def test_a_worker_started_while_redis_refuses_writes_waits_for_it(settings):
    redis = connect_redis(settings)
    w = make_worker(settings, "w")
    pauses = []

    def pause(seconds):
        pauses.append(seconds)
        if len(pauses) == 2:
            redis.config_set("maxmemory", "0")

    w.sleep = pause
    redis.config_set("maxmemory", "1")  # out of memory: making the group is refused
    try:
        totals = w.run(until_idle_s=0)
    finally:
        redis.config_set("maxmemory", "0")
    assert len(pauses) == 2 and totals.errors == 2
    assert [g["name"] for g in redis.xinfo_groups(settings.distributed.stream)] == [settings.distributed.group.encode()]


@needs_redis
def test_status_shows_stream_pending_and_recent_workers(settings):
    redis = connect_redis(settings)
    pusher = StreamPusher(redis, settings.distributed)
    pusher.ensure_group()
    for n in range(10):
        pusher.push(item(n))
    settings.distributed.claim_idle_s = 3600
    w = make_worker(settings, "busy-worker")
    w.start()
    w.next_batch()
    redis.zadd(f"{settings.distributed.key_prefix}:requests:demo-forum", {b"req": 1})
    lines = "\n".join(status_lines(settings))
    assert "2 waiting, 8 pending on 1 consumers" in lines
    assert "request queues: demo-forum 1" in lines
    assert "busy-worker [analyse] ready" in lines


@needs_redis
def test_two_writers_never_see_database_is_locked(settings):
    redis = connect_redis(settings)
    pusher = StreamPusher(redis, settings.distributed)
    pusher.ensure_group()
    for n in range(200):
        pusher.push(item(n))
    connect(settings.database_path).close()
    workers = [make_worker(settings, f"w{i}", db=connect(settings.database_path, busy_timeout_ms=50)) for i in range(3)]
    results = {}
    threads = [threading.Thread(target=lambda w=w: results.setdefault(w.name, w.run(until_idle_s=0.3))) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(r.stored for r in results.values()) == 200 and sum(r.errors for r in results.values()) == 0
    assert counts(connect(settings.database_path)) == {"items": 200, "item_versions": 200, "analyses": 200, "snapshots": 0}


@needs_redis
def test_claims_are_shared_between_processes_and_skip_stored_items(settings):
    from tocsin.distributed.claims import SharedClaims, shared_claims

    assert shared_claims({}) is None and shared_claims(scrapy_overrides(load_settings(None, env={}))) is None
    first = shared_claims(scrapy_overrides(settings))
    second = SharedClaims(connect_redis(settings), settings.distributed)
    a, b, c = (item(n).id for n in range(3))
    assert a not in first and a in first  # test-and-set: now it is ours
    assert a in second and b not in second  # another process sees the claim
    redis = connect_redis(settings)
    pusher = StreamPusher(redis, settings.distributed)
    pusher.ensure_group()
    pusher.push(item(2))
    make_worker(settings, "w").run(until_idle_s=0)
    third = SharedClaims(redis, settings.distributed)
    assert c in third and third.stats["stored"] == 1  # the store has it: no crawler fetches it again


@needs_redis
def test_a_new_redis_learns_the_stored_items_from_the_store(settings):
    db = connect(settings.database_path)
    from tocsin.store import upsert_item
    from tocsin.store.sources import ensure_source
    ensure_source(db, "test")
    for n in range(7):
        upsert_item(db, item(n))
    w = make_worker(settings, "w", db=db)
    w.start()
    assert connect_redis(settings).scard(Keys.of(settings).stored) == 7
    assert w.seed_stored_ids() == 0  # only once


@needs_redis
def test_sources_are_leased_to_one_crawler_at_a_time_once_per_interval(settings):
    from tocsin.config import SourceSettings
    from tocsin.distributed.fleet import CrawlFleet

    settings.sources = [SourceSettings(name=n, urls=[f"https://{n}.example.org/rss"], interval_minutes=m)
                        for n, m in (("a", 10), ("b", 60), ("c", 5))]
    settings.sources.append(SourceSettings(name="off", urls=["https://off.example.org/rss"], enabled=False))
    redis = connect_redis(settings)
    one, two = CrawlFleet(settings, redis, "crawl-1"), CrawlFleet(settings, redis, "crawl-2")
    round_one = Keys.of(settings).dupefilter_pattern % {"spider": "a:FeedSpider"}
    redis.sadd(round_one, "fingerprint")
    assert sorted(one.due()) == ["a", "b", "c"]
    assert one.due() == ["c", "a", "b"]  # most overdue first
    assert one.take(["a", "b", "c"], 2) == ["a", "b"]
    assert two.take(two.due(), 5) == ["c"]  # the others are held
    assert not redis.exists(round_one)  # a new round of "a" fetches its pages again
    assert one.holders() == {"a": "crawl-1", "b": "crawl-1", "c": "crawl-2"}
    one.finish("a", {"status": "ok", "items": 3})
    two.finish("c", {"status": "failed"})
    assert "a" not in one.due() and "c" not in one.due()  # crawled within their interval
    assert one.due(now=time.time() + 6 * 60) == ["b", "c"] and one.due(now=time.time() + 11 * 60) == ["b", "c", "a"]
    two.renew(["b"])  # not its lease: nothing happens
    assert redis.ttl(Keys.of(settings).lease("b")) <= 60 and redis.get(Keys.of(settings).lease("b")) == b"crawl-1"
    lines = "\n".join(status_lines(settings))
    assert "crawls: 2 sources crawled" in lines and "now: b (crawl-1)" in lines and "failed last time: c" in lines


@needs_redis
def test_worker_command_stores_analyses_and_raises_item_alerts(settings, runner, monkeypatch):
    from tocsin.cli import main
    from tocsin.config import AlertRuleSettings, SinkSettings
    from tocsin.config_toml import dump_settings

    monkeypatch.syspath_prepend(str(TESTS))
    settings.alerts.sinks = [SinkSettings(name="file", kind="file", path=str(settings.config_dir / "alerts.jsonl"))]
    settings.alerts.rules = [AlertRuleSettings(name="incitement", kind="item")]
    config = settings.config_dir / "tocsin.toml"
    config.write_text(dump_settings(settings), encoding="utf-8")
    connect(settings.database_path).close()  # the hub's store, as 'tocsin init' makes it
    pusher = StreamPusher(connect_redis(settings), settings.distributed)
    pusher.ensure_group()
    for n in range(10):
        pusher.push(item(n, text="Fictional call to expel the neighbours." if n == 4 else ""))
    result = runner.invoke(main, ["--config", str(config), "worker", "analyse", "--name", "cli-1", "--until-idle", "0",
                                  "--analyser", "test_distributed_fakes:make_analyser"])
    assert result.exit_code == 0, result.output
    assert "10 items stored (10 new), 10 analysed, 1 flagged, 0 failed" in result.output
    db = connect(settings.database_path)
    alerts = db.execute("SELECT rule FROM alerts").fetchall()
    deliveries = db.execute("SELECT count(*) FROM deliveries").fetchone()[0]
    assert alerts == [("incitement",)] and deliveries == 1  # the alert and its outbox row, committed with the batch
    status = runner.invoke(main, ["--config", str(config), "worker", "status"])
    assert "cli-1 [analyse] stopped" in status.output and "0 waiting, 0 pending" in status.output


@needs_redis
def test_publish_and_store_commands(settings, runner, monkeypatch):
    from tocsin.cli import main
    from tocsin.config_toml import dump_settings

    monkeypatch.syspath_prepend(str(TESTS))
    config = settings.config_dir / "tocsin.toml"
    config.write_text(dump_settings(settings), encoding="utf-8")
    connect(settings.database_path).close()  # the hub's store, as 'tocsin init' makes it
    pusher = StreamPusher(connect_redis(settings), settings.distributed)
    pusher.ensure_group()
    for n in range(5):
        pusher.push(item(n))
    published = runner.invoke(main, ["--config", str(config), "worker", "analyse", "--publish", "--until-idle", "0",
                                     "--analyser", "test_distributed_fakes:make_analyser"])
    assert published.exit_code == 0 and "0 items stored (0 new), 5 analysed" in published.output, published.output
    stored = runner.invoke(main, ["--config", str(config), "worker", "store", "--until-idle", "0"])
    assert stored.exit_code == 0 and "5 items stored (5 new), 5 analysed" in stored.output, stored.output


@needs_redis
@pytest.mark.parametrize("command", [["analyse"], ["store"]])
def test_a_worker_beside_the_database_refuses_a_missing_one_and_makes_none(settings, runner, command):
    from tocsin.cli import main
    from tocsin.config_toml import dump_settings

    config = settings.config_dir / "tocsin.toml"
    config.write_text(dump_settings(settings), encoding="utf-8")
    typo = settings.config_dir / "tocsn.db"
    result = runner.invoke(main, ["--config", str(config), "--db", str(typo), "worker", *command, "--until-idle", "0"])
    assert result.exit_code != 0 and f"no database at {typo}" in result.output, result.output
    assert not typo.exists()


@needs_redis
def test_each_crawler_keeps_its_start_requests_and_shares_the_rest(settings):
    import scrapy
    from scrapy.utils.test import get_crawler

    from tocsin.distributed.crawling import SourceScheduler

    class Listing(scrapy.Spider):
        name = "listing"
        source_name = "site"

    class Recheck(Listing):
        shares_start_requests = True

    def scheduler(spider_class):
        crawler = get_crawler(spider_class, scrapy_overrides(settings))
        spider = spider_class.from_crawler(crawler)
        s = SourceScheduler.from_crawler(crawler)
        s.open(spider)
        return s

    start = scrapy.Request("https://news.example.org/", dont_filter=True, meta={"is_start_request": True})
    link = scrapy.Request("https://news.example.org/a/1")
    first, second = scheduler(Listing), scheduler(Listing)
    assert first.enqueue_request(start) and second.enqueue_request(start.copy()) and first.enqueue_request(link)
    assert not second.enqueue_request(link.copy())  # the duplicate filter is shared
    # Each takes its own start page first; the link found is in the shared queue, once.
    assert [r.url for r in (second.next_request(), second.next_request())] == [start.url, link.url]
    assert first.next_request().url == start.url and first.next_request() is None
    rechecks = scheduler(Recheck)
    assert rechecks.enqueue_request(start.copy()) and len(rechecks.queue) == 1  # a re-check's items are shared


def stream_pipeline(settings, spider) -> Any:
    """The item pipeline of a distributed crawl of ``spider``, opened as Scrapy opens it."""
    from scrapy.settings import Settings as ScrapySettings

    from tocsin.distributed.crawling import StreamPipeline

    pipeline = StreamPipeline(SimpleNamespace(settings=ScrapySettings(scrapy_overrides(settings)), spider=spider))
    pipeline.open_spider(spider)
    pipeline.off_reactor = inline   # no reactor runs here (see test_publishing_runs_off_the_reactor_thread_...)
    return pipeline


async def inline(call) -> Any:
    """Run what the pipeline would run on its publisher thread here and now."""
    return call()


class Spider:
    name = "spider"
    source_name = "test"


@needs_redis
def test_crawlers_pause_while_the_workers_are_behind(settings):
    settings.distributed.max_stream_entries = 3
    from tocsin.distributed.crawling import BACKPRESSURE_POLL_S

    pipeline = stream_pipeline(settings, Spider())
    redis = connect_redis(settings)
    assert [through(pipeline, item(n), Spider()) for n in range(4)] == [item(n) for n in range(4)]

    def workers_catch_up():  # 4 waiting > 3: the item waits for the workers, and so does the crawl
        assert redis.xlen(settings.distributed.stream) == 4  # held back, not pushed
        assert make_worker(settings, "w", analyser=None).run(until_idle_s=0).stored == 4

    pauses = record_pauses(pipeline, on_pause=workers_catch_up)
    assert through(pipeline, item(9), Spider()) == item(9)  # the workers caught up: the held item goes on at once
    assert pauses == [BACKPRESSURE_POLL_S] and redis.xlen(settings.distributed.stream) == 1  # nothing dropped


def record_pauses(pipeline, on_pause=lambda: None) -> list[float]:
    """Make ``pipeline`` wait for no time, calling ``on_pause`` instead; returns the pauses it asks for."""
    pauses: list[float] = []

    async def pause(seconds: float) -> None:
        pauses.append(seconds)
        on_pause()

    pipeline.pause = pause
    return pauses


@pytest.mark.parametrize("reactor", ["asyncio", "default"])
def test_publishing_runs_off_the_reactor_thread_so_a_hanging_redis_does_not_stall_the_crawl(reactor):
    """The pipeline on a running reactor, its Redis hanging on each push: process_item returns at once, the
    reactor goes on (a LoopingCall ticks), and each item is done only once Redis took it, in order."""
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); import test_distributed_fakes as f;"
            "print(json.dumps(f.publish_while_redis_hangs(sys.argv[2], hang_s=3, ticks_before_release=10)))")
    out = subprocess.run([sys.executable, "-c", code, str(TESTS), reactor], capture_output=True, text=True,
                         cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout.splitlines()[-1])
    assert report["process_item_s"] < 1.0                        # the reactor thread did not wait for Redis
    assert report["done_before_release"] == 0                    # no item reported done before Redis took it
    assert [url for url, _ in report["results"]] == [item(1).url, item(2).url]
    assert all(ticks >= 10 for _, ticks in report["results"])    # the reactor ticked while Redis hung
    assert [url for _, url in report["pushes"]] == [item(1).url, item(2).url]   # pushed in order
    assert {thread for thread, _ in report["pushes"]} != {report["reactor_thread"]}
    assert all(thread.startswith("tocsin-publish") for thread, _ in report["pushes"])


def through(pipeline, record, spider) -> Any:
    """Pass one item through ``pipeline`` to its end, awaiting it when the pipeline holds it."""
    out = pipeline.process_item(record, spider)
    return asyncio.run(out) if inspect.iscoroutine(out) else out


@contextmanager
def out_of_memory(redis):
    """Redis refuses every write, as it does past ``maxmemory`` with ``noeviction``."""
    redis.config_set("maxmemory", 1)
    try:
        yield
    finally:
        redis.config_set("maxmemory", 0)


def crawl_errors_of(spider) -> list[tuple[str, str]]:
    spider.ledger.flush(force=True)
    return [tuple(r) for r in spider.ledger.store.execute("SELECT kind, message FROM crawl_errors")]


@needs_redis
def test_a_push_redis_refuses_waits_and_goes_through_once_redis_takes_it(settings):
    from tocsin.distributed.crawling import PUSH_RETRY_PAUSES_S

    redis = connect_redis(settings)
    pipeline = stream_pipeline(settings, Spider())
    with out_of_memory(redis):
        pauses = record_pauses(pipeline, on_pause=lambda: redis.config_set("maxmemory", 0))
        assert through(pipeline, item(1), Spider()) == item(1)
    assert pauses == list(PUSH_RETRY_PAUSES_S[:1]) and redis.xlen(settings.distributed.stream) == 1
    assert pipeline.counters() == {"pushed": 1, "skipped": 0, "lost": 0}


@needs_redis
def test_an_article_redis_will_not_take_is_lost_recorded_and_its_claim_released(settings, tmp_path):
    from scrapy.exceptions import DropItem

    from test_crawl_parsing import BASE, make_spider
    from tocsin.crawler.spiders import FeedSpider
    from tocsin.distributed.claims import SharedClaims
    from tocsin.distributed.crawling import PUSH_RETRY_PAUSES_S

    redis = connect_redis(settings)
    spider = make_spider(FeedSpider, tmp_path)
    spider.ledger.claimed = SharedClaims(redis, settings.distributed)
    article = item(1, source="src")
    assert spider.ledger.claim(article.id)    # this crawl fetches the article: no other crawler may
    assert article.id in SharedClaims(redis, settings.distributed)
    spider.state, spider.validators = {}, {f"{BASE}/start": {"etag": '"v1"'}}   # the feed answered with an ETag
    pipeline = stream_pipeline(settings, spider)
    pauses = record_pauses(pipeline)
    with out_of_memory(redis), pytest.raises(DropItem, match="not pushed to Redis"):
        through(pipeline, article, spider)
    assert pauses == list(PUSH_RETRY_PAUSES_S) and redis.xlen(settings.distributed.stream) == 0
    assert spider.ledger.totals["lost"] == 1 and spider.ledger.lost_urls == [article.url]
    ((kind, message),) = crawl_errors_of(spider)
    assert kind == "store" and "out of memory" in message and "maxmemory" in message
    assert article.id not in SharedClaims(redis, settings.distributed)   # released: the next crawl may fetch it
    spider.on_closed("finished")
    assert spider.ledger.state() == {}   # no ETag kept: the next crawl reads the feed in full, not a 304
    assert pipeline.counters()["lost"] == 1


@needs_redis
def test_messages_pushed_while_redis_is_gone_are_lost_and_the_channel_keeps_its_resume_point(tmp_path):
    from scrapy.exceptions import DropItem

    from test_crawl_parsing import BASE, make_spider
    from tocsin.crawler.spiders import TelegramSpider
    from tocsin.store.items import ItemRecord

    spider = make_spider(TelegramSpider, tmp_path, urls=[f"{BASE}/t.me/s/chan", f"{BASE}/t.me/s/calm"])
    spider.state = {}
    spider.channels = {"chan": {"last_id": 0, "newest": 9, "open": {}}, "calm": {"last_id": 3, "newest": 7, "open": {}}}
    with local_redis(tmp_path / "redis") as url:
        settings = settings_for(url, tmp_path)
        pipeline = stream_pipeline(settings, spider)
        record_pauses(pipeline)
        connect_redis(settings).shutdown(nosave=True)   # Redis stops (a restart, a crash) in the middle of the crawl
        for n in (7, 8, 9):
            with pytest.raises(DropItem, match="not pushed to Redis"):
                through(pipeline, ItemRecord(source="src", url=f"{BASE}/t.me/chan/{n}", kind="post", text="a post"), spider)
    assert spider.ledger.totals["lost"] == 3
    messages = [m for k, m in crawl_errors_of(spider) if k == "store"]
    assert len(messages) == 3 and "cannot reach Redis" in messages[0] and "start redis-server" in messages[0]
    spider.on_closed("finished")
    # the channel whose messages were lost is read again from its old resume point; the other moves on
    assert spider.ledger.state() == {"channels": {"calm": {"last_id": 7}}}


@needs_redis
def test_a_refused_password_is_named_as_such(tmp_path):
    from tocsin.distributed import RedisUnavailable

    with local_redis(tmp_path / "redis") as url:
        connect_redis(settings_for(url, tmp_path)).config_set("requirepass", "zqxv-right")
        settings = load_settings(None, env={})
        for given in (url, url.replace("redis://", "redis://:zqxv-wrong@")):
            settings.distributed.redis_url = given
            with pytest.raises(RedisUnavailable) as refused:
                connect_redis(settings)
            message = str(refused.value)
            assert "refused the password" in message and "check the password in the URL" in message
            assert "cannot reach" not in message and "zqxv" not in message
            (line,) = status_lines(settings)
            assert "refused the password" in line and "zqxv" not in line


@needs_redis
def test_workers_without_the_database_publish_and_one_writer_stores(settings):
    redis = connect_redis(settings)
    keys = Keys.of(settings)
    pusher = StreamPusher(redis, settings.distributed)
    pusher.ensure_group()
    for n in range(11):
        pusher.push(item(n, text="Fictional call to expel the neighbours." if n == 2 else ("FAIL here" if n == 3 else "")))
    pusher.push(RemovedMark(item(5).id, item(5).url, "http_404"))
    remote = [StreamWorker(settings, None, analyser=KeywordAnalyser(), mode="publish", name=f"remote-{i}", block_ms=100)
              for i in range(2)]
    published = [w.run(until_idle_s=0) for w in remote]
    assert sum(t.analysed for t in published) == 10 and sum(t.failed for t in published) == 1
    assert redis.xlen(keys.stream) == 0 and redis.xlen(keys.analysed().stream) == 12
    assert not Path(settings.database_path).exists()  # publishing workers never touch the store
    alerts = []
    writer = make_worker(settings, "writer", analyser=None, mode="write", on_batch_saved=lambda db, rows: alerts.extend(rows))
    totals = writer.run(until_idle_s=0)
    assert totals.stored == 11 and totals.analysed == 10 and totals.flagged == 1 and totals.dead == 0
    assert counts(writer.db) == {"items": 11, "item_versions": 11, "analyses": 10, "snapshots": 0}
    assert get_item(writer.db, item(5).id)["removed_at"] is not None  # the mark went through too
    assert len(alerts) == 10 and redis.xlen(keys.analysed().stream) == 0
    assert any(line.startswith("  analysed: 0 waiting, 0 pending") for line in status_lines(settings))


@needs_redis
def test_an_unreadable_analysis_is_set_aside_and_its_item_kept_apart(settings):
    redis = connect_redis(settings)
    analysed = Keys.of(settings).analysed()
    from tocsin.distributed.stream import ensure_group
    ensure_group(redis, analysed)
    redis.xadd(analysed.stream, {**encode_entry(item(1)), b"analysis": b"{not json"})
    redis.xadd(analysed.stream, encode_entry(item(2)))
    totals = make_worker(settings, "writer", analyser=None, mode="write").run(until_idle_s=0)
    assert totals.stored == 1 and totals.dead == 1
    dead = list_dead(redis, settings)
    assert dead[0]["stream"] == analysed.stream and "analysis cannot be read" in dead[0]["reason"]


@needs_redis
def test_forgetting_reaches_items_still_waiting_in_redis(settings):
    from tocsin.distributed.purge import purge_waiting

    redis = connect_redis(settings)
    keys = Keys.of(settings)
    pusher = StreamPusher(redis, settings.distributed)
    pusher.ensure_group()
    for n in range(6):
        pusher.push(item(n))  # authors "Reporter 0", "Reporter 1", "Reporter 2"
    redis.xadd(keys.dead, {**encode_entry(item(7)), b"reason": b"test"})  # Reporter 1, set aside
    pusher.push(dataclasses.replace(item(8), author="@zqx_handle"))
    pusher.push(dataclasses.replace(item(9), author="ZQX_other"))
    # names match as the store matches them: any case, with or without a leading '@'
    assert purge_waiting(settings, authors=["reporter 1", "zqx_handle", "@zqx_other"], urls=[item(0).url + "?utm_source=x"]) == 6
    totals = make_worker(settings, "w").run(until_idle_s=0)
    assert totals.stored == 3 and redis.xlen(keys.dead) == 0
    assert sorted(r[0] for r in connect(settings.database_path).execute("SELECT url FROM items")) == [
        item(n).url for n in (2, 3, 5)]
    assert purge_waiting(load_settings(None, env={}), authors=["x"]) == 0  # one machine: nothing to do


def write_config(settings) -> Path:
    """``settings`` as the config file a CLI test runs with, and the hub's store beside it."""
    from tocsin.config_toml import dump_settings

    config = settings.config_dir / "tocsin.toml"
    config.write_text(dump_settings(settings), encoding="utf-8")
    connect(settings.database_path).close()  # the hub's store, as 'tocsin init' makes it
    return config


def add_dead_letter(redis, stream: str, record, *, days_old: float = 0) -> None:
    """Set ``record`` aside in the dead-letter stream ``stream``, ``days_old`` days ago by Redis's clock."""
    seconds, micros = redis.time()
    at_ms = seconds * 1000 + micros // 1000 - int(days_old * 86_400_000)
    redis.xadd(stream, {**encode_entry(record), b"reason": b"test"}, id=f"{at_ms}-0" if days_old else "*")


@needs_redis
def test_the_retention_job_trims_dead_letters_older_than_retention_and_the_listing_shows_their_age(settings, runner):
    from tocsin.cli import main
    from tocsin.daemon import retention_step
    from tocsin.store.audit import audit_events

    settings.retention.retention_days = 30
    config = write_config(settings)
    redis = connect_redis(settings)
    keys = Keys.of(settings)
    add_dead_letter(redis, keys.dead, item(1), days_old=45)
    add_dead_letter(redis, keys.analysed().dead, item(2), days_old=31)
    add_dead_letter(redis, keys.dead, item(3), days_old=29)
    add_dead_letter(redis, keys.dead, item(4))
    listed = runner.invoke(main, ["--config", str(config), "worker", "dead"])
    assert listed.exit_code == 0, listed.output
    assert [line.split("  ")[2] for line in listed.output.splitlines()] == ["45 d old", "29 d old", "0 s old", "31 d old"]
    dry = runner.invoke(main, ["--config", str(config), "retention", "--dry-run"])
    assert dry.exit_code == 0 and "2 dead letters in Redis are older than 30 days; none trimmed" in dry.output, dry.output
    assert redis.xlen(keys.dead) == 3 and redis.xlen(keys.analysed().dead) == 1
    db = connect(settings.database_path)
    assert retention_step(db, settings) == {"purged": 0, "dead_letters": 2}   # the daemon's retention job
    assert [item(n).url for n in (3, 4)] == [row["url"] for row in list_dead(redis, settings)]
    assert redis.xlen(keys.analysed().dead) == 0
    assert json.loads(audit_events(db, "retention_dead_letters")[0]["details"]) == {"dead_letters": 2, "days": 30}
    settings.retention.retention_days = 20
    cli = runner.invoke(main, ["--config", str(write_config(settings)), "retention"])
    assert cli.exit_code == 0 and "trimmed 1 dead letters older than 20 days from Redis" in cli.output, cli.output
    assert [row["url"] for row in list_dead(redis, settings)] == [item(4).url]


@needs_redis
def test_a_requeued_dead_letter_that_dies_again_keeps_the_age_of_its_first_failure(settings):
    from tocsin.export.retention import trim_dead_letters

    settings.retention.retention_days = 30
    redis = connect_redis(settings)
    keys = Keys.of(settings)
    StreamPusher(redis, settings.distributed).ensure_group()
    broken = {b"v": b"1", b"type": b"item", b"record": b"{broken"}
    seconds, micros = redis.time()
    redis.xadd(keys.dead, {**broken, b"reason": b"test"}, id=f"{seconds * 1000 + micros // 1000 - 45 * 86_400_000}-0")
    for _ in range(2):   # requeued after a "fix" that did not fix it, twice: it dies again each time
        assert requeue_dead(redis, settings) == 1
        assert make_worker(settings, "w").run(until_idle_s=0).dead == 1
        assert [row["age"] for row in list_dead(redis, settings)] == ["45 d"]   # not "0 s": since it first died
    redis.xadd(keys.stream, broken)                                             # another entry, dying now
    assert make_worker(settings, "w").run(until_idle_s=0).dead == 1
    assert [row["age"] for row in list_dead(redis, settings)] == ["45 d", "0 s"]
    assert trim_dead_letters(settings, dry_run=True) == 1
    assert trim_dead_letters(settings) == 1 and [row["age"] for row in list_dead(redis, settings)] == ["0 s"]


@needs_redis
def test_trimming_dead_letters_reads_none_that_are_old_by_their_id(settings, monkeypatch):
    """Old dead letters (each may hold a raw page) go by XTRIM without being read; only newer ones are read."""
    from tocsin.distributed.deadletters import trim_dead

    redis = connect_redis(settings)
    keys = Keys.of(settings)
    for n in range(30):
        add_dead_letter(redis, keys.dead, item(n), days_old=45 - n / 1000)
    add_dead_letter(redis, keys.dead, item(99), days_old=1)
    read: list[bytes] = []
    real_xrange = redis.xrange
    monkeypatch.setattr(redis, "xrange", lambda *a, **kw: read.extend(i for i, _ in real_xrange(*a, **kw)) or real_xrange(*a, **kw))
    assert trim_dead(redis, settings, max_age_s=30 * 86_400) == 30
    assert len(read) == 1 and redis.xlen(keys.dead) == 1


@needs_redis
def test_a_dead_letter_cleaned_by_an_erasure_keeps_the_age_of_its_first_failure(settings):
    from tocsin.export.erasure import forget

    redis = connect_redis(settings)
    keys = Keys.of(settings)
    add_dead_letter(redis, keys.dead, item(5, text="Reposted from @zqx_handle today."), days_old=45)
    ((first_id, _),) = redis.xrange(keys.dead)
    assert forget(connect(settings.database_path), settings, authors=["@zqx_handle"]).waiting_in_redis_cleaned == 1
    (dead,) = list_dead(redis, settings)
    assert dead["id"] != first_id.decode() and dead["age"] == "45 d"   # added again, cleaned, as old as it was


def test_retention_names_an_unreachable_redis_after_purging_the_store(runner, tmp_path):
    from tocsin.cli import main

    connect(tmp_path / "tocsin.db").close()
    result = runner.invoke(main, ["--db", str(tmp_path / "tocsin.db"), "retention"],
                           env={"TOCSIN_DISTRIBUTED_REDIS_URL": "redis://:pw@127.0.0.1:1/0"})
    assert result.exit_code == 1 and "cannot reach Redis" in result.output and "pw" not in result.output
    assert "store's content past retention was purged" in result.output


@needs_redis
def test_forgetting_masks_an_erased_author_in_items_still_waiting_in_redis(settings):
    from tocsin.export.erasure import forget

    redis = connect_redis(settings)
    keys = Keys.of(settings)
    db = connect(settings.database_path)
    own = dataclasses.replace(item(1), author="@zqx_handle")
    mention = item(2, text="As @zqx_handle wrote, the market opens at nine.", raw=b"<p>by @zqx_handle</p>")
    mention.meta = {"quoted": "@zqx_handle"}
    page_only = item(3, raw=b"<p>see @zqx_handle</p>")
    unrelated = item(4, raw=b"<p>weather</p>")
    push_all(settings, [own, mention, page_only, unrelated])
    add_dead_letter(redis, keys.dead, item(5, text="Reposted from @ZQX_handle today."))
    summary = forget(db, settings, authors=["@zqx_handle"])
    assert summary.waiting_in_redis == 1 and summary.waiting_in_redis_cleaned == 3
    assert requeue_dead(redis, settings) == 1
    make_worker(settings, "w", db=db).run(until_idle_s=0)
    stored = {row[0]: row[1:] for row in db.execute("SELECT url, text, meta FROM items")}
    assert sorted(stored) == [item(n).url for n in (2, 3, 4, 5)]
    masked = "█" * len("@zqx_handle")
    assert stored[mention.url][0] == f"As {masked} wrote, the market opens at nine."   # same length: offsets hold
    assert stored[item(5).url][0] == f"Reposted from {masked} today."
    assert json.loads(stored[mention.url][1]) == {"quoted": masked}
    assert not any("zqx" in " ".join(map(str, row)).lower() for row in stored.values())
    snapshots = {url: item_versions(db, item_id_of(url))[0]["snapshot_sha256"] for url in stored}
    assert snapshots[mention.url] is None and snapshots[page_only.url] is None   # raw pages quoting the author: dropped
    assert read_snapshot(db, snapshots[unrelated.url]) == b"<p>weather</p>"


@needs_redis
def test_forgetting_masks_an_analysed_entry_and_its_analysis_stays_with_the_masked_text(settings):
    from tocsin.distributed.stream import ensure_group
    from tocsin.export.erasure import forget

    redis = connect_redis(settings)
    ensure_group(redis, Keys.of(settings).analysed())
    push_all(settings, [item(2, text="Expel them all, says @zqx_handle.")])
    make_worker(settings, "publisher", db=None, mode="publish").run(until_idle_s=0)
    db = connect(settings.database_path)
    assert forget(db, settings, authors=["@zqx_handle"]).waiting_in_redis_cleaned == 1
    make_worker(settings, "writer", analyser=None, mode="write", db=db).run(until_idle_s=0)
    (version,) = item_versions(db, item(2).id)
    assert "zqx" not in version["text"] and "█" in version["text"]
    analysis = db.execute("SELECT content_hash, incitement FROM analyses").fetchone()
    assert tuple(analysis) == (version["content_hash"], 1)   # the stored version's analysis: not analysed again


@needs_redis
def test_purging_reads_each_waiting_record_once(settings, monkeypatch):
    """The scrub masks the payload the purge decoded: an entry's ``record`` JSON is parsed once, not again to
    mask it nor to tie its analysis to the masked text."""
    from tocsin.distributed.purge import Scrub, purge_stream

    keys = Keys.of(settings)
    entry = {**encode_entry(item(2, text="Expel them all, says @zqx_handle.")), b"analysis": b'{"score": 0.9}'}
    redis = push_all(settings, [entry])
    parsed, loads = [], json.loads
    monkeypatch.setattr(json, "loads", lambda s, *a, **k: parsed.append(value := loads(s, *a, **k)) or value)
    scrub = Scrub(mask=lambda text: text.replace("@zqx_handle", "█" * 11))
    assert purge_stream(redis, keys.stream, keys.group, lambda record: False, scrub) == 0 and scrub.scrubbed == 1
    assert sum(isinstance(v, dict) and "url" in v for v in parsed) == 1
    monkeypatch.undo()
    ((_, fields),) = redis.xrange(keys.stream)
    masked = decode_entry(fields)
    assert masked.text == "Expel them all, says ███████████." and masked.raw == item(2).raw
    assert json.loads(fields[b"analysis"]) == {"score": 0.9, "content_hash": masked.content_hash}


@needs_redis
@pytest.mark.parametrize("split", [False, True])
def test_an_item_whose_title_the_store_cuts_keeps_its_analysis(settings, split):
    """A 5,000-character og:title is stored cut to MAX_TITLE_CHARS: the workers tie the analysis to that version."""
    from tocsin.distributed.stream import ensure_group

    long_title = dataclasses.replace(item(2, text="Expel them all."), title="Headline " * 600)
    redis = push_all(settings, [long_title])
    db = connect(settings.database_path)
    if split:
        ensure_group(redis, Keys.of(settings).analysed())
        make_worker(settings, "publisher", db=None, mode="publish").run(until_idle_s=0)
        make_worker(settings, "writer", analyser=None, mode="write", db=db).run(until_idle_s=0)
    else:
        make_worker(settings, "w", db=db).run(until_idle_s=0)
    (version,) = item_versions(db, long_title.id)
    assert len(version["title"]) < len(long_title.title)
    analyses = db.execute("SELECT content_hash, incitement FROM analyses").fetchall()
    assert [tuple(a) for a in analyses] == [(version["content_hash"], 1)]
    assert long_title.content_hash == version["content_hash"]


@needs_redis
def test_a_feed_summary_after_the_article_keeps_its_text_and_its_analysis(settings):
    """The page failed on a later crawl: the stored full text and its analysis stay what the item shows."""
    article = item(2, text="Expel them all.")
    db = connect(settings.database_path)
    push_all(settings, [article])
    make_worker(settings, "w", db=db).run(until_idle_s=0)
    push_all(settings, [summary_only(2)])
    make_worker(settings, "w", db=db).run(until_idle_s=0)
    assert get_item(db, article.id)["text"] == "Expel them all."
    assert [tuple(a) for a in db.execute("SELECT content_hash, incitement FROM analyses")] == [(article.content_hash, 1)]


def item_id_of(url: str) -> str:
    from tocsin.urls import item_id_for

    return item_id_for(url)


@needs_redis
def test_forgetting_with_kept_mentions_leaves_waiting_texts_as_they_are(settings):
    from tocsin.export.erasure import forget

    push_all(settings, [item(2, text="As @zqx_handle wrote.")])
    summary = forget(connect(settings.database_path), settings, authors=["@zqx_handle"], mask_mentions=False)
    assert summary.waiting_in_redis_cleaned == 0
    make_worker(settings, "w").run(until_idle_s=0)
    assert connect(settings.database_path).execute("SELECT text FROM items").fetchone()[0] == "As @zqx_handle wrote."


def summary_only(n: int):
    """Item ``n`` as an article stored from its feed summary only (its page failed)."""
    record = item(n, text=f"Feed summary {n}.")
    record.meta = {"text_from": "feed_summary", "why": "fetch_failed"}
    return record


@needs_redis
def test_an_article_stored_from_its_feed_summary_is_fetched_again_for_three_days(settings):
    from tocsin.distributed.claims import SharedClaims, stored_member, summary_only_key

    redis = connect_redis(settings)
    keys = Keys.of(settings)
    push_all(settings, [summary_only(1), item(2), summary_only(3)])
    make_worker(settings, "w").run(until_idle_s=0)
    redis.zadd(summary_only_key(keys), {stored_member(item(3).id): time.time() - 3 * 86_400 - 60})  # stored 3 days ago
    crawler = SharedClaims(redis, settings.distributed)
    assert item(2).id in crawler                     # stored with its text: never fetched again
    assert item(1).id not in crawler                 # summary only: this crawler fetches it again now
    assert item(3).id in crawler                     # summary only, but 3 days old: left as it is, as on one machine
    assert crawler.stats == {"claimed": 1, "taken": 0, "stored": 2}
    assert redis.sismember(keys.stored, stored_member(item(3).id)) and not redis.zscore(summary_only_key(keys), stored_member(item(3).id))
    push_all(settings, [item(1)])                    # the page came through this time
    make_worker(settings, "w").run(until_idle_s=0)
    assert item(1).id in SharedClaims(redis, settings.distributed)
    assert redis.zcard(summary_only_key(keys)) == 0


@needs_redis
def test_a_new_redis_learns_which_stored_articles_are_summary_only(settings):
    from tocsin.distributed.claims import SharedClaims
    from tocsin.store import upsert_item
    from tocsin.store.sources import ensure_source

    db = connect(settings.database_path)
    ensure_source(db, "test")
    for record in (summary_only(1), item(2)):
        upsert_item(db, record)
    make_worker(settings, "w", db=db).start()
    crawler = SharedClaims(connect_redis(settings), settings.distributed)
    assert item(1).id not in crawler and item(2).id in crawler


# --------------------------------------------------------------------------- two crawler processes


class SiteHandler(SimpleHTTPRequestHandler):
    """An index with 30 articles, each also linking to its neighbour (so articles are found twice).

    The index answers once two crawlers have asked for it (or after 20 s), the second half a second after
    the first, so the second finds the first one's requests in the shared queue; articles take 0.3 s."""

    index_barrier = threading.Barrier(2, timeout=20)
    article_delay_s = 0.3
    in_flight = 0
    in_flight_lock = threading.Lock()
    both_crawling = threading.Event()

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/":
            try:
                if self.index_barrier.wait() == 0:
                    time.sleep(0.5)
            except threading.BrokenBarrierError:
                pass
            body = "".join(f'<a href="/a/{n}">{n}</a>' for n in range(30))
        elif self.path.startswith("/a/"):
            n = int(self.path.rsplit("/", 1)[1])
            body = f"<h1>Article {n}</h1><p>Fictional town news {n}.</p><a class=more href='/a/{(n + 1) % 30}'>next</a>"
        else:
            self.send_error(404)
            return
        data = f"<html><body>{body}</body></html>".encode()
        if self.path.startswith("/a/"):
            self.hold_until_both_crawl()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.path.startswith("/a/"):
            time.sleep(self.article_delay_s)
        self.wfile.write(data)

    def hold_until_both_crawl(self) -> None:
        """Answer no article before more are in flight than one crawler may have (PER_CRAWLER_CONCURRENCY):
        then the second crawler has taken some from the shared queue, however slowly it started."""
        with self.in_flight_lock:
            SiteHandler.in_flight += 1
            if SiteHandler.in_flight > PER_CRAWLER_CONCURRENCY:
                self.both_crawling.set()
        try:
            self.both_crawling.wait(timeout=20)
        finally:
            with self.in_flight_lock:
                SiteHandler.in_flight -= 1


@pytest.mark.slow
@needs_redis
def test_two_crawler_processes_share_one_queue_and_duplicate_filter(own_redis_settings, tmp_path):
    settings = own_redis_settings
    SiteHandler.index_barrier = threading.Barrier(2, timeout=20)
    SiteHandler.article_delay_s = 0.3
    SiteHandler.in_flight, SiteHandler.both_crawling = 0, threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", 0), SiteHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    start = f"http://127.0.0.1:{server.server_port}/"
    log = tmp_path / "fetched.jsonl"
    env = {**os.environ, "PYTHONPATH": f"{TESTS}{os.pathsep}{ROOT}"}
    args = [sys.executable, str(TESTS / "test_distributed_fakes.py"), json.dumps({"redis_url": settings.distributed.redis_url}),
            start, "local-site", str(log)]
    crawlers: list[subprocess.Popen] = []
    try:
        crawlers = [subprocess.Popen(args, env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        for p in crawlers:
            _, err = p.communicate(timeout=60)
            assert p.returncode == 0, err
    finally:
        stop_processes(crawlers)
        server.shutdown()
    fetched = [json.loads(line) for line in log.read_text().splitlines()]
    articles = [f["url"] for f in fetched if "/a/" in f["url"]]
    assert sorted(articles) == sorted({u for u in articles}) and len(articles) == 30  # each article fetched once
    assert len({f["pid"] for f in fetched if "/a/" in f["url"]}) == 2  # by both processes
    redis = connect_redis(settings)
    assert redis.xlen(settings.distributed.stream) == 30
    w = make_worker(settings, "w")
    assert w.run(until_idle_s=0).stored == 30
    assert counts(w.db)["items"] == 30 and counts(w.db)["snapshots"] == 30
    assert get_item(w.db, item_versions(w.db, w.db.execute("SELECT id FROM items LIMIT 1").fetchone()[0])[0]["item_id"])["source"] == "local-site"


@pytest.mark.slow
@needs_redis
def test_a_crawl_pauses_while_the_workers_are_behind_and_loses_nothing(own_redis_settings, tmp_path):
    settings = own_redis_settings
    from tocsin.distributed.heartbeat import read_heartbeats

    SiteHandler.index_barrier = threading.Barrier(1)  # one crawler here: articles need not wait for a second
    SiteHandler.article_delay_s = 0.02
    SiteHandler.in_flight, SiteHandler.both_crawling = 0, threading.Event()
    SiteHandler.both_crawling.set()
    server = ThreadingHTTPServer(("127.0.0.1", 0), SiteHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {**os.environ, "PYTHONPATH": f"{TESTS}{os.pathsep}{ROOT}"}
    limits = {"redis_url": settings.distributed.redis_url, "max_stream_entries": 3, "heartbeat_s": 1}
    redis = connect_redis(settings)
    crawler, crawl_log = None, open(tmp_path / "crawl.log", "w")
    try:
        crawler = subprocess.Popen([sys.executable, str(TESTS / "test_distributed_fakes.py"), json.dumps(limits),
                                    f"http://127.0.0.1:{server.server_port}/", "local-site", str(tmp_path / "log.jsonl")],
                                   env=env, cwd=tmp_path, stderr=crawl_log)
        deadline = time.monotonic() + 60
        while not any(h["state"].startswith("paused") for h in read_heartbeats(redis, Keys.of(settings))):
            assert time.monotonic() < deadline and crawler.poll() is None, "the crawl never paused"
            time.sleep(0.1)
        waiting = redis.xlen(settings.distributed.stream)
        time.sleep(1.5)
        # Held before the push: the stream stays at the limit (+1, the entry that crossed it) while the
        # crawl goes on fetching, and nothing more is pushed while the workers are away.
        assert waiting <= limits["max_stream_entries"] + 1
        assert redis.xlen(settings.distributed.stream) == waiting
        # Keep a worker going until the crawl ends: the crawl pauses again whenever the stream refills.
        w, stored = make_worker(settings, "w"), 0
        while crawler.poll() is None:
            assert time.monotonic() < deadline + 60, "the crawl never finished"
            stored = w.run(until_idle_s=0.5).stored  # the worker's running total
        assert crawler.returncode == 0, (tmp_path / "crawl.log").read_text()
    finally:
        stop_processes([crawler] if crawler else [])
        server.shutdown()
        crawl_log.close()
    stored += make_worker(settings, "w").run(until_idle_s=0).stored
    assert stored == 30 and counts(w.db)["items"] == 30


# --------------------------------------------------------------------------- Redis going away, status, back-pressure


@contextmanager
def redis_on_port(port: int, folder: Path):
    """A redis-server on ``port`` (the port of one that stopped, or one nothing listens on yet)."""
    from unittest import mock

    with mock.patch("tocsin.distributed.redis_server.free_port", return_value=port), local_redis(folder) as url:
        yield url


def port_of(settings) -> int:
    return int(settings.distributed.redis_url.rsplit(":", 1)[1].split("/")[0])


def redis_comes_back(settings, folder, after_pauses: int, stack, events: list) -> Any:
    """A sleep that notes each pause in ``events`` and starts Redis (again) on the settings' port at the
    ``after_pauses``-th."""
    def sleep(seconds: float) -> None:
        events.append(seconds)
        if len(events) == after_pauses:
            stack.enter_context(redis_on_port(port_of(settings), folder / f"redis-{len(events)}"))

    return sleep


def fake_crawl(monkeypatch, during=lambda settings: None) -> list:
    """Crawls that only call ``during(settings)`` and report one page and one item; returns the sources crawled."""
    from tocsin.crawler import CrawlResult

    crawled = []

    def crawl_sources(settings, names, timeout_s=None):
        during(settings)
        crawled.extend(names)
        return [CrawlResult(source=name, run_id=1, status="ok", pages=1, items=1) for name in names]

    monkeypatch.setattr("tocsin.crawler.crawl_sources", crawl_sources)
    return crawled


def one_source(settings) -> Any:
    from tocsin.config import SourceSettings

    settings.sources = [SourceSettings(name="a", urls=["https://a.example.org/rss"], interval_minutes=60)]
    return settings


@needs_redis
def test_a_crawler_rides_out_redis_stopping_in_the_middle_of_a_crawl(tmp_path, monkeypatch, caplog):
    from contextlib import ExitStack

    from tocsin.distributed.fleet import CrawlFleet, run_crawler

    with ExitStack() as stack:
        settings = one_source(settings_for(stack.enter_context(local_redis(tmp_path / "redis")), tmp_path))
        crawled = fake_crawl(monkeypatch, during=lambda s: connect_redis(s).shutdown(nosave=True))
        pauses: list[float] = []
        totals = run_crawler(settings, once=True, sleep=redis_comes_back(settings, tmp_path, 2, stack, pauses))
        assert crawled == ["a"] and totals == {"crawls": 1, "pushed": 1}
        assert pauses == [1.0, 2.0]  # doubling
        record = CrawlFleet(settings, connect_redis(settings), "x").last_crawls()["a"]
        assert record["status"] == "ok" and record["items"] == 1  # the outcome, kept until Redis took it
    assert "cannot reach Redis" in caplog.text and "start redis-server there" in caplog.text
    assert "trying again in 2 s" in caplog.text


@needs_redis
def test_a_crawler_started_while_redis_is_down_waits_for_it(tmp_path, monkeypatch, caplog):
    from contextlib import ExitStack

    from tocsin.distributed.fleet import run_crawler
    from tocsin.distributed.redis_server import free_port

    settings = one_source(settings_for(f"redis://127.0.0.1:{free_port()}/0", tmp_path, running=False))
    crawled = fake_crawl(monkeypatch)
    pauses: list[float] = []
    with ExitStack() as stack:
        totals = run_crawler(settings, once=True, sleep=redis_comes_back(settings, tmp_path, 3, stack, pauses))
    assert pauses == [1.0, 2.0, 4.0] and crawled == ["a"] and totals["crawls"] == 1
    waits = [r.getMessage() for r in caplog.records if "trying again" in r.getMessage()]
    assert len(waits) == 3 and all("cannot reach Redis" in w for w in waits)


@needs_redis
def test_a_crawler_run_once_gives_up_when_redis_fails_mid_crawl_and_keeps_the_lease_to_expire(tmp_path, monkeypatch, caplog):
    from contextlib import ExitStack

    from tocsin.distributed.connection import GaveUp
    from tocsin.distributed.fleet import run_crawler

    with ExitStack() as stack:
        settings = one_source(settings_for(stack.enter_context(local_redis(tmp_path / "redis")), tmp_path))
        crawled = fake_crawl(monkeypatch, during=lambda s: connect_redis(s).shutdown(nosave=True))
        pauses: list[float] = []
        with pytest.raises(GaveUp, match="cannot reach Redis.*gave up after 2 tries in 3 s"):
            run_crawler(settings, once=True, sleep=pauses.append, give_up_after_s=5)
    assert crawled == ["a"] and pauses == [1.0, 2.0]
    assert "the outcome of a is not recorded" in caplog.text


@needs_redis
def test_a_crawler_reports_itself_all_through_a_long_crawl(settings, monkeypatch):
    from tocsin.distributed.fleet import run_crawler
    from tocsin.distributed.heartbeat import read_heartbeats

    one_source(settings).distributed.heartbeat_s = 0.2
    seen = []

    def look_after_a_while(s):
        time.sleep(0.7)
        seen.extend(h for h in read_heartbeats(connect_redis(s), Keys.of(s)) if h["role"] == "crawl")

    fake_crawl(monkeypatch, during=look_after_a_while)
    run_crawler(settings, once=True)
    (beat,) = seen
    assert beat["state"] == "crawling a" and beat["age_s"] < 0.45  # not only the beat before the crawl


@needs_redis
def test_an_analysis_worker_loads_its_model_only_once_redis_answers(tmp_path, runner, monkeypatch, caplog):
    from contextlib import ExitStack
    from functools import partial

    import test_distributed_fakes
    from tocsin.cli import main
    from tocsin.distributed import connection
    from tocsin.distributed.redis_server import free_port

    settings = settings_for(f"redis://127.0.0.1:{free_port()}/0", tmp_path, running=False)
    config = write_config(settings)
    events: list = []
    monkeypatch.syspath_prepend(str(TESTS))
    monkeypatch.setattr(test_distributed_fakes, "make_analyser", lambda s: events.append("model") or KeywordAnalyser(s))
    with ExitStack() as stack:
        pause = redis_comes_back(settings, tmp_path, 2, stack, events)
        monkeypatch.setattr(connection, "wait_for_redis", partial(connection.wait_for_redis, sleep=pause))
        result = runner.invoke(main, ["--config", str(config), "worker", "analyse", "--until-idle", "0",
                                      "--analyser", "test_distributed_fakes:make_analyser"])
    assert result.exit_code == 0, result.output
    assert events == [1.0, 2.0, "model"]
    assert "cannot reach Redis" in caplog.text


@needs_redis
@pytest.mark.parametrize("command", [["crawl", "--once"], ["analyse"], ["store"]])
def test_workers_exit_at_once_on_a_redis_url_that_cannot_work(tmp_path, runner, command, monkeypatch):
    from tocsin.cli import main
    from tocsin.distributed.connection import Backoff

    monkeypatch.setattr(Backoff, "next_pause", lambda self: pytest.fail("waited for a Redis that cannot work"))
    with local_redis(tmp_path / "redis") as url:
        config = write_config(settings_for(url, tmp_path))
        connect_redis(settings_for(url, tmp_path)).config_set("requirepass", "zqxv-right")
        for given, message in ((url, "refused the password"), ("redis://:zq/xv@127.0.0.1:1/0", "percent-encode")):
            result = runner.invoke(main, ["--config", str(config), "worker", *command],
                                   env={"TOCSIN_DISTRIBUTED_REDIS_URL": given})
            assert result.exit_code == 2 and message in result.output, result.output


def push_pushed_ago(redis, settings, seconds: float, n: int) -> None:
    """Push ``n`` entries with the stream ids they would have had ``seconds`` ago (by Redis's clock)."""
    now_s, now_us = redis.time()
    pushed_ms = now_s * 1000 + now_us // 1000 - int(seconds * 1000)
    for seq in range(n):
        redis.xadd(settings.distributed.stream, encode_entry(item(seq)), id=f"{pushed_ms}-{seq}")


@needs_redis
def test_status_warns_and_exits_1_when_entries_wait_and_no_worker_takes_them(settings, runner):
    from tocsin.cli import main

    settings.distributed.claim_idle_s = 120
    config = write_config(settings)
    redis = connect_redis(settings)
    StreamPusher(redis, settings.distributed).ensure_group()
    push_pushed_ago(redis, settings, 30, 10)
    calm = runner.invoke(main, ["--config", str(config), "worker", "status"])
    assert calm.exit_code == 0 and "10 waiting, 0 pending on 0 consumers; oldest waiting 30 s" in calm.output, calm.output
    redis.delete(settings.distributed.stream)
    push_pushed_ago(redis, settings, 300, 10)
    stuck = runner.invoke(main, ["--config", str(config), "worker", "status"])
    assert stuck.exit_code == 1, stuck.output
    assert "warning: the oldest entry of tocsin:items has waited 300 s for a worker, longer than claim_idle_s (120 s)" in stuck.output
    assert "start 'tocsin worker analyse'" in stuck.output


@needs_redis
def test_status_shows_how_long_ago_pending_entries_were_pushed_not_their_idle_time(settings):
    from tocsin.distributed.status import read_status

    settings.distributed.claim_idle_s = 120
    redis = connect_redis(settings)
    StreamPusher(redis, settings.distributed).ensure_group()
    push_pushed_ago(redis, settings, 100, 8)
    StreamPusher(redis, settings.distributed).push(item(20))
    w = make_worker(settings, "w")
    w.start()
    assert len(w.next_batch()) == 8  # just taken: idle 0 s, but pushed 100 s ago
    lines, healthy = read_status(settings)
    assert "1 waiting, 8 pending on 1 consumers; oldest waiting 0 s, oldest pending 100 s" in "\n".join(lines)
    assert healthy


@needs_redis
def test_crawlers_pause_while_the_writer_is_behind(settings):
    settings.distributed.max_stream_entries = 3
    redis = push_all(settings, [item(n) for n in range(4)])
    publisher = StreamWorker(settings, None, analyser=KeywordAnalyser(), mode="publish", name="remote", block_ms=100)
    assert publisher.run(max_batches=1).analysed == 4  # moved to the analysed stream: no writer runs
    pipeline = stream_pipeline(settings, Spider())

    def writer_catches_up():
        assert redis.xlen(settings.distributed.stream) == 0  # held, not pushed
        assert make_worker(settings, "writer", analyser=None, mode="write").run(until_idle_s=0).stored == 4

    pauses = record_pauses(pipeline, on_pause=writer_catches_up)
    assert through(pipeline, item(9), Spider()) == item(9) and len(pauses) == 1
    assert redis.xlen(settings.distributed.stream) == 1


@needs_redis
def test_publishing_workers_pause_while_the_writer_is_behind(settings):
    settings.distributed.max_stream_entries = 3
    keys = Keys.of(settings)
    redis = push_all(settings, [item(n) for n in range(6)])
    first = StreamWorker(settings, None, analyser=KeywordAnalyser(), mode="publish", name="remote", block_ms=100,
                         batch_size=4)
    assert first.run(max_batches=1).analysed == 4
    publisher = without_waiting(first)
    assert not publisher.step() and publisher.pauses == [0.1]  # 4 analysed > 3: it reads nothing more
    assert redis.xlen(keys.stream) == 2 and redis.xlen(keys.analysed().stream) == 4
    assert redis.xinfo_groups(keys.stream)[0]["pending"] == 0
    assert make_worker(settings, "writer", analyser=None, mode="write").run(until_idle_s=0).stored == 4
    assert publisher.run(until_idle_s=0).analysed == 6 and redis.xlen(keys.analysed().stream) == 2  # totals since start


@pytest.mark.parametrize("url, secret", [
    ("redis://hub.example:6379/0?password=zqxv", "zqxv"),          # redis-py also reads the password from the query
    ("unix:///run/redis.sock?db=0&password=zqxv", "zqxv"),
    ("rediss://tocsin:pw1@hub.example/0?password=zqxv", "zqxv"),
])
def test_a_password_in_the_query_is_masked_too(url, secret):
    shown = masked_url(url)
    assert secret not in shown and "password=***" in shown
    assert "hub.example" in shown or "redis.sock" in shown
