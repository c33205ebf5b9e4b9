"""One of a group to be struck wherever seen ("See a Tajik? Hit him.", "Tojikni koʻrsang, ur!", "Түрктү көрсөң, ур!")
is a call to violence (Russian "Увидел таджика — бей!" was one already, by its bare imperative). Told not to strike,
or a blow seen and reported, it is none."""

from __future__ import annotations

import pytest

CALLS = [
    "See a Tajik? Hit him.",
    "If you see an Uzbek, beat him.",
    "Tojikni koʻrsang, ur!",
    "Түрктү көрсөң, ур!",
    "Түрктү көрдүңбү — ур.",
]

NOT_CALLS = [
    "If you see an Uzbek, don't beat him, help him.",
    "Tojikni koʻrsang, urma, salom ber.",
    "I saw a Tajik hit him with a bag, police said.",
    "Did you see the Uzbek beat him at chess?",
]


@pytest.fixture(scope="module")
def decided(decide_texts):
    return decide_texts(CALLS + NOT_CALLS)


@pytest.mark.parametrize("text", CALLS)
def test_a_group_struck_on_sight_is_a_call_to_violence(decided, text):
    features, _ = decided[text]
    assert "call_to_violence" in {c.label for c in features.cues}, [(c.label, c.text) for c in features.cues]


@pytest.mark.parametrize("text", CALLS[:4])
def test_such_a_call_is_flagged(decided, text):
    _, analysis = decided[text]
    assert analysis.incitement and analysis.explanation.startswith("call to violence against "), analysis.explanation


@pytest.mark.parametrize("text", NOT_CALLS)
def test_told_not_to_strike_or_a_blow_reported_is_no_call(decided, text):
    features, analysis = decided[text]
    assert "call_to_violence" not in {c.label for c in features.cues}
    assert not analysis.incitement, (analysis.score, analysis.explanation)
