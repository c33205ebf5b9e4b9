"""Publishing an export: whatever step fails, and wherever the process dies, no datasheet sits beside data it
does not describe; two exports into one folder never interleave."""

from __future__ import annotations

import errno
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from test_export_support import add_corpus
from tocsin.config import Settings
from tocsin.export import writers
from tocsin.export.dataset import ExportError, ExportOptions, export_dataset, file_sha256
from tocsin.store import connect
from tocsin.store.exporting import ExportQuery

DATA = "tocsin-export.jsonl"
SHEET = "DATASHEET.md"


def export(db, folder: Path, **kwargs):
    return export_dataset(db, Settings(), ExportOptions(fmt="jsonl", out=folder, **kwargs))


def old_export(db, folder: Path) -> dict[str, bytes]:
    """A complete export of the Russian items alone into ``folder``, as {name: bytes}."""
    export(db, folder, query=ExportQuery(languages=("ru",)))
    return snapshot(folder)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def described_sha(folder: Path) -> str:
    sheet = (folder / SHEET).read_text(encoding="utf-8")
    return re.search(r"\| SHA-256 of the file \| `([0-9a-f]{64})` \|", sheet).group(1)


def assert_no_mismatch(folder: Path) -> None:
    """No partial file is left, and a datasheet in ``folder`` describes the data file beside it."""
    names = sorted(p.name for p in folder.iterdir())
    assert not [n for n in names if n.endswith(".partial")], names
    if SHEET in names:
        assert DATA in names and described_sha(folder) == file_sha256(folder / DATA), "the datasheet describes other data"


@pytest.fixture
def corpus(fresh_db):
    add_corpus(fresh_db)
    return fresh_db


@pytest.fixture
def store(db_path):
    db = connect(db_path)
    add_corpus(db)
    db.close()
    return db_path


class FailAt:
    """Counts the file moves of a publish (os.replace, os.unlink) and fails the ``at``-th."""

    def __init__(self, monkeypatch, at: int | None):
        self.at, self.calls = at, 0
        for name in ("replace", "unlink"):
            monkeypatch.setattr(os, name, self.wrap(getattr(os, name)))

    def wrap(self, real):
        def step(*args, **kwargs):
            self.calls += 1
            if self.calls == self.at:
                raise OSError(errno.EIO, "Input/output error (injected)")
            return real(*args, **kwargs)

        return step


def test_a_failure_at_any_publish_step_never_leaves_a_datasheet_beside_other_data(corpus, tmp_path, monkeypatch):
    with monkeypatch.context() as m:   # how many moves a publish over an old export makes
        old_export(corpus, tmp_path / "count")
        counter = FailAt(m, None)
        export(corpus, tmp_path / "count", force=True)
        steps = counter.calls
    assert steps >= 3
    for at in range(1, steps + 1):
        folder = tmp_path / f"at{at}"
        before = old_export(corpus, folder)
        with monkeypatch.context() as m:
            FailAt(m, at)
            try:
                export(corpus, folder, force=True)
            except OSError as e:
                assert "injected" in str(e)
        assert_no_mismatch(folder)
        if (folder / SHEET).exists() and snapshot(folder)[DATA] == before[DATA]:
            assert snapshot(folder) == before


#: Runs an export over an old one, the process dying (``os._exit``) at its ``at``-th file move.
_DIE_AT = """
import os, sys
from pathlib import Path
from tocsin.config import Settings
from tocsin.export.dataset import ExportOptions, export_dataset
from tocsin.store import connect

at = int(sys.argv[1])
calls = 0
def wrap(real):
    def step(*args, **kwargs):
        global calls
        calls += 1
        if calls == at:
            os._exit(9)
        return real(*args, **kwargs)
    return step
os.replace, os.unlink = wrap(os.replace), wrap(os.unlink)
export_dataset(connect(sys.argv[2]), Settings(), ExportOptions(fmt="jsonl", out=Path(sys.argv[3]), force=True))
"""


