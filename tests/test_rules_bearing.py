"""What a context marker bears on in a text with no cue, read through the whole pipeline: a negation that speaks of
no one denies nothing, and the words a text puts in a group's mouth are its own claim, not speech reported at a
distance; a denial about a group, and one person's words, still lower the score."""

from __future__ import annotations

import pytest

#: (text, the marker found in it, which no longer lowers the score)
NOT_LOWERING = [
    ("Наш сын женился на девушке из семьи уйгуров в Оше. Лучшей невестки не найти.", "negation"),
    ("Дунгандар базарга келип, эч кимге орун калтырбай дүкөндөрдү ээлеп алышты.", "negation"),
    ("Послушайте, что таджики говорят своим детям в Оше: «Придёт наше время».", "quotation"),
    ("At the teahouse in Osh the Uyghurs said it openly: “Our time will come.”", "reported speech"),
    ("Өзбектер чайканаларында «бул көчөлөр жакында биздики болот» деп айтып жүрүшөт.", "quotation"),
]

#: (text, the marker that still lowers it)
STILL_LOWERING = [
    ("Узбеки нам не враги.", "negation"),
    ("Это не так. Таджики в Оше живут мирно.", "negation"),
    ("A Kyrgyz teacher says the new school in Osh will open in May.", "reported speech"),
    ("Соседи говорят, что уйгуры в Оше покупают дома.", "reported speech"),
]


@pytest.fixture(scope="module")
def decided(decide_texts):
    return decide_texts([t for t, _ in NOT_LOWERING + STILL_LOWERING])


def labels(features) -> set[str]:
    return {c.label for c in features.context}


def lowered_by(explanation: str) -> set[str]:
    """The markers an explanation says lowered the score ("…; lowered by negation, quotation; …")."""
    _, found, rest = explanation.partition("lowered by ")
    return set(rest.split(";")[0].split(", ")) if found else set()


@pytest.mark.parametrize(("text", "marker"), NOT_LOWERING)
def test_a_marker_that_bears_on_no_group_does_not_lower_the_score(decided, text, marker):
    features, analysis = decided[text]
    assert not features.cues and marker.replace(" ", "_") in labels(features), (features.cues, features.context)
    assert marker not in lowered_by(analysis.explanation), analysis.explanation


@pytest.mark.parametrize(("text", "marker"), STILL_LOWERING)
def test_a_denial_about_a_group_and_one_persons_words_still_lower_it(decided, text, marker):
    features, analysis = decided[text]
    assert not features.cues, features.cues
    assert marker in lowered_by(analysis.explanation), analysis.explanation
