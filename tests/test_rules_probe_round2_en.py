"""English entries of the second probe round that need more than a line of the round's fixture (see
tests/test_rules_lexicon_rounds.py): "never trust them" after a slur is a warning, not a negation, and the "not" of
"our daughters are not for <group>" is the cue's own."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("text", ["Turks are snakes, never trust them.", "Never trust a Tajik."])
def test_never_trust_is_no_negation(decide_texts, text):
    features, _ = decide_texts([text])[text]
    assert "negation" not in {c.label for c in features.context}, [(c.label, c.text) for c in features.context]


@pytest.mark.parametrize("text", ["Our girls are not for the Uzbeks.", "Our daughters are not for the Tajiks."])
def test_a_denial_inside_the_cue_does_not_excuse_it(decide_texts, text):
    features, analysis = decide_texts([text])[text]
    assert "threat_to_purity" in {c.label for c in features.cues}
    assert analysis.incitement, analysis.explanation
