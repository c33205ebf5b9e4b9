"""Evasion variants of corpus examples: the spellings people use to slip past filters.

The generators come from ``tocsin.nlp.evasion`` when that module is present (the same cases the
normaliser is tested on); otherwise from the small set below. Each variant keeps its example's labels,
records ``base_id`` and gets the category ``evasion_<kind>`` so that label flips can be counted.
"""

from __future__ import annotations

import logging
import random
import re
from typing import Callable

from tocsin.models.corpus import Example, TemplateStreams

logger = logging.getLogger(__name__)

Generator = Callable[[str, random.Random], str]

_WORD = re.compile(r"[^\W\d_]{4,}")
_HOMOGLYPH = dict(zip("аеорсхАВЕКМНОРСТХaeopcxABEKMHOPCTX", "aeopcxABEKMHOPCTXаеорсхАВЕКМНОРСТХ"))
_LEET = {"а": "@", "о": "0", "з": "3", "е": "3", "ч": "4", "a": "@", "o": "0", "e": "3", "i": "1", "s": "$"}


def _some_words(text: str, rng: random.Random) -> list[re.Match]:
    words = list(_WORD.finditer(text))
    rng.shuffle(words)
    return words[: max(1, len(words) // 3)]


def _rewrite(text: str, rng: random.Random, change: Callable[[str], str]) -> str:
    out = text
    for m in sorted(_some_words(text, rng), key=lambda m: -m.start()):
        out = out[: m.start()] + change(m.group()) + out[m.end():]
    return out


def homoglyph(text: str, rng: random.Random) -> str:
    """Swap letters for look-alikes of the other script (Latin ``a`` in a Cyrillic word)."""
    return _rewrite(text, rng, lambda w: "".join(_HOMOGLYPH.get(c, c) if rng.random() < 0.5 else c for c in w))


def leet(text: str, rng: random.Random) -> str:
    """Digits and symbols for letters (``y3бeк``)."""
    return _rewrite(text, rng, lambda w: w[0] + "".join(_LEET.get(c.lower(), c) for c in w[1:]))


def spaced(text: str, rng: random.Random) -> str:
    """Letters spaced out or dotted (``у з б е к и``)."""
    sep = rng.choice([" ", ".", "-", "*"])
    return _rewrite(text, rng, lambda w: sep.join(w))


def zero_width(text: str, rng: random.Random) -> str:
    """Invisible characters inside words."""
    return _rewrite(text, rng, lambda w: "\u200b".join(w))


def stretched(text: str, rng: random.Random) -> str:
    """Letters repeated (``выгнаааать``)."""
    def stretch(w: str) -> str:
        i = rng.randrange(1, len(w))
        return w[:i] + w[i] * rng.randint(3, 5) + w[i + 1:]
    return _rewrite(text, rng, stretch)


def local_generators() -> dict[str, Generator]:
    return {"homoglyph": homoglyph, "leet": leet, "spaced": spaced, "zero_width": zero_width, "stretched": stretched}


def generators() -> dict[str, Generator]:
    """Evasion generators by kind: ``tocsin.nlp.evasion`` when present, else the local set."""
    try:
        from tocsin.nlp import evasion as nlp_evasion  # type: ignore[attr-defined]
    except ImportError:
        return local_generators()
    found = getattr(nlp_evasion, "GENERATORS", None)
    if isinstance(found, dict) and found:
        return dict(found)
    return local_generators()


def kinds_for(lang: str, gens: dict[str, Generator]) -> list[str]:
    """The evasion kinds that make sense for a language (``tocsin.nlp.evasion.variants_for`` when present)."""
    try:
        from tocsin.nlp.evasion import variants_for  # type: ignore[attr-defined]
    except ImportError:
        return sorted(gens)
    return [k for k in variants_for(lang) if k in gens] or sorted(gens)


def evasion_examples(examples: list[Example], seed: int, train_share: float = 0.15) -> list[Example]:
    """Evasion variants: one per dev/test example (to measure flips), a share of the training examples;
    each template's from its own random stream."""
    gens = generators()
    streams = TemplateStreams(seed, "evasion")
    out = []
    for e in examples:
        rng = streams(e.template)
        if e.base_id or (e.split == "train" and rng.random() >= train_share):
            continue
        kinds = kinds_for(e.lang, gens)
        kind = kinds[rng.randrange(len(kinds))]
        try:
            text = gens[kind](e.text, rng)
        except Exception as exc:  # a generator that cannot handle a text is skipped, never fatal
            logger.debug("evasion %s failed on %s: %s", kind, e.id, exc)
            continue
        if text == e.text:
            continue
        out.append(Example(**{**e.to_dict(), "id": f"{e.id}-ev-{kind}", "text": text, "category": f"evasion_{kind}",
                              "base_id": e.id, "template": e.template}))
    return out
