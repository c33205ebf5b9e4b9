"""What ``tocsin classify`` reads: lines of plain text or JSONL records, each turned into a record or an error
that names the line and the fix, so that one bad line costs only its own output line.

Lines end at LF, CRLF or a lone CR (a raw CR cannot stand inside a JSON string). A file that starts with a
UTF-16 byte-order mark is decoded as UTF-16, line by line, so that a line that is not UTF-16 costs only itself;
a line of UTF-16 without one (every other byte 0x00 to 0x06, the high byte of a Latin or Cyrillic letter) is
named as such, one error per line: the NUL bytes of its line ends make no lines of their own. A byte-order mark
is dropped wherever it starts a line (files joined with ``cat``).

From a pipe or a terminal, lines are handed on as they arrive, and the reader says when the input pauses, or
when a line handed on has waited :data:`MAX_WAIT_SECONDS` while input kept coming, so that what was read is
classified and written then, not held back until a batch is full (``tail -f``, a steady feed).

A line that is a JSON string (``jq '.text'`` without ``-r``) is read as the text it stands for. Spaces and
invisible characters (a zero-width space, a word joiner, a byte-order mark) around a JSON object, array or
string are not part of it.
"""

from __future__ import annotations

import json
import math
import os
import select
import stat
import time
import typing
import unicodedata
from itertools import chain
from typing import Any, BinaryIO, Callable, Iterable, Iterator

from tocsin.text_files import bounded_json_int

#: How deep a JSON record may nest; deeper, it could not be written back (Python's recursion limit).
MAX_NESTING = 100
UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")
#: The high byte of a UTF-16 code unit of Latin (0x00-0x02), Greek, Cyrillic (0x04) ... Arabic (0x06) text: control
#: bytes that UTF-8 text holds none of. Tab, the line ends and those a terminal uses (ESC, BEL) are not among them.
UTF16_HIGH_BYTES = bytes(range(0x00, 0x07))
UTF16_FIX = "save the input as UTF-8 (e.g. iconv -f UTF-16 -t UTF-8 FILE)"
#: How long a pipe or a terminal may keep the next input waiting before what was read is classified and written.
STALL_SECONDS = 0.1
#: How long a line read from a pipe or a terminal may wait to be classified while input keeps coming without a pause.
MAX_WAIT_SECONDS = 1.0
#: The most bytes read from a pipe or a terminal at once.
CHUNK_BYTES = 1 << 16


class Unreadable(typing.NamedTuple):
    """A line that could not be decoded: why, and the fix."""

    reason: str


Line = typing.Union[bytes, str, Unreadable]
Entry = tuple[int, "dict[str, Any] | None", str]


def read_inputs(stream: Iterable[Line]) -> Iterator[Entry]:
    """(line number, record or None, error) per non-empty input line; plain lines become ``{"text": line}``.
    A line of bytes that are not UTF-8 yields an error naming the line and the byte, and the rest go on."""
    for number, raw in enumerate(input_lines(stream), 1):
        if isinstance(raw, Unreadable):
            yield number, None, f"line {number}: {raw.reason}"
            continue
        if isinstance(raw, bytes):
            if is_blank_utf16(raw):
                continue
            if looks_like_utf16(raw):
                yield number, None, (f"line {number}: looks like UTF-16 without a byte-order mark (every other byte "
                                     f"0x00 to 0x06); {UTF16_FIX}")
                continue
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                yield number, None, (f"line {number}: not valid UTF-8 (byte 0x{raw[e.start]:02x} at byte {e.start + 1}); "
                                     "save the input as UTF-8")
                continue
        line = raw.removeprefix("\ufeff")   # the byte-order mark some editors write
        if line.strip():
            yield (number, *record_of(line, number))


def looks_like_utf16(raw: bytes) -> bool:
    """Whether a quarter or more of a line's bytes are :data:`UTF16_HIGH_BYTES`: UTF-16 text without its
    byte-order mark (Latin letters then 0x00, Cyrillic ones 0x04), which real UTF-8 text never is. A terminal's
    escape codes (``\\x1b[0m``) are not counted."""
    return bool(raw) and (len(raw) - len(raw.translate(None, UTF16_HIGH_BYTES))) * 4 >= len(raw)


def is_blank_utf16(raw: bytes) -> bool:
    """Whether ``raw`` holds nothing but NUL bytes and white space: a blank line of UTF-16 without a byte-order
    mark, or the NUL byte that its last line feed (``\\n\\x00``) leaves after itself."""
    return b"\x00" in raw and not raw.translate(None, b"\x00").strip()


