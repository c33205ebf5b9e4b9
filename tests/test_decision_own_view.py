"""A call the writer gives as his own view ("Я считаю, что …", "I think …", "Menimcha, …", "Менин оюмча, …") is his
call: the ``own_view`` marker keeps the classifier from reading the frame as harmless, and never lowers a score; so is
any other hallmark he gives as his view. A view that is denied ("Я не считаю, что …"), quoted or reported stays what
it was."""

from __future__ import annotations

import pytest

#: Calls the writer makes his own, in each language and script.
OWNED = [
    "Я считаю, что узбеков надо выгнать из Оша.",
    "По моему мнению, таджиков надо выгнать.",
    "I think the Uzbeks must be driven out of Osh.",
    "In my opinion the Tajiks must be driven out of our town.",
    "Менин оюмча, өзбектерди кууп чыгуу керек.",
    "Menimcha, tojiklarni shahardan haydash kerak.",
    "Менимча, тожикларни шаҳардан ҳайдаш керак.",
]

#: Other hallmarks given as the writer's view, the frame read as harmless by the classifier.
OWNED_HALLMARKS = [
    "Я считаю, что тот, кто дружит с уйгурами, предатель.",
    "Менин оюмча, казакка үйлөнгөндөр өз элин сатышты.",
]

#: The same views denied, quoted or reported.
NOT_OWNED = [
    "Я не считаю, что узбеков надо выгнать из Оша.",
    "I don't think the Uzbeks must be driven out of Osh.",
    'He said: "I think the Uzbeks must be driven out."',
]


@pytest.fixture(scope="module")
def decided(decide_texts):
    return decide_texts(OWNED + OWNED_HALLMARKS + NOT_OWNED)


@pytest.mark.parametrize("text", OWNED)
def test_a_call_given_as_the_writers_view_is_flagged(decided, text):
    features, analysis = decided[text]
    assert "own_view" in {c.label for c in features.context}
    assert analysis.incitement, analysis.explanation


@pytest.mark.parametrize("text", OWNED_HALLMARKS)
def test_another_hallmark_given_as_the_writers_view_is_flagged_above_the_threshold(decided, text):
    features, analysis = decided[text]
    assert "own_view" in {c.label for c in features.context} and features.cues
    assert analysis.incitement and analysis.score >= 0.55, (analysis.score, analysis.explanation)


@pytest.mark.parametrize("text", NOT_OWNED)
def test_a_denied_quoted_or_reported_view_is_not_flagged(decided, text):
    _, analysis = decided[text]
    assert not analysis.incitement, analysis.explanation


def test_the_marker_alone_never_lowers_a_score(decide_texts):
    plain, owned = "The Uzbeks must be driven out of Osh.", "I think the Uzbeks must be driven out of Osh."
    decided = decide_texts([plain, owned])
    assert decided[owned][1].score >= decided[plain][1].score - 0.05
    assert "own view" not in decided[owned][1].explanation


def test_idioms_with_govorya_are_not_reported_speech(decide_texts):
    text = "Честно говоря, таджиков надо выгнать."
    features, analysis = decide_texts([text])[text]
    assert "reported_speech" not in {c.label for c in features.context}
    assert analysis.incitement, analysis.explanation
