"""What the README and the guides promise a user who follows them to the letter."""

from __future__ import annotations

from tocsin.cli import main


def test_init_makes_the_database_the_global_db_names(runner, tmp_path):
    """`--db PATH` overrides database.path for every command: init makes the store there, not beside the config."""
    store = tmp_path / "data" / "monitor.db"
    result = runner.invoke(main, ["--db", str(store), "init", str(tmp_path / "site")], env={"TOCSIN_DB": ""})
    assert result.exit_code == 0, result.output
    assert store.is_file() and not (tmp_path / "site" / "tocsin.db").exists()
    assert f"made the database {store}" in result.output
    status = runner.invoke(main, ["--db", str(store), "--config", str(tmp_path / "site" / "tocsin.toml"), "status"])
    assert status.exit_code == 0, status.output


def test_init_makes_the_database_tocsin_db_names(runner, tmp_path):
    """A TOCSIN_DB set in the environment names the store init makes, so the next command finds it."""
    store = tmp_path / "elsewhere.db"
    result = runner.invoke(main, ["init", str(tmp_path / "site")], env={"TOCSIN_DB": str(store)})
    assert result.exit_code == 0, result.output
    assert store.is_file() and not (tmp_path / "site" / "tocsin.db").exists()
    status = runner.invoke(main, ["--config", str(tmp_path / "site" / "tocsin.toml"), "status"], env={"TOCSIN_DB": str(store)})
    assert status.exit_code == 0, status.output
