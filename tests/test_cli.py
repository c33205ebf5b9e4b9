"""The CLI: every command has help; init writes a config and a database that status can read."""

from __future__ import annotations

import json

import pytest

from tocsin.cli import main
from tocsin.models.folder import EMBEDDED_DIR


def all_commands(group, prefix=()):
    for name, cmd in group.commands.items():
        yield (*prefix, name), cmd
        if hasattr(cmd, "commands"):
            yield from all_commands(cmd, (*prefix, name))


def test_every_command_has_a_one_line_help(runner):
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    for path, cmd in all_commands(main):
        assert (cmd.help or "").strip(), f"'tocsin {' '.join(path)}' has no help text"
        sub = runner.invoke(main, [*path, "--help"])
        assert sub.exit_code == 0, sub.output
        assert "Usage:" in sub.output
        for param in cmd.params:
            if param.param_type_name == "option":
                assert (param.help or "").strip(), f"option {param.name} of 'tocsin {' '.join(path)}' has no help"
    top = result.output
    for name in main.commands:
        assert name in top


HUGE = "100000000000000000000"   # more than SQLite's integers hold


@pytest.mark.parametrize("args, option, problem", [
    (["export", "--min-score", "nan"], "--min-score", "'nan' is not a finite number"),
    (["worker", "analyse", "--until-idle", "nan"], "--until-idle", "'nan' is not a finite number"),
    (["worker", "analyse", "--until-idle", "inf"], "--until-idle", "inf is not in the range 0<=x<=604800"),
    (["analyse", "--limit", "0"], "--limit", "0 is not in the range"),
    (["analyse", "--limit", "-5"], "--limit", "-5 is not in the range"),
    (["alert", "list", "--limit", HUGE], "--limit", f"{HUGE} is not in the range"),
    (["worker", "dead", "--limit", HUGE], "--limit", f"{HUGE} is not in the range"),
    (["classify", "--batch", "0"], "--batch", "0 is not in the range"),
    (["crawl", "--timeout", "1000000000000"], "--timeout", "1000000000000 is not in the range 1<=x<=604800"),
    (["demo", "--world-port", "70000"], "--world-port", "70000 is not in the range 0<=x<=65535"),
    (["demo", "--port", "0"], "--port", "0 is not in the range 1<=x<=65535"),
    (["serve", "--port", "0"], "--port", "0 is not in the range 1<=x<=65535"),
])
def test_a_number_out_of_range_is_a_usage_error_naming_the_option(runner, tmp_path, args, option, problem):
    result = runner.invoke(main, ["--db", str(tmp_path / "none.db"), *args])
    assert result.exit_code == 2 and f"Invalid value for '{option}'" in result.output and problem in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not (tmp_path / "none.db").exists()


@pytest.mark.parametrize("args", [["export", "--source", "\udcff"], ["forget", "--author", "\udcc8\udce2\udce0\udced"],
                                  ["link-key", "delete", "x\udcff"], ["--db", "st\udcffre.db", "status"]])
def test_an_argument_that_is_not_utf_8_is_named_before_anything_runs(runner, tmp_path, args):
    result = runner.invoke(main, ["--db", str(tmp_path / "none.db"), *args])
    assert result.exit_code == 2 and "is not UTF-8 text: set the terminal (or the script) to UTF-8" in result.output
    assert "\\x" in result.output and "Traceback" not in result.output and not list(tmp_path.iterdir())


