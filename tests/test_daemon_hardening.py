"""The daemon and the CLI under an operator's mishaps: a closed terminal, a daemon killed outright, a config
edited while it runs, a lock file that cannot be made, a mistyped sink or training option."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from test_daemon import ROOT, start_daemon
from tocsin.config import load_settings
from tocsin.daemon import Daemon, stop_signals
from tocsin.store import connect
from tocsin.store.daemon import job_runs


@pytest.mark.slow
def test_sighup_from_a_closed_terminal_stops_the_daemon_cleanly_as_sigterm_does(tmp_path, db_path):
    proc = start_daemon(tmp_path, db_path, "crawl")
    db = connect(db_path)
    deadline = time.monotonic() + 60
    while db.execute("SELECT count(*) FROM items").fetchone()[0] < 5 and time.monotonic() < deadline:
        time.sleep(0.1)
    proc.send_signal(signal.SIGHUP)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    assert "stop requested (SIGHUP)" in stderr and "daemon stopped" in stderr
    runs = list(db.query("SELECT status, finished_at, message FROM crawl_runs"))
    assert runs and all(r["status"] == "failed" and r["finished_at"] and "interrupted" in r["message"] for r in runs)
    (job,) = [r for r in job_runs(db) if r["name"] == "crawl:slow"]
    assert job["last_status"] == "killed"


def test_sighup_stops_the_daemon_unless_ignored_on_purpose():
    previous = signal.signal(signal.SIGHUP, signal.SIG_DFL)
    try:
        assert signal.SIGHUP in stop_signals()
        signal.signal(signal.SIGHUP, signal.SIG_IGN)   # as under nohup
        assert signal.SIGHUP not in stop_signals()
    finally:
        signal.signal(signal.SIGHUP, previous)


KILLED_DAEMON_SCRIPT = textwrap.dedent("""
    import os, sys, time
    from tocsin.config import Settings
    from tocsin.daemon import Daemon, Job, Supervisor
    from tocsin.store import connect
    from tocsin.store.sources import ensure_source


    def stuck_crawl(settings, names, pid_file):
        with open(pid_file, "w") as f:
            f.write(str(os.getpid()))
        while True:
            time.sleep(0.1)


    if __name__ == "__main__":
        settings = Settings()
        settings.database.path = sys.argv[1]
        db = connect(settings.database_path)
        ensure_source(db, "stuck")
        supervisor = Supervisor(db, grace_s=1)
        jobs = [Job("crawl:stuck", 3600, lambda: {"task": supervisor.request(
            "crawl:stuck", stuck_crawl, (settings, ["stuck"], sys.argv[2]), {}, 600, sources=["stuck"]), "_quiet": True})]
        Daemon(settings, db, jobs, supervisor=supervisor, tick_s=0.2).run()
