"""Lemmas and a little morphology: pymorphy3 for Russian, dictionary-guided suffix stripping otherwise.

Lexicon words are written in their dictionary form (lemma or stem). A word of a text is mapped to a
lexicon key when

* it is a key itself; or
* (Russian) one of its pymorphy3 normal forms is a key; or
* it is a key followed by a chain of the language's suffixes (Kyrgyz ``өзбек+тер+ди``, Uzbek
  ``qirgʻiz+lar+ni``, English ``uzbek+s``, Russian endings for words pymorphy3 does not know).

The suffixes stripped also yield features the rules use: ``Mood=Imp`` (imperative, jussive,
hortative), ``VerbForm=Inf`` (infinitive, verbal noun), ``Polarity=Neg`` (Kyrgyz -ба-, Uzbek -ma-),
``Psor=1Pl`` ("our"), ``QuestionParticle=Yes`` (Kyrgyz -бы, Uzbek -mi); the suffix of belonging (Uzbek -niki,
Kyrgyz -дики: "tojiklarniki", the Tajiks' one) is stripped with no feature. Results are cached per word.
"""

from __future__ import annotations

import itertools
import logging
from functools import lru_cache
from typing import Iterable

logger = logging.getLogger(__name__)

_HARMONY = {
    "A": "аеоө", "I": "ыиуү", "U": "уүоө", "L": "лдт", "D": "дт", "N": "ндт", "G": "гк", "B": "бп",
}
_HARMONY_KK = {"A": "ае", "I": "ыі", "U": "уү", "L": "лдт", "D": "дт", "N": "ндт", "G": "ғгқк", "B": "бпм"}


def _expand(template: str, harmony: dict[str, str] = _HARMONY) -> list[str]:
    """Expand a suffix template: capitals are archiphonemes (Kyrgyz ``LAр`` -> лар, лер, … тор)."""
    choices = [harmony.get(ch, ch) for ch in template]
    return ["".join(p) for p in itertools.product(*choices)]


def _table(rows: Iterable[tuple[str, str]], expand: bool, harmony: dict[str, str] = _HARMONY) -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for template, feats in rows:
        forms = _expand(template, harmony) if expand else [template]
        for form in forms:
            table.setdefault(form, set()).update(f for f in feats.split("|") if f)
    return {k: frozenset(v) for k, v in table.items()}


KY_SUFFIXES = _table([
    ("LAр", "Number=Plur"), ("NI", "Case=Acc"), ("NIн", "Case=Gen"), ("GA", "Case=Dat"), ("нA", "Case=Dat"),
    ("DA", "Case=Loc"), ("ндA", "Case=Loc"), ("DAн", "Case=Abl"), ("нAн", "Case=Abl"), ("ндAн", "Case=Abl"),
    ("I", ""), ("сI", ""), ("Iм", ""), ("м", ""), ("Iң", ""), ("ң", ""), ("IбIз", "Psor=1Pl"), ("бIз", "Psor=1Pl"),
    ("IңIз", ""), ("IңAр", ""), ("чA", ""), ("DAй", ""), ("мIн", ""), ("пIз", ""),
    ("сIң", ""), ("сIз", ""), ("GIлA", "Mood=Imp"), ("сIн", "Mood=Imp"), ("IшсIн", "Mood=Imp"),
    ("Aлы", "Mood=Imp"), ("йлы", "Mood=Imp"), ("йлу", "Mood=Imp"), ("йлү", "Mood=Imp"), ("Aлык", "Mood=Imp"),
    ("йлык", "Mood=Imp"), ("йлук", "Mood=Imp"), ("йлүк", "Mood=Imp"), ("Aлi", "Mood=Imp"),
    ("ейли", "Mood=Imp"), ("өлү", "Mood=Imp"), ("олу", "Mood=Imp"), ("өлүк", "Mood=Imp"), ("олук", "Mood=Imp"),
    ("уу", "VerbForm=Inf"), ("үү", "VerbForm=Inf"), ("оо", "VerbForm=Inf"), ("өө", "VerbForm=Inf"),
    ("Iш", "VerbForm=Inf"), ("ш", "VerbForm=Inf"), ("BA", "Polarity=Neg"), ("BAй", "Polarity=Neg"),
    ("DI", "Tense=Past"), ("GAн", "Tense=Past"), ("Iп", ""), ("п", ""), ("A", ""), ("й", ""), ("Aт", ""),
    ("мAк", ""), ("мAкчI", ""), ("Iл", "Voice=Pass"), ("Iн", ""), ("DIр", ""), ("Gуз", ""), ("Gүз", ""),
    ("жAт", ""), ("ышат", ""), ("ишет", ""), ("ушат", ""), ("үшөт", ""), ("BI", "QuestionParticle=Yes"), ("NIкI", ""),
], expand=True)