def input_lines(stream: Iterable[Line]) -> Iterator[Line]:
    """The input's lines without their ends, split at LF, CRLF or a lone CR; the lines of a UTF-16 file with
    its byte-order mark are decoded one by one."""
    lines = iter(stream)
    first = next(lines, None)
    if first is None:
        return
    if isinstance(first, bytes) and first[:2] in UTF16_MARKS:
        encoding = "utf-16-le" if first[:2] == b"\xff\xfe" else "utf-16-be"
        yield from utf16_lines(chain([first[2:]], lines), encoding)
        return
    for raw in chain([first], lines):
        yield from split_line_ends(raw)


def utf16_lines(chunks: Iterable[bytes], encoding: str) -> Iterator[Line]:
    """The lines of UTF-16 text arriving in ``chunks`` (cut anywhere), each decoded by itself: a line that is
    not UTF-16 is :class:`Unreadable`, and the lines before and after it are read."""
    line_feed = "\n".encode(encoding)
    pending = bytearray()   # what follows the last line feed, from a code unit on
    searched = 0            # where in pending a line feed may still start
    for chunk in chunks:
        pending += chunk
        line_start = 0
        for at in code_units_at(pending, line_feed, searched):
            yield from decoded_utf16_line(bytes(pending[line_start:at]), encoding)
            line_start = at + len(line_feed)
        del pending[:line_start]
        searched = max(len(pending) - 1, 0)
    if pending:
        yield from decoded_utf16_line(bytes(pending), encoding)


def code_units_at(data: bytes | bytearray, unit: bytes, start: int = 0) -> Iterator[int]:
    """Where the UTF-16 code unit ``unit`` stands in ``data`` from ``start`` on: at even bytes only, not
    where its two bytes end one character and begin the next."""
    at = data.find(unit, start)
    while at >= 0:
        if at % 2 == 0:
            yield at
        at = data.find(unit, at + 1)


def split_code_units(data: bytes, separator: bytes) -> list[bytes]:
    """``data`` cut at every UTF-16 code unit ``separator``, the separators left out."""
    pieces, start = [], 0
    for at in code_units_at(data, separator):
        pieces.append(data[start:at])
        start = at + len(separator)
    pieces.append(data[start:])
    return pieces


def decoded_utf16_line(raw: bytes, encoding: str) -> list[Line]:
    """One LF-ended line of UTF-16 (its LF left out) cut at CRLF or a lone CR, each part decoded or
    :class:`Unreadable`."""
    carriage_return = "\r".encode(encoding)
    if raw.endswith(carriage_return) and len(raw) % 2 == 0:
        raw = raw[:-len(carriage_return)]
    return [decoded_utf16(part, encoding) for part in split_code_units(raw, carriage_return)]


def decoded_utf16(raw: bytes, encoding: str) -> Line:
    """``raw`` decoded, or :class:`Unreadable` naming the first byte that is not UTF-16."""
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as e:
        return Unreadable(f"not valid UTF-16 ({e.reason} at byte {e.start + 1} of the line); correct or remove "
                          "that line, or save the input as UTF-8")


def split_line_ends(raw: Line) -> list[Line]:
    """``raw`` (one LF-ended line, a run of them, or a whole text) cut at every line end. What stands before an
    LF loses the CR of a CRLF: a CR, or a CR and a NUL byte, which is how the CRLF of UTF-16 without a byte-order
    mark is cut at its LF byte (``\\r\\x00|\\n\\x00`` and ``\\x00\\r\\x00|\\n``)."""
    lf, cr, nul = ("\n", "\r", "\x00") if isinstance(raw, str) else (b"\n", b"\r", b"\x00")
    pieces = raw.split(lf)
    if pieces[-1] == raw[:0]:   # the final line end, not an empty line after it
        pieces.pop()
    out: list[Line] = []
    for piece in pieces:
        piece = piece.removesuffix(cr + nul) if piece.endswith(cr + nul) else piece.removesuffix(cr)
        out.extend(piece.split(cr))
    return out


def lines_as_they_come(stream: BinaryIO, on_stall: Callable[[], None]) -> Iterable[bytes]:
    """``stream``'s lines, for :func:`read_inputs`. A pipe or a terminal, whose input can pause (``tail -f``, a
    person typing), is read as its input arrives, and ``on_stall`` is called when what was handed on should be
    classified now (see :func:`arriving_lines`); a regular file (or a stream with no file descriptor) is ``stream``
    itself."""
    fd = pausing_descriptor(stream)
    return stream if fd is None else arriving_lines(fd, on_stall)


