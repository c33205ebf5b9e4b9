"""A store that cannot be used as it is is refused, left as it was, with a message naming the file and the fix:
one a newer tocsin migrated, one whose migration fails, one whose schema or first bytes are damaged, one restored
beside the old store's write-ahead log."""

from __future__ import annotations

import shlex
import sqlite3

import pytest

import tocsin.store.migrations as migrations
from tocsin.cli import main
from tocsin.store import ItemRecord, connect, upsert_item
from tocsin.store.db import DatabaseUnusable
from tocsin.store.migrations import MIGRATIONS
from tocsin.store.reviewing import record_decision
from tocsin.store.sources import ensure_source

from test_store_stale_wal_untouched import restored_beside_the_old_log


def store_with_a_decision(path):
    """A store on disk holding one item with a reviewer's decision, checkpointed into its file and closed."""
    db = connect(path)
    ensure_source(db, "test")
    item = ItemRecord(source="test", url="https://e.kg/a", text="text A")
    upsert_item(db, item)
    record_decision(db, item.id, "aizada", "incitement", note="kept")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return item


def files_of(path):
    """The bytes of the database file and of the -wal and -shm files beside it."""
    return {p.name: p.read_bytes() for p in path.parent.glob(path.name + "*")}


def test_a_store_a_newer_tocsin_migrated_is_refused_and_left_untouched(db_path, runner):
    store_with_a_decision(db_path)
    raw = sqlite3.connect(db_path)
    raw.execute("INSERT INTO migrations (name, applied_at) VALUES ('m099_from_the_future', '2030-01-01T00:00:00+00:00')")
    raw.commit()
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    before = files_of(db_path)

    with pytest.raises(DatabaseUnusable, match=r"upgraded by a newer tocsin .* m099_from_the_future"):
        connect(db_path)
    result = runner.invoke(main, ["--db", str(db_path), "status"])

    assert result.exit_code == 2 and "Traceback" not in result.output
    assert str(db_path) in result.output and "run the newer tocsin" in result.output
    assert files_of(db_path) == before


def test_a_migration_that_fails_says_which_and_leaves_every_row(db_path, runner, monkeypatch):
    item = store_with_a_decision(db_path)

    def m099_broken(db):
        db.execute("DELETE FROM item_versions")
        db.execute("INSERT INTO reviews (item_id, reviewer, decision, at) VALUES ('no such item', 'x', 'unsure', 'now')")

    monkeypatch.setattr(migrations, "MIGRATIONS", [*MIGRATIONS, m099_broken])
    result = runner.invoke(main, ["--db", str(db_path), "status"])

    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"the database {db_path} cannot be upgraded" in result.output
    assert "migration m099_broken failed (IntegrityError: FOREIGN KEY constraint failed) and was undone" in result.output
    assert f"migrations up to {MIGRATIONS[-1].__name__} applied" in result.output
    raw = sqlite3.connect(db_path)
    assert raw.execute("SELECT count(*) FROM item_versions WHERE item_id = ?", [item.id]).fetchone() == (1,)
    assert raw.execute("SELECT reviewer, decision, note FROM reviews").fetchall() == [("aizada", "incitement", "kept")]
    assert "m099_broken" not in {r[0] for r in raw.execute("SELECT name FROM migrations")}


def test_a_table_name_damaged_into_bytes_that_are_not_utf8_is_named_as_damage(db_path):
    store_with_a_decision(db_path)
    data = bytearray(db_path.read_bytes())
    at = data.index(b"tableerased_itemserased_items") + len(b"table")
    data[at] = 0xFF   # the table's name in sqlite_master; its SQL is intact
    db_path.write_bytes(bytes(data))

    with pytest.raises(DatabaseUnusable) as refused:
        connect(db_path, create=False)

    assert f"the database {db_path} is damaged" in str(refused.value)
    assert "restore it from a backup" in str(refused.value) and ".recover" in str(refused.value)


def test_the_rescue_command_for_a_damaged_store_can_be_pasted_when_its_path_has_spaces(tmp_path):
    path = tmp_path / "Ош store" / "tocsin db.db"
    path.parent.mkdir()
    store_with_a_decision(path)
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\x00" * (4096 - 100)   # page 1 after the file header: sqlite_master's root
    path.write_bytes(bytes(data))

    with pytest.raises(DatabaseUnusable) as refused:
        connect(path, create=False)

    assert f"sqlite3 {shlex.quote(str(path))} .recover | sqlite3 recovered.db" in str(refused.value)


def test_a_store_whose_first_bytes_are_damaged_is_not_taken_for_a_stranger_to_replace(db_path):
    store_with_a_decision(db_path)
    data = bytearray(db_path.read_bytes())
    data[0:16] = b"-----BEGIN PGP--"   # the SQLite header's magic gone, as in a backup still encrypted
    db_path.write_bytes(bytes(data))

    with pytest.raises(DatabaseUnusable, match=r"not a tocsin database \(file is not a database\)") as refused:
        connect(db_path, create=False)

    assert "If it is your store" in str(refused.value) and "restore it from a backup, decrypted" in str(refused.value)


def test_a_backup_restored_beside_the_old_stores_write_ahead_log_is_told_to_move_that_log_away(tmp_path):
    live = restored_beside_the_old_log(tmp_path)   # restored over the old store, its -wal and -shm left beside

    with pytest.raises(DatabaseUnusable) as refused:
        connect(live, create=False)

    assert f"the database {live} is damaged" in str(refused.value)
    assert "tocsin.db-wal and tocsin.db-shm are the old store's: move them away" in str(refused.value)


def test_the_next_command_init_prints_runs_as_printed_from_a_folder_with_spaces(runner, tmp_path):
    import shlex
    import subprocess

    from tocsin.cli import main

    target = tmp_path / "мой склад" / "NGO data"
    result = runner.invoke(main, ["init", str(target)])
    assert result.exit_code == 0, result.output
    command = next(line for line in result.output.splitlines() if line.startswith("next: ")).removeprefix("next: ")
    words = shlex.split(command)
    assert words[words.index("--config") + 1] == str(target / "tocsin.toml"), "the path is one word of the command"
    assert subprocess.run(["true", *words]).returncode == 0


def test_every_rescue_hint_gives_the_same_command_with_its_fallback():
    from tocsin.crawler.pipelines import unwritable
    from tocsin.store.db import rescue_command

    damaged = sqlite3.DatabaseError("database disk image is malformed")
    assert rescue_command() in unwritable(damaged) and ".dump" in rescue_command()
    assert rescue_command("/srv/my data/tocsin.db").startswith("sqlite3 '/srv/my data/tocsin.db' .recover")
