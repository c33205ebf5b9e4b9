"""Calls to exclusion (keep a group out of work, housing, trade, school or a shop) through the whole decision: the
cue's form says so, the explanation names it, and the score cannot fall below the floor of a call the writer
makes his own, since the classifier reads such notices in the words of trade and hiring as harmless. Their
look-alikes (a boycott of a match or a website, a sign the police took down, a refusal to boycott) stay unflagged."""

from __future__ import annotations

import json

import pytest

from tocsin.config import NlpSettings
from tocsin.nlp import TextAnalyser

#: Calls the classifier alone scores below the threshold (0.19–0.49): the floor under their cue flags them.
CALLS = [
    "Турков на работу не принимаем, вакансия только для своих.",
    "Турок на работу не принимаем.",
    "Дүңгөндөрдү биздин мектепке кабыл албайбыз.",
    "Озбекторду дуконго жолотпогула.",                          # typed without ө ү
    "Room for rent in Osh — no Tajiks, don't bother calling.",
    "Dungans are not welcome at our bazaar.",
    "Don't let the Chinese anywhere near the shop.",
    "Turks must not be hired here under any circumstances.",
    "Don't rent to Uyghurs, ever.",
    "Turks need not apply.",
    "Boycott Uzbek traders in Osh!",
    "Бойкотируйте узбекских таксистов!",
    "Ижарага берем, тажиктерге эмес.",
    "Казактарды жумушка алба, уктуңбу?",                          # an order in the singular
    # reported, then approved: the writer's own again
    "My neighbour says don't hire Uyghurs. He's right, don't hire them.",
    # the people, their families and shops boycotted; orders in the singular; house rules in the present passive
    "Boycott Uzbek families in our street",
    "boycott the Uzbeks completely",
    "Boycott Kyrgyz-owned shops in Osh.",
    "Бойкотируйте узбеков немедленно",
    "Never buy from Tajiks guys",
    "Казактардын дүкөндөрүн бойкоттогула!",
    "Uygʻurlarning doʻkonlarini boykot qilinglar!",
    "Kvartira ijaraga beriladi, ruslarga emas.",
    "Xitoyliklarga bozorda savdo qilishga ruxsat bermaymiz!",
    "Qirg'iz bolalarini maktabimizga qabul qilmanglar.",
    "Дунгандардын дүкөндөрүнөн эч нерсе сатып албагыла!",
    # "no way / no place for" the group, named in the dative (also as vermin)
    "Өзбектерге бул шаарда жол жок.",
    "Oʻzbeklarga bu shaharda yoʻl yoʻq.",
    "Тажик келемиштерине жол жок.",
    "Don't buy from Dungan shops, starve them out.",                 # the group's shops, in the plural
    "Ошто батир ижарага берилет, өзбектерге берилбейт.",             # a rental notice
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
    "Boycott the Russian-made products!",
    "Shun the Uzbek league this season, the referees are awful.",
    "Please answer in English, no Russian please.",
    # a report, a question or a complaint about an exclusion, called what it is
    "Омбудсман қирғизларни ишга олмаслик ҳақидаги шикоятни текширмоқда.",
    "Is it true that firms in Jalal-Abad won't hire Dungans?",
    "Why did the firm stop hiring Kyrgyz? That is discrimination.",
    # someone else's call reported, and answered
    "Сосед говорит, таджиков на работу не брать. Не дождётесь, я беру всех.",
    "Chatda qirg'izlarga uy bermanglar deb yozishyapti. Men beraman.",
    "Somebody online says don't hire Russians. Yeah right, my best worker is Russian.",
    "Someone wants to boycott Turkish cafes? I'm eating there tonight.",
    # reports, questions, a country's market or series, goods, safety advice, a loan
    "Russians are not allowed at the Olympics this year, the IOC said.",
    "Investors should boycott the Russian market.",
    "Boycott the Uzbeks match tickets, they cost a fortune.",
    "We don't buy from Kazakhs directly, only through the wholesaler.",
    "Don't let Uzbek kids near the river, the current is strong.",
    "Правда ли, что турки на наш базар не допускаются?",
    "Бойкот китайскому рынку!",
    "Түрк сериалдарын бойкоттогула, балдар көрбөсүн.",
    "Кытай базарынан эч нерсе сатып албагыла, баары жасалма.",
    "Tojiklar ishga olma olib kelishdi.",
    "Qarzni beramiz, xitoyliklarga emas, Jahon bankiga.",
    "Turk seriallarini boykot qilinglar, bolalar koʻrmasin.",
    # a boycott refused
    "Казактардын дүкөнүн бойкоттобойм, ал жерден жыйырма жыл бою соода кылып келем.",
    "Uygʻurlarning doʻkonini boykot qilmayman, u yerdan yigirma yil xarid qilaman.",
    # no road, no seats: a place or a bus, not a group, has no room
    "Баткенге жол жок, көпүрө кулады; кыргыз айдоочулар күтүп жатат.",
    "Кыргыз айдоочуларга чек арадан жол жок, алар үч күн күтүштү.",
    "Oʻzbek yoʻlovchilar koʻp, avtobusda joy yoʻq.",
    "Өзбекстандын жарандарына виза берилбейт, деп кабарлады элчилик.",   # a visa, not a flat
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


def test_a_longer_call_to_exclusion_does_not_swallow_a_call_to_expulsion_it_overlaps(tmp_path):
    extra = tmp_path / "local.jsonl"
    extra.write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in [
        {"id": "local.expel", "kind": "cue", "label": "call_to_expulsion", "language": "en", "pattern": "throw the Tajiks out",
         "meaning": "expulsion"},
        {"id": "local.exclude", "kind": "cue", "label": "call_to_expulsion", "form": "exclusion", "language": "en",
         "pattern": "Tajiks out of our shops and cafes", "meaning": "exclusion from shops"},
    ]), encoding="utf-8")
    cues = TextAnalyser(NlpSettings(extra_lexicons=[str(extra)])).features("Throw the Tajiks out of our shops and cafes!").cues
    assert sorted((c.text, c.form) for c in cues) == [("Tajiks out of our shops and cafes", "exclusion"), ("Throw the Tajiks out", "")]
