"""The retention scrub's narrowed pattern (``Needles.narrowed``) masks exactly what the whole pattern masks."""

from __future__ import annotations

import random
import re

import pytest

from tocsin.export import erasure
from tocsin.export.erasure import MASK, Needles, folded, masked
from tocsin.export.page_masking import mask_as_read

SENTENCES = [
    "Comment 12: the bazaar in Osh was closed today.",
    "Comment 12: the bazaar in Osh was closed today. And tomorrow",   # overlaps the one above
    "Они должны уйти из махалли до пятницы!",
    "ОНИ ДОЛЖНЫ уйти из города (a+b)*[c] $5 ^now?",                 # regex metacharacters
    "Straße İSTANBUL ſeller σοφός ΣΟΦΌΣ δρόμος",
    "prices < 5 som & \"rising\" fast now",
    "two words",                                                      # no inner word: always looked for
    "██████ said they must leave the town",
]
NAMES = ["Бекзат", "a.b*(c)", "Ivan  Petrov", "й user"]


def naive(page: str, needles: Needles) -> str | None:
    """The scrub as done before: the whole pattern for every text (None: the page would be dropped)."""
    out = masked(page, needles.pattern)
    if erasure.page_text_mentions(out, needles):
        out = mask_as_read(out, needles.pattern, MASK)
    return None if erasure.page_text_mentions(out, needles) else out


def pages(rng: random.Random) -> list[str]:
    pieces = SENTENCES + [s.upper() for s in SENTENCES] + [s.replace(" ", "\n  ") for s in SENTENCES] + [
        "must <b>leave</b> the town", "Они&nbsp;должны уйти из махалли до пятницы!", "by Бекзат", "a.b*(c) wrote",
        "IVAN\u00a0PETROV", "и\u0306 user", "prices &lt; 5 som &amp; &quot;rising&quot; fast now", "filler words here",
        "\\u041e\\u043d\\u0438 должны уйти из махалли до пятницы!", "Comment 12:", "xComment 12: the bazaar in OSH "
        "was closed today.y", "ſtraSSE", "<p title='σοφός'>", "ΣΟΦΟΣ"]
    return ["<p>" + " ".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))) + "</p>" for _ in range(300)]


def test_the_narrowed_scrub_gives_the_same_pages_as_the_whole_pattern():
    full = Needles(SENTENCES, NAMES)
    base = Needles(SENTENCES, [])
    for page in pages(random.Random(3)) + [SENTENCES[0] + " " + SENTENCES[0]]:   # a sentence twice in a page
        assert naive(page, base.narrowed(NAMES)) == naive(page, full), page


def test_the_narrowed_pattern_is_made_once_a_page_and_never_the_whole():
    base = Needles([f"Comment {n}: some words here for {n}" for n in range(500)], [])
    compiled = []
    original = re.compile

    def counting(pattern, flags=0):
        compiled.append(pattern)
        return original(pattern, flags)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(re, "compile", counting)
        for n in range(20):
            needles = base.narrowed(["Name"])
            page = f"<p>Comment {n}: some words here for {n}</p> Name"
            assert naive(page, needles) == f"<p>{MASK * (len(page) - 12)}</p> {MASK * 4}"
            assert needles.pattern.compiles == 1
    assert len(compiled) == 20 and all(p.count("|") == 1 for p in compiled)


def test_folding_is_alike_for_characters_a_case_insensitive_pattern_takes_for_one():
    import _sre
    from re._casefix import _EXTRA_CASES

    for cp in range(0x110000):
        char = chr(cp)
        assert folded(char) == folded(chr(_sre.unicode_tolower(cp))), hex(cp)
        assert all(c.isspace() == char.isspace() for c in folded(char)), hex(cp)
    for lower, others in _EXTRA_CASES.items():
        assert {folded(chr(c)) for c in others} == {folded(chr(lower))}
