"""Shame put on those who spread hate ("… oʻxshatgan bloger uyalsin", "… теңеген блогер уялсын", "… постторду көрүп
жатам. Уялгыла!") is a condemnation, and an insult named rather than made ("тажиктерди чегиртке менен салыштырган
посттор": posts that compare Tajiks to locusts; "qizlarni … sharmanda qiladiganlar": those who shame girls) is no cue.
Shame put to one's own for dealings with a group, or asked of them ("uyalmaysizmi?"), is neither: haters use it too."""

from __future__ import annotations

import pytest

#: Shame on one who spoke or wrote: a condemnation, and the line stays unflagged.
SPEAKERS_SHAMED = [
    ("uz", "Dunganlarni suvarakka oʻxshatgan bloger uyalsin. Bizga lagʻmon choʻzishni oʻrgatgan xalqqa hurmat bilan "
           "qarang!"),
    ("uz", "Қизларни кимга турмушга чиққани учун шарманда қиладиганлар ўзлари уялсин. Рус ёки корейсга теккан бўлса "
           "нима бўпти, бу унинг ҳаёти, унинг танлови. Уни ҳимоя қиламиз."),
    ("ky", "Өзбектерди чегиртке менен теңеген блогер уялсын."),
    ("ky", "телеграмда тажиктерди чегиртке менен салыштырган постторду көрүп жатам. Уялгыла!"),
]

#: Shame put to one's own for a group, in the same breath as the cue: no condemnation, still flagged.
OWN_SHAMED = [
    ("uz", "Qizlarimizni tojiklar sharmanda qilyapti, uyalmaysizmi, erkaklar?"),
    ("uz", "Qirgʻizga tekkan qizlarimiz oilamizni sharmanda qiladi, uyalsin!"),
]


@pytest.fixture(scope="module")
def decided(decide_texts):
    pairs = SPEAKERS_SHAMED + OWN_SHAMED
    return decide_texts([text for _, text in pairs], [lang for lang, _ in pairs])


@pytest.mark.parametrize("lang, text", SPEAKERS_SHAMED)
def test_shame_on_one_who_spread_hate_is_a_condemnation(decided, lang, text):
    features, analysis = decided[text]
    assert "condemnation" in {c.label for c in features.context}, [(c.label, c.text) for c in features.context]
    assert not analysis.incitement, (analysis.score, analysis.explanation)


@pytest.mark.parametrize("lang, text", SPEAKERS_SHAMED[1:])
def test_an_insult_named_rather_than_made_is_no_cue(decided, lang, text):
    features, _ = decided[text]
    assert not {"dehumanization", "attack_on_women_and_girls"} & {c.label for c in features.cues}, \
        [(c.label, c.text) for c in features.cues]


@pytest.mark.parametrize("lang, text", OWN_SHAMED)
def test_shame_put_to_ones_own_is_no_condemnation(decided, lang, text):
    features, analysis = decided[text]
    assert "condemnation" not in {c.label for c in features.context}
    assert analysis.incitement, (analysis.score, analysis.explanation)
