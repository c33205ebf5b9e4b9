"""spaCy pipelines: blank ``ru``, ``ky``, ``en`` and ``xx`` (Uzbek) with tocsin's rule components.

Components, in order:

``tocsin_lemmas``
    sets ``token.lemma_`` and ``token.morph`` from :class:`~tocsin.nlp.morphology.Lemmatiser`
    (pymorphy3 for Russian, lexicon-guided suffix stripping for Kyrgyz, Uzbek and English).
``span_ruler``
    spaCy's SpanRuler, patterns from the JSONL lexicons, writing to ``doc.spans["tocsin"]``
    with labels ``kind|label`` (``target|uzbek``, ``cue|call_to_violence`` …); spans may overlap.
``tocsin_context``
    adds quotation spans (text between quote marks) and negation carried by a verb suffix.
``tocsin_filters``
    drops targets that are homonyms (``not_target`` patterns) or surnames next to a given name.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span as SpacySpan

from tocsin.nlp.lexicon import LexiconEntry
from tocsin.nlp.morphology import Lemmatiser
from tocsin.nlp.normalise import normalise
from tocsin.nlp.translit import uz_cyrl_to_latn

logger = logging.getLogger(__name__)

SPANS_KEY = "tocsin"
#: spaCy language code of each pipeline (Uzbek has no spaCy language: ``xx``).
SPACY_LANG = {"ru": "ru", "ky": "ky", "en": "en", "uz": "xx", "kk": "kk", "tg": "xx"}
#: Placeholder in token patterns replaced by the lemmas of every target group word of the language.
GROUP_PLACEHOLDER = "$GROUP"
_QUOTES = re.compile(r"«[^«»\n]{1,600}»|“[^“”\n]{1,600}”|„[^„“”\n]{1,600}[“”]|\"[^\"\n]{1,600}\"")


@Language.factory("tocsin_lemmas", default_config={"lang": "ru"})
def make_lemmas(nlp: Language, name: str, lang: str) -> LemmaComponent:
    return LemmaComponent(lang)


class LemmaComponent:
    """Sets ``lemma_`` and ``morph`` on every token (see :mod:`tocsin.nlp.morphology`)."""

    def __init__(self, lang: str):
        self.lang = lang
        self.lemmatiser = Lemmatiser(lang)
        self.given_names: frozenset[str] = frozenset()

    def set_known(self, known: set[str], given_names: set[str]) -> None:
        """Give the lexicon's keys (lemmas and stems) and the given names it lists."""
        self.lemmatiser = Lemmatiser(self.lang, known)
        self.given_names = frozenset(given_names)

    def __call__(self, doc: Doc) -> Doc:
        analyse = self.lemmatiser.analyse
        for token in doc:
            lower = token.lower_
            if not token.is_alpha and not any(c.isalpha() for c in lower):
                continue
            lemma, morph, surface = analyse(lower)
            if token.is_title and (lower in self.given_names or self.lemmatiser.is_given_name(lower)):
                morph = f"{morph}|NameType=Giv" if morph else "NameType=Giv"
            token.lemma_ = lemma
            token.norm_ = surface
            if morph:
                token.set_morph(morph)
        return doc


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
        for token in doc:
            if "Polarity=Neg" in str(token.morph):
                spans.append(SpacySpan(doc, token.i, token.i + 1, label="context|negation"))
        doc.spans[SPANS_KEY] = spans
        return doc


@Language.factory("tocsin_filters")
def make_filters(nlp: Language, name: str) -> FilterComponent:
    return FilterComponent()


class FilterComponent:
    """Removes targets that are homonyms or parts of a person's name; removes helper spans."""

    def __call__(self, doc: Doc) -> Doc:
        spans = list(doc.spans.get(SPANS_KEY, []))
        blocks = [s for s in spans if s.label_.startswith(("not_target|", "name|"))]
        kept = []
        for s in spans:
            kind = s.label_.split("|", 1)[0]
            if kind in ("not_target", "name"):
                continue
            if kind == "target":
                if any(b.label_.startswith("not_target|") and b.start < s.end and s.start < b.end for b in blocks):
                    continue
                if _is_person_name(doc, s):
                    continue
            kept.append(s)
        doc.spans[SPANS_KEY] = _longest_per_label(kept)
        return doc


