"""The daemon's loop: it survives failing jobs, runs alone, stops cleanly on SIGTERM, and after a
suspend runs each due job once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import types
from pathlib import Path

import pytest
import schedule

from test_pipeline import fake_analyse  # noqa: F401 - fixture
from tocsin.config import Settings
from tocsin.daemon import Daemon, DaemonAlreadyRunning, InstanceLock, Job, Supervisor, lock_holder, lock_path_for
from tocsin.store import connect
from tocsin.store.daemon import job_runs

ROOT = Path(__file__).resolve().parent.parent


def disk_settings(db_path: Path) -> Settings:
    settings = Settings()
    settings.config_dir = db_path.parent
    settings.database.path = str(db_path)
    return settings


def test_the_loop_survives_a_job_that_always_raises_for_100_ticks(db_path, caplog):
    settings = disk_settings(db_path)
    db = connect(db_path)
    calls = {"bad": 0, "good": 0}

    def bad():
        calls["bad"] += 1
        raise ZeroDivisionError("a job that always fails")

    def good():
        calls["good"] += 1
        return {"done": calls["good"]}

    daemon = Daemon(settings, db, [Job("bad", 0.001, bad), Job("good", 0.001, good)])
    daemon.sleep_s = lambda: 0.003  # longer than the jobs' interval: both are due on every tick
    caplog.set_level(logging.INFO, logger="tocsin.daemon")
    assert daemon.run(max_ticks=100, handle_signals=False) == 0
    assert calls == {"bad": 100, "good": 100}
    assert caplog.text.count("Traceback") == calls["bad"] and "ZeroDivisionError: a job that always fails" in caplog.text
    assert caplog.text.count("step good: ok in") == calls["good"]
    runs = {r["name"]: r for r in job_runs(db)}
    assert runs["bad"]["failures"] == calls["bad"] and runs["bad"]["last_status"] == "failed"
    assert "ZeroDivisionError" in runs["bad"]["last_error"]
    assert runs["good"]["failures"] == 0 and runs["good"]["last_summary"] == f"done={calls['good']}"


def test_a_model_that_cannot_load_stops_the_daemon_before_it_starts_and_a_stated_failure_has_no_traceback(db_path, caplog):
    from tocsin.daemon import run_daemon
    from tocsin.models.folder import ModelLoadError

    connect(db_path).close()
    settings = disk_settings(db_path)
    settings.model.path = str(db_path.parent / "no-such-model")
    with pytest.raises(ModelLoadError, match="no such folder"):
        run_daemon(settings, max_ticks=1)

    def analyse():
        raise ModelLoadError("model.path 'x': no such folder; fix the path")

    daemon = Daemon(disk_settings(db_path), connect(db_path), [Job("analyse", 0.001, analyse)])
    caplog.set_level(logging.INFO, logger="tocsin.daemon")
    daemon.run(max_ticks=2, handle_signals=False)
    assert "step analyse: failed" in caplog.text and "no such folder; fix the path" in caplog.text
    assert "Traceback" not in caplog.text


def test_a_second_instance_exits_at_once_with_a_clear_message(db_path):
    settings = disk_settings(db_path)
    db = connect(db_path)
    with InstanceLock(lock_path_for(settings)):
        with pytest.raises(DaemonAlreadyRunning, match=f"pid {os.getpid()}"):
            Daemon(settings, db, []).run(max_ticks=1, handle_signals=False)
        started = time.monotonic()
        proc = subprocess.run([str(ROOT / ".venv" / "bin" / "tocsin"), "--db", str(db_path), "daemon"],
                              capture_output=True, text=True, timeout=60, cwd=db_path.parent)
        assert proc.returncode == 1
        assert "another tocsin daemon or run" in proc.stderr and str(os.getpid()) in proc.stderr
        assert time.monotonic() - started < 30
    # once the first is gone, the lock is free again
    Daemon(settings, db, []).run(max_ticks=1, handle_signals=False)


def test_a_store_reached_through_a_link_shares_the_stores_one_lock(db_path, tmp_path):
    connect(db_path).close()
    (tmp_path / "elsewhere").mkdir()
    link = tmp_path / "elsewhere" / "link.db"
    link.symlink_to(db_path)
    assert lock_path_for(disk_settings(link)) == lock_path_for(disk_settings(db_path))
    with InstanceLock(lock_path_for(disk_settings(db_path))):
        with pytest.raises(DaemonAlreadyRunning):
            Daemon(disk_settings(link), connect(link), []).run(max_ticks=1, handle_signals=False)


def test_after_a_suspend_each_due_job_runs_once(db_path, monkeypatch):
    settings = disk_settings(db_path)
    db = connect(db_path)
    calls = {"deliver": 0, "crawl": 0}
    jobs = [Job("deliver", 60, lambda: calls.__setitem__("deliver", calls["deliver"] + 1)),
            Job("crawl", 600, lambda: calls.__setitem__("crawl", calls["crawl"] + 1))]
    daemon = Daemon(settings, db, jobs)
    daemon.tick()
    assert calls == {"deliver": 1, "crawl": 1}  # everything once at start
    daemon.tick()
    assert calls == {"deliver": 1, "crawl": 1}

    class Later(dt.datetime):
        """The wall clock after a lid was closed for nine hours."""

        @classmethod
        def now(cls, tz=None):
            return dt.datetime.now(tz) + dt.timedelta(hours=9)

    clock = types.ModuleType("datetime_after_suspend")
    clock.__dict__.update(dt.__dict__)
    clock.datetime = Later
    monkeypatch.setattr(schedule, "datetime", clock)
    daemon.tick()
    assert calls == {"deliver": 2, "crawl": 2}  # not 540 and 54 runs of backlog
    daemon.tick()
    assert calls == {"deliver": 2, "crawl": 2}
    assert all(job.next_run > Later.now() for job in daemon.scheduler.jobs)


@pytest.mark.parametrize("step", [dt.timedelta(days=1), dt.timedelta(hours=1)], ids=["clock set back", "daylight saving ends"])
def test_after_the_clock_is_set_back_each_job_runs_once_now_not_after_the_step(db_path, monkeypatch, step):
    """The scheduler runs on local wall time: when daylight saving time ends it reads an hour less, though
    time.time() goes on; the deliver job must not wait that hour."""
    import tocsin.daemon

    settings = disk_settings(db_path)
    calls = {"deliver": 0}
    daemon = Daemon(settings, connect(db_path), [Job("deliver", 60, lambda: calls.__setitem__("deliver", calls["deliver"] + 1))])
    daemon.sleep_s = lambda: 0.0
    before = dt.datetime.now()
    local = iter([before, before - step] + [before - step] * 10)

    class SetBack(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return next(local)

    monkeypatch.setattr(tocsin.daemon, "datetime", SetBack)
    for job in daemon.scheduler.jobs:
        job.next_run = dt.datetime.now() + step   # as schedule leaves it after the step back
    daemon.loop(max_ticks=2)
    assert calls["deliver"] == 1


def test_a_store_deleted_under_the_daemon_stops_it_loudly(db_path, caplog):
    settings = disk_settings(db_path)
    calls = {"n": 0}
    daemon = Daemon(settings, connect(db_path), [Job("work", 0.001, lambda: calls.__setitem__("n", calls["n"] + 1))])
    daemon.sleep_s = lambda: 0.003
    daemon.tick()
    db_path.unlink()
    assert daemon.run(max_ticks=5, handle_signals=False) == 1
    assert calls["n"] == 1 and "was deleted or replaced while the daemon ran" in caplog.text


def test_a_lock_file_deleted_under_the_daemon_is_made_again_and_a_rival_that_took_it_stops_the_daemon(db_path, caplog):
    settings = disk_settings(db_path)
    lock_path = lock_path_for(settings)
    seen: dict[str, object] = {"n": 0}
    rival: list[InstanceLock] = []

    def work():
        seen["n"] += 1
        if seen["n"] == 2:
            lock_path.unlink()   # deleted by hand: nobody else is waiting, so the daemon makes it again
        elif seen["n"] == 3:
            seen["remade"] = lock_path.read_text().strip() == str(os.getpid())
            try:
                InstanceLock(lock_path).acquire()
                seen["second_one_ran"] = True
            except DaemonAlreadyRunning:
                seen["second_one_ran"] = False
            lock_path.unlink()   # deleted again, and this time another daemon starts before the next tick
            rival.append(InstanceLock(lock_path).acquire())
            from tocsin.alerts.times import as_datetime, iso
            from tocsin.store.daemon import record_job_start

            record_job_start(daemon.db, "crawl:rival", iso(as_datetime()))   # the rival's step, under way

    daemon = Daemon(settings, connect(db_path), [Job("work", 0.001, work)])
    daemon.sleep_s = lambda: 0.003
    assert daemon.run(max_ticks=10, handle_signals=False) == 1
    assert seen == {"n": 3, "remade": True, "second_one_ran": False}
    assert "is made and held again" in caplog.text and "another tocsin daemon or run has taken it" in caplog.text
    assert lock_path.read_text().strip() == str(os.getpid()) and rival[0].fd is not None   # the rival keeps it
    assert not [r for r in job_runs(daemon.db) if r["last_status"] == "interrupted"], "the rival's steps are left alone"
    rival[0].release()


def test_a_job_whose_end_cannot_be_recorded_does_not_stop_the_daemon(db_path, monkeypatch, caplog):
    from tocsin.store import daemon as daemon_store

    settings = disk_settings(db_path)
    calls = {"n": 0}
    daemon = Daemon(settings, connect(db_path), [Job("work", 0.001, lambda: calls.__setitem__("n", calls["n"] + 1))])
    daemon.sleep_s = lambda: 0.003

    def locked(*args, **kwargs):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(daemon_store, "record_job_end", locked)
    assert daemon.run(max_ticks=3, handle_signals=False) == 0
    assert calls["n"] == 3 and "could not record the end of work" in caplog.text


def hung_crawl(settings, names, timeout_s=None):
    """A crawl that ignores SIGTERM and never ends (module-level, so a subprocess can run it)."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    from tocsin.store.sources import start_crawl_run

    start_crawl_run(connect(settings.database_path), names[0])
    time.sleep(3600)


