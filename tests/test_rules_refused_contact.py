"""A question about dealings with a group that the writer answers "never" himself ("Would you rent your flat to a
Tajik? Never.", "Ты бы отдал дочь за узбека? Никогда!", "Үйүңдү өзбекке сатасыңбы? Эч качан!") is a cue whose "never"
is its own: the answer refuses the group, it does not deny the question. A question about harming a group answered
"never", or one answered otherwise, is no such cue."""

from __future__ import annotations

import pytest

#: (text, the hallmark one of its cues must have)
FOUND = [
    ("Would you let your daughter marry an Uzbek? Never!", "threat_to_purity"),
    ("Give your daughter to a Tajik? Never.", "threat_to_purity"),
    ("Would you rent your flat to a Tajik? Never.", "call_to_expulsion"),
    ("Hire an Uzbek? Never!", "call_to_expulsion"),
    ("Ты бы отдал дочь за узбека? Никогда!", "threat_to_purity"),
    ("Сдал бы квартиру узбеку? Никогда!", "call_to_expulsion"),
    ("Продать дом таджику? Ни за что!", "call_to_expulsion"),
    ("Кызыңды өзбекке бересиңби? Эч качан!", "threat_to_purity"),
    ("Үйүңдү өзбекке сатасыңбы? Эч качан!", "call_to_expulsion"),
    ("Qizingni tojikka berasanmi? Hech qachon!", "threat_to_purity"),
    ("Uyingni qirgʻizga sotasanmi? Hech qachon!", "call_to_expulsion"),
]

#: Texts that carry no cue of either kind.
NOT_FOUND = [
    "Would you hit an Uzbek child? Never.",
    "Would you let your daughter marry an Uzbek? Why not, love matters.",
    "Would you rent your flat to a Tajik? Never would I refuse a good tenant.",
    "Отдать дочь за узбека? А почему нет, если любит.",
    "Ударить узбека? Никогда!",
]


@pytest.fixture(scope="module")
def decided(decide_texts):
    return decide_texts([t for t, _ in FOUND] + NOT_FOUND)


@pytest.mark.parametrize("text,hallmark", FOUND)
def test_a_dealing_refused_with_never_is_a_cue(decided, text, hallmark):
    features, _ = decided[text]
    assert hallmark in {c.label for c in features.cues}, [(c.label, c.text) for c in features.cues]


@pytest.mark.parametrize("text", NOT_FOUND)
def test_harm_refused_or_a_question_answered_otherwise_is_no_cue(decided, text):
    features, analysis = decided[text]
    assert not {"threat_to_purity", "call_to_expulsion"} & {c.label for c in features.cues}
    assert not analysis.incitement, analysis.explanation


@pytest.mark.parametrize("text", [t for t, h in FOUND if h == "call_to_expulsion"])
def test_a_refused_sale_rent_or_hire_is_flagged(decided, text):
    _, analysis = decided[text]
    assert analysis.incitement, analysis.explanation