def _longest_per_label(spans: list[SpacySpan]) -> list[SpacySpan]:
    """Of overlapping spans with the same label keep the longest (optional tokens yield several)."""
    by_label: dict[str, list[SpacySpan]] = {}
    for s in spans:
        by_label.setdefault(s.label_, []).append(s)
    out: list[SpacySpan] = []
    for group in by_label.values():
        if len(group) == 1:
            out.extend(group)
            continue
        chosen: list[SpacySpan] = []
        for s in sorted(group, key=lambda x: (-(x.end - x.start), x.start)):
            if all(s.end <= c.start or c.end <= s.start for c in chosen):
                chosen.append(s)
        out.extend(chosen)
    return sorted(out, key=lambda x: (x.start, x.end))


def _is_person_name(doc: Doc, span: SpacySpan) -> bool:
    """A capitalised group word next to a given name (``Иван Русских``, ``Azamat Uzbekov``)."""
    first = doc[span.start]
    if not first.is_title:
        return False
    neighbours = []
    if span.start > 0:
        neighbours.append(doc[span.start - 1])
    if span.end < len(doc):
        neighbours.append(doc[span.end])
    return any(t.is_title and "NameType=Giv" in str(t.morph) for t in neighbours)


def prepare_pattern_text(text: str, lang: str) -> str:
    """Normalise a lexicon phrase the way texts of ``lang`` are normalised before matching."""
    norm = normalise(text)
    if lang == "uz":
        norm = norm.transliterated(uz_cyrl_to_latn)
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


def _collect_keys(token_patterns: list[dict[str, Any]], keys: set[str]) -> None:
    for tp in token_patterns:
        for attr in ("LEMMA", "NORM"):
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


def _normalise_token_pattern(tp: dict[str, Any], lang: str) -> dict[str, Any]:
    """Normalise the string values of LEMMA/LOWER in a hand-written token pattern.

    ``LOWER`` becomes ``NORM``: the lower-cased word with emphasis repeats undone.
    """
    out = dict(tp)
    if "LOWER" in out:
        out["NORM"] = out.pop("LOWER")
    for attr in ("LEMMA", "NORM"):
        value = out.get(attr)
        if isinstance(value, str) and value != GROUP_PLACEHOLDER:
            out[attr] = prepare_pattern_text(value, lang).lower()
        elif isinstance(value, dict):
            out[attr] = {op: ([prepare_pattern_text(v, lang).lower() for v in vals] if op in ("IN", "NOT_IN") else vals)
                         for op, vals in value.items()}
    return out


def build_pipeline(lang: str, entries: list[LexiconEntry]) -> Language:
    """A blank spaCy pipeline for ``lang`` with the rule components and the entries that apply to it."""
    nlp = spacy.blank(SPACY_LANG.get(lang, "xx"))
    nlp.add_pipe("tocsin_lemmas", config={"lang": lang})
    ruler = nlp.add_pipe("span_ruler", config={"spans_key": SPANS_KEY, "overwrite": False, "validate": False})
    nlp.add_pipe("tocsin_context")
    nlp.add_pipe("tocsin_filters")

    mine = [e for e in entries if e.applies_to(lang)]
    compiled: list[tuple[LexiconEntry, list[dict[str, Any]]]] = []
    keys: set[str] = set()
    group_lemmas: set[str] = set()
    given: set[str] = set()
    for e in mine:
        if isinstance(e.pattern, str):
            tokens = _phrase_tokens(nlp, e.pattern, lang)
        else:
            tokens = [_normalise_token_pattern(tp, lang) for tp in e.pattern]
        if not tokens:
            continue
        _collect_keys(tokens, keys)
        if e.kind == "target" and len(tokens) == 1 and isinstance(tokens[0].get("LEMMA"), str):
            group_lemmas.add(tokens[0]["LEMMA"])
        if e.kind == "name":
            given.update(t["LEMMA"] for t in tokens if isinstance(t.get("LEMMA"), str))
        compiled.append((e, tokens))
    keys.discard(GROUP_PLACEHOLDER)
    nlp.get_pipe("tocsin_lemmas").set_known(keys, given)
    patterns = []
    groups = sorted(group_lemmas)
    for e, tokens in compiled:
        patterns.append({"label": f"{e.kind}|{e.label}", "pattern": _expand_groups(tokens, groups), "id": e.id})
    ruler.add_patterns(patterns)
    logger.debug("pipeline %s: %d patterns, %d lexicon keys", lang, len(patterns), len(keys))
    return nlp