def test_a_hung_crawl_is_killed_at_its_timeout_and_its_run_closed(db_path):
    from tocsin.store.sources import ensure_source

    settings = disk_settings(db_path)
    db = connect(db_path)
    ensure_source(db, "hung")
    ended = []
    supervisor = Supervisor(db, grace_s=0.5, on_finished=lambda *a: ended.append(a))
    assert supervisor.request("crawl:hung", hung_crawl, (settings, ["hung"]), {}, timeout_s=4, sources=["hung"]) == "started"
    assert supervisor.request("crawl:hung", hung_crawl, (settings, ["hung"]), {}, timeout_s=4) == "already running"
    pid = supervisor.running["crawl:hung"].process.pid
    deadline = time.monotonic() + 30
    while not ended and time.monotonic() < deadline:
        supervisor.reap()
        time.sleep(0.1)
    (name, status, counts, error, duration) = ended[0]
    assert (name, status) == ("crawl:hung", "killed") and "time limit" in error and 3.5 < duration < 15
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    (run,) = db.query("SELECT status, finished_at, message FROM crawl_runs")
    assert run["status"] == "failed" and run["finished_at"] and "interrupted" in run["message"]


DAEMON_SCRIPT = textwrap.dedent("""
    import logging, signal, sys, time
    from tocsin.config import Settings
    from tocsin.daemon import Daemon, Job, Supervisor
    from tocsin.store import ItemRecord, connect, upsert_item
    from tocsin.store.audit import log_event
    from tocsin.store.sources import count_crawl_run, ensure_source, start_crawl_run


    def slow_crawl(settings, names, timeout_s=None):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # as stubborn as a stuck crawl
        db = connect(settings.database_path)
        run = start_crawl_run(db, names[0])
        n = 0
        while True:
            upsert_item(db, ItemRecord(source=names[0], url=f"https://demo.example/{n}", text="fictional text " * 40))
            count_crawl_run(db, run, pages=1, items=1, new_items=1)
            n += 1
            time.sleep(0.01)


    def slow_step(db):
        print("step-started", flush=True)
        for n in range(30):
            log_event(db, "daemon-test", "step-row", str(n))
            time.sleep(0.03)
        return {"rows": 30}


    if __name__ == "__main__":
        logging.basicConfig(level=logging.INFO, stream=sys.stderr)
        settings = Settings()
        settings.database.path = sys.argv[1]
        db = connect(settings.database_path)
        ensure_source(db, "slow")
        supervisor = Supervisor(db, grace_s=3)
        if sys.argv[2] == "crawl":
            jobs = [Job("crawl:slow", 3600, lambda: {"task": supervisor.request(
                "crawl:slow", slow_crawl, (settings, ["slow"]), {}, 600, sources=["slow"])})]
        else:
            jobs = [Job("write", 3600, lambda: slow_step(db))]
        print("ready", flush=True)
        sys.exit(Daemon(settings, db, jobs, supervisor=supervisor, tick_s=0.2).run())
""")


