"""Language and script of a text: a small character n-gram model trained on the project's sentences.

No installed library covers Kyrgyz, Uzbek and Tajik (lingua has Russian, Kazakh and English only), so
tocsin trains a naive Bayes model over character 1–4-grams on the sentences in
``tocsin/nlp/data/langid/`` (one file per class, written by the project; Uzbek Cyrillic and Russian
translit classes also get the Latin/Cyrillic transliteration of the Uzbek and Russian sentences, and
Kyrgyz also gets its sentences typed without ө ү ң, as on a Russian keyboard).
Training takes a fraction of a second and happens once per process, on first use.

The script (Cyrillic, Latin, mixed, none) is counted first and limits the classes considered, which
is what tells Kyrgyz (ң ө ү), Kazakh (ә і ұ қ), Tajik (ӣ ӯ ҷ) and Uzbek Cyrillic (ў қ ғ ҳ) apart
from Russian so reliably; the n-grams then do the rest (Kyrgyz morphology, Uzbek Latin spelling,
Russian written in Latin letters), and whole words (the first 40) weigh in, which decides short texts:
Russian dictionary words in Cyrillic with none of those letters, English function words in Latin script.
Russian is read in a Latin text only when enough of its words, read back into Cyrillic, are Russian words
(translit, not Turkish or German).
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from tocsin.nlp.translit import ru_cyrl_to_latn, ru_latn_to_cyrl, unify_uz_apostrophes, uz_latn_to_cyrl

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).parent / "data" / "langid"
#: Languages reported by :func:`detect_language`.
LANGUAGES = ("ru", "ky", "uz", "en", "kk", "tg", "other")
#: Scripts reported by :func:`detect_language`.
SCRIPTS = ("Cyrl", "Latn", "mixed", "none")
#: Model classes: (language, script of the training text).
CLASSES = {
    "ru": ("ru", "Cyrl"), "ky": ("ky", "Cyrl"), "kk": ("kk", "Cyrl"), "tg": ("tg", "Cyrl"),
    "uz-Cyrl": ("uz", "Cyrl"), "uz-Latn": ("uz", "Latn"), "en": ("en", "Latn"), "ru-Latn": ("ru", "Latn"),
    "other-Cyrl": ("other", "Cyrl"), "other-Latn": ("other", "Latn"),
}
MAX_N = 4
ALPHA = 0.5
#: A text whose minority script has at least this share of the letters is ``mixed``.
MIXED_SHARE = 0.25
#: Cyrillic letters that Russian lacks (Kyrgyz, Kazakh, Uzbek, Tajik). A Cyrillic text with none of them
#: is Russian, or Kyrgyz or Uzbek typed on a Russian keyboard; the words tell which: Russian gets up to
#: :data:`PLAIN_CYRILLIC_BONUS` when most of them are in pymorphy3's dictionary, and loses half as much when
#: few are ("Ошко качан келесин?", "Оштогу кафеге барбагыла").
NON_RUSSIAN_CYRILLIC = set("ңөүўқғҳәіұһӣӯҷҒҚҢӨҮЎҲӘІҰҺӢӮҶ")
PLAIN_CYRILLIC_BONUS = 0.35
#: English gets up to this much for its function words ("are", "here", "at our"), which tell a short English
#: line from Russian typed in Latin letters ("Kazakhs are here" shares "kh" with "nado vygnat ikh").
ENGLISH_WORDS_BONUS = 0.35
#: Turkish gets up to this much for its function words ("ve", "için", "değil"), which tell a Turkish line from Uzbek
#: Latin ("Merhaba, Oş'ta Özbekler ve Kırgızlar …" read as Uzbek before): Turkish is none of the languages read here.
TURKISH_WORDS_BONUS = 1.0
#: Turkish function words that Uzbek Latin writes too (found in the project's Uzbek sentences): no sign of Turkish.
_SHARED_WITH_UZBEK = frozenset({"beri", "biri", "birini", "biz", "bu", "bunda", "bundan", "da", "dek", "ki", "kim", "ne",
                                "o", "olsa", "ona", "onda", "orada", "sana", "sen", "seni", "siz", "ya", "zira"})
#: Russian is written in Cyrillic: a Latin text is Russian (translit) only when at least this share of its words,
#: read back into Cyrillic, are in pymorphy3's dictionary ("uzbekov nado vygnat"; not "Türkler gitmeli").
TRANSLIT_RUSSIAN_SHARE = 0.3
#: Only this many words are looked up in the dictionaries.
WORDS_LOOKED_UP = 40
#: Only this many leading characters are read to decide (long texts are sampled).
SAMPLE_CHARS = 4000
_NON_LETTER = re.compile(r"[^\w']+|[\d_]+")
#: URLs, e-mail addresses, @mentions and #hashtags: their letters (Latin, mostly) say nothing of the language of the
#: text around them ("Узбеков надо выгнать https://example.com/news/…" is Russian).
_ADDRESS = (r"(?:\b[a-z][a-z0-9+.-]*://|\bwww\.)\S*"      # https://…, www.…
            r"|\b[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/\S*"      # example.com/…, t.me/…
            r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\b")  # name@example.com
_LINK = re.compile(_ADDRESS + r"|(?<![\w@#])[@#]\w+", re.IGNORECASE)   # and @mention, #hashtag
_ADDRESSES = re.compile(_ADDRESS, re.IGNORECASE)
#: What every match of :data:`_LINK` holds (a text without it is left as it is, quickly).
_LINK_SIGN = re.compile(r"[/@#]|www\.", re.IGNORECASE)
_KY_PLAIN = str.maketrans({"ө": "о", "ү": "у", "ң": "н", "Ө": "О", "Ү": "У", "Ң": "Н"})
_APOSTROPHES = str.maketrans({c: "'" for c in "`\u2018\u2019\u02bb\u02bc\u00b4\u2032"})


def clean(text: str) -> str:
    """Lower-case letters, one kind of apostrophe and single spaces, padded with a space on both sides."""
    return " " + " ".join(_NON_LETTER.sub(" ", text.lower().translate(_APOSTROPHES)).split()) + " "


def without_links(text: str) -> str:
    """``text`` with its URLs, e-mail addresses, @mentions and #hashtags replaced by a space."""
    return _LINK.sub(" ", text) if _LINK_SIGN.search(text) else text


