"""Russian context entries of the probe round (the round's cue lines are in the fixture of
tests/test_rules_lexicon_rounds.py): the shame of loyalty shaming is no condemnation, name-calling called vile is a
refusal, "если не выгоним" is a condition, and groups living in harmony or welcomed as kin are inclusion."""

from __future__ import annotations

import pytest


def test_shame_on_those_who_side_with_a_group_is_no_condemnation(decide_texts):
    texts = ["Позор тем, кто продаёт землю узбекам.", "Позор тем кыргызам, которые покупают у узбеков на базаре."]
    for text, (features, analysis) in decide_texts(texts).items():
        assert "condemnation" not in {c.label for c in features.context}, text
        assert analysis.incitement, text


@pytest.mark.parametrize("text", [
    "Называть предателем того, кто дружит с узбеками, — подло.",
    "Говорить, что евреи — раковая опухоль, — это фашизм.",
])
def test_name_calling_called_vile_or_fascism_is_a_refusal(decide_texts, text):
    (features, analysis), = decide_texts([text]).values()
    assert "refusal" in {c.label for c in features.context}
    assert not analysis.incitement


def test_if_we_do_not_drive_them_out_is_a_condition_not_a_refusal(decide_texts):
    (features, analysis), = decide_texts(["Если мы не выгоним узбеков, нам конец."]).values()
    assert "refusal" not in {c.label for c in features.context}
    assert analysis.incitement


@pytest.mark.parametrize("text", [
    "Он кыргыз, а жена у него узбечка, и живут они душа в душу.",
    "Кто за мир между узбеками и кыргызами, тот за будущее Оша.",
    "Она вышла за уйгура, и родня приняла его как своего.",
    "Настоящий кыргыз всегда накормит гостя, будь он узбек или русский.",
    "Хоть узбек, хоть кыргыз — все мы люди.",
    "Кыргыз, который помогает узбекам, — не враг, а брат.",
    "Узбеки нам не враги, а братья.",
])
def test_groups_living_in_harmony_or_welcomed_as_kin_are_inclusion(decide_texts, text):
    (features, analysis), = decide_texts([text]).values()
    assert "inclusion" in {c.label for c in features.context}
    assert not analysis.incitement