def start_daemon(tmp_path: Path, db_path: Path, mode: str) -> subprocess.Popen:
    script = tmp_path / "daemon_under_test.py"
    script.write_text(DAEMON_SCRIPT, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script), str(db_path), mode], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdout.readline().strip() == "ready"
    return proc


@pytest.mark.slow
def test_sigterm_mid_crawl_exits_within_30_s_and_leaves_no_half_written_rows(tmp_path, db_path):
    proc = start_daemon(tmp_path, db_path, "crawl")
    db = connect(db_path)
    deadline = time.monotonic() + 60
    while db.execute("SELECT count(*) FROM items").fetchone()[0] < 20 and time.monotonic() < deadline:
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    started = time.monotonic()
    _, stderr = proc.communicate(timeout=60)
    took = time.monotonic() - started
    assert proc.returncode == 0, stderr
    assert took < 30, f"took {took:.1f} s"
    assert "daemon stopped" in stderr and "step crawl:slow: killed" in stderr
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    runs = list(db.query("SELECT * FROM crawl_runs"))
    assert runs and all(r["status"] != "running" and r["finished_at"] for r in runs)
    assert "interrupted" in runs[0]["message"]
    items = db.execute("SELECT count(*) FROM items").fetchone()[0]
    assert items >= 20
    assert db.execute("SELECT count(*) FROM items i WHERE NOT EXISTS (SELECT 1 FROM item_versions v WHERE v.item_id = i.id)"
                      ).fetchone()[0] == 0
    assert runs[0]["items"] in (items, items - 1)  # the counter commits right after each item
    (job,) = [r for r in job_runs(db) if r["name"] == "crawl:slow"]
    assert job["last_status"] == "killed"


