"""``forget`` is for good in distributed mode too: a worker that reads an erased item from the stream does not store
it again, counts it (its summary and ``tocsin worker status`` say so) and leaves nothing of it in Redis."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from test_distributed_fakes import item
from test_export_support import add_item
from tocsin.config import load_settings
from tocsin.config_toml import dump_settings
from tocsin.distributed.connection import connect_redis
from tocsin.distributed.redis_server import local_redis, redis_server_path
from tocsin.distributed.stream import StreamPusher
from tocsin.export.erasure import forget
from tocsin.store import connect, get_item

TESTS = Path(__file__).parent
ERASED, KEPT, NEVER_STORED = item(1), item(2), item(3)


@pytest.fixture
def settings(tmp_path):
    """Settings with a Redis of the test's own and a store beside it."""
    if redis_server_path() is None:
        pytest.skip("redis-server is not installed (make test installs it: apt-get install redis-server)")
    with local_redis(tmp_path / "redis") as url:
        s = load_settings(None, env={})
        s.config_dir = tmp_path
        s.database.path = str(tmp_path / "tocsin.db")
        s.distributed.redis_url = url
        yield s


def erase_before_the_crawl(settings) -> None:
    """Store ``ERASED``, erase it, and ask in advance for ``NEVER_STORED`` (not stored yet) to be erased."""
    db = connect(settings.database_path)
    add_item(db, url=ERASED.url, text=ERASED.text, author=ERASED.author, analyse=False)
    summary = forget(db, settings, urls=[ERASED.url, NEVER_STORED.url])
    assert (summary.items, summary.unstored_urls_blocked) == (1, 1)
    db.close()


def push(settings, *records) -> None:
    pusher = StreamPusher(connect_redis(settings), settings.distributed)
    pusher.ensure_group()
    assert all(pusher.push(r) for r in records)


def test_a_workers_result_for_an_erased_address_is_not_stored_and_is_counted(settings, runner, monkeypatch):
    from tocsin.cli import main

    monkeypatch.syspath_prepend(str(TESTS))
    config = settings.config_dir / "tocsin.toml"
    config.write_text(dump_settings(settings), encoding="utf-8")
    erase_before_the_crawl(settings)
    edited = dataclasses.replace(ERASED, url=ERASED.url + "?utm_source=feed", text="Edited since.")
    push(settings, ERASED, edited, NEVER_STORED, KEPT)

    result = runner.invoke(main, ["--config", str(config), "worker", "analyse", "--name", "w-erase",
                                  "--until-idle", "0", "--analyser", "test_distributed_fakes:make_analyser"])
    assert result.exit_code == 0, result.output
    assert "1 items stored (1 new)" in result.output and "3 erased items not stored again" in result.output

    db = connect(settings.database_path)
    assert [get_item(db, r.id) is not None for r in (ERASED, NEVER_STORED, KEPT)] == [False, False, True]
    assert db.execute("SELECT count(*) FROM snapshots").fetchone()[0] == 0
    db.close()
    redis = connect_redis(settings)
    assert redis.xlen(settings.distributed.stream) == 0 and redis.xlen(settings.distributed.stream + ":dead") == 0
    status = runner.invoke(main, ["--config", str(config), "worker", "status"])
    assert "w-erase [analyse] stopped" in status.output and "erased 3" in status.output, status.output
