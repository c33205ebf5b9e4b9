""""Never" before a call to exclusion strengthens the prohibition, it does not deny it: "Никогда не давайте узбекам
работу", "Hech qachon oʻzbeklarga ish bermang" and "Эч качан өзбектерге иш бербегиле" are calls, as "Never hire
Uzbeks" is; "Никогда не бейте узбеков" still refuses a call to violence."""

from __future__ import annotations

import pytest

from tocsin.models.negation import negation_scope
from tocsin.nlp import TextAnalyser


def scope_of_first_negation(analyser: TextAnalyser, text: str, lang: str) -> str:
    features = analyser.features(text, lang)
    negation = min((s for s in features.context if s.label == "negation"), key=lambda s: s.start)
    return negation_scope(features, negation)


@pytest.mark.parametrize("text, lang", [
    ("Никогда не давайте узбекам работу", "ru"),
    ("Никогда не берите узбеков на работу", "ru"),
    ("Ни в коем случае не сдавайте квартиры узбекам", "ru"),
    ("Hech qachon oʻzbeklarga ish bermang", "uz"),
    ("Эч качан өзбектерге иш бербегиле", "ky"),
])
def test_never_before_a_call_to_exclusion_governs_nothing(analyser, text, lang):
    features = analyser.features(text, lang)
    assert any(c.exclusion for c in features.cues), "the text holds a call to exclusion"
    assert scope_of_first_negation(analyser, text, lang) == "none"


@pytest.mark.parametrize("text, lang", [
    ("Никто не собирается выгонять узбеков", "ru"),             # a denial, not "never"
    ("It's not true we should drive out the Uzbeks", "en"),
])
def test_other_negations_before_a_call_still_deny_it(analyser, text, lang):
    assert scope_of_first_negation(analyser, text, lang) == "cue"


def test_never_before_a_call_to_violence_still_refuses_it(analyser):
    features = analyser.features("Никогда не бейте узбеков", "ru")
    assert not any(c.exclusion for c in features.cues)
    assert scope_of_first_negation(analyser, "Никогда не бейте узбеков", "ru") == "cue"
