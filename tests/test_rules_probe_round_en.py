"""English entries added in a probe round, read through the whole pipeline: each sentence of FOUND carries a cue of
its hallmark (the passive with 'all' between the modal and 'be', 'be taught a lesson with sticks', 'Break their
windows', 'will not have a single <group> living', '… they won't see the morning', '<group> mafia is arming',
'multiplying to take over', 'no longer one of us', 'a real Kyrgyz would never work for a Russian'), and the sentences
of NOT_FOUND (a match, a charity appeal, praise of helpers, an arrest report) carry none."""

from __future__ import annotations

import pytest

#: (text, the hallmark one of its cues must have)
FOUND = [
    ("I think the Uzbeks of Osh should all be driven out before winter.", "call_to_expulsion"),
    ("The Tajiks must finally be thrown out of our town.", "call_to_expulsion"),
    ("The Dungans should all be beaten, every last one.", "call_to_violence"),
    ("Every Uyghur in the bazaar should be taught a lesson with sticks.", "call_to_violence"),
    ("Break their windows, the Uzbeks will understand.", "call_to_violence"),
    ("Our mahalla will not have a single Kyrgyz living in it by summer.", "call_to_expulsion"),
    ("We will come for the Uzbeks at night, they won't see the morning.", "call_to_violence"),
    ("The Uzbek mafia is secretly arming for another June.", "accusation_in_a_mirror"),
    ("The Tajiks are multiplying to take over Batken.", "accusation_in_a_mirror"),
    ("He married a Tajik girl; he is no longer one of us.", "questioning_ingroup_loyalty"),
    ("A real Kyrgyz would never work for a Russian.", "questioning_ingroup_loyalty"),
]

#: (text, the hallmark none of its cues may have)
NOT_FOUND = [
    ("Let's smash the Uyghur team on Saturday at futsal!", "call_to_violence"),
    ("We must beat the Kyrgyz team on Saturday.", "call_to_violence"),
    ("Who will help the Uzbek family whose house burned down?", "questioning_ingroup_loyalty"),
    ("Those who defend Uzbeks online are brave people.", "questioning_ingroup_loyalty"),
    ("The Kyrgyz police arrested men who were preparing an attack on Uzbek shops.", "accusation_in_a_mirror"),
    ("A true Uzbek does not forget his friends from the Kyrgyz village.", "questioning_ingroup_loyalty"),
    ("The Uzbek farmers are stockpiling hay for the winter.", "accusation_in_a_mirror"),
]


@pytest.fixture(scope="module")
def decided(decide_texts):
    return decide_texts([t for t, _ in FOUND + NOT_FOUND])


@pytest.mark.parametrize("text,hallmark", FOUND)
def test_new_cue_found(decided, text, hallmark):
    features, _ = decided[text]
    assert hallmark in {c.label for c in features.cues}, [(c.label, c.text) for c in features.cues]


@pytest.mark.parametrize("text,hallmark", NOT_FOUND)
def test_same_words_in_plain_use_give_no_cue(decided, text, hallmark):
    features, _ = decided[text]
    assert hallmark not in {c.label for c in features.cues}, [(c.label, c.text) for c in features.cues]


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
