"""Pages and feeds in a legacy encoding that say they are UTF-8, or say nothing: many of the region's older
sites serve Windows-1251 Cyrillic so. Read as UTF-8 (or as Windows-1252, the web's default), the text
would be stored as mojibake and its incitement missed; it is read in the encoding its bytes show instead.
The other way round too: a UTF-8 body that says it is Windows-1251 (a CMS moved to UTF-8, its template not)
is read as UTF-8."""

from __future__ import annotations

import codecs
import logging
import re

from scrapy.http import TextResponse

logger = logging.getLogger(__name__)

#: The encoding an XML declaration names (group 2), after what comes before it (group 1).
_XML_ENCODING = r"""^(\s*<\?xml[^>]*\bencoding\s*=\s*["'])([\w.:-]+)"""
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
#: Bytes read to find the encoding of a large body.
SAMPLE_BYTES = 200_000


#: A body counts as UTF-8 when at most :data:`STRAY_BYTES` of its bytes, or this share of its non-ASCII
#: characters, are bytes UTF-8 cannot read: a UTF-8 page with a stray Windows byte or two stays UTF-8 (one
#: U+FFFD each); a Windows-1251 page read as UTF-8 is nearly all such bytes.
STRAY_SHARE = 0.05
STRAY_BYTES = 2


def is_utf8(body: bytes) -> bool:
    """Whether ``body`` is UTF-8, or UTF-8 with a few stray bytes (see :data:`STRAY_SHARE`)."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        text = body[:SAMPLE_BYTES].decode("utf-8", errors="replace")
        stray = text.count("\ufffd")
        non_ascii = sum(1 for c in text if ord(c) > 127)
        return stray <= max(STRAY_BYTES, STRAY_SHARE * non_ascii)
    return True


def guessed_encoding(body: bytes) -> str | None:
    """The encoding ``body``'s bytes show (charset_normalizer's best guess), or None."""
    from charset_normalizer import from_bytes

    best = from_bytes(body[:SAMPLE_BYTES]).best()
    return best.encoding if best is not None else None


def _is_utf8_name(name: str) -> bool:
    try:
        return codecs.lookup(name).name == "utf-8"
    except LookupError:
        return False


def legacy_encoding(body: bytes) -> str | None:
    """The encoding to read ``body`` in when it is not UTF-8 (bar a stray byte or two, see :func:`is_utf8`)
    and its bytes show another one; None when it should be read as UTF-8."""
    if is_utf8(body):
        return None
    encoding = guessed_encoding(body)
    return None if not encoding or _is_utf8_name(encoding) else encoding


def is_plainly_utf8(body: bytes) -> bool:
    """Whether ``body`` is UTF-8 beyond doubt: it reads as UTF-8 without one bad byte and holds characters
    beyond ASCII (a Windows-1251 or KOI8-R text of any length never does; UTF-16's NULs rule it out)."""
    if body.isascii() or b"\x00" in body[:SAMPLE_BYTES]:
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def readable_response(response: TextResponse) -> TextResponse:
    """``response``, or a copy read in the encoding its bytes show when it claims UTF-8 (by declaration or by
    Scrapy's default) and is not, or read as UTF-8 when it claims another encoding and is plainly UTF-8."""
    if _is_utf8_name(response.encoding):
        encoding = legacy_encoding(response.body)
    else:
        encoding = "utf-8" if is_plainly_utf8(response.body) else None
    if encoding is None:
        return response
    logger.debug("%s is not UTF-8 as it says; read as %s", response.url, encoding)
    return response.replace(encoding=encoding)


def feed_as_utf8(body: bytes, content_type: str) -> tuple[bytes, str]:
    """A feed's body and content type, transcoded to UTF-8 when the body is not UTF-8 and names no other
    encoding (neither in its XML declaration nor in ``content_type``), or declared UTF-8 when it names another
    and is plainly UTF-8; otherwise as they are. A UTF-8 byte-order mark is dropped: it would hide the declaration,
    and XML reads a body that starts with one as UTF-8 whatever the declaration says."""
    body = body.removeprefix(codecs.BOM_UTF8)
    declared = [m.group(2).decode("ascii", "replace") for m in [re.match(_XML_ENCODING.encode(), body[:300])] if m]
    declared += [m.group(1) for m in [_CHARSET.search(content_type or "")] if m]
    if any(not _is_utf8_name(name) for name in declared):
        encoding = "utf-8" if is_plainly_utf8(body) else None
    else:
        encoding = legacy_encoding(body)
    if encoding is None:
        return body, content_type
    text = body.decode(encoding, errors="replace")
    text = re.sub(_XML_ENCODING, r"\1utf-8", text, count=1)
    return text.encode("utf-8"), "application/xml; charset=utf-8"