def test_an_export_folder_that_cannot_be_made_names_the_setting(runner, tmp_path):
    assert runner.invoke(main, ["init", str(tmp_path)]).exit_code == 0
    (tmp_path / "exports").write_text("a file where the folder should be", encoding="utf-8")
    config = tmp_path / "bad.toml"
    config.write_text('[export]\nout_dir = "exports/2026"\n', encoding="utf-8")
    result = runner.invoke(main, ["--db", str(tmp_path / "tocsin.db"), "--config", str(config), "export"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert (f"cannot make an export folder in {tmp_path / 'exports' / '2026'} (Not a directory): set export.out_dir "
            "to a folder you can write to, or give --out") in result.output


def test_init_then_status(runner, tmp_path):
    target = tmp_path / "x"
    result = runner.invoke(main, ["init", str(target)])
    assert result.exit_code == 0, result.output
    assert (target / "tocsin.toml").is_file() and (target / "tocsin.db").is_file()
    result = runner.invoke(main, ["--db", str(target / "tocsin.db"), "status"])
    assert result.exit_code == 0, result.output
    assert "items" in result.output
    embedded = json.loads((EMBEDDED_DIR / "tocsin_model.json").read_text(encoding="utf-8"))
    assert f"model {embedded['name']} {embedded['version']} (embedded)" in result.output
    again = runner.invoke(main, ["init", str(target)])
    assert again.exit_code != 0 and "--force" in again.output
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "tocsin.db").write_text("not a database", encoding="utf-8")
    refused = runner.invoke(main, ["init", str(junk)])
    assert refused.exit_code == 2 and "is not a tocsin database" in refused.output
    assert not (junk / "tocsin.toml").exists()


def test_init_remakes_a_lost_store_from_the_config_it_keeps_and_force_keeps_the_old_config(runner, tmp_path):
    target = tmp_path / "x"
    assert runner.invoke(main, ["init", str(target)]).exit_code == 0
    config = target / "tocsin.toml"
    mine = config.read_text(encoding="utf-8").replace('path = "tocsin.db"', 'path = "store/monitor.db"', 1)
    config.write_text(mine, encoding="utf-8")
    rebuilt = runner.invoke(main, ["init", str(target)])   # the store this config names is gone: make it
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "kept" in rebuilt.output and "made the database" in rebuilt.output
    assert (target / "store" / "monitor.db").is_file() and config.read_text(encoding="utf-8") == mine
    forced = runner.invoke(main, ["init", "--force", str(target)])
    assert forced.exit_code == 0, forced.output
    (backup,) = target.glob("tocsin.toml.bak-*")
    assert backup.read_text(encoding="utf-8") == mine and "kept the old config as" in forced.output
    assert 'path = "tocsin.db"' in config.read_text(encoding="utf-8")
    from tocsin.store import connect

    store = connect(target / "tocsin.db")
    store.execute("UPDATE sources SET enabled = 1")   # the monitor's own choice of sources
    enabled = store.execute("SELECT count(*) FROM sources WHERE enabled = 1").fetchone()[0]
    again = runner.invoke(main, ["init", "--force", str(target)])   # the same second, and a store it keeps
    assert again.exit_code == 0 and len(list(target.glob("tocsin.toml.bak-*"))) == 2, "no backup overwritten"
    assert store.execute("SELECT count(*) FROM sources WHERE enabled = 1").fetchone()[0] == enabled


@pytest.mark.parametrize("command", [["run", "--no-crawl"], ["users", "add", "maria", "--password-stdin"]])
def test_commands_that_write_refuse_a_missing_store_instead_of_making_one(runner, tmp_path, command):
    """A cron job in the wrong folder, or a typo in --db, must not succeed on a new empty store."""
    typo = tmp_path / "tocsn.db"
    result = runner.invoke(main, ["--db", str(typo), *command], input="long enough 1\n")
    assert result.exit_code == 2 and "no database at" in result.output and "init FOLDER" in result.output
    assert list(tmp_path.iterdir()) == []


def test_status_without_database_says_how_to_create_one(runner, tmp_path):
    result = runner.invoke(main, ["--db", str(tmp_path / "none.db"), "status"])
    assert result.exit_code == 2
    assert "init FOLDER" in result.output
    assert "No config was read" not in result.output


def test_a_missing_store_at_the_default_path_says_that_no_config_was_read(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["status"], env={"TOCSIN_CONFIG": "", "TOCSIN_DB": ""})
    assert result.exit_code == 2
    assert f"No config was read (tocsin.toml is not in {tmp_path}" in result.output and "--config" in result.output


@pytest.mark.parametrize("broken, message", [
    ("missing", "no such folder; fix the path, or leave it empty"),
    ("no config", "has no config.json"),
    ("bad config", "config.json: cannot be read as JSON"),
    ("no weights", "has no weights (model.safetensors or pytorch_model.bin)"),
    ("no tokenizer", "has no tokenizer (tokenizer.json or tokenizer_config.json)"),
    ("bad metadata", "tocsin_model.json: not a JSON object"),
])
def test_status_names_what_is_wrong_with_the_model_folder(runner, tmp_path, broken, message):
    folder = tmp_path / "model"
    if broken != "missing":
        folder.mkdir()
        files = {"config.json": "{}", "model.safetensors": "", "tokenizer.json": "{}", "tocsin_model.json": "{}"}
        files.update({"no config": {"config.json": None}, "bad config": {"config.json": "{"},
                      "no weights": {"model.safetensors": None}, "no tokenizer": {"tokenizer.json": None},
                      "bad metadata": {"tocsin_model.json": "[]"}}[broken])
        for name, text in files.items():
            if text is not None:
                (folder / name).write_text(text, encoding="utf-8")
    runner.invoke(main, ["init", str(tmp_path / "x")])
    config = tmp_path / "model.toml"
    config.write_text(f"[model]\npath = {str(folder)!r}\n", encoding="utf-8")
    result = runner.invoke(main, ["--config", str(config), "--db", str(tmp_path / "x" / "tocsin.db"), "status"])
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output, result.output


def test_a_model_that_cannot_be_loaded_is_one_clear_message(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    config = tmp_path / "tocsin.toml"
    config.write_text(f"[model]\npath = {str(tmp_path / 'no-such-model')!r}\n", encoding="utf-8")
    result = runner.invoke(main, ["--config", str(config), "classify"], input="hello\n")
    assert result.exit_code == 2 and "cannot load the classifier" in result.output and "model.path" in result.output
    assert "Traceback" not in result.output


def test_status_says_why_each_sources_last_crawl_failed(runner, tmp_path):
    from tocsin.store import connect
    from tocsin.store.sources import ensure_source, finish_crawl_run, record_crawl_error, start_crawl_run

    runner.invoke(main, ["init", str(tmp_path)])
    db = connect(tmp_path / "tocsin.db")
    ensure_source(db, "slow-site")
    run_id = start_crawl_run(db, "slow-site")
    record_crawl_error(db, run_id, "slow-site", "timeout", "took longer than 5.0 seconds", "https://slow.example/rss")
    finish_crawl_run(db, run_id, status="failed", message="")
    db.close()
    result = runner.invoke(main, ["--db", str(tmp_path / "tocsin.db"), "status"])
    assert result.exit_code == 0
    assert "slow-site timeout: took longer than 5.0 seconds (https://slow.example/rss)" in " ".join(result.output.split())


def test_a_full_disk_or_read_only_store_is_one_message_that_keeps_the_store():
    import errno
    import sqlite3

    from tocsin.cli.app import stated_problem

    assert "free space on its disk" in stated_problem(sqlite3.OperationalError("database or disk is full"))
    assert "attempt to write a readonly database" in stated_problem(sqlite3.OperationalError("attempt to write a readonly database"))
    assert "tocsin.db.lock" in stated_problem(OSError(errno.EROFS, "Read-only file system", "/srv/tocsin/tocsin.db.lock"))
    assert stated_problem(OSError(errno.ENOENT, "No such file")) is None   # not one the user fixes this way


def test_a_store_that_cannot_be_read_is_not_called_foreign(tmp_path):
    import sqlite3

    import pytest

    from tocsin.store.db import DatabaseUnusable, refuse_foreign_database

    class Failing:
        def __init__(self, error: str):
            self.error = error

        def execute(self, *_):
            raise sqlite3.DatabaseError(self.error)

        def close(self):
            pass

    with pytest.raises(DatabaseUnusable, match=r"cannot read the database .* \(disk I/O error\).*left as it is"):
        refuse_foreign_database(Failing("disk I/O error"), tmp_path / "tocsin.db")
    with pytest.raises(DatabaseUnusable, match=r"is damaged .*restore it from a backup.*\.recover"):
        refuse_foreign_database(Failing("database disk image is malformed"), tmp_path / "tocsin.db")


def test_a_mistyped_log_level_is_a_usage_error_naming_the_levels(runner, tmp_path):
    result = runner.invoke(main, ["--db", str(tmp_path / "none.db"), "status"], env={"TOCSIN_LOG_LEVEL": "DEBG"})
    assert result.exit_code == 2 and "TOCSIN_LOG_LEVEL='DEBG' is not a log level" in result.output
    assert "DEBUG, INFO, WARNING" in result.output and isinstance(result.exception, SystemExit), "no traceback"
    for accepted in ("warn", "NOTSET", "30"):   # what logging itself accepts still works
        assert "not a log level" not in runner.invoke(main, ["--db", str(tmp_path / "none.db"), "status"],
                                                      env={"TOCSIN_LOG_LEVEL": accepted}).output


def test_status_piped_or_logged_shortens_no_name_or_time(runner, tmp_path):
    """Under cron, in a pipe or in the journal there is no terminal: rich would cut tables to 80 columns."""
    import tomllib

    assert runner.invoke(main, ["init", str(tmp_path)]).exit_code == 0
    names = [s["name"] for s in tomllib.loads((tmp_path / "tocsin.toml").read_text(encoding="utf-8"))["sources"]]
    result = runner.invoke(main, ["--config", str(tmp_path / "tocsin.toml"), "status"])
    assert result.exit_code == 0, result.output
    assert "…" not in result.output and all(name in result.output for name in names)


def test_status_shows_the_sources_as_the_config_has_them_now(runner, tmp_path):
    """An operator checks an edited config with status before restarting the daemon."""
    import re

    assert runner.invoke(main, ["init", str(tmp_path)]).exit_code == 0
    config = tmp_path / "tocsin.toml"
    text = config.read_text(encoding="utf-8")
    first, second = re.findall(r'^name = "(demo-[\w-]+)"', text, re.MULTILINE)[:2]
    block = re.search(rf'\[\[sources\]\]\nname = "{second}".*?(?=\n\[\[|\Z)', text, re.DOTALL).group(0)
    text = text.replace(block, "")   # taken out of the config
    text = text.replace(f'name = "{first}"\n', f'name = "{first}"\nenabled = false\n', 1)
    config.write_text(text, encoding="utf-8")
    result = runner.invoke(main, ["--config", str(config), "status"])
    assert result.exit_code == 0, result.output
    rows = {line.split("│")[1].strip(): line.split("│")[3].strip() for line in result.output.splitlines()
            if line.count("│") > 4 and line.split("│")[1].strip().startswith("demo-")}
    assert rows[first] == "no" and rows[second] == "not in config"


def test_status_warns_when_the_store_can_be_read_by_other_users(runner, tmp_path):
    assert runner.invoke(main, ["init", str(tmp_path)]).exit_code == 0
    store = tmp_path / "tocsin.db"
    private = runner.invoke(main, ["--db", str(store), "status"])
    assert private.exit_code == 0 and "can be read by" not in private.output
    store.chmod(0o644)   # restored from a backup under umask 022
    exposed = runner.invoke(main, ["--db", str(store), "status"])
    assert "the store can be read by its group and every user" in exposed.output and f"chmod 600 {store}" in exposed.output
