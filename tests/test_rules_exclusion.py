"""Calls to exclusion (keep a group out of work, housing, trade, school or a shop) through the whole decision: the
cue's form says so, the explanation names it, and the score cannot fall below the floor of a call the writer
makes his own, since the classifier reads such notices in the words of trade and hiring as harmless. Their
look-alikes (a boycott of a match or a website, a sign the police took down, a refusal to boycott) stay unflagged."""

from __future__ import annotations

import pytest

#: Calls the classifier alone scores below the threshold (0.19–0.49): the floor under their cue flags them.
CALLS = [
    "Турков на работу не принимаем, вакансия только для своих.",
    "Турок на работу не принимаем.",
    "Китайцев к магазину не подпускать, сказал хозяин.",     # the owner's order, passed on
    "Дүңгөндөрдү биздин мектепке кабыл албайбыз.",
    "Озбекторду дуконго жолотпогула.",                          # typed without ө ү
    "Казактар жумушка алынбасын, кожоюн ушундай деди.",       # the boss's order, passed on
    "Room for rent in Osh — no Tajiks, don't bother calling.",
    "Dungans are not welcome at our bazaar.",
    "Don't let the Chinese anywhere near the shop.",
    "Turks must not be hired here under any circumstances.",
    "Don't rent to Uyghurs, ever.",
    "Turks need not apply.",
    "Boycott Uzbek traders in Osh!",
    "Бойкотируйте узбекских таксистов!",
    "Ижарага берем, тажиктерге эмес.",
]

#: The same words where no group is kept out, or the call is refused or taken down.
LOOK_ALIKES = [
    "Бойкотируем узбекский турнир по курашу из-за цен на билеты, пишут фанаты.",
    "Бойкот узбекскому турниру!",
    "Fans say boycott the Uzbek derby because of ticket prices.",
    "Don't buy from the Chinese website until it fixes refunds.",
    "Улутуна карабай ижарага берем, өзбек эмес деп айырмалабайм.",   # I make no difference between Uzbeks and others
    "Не стану я бойкотировать кафе уйгуров, что бы ни писали в чате. Хожу туда десять лет и трусом себя не считаю.",
    # the words on a sign or in a post that an authority took down
    "Уйгурларга батир ижарага бербегиле деген жарнаманы милиция алып салды.",
    "Бул дүкөнгө тажиктер кирбесин деген жазууну милиция алып салды.",
    "No jobs for Tajiks? The mayor called that sign illegal and had it removed.",
    "Объявление «таджикам квартиры не сдаём» полиция сняла в тот же день.",
    "«Tojiklarga ijaraga bermaymiz» degan eʼlonni militsiya olib tashladi.",
    "A sign saying \"Tajiks not welcome\" was removed from the café door.",
]


@pytest.fixture(scope="module")
def decided(decide_texts):
    return decide_texts(CALLS + LOOK_ALIKES)


@pytest.mark.parametrize("text", CALLS)
def test_a_call_to_exclusion_is_flagged_and_named(decided, text):
    features, analysis = decided[text]
    assert analysis.incitement, (text, analysis.score, analysis.explanation)
    assert analysis.explanation.startswith("call to exclusion against "), analysis.explanation
    stored = [s for s in analysis.spans if s["kind"] == "cue" and s["label"] == "call_to_expulsion"]
    assert stored and all(s["form"] == "exclusion" for s in stored), stored


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_the_same_words_keeping_no_one_out_raise_no_flag(decided, text):
    _, analysis = decided[text]
    assert not analysis.incitement, (text, analysis.score, analysis.explanation)


def test_a_call_to_expulsion_beside_one_to_exclusion_is_named_first(decide_texts):
    text = "Узбеков надо выгнать из Оша, а пока не берите узбеков на работу!"
    features, analysis = decide_texts([text])[text]
    assert {c.form for c in features.cues if c.label == "call_to_expulsion"} == {"", "exclusion"}
    assert analysis.incitement and analysis.explanation.startswith("call to expulsion against uzbek in Osh: 'Узбеков надо выгнать'")
