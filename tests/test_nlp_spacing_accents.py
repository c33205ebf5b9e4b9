"""Two cheap evasions the rules read through: white space doubled, tabbed or broken with a carriage return
inside a sentence, and an accent put on a Latin letter of an English or Uzbek word ("Üzbeks"). Spans still
point at the original text."""

from __future__ import annotations

import pytest

from tocsin.nlp import TextAnalyser
from tocsin.nlp.normalise import normalise


@pytest.mark.parametrize("raw, expected", [
    ("Do not  hire Uzbeks", "Do not hire Uzbeks"),
    ("Не берите\tузбеков", "Не берите узбеков"),
    ("Kill the Uzbeks\r\nnow", "Kill the Uzbeks\nnow"),
    ("Title  \n\n  text   here", "Title\n\ntext here"),   # a paragraph break stays one
    ("a\u2003\u2003b", "a b"),                                # em spaces (NFKC makes them spaces)
])
def test_runs_of_white_space_are_one_space_or_their_line_breaks(raw, expected):
    assert normalise(raw).text == expected


def test_a_tightened_space_maps_back_to_the_whole_run():
    raw = "Do not   hire Uzbeks"
    norm = normalise(raw)
    start = norm.text.index("not hire")
    begin, end = norm.to_original(start, start + len("not hire"))
    assert raw[begin:end] == "not   hire"


def test_plain_spacing_is_left_alone():
    for text in ("one two\nthree", "one\n\ntwo", "Ош шаары"):
        assert normalise(text).text == text


def cues_and_targets(analyser: TextAnalyser, text: str) -> tuple[set[str], set[str]]:
    features = analyser.features(text)
    for span in features.spans:
        assert text[span.start:span.end] == span.text
    return set(features.hallmarks), set(features.groups)


@pytest.mark.parametrize("plain, loose", [
    ("Do not hire Uzbeks", "Do not  hire Uzbeks"),
    ("Uzbeks are not welcome here", "Uzbeks are not  welcome here"),
    ("Не берите узбеков на работу", "Не  берите узбеков на работу"),
    ("Не берите узбеков на работу", "Не берите\tузбеков на работу"),
    ("Kill the Uzbeks now", "Kill  the   Uzbeks now"),
])
def test_doubled_spaces_and_tabs_hide_no_cue(analyser, plain, loose):
    found = cues_and_targets(analyser, plain)
    assert found[0] and found[1], "the plain text has a cue and a target"
    assert cues_and_targets(analyser, loose) == found


@pytest.mark.parametrize("plain, accented", [
    ("Kill the Uzbeks", "Kill the Üzbeks"),
    ("Kill the Uzbeks", "Kill the Uzbéks"),
    ("Kill the Uzbeks", "Kill the U\u0308zbeks"),      # a combining diaeresis, which NFKC composes
    ("Kill the Kyrgyz", "Kill the Kýrgyz"),
    ("Oʻzbeklarni haydang", "Óʻzbeklarni haydang"),
])
def test_an_accent_on_a_latin_letter_hides_no_target(analyser, plain, accented):
    found = cues_and_targets(analyser, plain)
    assert found[1], "the plain text names a group"
    assert cues_and_targets(analyser, accented) == found


def test_accents_are_read_through_only_in_languages_that_write_none(analyser):
    # Russian rules read Cyrillic; its "й" and "ё" are letters, not accents
    features = analyser.features("Узбеков надо выгнать, всё!")
    assert "uzbek" in features.groups and "call_to_expulsion" in features.hallmarks
