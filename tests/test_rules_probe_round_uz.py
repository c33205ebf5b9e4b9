"""Uzbek probe round: wordings of Uzbek posts that the probe lines of a lexicon round found missing, in Latin and
Cyrillic script (the Cyrillic text is read transliterated), read through the whole pipeline. Each hateful line must
carry its cue; each friendly, neutral or news line with the same words must not."""

from __future__ import annotations

import pytest

#: (text, the hallmark a cue must find in it)
FOUND = [
    ("Ruslar chemodan, vokzal, Rossiya!", "call_to_expulsion"),
    ("Oʻzbeklar soat 8 dan keyin koʻchaga chiqmasin.", "call_to_expulsion"),
    ("Тожиклар соат 9 дан кейин ташқарига чиқмасин.", "call_to_expulsion"),
    ("Qirgʻizlar kechqurun koʻchaga chiqmasinlar!", "call_to_expulsion"),
    ("Uygʻurlar Oʻshda yashamasin.", "call_to_expulsion"),
    ("Тожиклар Тошкентда ишламасин.", "call_to_expulsion"),
    ("Tojiklarga non sotmang, ular bizni xonavayron qildi.", "call_to_expulsion"),
    ("Дунганларга гўшт сотманглар!", "call_to_expulsion"),
    ("Turklarning mashinalarini sindiringlar.", "call_to_violence"),
    ("Қозоқларнинг дўконларини бузинглар!", "call_to_violence"),
    ("Nega hali ham tojiklarga uy ijaraga beryapsiz?", "questioning_ingroup_loyalty"),
    ("Нега ҳали ҳам русларга уй сотяпсиз?", "questioning_ingroup_loyalty"),
]

#: (friendly, neutral or news text with the same words, the hallmark it must not get)
NOT_FOUND = [
    ("Bolalar kechasi koʻchaga chiqmasin, xavfli.", "call_to_expulsion"),
    ("Qirgʻizlar bugun koʻchaga chiqmasin, havo juda sovuq.", "call_to_expulsion"),
    ("Men chemodan olib vokzalga bordim.", "call_to_expulsion"),
    ("Yongʻoqlarini chaqing, keyin tuyib oling.", "call_to_violence"),
    ("Eski uylarni buzing, yangi qurilish boshlanadi.", "call_to_violence"),
    ("Nega hali ham qozoqlarga yozmayapsiz?", "questioning_ingroup_loyalty"),
]


@pytest.fixture(scope="module")
def decided(decide_texts):
    return decide_texts([t for t, _ in FOUND + NOT_FOUND])


@pytest.mark.parametrize("text,label", FOUND)
def test_new_uzbek_cue_is_found(decided, text, label):
    features, _ = decided[text]
    assert label in {c.label for c in features.cues}, [(c.label, c.text) for c in features.cues]


@pytest.mark.parametrize("text,label", NOT_FOUND)
def test_same_words_in_a_friendly_or_neutral_text_are_no_cue(decided, text, label):
    features, _ = decided[text]
    assert label not in {c.label for c in features.cues}, [(c.label, c.text) for c in features.cues]


def test_a_group_called_our_citizens_too_is_inclusion(decide_texts):
    texts = ["Uygʻurlar ham bizning fuqarolarimiz, ularni himoya qilish kerak.", "Дунганлар ҳам бизнинг юртдошларимиз."]
    for text, (features, analysis) in decide_texts(texts).items():
        assert "inclusion" in {c.label for c in features.context}, text
        assert not analysis.incitement, text


def test_we_will_not_forgive_the_traitors_is_no_negation(decide_texts):
    (features, analysis), = decide_texts(["Ruslarga yordam bergan xoinlarni kechirmaymiz."]).values()
    assert "negation" not in {c.label for c in features.context}
    assert analysis.incitement
