"""What must stay private is created readable by its owner only, whatever the umask: the store, the config
that init writes, exports while they are written, and alert files that forget rewrites."""

from __future__ import annotations

import os
import sqlite3

import pytest

from tocsin.cli import main
from tocsin.export.erasure import Needles, scrub_file
from tocsin.export.writers import WRITERS
from tocsin.private_files import open_private


@pytest.fixture
def loose_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path) -> int:
    return path.stat().st_mode & 0o777


def test_open_private_tightens_a_file_that_was_already_there(tmp_path, loose_umask):
    path = tmp_path / "f"
    path.write_text("old", encoding="utf-8")
    assert mode(path) == 0o644
    with open_private(path, "w", encoding="utf-8") as f:
        assert mode(path) == 0o600
        f.write("new")
    assert path.read_text(encoding="utf-8") == "new"


def test_init_writes_a_private_config_and_store(runner, tmp_path, loose_umask):
    result = runner.invoke(main, ["init", str(tmp_path / "x")])
    assert result.exit_code == 0, result.output
    config, database = tmp_path / "x" / "tocsin.toml", tmp_path / "x" / "tocsin.db"
    assert mode(config) == 0o600 and mode(database) == 0o600
    with sqlite3.connect(database) as conn:   # SQLite's -wal and -shm take the store's permissions
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("CREATE TABLE t (x)")
        assert mode(tmp_path / "x" / "tocsin.db-wal") == 0o600


@pytest.fixture
def open_umask():
    old = os.umask(0)
    yield
    os.umask(old)


def test_the_folders_tocsin_makes_are_its_owners_only_and_those_already_there_are_left_alone(runner, tmp_path, open_umask):
    from tocsin.cli.privacy import new_export_folder
    from tocsin.private_files import make_private_folders

    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    assert runner.invoke(main, ["init", str(shared / "srv" / "tocsin")]).exit_code == 0
    assert mode(shared / "srv") == mode(shared / "srv" / "tocsin") == 0o700 and mode(shared) == 0o755
    assert mode(new_export_folder(shared / "exports")) == mode(shared / "exports") == 0o700
    make_private_folders(shared)   # already there: left as it is
    assert mode(shared) == 0o755


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_an_export_is_private_while_it_is_written(tmp_path, loose_umask, fmt):
    writer = WRITERS[fmt](tmp_path / f"out.{fmt}")
    try:
        assert writer.partial.exists() and mode(writer.partial) == 0o600
    finally:
        writer.abort()


def test_forget_keeps_an_alert_files_permissions_when_it_rewrites_it(tmp_path, loose_umask):
    alerts = tmp_path / "alerts.jsonl"
    alerts.write_text('{"text": "keep"}\n{"text": "erase osh_voice_1"}\n', encoding="utf-8")
    alerts.chmod(0o600)
    assert scrub_file(alerts, Needles([], ["osh_voice_1"])) == 1
    assert mode(alerts) == 0o600 and alerts.read_text(encoding="utf-8") == '{"text": "keep"}\n'


def test_an_export_that_cannot_be_finished_leaves_no_partial_file(tmp_path, monkeypatch):
    writer = WRITERS["jsonl"](tmp_path / "out.jsonl")

    def full_disk():
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer, "_finish", full_disk)
    with pytest.raises(OSError, match="No space left"):
        writer.close()
    assert not writer.partial.exists() and not (tmp_path / "out.jsonl").exists()


def test_a_private_file_is_never_written_through_a_link(tmp_path):
    from tocsin.cli.app import stated_problem
    from tocsin.private_files import LinkInTheWay

    target = tmp_path / "tocsin.db"
    target.write_bytes(b"SQLite format 3\x00 keep")
    (tmp_path / "notes.md").symlink_to(target)
    with pytest.raises(LinkInTheWay) as refused:
        open_private(tmp_path / "notes.md", "w")
    assert stated_problem(refused.value) == (f"{tmp_path / 'notes.md'} is a symbolic link, and private files are never "
                                             "written through one (it could point at the store); remove the link or "
                                             "choose another path")
    with open_private(tmp_path / "notes.md", "w", fresh=True) as f:   # a file of tocsin's own: the link is replaced
        f.write("new")
    assert target.read_bytes() == b"SQLite format 3\x00 keep" and (tmp_path / "notes.md").read_text() == "new"
    assert mode(tmp_path / "notes.md") == 0o600
