"""spaCy pipelines: blank ``ru``, ``ky``, ``en`` and ``xx`` (Uzbek) with tocsin's rule components.

Components, in order:

``tocsin_lemmas``
    sets ``token.lemma_`` and ``token.morph`` from :class:`~tocsin.nlp.morphology.Lemmatiser`
    (pymorphy3 for Russian, lexicon-guided suffix stripping for Kyrgyz, Uzbek and English).
``tocsin_sentences``
    marks the first token of every sentence (the project's one sentence splitter) for ``IS_SENT_START``.
``span_ruler``
    spaCy's SpanRuler with the lexicons' phrases, matched on ``LEMMA``, writing to
    ``doc.spans["tocsin"]`` with labels ``kind|label`` (``target|uzbek``, ``place|osh`` …); spans may overlap.
``tocsin_token_rules``
    the token patterns (cues with grammar), grouped by the words they need; a doc runs only the groups whose
    words it holds.
``tocsin_context``
    adds quotation spans (text between quote marks) and negation carried by a verb suffix.
``tocsin_filters``
    drops targets that are homonyms (``not_target`` patterns) or surnames, context markers inside a
    set phrase that does not carry them (``not_context``: "пока не поздно" is no negation), and cues inside
    one that uses their word plainly (``not_cue``: "collect the garbage", "разводят свиней").
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from itertools import combinations
from typing import Any, Callable, Iterable

import numpy
import spacy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span as SpacySpan

from tocsin.nlp.chunking import sentence_bounds
from tocsin.nlp.lexicon import LexiconEntry
from tocsin.nlp.morphology import Lemmatiser
from tocsin.nlp.normalise import ACCENTLESS_LATIN, normalise
from tocsin.nlp.translit import uz_cyrl_to_latn

logger = logging.getLogger(__name__)

SPANS_KEY = "tocsin"
NEGATED_KEY = "tocsin_negated"
WORDS_KEY = "tocsin_words"
#: Morphological features the rules test, set as ``token.tag_``: the names of those a token has, joined
#: by "+" (``NEG+PSOR1PL`` for Kyrgyz аябайбыз "we will not spare"), so that a pattern on one feature is a
#: set lookup in the Matcher. A negated imperative or verbal noun (өлтүрбөгүлө "do not kill") is ``NEG``,
#: not ``IMP`` or ``INF``: a pattern for a call must not read a refusal.
TAG_OF_FEATURE = {"Psor=1Pl": "PSOR1PL", "Mood=Imp": "IMP", "VerbForm=Inf": "INF", "Polarity=Neg": "NEG"}
_NEGATION_OVERRIDES = ("IMP", "INF")
#: Id suffix of a pattern compiled without its closing ``"OP": "!"`` token, for matches that end the text
#: (where no word follows, so none that must not follow can).
AT_TEXT_END = "#end"
#: spaCy language code of each pipeline (Uzbek, Kazakh and Tajik have none in spaCy: ``xx``).
SPACY_LANG = {"ru": "ru", "ky": "ky", "en": "en", "uz": "xx", "kk": "xx", "tg": "xx"}
#: Placeholder in token patterns replaced by the lemmas of every target group word of the language.
GROUP_PLACEHOLDER = "$GROUP"
#: Quantifiers after which a token must be present at least once.
_MANDATORY_OP = re.compile(r"(?:|\+|1|\{[1-9]\d*(?:,\d*)?\})\Z")
#: Quotations: «…» (with one «…» inside it or more: «Устроить им «субботник»: …»), “…”, „…“, "…", and '…' or ‘…’
#: when the marks stand outside words (the same marks serve as apostrophes inside them: don't, oʻzbek, o‘zbek,
#: o'zbek), with no apostrophe within but one between two letters ('don't sell land to Uzbeks').
_QUOTES = re.compile(r"«(?:[^«»\n]|«[^«»\n]{0,600}»){1,600}»|“[^“”\n]{1,600}”|„[^„“”\n]{1,600}[“”]|\"[^\"\n]{1,600}\"|"
                     r"(?<!\w)['‘](?=\w)(?:[^'‘’\n]|(?<=\w)['’](?=\w)){1,300}?(?<=[\w.!?,…])['’](?!\w)")


#: Longer "words" (a pasted blob, a base64 image, a run of one letter) get no lemma: analysing a word costs
#: time and memory that grow faster than its length (a 100,000-letter one took a minute and 4 GB).
LONGEST_WORD = 100


@Language.factory("tocsin_lemmas", default_config={"lang": "ru"})
def make_lemmas(nlp: Language, name: str, lang: str) -> LemmaComponent:
    return LemmaComponent(lang)


class LemmaComponent:
    """Sets ``lemma_`` and ``morph`` on every token (see :mod:`tocsin.nlp.morphology`)."""

    def __init__(self, lang: str):
        self.lang = lang
        self.lemmatiser = Lemmatiser(lang)
        self.given_names: frozenset[str] = frozenset()

    def set_known(self, known: set[str], given_names: set[str], plain_typed: set[str] = frozenset(),
                  surfaces: set[str] = frozenset()) -> None:
        """Give the lexicon's keys (lemmas and stems), the given names it lists, the keys (group words,
        places) also found when typed without the language's special letters, and the word forms the
        patterns name (``LOWER``), recovered from emphasis repeats."""
        self.lemmatiser = Lemmatiser(self.lang, known, plain_typed=plain_typed, surfaces=surfaces)
        self.given_names = frozenset(given_names)

    def __call__(self, doc: Doc) -> Doc:
        analyse = self.lemmatiser.analyse
        negated: list[int] = []
        words: set[str] = set()
        for token in doc:
            lower = token.lower_
            if len(lower) > LONGEST_WORD or (not token.is_alpha and not any(c.isalpha() for c in lower)):
                words.add(token.norm_)   # spaCy's norm ("—", "–", "--" are "-"), as patterns' values are made
                continue
            lemma, morph, surface = analyse(lower)
            if token.is_title and (lower in self.given_names or self.lemmatiser.is_given_name(lower)):
                morph = f"{morph}|NameType=Giv" if morph else "NameType=Giv"
            token.lemma_ = lemma
            token.norm_ = surface
            words.add(lemma)
            words.add(surface)
            if morph:
                token.set_morph(morph)
                tag = _tag_for(morph)
                if tag:
                    token.tag_ = tag
                if "Polarity=Neg" in morph:
                    negated.append(token.i)
        doc.user_data[NEGATED_KEY] = negated
        doc.user_data[WORDS_KEY] = words
        return doc


def _tag_for(morph: str) -> str:
    names = [name for feature, name in TAG_OF_FEATURE.items() if feature in morph]
    if "NEG" in names:
        names = [name for name in names if name not in _NEGATION_OVERRIDES]
    return "+".join(sorted(names))


#: Every tag a token can have (:func:`_tag_for` of every set of the features) that holds each feature's name.
_ALL_TAGS = {_tag_for("|".join(combo)) for size in range(1, len(TAG_OF_FEATURE) + 1)
             for combo in combinations(TAG_OF_FEATURE, size)}
TAGS_WITH = {name: sorted(tag for tag in _ALL_TAGS if name in tag.split("+")) for name in TAG_OF_FEATURE.values()}


def _forbids_next_word(tokens: list[dict[str, Any]]) -> bool:
    """Whether a pattern ends in a token that must not be there (``"OP": "!"``): the word that must not follow."""
    return bool(tokens) and tokens[-1].get("OP") == "!"


@Language.factory("tocsin_sentences")
def make_sentences(nlp: Language, name: str) -> Any:
    return mark_sentence_starts


def mark_sentence_starts(doc: Doc) -> Doc:
    """Sets ``is_sent_start`` from the project's sentence splitter, so that ``IS_SENT_START`` in a pattern
    means the start of any sentence of the text, not only of its first."""
    if not len(doc):
        return doc
    starts = {start for start, _ in sentence_bounds(doc.text)}
    marks = numpy.full(len(doc), -1, dtype=numpy.int64)
    marks[0] = 1
    opening = False
    for token in doc:   # the first word of each sentence, past any white space or emoji it opens with
        opening = opening or token.idx in starts
        if opening and not token.is_space and not is_decoration(token.text):
            marks[token.i] = 1
            opening = False
    # one array for the whole doc: setting ``token.is_sent_start`` one token at a time rescans the doc each time
    doc.from_array([SENT_START], marks.astype(numpy.uint64).reshape(-1, 1))
    return doc


#: Unicode categories of characters that decorate a post without being words or punctuation: emoji and other
#: symbols, their modifiers and joiners.
_DECORATION = frozenset({"So", "Sk", "Sm", "Cf", "Mn", "Me", "Co", "Cs"})


def is_decoration(text: str) -> bool:
    """Whether a token is only emoji or other symbols ("🔥🔥", "‼️"): a sentence that opens with them ("🔥 Узбеков
    из Оша выгнать!") still starts at its first word."""
    return bool(text) and all(unicodedata.category(c) in _DECORATION for c in text)


@Language.factory("tocsin_token_rules")
def make_token_rules(nlp: Language, name: str) -> TokenRulesComponent:
    return TokenRulesComponent(nlp)


class TokenRulesComponent:
    """The token patterns, each run only on docs holding the words it needs.

    spaCy's Matcher tries every one of its patterns at every token, so one Matcher for all ~1,000 patterns of a
    language costs ~1,000 tries a token. Here the patterns are grouped by what they need (the words their
    mandatory tokens name, and the regular expressions those tokens' word forms must match), one Matcher a
    group, and a doc runs only the groups whose needs it meets: most short posts run none, a post naming a
    group and a verb of violence a few dozen patterns.
    """

    def __init__(self, nlp: Language):
        self.vocab = nlp.vocab
        self.groups: list[_PatternGroup] = []
        self._group_of: dict[tuple[Any, ...], _PatternGroup] = {}
        #: Index of every group a word can open (the words of its first needed token), and the groups needing no
        #: particular word: checked on every doc (their regular expressions), or run on every doc (no needs).
        self.opened_by: dict[str, list[int]] = {}
        self.unindexed: list[int] = []
        self.spans_of: dict[int, tuple[str, str]] = {}

    @property
    def patterns(self) -> list[dict[str, Any]]:
        """Every pattern added, as given."""
        return [p for group in self.groups for p in group.patterns]

    def add_patterns(self, patterns: list[dict[str, Any]]) -> None:
        """Add token patterns (``{"label", "pattern", "id"}``), grouped by what they need."""
        for p in patterns:
            needs = _needs(p["pattern"])
            group = self._group_of.get(needs)
            if group is None:
                group = self._group_of[needs] = _PatternGroup(*needs, Matcher(self.vocab, validate=False))
                self.groups.append(group)
                index = len(self.groups) - 1
                for word in group.opening_words:
                    self.opened_by.setdefault(word, []).append(index)
                if not group.opening_words:
                    self.unindexed.append(index)
            key = _match_key(p)
            self.spans_of[self.vocab.strings.add(key)] = (p["label"], p["id"])
            group.matcher.add(key, [p["pattern"]])
            group.patterns.append(p)

    def groups_for(self, words: set[str]) -> list[_PatternGroup]:
        """The groups whose needs a doc holding ``words`` (lemmas and word forms) meets."""
        chosen = set(self.unindexed)
        for word in words:
            chosen.update(self.opened_by.get(word, ()))
        lines = "\n".join(words) if chosen else ""
        found: dict[re.Pattern[str], bool] = {}   # many groups need the same word forms: each searched once
        return [self.groups[i] for i in sorted(chosen) if self.groups[i].rest_met_by(words, lines, found)]

    def __call__(self, doc: Doc) -> Doc:
        runs = self.groups_for(doc.user_data.get(WORDS_KEY, set()))
        if not runs:
            return doc
        found = set()
        for matcher in self._matchers_for(doc, runs):
            # allow_missing: a chunk of punctuation has no lemmas, and a doc may have no tags or morphology
            for match_id, start, end in matcher(doc, allow_missing=True):
                if start != end:
                    label, span_id = self.spans_of[match_id]
                    found.add(SpacySpan(doc, start, end, label=label, span_id=span_id))
        doc.spans[SPANS_KEY] = [*doc.spans.get(SPANS_KEY, []), *sorted(found)]
        return doc

    def _matchers_for(self, doc: Doc, runs: list[_PatternGroup]) -> list[Matcher]:
        """The groups' Matchers, or one Matcher made for this doc with all their patterns when that costs less.

        Each run of a Matcher makes a token object for every word of the doc: for a long article meeting
        the needs of dozens of groups that is most of the time, and one Matcher (compiled in about 80 µs a
        pattern) runs several times faster."""
        patterns = sum(len(group.patterns) for group in runs)
        if (len(runs) - 1) * len(doc) <= RUNS_PER_COMPILED_PATTERN * patterns:
            return [group.matcher for group in runs]
        matcher = Matcher(self.vocab, validate=False)
        for group in runs:
            for p in group.patterns:
                matcher.add(_match_key(p), [p["pattern"]])
        return [matcher]


class _PatternGroup:
    """Patterns with the same needs, and their Matcher: a word of each set in ``word_sets`` and a word form
    matching each expression in ``forms``."""

    def __init__(self, word_sets: tuple[frozenset[str], ...], forms: tuple[str, ...], matcher: Matcher):
        self.word_sets = word_sets
        self.forms = [re.compile(rx, re.MULTILINE) for rx in forms]
        self.matcher = matcher
        self.patterns: list[dict[str, Any]] = []

    @property
    def opening_words(self) -> frozenset[str]:
        """The words of the first set (the index ``opened_by`` finds the group by), none when there is no set."""
        return self.word_sets[0] if self.word_sets else frozenset()

    def rest_met_by(self, words: set[str], lines: str, found: dict[re.Pattern[str], bool]) -> bool:
        """Whether a doc whose ``words`` (the same, one a line, as ``lines``) hold one of the opening words
        meets the other needs (``found``: whether each word form expression searched so far was found)."""
        return (all(not need.isdisjoint(words) for need in self.word_sets[1:])
                and all(_found(rx, lines, found) for rx in self.forms))


def _found(rx: re.Pattern[str], lines: str, found: dict[re.Pattern[str], bool]) -> bool:
    """Whether ``rx`` is found in ``lines``, searched once and remembered in ``found``."""
    hit = found.get(rx)
    if hit is None:
        hit = found[rx] = rx.search(lines) is not None
    return hit


def _match_key(pattern: dict[str, Any]) -> str:
    """The Matcher's key of a pattern: its label and id (found again in ``spans_of``)."""
    return repr((pattern["label"], pattern["id"]))


#: An expression tried on a doc's words one a line means what it means on one word unless it is anchored to
#: the whole string, looks around, sets flags or names white space: such expressions choose no doc.
_NOT_LINE_BY_LINE = re.compile(r"\\[AZzsSn]|\(\?(?:[=!a-zA-Z]|<[=!])")


def _needs(tokens: list[dict[str, Any]]) -> tuple[tuple[frozenset[str], ...], tuple[str, ...]]:
    """What a doc must hold for the pattern to match, from its mandatory tokens: the words each names (its
    ``LEMMA`` or ``NORM`` is one of them), and the regular expressions on ``NORM`` one of its words must match
    (those tried line by line, see :data:`_NOT_LINE_BY_LINE`; the pattern is simply run more often)."""
    word_sets: list[frozenset[str]] = []
    forms: list[str] = []
    for tp in tokens:
        if not _MANDATORY_OP.match(str(tp.get("OP", ""))):
            continue
        for attr in ("LEMMA", "NORM"):
            value = tp.get(attr)
            if isinstance(value, str):
                word_sets.append(frozenset([value]))
            elif isinstance(value, dict) and set(value) == {"IN"}:
                word_sets.append(frozenset(value["IN"]))
            elif attr == "NORM" and isinstance(value, dict) and isinstance(value.get("REGEX"), str) \
                    and not _NOT_LINE_BY_LINE.search(value["REGEX"]):
                forms.append(value["REGEX"])
    return tuple(dict.fromkeys(word_sets)), tuple(dict.fromkeys(forms))


#: Words read by one more Matcher run that cost about as much as compiling one pattern into a Matcher.
RUNS_PER_COMPILED_PATTERN = 140


@Language.factory("tocsin_context")
def make_context(nlp: Language, name: str) -> ContextComponent:
    return ContextComponent()


class ContextComponent:
    """Quotations (text between quote marks) and negation carried by a verb suffix."""

    def __call__(self, doc: Doc) -> Doc:
        spans = list(doc.spans.get(SPANS_KEY, []))
        for m in _QUOTES.finditer(doc.text):
            span = doc.char_span(m.start(), m.end(), label="context|quotation", alignment_mode="expand")
            if span is not None:
                spans.append(span)
        for i in doc.user_data.get(NEGATED_KEY, ()):
            spans.append(SpacySpan(doc, i, i + 1, label="context|negation"))
        doc.spans[SPANS_KEY] = spans
        return doc


@Language.factory("tocsin_filters")
def make_filters(nlp: Language, name: str) -> FilterComponent:
    return FilterComponent()


class FilterComponent:
    """Removes targets that are homonyms or parts of a person's name, and cues built on such a word ("beat the
    Kyrgyz-language lyceum"); removes cues inside a phrase that uses their word plainly ("collect the garbage");
    removes helper spans; trims the token a pattern's closing ``"OP": "!"`` (the word
    that must not follow: "not a single Uzbek" but not "… Uzbek family") matched, which is no part of the
    evidence (at the very end of the text, a pattern matches without that token), and the punctuation at a
    cue's ends."""

    def __init__(self) -> None:
        #: Ids of the entries whose pattern ends in a token that must not be there.
        self.trim_last: set[str] = set()
        #: The form of each cue or context entry that has one (``exclusion``, ``forward``), by id.
        self.forms: dict[str, str] = {}

    def __call__(self, doc: Doc) -> Doc:
        spans = [s for s in doc.spans.get(SPANS_KEY, []) if _holds_here(s)]
        blocks = [s for s in spans if s.label_.startswith(("not_target|", "not_context|", "not_cue|"))]
        kept = []
        for s in spans:
            kind, _, label = s.label_.partition("|")
            if kind in ("not_target", "not_context", "not_cue", "name"):
                continue
            if kind in ("target", "cue") and _overlaps(s, blocks, "not_target|"):
                continue
            if kind == "cue" and _within(s, blocks, f"not_cue|{label}"):
                continue
            if kind == "target" and _is_person_name(doc, s):
                continue
            if kind == "context" and _overlaps(s, blocks, f"not_context|{label}"):
                continue
            if s.id_ in self.trim_last and len(s) > 1:
                s = SpacySpan(doc, s.start, s.end - 1, label=s.label_, span_id=s.id_)
            elif s.id_.endswith(AT_TEXT_END):   # matched without the closing token: nothing to trim, its own id
                s = SpacySpan(doc, s.start, s.end, label=s.label_, span_id=s.id_[:-len(AT_TEXT_END)])
            if kind == "cue":
                s = _from_word_start(doc, _without_edge_punctuation(doc, s))
            kept.append(s)
        doc.spans[SPANS_KEY] = _longest_per_label(kept, self.forms)
        return doc


def _holds_here(span: SpacySpan) -> bool:
    """Whether a match stands: one of a pattern's :data:`AT_TEXT_END` variant only where nothing but white
    space follows it."""
    return not span.id_.endswith(AT_TEXT_END) or all(t.is_space for t in span.doc[span.end:])


def _without_edge_punctuation(doc: Doc, span: SpacySpan) -> SpacySpan:
    """A cue without the punctuation at its ends. A pattern that opens with a guard ("any word but a negation")
    may start on the punctuation that ends the sentence before ("Нет! Выгнать узбеков!" matched "! Выгнать
    узбеков"): the cue starts after it, in its own sentence. One that ends on a required comma or "!"
    ("Гнать узбеков, …") keeps it out of the evidence."""
    start, end = span.start, span.end
    while start < end - 1 and (doc[start].is_punct or doc[start].is_space):
        start += 1
    while end > start + 1 and (doc[end - 1].is_punct or doc[end - 1].is_space):
        end -= 1
    return span if (start, end) == (span.start, span.end) else SpacySpan(doc, start, end, label=span.label_, span_id=span.id_)


def _from_word_start(doc: Doc, span: SpacySpan) -> SpacySpan:
    """A cue that starts inside a word starts at the word's beginning: a pattern that opens on the "n't" the
    tokenizer splits from "Don't" quotes "Don't rent to Uzbeks", not "n't rent to Uzbeks"."""
    start = span.start
    while start > 0 and doc[start - 1].is_alpha and not doc[start - 1].whitespace_ and not doc[start].is_punct:
        start -= 1
    return span if start == span.start else SpacySpan(doc, start, span.end, label=span.label_, span_id=span.id_)


def _overlaps(span: SpacySpan, blocks: list[SpacySpan], label_prefix: str) -> bool:
    return any(b.label_.startswith(label_prefix) and b.start < span.end and span.start < b.end for b in blocks)


def _within(span: SpacySpan, blocks: list[SpacySpan], label: str) -> bool:
    """Whether ``span`` lies inside a block labelled ``label`` (a cue word inside a phrase that uses it plainly:
    not a longer cue that only touches one)."""
    return any(b.label_ == label and b.start <= span.start and span.end <= b.end for b in blocks)


def _longest_per_label(spans: list[SpacySpan], forms: dict[str, str]) -> list[SpacySpan]:
    """Of overlapping spans with the same label and form keep the longest (optional tokens yield several): a call
    to exclusion does not swallow a call to expulsion beside it ("Гнать узбеков и в Ош не пускать!")."""
    by_label: dict[tuple[str, str], list[SpacySpan]] = {}
    for s in spans:
        by_label.setdefault((s.label_, forms.get(s.id_, "")), []).append(s)
    out: list[SpacySpan] = []
    for group in by_label.values():
        if len(group) == 1:
            out.extend(group)
            continue
        taken: set[int] = set()
        for s in sorted(group, key=lambda x: (x.start - x.end, x.start)):
            cells = range(s.start, s.end)
            if not any(i in taken for i in cells):
                taken.update(cells)
                out.append(s)
    return sorted(out, key=lambda x: (x.start, x.end))


_INITIALS = re.compile(r"^(?:[^\W\d_]\.){1,3}$")
_TITLES = {"г-н", "г-жа", "господин", "госпожа", "mr", "mrs", "ms", "dr", "мырза", "айым", "janob", "xonim"}


def _is_person_name(doc: Doc, span: SpacySpan) -> bool:
    """A capitalised group word used as a surname: next to a given name (``Иван Русских``,
    ``Азамат Узбеков``), after initials (``А. Б. Узбеков``) or a title (``г-н Киргизов``, ``Mr Turk``)."""
    first = doc[span.start]
    if not first.is_title:
        return False
    before = doc[span.start - 1] if span.start > 0 else None
    after = doc[span.end] if span.end < len(doc) else None
    for t in (before, after):
        if t is not None and t.is_title and "NameType=Giv" in str(t.morph):
            return True
    if before is not None:
        if _INITIALS.match(before.text) and before.text[0].isupper():
            return True
        if before.lower_.rstrip(".") in _TITLES:
            return True
    return False


def prepare_pattern_text(text: str, lang: str) -> str:
    """Normalise a lexicon phrase the way texts of ``lang`` are normalised before matching."""
    norm = normalise(text)
    if lang == "uz":
        norm = norm.transliterated(uz_cyrl_to_latn)
    if lang in ACCENTLESS_LATIN:
        norm = norm.without_latin_accents()
    if lang == "ru":  # the Russian lemmatiser compares words without ё
        return norm.text.replace("ё", "е").replace("Ё", "Е")
    return norm.text


def _phrase_tokens(nlp: Language, phrase: str, lang: str) -> list[dict[str, Any]]:
    doc = nlp.make_doc(prepare_pattern_text(phrase, lang))
    out: list[dict[str, Any]] = []
    for tok in doc:
        if tok.is_space:
            continue
        if tok.text == "*":
            out.append({"OP": "?"})
        else:
            out.append({"LEMMA": tok.lower_} if any(c.isalpha() for c in tok.text) else {"ORTH": tok.text})
    return out


def _collect_keys(token_patterns: list[dict[str, Any]], attr: str, keys: set[str]) -> None:
    """Add the string values that ``attr`` (LEMMA or NORM) takes in the patterns to ``keys``."""
    for tp in token_patterns:
        value = tp.get(attr)
        if isinstance(value, str):
            keys.add(value)
        elif isinstance(value, dict):
            for op in ("IN", "NOT_IN"):
                keys.update(v for v in value.get(op, []) if isinstance(v, str))


def _expand_groups(token_patterns: list[dict[str, Any]], group_lemmas: list[str]) -> list[dict[str, Any]]:
    out = []
    for tp in token_patterns:
        if tp.get("LEMMA") == GROUP_PLACEHOLDER:
            tp = {**tp, "LEMMA": {"IN": group_lemmas}}
        out.append(tp)
    return out


def _normalise_token_pattern(tp: dict[str, Any], lang: str, vocab: Any) -> dict[str, Any]:
    """Normalise the string values of LEMMA/LOWER in a hand-written token pattern.

    ``LOWER`` becomes ``NORM``: the lower-cased word with emphasis repeats undone; a value without letters takes
    spaCy's norm of it, as the text's punctuation does ("—", "–" and "--" are "-", "«" and "”" are '"').
    """
    out = dict(tp)
    if "LOWER" in out:
        out["NORM"] = out.pop("LOWER")
    morph = out.get("MORPH")
    if isinstance(morph, dict) and set(morph) == {"IS_SUPERSET"} and len(morph["IS_SUPERSET"]) == 1 \
            and morph["IS_SUPERSET"][0] in TAG_OF_FEATURE and "TAG" not in out:
        out["TAG"] = {"IN": TAGS_WITH[TAG_OF_FEATURE[out.pop("MORPH")["IS_SUPERSET"][0]]]}
    def normalised(value: str, attr: str) -> str:
        if attr == "NORM" and not any(c.isalpha() for c in value):
            return vocab[value].norm_
        return prepare_pattern_text(value, lang).lower()

    for attr in ("LEMMA", "NORM"):
        value = out.get(attr)
        if isinstance(value, str) and value != GROUP_PLACEHOLDER:
            out[attr] = normalised(value, attr)
        elif isinstance(value, dict):
            out[attr] = {op: ([normalised(v, attr) for v in vals] if op in ("IN", "NOT_IN") else vals)
                         for op, vals in value.items()}
    return out


#: The longest token spaCy's web-address pattern is tried on. That pattern takes a time that grows with the square
#: of a token's length when the token holds many colons (a 32,000-character "a:a:…" took 3 s, a chunk of 100,000 half
#: a minute); a longer token is no address a post gives, and is taken apart like any other.
URL_TOKEN_CHARS = 4096


@dataclass(frozen=True)
class _ShortTokenURLs:
    """spaCy's ``url_match``, tried only on tokens of at most :data:`URL_TOKEN_CHARS` characters."""

    match: Callable[[str], Any]

    def __call__(self, token: str) -> Any:
        return self.match(token) if len(token) <= URL_TOKEN_CHARS else None


def build_pipeline(lang: str, entries: list[LexiconEntry], words: Iterable[str] = ()) -> Language:
    """A blank spaCy pipeline for ``lang`` with the rule components and the entries that apply to it.

    :param words: dictionary forms to lemmatise to besides the entries' (words a caller looks for in
        ``token.lemma_``, and words that only look like an inflected form of a lexicon word).
    """
    nlp = spacy.blank(SPACY_LANG.get(lang, "xx"))
    if nlp.tokenizer.url_match is not None:
        nlp.tokenizer.url_match = _ShortTokenURLs(nlp.tokenizer.url_match)
    nlp.add_pipe("tocsin_lemmas", config={"lang": lang})
    nlp.add_pipe("tocsin_sentences")
    ruler = nlp.add_pipe("span_ruler", config={"spans_key": SPANS_KEY, "overwrite": False, "validate": False,
                                               "phrase_matcher_attr": "LEMMA"})
    token_rules = nlp.add_pipe("tocsin_token_rules")
    nlp.add_pipe("tocsin_context")
    nlp.add_pipe("tocsin_filters")

    mine = [e for e in entries if e.applies_to(lang)]
    compiled: list[tuple[LexiconEntry, list[dict[str, Any]]]] = []
    keys: set[str] = set()
    group_lemmas: set[str] = set()
    plain_typed: set[str] = set()
    surfaces: set[str] = set()
    given: set[str] = set()
    for e in mine:
        if isinstance(e.pattern, str):
            variants = [_phrase_tokens(nlp, e.pattern, lang)]
        else:
            variants = [[_normalise_token_pattern(tp, lang, nlp.vocab) for tp in split]
                        for split in _hyphen_splits(nlp, e.pattern)]
        tokens = variants[0]
        if not tokens:
            continue
        for variant in variants:
            _collect_keys(variant, "LEMMA", keys)
            _collect_keys(variant, "NORM", surfaces)
        if e.kind == "target" and len(tokens) == 1 and isinstance(tokens[0].get("LEMMA"), str):
            group_lemmas.add(tokens[0]["LEMMA"])
        if e.kind in ("target", "place"):
            plain_typed.update(t["LEMMA"] for t in tokens if isinstance(t.get("LEMMA"), str))
        if e.kind == "name":  # used by the lemma component to mark given names; no spans needed
            given.update(t["LEMMA"] for t in tokens if isinstance(t.get("LEMMA"), str))
            continue
        compiled.extend((e, variant) for variant in variants)
    keys.update(words)
    keys.discard(GROUP_PLACEHOLDER)
    surfaces.discard(GROUP_PLACEHOLDER)
    nlp.get_pipe("tocsin_lemmas").set_known(keys, given, plain_typed, surfaces)
    phrases: list[dict[str, Any]] = []
    token_patterns: list[dict[str, Any]] = []
    groups = sorted(group_lemmas)
    for e, tokens in compiled:
        label = f"{e.kind}|{e.label}"
        if isinstance(e.pattern, str) and "*" not in e.pattern:
            # phrases go to the PhraseMatcher on LEMMA (hash lookups, cost independent of their number)
            phrases.append({"label": label, "pattern": prepare_pattern_text(e.pattern, lang), "id": e.id})
        else:
            for variant in _split_first_token(_expand_groups(tokens, groups)):
                token_patterns.append({"label": label, "pattern": variant, "id": e.id})
                if _forbids_next_word(variant) and len(variant) > 1:
                    token_patterns.append({"label": label, "pattern": variant[:-1], "id": e.id + AT_TEXT_END})
    ruler.add_patterns(phrases)
    token_rules.add_patterns(token_patterns)
    filters = nlp.get_pipe("tocsin_filters")
    filters.trim_last = {e.id for e, tokens in compiled if _forbids_next_word(tokens)}
    filters.forms = {e.id: e.form for e, _ in compiled if e.form}
    logger.debug("pipeline %s: %d phrases, %d token patterns, %d lexicon keys", lang, len(phrases), len(token_patterns), len(keys))
    return nlp


#: The attributes whose words a hand-written token pattern names.
_WORD_ATTRS = ("LOWER", "ORTH", "TEXT", "NORM", "LEMMA")


def _hyphen_splits(nlp: Language, pattern: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The pattern, and one more for each hyphenated word of a token (one with no ``OP``) that the tokenizer
    takes apart ("aka-uka", "semi-final", "qurol-yarogʻ" are three tokens each, which no single token matches):
    that word's pieces, each as a token, in the token's place."""
    out = [pattern]
    for i, tp in enumerate(pattern):
        if "OP" in tp:
            continue
        for attr in _WORD_ATTRS:
            value = tp.get(attr)
            words = [value] if isinstance(value, str) else value.get("IN", []) if isinstance(value, dict) else []
            for word in words:
                if not isinstance(word, str) or "-" not in word.strip("-"):
                    continue
                pieces = [t.text for t in nlp.tokenizer(word)]
                if len(pieces) > 1:
                    out.append([*pattern[:i], *({"LOWER": piece} for piece in pieces), *pattern[i + 1:]])
    return out


def _split_first_token(tokens: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """``[{"LEMMA": {"IN": [a, b]}}, …]`` -> one pattern per value.

    The Matcher evaluates set-membership predicates on every token for every pattern; plain equality
    on the first token is checked in C and is much cheaper.
    """
    first = tokens[0]
    for attr in ("LEMMA", "NORM"):
        value = first.get(attr)
        if isinstance(value, dict) and set(value) == {"IN"} and "OP" not in first:
            return [[{**first, attr: v}, *tokens[1:]] for v in value["IN"]]
    return [tokens]