@pytest.mark.slow
def test_sigterm_mid_step_finishes_the_step_then_exits(tmp_path, db_path):
    proc = start_daemon(tmp_path, db_path, "write")
    assert proc.stdout.readline().strip() == "step-started"
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    db = connect(db_path)
    assert db.execute("SELECT count(*) FROM audit_log WHERE action = 'step-row'").fetchone()[0] == 30
    assert "stop requested" in stderr and "step write: ok" in stderr


def test_build_jobs_schedules_every_step_at_its_interval(db_path):
    from tocsin.config import SourceSettings
    from tocsin.daemon import CRAWL_TARGET, build_jobs

    settings = disk_settings(db_path)
    settings.sources = [SourceSettings(name="fast", urls=["https://a.example/rss"], interval_minutes=5),
                        SourceSettings(name="slow", urls=["https://b.example/rss"], interval_minutes=120),
                        SourceSettings(name="off", urls=["https://c.example/rss"], enabled=False)]
    requested = []

    class FakeSupervisor:
        grace_s = 15

        def request(self, name, target, args, kwargs, timeout_s, sources=None):
            requested.append((name, target, args[1], kwargs, timeout_s, sources))
            return "started"

    jobs = {j.name: j for j in build_jobs(settings, connect(db_path), lambda: False, FakeSupervisor())}
    assert set(jobs) == {"deliver", "evaluate", "analyse", "crawl:fast", "crawl:slow", "recheck", "retention"}
    assert (jobs["crawl:fast"].every_s, jobs["crawl:slow"].every_s, jobs["deliver"].every_s) == (300, 7200, 60)
    assert jobs["crawl:fast"].run()["task"] == "started"
    assert requested == [("crawl:fast", CRAWL_TARGET, ["fast"], {"timeout_s": 1800, "stop_grace_s": 15}, 1860, ["fast"])]
    settings.crawl.recheck_flagged_hours = 0
    settings.retention.retention_days = 0
    names = {j.name for j in build_jobs(settings, connect(db_path), lambda: False, FakeSupervisor())}
    assert "recheck" not in names and "retention" not in names


