"""English entries of the first probe round that need more than a line of the round's fixture (see
tests/test_rules_lexicon_rounds.py): "Shouldn't we …?" and "Why don't we …?" propose, they deny nothing; a country
"for all its citizens" and groups living side by side are inclusion."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("text", ["Shouldn't we burn out the Tajik quarter?", "Why don't we burn the Tajik quarter?"])
def test_a_proposal_asked_with_not_is_no_negation(decide_texts, text):
    features, analysis = decide_texts([text])[text]
    assert "call_to_violence" in {c.label for c in features.cues}
    assert analysis.incitement, analysis.explanation


@pytest.mark.parametrize("text", ["Kyrgyzstan is for all its citizens, Kyrgyz, Uzbeks and Russians alike.",
                                  "Our mahalla has Kyrgyz, Uzbek and Russian families living side by side."])
def test_groups_included_all_are_not_flagged(decide_texts, text):
    features, analysis = decide_texts([text])[text]
    assert "inclusion" in {c.label for c in features.context}
    assert not analysis.incitement, analysis.explanation
