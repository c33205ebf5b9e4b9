"""Frames that probes of fresh hateful lines found the rules did not read: a shop or landlord's sign that shuts a group
out ("tojiklarga mol sotilmaydi", "уйгурларга товар сатылбайт"), a group sent home in the sentence after it is named
("Oʻz yurtiga qaytsin!"), a group ranked with dogs ("No dogs, no Uyghurs"), humanity denied with a contraction
("aren't people"), heads to be torn off ("бошки поотрывать"), mixed marriages to be banned, one who rents to a group
called no better than them; the colloquial Uzbek "oʻrus" (Russian); and a hashtag of words run together
("#УзбекиВон", "#UzbeksGoHome"). Then veiled frames from a later probe: "тут им места нет", "их сюда никто не звал",
"пора и честь знать", "vataniga joʻnatish vaqti keldi", no different from animals ("pashshadan farqi yoʻq", "иттен
эмне айырмасы бар?"), blood, lineage and faith spoiled ("каны ала болот", "ыйманын бузуп", "в свою веру тянут",
"растворение нации") and June 2010 held over a group ("забыли 2010-й — пора напомнить"). Each has a harmless twin
that stays quiet."""

from __future__ import annotations

import pytest

from tests.known_wrong import cases

#: (language hint, text, the cue's hallmark)
FOUND = [
    ("uz", "Bu doʻkonda tojiklarga mol sotilmaydi, ishga ham olinmaydi.", "call_to_expulsion"),
    ("ky", "Уйгурларга товар сатылбайт, үй ижарага берилбейт.", "call_to_expulsion"),
    ("uz", "Bizning mahallada tojiklar koʻpayib ketdi. Oʻz yurtiga qaytsin!", "call_to_expulsion"),
    ("en", "No dogs, no Uyghurs.", "dehumanization"),
    ("en", "No Uzbeks or dogs allowed in this cafe.", "dehumanization"),
    ("en", "Kazakhs aren't people, they're cattle.", "dehumanization"),
    ("ru", "Туркам надо бошки поотрывать.", "call_to_violence"),
    ("ru", "Свернуть шеи этим таджикам!", "call_to_violence"),
    ("ru", "Смешанные браки с таджиками — запретить!", "threat_to_purity"),
    ("ru", "Надо запретить смешанные браки с узбеками.", "threat_to_purity"),
    ("en", "Ban mixed marriages with the Tajiks!", "threat_to_purity"),
    ("en", "Anyone who still rents flats to Uzbeks is no better than them.", "questioning_ingroup_loyalty"),
    ("en", "Whoever sells land to a Tajik is a traitor.", "questioning_ingroup_loyalty"),
    ("uz", "Ўруслар бу ерда ортиқча, кетсин!", "call_to_expulsion"),
    ("ky", "Тажик деген ошол эле чегиртке.", "dehumanization"),
    ("ru", "#УзбекиВон", "call_to_expulsion"),
    ("en", "#UzbeksGoHome", "call_to_expulsion"),
    ("ru", "Дунгане пусть едут к себе, тут им места нет.", "call_to_expulsion"),
    ("ru", "Кто-нибудь объяснит туркам, что их сюда никто не звал?", "call_to_expulsion"),
    ("ru", "Гостям пора и честь знать — это про узбеков.", "call_to_expulsion"),
    ("uz", "Qirgʻizlarni vataniga joʻnatish vaqti keldi.", "call_to_expulsion"),
    ("uz", "Yahudiylar pashshadan farqi yoʻq.", "dehumanization"),
    ("ky", "Кытайлардын иттен эмне айырмасы бар?", "dehumanization"),
    ("ru", "Узбеки ничем не отличаются от скота.", "dehumanization"),
    ("en", "Uzbeks are no different from animals.", "dehumanization"),
    ("ky", "Кыргыз кызы сартка турмушка чыкса, небереңдин каны ала болот.", "threat_to_purity"),
    ("ky", "Корейлер жаштарыбыздын ыйманын бузуп жатат.", "threat_to_purity"),
    ("ru", "Корейцы детей наших в свою веру тянут.", "threat_to_purity"),
    ("ru", "Смешанные браки с таджиками — это растворение нации.", "threat_to_purity"),
    ("ru", "Узбеки забыли 2010-й — пора напомнить.", "call_to_violence"),
    ("en", "The Uzbeks forgot 2010, time to remind them of June.", "call_to_violence"),
]

