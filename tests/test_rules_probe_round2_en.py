"""English entries added in a second probe round, read through the whole pipeline: each sentence of FOUND carries a
cue of its hallmark ('a sell-out', '<group>-lover', 'not a real Kyrgyz', 'a stain on our family', '<group> are buying
guns / gathering weapons', 'buying up our land', 'plotting to take', 'they will do it to us first', 'forming
militias', 'our daughters are not for <group>', 'Curfew for all Uzbeks'), and the sentences of NOT_FOUND (a sell-out
crowd, tickets sold out, a plague of locusts, pigs on a farm, rats at the bazaar, a coach's 'strike first in the second
half', a court report, hunters buying guns) carry none."""

from __future__ import annotations

import pytest

#: (text, the hallmark one of its cues must have)
FOUND = [
    ("Anyone who buys from Uzbek shops is a sell-out.", "questioning_ingroup_loyalty"),
    ("These sell-outs rent their flats to Uzbeks.", "questioning_ingroup_loyalty"),
    ("He is an Uzbek-lover, not a real Kyrgyz.", "questioning_ingroup_loyalty"),
    ("Only Tajik-lovers would defend that.", "questioning_ingroup_loyalty"),
    ("Anyone who stands with the Uyghurs is a stain on our family.", "questioning_ingroup_loyalty"),
    ("Nurlan's daughter ran off with a Kazakh. A disgrace to the whole village.", "questioning_ingroup_loyalty"),
    ("The Dungans are secretly buying guns in Bishkek.", "accusation_in_a_mirror"),
    ("The Uzbeks are gathering weapons in the mosque.", "accusation_in_a_mirror"),
    ("The Uzbek youths are hiding guns in the cellars.", "accusation_in_a_mirror"),
    ("The Chinese are buying up our land to build their colony.", "accusation_in_a_mirror"),
    ("The Uyghurs are buying up our houses one by one.", "accusation_in_a_mirror"),
    ("The Russians are plotting to take Osh back.", "accusation_in_a_mirror"),
    ("The Kazakhs are scheming to seize our pastures.", "accusation_in_a_mirror"),
    ("Wait, and the Uzbeks will do it to us first.", "accusation_in_a_mirror"),
    ("The Uyghurs are secretly organising armed groups.", "accusation_in_a_mirror"),
    ("The Tajiks are forming militias in the border villages.", "accusation_in_a_mirror"),
    ("Our daughters are not for Turkish grooms.", "threat_to_purity"),
    ("Our girls are not for the Uzbeks.", "threat_to_purity"),
    ("Curfew for all Uzbeks after 8 pm.", "call_to_expulsion"),
    ("Impose a curfew on the Tajiks now.", "call_to_expulsion"),
    ("Like a plague of locusts the Tajiks descend on our bazaars.", "dehumanization"),
    ("The Uzbeks are a plague of rats.", "dehumanization"),
    ("He has sold out to the Uzbeks.", "questioning_ingroup_loyalty"),
]

#: (text, the hallmark none of its cues may have)
NOT_FOUND = [
    ("A sell-out crowd watched the Kyrgyz and Uzbek teams.", "questioning_ingroup_loyalty"),
    ("Tickets sold out! The Kazakh band plays in Osh tonight.", "questioning_ingroup_loyalty"),
    ("The concert is sold out, the Uzbek singer thanked fans.", "questioning_ingroup_loyalty"),
    ("The corrupt Kyrgyz officials are a disgrace to the nation.", "questioning_ingroup_loyalty"),
    ("The plague of locusts reached the Uzbek border villages.", "dehumanization"),
    ("Plague of locusts hits Uzbek villages near Batken.", "dehumanization"),
    ("A swarm of mosquitoes bothered the Kyrgyz campers.", "dehumanization"),
    ("Vet warns: pigs at the Kazakh farm have swine fever.", "dehumanization"),
    ("Rats at the bazaar: the Uzbek and Kyrgyz traders cleaned it together.", "dehumanization"),
    ("Parasites in the water: Uzbek villages get new filters.", "dehumanization"),
    ("We must strike first in the second half, the coach told the Kyrgyz players.", "call_to_violence"),
    ("Kyrgyz hunters are buying guns before the season.", "accusation_in_a_mirror"),
    ("The Tajik army is buying weapons from Russia.", "accusation_in_a_mirror"),
    ("The Uzbek farmers are stockpiling seeds for spring.", "accusation_in_a_mirror"),
    ("A Kazakh company is buying up wheat across the north.", "accusation_in_a_mirror"),
    ("The court sentenced three men for plotting an attack on a Tajik cafe.", "accusation_in_a_mirror"),
    ("Curfew for Uzbeks lifted after a week, the mayor says.", "call_to_expulsion"),
    ("A real Uzbek never forgets a kindness from a Kyrgyz.", "questioning_ingroup_loyalty"),
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


@pytest.mark.parametrize("text", ["Turks are snakes, never trust them.", "Never trust a Tajik."])
def test_never_trust_is_no_negation(decide_texts, text):
    features, _ = decide_texts([text])[text]
    assert "negation" not in {c.label for c in features.context}, [(c.label, c.text) for c in features.context]


@pytest.mark.parametrize("text", ["Our girls are not for the Uzbeks.", "Our daughters are not for the Tajiks."])
def test_a_denial_inside_the_cue_does_not_excuse_it(decide_texts, text):
    features, analysis = decide_texts([text])[text]
    assert "threat_to_purity" in {c.label for c in features.cues}
    assert analysis.incitement, analysis.explanation
