"""English entries of a cue round that need more than a line of the round's fixture (see
tests/test_rules_lexicon_rounds.py): "torch", "wreck" and "stone" are verbs of violence, and a score or a record after
a group is no call."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("text", ["Torch the Kazakh teahouse on Lenin Street this weekend.",
                                  "Every able man should come at 8 pm to smash the Uyghur teahouses.",
                                  "Stone the Tajiks when they come to the market."])
def test_wrecking_and_stoning_are_calls_to_violence(decide_texts, text):
    features, _ = decide_texts([text])[text]
    assert "call_to_violence" in {c.label for c in features.cues}


@pytest.mark.parametrize("text", ["We will beat the Kyrgyz 3-0 on Saturday!", "We will smash the Kyrgyz 3-0 on Saturday!",
                                  "The Kyrgyz national team will smash the Uzbek record this year."])
def test_a_score_or_a_record_is_no_call_to_violence(decide_texts, text):
    features, analysis = decide_texts([text])[text]
    assert "call_to_violence" not in {c.label for c in features.cues}
    assert not analysis.incitement, analysis.explanation
