"""Claims of exclusivity ("Кыргызстан для кыргызов", "Osh is for Uzbeks only"): a land, a home or work claimed for
one group keeps every other out. The group such a slogan names is the one the land is claimed for, so the explanation
names the aim as "all but" that group, and a group named beside it as the target. Look-alikes that share a land with
other groups, or say what a land is to a group, hold no such cue."""

from __future__ import annotations

import pytest

from tocsin.alerts.severity import exclusion_only

#: Slogans and notices, and the start of the explanation each must get.
CLAIMS = {
    "Кыргызстан для кыргызов!": "call to exclusion against all but kyrgyz in Kyrgyzstan: 'Кыргызстан для кыргызов'",
    "Россия — для русских.": "call to exclusion against all but russian: 'Россия — для русских'",
    "Ош — только для кыргызов.": "call to exclusion against all but kyrgyz in Osh: 'Ош — только для кыргызов'",
    "Квартира только для узбеков, без животных.": "call to exclusion against all but uzbek: 'Квартира только для узбеков'",
    "Kyrgyzstan for the Kyrgyz!": "call to exclusion against all but kyrgyz in Kyrgyzstan: 'Kyrgyzstan for the Kyrgyz'",
    "Osh is for Uzbeks only.": "call to exclusion against all but uzbek in Osh: 'Osh is for Uzbeks'",
    "Rooms for Kyrgyz only, no exceptions.": "call to exclusion against all but kyrgyz: 'for Kyrgyz only'",
    "Кыргызстан кыргыздар үчүн!": "call to exclusion against all but kyrgyz in Kyrgyzstan: 'Кыргызстан кыргыздар үчүн'",
    "Бул базар кыргыздар үчүн гана.": "call to exclusion against all but kyrgyz: 'кыргыздар үчүн гана'",
    "Oʻzbekiston oʻzbeklar uchun!": "call to exclusion against all but uzbek in Uzbekistan: 'Oʻzbekiston oʻzbeklar uchun'",
    "Ўзбекистон ўзбеклар учун!": "call to exclusion against all but uzbek in Uzbekistan: 'Ўзбекистон ўзбеклар учун'",
    # the others sent away: a call to expulsion, still aimed at all but the group the land is claimed for
    "Кыргызстан для кыргызов, остальные — на выход": "call to expulsion against all but kyrgyz in Kyrgyzstan: ",
    "Россия для русских, остальные пусть уезжают": "call to expulsion against all but russian: 'пусть уезжают'",
    "Oʻzbekiston oʻzbeklar uchun, qolganlar ketsin!": "call to expulsion against all but uzbek in Uzbekistan: 'ketsin'",
    # another group named as the one to leave: that group is the target
    "Кыргызстан для кыргызов, узбеки — на выход!": "call to expulsion against uzbek (also named: kyrgyz) in Kyrgyzstan: ",
}

#: A land shared, or what it is to a group: no claim of exclusivity.
SHARED = [
    "Ош не только для кыргызов, это общий дом.",
    "Ош для кыргызов и узбеков — общий дом.",
    "Россия для узбеков — главная страна заработка.",
    "Russia for Uzbeks is a second home.",
    "Osh for Uzbek food, Bishkek for nightlife.",
    "Ош кыргыздар үчүн да, өзбектер үчүн да мекен.",
    "Fargʻona oʻzbeklar uchun ham, qirgʻizlar uchun ham vatan.",
    # an offer aimed at the group it names, not a land claimed for it
    "Турфирма в Кара-Суу предлагает: только для русских — путёвки без обратного билета.",
]

#: The slogan quoted to condemn it: the cue is found, the condemnation or quotation excuses it.
CONDEMNED = [
    "На стене мечети в Араване кто-то написал «Кыргызстан только для кыргызов». Мерзость, надеюсь найдут.",
    "Someone spray-painted 'Kyrgyzstan for Kyrgyz only' on the mosque wall in Aravan. Disgusting, hope they get caught.",
    "Лозунг «Россия для русских» опасен и глуп.",
]


@pytest.fixture(scope="module")
def decided(decide_texts):
    return decide_texts([*CLAIMS, *SHARED, *CONDEMNED])


def claims_in(features):
    return [c for c in features.cues if c.exclusivity]


@pytest.mark.parametrize("text", CLAIMS)
def test_a_claim_of_exclusivity_is_flagged_and_aimed_at_all_other_groups(decided, text):
    features, analysis = decided[text]
    assert claims_in(features), [(c.label, c.form, c.text) for c in features.cues]
    assert analysis.incitement, (analysis.score, analysis.explanation)
    assert analysis.explanation.startswith(CLAIMS[text]), analysis.explanation


@pytest.mark.parametrize("text", SHARED)
def test_a_land_shared_or_described_holds_no_claim(decided, text):
    features, analysis = decided[text]
    assert not claims_in(features), [(c.text, c.form) for c in features.cues]
    assert "all but" not in analysis.explanation


@pytest.mark.parametrize("text", CONDEMNED)
def test_a_claim_quoted_to_condemn_it_is_found_and_excused(decided, text):
    features, analysis = decided[text]
    assert claims_in(features)
    assert not analysis.incitement, (analysis.score, analysis.explanation)


def test_a_claim_stored_is_of_its_form_and_counts_as_exclusion_for_the_alert(decided):
    _, analysis = decided["Кыргызстан для кыргызов!"]
    calls = [s for s in analysis.spans if s["kind"] == "cue" and s["label"] == "call_to_expulsion"]
    assert [s["form"] for s in calls] == ["exclusivity"]
    assert exclusion_only(["call_to_expulsion"], {"spans": calls})
    _, expelled = decided["Кыргызстан для кыргызов, остальные — на выход"]
    assert not exclusion_only(["call_to_expulsion"], {"spans": expelled.spans})