def without_addresses(text: str) -> str:
    """``text`` with its URLs and e-mail addresses replaced by a space (what the classifier reads: it was trained
    on texts without them, and a long URL's word pieces drown a short post's words)."""
    return _ADDRESSES.sub(" ", text) if _LINK_SIGN.search(text) else text


def count_scripts(text: str) -> tuple[int, int]:
    """Numbers of Cyrillic and Latin letters in ``text``, leaving out those of its URLs, e-mail addresses,
    @mentions and #hashtags (:func:`without_links`)."""
    return _count_letters(without_links(text))


def _count_letters(text: str) -> tuple[int, int]:
    """Numbers of Cyrillic and Latin letters in ``text``, every one counted."""
    cyr = lat = 0
    for ch in text:
        o = ord(ch)
        if 0x0400 <= o <= 0x052F:
            cyr += 1
        elif (0x41 <= o <= 0x5A) or (0x61 <= o <= 0x7A) or (0xC0 <= o <= 0x24F and ch.isalpha()) or o == 0x2BB:
            lat += 1
    return cyr, lat


def script_of(text: str) -> str:
    """``Cyrl``, ``Latn``, ``mixed`` (minority script ≥ 25 % of letters) or ``none``, told as
    :func:`detect_language` tells it (links and tags left out, unless they are all the text has)."""
    _, cyr, lat = _read_sample(text)
    total = cyr + lat
    if total == 0:
        return "none"
    if min(cyr, lat) / total >= MIXED_SHARE:
        return "mixed"
    return "Cyrl" if cyr > lat else "Latn"


def word_ngrams(word: str) -> list[str]:
    """Character 1..MAX_N-grams of one word padded with spaces (`` word ``)."""
    padded = f" {word} "
    n = len(padded)
    return [padded[i:i + size] for size in range(1, MAX_N + 1) for i in range(n - size + 1)]


def ngrams(cleaned: str) -> list[str]:
    """Character n-grams of every word of a cleaned text."""
    return [g for word in cleaned.split() for g in word_ngrams(word)]