def failing_source_crawl(settings, names, timeout_s=None):
    """A crawl whose process works but whose sources failed, one with a message on its run and one with only
    its errors (module-level, so a subprocess can run it)."""
    return [{"source": names[0], "run_id": 1, "status": "failed", "pages": 0, "items": 0, "new_items": 0, "errors": 1,
             "message": "http_503 on the feed"},
            {"source": "hung", "run_id": 2, "status": "failed", "pages": 0, "items": 0, "new_items": 0, "errors": 1,
             "message": "", "first_errors": [{"kind": "timeout", "message": "took longer than 5.0 seconds"}]}]


def test_a_crawl_whose_source_failed_is_a_failed_step_with_the_reason(db_path, caplog):
    settings = disk_settings(db_path)
    db = connect(db_path)
    ended = []
    supervisor = Supervisor(db, on_finished=lambda *a: ended.append(a))
    supervisor.request("crawl:feed", failing_source_crawl, (settings, ["feed"]), {}, timeout_s=60, sources=["feed"])
    deadline = time.monotonic() + 60
    while not ended and time.monotonic() < deadline:
        supervisor.reap()
        time.sleep(0.05)
    (name, status, counts, error, duration) = ended[0]
    assert (status, counts["errors"]) == ("failed", 2)
    assert error == "feed: http_503 on the feed; hung: timeout: took longer than 5.0 seconds"
    assert "step crawl:feed: failed" in caplog.text


def chatty_crawl(settings, names, timeout_s=None):
    """A crawl with a large report (more than a pipe holds) (module-level, so a subprocess can run it)."""
    return [{"source": names[0], "run_id": 1, "status": "ok", "pages": 1, "items": 1, "new_items": 1, "errors": 0,
             "message": "x" * 500_000}]


def test_a_large_crawl_report_does_not_block_the_crawl(db_path):
    settings = disk_settings(db_path)
    ended = []
    supervisor = Supervisor(connect(db_path), on_finished=lambda *a: ended.append(a))
    supervisor.request("crawl:big", chatty_crawl, (settings, ["big"]), {}, timeout_s=60, sources=["big"])
    deadline = time.monotonic() + 60
    while not ended and time.monotonic() < deadline:
        supervisor.reap()
        time.sleep(0.05)
    assert ended[0][1] == "ok" and ended[0][4] < 30


def test_the_daemon_starts_the_next_waiting_crawl_when_one_ends_not_at_its_next_tick(db_path):
    settings = disk_settings(db_path)
    db = connect(db_path)
    ended = []
    supervisor = Supervisor(db, parallel=1, on_finished=lambda *a: ended.append(a))
    daemon = Daemon(settings, db, [], supervisor=supervisor, tick_s=90)
    for name in ("crawl:big", "crawl:feed"):   # a large report to read first, then a crawl waiting for the slot
        target = chatty_crawl if name == "crawl:big" else failing_source_crawl
        supervisor.request(name, target, (settings, [name[6:]]), {}, timeout_s=300, sources=[name[6:]])
    assert list(supervisor.running) == ["crawl:big"] and len(supervisor.waiting) == 1
    deadline = time.monotonic() + 120
    while len(ended) < 2 and time.monotonic() < deadline:
        started = time.monotonic()
        daemon.pause(90)
        assert time.monotonic() - started < 60, "slept through the crawl's end"
        daemon.tick()
    assert [e[0] for e in ended] == ["crawl:big", "crawl:feed"]
    daemon.stop()
    started = time.monotonic()
    daemon.pause(90)
    assert time.monotonic() - started < 5


def test_the_analyse_step_raises_item_alerts_and_stops_between_batches(db_path, tmp_path, fake_analyse):
    from test_alert_support import make_settings
    from tocsin.daemon import AnalyseStep
    from tocsin.store import ItemRecord, upsert_item

    settings = make_settings(tmp_path)
    settings.database.path = str(db_path)
    settings.model.batch_size = 5
    db = stored_posts(db_path, 23)
    stop = {"now": False}
    step = AnalyseStep(settings, db, lambda: stop["now"], analyser_factory=object)
    counts = step()
    assert counts == {"analysed": 23, "flagged": 23, "failed": 0, "alerts": 23}
    assert db.execute("SELECT count(*) FROM deliveries").fetchone()[0] == 1  # one grouped alert, one message
    for n in range(23, 40):
        upsert_item(db, ItemRecord(source="stored", url=f"https://stored.example/{n}", text=f"fictional post {n}"))
    stop["now"] = True
    assert step()["analysed"] == 0  # a stop requested before the step: nothing started


