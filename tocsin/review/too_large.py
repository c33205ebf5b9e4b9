"""A form larger than the page reads: the site's own page saying so, with the start of the monitor's note to copy.

The body is never read past :data:`MAX_FORM_BYTES`: the note is taken from the form's first bytes only.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from flask import render_template, request
from werkzeug.wsgi import LimitedStream

from tocsin.review.carried import MAX_NOTE, kept_note

#: The largest form body the page reads, in bytes.
MAX_FORM_BYTES = 256 * 1024
#: A percent escape cut short at the end of the bytes read (``%``, ``%D``).
_CUT_ESCAPE = re.compile(r"%[0-9A-Fa-f]?\Z")


def form_too_large(_error: Any) -> tuple[str, int]:
    """A 413 on the site's page naming the limit: nothing was recorded; on a decision, the start of its note is
    shown back, to copy and shorten."""
    too_large = f"The form was larger than the {MAX_FORM_BYTES // 1024} KiB this page accepts, so"
    if request.endpoint != "review.decide":
        return too_large_page(f"{too_large} nothing was recorded. Shorten what you typed and send it again.")
    return too_large_page(f"{too_large} your decision was not recorded. Shorten your note to at most {MAX_NOTE:,} "
                          "characters and decide again.", note=note_in(form_start()),
                          note_label="The start of your note, as far as the page read it (copy it)")


def too_large_page(message: str, **note: str) -> tuple[str, int]:
    """The error page with ``message`` (and the note shown back, if given)."""
    return render_template("error.html", code=413, message=message, **note), 413


def form_start() -> bytes:
    """The first :data:`MAX_FORM_BYTES` of the request's URL-encoded body (b"" for any other body, or one of
    unknown length, which the form parser may have begun to read)."""
    length = request.content_length
    if request.mimetype != "application/x-www-form-urlencoded" or length is None:
        return b""
    return LimitedStream(request.environ["wsgi.input"], min(length, MAX_FORM_BYTES)).read()


def note_in(start: bytes) -> str:
    """The ``note`` field of a URL-encoded form cut after ``start`` (its last field may end early: an escape or a
    character cut in two is dropped), as a decision keeps notes; "" when ``start`` holds none."""
    text = _CUT_ESCAPE.sub("", start.decode("ascii", "ignore"))
    fields = parse_qsl(text, keep_blank_values=True, errors="ignore")
    return kept_note(next((value for name, value in fields if name == "note"), ""))
