"""English cues and markers: phrasings added, cues narrowed to their hateful sense, denials and urgings.

Sentences are short and fictional; the hateful ones are labelled by the hallmark they must raise.
"""

from __future__ import annotations

import pytest

from tocsin.models.decision import context_markers, local_context
from tocsin.nlp import TextAnalyser


@pytest.fixture(scope="module")
def analyser() -> TextAnalyser:
    return TextAnalyser()


def _labels(spans) -> set[str]:
    return {s.label for s in spans}


def _markers(analyser: TextAnalyser, text: str) -> list[str]:
    f = analyser.features(text, "en")
    return context_markers(f, local_context(f)[0])


@pytest.mark.parametrize(("text", "hallmark", "group"), [
    ("Let's hunt down the Tajiks tonight.", "call_to_violence", "tajik"),
    ("Somebody should teach the Dungans a lesson.", "call_to_violence", "dungan"),
    ("Any Uyghur on our street after dark — strike first.", "call_to_violence", "uyghur"),
    ("Grab the sticks, the Kazakhs are at the gate.", "call_to_violence", "kazakh"),
    ("Do not sell a single flat to the Uzbeks.", "call_to_expulsion", "uzbek"),
    ("We should push the Russians out of the valley.", "call_to_expulsion", "russian"),
    ("Make the Jews' life hard until they are gone.", "call_to_expulsion", "jewish"),
    ("Let them live in their own country, these Kyrgyz.", "call_to_expulsion", "kyrgyz"),
    ("The Tajiks plan to poison the wells in spring.", "accusation_in_a_mirror", "tajik"),
    ("The Dungans are jackals.", "dehumanization", "dungan"),
    ("Never marry one of the Uyghurs.", "threat_to_purity", "uyghur"),
    ("Lock up your sisters, Kazakh lads are in town.", "attack_on_women_and_girls", "kazakh"),
    ("Whoever hires the Uzbeks is helping the enemy.", "questioning_ingroup_loyalty", "uzbek"),
])
def test_added_phrasings_raise_their_hallmark(analyser: TextAnalyser, text: str, hallmark: str,
                                              group: str) -> None:
    f = analyser.features(text, "en")
    assert hallmark in _labels(f.cues), (text, f.cues)
    assert group in _labels(f.targets)


@pytest.mark.parametrize(("text", "hallmark"), [
    ("The Uyghur folk band sold out the town hall twice.", "questioning_ingroup_loyalty"),
    ("Not one of us expected the Kyrgyz choir to win.", "questioning_ingroup_loyalty"),
    ("Uzbek traders will pay less rent next year.", "call_to_violence"),
    ("By the time they left the bazaar, the Tajik musicians were tired.", "call_to_expulsion"),
    ("The Russians plan to take part in the fair.", "accusation_in_a_mirror"),
])
def test_narrowed_cues_stay_quiet_on_harmless_words(analyser: TextAnalyser, text: str, hallmark: str) -> None:
    assert hallmark not in _labels(analyser.features(text, "en").cues)


@pytest.mark.parametrize("text", ["He sold out to the Uzbeks.", "Whoever does it is not one of us."])
def test_narrowed_loyalty_cues_still_fire_in_their_hateful_sense(analyser: TextAnalyser, text: str) -> None:
    assert "questioning_ingroup_loyalty" in _labels(analyser.features(text, "en").cues)


@pytest.mark.parametrize("text", [
    "That's not true: nobody asked anyone to beat the Dungans.",
    "Nobody in our mahalla is saying the Tajiks are rats.",
    "Rumours that the Uzbeks want to kill us are fake.",
    "The fact-checkers found no evidence that the Kazakhs are arming themselves.",
])
def test_denials_count_as_counter_speech(analyser: TextAnalyser, text: str) -> None:
    assert "counter_speech" in _markers(analyser, text), text


@pytest.mark.parametrize("text", [
    "The Uzbeks will come tonight. Don't wait, hit first.",
    "No more talk. The Jews must be driven out.",
])
def test_urgings_are_not_negations(analyser: TextAnalyser, text: str) -> None:
    markers = _markers(analyser, text)
    assert "negation" not in markers and "negated_cue" not in markers, markers


def test_police_alone_is_not_news_reporting(analyser: TextAnalyser) -> None:
    assert "news_reporting" not in _markers(analyser, "If the police won't act, we'll crush the Tajiks ourselves.")
    assert "news_reporting" in _markers(analyser, "Police said two men who beat a Tajik trader were detained.")


def test_a_slogan_with_no_is_not_a_negated_cue(analyser: TextAnalyser) -> None:
    markers = _markers(analyser, "The Dungans are everywhere, no mixed marriages!")
    assert "negated_cue" not in markers, markers


def test_reporting_words_to_the_police_is_condemnation(analyser: TextAnalyser) -> None:
    text = "A chat posted “the Uyghurs are vermin”. We reported it to the moderators."
    assert "condemnation" in _markers(analyser, text)
