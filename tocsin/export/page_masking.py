"""Masking words in a raw page as a reader sees them: through the markup and character entities that split them.

A purged comment quoted in a kept page may be written "must <b>leave</b> the town" or "Ош&nbsp;шаары": a pattern run
over the raw page misses it, one run over the page's text finds it. :func:`mask_as_read` finds matches in the text
and masks the characters they were read from, leaving the tags in place, so the page stays a page.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

#: A tag, a character entity, or any other single character of a page.
_PIECE = re.compile(r"<[^<>]*>|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);|.", re.DOTALL)


@dataclass(frozen=True)
class _Piece:
    """A stretch of the raw page, what a reader sees of it, and whether it is markup (never masked)."""

    start: int
    end: int
    shown: str
    markup: bool


def _pieces(page: str) -> list[_Piece]:
    """The page cut into tags (seen as a space), entities (seen as what they stand for) and characters."""
    pieces = []
    for match in _PIECE.finditer(page):
        raw = match.group()
        if raw.startswith("<") and len(raw) > 1:
            pieces.append(_Piece(match.start(), match.end(), " ", True))
        elif raw.startswith("&") and len(raw) > 1:
            pieces.append(_Piece(match.start(), match.end(), html.unescape(raw), False))
        else:
            pieces.append(_Piece(match.start(), match.end(), raw, False))
    return pieces


def mask_as_read(page: str, pattern: re.Pattern[str], mask: str) -> str:
    """``page`` with every match of ``pattern`` in the text a reader sees masked in the raw page: each character
    and each entity it was read from becomes ``mask`` (as many as it had characters, so the page keeps its
    length); the tags between them stay."""
    pieces = _pieces(page)
    shown_at: list[int] = []   # for each character of the text, the piece it was read from
    for index, piece in enumerate(pieces):
        shown_at.extend([index] * len(piece.shown))
    text = "".join(piece.shown for piece in pieces)
    doomed = {shown_at[i] for match in pattern.finditer(text) for i in range(*match.span())}
    if not doomed:
        return page
    out = []
    position = 0
    for index in sorted(doomed):
        piece = pieces[index]
        if piece.markup:
            continue
        out.append(page[position:piece.start])
        out.append(mask * (piece.end - piece.start))
        position = piece.end
    out.append(page[position:])
    return "".join(out)
