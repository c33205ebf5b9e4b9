"""Transliteration tables: Uzbek Cyrillic <-> Latin, Russian Cyrillic <-> Latin ("translit").

Each table maps a source string (one or more characters, lower case) to its replacement. The
:func:`transliterate` function applies a table greedily (longest source first), keeps upper/title case
and reports, for every output character, the range of input characters it came from — so spans found
in transliterated text map back to the original exactly.
"""

from __future__ import annotations

import re

#: The apostrophe used for Uzbek oʻ and gʻ after normalisation (U+02BB, a letter for tokenizers).
UZ_OKINA = "\u02bb"
#: The Uzbek tutuq belgisi (hamza-like stop), U+02BC.
UZ_TUTUQ = "\u02bc"

UZ_CYRL_TO_LATN: dict[str, str] = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "j", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "x", "ц": "ts", "ч": "ch", "ш": "sh", "ъ": UZ_TUTUQ,
    "ь": "", "ы": "i", "э": "e", "ю": "yu", "я": "ya", "ў": "o" + UZ_OKINA, "қ": "q",
    "ғ": "g" + UZ_OKINA, "ҳ": "h",
}

UZ_LATN_TO_CYRL: dict[str, str] = {
    "sh": "ш", "ch": "ч", "o" + UZ_OKINA: "ў", "g" + UZ_OKINA: "ғ", "yo" + UZ_OKINA: "йў", "yo": "ё", "yu": "ю",
    "ya": "я",
    "a": "а", "b": "б", "d": "д", "e": "е", "f": "ф", "g": "г", "h": "ҳ", "i": "и", "j": "ж",
    "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п", "q": "қ", "r": "р", "s": "с",
    "t": "т", "u": "у", "v": "в", "x": "х", "y": "й", "z": "з", UZ_TUTUQ: "ъ", "'": "ъ", "c": "с",
    "w": "в",
}

RU_CYRL_TO_LATN: dict[str, str] = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sch",
    "ъ": "", "ы": "y", "ь": "'", "э": "e", "ю": "yu", "я": "ya",
}

RU_LATN_TO_CYRL: dict[str, str] = {
    "shch": "щ", "sch": "щ", "zh": "ж", "kh": "х", "ch": "ч", "sh": "ш", "ts": "ц", "tz": "ц",
    "tsya": "тся", "tsa": "тса",
    "yu": "ю", "ju": "ю", "ya": "я", "ja": "я", "yo": "ё", "jo": "ё", "je": "е",
    "iy": "ий", "yy": "ый", "y": "ы", "j": "й", "'": "ь", UZ_TUTUQ: "ь", UZ_OKINA: "ь",
    "a": "а", "b": "б", "c": "ц", "d": "д", "e": "е", "f": "ф", "g": "г", "h": "х", "i": "и",
    "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п", "q": "к", "r": "р", "s": "с",
    "t": "т", "u": "у", "v": "в", "w": "в", "x": "х", "z": "з",
}

_VOWELS_LATN = set("aeiouy")
_WORD = re.compile(r"[^\W\d_]+(?:['\u02bb\u02bc][^\W\d_]+)*")


def _match_case(src: str, out: str) -> str:
    if not out or src.islower() or not src[:1].isupper():
        return out
    return out.upper() if len(src) > 1 and src.isupper() else out[:1].upper() + out[1:]


def transliterate(text: str, table: dict[str, str], *, word_start: dict[str, str] | None = None,
                  after_vowel: dict[str, str] | None = None) -> tuple[str, list[tuple[int, int]]]:
    """Apply ``table`` greedily; return the new text and, per output char, its source range.

    :param word_start: replacements used only at the start of a word (e.g. Uzbek ``е`` -> ``ye``).
    :param after_vowel: replacements used only after a vowel (e.g. Russian translit ``y`` -> ``й``).
    """
    longest = max((len(k) for k in table), default=1)
    out: list[str] = []
    ranges: list[tuple[int, int]] = []
    i, n = 0, len(text)
    prev_letter = False
    prev_char = ""
    while i < n:
        rep = None
        size = 1
        for size in range(min(longest, n - i), 0, -1):
            src = text[i:i + size]
            key = src.lower()
            if word_start and not prev_letter and key in word_start:
                rep = word_start[key]
            elif after_vowel and prev_char.lower() in _VOWELS_LATN and key in after_vowel:
                rep = after_vowel[key]
            elif key in table:
                rep = table[key]
            if rep is not None:
                rep = _match_case(src, rep)
                break
        if rep is None:
            size, rep = 1, text[i]
        for ch in rep:
            out.append(ch)
            ranges.append((i, i + size))
        prev_char = text[i + size - 1]
        prev_letter = prev_char.isalpha()
        i += size
    return "".join(out), ranges


_UZ_APOSTROPHE_AFTER_OG = re.compile(r"(?<=[oOgG])['\u2019\u2018`\u02bc\u00b4](?=\w)")


def unify_uz_apostrophes(text: str) -> str:
    """Write the Uzbek ``oʻ``/``gʻ`` with U+02BB whatever apostrophe was typed (same length)."""
    return _UZ_APOSTROPHE_AFTER_OG.sub(UZ_OKINA, text)


def uz_cyrl_to_latn(text: str) -> tuple[str, list[tuple[int, int]]]:
    """Uzbek Cyrillic to the official Latin alphabet (``е`` is ``ye`` at the start of a word)."""
    return transliterate(text, UZ_CYRL_TO_LATN, word_start={"е": "ye"})


def uz_latn_to_cyrl(text: str) -> tuple[str, list[tuple[int, int]]]:
    """Uzbek Latin to Cyrillic (``e`` is ``э`` at the start of a word)."""
    return transliterate(text, UZ_LATN_TO_CYRL, word_start={"e": "э", "ye": "е"})


def ru_cyrl_to_latn(text: str) -> tuple[str, list[tuple[int, int]]]:
    """Russian Cyrillic to informal Latin translit, as people type it."""
    return transliterate(text, RU_CYRL_TO_LATN)


def ru_latn_to_cyrl(text: str) -> tuple[str, list[tuple[int, int]]]:
    """Russian written in Latin letters back to Cyrillic (``y`` after a vowel is ``й``)."""
    return transliterate(text, RU_LATN_TO_CYRL, word_start={"ye": "е", "e": "э"}, after_vowel={"y": "й", "ye": "е"})
