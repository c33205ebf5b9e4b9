"""``tocsin classify`` from a pipe that pauses, and two ways input bytes were misread: the line ends of UTF-16
without a byte-order mark, and a terminal's escape codes taken for UTF-16."""

from __future__ import annotations

import io
import json
import os
import select
import subprocess
import sys

import pytest

from tocsin.cli import main
from tocsin.cli.classify_input import lines_as_they_come, read_inputs

UTF16_ERROR = "looks like UTF-16 without a byte-order mark"


def entries(data: bytes) -> list[tuple[int, dict | None, str]]:
    return list(read_inputs(io.BytesIO(data)))


# --------------------------------------------------------------------------- a pipe that pauses


def test_a_pause_in_piped_input_hands_on_what_was_read_and_input_waiting_is_read_on():
    read_fd, write_fd = os.pipe()
    os.write(write_fd, b"one\ntwo\nthr")
    seen: list[str] = []
    stalls: list[list[str]] = []

    def on_stall():
        stalls.append(list(seen))
        os.write(write_fd, b"ee\nfour")   # what the pause was waiting for, the rest of a line, and the end
        os.close(write_fd)

    with os.fdopen(read_fd, "rb") as pipe:
        for _, record, _ in read_inputs(lines_as_they_come(pipe, on_stall)):
            seen.append(record["text"])
    assert seen == ["one", "two", "three", "four"]
    assert stalls == [["one", "two"]]   # no pause while input was waiting; one when it ran out


def test_a_regular_file_is_read_as_it_is(tmp_path):
    path = tmp_path / "in.txt"
    path.write_bytes(b"one\ntwo\n")
    with open(path, "rb") as f:
        assert lines_as_they_come(f, on_stall=lambda: pytest.fail("a file does not pause")) is f
    stream = io.BytesIO(b"one\n")   # no file descriptor (click's test runner)
    assert lines_as_they_come(stream, on_stall=lambda: None) is stream


@pytest.mark.slow
def test_a_line_from_a_pipe_is_classified_before_the_input_ends():
    """The first result comes while the pipe is still open, not after 63 more lines or the end of the input."""
    code = "from tocsin.cli import main; main(['classify'])"
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ, "TOCSIN_MODEL_THREADS": "1"})
    try:
        proc.stdin.write("Надо выгнать узбеков из Оша!\n".encode("utf-8"))
        proc.stdin.flush()
        ready, _, _ = select.select([proc.stdout], [], [], 60)   # loading the model takes seconds
        assert ready, "no result while the input stayed open"
        first = json.loads(proc.stdout.readline())
        assert first["incitement"] is True and proc.poll() is None
        proc.stdin.write(b"second\n")
        proc.stdin.close()
        assert proc.wait(timeout=60) == 0, proc.stderr.read()
        assert json.loads(proc.stdout.readline())["incitement"] is False
    finally:
        proc.kill()
        proc.wait()


# --------------------------------------------------------------------------- UTF-16 without a byte-order mark


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
def test_utf16_without_a_byte_order_mark_is_one_error_per_line(encoding, line_end):
    text = line_end.join(["Надо выгнать узбеков", "second", "", "fourth", ""])
    got = entries(text.encode(encoding))
    assert [n for n, _, _ in got] == [1, 2, 4], got   # the blank line 3 is skipped, and no NUL is a line
    assert all(r is None and e.startswith(f"line {n}: {UTF16_ERROR}") and "iconv -f UTF-16" in e for n, r, e in got)


def test_a_utf16_file_without_a_byte_order_mark_gets_an_error_for_each_of_its_lines(runner, tmp_path):
    path = tmp_path / "u.txt"
    path.write_bytes("Надо выгнать узбеков\nsecond\n".encode("utf-16-le"))
    result = runner.invoke(main, ["classify", str(path)])
    assert result.exit_code == 1
    assert [json.loads(line)["line"] for line in result.stdout.splitlines()] == [1, 2]


# --------------------------------------------------------------------------- control bytes that are not UTF-16


def test_a_terminal_escape_code_is_text_not_utf16():
    got = entries(b"\x1b[0m\nok\n\x1b]0;title\x07\n\x1b[31mred\x1b[0m\n")
    assert [(n, r and r["text"], e) for n, r, e in got] == [
        (1, "\x1b[0m", ""), (2, "ok", ""), (3, "\x1b]0;title\x07", ""), (4, "\x1b[31mred\x1b[0m", "")]
