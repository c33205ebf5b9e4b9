"""``TextAnalyser``: normalise, identify the language, run the rule pipeline, map spans back.

    from tocsin.nlp import TextAnalyser
    analyser = TextAnalyser(settings.nlp)
    features = analyser.features("Узбеков надо выгнать из Оша")
    features.groups, features.hallmarks, [s.text for s in features.spans]
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable

from tocsin.config import check_nlp
from tocsin.nlp.chunking import split_chunks
from tocsin.nlp.features import Features, Span
from tocsin.nlp.language import detect_language
from tocsin.nlp.lexicon import expand_word_lists, patterns_version, read_lexicons, words_of
from tocsin.nlp.normalise import ACCENTLESS_LATIN, HASHTAG, NormalisedText, normalise
from tocsin.nlp.pipeline import SPANS_KEY, WORDS_KEY, build_pipeline, prepare_pattern_text
from tocsin.nlp.pipelines import Pipelines
from tocsin.nlp.runs import language_runs, letters_sample
from tocsin.nlp.translit import ru_latn_to_cyrl, uz_cyrl_to_latn
from tocsin.nlp.women import WOMEN_WORD_LISTS, WomenWords

logger = logging.getLogger(__name__)

#: Latin words (not URLs, mentions or hashtags) in a Russian text: translit to map back to Cyrillic.
_LATIN_WORD = re.compile(r"(?<![\w@#/.:])[A-Za-z][A-Za-z'\u02bb\u02bc]*(?![\w/@]|[.:][\w/])")
#: Rules that are code, not lexicon entries.
_BUILT_IN_RULES = {"quotation": "builtin.quote_marks", "negation": "builtin.negating_suffix"}
_KIND_TO_FIELD = {"target": "targets", "place": "places", "cue": "cues", "context": "context"}
#: The word lists of words that begin like a lexicon word but are others ("кызмат", service, is not "кыз", girl);
#: an operator's extra lexicon adds to them with ``"extends": true``, or defines ``lookalikes_local``, left free for it.
LOOKALIKE_WORD_LISTS = ("lookalikes", "lookalikes_local")


@dataclass
class _Settings:
    languages: list[str]
    extra_lexicons: list[str]
    max_chunk_chars: int


def _read_settings(settings: Any) -> _Settings:
    if settings is None:
        return _Settings(["ru", "ky", "uz", "en"], [], 100_000)
    return _Settings(
        list(getattr(settings, "languages", ["ru", "ky", "uz", "en"])),
        list(getattr(settings, "extra_lexicons", [])),
        int(getattr(settings, "max_chunk_chars", 100_000)),
    )


class TextAnalyser:
    """Builds the spaCy pipelines once; turns texts into :class:`~tocsin.nlp.features.Features`.

    :param settings: ``settings.nlp`` (languages, extra_lexicons, max_chunk_chars); None for defaults.
    :param on_demand: build each language's pipeline when a text first needs it, not all of them now (a
        one-off command over texts of one language starts sooner; a daemon builds them all up front).
    :raises tocsin.nlp.lexicon.LexiconError: a lexicon file is missing or wrong.
    """

    def __init__(self, settings: Any = None, *, on_demand: bool = False):
        self.settings = _read_settings(settings)
        check_nlp(self.settings)
        written = read_lexicons(self.settings.extra_lexicons)
        entries = expand_word_lists(written)
        self.entries = {e.id: e for e in entries}
        self.patterns_version = patterns_version(self.settings.extra_lexicons)
        women, recipes = {}, {}
        for lang in dict.fromkeys(self.settings.languages):
            women[lang] = _prepared(words_of(written, WOMEN_WORD_LISTS, lang), lang)
            lookalikes = _prepared(words_of(written, LOOKALIKE_WORD_LISTS, lang), lang)
            recipes[lang] = partial(self._built, lang, entries, women[lang] | lookalikes)
        self.pipelines = Pipelines(recipes)
        if not on_demand:
            self.pipelines.build_all()
        self.women = WomenWords(women, {lang: _lemma_function(self.pipelines, lang) for lang in self.pipelines})

    def _built(self, lang: str, entries: list[Any], words: frozenset[str]) -> Any:
        """The rule pipeline of ``lang``, able to take a chunk of the configured size."""
        nlp = build_pipeline(lang, entries, words)
        nlp.max_length = max(nlp.max_length, self.settings.max_chunk_chars * 4 + 1000)
        return nlp

    def features(self, text: str, lang_hint: str = "") -> Features:
        """Features of one text (see :meth:`features_many`)."""
        return self.features_many([text], [lang_hint])[0]

    def features_many(self, texts: list[str], lang_hints: list[str] | None = None) -> list[Features]:
        """Features of each text: language, script, normalised text and evidence spans.

        Spans carry offsets into the ORIGINAL text: ``span.text == text[span.start:span.end]``.
        """
        return self._run(texts, lang_hints, None)

    def languages(self, texts: list[str], lang_hints: list[str]) -> list[Features]:
        """Language, script and normalised text of each text, without running the rules (no spans): what the
        classifier needs to read a text."""
        return [self._prepare(text or "", hint or "", foreign=False)[0] for text, hint in zip(texts, lang_hints)]

    def explain(self, text: str, lang_hint: str = "") -> list[dict[str, Any]]:
        """Every span of ``text`` with the lexicon entry that found it: id, meaning and why.

        For a monitor asking "why this word?" and for lexicon maintainers; spans found by a built-in
        rule (quote marks, a negating verb suffix) name that rule instead.
        """
        rules: list[dict[Span, str]] = [{}]
        feats = self._run([text], [lang_hint], rules)[0]
        out = []
        for span in feats.spans:
            rule = rules[0].get(span, "")
            entry = self.entries.get(rule)
            out.append({**span.to_dict(), "rule": rule or _BUILT_IN_RULES.get(span.label, ""),
                        "meaning": entry.meaning if entry else "", "why": entry.why if entry else ""})
        return out

    def _run(self, texts: list[str], lang_hints: list[str] | None, rules: list[dict[Span, str]] | None) -> list[Features]:
        if lang_hints is None:
            lang_hints = [""] * len(texts)
        if len(lang_hints) != len(texts):
            raise ValueError(f"features_many: {len(texts)} texts but {len(lang_hints)} language hints")
        results: list[Features] = []
        jobs: dict[str, list[tuple[int, int, NormalisedText]]] = {}
        for i, (text, hint) in enumerate(zip(texts, lang_hints)):
            if text is None:
                text = ""
            if not isinstance(text, str):
                raise TypeError(f"features_many: text {i} is {type(text).__name__}, not str")
            feats, chunks = self._prepare(text, hint or "")
            results.append(feats)
            for offset, norm, lang in chunks:
                if lang in self.pipelines:
                    jobs.setdefault(lang, []).append((i, offset, norm))
        hashtags = [hashtag_spans(feats.text) for feats in results]
        for lang, items in jobs.items():
            nlp = self.pipelines[lang]
            docs = nlp.pipe((norm.text for _, _, norm in items), batch_size=256)
            for (i, offset, norm), doc in zip(items, docs):
                self._collect(results[i], doc, norm, offset, lang, rules[i] if rules is not None else None, hashtags[i])
        for feats in results:
            for name in _KIND_TO_FIELD.values():   # a sentence read in two languages may give a span twice
                unique = {(s.start, s.end, s.label): s for s in reversed(getattr(feats, name))}
                setattr(feats, name, sorted(unique.values(), key=lambda s: (s.start, s.end, s.label)))
        return results

    def _prepare(self, text: str, hint: str, foreign: bool = True) -> tuple[Features, list[tuple[int, NormalisedText, str]]]:
        """Normalise and identify the language (from the text's words); the pieces for the rule pipelines, each
        with its offset and the language it is read in: every chunk in the text's language, and (``foreign``)
        each sentence plainly in another language in that one too (see :mod:`tocsin.nlp.runs`)."""
        feats = Features(text=text, patterns_version=self.patterns_version)
        chunks = [(offset, piece, normalise(piece)) for offset, piece in split_chunks(text, self.settings.max_chunk_chars)]
        feats.lang, feats.script = detect_language(letters_sample(norm.text for _, _, norm in chunks), hint)
        prepared: list[tuple[int, NormalisedText, str]] = []
        whole: list[str] = []
        for offset, piece, normalised in chunks:
            norm = self._readable(normalised, feats.lang, feats.script)
            prepared.append((offset, norm.with_hashtag_words(), feats.lang))
            whole.append(norm.text)
            runs = language_runs(piece, feats.lang, feats.script, self.pipelines, detect_language) if foreign else []
            for start, run, lang, script in runs:
                if lang != feats.lang:
                    readable = self._readable(normalise(run), lang, script)
                    prepared.append((offset + start, readable.with_hashtag_words(), lang))
        feats.normalised = "".join(whole) if len(whole) > 1 else (whole[0] if whole else "")
        return feats, prepared

    @staticmethod
    def _readable(norm: NormalisedText, lang: str, script: str) -> NormalisedText:
        """``norm`` in the script its language's rules are written in (Uzbek in Latin, Russian in Cyrillic), without
        accents on the Latin letters of a language that writes none (:data:`~tocsin.nlp.normalise.ACCENTLESS_LATIN`)."""
        if lang == "uz" and script != "Latn":
            norm = norm.transliterated(uz_cyrl_to_latn)
        if lang == "ru" and script != "Cyrl":
            return norm.replaced_words(_LATIN_WORD, ru_latn_to_cyrl)
        return norm.without_latin_accents() if lang in ACCENTLESS_LATIN else norm

    def _collect(self, feats: Features, doc, norm: NormalisedText, offset: int, lang: str,
                 rules: dict[Span, str] | None, hashtags: list[tuple[int, int]]) -> None:
        """Add the spans the rules found in one piece of the text (at ``offset``) to its features; ``hashtags`` are
        the text's (:func:`hashtag_spans`), found once for all its pieces."""
        original = feats.text
        feats.speaks_of_women = feats.speaks_of_women or self.women.spoken_of(lang, doc.user_data.get(WORDS_KEY, frozenset()))
        seen: set[tuple[str, str, int, int]] = set()
        for span in doc.spans.get(SPANS_KEY, []):
            kind, _, label = span.label_.partition("|")
            field_name = _KIND_TO_FIELD.get(kind)
            if field_name is None:
                continue
            start, end = norm.to_original(span.start_char, span.end_char)
            start, end = start + offset, end + offset
            key = (kind, label, start, end)
            if key in seen or end <= start:
                continue
            if label == "negation" and inside_hashtag(start, end, hashtags):
                continue   # a slogan's "No" ("#NoMixedMarriages", "#NoToHate") denies nothing it says
            seen.add(key)
            entry = self.entries.get(span.id_)
            found = Span(kind, label, original[start:end], start, end, entry.form if entry else "")
            getattr(feats, field_name).append(found)
            if rules is not None:
                rules[found] = span.id_


def hashtag_spans(text: str) -> list[tuple[int, int]]:
    """Where each hashtag of ``text`` stands, from its "#" to its end, in order (none overlap)."""
    return [m.span() for m in HASHTAG.finditer(text)] if "#" in text else []


def inside_hashtag(start: int, end: int, hashtags: list[tuple[int, int]]) -> bool:
    """Whether ``start``–``end`` lies inside one of ``hashtags`` (:func:`hashtag_spans`), after its "#": only the last
    one that starts before ``start`` can hold it."""
    k = bisect_left(hashtags, (start,)) - 1
    return k >= 0 and end <= hashtags[k][1]


def _prepared(words: frozenset[str], lang: str) -> frozenset[str]:
    """Words as the patterns of ``lang`` write them (normalised and lower-cased, as lemmas come out)."""
    return frozenset(prepare_pattern_text(w, lang).lower() for w in words)


def _lemma_function(pipelines: Pipelines, lang: str) -> Callable[[str], str]:
    """The lemma of a lower-cased word by the lemmatiser of the pipeline of ``lang`` (see
    :mod:`tocsin.nlp.morphology`), built when first asked."""
    return lambda word: pipelines[lang].get_pipe("tocsin_lemmas").lemmatiser.analyse(word)[0]


def build_analyser(settings: Any = None) -> TextAnalyser:
    """A :class:`TextAnalyser` for ``settings`` (``settings.nlp`` or a whole Settings object)."""
    return TextAnalyser(getattr(settings, "nlp", settings))


__all__ = ["TextAnalyser", "build_analyser", "patterns_version"]
