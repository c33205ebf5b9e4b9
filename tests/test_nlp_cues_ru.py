"""Russian cues and markers: phrasings added, cues narrowed to their hateful sense, denials as counter-speech.

Sentences are short and fictional; the hateful ones are labelled by the hallmark they must raise.
"""

from __future__ import annotations

import pytest

from tocsin.nlp import TextAnalyser


@pytest.fixture(scope="module")
def analyser() -> TextAnalyser:
    return TextAnalyser()


def _labels(spans) -> set[str]:
    return {s.label for s in spans}


@pytest.mark.parametrize(("text", "hallmark", "group"), [
    ("Таджики ещё получат по полной, встречаемся вечером.", "call_to_violence", "tajik"),
    ("Пора повторить дунганам 1990 год.", "call_to_violence", "dungan"),
    ("Кто прячет уйгуров в подвале, тот с ними заодно.", "questioning_ingroup_loyalty", "uyghur"),
    ("Казахов жалеют многие, но они ответят вместе с ними.", "questioning_ingroup_loyalty", "kazakh"),
    ("Из-за казахов наш язык умирает.", "threat_to_purity", "kazakh"),
    ("Пишут, что узбеки тайно готовят резню.", "accusation_in_a_mirror", "uzbek"),
    ("Русские скоро придут жечь наши дома.", "accusation_in_a_mirror", "russian"),
    ("Все эти кыргызы — падаль.", "dehumanization", "kyrgyz"),
    ("Эти евреи крадут наших невест.", "attack_on_women_and_girls", "jewish"),
])
def test_added_phrasings_raise_their_hallmark(analyser: TextAnalyser, text: str, hallmark: str,
                                              group: str) -> None:
    f = analyser.features(text, "ru")
    assert hallmark in _labels(f.cues), (text, f.cues)
    assert group in _labels(f.targets)


@pytest.mark.parametrize(("text", "hallmark"), [
    ("Наши девушки выиграли турнир, узбеки их поздравили.", "attack_on_women_and_girls"),
    ("Наша сестра вышла на работу в школу.", "attack_on_women_and_girls"),
    ("Завхоз велел травить тараканов в столовой.", "dehumanization"),
    ("В аптеке продают средство от клопов.", "dehumanization"),
])
def test_narrowed_cues_stay_quiet_on_harmless_words(analyser: TextAnalyser, text: str, hallmark: str) -> None:
    assert hallmark not in _labels(analyser.features(text, "ru").cues)


@pytest.mark.parametrize("text", ["Эти дунганы как тараканы.", "Тараканы они, а не соседи.", "Таджики — крысы."])
def test_narrowed_vermin_cue_still_fires_when_said_of_people(analyser: TextAnalyser, text: str) -> None:
    assert "dehumanization" in _labels(analyser.features(text, "ru").cues)


@pytest.mark.parametrize("text", [
    "Неправда, что узбеки копят оружие.",
    "Это ложь: дунганы ничего не замышляют.",
    "Милиция опровергла слухи о том, что таджики готовят поджог.",
    "С какой стати винить всех русских из-за одного хулигана?",
    "Виноват один хулиган, а не народ.",
])
def test_denials_and_refusals_of_collective_blame_are_counter_speech(analyser: TextAnalyser, text: str) -> None:
    assert "counter_speech" in _labels(analyser.features(text, "ru").context)


def test_impersonal_they_say_is_a_rumour_not_reported_speech(analyser: TextAnalyser) -> None:
    rumour = analyser.features("Говорят, что уйгуры готовят погром.", "ru")
    assert "reported_speech" not in _labels(rumour.context)
    assert "accusation_in_a_mirror" in _labels(rumour.cues)
    quoted = analyser.features("Соседи говорят, что уйгуры готовят погром.", "ru")
    assert "reported_speech" in _labels(quoted.context)
