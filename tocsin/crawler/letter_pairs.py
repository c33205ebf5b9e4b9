"""How plausible the letter pairs of Cyrillic words are, learnt from the project's own Russian, Kyrgyz and Uzbek
texts (the classifier's templates, Uzbek in Cyrillic through the project's transliteration).

A short headline read in its own encoding ("СРОЧНО") and the same bytes read in another ("утпюоп") have letters
about as frequent; their pairs of letters tell them apart.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import cache
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "models" / "data" / "templates"
#: Added to every pair's count, so a pair the texts never show is unlikely, not impossible.
SMOOTHING = 0.1
#: The score of a text with no word to judge (only abbreviations such as "ФСБ", which may be any letters): about
#: that of common words ("пожар" -2.3, "Ёлка" -3.2), so a reading of likelier words than most must beat it.
NO_EVIDENCE = -2.6
#: The likelihood of a word whose case is mixed other than as a capital initial (:func:`has_mixed_case`).
MIXED_CASE = 1e-3
#: An abbreviation is two to this many capitals, none of them a letter no word starts with ("ФСБ", "МВД"; not
#: "ГЬЫС"): its letters may be any, so it tells nothing about an encoding.
ABBREVIATION_LETTERS = 4
NO_INITIAL = frozenset("ЪЫЬ")
#: A run of Cyrillic letters.
CYRILLIC_RUN = re.compile(r"[\u0400-\u04ff]+")


def is_abbreviation(word: str) -> bool:
    """Whether ``word`` is an abbreviation (see :data:`ABBREVIATION_LETTERS`)."""
    return word.isupper() and 1 < len(word) <= ABBREVIATION_LETTERS and not NO_INITIAL & set(word)


def has_mixed_case(word: str) -> bool:
    """Whether ``word``'s case is mixed other than as a capital initial ("оБДП": Windows-1251 read as KOI8-R, or the
    reverse, swaps the case of every letter)."""
    return not (word.isupper() or word[1:].islower() or len(word) == 1)


@cache
def _pair_log_odds() -> tuple[dict[str, float], dict[str, float], float]:
    """log P(second letter | first) for the pairs seen, the log-probability of an unseen pair after each letter (a
    space marks a word's start and end), and the lowest of those, for a letter the texts never show."""
    from tocsin.nlp.translit import uz_latn_to_cyrl

    def read(name: str) -> str:
        return (TEMPLATES / name).read_text(encoding="utf-8")

    text = "\n".join([read("ru.txt"), read("ky.txt"), uz_latn_to_cyrl(read("uz-Latn.txt"))[0]]).lower()
    pairs: Counter[str] = Counter()
    for word in CYRILLIC_RUN.findall(text):
        padded = f" {word} "
        pairs.update(a + b for a, b in zip(padded, padded[1:]))
    after: Counter[str] = Counter()
    for pair, n in pairs.items():
        after[pair[0]] += n
    letters = len(after) + 1
    seen = {pair: math.log((n + SMOOTHING) / (after[pair[0]] + SMOOTHING * letters)) for pair, n in pairs.items()}
    unseen = {first: math.log(SMOOTHING / (n + SMOOTHING * letters)) for first, n in after.items()}
    return seen, unseen, min(unseen.values())


def pair_score(text: str) -> float:
    """The mean log-probability of the letter pairs of ``text``'s Cyrillic words (case aside; a word of mixed case
    penalised, an abbreviation of up to four capitals left out); :data:`NO_EVIDENCE` when no word is left."""
    seen, unseen, floor = _pair_log_odds()
    total, count = 0.0, 0
    for word in CYRILLIC_RUN.findall(text):
        if is_abbreviation(word):
            continue
        padded = f" {word.lower()} "
        for a, b in zip(padded, padded[1:]):
            total += seen.get(a + b, unseen.get(a, floor))
            count += 1
        if has_mixed_case(word):
            total += math.log(MIXED_CASE)
    return total / count if count else NO_EVIDENCE