class Instant:
    """An analyser that reads every text as harmless at once."""
    model_name, model_version = "fake", "1"

    def analyse_texts(self, texts, lang_hints, item_ids, content_hashes):
        from tocsin.analysis_record import AnalysisRecord

        return [AnalysisRecord(item_id=i, content_hash=h, model_name="fake", model_version="1", patterns_version="p",
                               threshold=0.5, score=0.1, incitement=False) for i, h in zip(item_ids, content_hashes)]


class PartlyBroken(Instant):
    """Fails on every batch holding a text with "broken" in it, as a bug in a pipeline would."""

    def analyse_texts(self, texts, lang_hints, item_ids, content_hashes):
        if any("broken" in text for text in texts):
            raise ValueError("cannot read this text")
        return super().analyse_texts(texts, lang_hints, item_ids, content_hashes)


def test_items_that_keep_failing_cannot_hold_back_newer_ones(db_path, tmp_path):
    from test_alert_support import make_settings
    from tocsin.daemon import AnalyseStep
    from tocsin.store import ItemRecord, upsert_item
    from tocsin.store.sources import ensure_source

    settings = make_settings(tmp_path)
    settings.model.batch_size = 5
    db = connect(db_path)
    ensure_source(db, "stored")

    def store(texts):
        for text in texts:
            upsert_item(db, ItemRecord(source="stored", url=f"https://stored.example/{text.replace(' ', '-')}", text=text))

    store([f"broken post {n}" for n in range(32)] + [f"fine post {n}" for n in range(8)])   # the oldest are the bad ones
    step = AnalyseStep(settings, db, lambda: False, analyser_factory=PartlyBroken)
    assert step() == {"analysed": 8, "flagged": 0, "failed": 32, "alerts": 0}
    store([f"new post {n}" for n in range(3)])
    assert step() == {"analysed": 3, "flagged": 0, "failed": 0, "alerts": 0}, "the failed ones are fetched past"
    step.failed_since -= AnalyseStep.RETRY_FAILED_AFTER_S   # an hour on, they are tried again
    assert step()["failed"] == 32


class Hateful(Instant):
    """An analyser that reads every text as a call against Uzbeks in Osh."""

    def analyse_texts(self, texts, lang_hints, item_ids, content_hashes):
        return [dataclasses.replace(record, score=0.9, incitement=True, targets=[{"group": "uzbek", "text": "Uzbeks", "start": 0, "end": 0}],
                                    places=[{"place": "osh", "text": "Osh", "start": 0, "end": 0}])
                for record in super().analyse_texts(texts, lang_hints, item_ids, content_hashes)]


def test_alerts_that_fail_keep_their_analyses_and_are_raised_at_a_later_step_also_after_a_restart(db_path, tmp_path,
                                                                                                  monkeypatch, caplog):
    from test_alert_support import make_settings
    from tocsin.daemon import AnalyseStep

    settings = make_settings(tmp_path)
    settings.model.batch_size = 5
    db = stored_posts(db_path, 7)
    step = AnalyseStep(settings, db, lambda: False, analyser_factory=Hateful)

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in raising alerts")

    with monkeypatch.context() as patched:
        patched.setattr("tocsin.alerts.engine.fire", broken)
        assert step() == {"analysed": 7, "flagged": 7, "failed": 0, "alerts": 0, "alert_errors": 2, "alerts_owed": 7}
        assert step() == {"analysed": 0, "flagged": 0, "failed": 0, "alerts": 0, "alert_errors": 1, "alerts_owed": 7}
    assert "a bug in raising alerts" in caplog.text
    assert db.execute("SELECT count(*) FROM alerts").fetchone()[0] == 0
    db.close()
    db = connect(db_path)   # the daemon restarted: what is owed is in the store
    step = AnalyseStep(settings, db, lambda: False, analyser_factory=Hateful)
    assert step() == {"analysed": 0, "flagged": 0, "failed": 0, "alerts": 7}, "the alerts, not the analyses, are done again"
    assert db.execute("SELECT count(*) FROM alerts_owed").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM analyses").fetchone()[0] == 7
    assert db.execute("SELECT count(*) FROM deliveries").fetchone()[0] == 1


