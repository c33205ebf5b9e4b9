"""A crawl's job folder: private, named after its process, swept once that process is gone; the job file is
deleted by the crawl process as soon as it has read it."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time

from tocsin.crawler import run as crawl_run
from tocsin.crawler.job_folder import PREFIX, UNOWNED_MAX_AGE_S, job_folder, sweep_orphaned


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_folder_is_private_and_named_after_this_process(tmp_path):
    with job_folder(tmp_path) as folder:
        name = os.path.basename(folder)
        assert name.startswith(f"{PREFIX}{os.getpid()}-")
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert not list(tmp_path.iterdir())


def test_sweep_removes_folders_of_dead_processes_only(tmp_path):
    dead = tmp_path / f"{PREFIX}{dead_pid()}-abc"
    alive = tmp_path / f"{PREFIX}{os.getpid()}-def"
    other = tmp_path / "someone-else-123"
    for folder in (dead, alive, other):
        folder.mkdir()
        (folder / "job.json").write_text("{}", encoding="utf-8")
    assert sweep_orphaned(tmp_path) == 1
    assert not dead.exists()
    assert alive.exists() and other.exists()


def test_unowned_folders_are_swept_once_a_day_old(tmp_path):
    old, recent = tmp_path / f"{PREFIX}oldstyle1", tmp_path / f"{PREFIX}oldstyle2"
    old.mkdir()
    recent.mkdir()
    past = time.time() - UNOWNED_MAX_AGE_S - 60
    os.utime(old, (past, past))
    assert sweep_orphaned(tmp_path) == 1
    assert not old.exists() and recent.exists()


def test_a_new_folder_sweeps_the_orphans_first(tmp_path):
    dead = tmp_path / f"{PREFIX}{dead_pid()}-xyz"
    dead.mkdir()
    with job_folder(tmp_path):
        assert not dead.exists()


def test_crawl_process_deletes_its_job_file_once_read(tmp_path, monkeypatch):
    seen = {}

    def run_job(job):
        seen["job"] = job
        return {"elapsed_s": 1.5}

    monkeypatch.setattr(crawl_run, "run_job", run_job)
    monkeypatch.setattr(crawl_run, "stop_with_parent", lambda pid: None)
    job_path, result_path = tmp_path / "job.json", tmp_path / "result.json"
    job_path.write_text(json.dumps({"runs": [{"source": {"name": "feed-a"}}], "result_path": str(result_path)}),
                        encoding="utf-8")
    assert crawl_run.main([str(job_path)]) == 0
    assert seen["job"]["runs"][0]["source"]["name"] == "feed-a"
    assert not job_path.exists()
    assert json.loads(result_path.read_text(encoding="utf-8")) == {"elapsed_s": 1.5}


def test_a_result_with_nowhere_to_go_is_no_crash(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(crawl_run, "run_job", lambda job: {"elapsed_s": 1.0})
    monkeypatch.setattr(crawl_run, "stop_with_parent", lambda pid: None)
    job_path = tmp_path / "job.json"
    job_path.write_text(json.dumps({"runs": [], "result_path": str(tmp_path / "swept" / "result.json")}), encoding="utf-8")
    assert crawl_run.main([str(job_path)]) == 0
    assert "could not write the crawl result" in caplog.text