UZ_SUFFIXES = _table([
    ("lar", "Number=Plur"), ("ni", "Case=Acc"), ("ning", "Case=Gen"), ("ga", "Case=Dat"), ("ka", "Case=Dat"),
    ("qa", "Case=Dat"), ("da", "Case=Loc"), ("dan", "Case=Abl"), ("gacha", ""), ("dek", ""), ("day", ""),
    ("cha", ""), ("im", ""), ("m", ""), ("ing", "Mood=Imp"), ("ng", "Mood=Imp"), ("nglar", "Mood=Imp"), ("i", ""), ("si", ""),
    ("imiz", "Psor=1Pl"), ("miz", "Psor=1Pl"), ("ingiz", "Mood=Imp"), ("ngiz", ""), ("man", ""), ("san", ""), ("siz", ""), ("dir", ""), ("inglar", "Mood=Imp"), ("sin", "Mood=Imp"),
    ("sinlar", "Mood=Imp"), ("aylik", "Mood=Imp"), ("ylik", "Mood=Imp"), ("gin", "Mood=Imp"),
    ("ish", "VerbForm=Inf"), ("sh", "VerbForm=Inf"), ("moq", "VerbForm=Inf"), ("mak", "VerbForm=Inf"),
    ("ma", "Polarity=Neg"), ("may", "Polarity=Neg"), ("di", "Tense=Past"), ("gan", "Tense=Past"),
    ("kan", "Tense=Past"), ("qan", "Tense=Past"), ("yap", ""), ("yapti", ""), ("ap", ""), ("ib", ""), ("b", ""),
    ("moqda", ""), ("moqchi", ""), ("a", ""), ("y", ""), ("adi", ""), ("ydi", ""), ("sa", ""), ("il", "Voice=Pass"),
    ("in", ""), ("ti", ""), ("ar", ""), ("r", ""), ("ishsin", "Mood=Imp"), ("ilsin", "Mood=Imp"),
    ("mi", "QuestionParticle=Yes"), ("niki", ""), ("diki", ""),
], expand=False)

EN_SUFFIXES = _table([
    ("s", ""), ("es", ""), ("'s", ""), ("ed", "Tense=Past"), ("d", "Tense=Past"), ("ing", ""), ("er", ""),
    ("ers", ""), ("ied", ""), ("ies", ""), ("n", ""), ("en", ""),
], expand=False)

RU_SUFFIXES = _table([
    (s, "") for s in (
        "а", "я", "у", "ю", "е", "ы", "и", "о", "ом", "ем", "ой", "ей", "ов", "ев", "ам", "ям", "ах", "ях",
        "ами", "ями", "ый", "ий", "ая", "яя", "ое", "ее", "ые", "ие", "ых", "их", "ым", "им", "ую", "юю",
        "ого", "его", "ому", "ему", "ыми", "ими", "ь", "ть", "ки", "ка", "ке", "ку", "цы", "ца",
        "ский", "ская", "ской", "ское", "ских", "ским", "скую", "скими", "ского", "скому", "ском", "цев",
    )
], expand=False)

