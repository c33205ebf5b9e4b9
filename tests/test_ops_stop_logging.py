"""A daemon's task asked to stop is logged and recorded as it ended: ``stopped`` (cleanly) when it stopped within
``daemon.stop_grace_s``, ``killed`` only when it had to be killed; and the grace reaches the crawl as an argument."""

from __future__ import annotations

import logging
import signal
import time
from pathlib import Path

from tocsin.config import Settings, SourceSettings
from tocsin.daemon import CRAWL_TARGET, RECHECK_TARGET, Supervisor, crawl_step, recheck_step
from tocsin.store import connect


def obliging_task(settings, names, ready_file):
    """A crawl that stops as soon as it is asked (SIGTERM ends its sleep), once it has said it is running."""
    Path(ready_file).write_text("running")
    time.sleep(3600)


def stubborn_task(settings, names, ready_file):
    """A crawl that ignores SIGTERM, as a stuck one may."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    Path(ready_file).write_text("running")
    while True:
        time.sleep(0.1)


def started(db_path, tmp_path, task, *, grace_s: float):
    """A supervisor running ``task`` as ``crawl:calm``, once the task runs; and the list its ends go to."""
    ended: list[tuple] = []
    supervisor = Supervisor(connect(db_path), grace_s=grace_s, on_finished=lambda *a: ended.append(a))
    ready = tmp_path / "ready"
    supervisor.request("crawl:calm", task, (None, ["calm"], str(ready)), {}, 600, sources=["calm"])
    deadline = time.monotonic() + 60
    while not ready.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ready.exists(), "the task never started"
    return supervisor, ended


def test_a_task_that_stops_within_the_grace_period_when_the_daemon_stops_is_logged_as_stopped_cleanly(
        db_path, tmp_path, caplog):
    supervisor, ended = started(db_path, tmp_path, obliging_task, grace_s=60)
    caplog.set_level(logging.INFO, logger="tocsin.daemon")
    began = time.monotonic()
    supervisor.stop_all()
    assert time.monotonic() - began < 30, "the supervisor waited out the grace period"
    ((name, status, _counts, error, _duration),) = ended
    assert (name, status) == ("crawl:calm", "stopped") and "the daemon is stopping" in error
    assert "step crawl:calm: stopped cleanly" in caplog.text
    assert "killed" not in caplog.text


def test_a_task_past_its_time_limit_that_stops_when_asked_is_stopped_not_killed(db_path, tmp_path, caplog):
    supervisor, ended = started(db_path, tmp_path, obliging_task, grace_s=60)
    caplog.set_level(logging.INFO, logger="tocsin.daemon")
    supervisor.running["crawl:calm"].deadline = time.monotonic()   # its time is up now
    supervisor.reap()
    ((name, status, _counts, error, _duration),) = ended
    assert (name, status) == ("crawl:calm", "stopped") and "time limit" in error
    assert "step crawl:calm: stopped cleanly" in caplog.text and "killed" not in caplog.text


def test_a_task_that_does_not_stop_within_the_grace_period_is_still_killed(db_path, tmp_path, caplog):
    supervisor, ended = started(db_path, tmp_path, stubborn_task, grace_s=0.5)
    caplog.set_level(logging.INFO, logger="tocsin.daemon")
    supervisor.stop_all()
    ((name, status, _counts, error, _duration),) = ended
    assert (name, status) == ("crawl:calm", "killed")
    assert "did not stop within 0.5 s" in error and "step crawl:calm: killed" in caplog.text
    assert "stopped cleanly" not in caplog.text


# --------------------------------------------------------------------------- the grace, passed down


def test_the_daemon_passes_its_grace_period_to_its_crawls_and_rechecks():
    requested = {}

    class RecordingSupervisor:
        grace_s = 42

        def request(self, name, target, args, kwargs, timeout_s, sources=None):
            requested[target] = kwargs
            return "started"

    supervisor = RecordingSupervisor()
    crawl_step(supervisor, Settings(), "feed", 60)()
    recheck_step(supervisor, Settings(), 60)()
    assert requested[CRAWL_TARGET]["stop_grace_s"] == 42 and requested[RECHECK_TARGET]["stop_grace_s"] == 42


def test_a_crawl_hands_its_grace_period_to_the_crawl_process(db_path, monkeypatch):
    from tocsin.crawler import runner

    settings = Settings()
    settings.database.path = str(db_path)
    settings.sources = [SourceSettings(name="feed", urls=["https://a.example/rss"])]
    handed = []
    monkeypatch.setattr(runner, "execute", lambda settings, runs, timeout_s, on_progress, stop_grace_s: handed.append(
        stop_grace_s) or [])
    runner.crawl_sources(settings, ["feed"], stop_grace_s=9)
    assert handed == [9]


def test_the_crawl_process_is_given_the_grace_period_it_was_handed(tmp_path, monkeypatch):
    """A crawl process past its limit (0 s here) is stopped with the grace the crawl was given."""
    from tocsin import processes
    from tocsin.crawler import runner

    graces = []

    def stop_process(proc, grace_s=None):
        graces.append(grace_s)
        processes.stop_process(proc, grace_s)

    monkeypatch.setattr(runner, "stop_process", stop_process)
    outcome = runner.run_process(tmp_path / "no-job.json", tmp_path / "result.json", 0, None, 7.5)
    assert graces == [7.5] and outcome.timed_out

