"""An empty database file (a failed ``gpg -d … > tocsin.db`` during a restore) is refused like a missing one by
the commands that never make a store, and left empty; ``tocsin init`` and ``connect(create=True)`` still make a
store in it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tocsin.cli import main
from tocsin.store import connect
from tocsin.store.db import DatabaseUnusable


@pytest.fixture
def empty_db(tmp_path):
    path = tmp_path / "tocsin.db"
    path.write_bytes(b"")
    return path


def assert_refused_and_untouched(output: str, path) -> None:
    assert f"the database {path} is an empty file" in output and "tocsin init" in output and "backup" in output
    assert path.stat().st_size == 0


def test_connect_without_create_refuses_an_empty_file(empty_db):
    for migrate in (True, False):   # the commands, and the crawl process
        with pytest.raises(DatabaseUnusable, match="empty file"):
            connect(empty_db, create=False, migrate=migrate)
    assert empty_db.stat().st_size == 0


@pytest.mark.parametrize("command", [["status"], ["retention", "--dry-run"], ["crawl"]])
def test_commands_that_never_make_a_store_refuse_an_empty_file(runner, empty_db, command):
    result = runner.invoke(main, ["--db", str(empty_db), *command])
    assert result.exit_code != 0
    assert_refused_and_untouched(result.output, empty_db)


def test_the_daemon_does_not_start_over_in_an_empty_file(tmp_path, empty_db):
    env = {name: value for name, value in os.environ.items() if name not in ("TOCSIN_CONFIG", "TOCSIN_DB")}
    try:
        done = subprocess.run([str(Path(sys.executable).with_name("tocsin")), "--db", str(empty_db), "daemon"], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail("the daemon started on an empty database file")
    assert done.returncode != 0
    assert_refused_and_untouched(done.stderr, empty_db)


def test_init_still_makes_a_store_in_an_empty_file(runner, tmp_path, empty_db):
    result = runner.invoke(main, ["init", str(tmp_path)])
    assert result.exit_code == 0, result.output
    db = connect(empty_db, create=False)
    assert db.execute("SELECT count(*) FROM migrations").fetchone()[0] > 0


def test_connect_that_may_create_still_makes_a_store_in_an_empty_file(empty_db):
    connect(empty_db).close()
    assert empty_db.stat().st_size > 0