#: Kazakh: nominal suffixes and the verb forms the cues use (thin: no Kazakh cue lexicon yet).
KK_SUFFIXES = _table([
    ("LAр", "Number=Plur"), ("NI", "Case=Acc"), ("NIң", "Case=Gen"), ("GA", "Case=Dat"), ("нA", "Case=Dat"),
    ("DA", "Case=Loc"), ("ндA", "Case=Loc"), ("DAн", "Case=Abl"), ("нAн", "Case=Abl"), ("ндAн", "Case=Abl"),
    ("I", ""), ("сI", ""), ("Iм", ""), ("Iң", ""), ("ImIз", "Psor=1Pl"), ("мIз", "Psor=1Pl"),
    ("BIз", ""), ("GIн", ""), ("ңдAр", "Mood=Imp"), ("IңдAр", "Mood=Imp"), ("сIн", "Mood=Imp"),
    ("у", "VerbForm=Inf"), ("BA", "Polarity=Neg"), ("DI", "Tense=Past"), ("GAн", "Tense=Past"),
], expand=True, harmony=_HARMONY_KK)

#: Tajik: plural, object marker, izafe and personal endings.
TG_SUFFIXES = _table([
    ("ҳо", "Number=Plur"), ("он", "Number=Plur"), ("ён", "Number=Plur"), ("ро", "Case=Acc"), ("и", ""),
    ("ӣ", ""), ("ам", ""), ("ат", ""), ("аш", ""), ("амон", "Psor=1Pl"), ("атон", ""), ("ашон", ""),
    ("яш", ""), ("ям", ""), ("е", ""),
], expand=False)

SUFFIXES = {"ky": KY_SUFFIXES, "uz": UZ_SUFFIXES, "en": EN_SUFFIXES, "ru": RU_SUFFIXES, "kk": KK_SUFFIXES,
            "tg": TG_SUFFIXES}
#: Shortest stem that suffixes may be stripped from, per language.
MIN_STEM = {"ky": 2, "uz": 2, "en": 3, "ru": 2, "kk": 2, "tg": 3}
_MAX_TAIL = 12

#: Letters people leave out when typing on a Russian or Latin keyboard, per language.
_PLAIN_TYPING = {
    "ky": str.maketrans({"ө": "о", "ү": "у", "ң": "н"}),
    "uz": str.maketrans({"\u02bb": None, "\u02bc": None, "'": None}),
}
_VOICING = {"ky": {"г": "к", "ғ": "қ"}, "kk": {"г": "к", "ғ": "қ"}, "uz": {"g": "k", "gʻ": "q"}}
_VOWELS = set("аеиоуыэюяөүәіұaeiou")
_RU_SOFT_ENDINGS = ("ями", "ем", "ём", "ей", "ям", "ях", "е", "я", "ю", "и")
#: Russian group words pymorphy3 reads only as another word: "турков" (Turks, accusative in speech) as the
#: surname Турков. A surname next to a given name is still no target (see the name filter).
_RU_LEMMA_FIXES = {"турков": "турок"}
_RU_TAGS = {"impr": "Mood=Imp", "INFN": "VerbForm=Inf", "Name": "NameType=Giv", "Surn": "NameType=Sur",
            "Patr": "NameType=Pat", "past": "Tense=Past", "plur": "Number=Plur", "1per": "Person=1"}


@lru_cache(maxsize=1)
def russian_analyzer():
    """pymorphy3's Russian analyser (loaded once per process)."""
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


def parse_tail(tail: str, suffixes: dict[str, frozenset[str]], cache: dict[str, frozenset[str] | None]) -> frozenset[str] | None:
    """Features of ``tail`` read as a chain of suffixes, or None when it is not one."""
    if tail in cache:
        return cache[tail]
    result: frozenset[str] | None = None
    if not tail:
        result = frozenset()
    else:
        for k in range(min(len(tail), 7), 0, -1):
            head = tail[:k]
            if head in suffixes:
                rest = parse_tail(tail[k:], suffixes, cache)
                if rest is not None:
                    result = suffixes[head] | rest
                    break
    cache[tail] = result
    return result


def degeminated(word: str) -> list[str]:
    """Spellings of ``word`` with one doubled letter made single (each in turn), then all of them."""
    spots = [i for i in range(1, len(word)) if word[i] == word[i - 1] and word[i].isalpha()]
    if not spots:
        return []
    out = [word[:i] + word[i + 1:] for i in spots]
    if len(spots) > 1:
        single = []
        for ch in word:
            if not (single and single[-1] == ch):
                single.append(ch)
        out.append("".join(single))
    return out


