"""Calls to keep a group out of work or a place, in the everyday wordings a boycott post uses, and cue spans
that quote whole words ("Don't rent to Uzbeks", not "n't rent to Uzbeks")."""

from __future__ import annotations

import pytest

from tocsin.nlp import TextAnalyser


def exclusion_cues(analyser: TextAnalyser, text: str) -> list[str]:
    """The text of every exclusion cue the rules find in a text."""
    return [s.text for s in analyser.features(text).spans if s.kind == "cue" and s.exclusion]


@pytest.mark.parametrize("text, quoted", [
    ("Never hire an Uzbek", "Never hire an Uzbek"),
    ("Never hire any Uzbeks", "Never hire any Uzbeks"),
    ("Don't let Uzbeks work here", "Don't let Uzbeks work here"),
    ("Never let the Tajiks live in our street", "never let the Tajiks live in"),
    ("Не давайте узбекам работу", "Не давайте узбекам работу"),
    ("Не давайте работу узбекам", "Не давайте работу узбекам"),
    ("Не давайте таджикам ни одного места на рынке", "Не давайте таджикам ни одного места"),
])
def test_everyday_boycott_wordings_are_calls_to_exclusion(analyser, text, quoted):
    assert [q.lower() for q in exclusion_cues(analyser, text)] == [quoted.lower()]


@pytest.mark.parametrize("text", [
    "Не давайте узбеков в обиду",                  # do not let the Uzbeks be wronged: a defence
    "Don't let the Uzbeks stay hungry",
    "Не давайте нашим детям работу за гроши",      # no group
])
def test_defending_or_feeding_a_group_is_no_exclusion(analyser, text):
    assert exclusion_cues(analyser, text) == []


@pytest.mark.parametrize("text, quoted", [
    ("Don't rent to Uzbeks", "Don't rent to Uzbeks"),
    ("The Dungans have marked our houses with paint. Don't wait for them to come.", "Don't wait for them"),
    ("Why do we still tolerate the Uzbeks? It's time they went home.", "It's time they went"),
])
def test_a_cue_opening_inside_a_word_quotes_the_whole_word(analyser, text, quoted):
    features = analyser.features(text)
    cues = [s for s in features.spans if s.kind == "cue" and s.end > text.index(quoted)]   # the cue of the quoted words
    assert cues and cues[0].text.startswith(quoted)
    assert text[cues[0].start:cues[0].end] == cues[0].text


def test_a_cue_after_punctuation_does_not_reach_back_over_it(analyser):
    cues = [s.text for s in analyser.features("Они кричали «Выгнать узбеков!»").spans if s.kind == "cue"]
    assert cues == ["Выгнать узбеков"]


def expulsion_cues(analyser: TextAnalyser, text: str) -> list[str]:
    """The text of every call-to-expulsion cue the rules find in a Russian text."""
    return [s.text for s in analyser.features(text, "ru").spans if s.kind == "cue" and s.label == "call_to_expulsion"]


@pytest.mark.parametrize("text, quoted", [
    ("Поздравляем кыргызов с праздником, а узбеков гнать из Оша.", "узбеков гнать из"),
    ("Таджиков надо гнать вон!", "Таджиков надо гнать вон"),
    ("Никаких таджиков в нашем селе, гнать их!", "таджиков в нашем селе, гнать их"),
    ("Узбеков в наш район — гнать их всех!", "Узбеков в наш район — гнать их"),
])
def test_a_group_named_before_the_call_to_drive_it_out_is_a_cue(analyser, text, quoted):
    assert expulsion_cues(analyser, text) == [quoted]


@pytest.mark.parametrize("text", [
    "Таджики пригнали баранов, гнать их на рынок далеко.",          # herding animals to market
    "Кыргызы и узбеки против тех, кто хочет гнать их из домов.",    # who wants it, reported and opposed
    "Узбеки — наши соседи, зачем гнать их?",
])
def test_driving_animals_or_opposing_the_call_is_no_such_cue(analyser, text):
    assert expulsion_cues(analyser, text) == []