@pytest.mark.slow
def test_an_export_killed_at_any_publish_step_never_leaves_a_datasheet_beside_other_data(store, tmp_path):
    db = connect(store)
    at, died = 0, True
    while died:
        at += 1
        folder = tmp_path / f"at{at}"
        old_export(db, folder)
        proc = subprocess.run([sys.executable, "-c", _DIE_AT, str(at), str(store), str(folder)],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode in (0, 9), proc.stderr[-2000:]
        died = proc.returncode == 9
        names = {p.name for p in folder.iterdir()}
        if SHEET in names:
            assert described_sha(folder) == file_sha256(folder / DATA), f"killed at move {at}: a mismatched datasheet"
        export(db, folder, force=True)   # the next export puts it right
        assert_no_mismatch(folder)
        assert (folder / SHEET).exists()
    assert at > 2
    db.close()


def _blocking_writes(monkeypatch, started: threading.Event, go: threading.Event, thread_name: str) -> None:
    """JSONL writes in the thread named ``thread_name`` wait for ``go`` (after setting ``started``)."""
    real = writers.JsonlWriter.write

    def write(self, records):
        if threading.current_thread().name == thread_name:
            started.set()
            go.wait(60)
        return real(self, records)

    monkeypatch.setattr(writers.JsonlWriter, "write", write)


@pytest.mark.parametrize("second_name", [DATA, "other.jsonl"])
def test_a_second_export_into_a_folder_being_written_is_refused_and_the_first_finishes(store, tmp_path, monkeypatch,
                                                                                       second_name):
    folder = tmp_path / "study"
    started, go = threading.Event(), threading.Event()
    _blocking_writes(monkeypatch, started, go, "first")
    outcome: dict[str, object] = {}

    def first() -> None:
        db = connect(store)
        try:
            outcome["summary"] = export(db, folder)
        except BaseException as e:  # noqa: BLE001 - reported by the test below
            outcome["error"] = e
        finally:
            db.close()

    thread = threading.Thread(target=first, name="first")
    thread.start()
    try:
        assert started.wait(60), "the first export never wrote"
        db = connect(store)
        try:
            with pytest.raises(ExportError, match=rf"another export is writing to {re.escape(str(folder))} now; wait"):
                export(db, folder / second_name, force=True)
        finally:
            db.close()
    finally:
        go.set()
        thread.join(60)
    assert "error" not in outcome, outcome.get("error")
    assert sorted(p.name for p in folder.iterdir()) == [SHEET, DATA]
    assert_no_mismatch(folder)
    db = connect(store)
    export(db, folder, force=True)   # the lock went with the first export
    db.close()
    assert_no_mismatch(folder)


#: A CLI export that signals it has started writing, then waits for a go-ahead file.
_SLOW_EXPORT = """
import sys, time
from pathlib import Path
from tocsin.export import writers
from tocsin.cli import main
started, go = Path(sys.argv[3]), Path(sys.argv[4])
real = writers.JsonlWriter.write
def write(self, records):
    started.touch()
    for _ in range(600):
        if go.exists():
            break
        time.sleep(0.1)
    return real(self, records)
writers.JsonlWriter.write = write
main(["--db", sys.argv[1], "export", "--format", "jsonl", "--out", sys.argv[2], "--force"])
"""


def test_a_second_cli_export_while_another_process_writes_the_folder_says_so(store, tmp_path, runner):
    from tocsin.cli import main

    folder = tmp_path / "study"
    started, go = tmp_path / "started", tmp_path / "go"
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_EXPORT, str(store), str(folder), str(started), str(go)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not started.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert started.exists(), proc.stderr.read() if proc.poll() is not None else "the first export never wrote"
        second = runner.invoke(main, ["--db", str(store), "export", "--format", "jsonl", "--out", str(folder), "--force"])
        assert second.exit_code == 1, second.output
        assert f"another export is writing to {folder}" in second.output and "Traceback" not in second.output
    finally:
        go.touch()
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err[-2000:]
    assert_no_mismatch(folder)
    assert (folder / SHEET).exists()