""")


def running(pid: int) -> bool:
    """Whether ``pid`` is a process that still runs (a zombie waiting for its new parent to reap it does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_a_daemon_killed_outright_leaves_no_crawl_running_on_its_own(tmp_path, db_path):
    script, pid_file = tmp_path / "killed_daemon.py", tmp_path / "crawl.pid"
    script.write_text(KILLED_DAEMON_SCRIPT, encoding="utf-8")
    daemon = subprocess.Popen([sys.executable, str(script), str(db_path), str(pid_file)],
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not (pid_file.is_file() and pid_file.read_text()) and time.monotonic() < deadline:
        time.sleep(0.1)
    crawl = int(pid_file.read_text())
    try:
        daemon.kill()
        daemon.wait(10)
        deadline = time.monotonic() + 10
        while running(crawl) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not running(crawl), "the crawl went on after its daemon was killed"
    finally:
        if running(crawl):
            os.kill(crawl, signal.SIGKILL)


CONFIG = 'database.path = "tocsin.db"\n[model]\nthreshold = 0.5\n'


def test_a_config_edited_while_the_daemon_runs_is_noticed_once_per_change_and_a_broken_one_named(tmp_path, caplog):
    config = tmp_path / "tocsin.toml"
    config.write_text(CONFIG, encoding="utf-8")
    settings = load_settings(config, env={})
    daemon = Daemon(settings, connect(settings.database_path), [])
    caplog.set_level(logging.INFO, logger="tocsin.daemon")
    daemon.tick()
    assert "config file" not in caplog.text

    config.write_text(CONFIG.replace("0.5", "0.6"), encoding="utf-8")   # same size: its time tells
    os.utime(config, ns=(time.time_ns(), time.time_ns() + 5_000_000_000))
    daemon.tick()
    daemon.tick()
    assert caplog.text.count(f"the config file {config} changed") == 1
    assert "restart it to apply the change" in caplog.text and settings.model.threshold == 0.5

    caplog.clear()
    config.write_text(CONFIG.replace("0.5", "1.5"), encoding="utf-8")
    daemon.tick()
    (record,) = [r for r in caplog.records if "config file" in r.getMessage()]
    assert record.levelno == logging.ERROR
    assert "would not start with it" in record.getMessage() and "model.threshold" in record.getMessage()
    assert not daemon.stopping

    caplog.clear()
    config.unlink()
    daemon.tick()
    assert "no such file" in caplog.text and not daemon.stopping


def test_a_lock_file_that_cannot_be_made_is_named_with_its_fix_and_exit_code_2(runner, tmp_path):
    from tocsin.cli import main

    connect(tmp_path / "tocsin.db").close()
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the lock's folder should be", encoding="utf-8")
    config = tmp_path / "tocsin.toml"
    config.write_text(f'database.path = "tocsin.db"\n[daemon]\nlock_file = "{blocker.name}/tocsin.lock"\n', encoding="utf-8")
    for command in (["daemon"], ["run", "--no-crawl"]):
        result = runner.invoke(main, ["--config", str(config), *command])
        assert result.exit_code == 2, result.output
        assert f"cannot make or open the lock file {blocker}/tocsin.lock" in result.output
        assert "daemon.lock_file" in result.output and "Traceback" not in result.output


def test_an_unknown_sink_for_alert_test_is_a_usage_error_naming_the_known_ones(runner, tmp_path):
    from tocsin.cli import main

    config = tmp_path / "tocsin.toml"
    config.write_text('[[alerts.sinks]]\nname = "desk"\nkind = "console"\n', encoding="utf-8")
    result = runner.invoke(main, ["--config", str(config), "alert", "test", "--sink", "dsek"])
    assert result.exit_code == 2
    assert "no sink named dsek in the config. Known: desk" in result.output


@pytest.mark.parametrize("option, value", [("--per-template", "0"), ("--review-weight", "nan")])
def test_a_training_option_out_of_its_range_is_a_usage_error(runner, tmp_path, option, value):
    from tocsin.cli import main

    result = runner.invoke(main, ["train", option, value, "--output-dir", str(tmp_path / "model")])
    assert result.exit_code == 2 and f"{option} must be" in result.output
    assert not (tmp_path / "model").exists()


def stubborn_task(settings, names):
    """A crawl that ignores SIGTERM, as a stuck one may."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    while True:
        time.sleep(0.1)


def test_a_store_locked_while_crawls_are_stopped_stops_every_crawl_and_says_what_was_not_recorded(db_path, monkeypatch,
                                                                                                   caplog):
    import sqlite3

    import tocsin.store.daemon
    from tocsin.daemon import Supervisor

    def locked(*_args, **_kwargs):
        raise sqlite3.OperationalError("database is locked")

    supervisor = Supervisor(connect(db_path), parallel=2, grace_s=0.5, on_finished=locked)
    for name in ("crawl:one", "crawl:two"):
        supervisor.request(name, stubborn_task, (None, [name]), {}, 600, sources=[name.split(":")[1]])
    processes = [task.process for task in supervisor.running.values()]
    try:
        time.sleep(1)   # both have started and ignore SIGTERM
        monkeypatch.setattr(tocsin.store.daemon, "open_crawl_runs", locked)
        caplog.set_level(logging.INFO, logger="tocsin.daemon")
        supervisor.stop_all()
        assert not any(process.is_alive() for process in processes)
        assert not supervisor.running
        for name in ("crawl:one", "crawl:two"):
            # killed, or stopped cleanly when SIGTERM came before the task began to ignore it
            assert f"step {name}: killed" in caplog.text or f"step {name}: stopped cleanly" in caplog.text
            assert f"step {name}: could not close the crawl runs it left open" in caplog.text
            assert f"could not record the end of {name}" in caplog.text
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()


def crawl_while_the_clock_goes_back(db_path, source):
    """A crawl that opens its run, the clock then set back an hour before it is stopped (as an NTP correction may)."""
    from tocsin.store.sources import start_crawl_run

    db = connect(db_path)
    run_id = start_crawl_run(db, source)
    db.execute("UPDATE crawl_runs SET started_at = datetime(started_at, '-1 hour') WHERE id = ?", [run_id])
    db.conn.commit()
    stubborn_task(None, [source])


def test_the_runs_of_a_stopped_crawl_are_closed_though_the_clock_went_back_while_it_ran(db_path):
    from tocsin.daemon import Supervisor
    from tocsin.store.sources import ensure_source, start_crawl_run

    db = connect(db_path)
    ensure_source(db, "tg-a")
    older = start_crawl_run(db, "tg-a")   # left open by a crawl before this one: not this crawl's to close
    supervisor = Supervisor(db, grace_s=0.5)
    supervisor.request("crawl:tg-a", crawl_while_the_clock_goes_back, (str(db_path), "tg-a"), {}, 600, sources=["tg-a"])
    deadline = time.monotonic() + 30
    while db.execute("SELECT count(*) FROM crawl_runs").fetchone()[0] < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    supervisor.stop_all()
    runs = {run_id: (status, error) for run_id, status, error in db.execute("SELECT id, status, message FROM crawl_runs")}
    assert runs.pop(older)[0] == "running"
    ((status, error),) = runs.values()
    assert status == "failed" and error.startswith("interrupted: the daemon is stopping")


def test_a_backlog_is_read_once_per_step_not_once_per_batch_and_an_edit_is_taken_at_the_next_step(db_path, tmp_path,
                                                                                                  monkeypatch):
    """Working off a backlog in batches, the analyse step reads on from the last item it took instead of from the
    store's first item each batch (a whole scan per batch of 32, on a store of a million items, costs more than the
    analysis), and counts nothing it shows no one; an item edited behind it is taken by the next step."""
    import tocsin.store.analyses
    import tocsin.store.modelling
    from test_alert_support import make_settings
    from test_daemon import Instant, stored_posts
    from tocsin.daemon import AnalyseStep
    from tocsin.store import ItemRecord, upsert_item

    settings = make_settings(tmp_path)
    settings.model.batch_size = 5
    db = stored_posts(db_path, 23)
    starts, read = [], tocsin.store.analyses.pending_items

    def pending_items(*args, after_seq=0, **kwargs):
        starts.append(after_seq)
        return read(*args, after_seq=after_seq, **kwargs)

    def count_pending(*_args):
        raise AssertionError("the whole backlog counted for no progress bar")

    monkeypatch.setattr(tocsin.store.analyses, "pending_items", pending_items)
    monkeypatch.setattr(tocsin.store.modelling, "count_pending", count_pending)
    step = AnalyseStep(settings, db, lambda: False, analyser_factory=Instant)
    assert step()["analysed"] == 23
    seqs = [row[0] for row in db.execute("SELECT seq FROM items ORDER BY seq")]
    assert starts == [0, seqs[4], seqs[9], seqs[14], seqs[19], seqs[22]]   # the last finds nothing more
    upsert_item(db, ItemRecord(source="stored", url="https://stored.example/2", text="fictional post 2, edited"))
    starts.clear()
    assert step()["analysed"] == 1 and starts[0] == 0
