"""Uzbek context entries of the first probe round (the round's cue lines are in the fixture of
tests/test_rules_lexicon_rounds.py): a group called "our citizens too" is inclusion, and "we will not forgive the
traitors" is no negation."""

from __future__ import annotations


def test_a_group_called_our_citizens_too_is_inclusion(decide_texts):
    texts = ["Uygʻurlar ham bizning fuqarolarimiz, ularni himoya qilish kerak.", "Дунганлар ҳам бизнинг юртдошларимиз."]
    for text, (features, analysis) in decide_texts(texts).items():
        assert "inclusion" in {c.label for c in features.context}, text
        assert not analysis.incitement, text


def test_we_will_not_forgive_the_traitors_is_no_negation(decide_texts):
    (features, analysis), = decide_texts(["Ruslarga yordam bergan xoinlarni kechirmaymiz."]).values()
    assert "negation" not in {c.label for c in features.context}
    assert analysis.incitement
