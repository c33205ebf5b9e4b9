"""Hostile and odd input through the rules and the decision: spans stay exact, time stays linear, the one-line
explanation stays readable. Texts are short and fictional."""

from __future__ import annotations

import random
import time
import unicodedata

import pytest

from tocsin.nlp.chunking import sentence_bounds
from tocsin.nlp.normalise import SYMBOL_RUN_KEPT, normalise

#: Seconds a hostile text of the sizes below may take; before the fixes each took from 20 s to minutes.
QUICK_S = 5.0

CALLS = [
    ("Узбеков надо выгнать из Оша", "ru", "uzbek", "call_to_expulsion", "osh"),
    ("Өзбектерди Оштон кууп чыгуу керек", "ky", "uzbek", "call_to_expulsion", "osh"),
    ("Oʻzbeklarni Oʻshdan haydash kerak", "uz", "uzbek", "call_to_expulsion", "osh"),
    ("Drive the Uzbeks out of Osh", "en", "uzbek", "call_to_expulsion", "osh"),
]
#: Characters an evasion or a careless editor puts into words.
ODD = ["\u200b", "\u200d", "\u00ad", "\u2060", "\ufeff", "\u200f", "\u202e", "\x00", "\u0301", "\u0308", "\u0338",
       "\u034f", "😀", "👍🏽", "\U000e0041", "\ufe0f", "\ud800"]


def assert_exact(text, feats):
    for s in feats.spans:
        assert 0 <= s.start <= s.end <= len(text) and text[s.start:s.end] == s.text, (text, s)


def test_spans_are_exact_whatever_odd_characters_are_put_in(analyser):
    rng = random.Random(11)
    for _ in range(300):
        base = list(rng.choice(CALLS)[0])
        for _ in range(rng.randint(1, 5)):
            base.insert(rng.randint(0, len(base)), rng.choice(ODD))
        text = unicodedata.normalize(rng.choice(["NFC", "NFD"]), "".join(base))
        assert_exact(text, analyser.features(text))


def test_a_long_run_of_sentence_end_marks_is_split_in_linear_time():
    text = "Узбеков надо выгнать" + "!" * 60_000   # no white space after it: no sentence end
    began = time.perf_counter()
    bounds = sentence_bounds(text), sentence_bounds(text + " Да")
    assert time.perf_counter() - began < QUICK_S
    assert bounds == ([(0, len(text))], [(0, len(text) + 1), (len(text) + 1, len(text) + 3)])


@pytest.mark.parametrize("symbol", ["!", "😀", "_", "₽", "«"])
def test_a_long_run_of_symbols_after_a_call_is_read_in_linear_time(analyser, symbol):
    text = "Узбеков надо выгнать из Оша " + symbol * 15_000
    began = time.perf_counter()
    feats = analyser.features(text)
    assert time.perf_counter() - began < QUICK_S
    assert (feats.groups, feats.hallmarks, [p.label for p in feats.places]) == (["uzbek"], ["call_to_expulsion"], ["osh"])
    assert_exact(text, feats)


def test_a_cut_run_of_symbols_maps_back_to_the_whole_run():
    raw = "Оша" + "!" * 50 + " да"
    n = normalise(raw)
    assert n.text == "Оша" + "!" * SYMBOL_RUN_KEPT + " да"
    assert n.to_original(3, 3 + SYMBOL_RUN_KEPT) == (3, 53)


def test_a_long_token_full_of_colons_is_read_in_linear_time(analyser):
    text = "Узбеков надо выгнать из Оша " + "1:" * 40_000
    began = time.perf_counter()
    feats = analyser.features(text, "ru")
    assert time.perf_counter() - began < QUICK_S
    assert feats.hallmarks == ["call_to_expulsion"]


@pytest.mark.parametrize("raw, expected", [
    ("Узбек\u0301ов", "Узбеков"),          # к + acute is not Macedonian ќ
    ("вы\u0308гнать", "выгнать"),          # ы + diaeresis is not ӹ
    ("О\u0308ша", "Оша"),                  # О + diaeresis is not Ӧ
    ("Oʻzbe\u0303klarni", "Oʻzbeklarni"),  # e + tilde is not ẽ
    ("е\u0308 у\u0306 и\u0306 cafe\u0301", "ё ў й café"),   # letters of the alphabets read are composed
])
def test_a_mark_composes_only_into_a_letter_of_the_alphabets_read(raw, expected):
    assert normalise(raw).text == expected


def test_accents_put_on_a_call_do_not_hide_it(analyser):
    text = "Узбек\u0301ов надо вы\u0308гнать из О\u0308ша"
    feats = analyser.features(text)
    assert (feats.groups, feats.hallmarks, [p.label for p in feats.places]) == (["uzbek"], ["call_to_expulsion"], ["osh"])
    assert [t.text for t in feats.targets] == ["Узбек\u0301ов"]
    assert_exact(text, feats)


@pytest.mark.parametrize("odd", ["\u202e", "\x00", "\u200b", "\ud800", "\u2066"])
def test_the_explanation_quotes_no_invisible_or_reordering_character(decide_texts, odd):
    text = f"Узбеков {odd}надо выгнать{odd} из Оша"
    feats, analysis = decide_texts([text])[text]
    assert analysis.incitement
    assert odd not in analysis.explanation
    assert "'Узбеков надо выгнать'" in analysis.explanation
    assert any(odd in s["text"] for s in analysis.spans)   # the evidence keeps the text as it is
    assert_exact(text, feats)


@pytest.mark.parametrize("text", [
    " ".join(["узбеки"] * 40),
    " ".join(["Uzbeks"] * 60),
    "#узбеки #кыргызы #таджики #Ош " * 10,
    " ".join(["өзбектер жана кыргыздар"] * 20),
])
def test_a_long_text_of_group_names_only_is_not_flagged(decide_texts, text):
    _, analysis = decide_texts([text])[text]
    assert not analysis.incitement
    assert "it only names a group" in analysis.explanation


def test_a_batch_of_degenerate_texts_loses_no_item(decide_texts):
    texts = ["", " ", "\x00", "\ud800", "😀" * 50, "1234567890", "!!!???...", "\u200f\u202e", "ʻʻʻʻ", "\u0301" * 100,
             "🇰🇬🇺🇿", "\ufffe\uffff", "\U0010ffff", "!" * 30_000, "_" * 30_000]
    decided = decide_texts(texts)
    assert len(decided) == len(set(texts))
    for text, (feats, analysis) in decided.items():
        assert not analysis.incitement and analysis.explanation
        assert_exact(text, feats)
