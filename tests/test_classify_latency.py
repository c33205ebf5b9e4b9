"""``tocsin classify`` from a pipe fed steadily, never pausing: a line waits about a second at most to be classified,
not until its batch is full."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest

from tocsin.cli import classify_input
from tocsin.cli.classify_input import lines_as_they_come, read_inputs

#: The lines of a steady feed, and the time between them: it lasts 5 s.
FEED_LINES = 125
LINE_EVERY_S = 0.04


def feed_steadily(write, lines: int) -> threading.Thread:
    """A thread writing ``lines`` numbered lines with ``write``, one every :data:`LINE_EVERY_S`."""
    def feed() -> None:
        for n in range(lines):
            write(f"fictional line {n}\n".encode())
            time.sleep(LINE_EVERY_S)

    thread = threading.Thread(target=feed, daemon=True)
    thread.start()
    return thread


def test_a_steady_pipe_that_never_pauses_is_handed_on_within_about_a_second(monkeypatch):
    """No pause is ever seen (the pause is made longer than the feed), so only the longest wait can ask for the
    lines read to be classified: it does so while the feed goes on, a second or so after the first line."""
    monkeypatch.setattr(classify_input, "STALL_SECONDS", 60.0)
    read_fd, write_fd = os.pipe()
    feeder = feed_steadily(lambda data: os.write(write_fd, data), FEED_LINES)
    first_line_at, calls = None, []

    def on_stall() -> None:
        calls.append((time.monotonic(), feeder.is_alive()))

    with os.fdopen(read_fd, "rb") as pipe:
        for n, _record, _error in read_inputs(lines_as_they_come(pipe, on_stall)):
            first_line_at = first_line_at or time.monotonic()
            if n == FEED_LINES:
                os.close(write_fd)
        feeder.join()
    assert calls, "the lines read were never handed on while the input kept coming"
    first_call_at, feeding = calls[0]
    assert feeding, "the first lines were held until the input ended"
    assert 0.5 < first_call_at - first_line_at < 3.0


@pytest.mark.slow
def test_tocsin_classify_writes_a_steady_feed_before_it_ends():
    """With a batch larger than the whole feed, the first results still come while the feed goes on."""
    code = "from tocsin.cli import main; main(['classify', '--batch', '4096'])"
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ, "TOCSIN_MODEL_THREADS": "1"})
    results: list[float] = []
    reader = threading.Thread(target=lambda: results.extend(time.monotonic() for _ in proc.stdout), daemon=True)
    reader.start()
    try:
        proc.stdin.write(b"a first line, while the model loads\n")
        proc.stdin.flush()
        deadline = time.monotonic() + 120   # loading the model takes seconds on a loaded machine
        while not results and time.monotonic() < deadline:
            time.sleep(0.1)
        assert results, "the first line was never classified"

        def write(data: bytes) -> None:
            proc.stdin.write(data)
            proc.stdin.flush()

        feeder = feed_steadily(write, FEED_LINES)
        feeder.join()
        written_while_feeding = len(results) - 1
        proc.stdin.close()
        assert proc.wait(timeout=120) == 0, proc.stderr.read()
        reader.join(timeout=10)
        assert written_while_feeding > 0, "nothing of the steady feed was written before it ended"
        assert len(results) == 1 + FEED_LINES
    finally:
        proc.kill()
        proc.wait()