def test_a_backlog_is_analysed_over_several_steps_so_deliveries_run_between_them(db_path, tmp_path, monkeypatch):
    import types

    from test_alert_support import make_settings
    from tocsin.daemon import AnalyseStep

    settings = make_settings(tmp_path)
    settings.model.batch_size = 5
    settings.daemon.deliver_every_minutes = 1
    db = stored_posts(db_path, 40)
    step = AnalyseStep(settings, db, lambda: False, analyser_factory=Instant)
    clock = iter(range(0, 10_000, 25))   # each look at the clock: 25 s later
    monkeypatch.setattr("tocsin.daemon.time", types.SimpleNamespace(monotonic=lambda: float(next(clock))))
    assert step()["analysed"] == 10, "two batches fit in the minute between deliveries"
    assert step()["analysed"] == 10 and db.execute("SELECT count(*) FROM analyses").fetchone()[0] == 20


def test_steps_left_unfinished_are_shown_as_such_and_closed_as_interrupted_when_the_daemon_starts_or_stops(db_path):
    from tocsin.alerts.status import status_lines
    from tocsin.store.daemon import record_job_end, record_job_start

    settings = disk_settings(db_path)
    db = connect(db_path)
    record_job_start(db, "crawl:old", "2026-06-01T10:00:00+00:00")   # a daemon killed while it crawled
    record_job_start(db, "deliver", "2026-06-01T10:00:00+00:00")
    record_job_end(db, "deliver", now="2026-06-01T10:00:01+00:00", status="ok", summary="sent=1")
    record_job_start(db, "deliver", "2026-06-01T10:05:00+00:00")
    shown = "\n".join(status_lines(db, daemon_pid=None))   # no daemon holds the lock: the steps' process is gone
    assert "daemon: not running" in shown
    assert ("job crawl:old: started at 2026-06-01T10:00:00+00:00, not finished (its process is gone: closed as "
            "interrupted when the daemon next starts)") in shown
    assert "job deliver: started at 2026-06-01T10:05:00+00:00, not finished (its process is gone" in shown
    with InstanceLock(lock_path_for(settings)):
        assert lock_holder(lock_path_for(settings)) == str(os.getpid())
        shown = "\n".join(status_lines(db, daemon_pid=lock_holder(lock_path_for(settings))))
        assert f"daemon: running (pid {os.getpid()})" in shown and "not finished (running, or waiting for a crawl slot)" in shown
    assert lock_holder(lock_path_for(settings)) is None, "a lock file no process holds names no daemon"

    def queue_a_waiting_step():   # a step that asked for a crawl slot and is still waiting when the daemon stops
        from tocsin.alerts.times import as_datetime, iso

        record_job_start(db, "crawl:waiting", iso(as_datetime()))
        return {"_quiet": True}

    daemon = Daemon(settings, db, [Job("queue", 3600, queue_a_waiting_step)])
    assert daemon.run(max_ticks=1, handle_signals=False) == 0
    runs = {r["name"]: r for r in job_runs(db)}
    assert runs["crawl:old"]["last_status"] == "interrupted" and "killed" in runs["crawl:old"]["last_error"]
    assert runs["crawl:waiting"]["last_status"] == "interrupted" and "waited for a crawl slot" in runs["crawl:waiting"]["last_error"]
    assert runs["crawl:old"]["runs"] == 0 and runs["crawl:old"]["failures"] == 0, "not counted as a run"
    shown = "\n".join(status_lines(db))
    assert "job crawl:old: interrupted at" in shown and "not finished" not in shown


def stored_posts(db_path, count: int):
    """The store at ``db_path`` holding ``count`` fictional posts of the source "stored", none analysed."""
    from tocsin.store import ItemRecord, upsert_item
    from tocsin.store.sources import ensure_source

    db = connect(db_path)
    ensure_source(db, "stored")
    for n in range(count):
        upsert_item(db, ItemRecord(source="stored", url=f"https://stored.example/{n}", text=f"fictional post {n}"))
    return db
