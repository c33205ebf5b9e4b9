"""Text bound for a terminal or a log: control characters that could drive a terminal are shown, not obeyed.

Scraped titles, texts, addresses and error messages may hold escape sequences (ESC, CSI, OSC: colours,
cursor moves, a window title, in some terminals the clipboard). Printed raw, a hostile post could
rewrite or hide what an operator reads in ``tocsin alert show``, ``tocsin status`` or the daemon's log.
Tab and line feed stay; every other C0 control, DEL and the C1 controls are written as ``\\xNN``. The
bidirectional controls (embeddings, overrides, isolates and direction marks), with which a post could reorder
what the operator reads on its line, are written as ``\\uNNNN``.
"""

from __future__ import annotations

import logging

_CONTROLS = (*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0))
_SHOWN = {c: f"\\x{c:02x}" for c in _CONTROLS}
#: Bidirectional controls: the Arabic letter mark, the left-to-right and right-to-left marks, the embeddings
#: and overrides (U+202A–U+202E) and the isolates (U+2066–U+2069).
BIDI_CONTROLS = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
_SHOWN_IN_TERMINAL = {**_SHOWN, **{c: f"\\u{c:04x}" for c in BIDI_CONTROLS}}
#: The same characters as JSON escapes (within a JSON string they mean the same text), and the line and
#: paragraph separators, which readers that split on every line break would take for the end of a line.
_JSON_ESCAPED = {c: f"\\u{c:04x}" for c in (*_CONTROLS, *BIDI_CONTROLS, 0x2028, 0x2029)}


def terminal_safe(text: object) -> str:
    """``text`` with every control character but tab and line feed written out as ``\\xNN``, and every
    bidirectional control as ``\\uNNNN``."""
    return str(text).translate(_SHOWN_IN_TERMINAL)


_DROPPED = dict.fromkeys(_CONTROLS)


def without_controls(text: str) -> str:
    """``text`` with every control character but tab and line feed removed (a CR LF line break kept as LF)."""
    return text.replace("\r\n", "\n").translate(_DROPPED)


def has_controls(text: str) -> bool:
    """Whether ``text`` holds a control character other than tab and line feed (a CR too counts)."""
    return len(text.translate(_SHOWN)) != len(text)


def json_terminal_safe(json_text: str) -> str:
    """A JSON document with any raw control character, bidirectional control or line separator escaped
    (``json.dumps(..., ensure_ascii=False)`` leaves DEL, the C1 controls, the bidirectional controls, U+2028 and
    U+2029 raw); it decodes to the same value."""
    return json_text.translate(_JSON_ESCAPED)


class TerminalSafeFormatter(logging.Formatter):
    """A log formatter whose lines (messages, scraped addresses, tracebacks) cannot drive a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        return terminal_safe(super().format(record))