class Lemmatiser:
    """Maps a word to ``(lemma, morph)`` for one language, guided by the lexicon's keys."""

    def __init__(self, lang: str, known: set[str] | frozenset[str] = frozenset(), cache_size: int = 200_000,
                 plain_typed: set[str] | frozenset[str] = frozenset(), surfaces: set[str] | frozenset[str] = frozenset()):
        """:param known: the lexicon's lemma keys; :param plain_typed: those also found when typed without
        the language's special letters (group words and places: a verb typed plainly is often another
        verb); :param surfaces: word forms the patterns name as written (recovered from ``keraak``)."""
        self.lang = lang
        # Russian is often written with е for ё: compare without ё
        self._fold_yo = lang == "ru"
        self.known = frozenset(k.replace("ё", "е") for k in known) if self._fold_yo else frozenset(known)
        self.surfaces = frozenset(k.replace("ё", "е") for k in surfaces) if self._fold_yo else frozenset(surfaces)
        self.suffixes = SUFFIXES.get(lang, {})
        self.min_stem = MIN_STEM.get(lang, 3)
        self._cache: dict[str, tuple[str, str, str]] = {}
        self._names: dict[str, bool] = {}
        self._tails: dict[str, frozenset[str] | None] = {}
        self._cache_size = cache_size
        self._morph = russian_analyzer() if lang == "ru" else None
        # informal typing without the language's own letters: Kyrgyz озбек for өзбек, Uzbek ozbek for oʻzbek
        self._plain_table = _PLAIN_TYPING.get(lang)
        self._plain_keys: dict[str, str] = {}
        if self._plain_table:
            seen: dict[str, str | None] = {}
            for key in self.known & frozenset(plain_typed):
                plain = key.translate(self._plain_table)
                if plain in self.known and plain != key:
                    continue  # a real word of its own (Uzbek yoq "burn" and yoʻq "no")
                if len(plain) < 4:
                    continue  # short plain forms are ordinary words (Uzbek osh "pilaf" for Oʻsh)
                seen[plain] = None if plain in seen and seen[plain] != key else key
            self._plain_keys = {p: k for p, k in seen.items() if k is not None and p != k}

    def analyse(self, word: str) -> tuple[str, str, str]:
        """``(lemma, morph, surface)`` of a lower-cased word.

        morph is a UD-style ``Feat=Val|…`` string; surface is the word with letters repeated for
        emphasis undone when that is what made it known (``kiill`` -> ``kill``), else the word.
        """
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        result = self._analyse(word.replace("ё", "е") if self._fold_yo else word)
        if len(self._cache) >= self._cache_size:
            self._cache.clear()
        self._cache[word] = result
        return result

    def _analyse(self, word: str) -> tuple[str, str, str]:
        found = self._lookup(word)
        if found is not None:
            return (*found, word)
        if word in self.surfaces:
            return (*self._default(word), word)
        if len(word) > 3:
            for candidate in [*degeminated(word), *self._letter_variants(word)]:
                found = self._lookup(candidate)
                if found is not None:
                    return (*found, candidate)
                if candidate in self.surfaces:
                    return (*self._default(candidate), candidate)
        if self._plain_keys and word == word.translate(self._plain_table):
            found = self._lookup_plain(word)
            if found is not None:
                return (*found, word)
        return (*self._default(word), word)

    def _default(self, word: str) -> tuple[str, str]:
        """Lemma and features of a word the lexicon does not know: pymorphy3's best guess, or the word."""
        if self._morph is not None and word.isalpha():
            parses = self._morph.parse(word)
            if parses:
                return parses[0].normal_form.replace("ё", "е"), self._ru_feats(parses[0])
        return word, ""

    def _lookup_plain(self, word: str) -> tuple[str, str] | None:
        """A word typed without the special letters: its stem among the lexicon keys typed the same way."""
        keys = self._plain_keys
        if word in keys:
            return keys[word], ""
        for cut in range(len(word) - 1, self.min_stem - 1, -1):
            if len(word) - cut > _MAX_TAIL:
                break
            stem = keys.get(word[:cut])
            if stem is not None:
                feats = parse_tail(word[cut:], self.suffixes, self._tails)
                if feats is not None:
                    return stem, "|".join(sorted(feats))
        return None

    def _lookup(self, word: str) -> tuple[str, str] | None:
        morph = self._morph
        if morph is not None and word.isalpha():
            fixed = _RU_LEMMA_FIXES.get(word)
            if fixed in self.known:
                return fixed, "Number=Plur"
            parses = morph.parse(word)
            if word in self.known:  # a lexicon word as written (the phrase patterns are lemmatised the same way)
                same = [q for q in parses if q.normal_form.replace("ё", "е") == word] or parses[:1]
                return word, "|".join(sorted({f for q in same for f in self._ru_feats(q).split("|") if f}))
            for p in parses:
                lemma = p.normal_form.replace("ё", "е")
                if lemma in self.known:
                    # features of every reading with this lemma: громите is "you smash" and "smash!"
                    same = [q for q in parses if q.normal_form.replace("ё", "е") == lemma]
                    return lemma, "|".join(sorted({f for q in same for f in self._ru_feats(q).split("|") if f}))
            if word.endswith("т") and not morph.word_is_known(word) and word + "ь" in self.known:
                return word + "ь", "VerbForm=Inf"
            for ending in _RU_SOFT_ENDINGS:  # Сай -> в Сае, Тортгуль -> у Тортгуля (names pymorphy3 lacks)
                if word.endswith(ending) and len(word) - len(ending) >= 2:
                    base = word[: -len(ending)]
                    for final in ("й", "ь"):
                        if base + final in self.known:
                            return base + final, ""
        elif word in self.known:
            return word, ""
        if not self.suffixes:
            return None
        mutation = _VOICING.get(self.lang, {})
        for cut in range(len(word) - 1, self.min_stem - 1, -1):
            if len(word) - cut > _MAX_TAIL:
                break
            stem = word[:cut]
            if stem not in self.known:
                # a final к/қ/k/q voiced before a vowel: өзбеги = өзбек + и, tojigi = tojik + i
                unvoiced = mutation.get(stem[-1]) if word[cut:cut + 1] in _VOWELS else None
                if unvoiced is None or stem[:-1] + unvoiced not in self.known:
                    continue
                stem = stem[:-1] + unvoiced
            feats = parse_tail(word[cut:], self.suffixes, self._tails)
            if feats is not None:
                return stem, "|".join(sorted(feats))
        return None

    def _letter_variants(self, word: str) -> list[str]:
        """Cyrillic words: each ``з`` read as ``е`` (the digit 3 stands for both: ``узб3ки``); Russian typed in
        Latin letters and read back also gets ``е`` for an opening ``э`` that makes no dictionary word (``evreev``
        is ``евреев`` as often as ``e`` is ``э`` in ``eto``)."""
        misread = self.lang == "ru" and word.startswith("э") and not self._morph.word_is_known(word)   # not Эдем
        variants = ["е" + word[1:]] if misread else []
        if self.lang not in ("ru", "ky") or "з" not in word:
            return variants
        return variants + [word[:i] + "е" + word[i + 1:] for i, ch in enumerate(word) if ch == "з"]

    @staticmethod
    def _ru_feats(parse) -> str:
        tag = parse.tag
        feats = sorted({v for k, v in _RU_TAGS.items() if k in tag})
        return "|".join(feats)

    def is_given_name(self, word: str) -> bool:
        """Russian: pymorphy3 knows ``word`` as a given name or patronymic."""
        if self._morph is None or not word.isalpha():
            return False
        hit = self._names.get(word)
        if hit is None:
            hit = any(("Name" in p.tag or "Patr" in p.tag) and p.score > 0.05 for p in self._morph.parse(word))
            if len(self._names) > self._cache_size:
                self._names.clear()
            self._names[word] = hit
        return hit
