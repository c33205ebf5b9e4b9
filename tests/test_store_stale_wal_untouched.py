"""A backup restored beside the old store's write-ahead log is refused without a byte of it changed: the log
is not checkpointed into the restored file, so the user moves the log away and opens the same copy."""

from __future__ import annotations

import hashlib
import shutil

import pytest

from tocsin.cli import main
from tocsin.store import ItemRecord, connect, upsert_item
from tocsin.store.db import DatabaseUnusable
from tocsin.store.sources import ensure_source

MOVE_AWAY = "tocsin.db-wal and tocsin.db-shm are the old store's: move them away"


def restored_beside_the_old_log(tmp_path):
    """``tocsin.db``: a backup copied over the store while the store's -wal and -shm, not checkpointed, stay."""
    live = tmp_path / "tocsin.db"
    backup = tmp_path / "backup.db"
    db = connect(live)
    ensure_source(db, "test")
    for n in range(50):
        upsert_item(db, ItemRecord(source="test", url=f"https://e.kg/{n}", text="before the backup " * 50))
    db.execute("VACUUM INTO ?", [str(backup)])
    for n in range(50, 120):
        upsert_item(db, ItemRecord(source="test", url=f"https://e.kg/{n}", text="after the backup " * 50))
    crashed = tmp_path / "crashed"   # the daemon's files as it left them, its log not yet checkpointed
    crashed.mkdir()
    for suffix in ("-wal", "-shm"):
        shutil.copy(tmp_path / f"tocsin.db{suffix}", crashed / f"tocsin.db{suffix}")
    db.close()
    for suffix in ("-wal", "-shm"):
        shutil.copy(crashed / f"tocsin.db{suffix}", tmp_path / f"tocsin.db{suffix}")
    shutil.copy(backup, live)
    return live


def digest(path):
    """The SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_refused_restored_copy_keeps_its_bytes_and_the_old_log_stays_beside_it(tmp_path, runner):
    live = restored_beside_the_old_log(tmp_path)
    wal = tmp_path / "tocsin.db-wal"
    before, wal_before = digest(live), digest(wal)

    with pytest.raises(DatabaseUnusable, match=MOVE_AWAY):
        connect(live, create=False)
    result = runner.invoke(main, ["--db", str(live), "status"])

    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"the database {live} is damaged" in result.output and MOVE_AWAY in result.output
    assert digest(live) == before, "the old log was checkpointed into the restored copy"
    assert wal.is_file() and digest(wal) == wal_before


def test_the_same_copy_opens_once_the_old_log_is_moved_away(tmp_path):
    live = restored_beside_the_old_log(tmp_path)
    with pytest.raises(DatabaseUnusable):
        connect(live, create=False)
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"tocsin.db{suffix}").rename(tmp_path / f"old{suffix}")

    db = connect(live, create=False)

    assert db.execute("SELECT count(*) FROM items").fetchone() == (50,)
    db.close()
