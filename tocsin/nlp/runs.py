"""Which language each part of a text is read in.

A text's language is told from its words, not from whatever opens it (a post padded with emoji, dots or
spaces is still read in the language of its words), and a sentence plainly in another language — a Kyrgyz
quotation in a Russian article, an English call at the end of a Russian post — is read by that language's
rules, not by the rules of the language around it.
"""

from __future__ import annotations

import re
from typing import Callable, Container, Iterable

from tocsin.nlp.chunking import sentence_bounds
from tocsin.nlp.language import NON_RUSSIAN_CYRILLIC, SAMPLE_CHARS, count_scripts, russian_share, without_links
from tocsin.nlp.normalise import normalise

#: Letters a sentence needs before it may be read in another language of the same script (a short sentence
#: of names and loanwords is often taken for a neighbour: «Алга» уступил команде Кара-Суу 0:3) ...
MIN_LETTERS_SAME_SCRIPT = 40
#: ... or in a language of the other script, or in a Russian text when it holds letters Russian lacks
#: (ө, ү, ң, ў, қ, ғ, ҳ …): these tell languages apart on less.
MIN_LETTERS_TOLD_APART = 12
#: A Cyrillic sentence in a Russian text with at least this share of Russian words mixes the languages (an Uzbek
#: saying and its Russian gloss): it stays Russian, its Russian words read by the Russian rules.
MIXED_RUSSIAN_SHARE = 0.3

#: The script a language is written in when a text mixes scripts (Uzbek is written in both).
HOME_SCRIPT = {"ru": "Cyrl", "ky": "Cyrl", "kk": "Cyrl", "tg": "Cyrl", "en": "Latn"}

_WORD = re.compile(r"\S+")
#: Invisible characters (zero-width, soft hyphen, direction marks) that can glue a run of padding to a word.
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]+")

Detector = Callable[[str, str], tuple[str, str]]


def letters_sample(texts: Iterable[str], limit: int = SAMPLE_CHARS) -> str:
    """The words of ``texts`` that hold a letter, in order, joined, up to ``limit`` characters: what the
    language of a text is told from (runs of emoji, digits or punctuation say nothing of it, nor do URLs,
    e-mail addresses, @mentions and #hashtags, left out unless the texts have no other letters)."""
    words: list[str] = []
    size = 0
    linked: list[str] = []   # the words, links and tags kept: the sample of texts that have nothing else
    linked_size = 0
    for text in texts:
        for match in _WORD.finditer(text):
            word = _INVISIBLE.sub("", match.group())
            if not any(ch.isalpha() for ch in word):
                continue
            if linked_size < limit:
                linked.append(word)
                linked_size += len(word) + 1
            word = without_links(word).strip()
            if any(ch.isalpha() for ch in word):
                words.append(word)
                size += len(word) + 1
                if size >= limit:
                    return " ".join(words)[:limit]
    return " ".join(words or linked)[:limit]


def language_runs(text: str, lang: str, script: str, readable: Container[str],
                  detect: Detector) -> list[tuple[int, str, str, str]]:
    """``(offset, piece, lang, script)`` runs covering ``text``, in order: sentences of one language together.

    The text is in ``lang``/``script`` as a whole; a sentence is read in another language only when it holds
    enough letters (:data:`MIN_LETTERS_TOLD_APART` in the other script or with letters Russian lacks in a
    Russian run, else :data:`MIN_LETTERS_SAME_SCRIPT`), ``detect`` names another language even with ``lang`` as
    the hint, and that language is ``readable`` (has rules). Other sentences stay in the language of the run
    they follow.
    """
    bounds = sentence_bounds(text)
    if len(bounds) < 2:
        return [(0, text, lang, script)]
    runs: list[tuple[int, str, str, str]] = []
    run_start, current = 0, (lang, script)
    for start, end in bounds:
        found = _sentence_language(text[start:end], lang, current, readable, detect)
        if found != current and start > run_start:
            runs.append((run_start, text[run_start:start], *current))
            run_start = start
        current = found
    runs.append((run_start, text[run_start:], *current))
    return runs


def _sentence_language(sentence: str, lang: str, current: tuple[str, str], readable: Container[str],
                       detect: Detector) -> tuple[str, str]:
    """The language a sentence is read in: its own when it is plainly another readable one, else ``current``."""
    cyr, lat = count_scripts(sentence)
    own_script = "Cyrl" if cyr >= lat else "Latn"
    run_script = current[1] if current[1] in ("Cyrl", "Latn") else HOME_SCRIPT.get(current[0], own_script)
    other_letters = current[0] == "ru" and not NON_RUSSIAN_CYRILLIC.isdisjoint(sentence)
    if own_script == run_script and current[0] == "ru" and not other_letters:
        return current   # plain Cyrillic in a Russian text: Russian (a Kyrgyz sentence typed without ө ү ң is rare)
    told_apart = own_script != run_script or other_letters
    if cyr + lat < (MIN_LETTERS_TOLD_APART if told_apart else MIN_LETTERS_SAME_SCRIPT):
        return current
    plain = normalise(sentence).text
    found = detect(plain, lang)
    if found[0] not in readable or (current[0] == "ru" and own_script == "Cyrl" and found[0] != "ru"
                                    and russian_share(plain) >= MIXED_RUSSIAN_SHARE):
        return current
    return current if found[0] == current[0] and own_script == run_script else found