def pausing_descriptor(stream: BinaryIO) -> int | None:
    """The file descriptor of ``stream`` when it is not a regular file (a pipe, a terminal, a socket); else None."""
    try:
        fd = stream.fileno()
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
    except (OSError, ValueError):   # no descriptor: io.UnsupportedOperation is both
        return None
    return None if regular else fd


def arriving_lines(fd: int, on_stall: Callable[[], None]) -> Iterator[bytes]:
    """The input on ``fd`` (which nothing has read from yet) in runs of whole LF-ended lines, each run as soon as
    it is read (the last line may have no LF). ``on_stall`` is called before each wait for input that is not ready
    within :data:`STALL_SECONDS`, and before reading on once the first run handed on since the last call was read
    :data:`MAX_WAIT_SECONDS` ago (a steady feed never pauses; a call after the consumer's own flush is harmless)."""
    held: list[bytes] = []   # the start of a line that has not ended yet
    oldest: float | None = None   # when the first run handed on since on_stall was last called was read
    while True:
        if waited_too_long(oldest) or not ready_within(fd, STALL_SECONDS):
            on_stall()
            oldest = None
        chunk = os.read(fd, CHUNK_BYTES)
        if not chunk:
            break
        end = chunk.rfind(b"\n") + 1
        if end:
            oldest = oldest or time.monotonic()
            yield b"".join([*held, chunk[:end]])
            held = [chunk[end:]]
        else:
            held.append(chunk)
    if any(held):
        yield b"".join(held)


def waited_too_long(since: float | None) -> bool:
    """Whether a run read at ``since`` (None: none is waiting) has waited :data:`MAX_WAIT_SECONDS` or more."""
    return since is not None and time.monotonic() - since >= MAX_WAIT_SECONDS


def ready_within(fd: int, seconds: float) -> bool:
    """Whether input on ``fd`` is ready to read within ``seconds``."""
    return bool(select.select([fd], [], [], seconds)[0])


def record_of(line: str, number: int) -> tuple[dict[str, Any] | None, str]:
    """The record a non-blank line stands for, or None and an error naming the line and the fix."""
    body = without_invisible_edges(line)
    start = body[:1]
    if start in ("[", '"'):
        parsed = _loads_or_none(body)
        if isinstance(parsed, list) and any(isinstance(v, dict) for v in parsed):
            return None, f"line {number}: a JSON array; write one {{\"text\": …}} object per line"
        if isinstance(parsed, str):
            return {"text": parsed}, ""
    if start != "{":
        return {"text": line}, ""
    try:
        record = json.loads(body, parse_constant=_not_json_number, parse_float=_finite_float, parse_int=bounded_json_int)
    except json.JSONDecodeError as e:
        return None, (f"line {number}: not valid JSON ({e.msg} at column {e.colno}); a plain-text line that starts "
                      "with '{' is read as JSON: write it as {\"text\": \"…\"}")
    except ValueError as e:
        return None, f"line {number}: not valid JSON ({e})"
    except RecursionError:
        return None, f"line {number}: JSON nested too deeply to read; flatten the record"
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        return None, f"line {number}: a JSON object needs a string field 'text'"
    if nesting(record) > MAX_NESTING:
        return None, f"line {number}: JSON nested more than {MAX_NESTING} deep; flatten the record"
    return record, ""


def without_invisible_edges(line: str) -> str:
    """``line`` without the spaces (any Unicode space) and invisible format characters (zero-width space,
    word joiner, byte-order mark, direction marks) at its start and end, which JSON does not take for space."""
    start, end = 0, len(line)
    while start < end and is_invisible(line[start]):
        start += 1
    while end > start and is_invisible(line[end - 1]):
        end -= 1
    return line[start:end]


def is_invisible(char: str) -> bool:
    """Whether ``char`` is a space or an invisible format character (Unicode category Cf)."""
    return char.isspace() or unicodedata.category(char) == "Cf"


def nesting(value: Any) -> int:
    """How deep lists and objects nest in ``value`` (a flat object: 1)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _loads_or_none(line: str) -> Any:
    try:
        return json.loads(line)
    except (ValueError, RecursionError):
        return None


def _not_json_number(constant: str) -> typing.NoReturn:
    raise ValueError(f"{constant} is not a JSON number; write it as a string or null")


def _finite_float(literal: str) -> float:
    value = float(literal)
    if math.isinf(value):
        raise ValueError(f"{literal} is too large for a JSON number; write it as a string")
    return value
