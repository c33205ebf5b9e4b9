"""Negations that deny nothing: a Kyrgyz or Uzbek verb that is negated and conditional at once ("tojiklar ketmasa, …":
if the Tajiks do not leave, …) states the condition of a threat, and set phrases such as "not far from", "it is no
secret that …" and "hech boʻlmasa" (at least) assert what they say."""

from __future__ import annotations

import pytest

from tocsin.models.negation import negation_scope


def scopes(analyser, text: str, lang: str) -> list[tuple[str, str]]:
    features = analyser.features(text, lang)
    return [(n.text, negation_scope(features, n)) for n in features.context if n.label == "negation"]


@pytest.mark.parametrize("text, lang, verb", [
    ("Juma kuni soat oltigacha tojiklar Fargʻonadan ketmasa, koʻchalarida qon toʻkiladi.", "uz", "ketmasa"),
    ("Эртага соат тушгача дунганлар Фарғонадан кетмаса, уйларини кул қиламиз.", "uz", "кетмаса"),
])
def test_a_negated_conditional_verb_is_a_condition_not_a_denial(analyser, text, lang, verb):
    assert (verb, "none") in scopes(analyser, text, lang)


def test_a_negated_verb_that_is_not_conditional_still_denies(analyser):
    # "the Tajiks did not leave Fergana": a statement about a group, read as a negation of unknown reach
    assert scopes(analyser, "Tojiklar Fargʻonadan ketmadi.", "uz") == [("ketmadi", "unknown")]


@pytest.mark.parametrize("text, lang", [
    ("Qorasuvdan uzoq boʻlmagan togʻlarda oʻzbeklar yigitlarini tayyorlamoqda.", "uz"),
    ("Ўшдан узоқ бўлмаган тоғларда ўзбеклар йигитларини тайёрламоқда.", "uz"),
    ("Оштон алыс эмес тоолордо өзбектер жигиттерин даярдап жатышат.", "ky"),
    ("Not far from Osh the Uzbeks are training their young men in camps.", "en"),
    ("Ни для кого не секрет, что уйгуры собираются по ночам.", "ru"),
    ("It's no secret that the Uyghurs gather at night.", "en"),
    ("Hech boʻlmasa oʻzbeklar bilan gaplashib koʻring.", "uz"),
])
def test_set_phrases_hold_no_negation(analyser, text, lang):
    assert scopes(analyser, text, lang) == []


def test_the_set_phrases_leave_the_words_they_share_negations(analyser):
    # "boʻlmaganda" (had they not been) is still a negation: the phrases must not make "boʻlmagan" a dictionary word
    found = [text for text, _ in scopes(analyser, "Tojik qoʻshnilar boʻlmaganda, biz bugun yoʻq edik.", "uz")]
    assert "boʻlmaganda" in found


@pytest.mark.parametrize("text, lang", [
    ("Выгнать узбеков из Оша? Конечно, нет.", "ru"),
    ("Выгнать узбеков из Оша? Нет, это не выход.", "ru"),
    ("Are the Kazakhs taking our jobs? Of course not.", "en"),
    ("Qirgʻizlarni haydash kerakmi? Yoʻq.", "uz"),
])
def test_a_no_after_a_question_answers_it(analyser, text, lang):
    assert scopes(analyser, text, lang)[0][1] == "cue"


def test_a_negation_with_words_of_its_own_after_a_question_does_not_answer_it(analyser):
    # "then you are not one of us": a verdict on the reader, not a "no" to the question
    text = "Топишь за команду таджиков против наших? Тогда ты не с нами."
    assert scopes(analyser, text, "ru")[0] == ("не", "none")


@pytest.mark.parametrize("text", ["Куда они ни придут, там тиф.", "Что ни день, то новая беда."])
def test_a_russian_concessive_ni_is_no_negation(analyser, text):
    assert scopes(analyser, text, "ru") == []


def test_ni_that_is_not_concessive_still_negates(analyser):
    assert [word for word, _ in scopes(analyser, "Узбеки ни в чём не виноваты.", "ru")] == ["ни", "не"]



@pytest.mark.parametrize("text, denial", [
    ("Qozoqlar yerimizni tortib olmoqchi, degan gap to’g’ri emas.", "degan gap to’g’ri emas"),
    ("Qirgʻizlar uylarimizni yoqmoqchi, degan gap rost emas.", "degan gap rost emas"),
])
def test_a_claim_denied_after_the_comma_of_its_quotative_is_a_denial_of_its_cue(analyser, text, denial):
    # "the saying that the Kazakhs want to seize our land is not true": the comma before "degan" ends the words denied,
    # not the denial's clause
    assert (denial, "cue") in scopes(analyser, text, "uz")
