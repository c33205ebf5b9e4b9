"""Evasion generators: the tricks people use to slip past filters, to test and train against them.

Each generator is ``f(text, rng) -> text`` and is registered in :data:`VARIANTS`::

    import random
    from tocsin.nlp.evasion import VARIANTS, variants_for
    rng = random.Random(7)
    for name in variants_for("ru"):
        print(name, VARIANTS[name]("Узбеков надо выгнать", rng))

``translit`` and ``script_switch`` leave texts in other languages unchanged, so every generator can be
applied to any text. Generators change words of four letters or more and only in ways :func:`tocsin.nlp.normalise.normalise`
(and the language-specific transliteration) undo, so a rule that finds a group or cue in the plain
text should find it in every variant. :func:`variants_for` lists those that make sense for a language.
"""

from __future__ import annotations

import random
import re
from typing import Callable

from tocsin.nlp.language import detect_language
from tocsin.nlp.normalise import CYRL_TO_LATN, LATN_TO_CYRL, LEET_CYRL, LEET_LATN
from tocsin.nlp.translit import ru_cyrl_to_latn, unify_uz_apostrophes, uz_cyrl_to_latn, uz_latn_to_cyrl

Variant = Callable[[str, random.Random], str]

_WORD = re.compile(r"[^\W\d_]{4,}")
_CYRL = re.compile(r"[\u0400-\u04ff]")
_LEET_BACK_CYRL = {v: k for k, v in LEET_CYRL.items() if k.isdigit() or k == "@"}
_LEET_BACK_LATN = {v: k for k, v in LEET_LATN.items() if k.isdigit() or k == "@"}
ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\ufeff")
UZ_APOSTROPHES = ("'", "\u2019", "\u2018", "`", "\u02bc", "\u02bb")


