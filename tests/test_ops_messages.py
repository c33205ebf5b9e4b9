"""Messages that name the right fix: a read-only database file (its own mode or owner), an empty
``database.path`` and a ``daemon.lock_file`` that is a folder (config errors that ``tocsin status`` reports)."""

from __future__ import annotations

import sqlite3

import pytest

from tocsin.cli import main
from tocsin.cli.app import stated_problem
from tocsin.config import ConfigError, load_settings


def test_a_read_only_store_names_the_files_own_permissions():
    message = stated_problem(sqlite3.OperationalError("attempt to write a readonly database"))
    assert "the database file" in message and "mode or owner" in message and "-wal" in message
    assert "free space" not in message
    full = stated_problem(sqlite3.OperationalError("database or disk is full"))
    assert "free space on its disk" in full and "mode or owner" not in full


def test_an_empty_database_path_is_a_config_error_naming_the_key(tmp_path, runner):
    config = tmp_path / "tocsin.toml"
    config.write_text('[database]\npath = ""\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="database.path"):
        load_settings(config, env={})
    result = runner.invoke(main, ["--config", str(config), "status"])
    assert result.exit_code == 2 and "config key 'database.path'" in result.output


def test_status_reports_a_lock_file_that_is_a_folder(tmp_path, runner):
    (tmp_path / "locks").mkdir()
    config = tmp_path / "tocsin.toml"
    config.write_text('[daemon]\nlock_file = "locks"\n', encoding="utf-8")
    assert runner.invoke(main, ["init", str(tmp_path / "elsewhere")]).exit_code == 0
    result = runner.invoke(main, ["--config", str(config), "--db", str(tmp_path / "elsewhere" / "tocsin.db"), "status"])
    assert result.exit_code == 2 and "config key 'daemon.lock_file'" in result.output and "a folder" in result.output
