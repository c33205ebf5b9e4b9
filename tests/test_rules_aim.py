"""Which group a cue is aimed at, through the whole decision (rules + the shipped classifier): a cue that questions
in-group loyalty blames one of "us" for a group the text named before it, however far back; another hallmark's
cue is aimed only at a group of its own sentence or the one before."""

from __future__ import annotations

import pytest

#: (text, the group its loyalty cue is aimed at, two or more sentences back)
LOYALTY = [
    ("Our imam called the Uyghurs our brothers in his Friday sermon. Whose imam is he, ours or theirs? "
     "Such a traitor will not set foot in our mosque.", "uyghur"),
    ("Наш депутат проголосовал за школу для таджиков. Кому он служит? Предатель своего народа.", "tajik"),
]

#: A cue of another hallmark two sentences after the only group named: not aimed at it.
ELSEWHERE = [
    "The Uzbek family next door cooked plov for the whole street. Thank you all! The rats in our cellar are vermin, "
    "poison them.",
    "Соседи-узбеки сварили плов на всю улицу. Спасибо вам! А крысы в подвале — паразиты, их надо травить.",
]


@pytest.fixture(scope="module")
def decided(decide_texts):
    return decide_texts([t for t, _ in LOYALTY] + ELSEWHERE)


@pytest.mark.parametrize(("text", "group"), LOYALTY)
def test_a_loyalty_cue_is_aimed_at_the_group_named_before_it(decided, text, group):
    features, analysis = decided[text]
    assert any(c.label == "questioning_ingroup_loyalty" for c in features.cues), features.cues
    assert analysis.incitement, analysis.explanation
    assert analysis.explanation.startswith(f"questioning ingroup loyalty against {group}"), analysis.explanation


@pytest.mark.parametrize("text", ELSEWHERE)
def test_another_cue_is_not_aimed_at_a_group_two_sentences_back(decided, text):
    features, analysis = decided[text]
    assert features.cues and features.targets, (features.cues, features.targets)
    assert not analysis.incitement and "no hallmark cue aimed at a group" in analysis.explanation, analysis.explanation
