"""Files a user hands over (labelled data, name lists, texts to classify) as text: UTF-8, and a clear error
naming the line of the first byte that is not; JSON numbers too long to read."""

from __future__ import annotations

import codecs


class NotUtf8(ValueError):
    """A user's file is not UTF-8; the message names the file, the line, the byte and the fix."""


def decode_utf8(data: bytes, where: str) -> str:
    """``data`` as text; a byte-order mark (as spreadsheet programs write) is dropped.

    :raises NotUtf8: naming ``where``, the line (from 1) and the first byte that is not UTF-8.
    """
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise NotUtf8(f"{where}:{line}: not valid UTF-8 (byte 0x{data[e.start]:02x}); save the file as UTF-8") from None


#: The longest integer a JSON record may hold (Python's own limit on converting digits).
MAX_JSON_DIGITS = 4300


def bounded_json_int(literal: str, fix: str = "write it as a string") -> int:
    """A JSON integer (``json.loads(..., parse_int=...)``); one too long for Python to read is refused with ``fix``."""
    digits = len(literal.lstrip("-"))
    if digits > MAX_JSON_DIGITS:
        raise ValueError(f"a number of {digits} digits is too long; {fix}")
    return int(literal)
