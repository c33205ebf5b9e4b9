"""A mixed marriage shamed ("… вышла замуж за узбека. Позор семье!", "… тажикке турмушка чыкты. Урукка уят!") questions
the in-group loyalty of the one who married: the shame word there is no condemnation of hate, which it was read as.
Shame heaped on those who harass the couple stays a condemnation. So does one who married into a group declared dead
to the family ("…, для рода умерла", "She is dead to us")."""

from __future__ import annotations

import pytest

SHAMED = [
    "Айгүл тажикке турмушка чыкты, ата-энеси тойго барыптыр. Урукка уят! Мындайлардан баш тартыш керек.",
    "Dilnoza tojik yigitga turmushga chiqibdi, ota-onasi toʻyini ham qilib beribdi. Uyat! Bunday oilani mahalladan "
    "chiqarish kerak.",
    "Наша соседка вышла замуж за узбека. Позор семье!",
    "Азамат орус кызына үйлөндү. Уят!",
    "Her brother married a Uyghur girl. Shame on the whole family.",
    "Акмал қирғиз қизига уйланибди. Оилага шармандалик!",
]

DEFENDED = [
    "Some idiots shouted at Aigul for marrying a Tajik. Shame on them!",
    "Соседку травят за то, что вышла за узбека. Позор травителям!",
    "Моя сестра вышла замуж за узбека, свадьба была чудесная. Позор тем, кто их осуждает.",
    "Айгүл тажикке турмушка чыкты, бактылуу болсун! Аны сындагандарга уят.",
    "Dilnoza tojik yigitga turmushga chiqdi, baxtli boʻlsin. Ularni haqorat qilganlarga uyat!",
    "My cousin married a Russian girl last spring. Shame the weather ruined the photos.",
]


#: One who married into a group disowned: dead to the family.
DISOWNED = [
    "Кыз, которая вышла за узбека, для рода умерла.",
    "Сестра вышла замуж за таджика — для семьи она умерла.",
    "She married a Tajik. She is dead to us now.",
]

#: Not disowned: the death denied, or someone else's.
NOT_DISOWNED = [
    "Моя сестра вышла за узбека, и для нас она не умерла: мы ездим к ним каждый праздник.",
    "Она вышла за узбека, а для родителей умер её брат, погибший в аварии.",
    "My aunt married a Kyrgyz man in 1990; nobody treated her as dead to the family, we visit every summer.",
]


@pytest.fixture(scope="module")
def decided(decide_texts):
    return decide_texts(SHAMED + DEFENDED + DISOWNED + NOT_DISOWNED)


@pytest.mark.parametrize("text", SHAMED)
def test_a_mixed_marriage_shamed_questions_loyalty_and_is_no_condemnation(decided, text):
    features, analysis = decided[text]
    assert "questioning_ingroup_loyalty" in {c.label for c in features.cues}, [(c.label, c.text) for c in features.cues]
    assert "condemnation" not in {c.label for c in features.context}
    assert "lowered by condemnation" not in analysis.explanation


def test_a_shamed_marriage_with_a_call_to_cast_the_family_out_is_flagged(decided):
    _, analysis = decided[SHAMED[1]]
    assert analysis.incitement and "questioning ingroup loyalty" in analysis.explanation, analysis.explanation


@pytest.mark.parametrize("text", DEFENDED)
def test_shame_on_those_who_harass_the_couple_is_no_loyalty_cue(decided, text):
    features, analysis = decided[text]
    assert "questioning_ingroup_loyalty" not in {c.label for c in features.cues}
    assert not analysis.incitement, (analysis.score, analysis.explanation)


@pytest.mark.parametrize("text", DISOWNED)
def test_one_who_married_into_a_group_declared_dead_to_the_family_questions_loyalty(decided, text):
    features, _ = decided[text]
    assert "questioning_ingroup_loyalty" in {c.label for c in features.cues}, [(c.label, c.text) for c in features.cues]


@pytest.mark.parametrize("text", NOT_DISOWNED)
def test_a_death_denied_or_someone_elses_disowns_no_one(decided, text):
    features, analysis = decided[text]
    cues = [(c.label, c.text) for c in features.cues]
    assert "questioning_ingroup_loyalty" not in {label for label, _ in cues}, cues
    assert not analysis.incitement, (analysis.score, analysis.explanation)
