"""Whether a text speaks of women and girls: a word of the lexicons' women lists, in any form.

The decision lets the classifier suggest an attack on women and girls only in such a text. A word counts in the
text's own language (by the lemmas its pipeline gave), and a Kyrgyz or Uzbek word in a text of another language
too, read by that language's lemmatiser: posts in the region switch languages ("Надо выгнать узбеков!
Кыздарыбызды коргойлу.").
"""

from __future__ import annotations

from typing import AbstractSet, Callable

#: The word lists (``words`` entries) whose words name women and girls; an operator's extra lexicon adds to them with
#: ``"extends": true``, or defines ``women_local``, which the bundled files leave free.
WOMEN_WORD_LISTS = ("women", "womenfolk", "group_women", "women_other", "women_local")
#: How many first letters a word must share with another language's women word before that language's
#: lemmatiser is asked about it (a Kyrgyz or Uzbek lemma is the start of the word; a Russian one nearly so).
PREFIX_LETTERS = 3
#: The languages whose women words are looked for in texts of other languages too. Not Russian: a Russian word in a
#: Kyrgyz or Uzbek text is often a loan inflected their way ("студентке", to the student), which the Russian
#: lemmatiser reads as a woman ("студентка").
LOOKED_UP_ELSEWHERE = ("ky", "uz")
#: Longer words are not looked up in another language (no word for women is so long; a run of letters may be a page).
LONGEST_LOOKUP = 40


class WomenWords:
    """The women words of each language and the lemmatisers that find them in any form.

    :param words: per language, the women words as its patterns write them (lower-cased dictionary forms).
    :param lemma_of: per language, a function from a lower-cased word to its lemma.
    """

    def __init__(self, words: dict[str, frozenset[str]], lemma_of: dict[str, Callable[[str], str]]):
        self.words = words
        #: per language looked up elsewhere: its women words, their first letters and its lemmatiser
        self.elsewhere = {lang: (words[lang], frozenset(w[:PREFIX_LETTERS] for w in words[lang]), lemma_of[lang])
                          for lang in LOOKED_UP_ELSEWHERE if words.get(lang)}

    def spoken_of(self, lang: str, words: AbstractSet[str]) -> bool:
        """Whether ``words`` (a text's lemmas and word forms in ``lang``) hold a word for women and girls."""
        if not self.words.get(lang, frozenset()).isdisjoint(words):
            return True
        return any(w[:PREFIX_LETTERS] in prefixes and len(w) <= LONGEST_LOOKUP and lemma_of(w) in women
                   for other, (women, prefixes, lemma_of) in self.elsewhere.items() if other != lang for w in words)
