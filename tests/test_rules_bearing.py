"""What a context marker bears on, read through the whole pipeline. In a text with no cue, a negation that speaks of
no one denies nothing, and the words a text puts in a group's mouth are its own claim, not speech reported at a
distance, and so is a quotation nothing frames (a banner, a proverb); a denial about a group, one person's words and
a quotation someone is said to have said still lower the score. Beside an accusation in a mirror,
the group's words it quotes are the text's claim too, and a rebuttal of them still lowers the score."""

from __future__ import annotations

import pytest

#: (text, the marker found in it, which no longer lowers the score)
NOT_LOWERING = [
    ("Наш сын женился на девушке из семьи уйгуров в Оше. Лучшей невестки не найти.", "negation"),
    ("Дунгандар базарга келип, эч кимге орун калтырбай дүкөндөрдү ээлеп алышты.", "negation"),
    ("Послушайте, что таджики говорят своим детям в Оше: «Придёт наше время».", "quotation"),
    ("At the teahouse in Osh the Uyghurs said it openly: “Our time will come.”", "reported speech"),
    ("Өзбектер чайканаларында «бул көчөлөр жакында биздики болот» деп айтып жүрүшөт.", "quotation"),
    # quotations nothing frames: no one is said to have said them, and the text passes no verdict on them
    ("Banner for Saturday: “One valley, one people, one flag.” Every Uyghur shop on our street will see it.", "quotation"),
    ("Бабабыздын накылы: «Бөтөн иттен ит чыкпайт». Ноокаттагы дуңгандар муну эстеп жүрсүн.", "quotation"),
]

#: (text, the marker that still lowers it)
STILL_LOWERING = [
    ("Узбеки нам не враги.", "negation"),
    ("Это не так. Таджики в Оше живут мирно.", "negation"),
    ("A Kyrgyz teacher says the new school in Osh will open in May.", "reported speech"),
    ("Соседи говорят, что уйгуры в Оше покупают дома.", "reported speech"),
    ("People in Osh whisper that the Uzbeks “will take the whole bazaar”.", "quotation"),
]


#: An accusation in a mirror put in a group's mouth (flagged), and the same words rebutted (not flagged).
MIRRORED = "Послушайте, что таджики в Оше говорят своим детям: «Скоро эта долина станет нашей». Кто так говорит, тот уже всё решил."
REBUTTED = "Провокаторы пишут, что узбеки говорят: «Эта долина станет нашей». Не верьте этим фейкам."


@pytest.fixture(scope="module")
def decided(decide_texts):
    return decide_texts([t for t, _ in NOT_LOWERING + STILL_LOWERING] + [MIRRORED, REBUTTED])


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


def test_a_groups_words_quoted_beside_an_accusation_in_a_mirror_are_the_texts_claim(decided):
    features, analysis = decided[MIRRORED]
    assert [c.label for c in features.cues] == ["accusation_in_a_mirror"], features.cues
    assert {"quotation", "reported_speech"} <= labels(features), features.context
    assert analysis.incitement and not lowered_by(analysis.explanation), analysis.explanation
    features, analysis = decided[REBUTTED]
    assert not analysis.incitement and "counter speech" in lowered_by(analysis.explanation), analysis.explanation
