"""Kyrgyz context entries of the probe round (the round's cue lines are in the fixture of
tests/test_rules_lexicon_rounds.py): "бир да калтырбай" (leaving none) negates no call, "… деп атабагыла" refuses a
name, and "уят кылгыла" (shame them) is an order, not the writer's condemnation."""

from __future__ import annotations


def test_leaving_none_is_no_negation_of_the_call(decide_texts):
    (features, _), = decide_texts(["Өзбектерди бир да калтырбай өлтүргүлө."]).values()
    assert "negation" not in {c.label for c in features.context}
    assert "call_to_violence" in {c.label for c in features.cues}


def test_a_name_refused_in_its_own_words_is_a_refusal(decide_texts):
    (features, analysis), = decide_texts(["Уйгурлар да биз сыяктуу адамдар, аларды айбан деп атабагыла."]).values()
    assert "refusal" in {c.label for c in features.context}
    assert not analysis.incitement


def test_shame_them_is_an_order_not_a_condemnation(decide_texts):
    (features, analysis), = decide_texts(["Уйгур келиндердин жоолугун жулуп, көчөдө уят кылгыла."]).values()
    assert "condemnation" not in {c.label for c in features.context}
    assert analysis.incitement