def training_sentences() -> dict[str, list[str]]:
    """The training sentences per class, read from ``data/langid``, with derived transliterations."""
    data: dict[str, list[str]] = {}
    for path in sorted(DATA_DIR.glob("*.txt")):
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
        data[path.stem] = [ln for ln in lines if ln and not ln.startswith("#")]
    data.setdefault("uz-Cyrl", []).extend(uz_latn_to_cyrl(unify_uz_apostrophes(s))[0] for s in data.get("uz-Latn", []))
    data.setdefault("ru-Latn", []).extend(ru_cyrl_to_latn(s)[0] for s in data.get("ru", []))
    # Kyrgyz typed on a Russian keyboard (о for ө, у for ү, н for ң) is still Kyrgyz
    plain = [s.translate(_KY_PLAIN) for s in data.get("ky", [])]
    data.setdefault("ky", []).extend(p for p in plain if p not in data["ky"])
    return data


@dataclass
class NgramModel:
    """Naive Bayes over character n-grams; ``log_probs[i, c]`` is log P(gram i | class c)."""

    classes: list[str]
    index: dict[str, int]
    log_probs: np.ndarray
    unseen: np.ndarray
    _words: dict[str, tuple[list[int], int]] = field(default_factory=dict, repr=False)

    @classmethod
    def train(cls, data: dict[str, list[str]]) -> NgramModel:
        classes = [c for c in CLASSES if data.get(c)]
        counts = {c: Counter(g for s in data[c] for g in ngrams(clean(s))) for c in classes}
        vocab = sorted(set().union(*counts.values()))
        index = {g: i for i, g in enumerate(vocab)}
        matrix = np.zeros((len(vocab), len(classes)), dtype=np.float64)
        for j, c in enumerate(classes):
            for g, k in counts[c].items():
                matrix[index[g], j] = k
        totals = matrix.sum(axis=0)
        denom = totals + ALPHA * len(vocab)
        log_probs = np.log((matrix + ALPHA) / denom)
        unseen = np.log(ALPHA / denom)
        return cls(classes, index, log_probs.astype(np.float32), unseen.astype(np.float32))

    def scores(self, words: list[str]) -> dict[str, float]:
        """Log-likelihood per class of a text's words (as :func:`clean` leaves them), mean per n-gram so that
        lengths compare."""
        rows: list[int] = []
        n_grams = 0
        cache = self._words
        index = self.index
        for word in words:
            hit = cache.get(word)
            if hit is None:
                grams = word_ngrams(word)
                hit = ([index[g] for g in grams if g in index], len(grams))
                if len(cache) > 200_000:
                    cache.clear()
                cache[word] = hit
            rows.extend(hit[0])
            n_grams += hit[1]
        if not n_grams:
            return {c: 0.0 for c in self.classes}
        total = self.log_probs[rows].sum(axis=0) if rows else np.zeros(len(self.classes), dtype=np.float32)
        total = total + self.unseen * (n_grams - len(rows))
        return {c: float(v) / n_grams for c, v in zip(self.classes, total)}


@lru_cache(maxsize=1)
def model() -> NgramModel:
    """The trained model (trained once per process)."""
    data = training_sentences()
    trained = NgramModel.train(data)
    logger.debug("language model: %d classes, %d n-grams", len(trained.classes), len(trained.index))
    return trained


def detect_language(text: str, hint: str = "") -> tuple[str, str]:
    """``(lang, script)`` of ``text``: lang in :data:`LANGUAGES`, script in :data:`SCRIPTS`.

    :param hint: a language the source is known to publish in (``ru``, ``uz`` …); it decides close
        calls only, a text plainly in another language is still reported as such.
    """
    sample, cyr, lat = _read_sample(text[:SAMPLE_CHARS])
    total = cyr + lat
    if total == 0:
        return "other", "none"
    script = "mixed" if min(cyr, lat) / total >= MIXED_SHARE else ("Cyrl" if cyr > lat else "Latn")
    dominant = "Cyrl" if cyr >= lat else "Latn"
    words = clean(sample).split()
    scores = model().scores(words)
    bonus = _word_bonus(sample, words[:WORDS_LOOKED_UP], dominant)
    best_class, best = "", -math.inf
    for cls, value in scores.items():
        lang, cls_script = CLASSES[cls]
        if cls_script != dominant or (cls == "ru-Latn" and not _reads_as_russian(words[:WORDS_LOOKED_UP])):
            continue
        if hint and lang == hint.split("-")[0]:
            value += 0.15
        value += bonus.get(cls, 0.0)
        if value > best:
            best_class, best = cls, value
    if not best_class:
        return "other", script
    return CLASSES[best_class][0], script