def _map_words(text: str, rng: random.Random, change: Callable[[str, random.Random], str], share: float = 0.6) -> str:
    """Apply ``change`` to a random share of the words (at least one when there is one)."""
    words = list(_WORD.finditer(text))
    if not words:
        return text
    chosen = {id(m) for m in words if rng.random() < share} or {id(rng.choice(words))}
    out, pos = [], 0
    for m in words:
        if id(m) in chosen:
            out.append(text[pos:m.start()])
            out.append(change(m.group(), rng))
            pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def homoglyph(text: str, rng: random.Random) -> str:
    """Swap some letters for look-alikes of the other script (Cyrillic ``а`` -> Latin ``a`` …)."""
    def change(word: str, rng: random.Random) -> str:
        table = CYRL_TO_LATN if _CYRL.search(word) else LATN_TO_CYRL
        spots = [i for i, ch in enumerate(word) if ch in table]
        keep = len(word) - len(spots)
        if not spots or keep == 0:
            return word
        chars = list(word)
        for i in rng.sample(spots, max(1, min(len(spots), keep) // 2 or 1)):
            chars[i] = table[chars[i]]
        return "".join(chars)
    return _map_words(text, rng, change)


def digits(text: str, rng: random.Random) -> str:
    """Write some inner letters as digits or symbols (``з``->3, ``о``->0, ``а``->@ …)."""
    def change(word: str, rng: random.Random) -> str:
        table = _LEET_BACK_CYRL if _CYRL.search(word) else _LEET_BACK_LATN
        spots = [i for i in range(1, len(word) - 1) if word[i].lower() in table
                 and word[i - 1].isalpha() and word[i + 1].isalpha()]
        if not spots:
            return word
        chars = list(word)
        i = rng.choice(spots)
        chars[i] = table[chars[i].lower()]
        return "".join(chars)
    return _map_words(text, rng, change)


def zero_width(text: str, rng: random.Random) -> str:
    """Hide zero-width characters (and soft hyphens) inside words."""
    def change(word: str, rng: random.Random) -> str:
        i = rng.randrange(1, len(word))
        return word[:i] + rng.choice(ZERO_WIDTH) + word[i:]
    return _map_words(text, rng, change)


def spacing(text: str, rng: random.Random) -> str:
    """Space out the letters of one word (``у з б е к о в``, ``u.z.b.e.k``)."""
    words = list(_WORD.finditer(text))
    if not words:
        return text
    m = rng.choice(words)
    sep = rng.choice([" ", " ", ".", "-", "_"])
    return text[:m.start()] + sep.join(m.group()) + text[m.end():]


def repeat(text: str, rng: random.Random) -> str:
    """Repeat a vowel for emphasis (``узбееееки``)."""
    def change(word: str, rng: random.Random) -> str:
        spots = [i for i, ch in enumerate(word) if ch.lower() in "аеиоуыэюяөүaeiou"]
        if not spots:
            return word
        i = rng.choice(spots)
        return word[:i] + word[i] * rng.randint(3, 6) + word[i + 1:]
    return _map_words(text, rng, change, share=0.3)


def translit(text: str, rng: random.Random) -> str:
    """Russian Cyrillic written in Latin letters (``uzbekov nado vygnat``); other texts unchanged."""
    if detect_language(text) != ("ru", "Cyrl"):
        return text
    return ru_cyrl_to_latn(text)[0]


def script_switch(text: str, rng: random.Random) -> str:
    """Uzbek in the other script: Latin -> Cyrillic, Cyrillic -> Latin; other texts unchanged."""
    if detect_language(text)[0] != "uz":
        return text
    if _CYRL.search(text):
        return uz_cyrl_to_latn(text)[0]
    return uz_latn_to_cyrl(unify_uz_apostrophes(text))[0]


def apostrophes(text: str, rng: random.Random) -> str:
    """Uzbek ``oʻ``/``gʻ`` written with another apostrophe (’ ‘ ' ` ʼ)."""
    return re.sub(r"(?<=[oOgG])['\u2019\u2018`\u02bc\u02bb](?=\w)", lambda m: rng.choice(UZ_APOSTROPHES), text)


def bidi(text: str, rng: random.Random) -> str:
    """Insert bidi control characters around and inside words."""
    def change(word: str, rng: random.Random) -> str:
        i = rng.randrange(1, len(word))
        return rng.choice(["\u202a", "\u202d", "\u2066"]) + word[:i] + "\u200e" + word[i:] + "\u202c"
    return _map_words(text, rng, change, share=0.4)


def emoji(text: str, rng: random.Random) -> str:
    """Put an emoji inside a word (``уз🔥беки``)."""
    def change(word: str, rng: random.Random) -> str:
        i = rng.randrange(1, len(word))
        return word[:i] + rng.choice(["🔥", "😡", "👉", "💀", "⚡"]) + word[i:]
    return _map_words(text, rng, change, share=0.4)


def mixed(text: str, rng: random.Random) -> str:
    """Two evasions at once: look-alikes and zero-width characters."""
    return zero_width(homoglyph(text, rng), rng)


VARIANTS: dict[str, Variant] = {
    "homoglyph": homoglyph,
    "digits": digits,
    "zero_width": zero_width,
    "spacing": spacing,
    "repeat": repeat,
    "translit": translit,
    "script_switch": script_switch,
    "apostrophes": apostrophes,
    "bidi": bidi,
    "emoji": emoji,
    "mixed": mixed,
}

#: The same mapping under the name other modules look for.
GENERATORS = VARIANTS

_COMMON = ("homoglyph", "digits", "zero_width", "spacing", "repeat", "bidi", "emoji", "mixed")
_BY_LANG = {
    "ru": (*_COMMON, "translit"),
    "ky": _COMMON,
    "uz-Latn": (*_COMMON, "script_switch", "apostrophes"),
    "uz-Cyrl": (*_COMMON, "script_switch"),
    "uz": (*_COMMON, "script_switch"),
    "en": _COMMON,
}


def variants_for(lang: str) -> list[str]:
    """Names of the variants that apply to texts in ``lang`` (``ru``, ``ky``, ``uz-Latn``, ``uz-Cyrl``, ``en``)."""
    return list(_BY_LANG.get(lang, _COMMON))


def evade(text: str, name: str, seed: int = 0) -> str:
    """One variant of ``text`` by name, reproducible with ``seed``."""
    try:
        variant = VARIANTS[name]
    except KeyError:
        raise KeyError(f"unknown evasion {name!r}; use one of {', '.join(VARIANTS)}") from None
    return variant(text, random.Random(seed))
