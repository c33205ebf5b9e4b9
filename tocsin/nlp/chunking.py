"""Split long texts into sentence-aligned chunks of bounded size, keeping their offsets."""

from __future__ import annotations

import re
from typing import Iterator

#: A sentence ends after . ! ? … or 。 (and any closing quotes or brackets) before white space, or at a line break.
#: A match starts only where a run of end marks starts, and takes the run whole (possessive), so that a long run
#: with no white space after it ("!!!…" a hundred thousand times) is read once, not once per mark.
_SENTENCE_END = re.compile(r"(?<![.!?…。])[.!?…。]++[»”\"')]*+\s+|\n\s*")
#: The end of a quotation that the words after it report, on the same line: «Бейте узбеков!» — написал он;
#: "Drive them out!" a man wrote. The quotation's own "!" or "?" ends no sentence of the text.
_QUOTATION_END = re.compile(r"[!?]+[»”\"']+[^\S\n]+")
#: A verb of saying within the first words after it: the words after the quotation report it.
_SAYING_NEXT = re.compile(r"[—–-]?\s*(?:\w+\s+){0,4}?(?:said|says|wrote|writes|shouted|shouts|posted|posts|yelled|cried|added|"
                          r"asked|told|сказал\w*|написал\w*|пишет|пишут|крикнул\w*|кричал\w*|заявил\w*|говорит|говорят|"
                          r"ответил\w*|добавил\w*|скандировал\w*|деди|деп|дешти|деген|жазды|жазышты|айтты|кыйкырды|dedi|deb|"
                          r"deydi|degan|yozdi|aytdi|qichqirdi|деб|дейди|деган|ёзди|айтди)(?!\w)", re.IGNORECASE)


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence of ``text``, together covering all of it: a sentence ends after the
    white space that follows it, and the last one may be empty. The one sentence splitter of the project."""
    bounds, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        if _reported_quotation_end(text, m):
            continue
        bounds.append((start, m.end()))
        start = m.end()
    bounds.append((start, len(text)))
    return bounds


def _reported_quotation_end(text: str, end: re.Match[str]) -> bool:
    """Whether the sentence end ``end`` closes a quotation that the same sentence goes on to report: a
    closing quote after "!" or "?", then a dash or a word in lower case, and a verb of saying within five words."""
    after = text[end.end():end.end() + 1]
    return (bool(_QUOTATION_END.fullmatch(end.group())) and (after.islower() or (after != "" and after in "—–-"))
            and bool(_SAYING_NEXT.match(text, end.end())))


def split_sentences(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence of ``text`` (white space between sentences is left out)."""
    return [(start, start + len(text[start:end].rstrip())) for start, end in sentence_bounds(text) if text[start:end].strip()]


def _hard_split(text: str, start: int, end: int, limit: int) -> Iterator[tuple[int, int]]:
    """Cut an over-long sentence at white space (or anywhere) into pieces of at most ``limit``."""
    while end - start > limit:
        cut = text.rfind(" ", start + limit // 2, start + limit)
        if cut <= start:
            cut = start + limit
        yield start, cut
        start = cut
    if end > start:
        yield start, end


def split_chunks(text: str, max_chars: int) -> list[tuple[int, str]]:
    """``(offset, piece)`` pairs covering ``text``: whole sentences, each piece at most ``max_chars``.

    A text shorter than ``max_chars`` is one chunk; the pieces joined give back the text.
    """
    if len(text) <= max_chars:
        return [(0, text)]
    chunks: list[tuple[int, str]] = []
    chunk_start = 0
    chunk_end = 0
    for s, e in split_sentences(text):
        for ps, pe in _hard_split(text, s, e, max_chars):
            if pe - chunk_start > max_chars and chunk_end > chunk_start:
                chunks.append((chunk_start, text[chunk_start:chunk_end]))
                chunk_start = chunk_end
            chunk_end = pe
    if len(text) > chunk_start:
        chunks.append((chunk_start, text[chunk_start:]))
    bounded: list[tuple[int, str]] = []
    for offset, piece in chunks:  # white space between sentences can still push a chunk over
        for k in range(0, len(piece), max_chars):
            bounded.append((offset + k, piece[k:k + max_chars]))
    return bounded
