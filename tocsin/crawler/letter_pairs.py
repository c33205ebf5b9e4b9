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
#: A word whose case is mixed other than as a capital initial (Windows-1251 read as KOI8-R swaps every case).
MIXED_CASE = math.log(1e-3)
ABBREVIATION_LETTERS = 4
_WORD = re.compile(r"[\u0400-\u04ff]+")


@cache
def _pair_log_odds() -> tuple[dict[str, float], dict[str, float]]:
    """log P(second letter | first) for the pairs seen, and the log-probability of an unseen pair after each
    letter (a space marks a word's start and end)."""
    from tocsin.nlp.translit import uz_latn_to_cyrl

    def read(name: str) -> str:
        return (TEMPLATES / name).read_text(encoding="utf-8")

    text = "\n".join([read("ru.txt"), read("ky.txt"), uz_latn_to_cyrl(read("uz-Latn.txt"))[0]]).lower()
    pairs: Counter[str] = Counter()
    for word in _WORD.findall(text):
        padded = f" {word} "
        pairs.update(a + b for a, b in zip(padded, padded[1:]))
    after: Counter[str] = Counter()
    for pair, n in pairs.items():
        after[pair[0]] += n
    letters = len(after) + 1
    seen = {pair: math.log((n + SMOOTHING) / (after[pair[0]] + SMOOTHING * letters)) for pair, n in pairs.items()}
    unseen = {first: math.log(SMOOTHING / (n + SMOOTHING * letters)) for first, n in after.items()}
    return seen, unseen


def pair_score(text: str) -> float:
    """The mean log-probability of the letter pairs of ``text``'s Cyrillic words (case aside; a word of mixed case
    penalised, an abbreviation of up to four capitals left out); :data:`NO_EVIDENCE` when no word is left."""
    seen, unseen = _pair_log_odds()
    floor = min(unseen.values())
    total, count = 0.0, 0
    for word in _WORD.findall(text):
        if word.isupper() and 1 < len(word) <= ABBREVIATION_LETTERS and not set("ЪЫЬ") & set(word):
            continue
        padded = f" {word.lower()} "
        for a, b in zip(padded, padded[1:]):
            total += seen.get(a + b, unseen.get(a, floor))
            count += 1
        if not (word.isupper() or word[1:].islower() or len(word) == 1):
            total += MIXED_CASE
    return total / count if count else NO_EVIDENCE
