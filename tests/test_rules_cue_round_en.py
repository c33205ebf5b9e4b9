"""English cue words added in a lexicon round, read through the whole pipeline: each sentence of FOUND carries a cue
of its hallmark (germs and midges said of people, 'half-animals', 'can't tell them from the goats', 'they come for
us', 'we must move first', 'a lesson they won't survive', 'should the Tajiks be driven out', 'Dungans out of Uzgen!',
'ours or theirs?', 'the enemy within', 'dead to us', 'kids of no nation', 'groomed by', 'keep our girls close' …),
and the sentences of NOT_FOUND, friendly, neutral or news texts with the same words, carry none."""

from __future__ import annotations

import pytest

#: (text, the hallmark one of its cues must have)
FOUND = [
    ("Everyone in our town knows the Dungans are germs, nothing more.", "dehumanization"),
    ("The Tajiks in that block eat like animals.", "dehumanization"),
    ("Half-animals, that is all the Uyghurs are.", "dehumanization"),
    ("You can't even tell them apart from the monkeys, these Kazakhs.", "dehumanization"),
    ("The Tajiks swarm like ants at the bazaar.", "dehumanization"),
    ("Mark my words: one night the Uzbeks will come for us.", "accusation_in_a_mirror"),
    ("The Kyrgyz are up to something, we must move first.", "accusation_in_a_mirror"),
    ("The Russians are plotting in secret; strike before they can.", "accusation_in_a_mirror"),
    ("The Uzbeks are hiding rifles in their cellars.", "accusation_in_a_mirror"),
    ("Kyrgyz men were seen pouring powder into the canal last night.", "accusation_in_a_mirror"),
    ("The Uzbeks are coming, and nobody will spare us.", "accusation_in_a_mirror"),
    ("Sign up: a lesson they will not survive, for the Jews of Osh.", "call_to_violence"),
    ("Should the Tajiks be driven out of our town? Of course.", "call_to_expulsion"),
    ("Enough talk. Dungans out of Uzgen!", "call_to_expulsion"),
    ("Not a single Uzbek family should stay in this town.", "call_to_expulsion"),
    ("The Russians of Osh have until Friday to pack up and leave.", "call_to_expulsion"),
    ("Our deputy votes with the Uzbeks every time. Ours or theirs?", "questioning_ingroup_loyalty"),
    ("The clerk who fills in forms for the Uyghurs is the enemy within.", "questioning_ingroup_loyalty"),
    ("A boy who marries one of the Russians is dead to us.", "questioning_ingroup_loyalty"),
    ("He drinks tea with the Kyrgyz every day; whose side is he on?", "questioning_ingroup_loyalty"),
    ("He lets the Kazakhs graze on our pasture. No brother of mine.", "questioning_ingroup_loyalty"),
    ("Schools where Kazakh and our children sit together raise kids of no nation.", "threat_to_purity"),
    ("Marry a Tajik and our people will dissolve.", "threat_to_purity"),
    ("One Kazakh in-law and our clan will never be pure again.", "threat_to_purity"),
    ("Think twice before you mix your blood with the Uyghurs.", "threat_to_purity"),
    ("Our daughters were groomed by Kyrgyz men on the internet.", "attack_on_women_and_girls"),
    ("The Jews insult our women in the street.", "attack_on_women_and_girls"),
    ("Keep our girls close while the Uyghurs are in town.", "attack_on_women_and_girls"),
    ("The Uzbek boys follow her to the bus every day.", "attack_on_women_and_girls"),
    ("The Kyrgyz attacked first; we were only defending ourselves.", "accusation_in_a_mirror"),
    ("The Tajiks go round at night marking our houses.", "accusation_in_a_mirror"),
    ("The Dungans say they will clean the streets of us.", "accusation_in_a_mirror"),
    ("The Uyghurs write in their chats: this valley will be ours soon.", "accusation_in_a_mirror"),
    ("There is nothing human in the Russians.", "dehumanization"),
    ("The Kyrgyz move in packs around the bazaar.", "dehumanization"),
    ("The Uzbeks are ready, and the only question is who moves first.", "accusation_in_a_mirror"),
    ("The Kyrgyz will start it, we will finish it.", "accusation_in_a_mirror"),
]

#: (text, the hallmark none of its cues may have)
NOT_FOUND = [
    ("Wash your hands: germs from the bazaar spread fast, the Uzbek doctor told the class.", "dehumanization"),
    ("The Dungan farmers are clearing nettles from the canal.", "dehumanization"),
    ("My Kyrgyz grandmother will come for us at five and take us to the concert.", "accusation_in_a_mirror"),
    ("In chess the Tajik champion likes to move first.", "accusation_in_a_mirror"),
    ("Thousands of Uzbeks out of work after the factory closed, the report says.", "call_to_expulsion"),
    ("Kazakh and Kyrgyz students have one week to apply for the scholarship.", "call_to_expulsion"),
    ("Tajik families have until Friday to register their children for school.", "call_to_expulsion"),
    ("Our Uyghur neighbours keep their girls close to home during exams, like every family.", "attack_on_women_and_girls"),
    ("The Russian guide followed her to the museum to show her the new hall.", "attack_on_women_and_girls"),
    ("She mixed the flour with the Uzbek spices and baked bread for the whole street.", "threat_to_purity"),
    ("Selling one Uzbek carpet, hand made, cheap.", "dehumanization"),
    ("The Uzbek census volunteers counted our houses for the new school plan.", "accusation_in_a_mirror"),
    ("Wolves live in packs in the Alay mountains, the Kyrgyz ranger said.", "dehumanization"),
    ("In chess the Kyrgyz player who moves first in the opening has an edge.", "accusation_in_a_mirror"),
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
