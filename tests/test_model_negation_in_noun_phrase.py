"""A negation inside a noun phrase that names a group (a relative clause, an attributive participle) says what the
group's people do not do; it does not deny the call the sentence makes: "Tajiks who do not speak our language should
be driven out", "hurmat qilmaydigan oʻzbeklarni haydab chiqarish kerak", "Не уважающих наши законы узбеков надо
выгнать". A clause about what is not done *to* a group still governs the cue after it."""

from __future__ import annotations

import pytest

from tocsin.models.negation import negation_scope
from tocsin.nlp import TextAnalyser


def negation_scopes_of(analyser: TextAnalyser, text: str, lang: str) -> list[str]:
    features = analyser.features(text, lang)
    return [negation_scope(features, n) for n in features.context if n.label == "negation"]


@pytest.mark.parametrize("text, lang", [
    ("Tajiks who do not speak our language should be driven out of Osh.", "en"),
    ("Uzbeks that don't pay rent must be driven out.", "en"),
    ("Kyrgyz who never learned our ways should be expelled.", "en"),
    ("Qonunlarimizni hurmat qilmaydigan oʻzbeklarni haydab chiqarish kerak.", "uz"),
    ("Қонунларимизни ҳурмат қилмайдиган ўзбекларни ҳайдаб чиқариш керак.", "uz"),
    ("Ishchilarini oʻzbeklar orasidan yollaydigan fermer — oʻz xalqiga non bermaydigan sotqin.", "uz"),
    ("Не уважающих наши законы узбеков надо выгнать.", "ru"),
])
def test_a_negation_describing_the_group_governs_no_cue(analyser, text, lang):
    assert analyser.features(text, lang).cues, "the text holds a cue"
    assert negation_scopes_of(analyser, text, lang) == ["none"]


@pytest.mark.parametrize("text, lang", [
    ("We do not think Tajiks should be driven out.", "en"),               # no relative clause
    ("Those who don't beat Uzbeks are real men.", "en"),                  # the clause is about what is done to them
    ("Qirgʻizlarni urmaydigan yigitlar haqiqiy erkaklar.", "uz"),        # likewise: the group is in the participle's clause
    ("Не надо выгонять узбеков.", "ru"),                                  # "не" before no participle
])
def test_other_negations_still_govern_the_cue(analyser, text, lang):
    assert negation_scopes_of(analyser, text, lang) == ["cue"]


def test_a_russian_participle_that_does_not_agree_with_the_group_is_not_its_description(analyser):
    # "lads who do not beat Uzbeks": the participle agrees with "парни", not with "узбеков"
    assert negation_scopes_of(analyser, "Не бьющие узбеков парни настоящие мужчины.", "ru") != ["none"]


def test_without_a_cue_such_a_negation_denies_nothing_either(analyser):
    text = "Ishchilarini uygʻurlar orasidan yollaydigan doʻkon egasi — oʻz ukalariga non bermaydigan odam."
    features = analyser.features(text, "uz")
    assert not features.cues
    assert negation_scopes_of(analyser, text, "uz") == ["none"]