#: (language hint, text, the hallmark no cue of which may be found)
QUIET = [
    ("uz", "Qirgʻizlarga uy ijaraga beriladi, narxi kelishilgan.", "call_to_expulsion"),
    ("uz", "Mehmonlar oʻz yurtiga eson-omon qaytsin.", "call_to_expulsion"),
    ("en", "No dogs on the beach, no Uzbek music after ten — the new rules for the Issyk-Kul resort.",
     "dehumanization"),
    ("en", "Kazakhs aren't people who give up easily.", "dehumanization"),
    ("ru", "Оторвали голову кукле, пришлось клеить — дети у соседей-узбеков шумные.", "call_to_violence"),
    ("en", "Anyone who rents flats to Uzbeks in Osh knows the market is slow this winter.",
     "questioning_ingroup_loyalty"),
    ("ky", "Өзбек деген эл тойду жакшы өткөрөт.", "dehumanization"),
    ("uz", "Ўрус қўшнимиз бизга ҳар доим ёрдам беради.", "call_to_expulsion"),
    ("uz", "Talabalarni uyga joʻnatish vaqti keldi, oʻzbek va qirgʻiz bolalar kutib turibdi.", "call_to_expulsion"),
    ("uz", "Bu yilgi hosil oʻtgan yilgidan farqi yoʻq, oʻzbek dehqonlari aytadi.", "dehumanization"),
    ("ru", "Узбеки ничем не отличаются от нас.", "dehumanization"),
    ("ky", "Өзбек дарыгер кан алды, анализ жакшы чыкты.", "threat_to_purity"),
    ("en", "Nobody invited them to the party, so the Uzbek cousins stayed home.", "call_to_expulsion"),
]

#: Flagged through the whole decision.
FLAGGED = [FOUND[i][:2] for i in (1, 2, 3, 5, 7, 8, 10, 12, 17, 18, 19, 20, 22, 24, 25, 26, 28, 30)]


@pytest.fixture(scope="module")
def decided(decide_texts):
    rows = [row[:2] for row in FOUND + QUIET]
    return decide_texts([text for _, text in rows], [lang for lang, _ in rows])


@pytest.mark.parametrize("lang, text, hallmark", FOUND)
def test_the_frame_is_a_cue_of_its_hallmark(decided, lang, text, hallmark):
    features, _ = decided[text]
    assert hallmark in {c.label for c in features.cues}, [(c.label, c.text) for c in features.cues]


@pytest.mark.parametrize("lang, text", FLAGGED)
def test_the_frame_aimed_at_a_group_is_flagged(decided, lang, text):
    _, analysis = decided[text]
    assert analysis.incitement, (analysis.score, analysis.explanation)


#: Harmless twins the shipped model flags with no cue at all (see docs/model-card.md, "A twelfth template round").
KNOWN_WRONG = {
    "No dogs on the beach, no Uzbek music after ten — the new rules for the Issyk-Kul resort.":
        "no cue; the classifier, taught a sign that ranks a group with dogs, reads the beach rules so too (0.52)",
}


@pytest.mark.parametrize("lang, text, hallmark", cases(QUIET, KNOWN_WRONG, text_at=1))
def test_its_harmless_twin_holds_no_such_cue_and_is_not_flagged(decided, lang, text, hallmark):
    features, analysis = decided[text]
    assert hallmark not in {c.label for c in features.cues}, [(c.label, c.text) for c in features.cues]
    assert not analysis.incitement, (analysis.score, analysis.explanation)


def test_the_colloquial_uzbek_word_for_russian_names_the_group(decided):
    features, _ = decided["Ўрус қўшнимиз бизга ҳар доим ёрдам беради."]
    assert [t.label for t in features.targets] == ["russian"]


@pytest.mark.parametrize("lang, text", [
    ("en", "#NoMixedMarriages Every Tajik bride weakens our nation."),
    ("ru", "#НетСмешаннымБракам Каждая узбечка в нашей семье — конец рода."),
])
def test_the_no_of_a_slogan_hashtag_denies_nothing(decide_texts, lang, text):
    features, analysis = decide_texts([text], [lang])[text]
    assert "negation" not in {c.label for c in features.context}, [(c.label, c.text) for c in features.context]
    assert "threat_to_purity" in {c.label for c in features.cues}
    assert analysis.incitement, (analysis.score, analysis.explanation)
