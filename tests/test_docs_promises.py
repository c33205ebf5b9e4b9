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


def test_the_command_a_missing_store_suggests_makes_it_where_it_was_looked_for(runner, tmp_path):
    """"no database at PATH" names a command that, run as printed (FOLDER filled in), makes the store at PATH."""
    import re
    import shlex

    store = tmp_path / "my data" / "monitor.db"
    missing = runner.invoke(main, ["--db", str(store), "status"], env={"TOCSIN_DB": ""})
    assert missing.exit_code == 2 and f"no database at {store}" in missing.output, missing.output
    suggested = re.search(r"'(tocsin --db .+? init FOLDER)'", " ".join(missing.output.split()))
    assert suggested, missing.output
    words = shlex.split(suggested.group(1).replace("FOLDER", shlex.quote(str(tmp_path / "site"))))
    made = runner.invoke(main, words[1:], env={"TOCSIN_DB": ""})
    assert made.exit_code == 0 and store.is_file(), made.output