def _read_sample(text: str) -> tuple[str, int, int]:
    """``text`` without its links and tags (:func:`without_links`) and its numbers of Cyrillic and Latin letters;
    ``text`` as it is when nothing else in it has a letter (a post of hashtags only)."""
    sample = without_links(text)
    cyr, lat = _count_letters(sample)
    if cyr + lat == 0:
        sample = text
        cyr, lat = _count_letters(sample)
    return sample, cyr, lat


def _word_bonus(sample: str, words: list[str], dominant: str) -> dict[str, float]:
    """What whole words add to the n-gram scores.

    In Cyrillic with none of :data:`NON_RUSSIAN_CYRILLIC`, Russian gets :data:`PLAIN_CYRILLIC_BONUS` when every
    word is in pymorphy3's dictionary and loses half of it when none is (slang and names are no dictionary
    words either, so a miss counts less than a hit). In Latin script, English gets its share of function words, and
    so does ``other`` of Turkish ones.
    """
    if not words or (dominant == "Cyrl" and NON_RUSSIAN_CYRILLIC.intersection(sample)):
        return {}
    if dominant == "Cyrl":
        known = sum(map(_is_russian_word, words)) / len(words)
        return {"ru": PLAIN_CYRILLIC_BONUS * max(2 * known - 1, -0.5)}
    english = sum(w in _english_function_words() for w in words) / len(words)
    turkish = sum(w in _turkish_function_words() for w in words) / len(words)
    return {"en": ENGLISH_WORDS_BONUS * english, "other-Latn": TURKISH_WORDS_BONUS * turkish}


def _reads_as_russian(words: list[str]) -> bool:
    """Whether at least :data:`TRANSLIT_RUSSIAN_SHARE` of ``words`` (as :func:`clean` leaves them), read back from
    translit into Cyrillic, are Russian dictionary words: whether a Latin text may be Russian."""
    return sum(map(_is_russian_translit_word, words)) >= TRANSLIT_RUSSIAN_SHARE * len(words)


def russian_share(text: str) -> float:
    """The share of the words of ``text`` that are in pymorphy3's Russian dictionary (0 for no words)."""
    words = clean(text).split()
    return sum(map(_is_russian_word, words)) / len(words) if words else 0.0


@lru_cache(maxsize=20_000)
def _is_russian_word(word: str) -> bool:
    """``word`` is in pymorphy3's Russian dictionary (not merely guessed from its ending)."""
    from tocsin.nlp.morphology import russian_analyzer

    return russian_analyzer().word_is_known(word)


@lru_cache(maxsize=20_000)
def _is_russian_translit_word(word: str) -> bool:
    """``word`` read back from translit into Cyrillic (``vsekh`` → ``всех``) is a Russian dictionary word, with the
    soft sign that translit often leaves out (``vygnat`` → ``выгнать``)."""
    cyrillic = ru_latn_to_cyrl(word)[0]
    return _is_russian_word(cyrillic) or _is_russian_word(cyrillic + "ь")


#: Contractions as :func:`clean` keeps them (one word with its apostrophe), which spaCy's list splits.
_ENGLISH_CONTRACTIONS = frozenset({
    "don't", "dont", "aren't", "isn't", "won't", "wont", "can't", "cant", "doesn't", "didn't", "wasn't", "weren't",
    "we're", "they're", "you're", "it's", "i'm", "let's", "that's", "there's",
})


@lru_cache(maxsize=1)
def _turkish_function_words() -> frozenset[str]:
    """spaCy's Turkish stop words, less those Uzbek Latin or English write too."""
    from spacy.lang.tr.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS) - _SHARED_WITH_UZBEK - _english_function_words()


@lru_cache(maxsize=1)
def _english_function_words() -> frozenset[str]:
    """spaCy's English stop words and the common contractions."""
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS) | _ENGLISH_CONTRACTIONS
