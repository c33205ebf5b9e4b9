"""Second Uzbek probe round: loyalty shaming, dehumanization and rumours of a group's plot that the probe lines of a
lexicon round found missing, in Latin and Cyrillic script (the Cyrillic text is read transliterated), read through the
whole pipeline. Each hateful line must carry its cue; each friendly, neutral or news line with the same words must
not."""

from __future__ import annotations

import pytest

#: (text, the hallmark a cue must find in it)
FOUND = [
    ("Уйғурни ҳимоя қилган сен ҳам ўзбек эмассан.", "questioning_ingroup_loyalty"),
    ("Sen qirgʻiz emassan, tojiklar bilan doʻstlashding.", "questioning_ingroup_loyalty"),
    ("Тожиклар билан савдо қилаётганлар ўзбек эмас.", "questioning_ingroup_loyalty"),
    ("Uygʻurlarga ijaraga uy berayotganlar uyalsin!", "questioning_ingroup_loyalty"),
    ("Туркларга уй сотаётганлар уялсин!", "questioning_ingroup_loyalty"),
    ("Oʻzbeklarga qiz beradiganlar nomussiz.", "questioning_ingroup_loyalty"),
    ("Dunganlar iflos, ular bilan bir stolda oʻtirmayman.", "dehumanization"),
    ("Тожиклар ифлос, улар билан гаплашманг.", "dehumanization"),
    ("Qozoqlar itdan ham battar.", "dehumanization"),
    ("Уйғурлар итдан ҳам баттар.", "dehumanization"),
    ("Тожик итлари ҳаммаёқда ғимирлаяпти.", "dehumanization"),
    ("Oʻzbek itlari hammayoqda.", "dehumanization"),
    ("Bu oʻzbeklar suvaraklardan farq qilmaydi.", "dehumanization"),
    ("Тожиклар каламушлардан фарқ қилмайди.", "dehumanization"),
    ("Qirgʻizlar kechasi mahallamizga bostirib kelishmoqchi emish.", "accusation_in_a_mirror"),
    ("Тожиклар қишлоғимизга бостириб киришмоқчи.", "accusation_in_a_mirror"),
    ("Oʻzbeklarning mashinalarini yoqib yuboring.", "call_to_violence"),
    ("Қирғизларнинг уйларини ёқиб юборинглар!", "call_to_violence"),
    ("Nega qirgʻizlar hali tirik?", "call_to_violence"),
    ("Нега ўзбеклар ҳали тирик?", "call_to_violence"),
    ("Dunganlarga hech qachon uy sotmang.", "call_to_expulsion"),
    ("Тожикларга ҳеч қачон уй берманглар.", "call_to_expulsion"),
    ("Қозоқлар Ўш бозорида савдо қилмасин.", "call_to_expulsion"),
    ("Uygʻurlar Qorasuv bozorida savdo qilmasin.", "call_to_expulsion"),
]

#: (friendly, neutral or news text with the same words, the hallmark it must not get)
NOT_FOUND = [
    ("U oʻzbek emas, tojik.", "questioning_ingroup_loyalty"),
    ("Qirgʻizlarga yordam berganlar — haqiqiy qahramonlar.", "questioning_ingroup_loyalty"),
    ("Тожикларни ҳимоя қилганларга раҳмат!", "questioning_ingroup_loyalty"),
    ("Oʻzbeklar iflos koʻchani tozalashdi.", "dehumanization"),
    ("Ruslar iflos emas.", "dehumanization"),
    ("Ruslarning iti koʻrgazmada birinchi oʻrinni oldi.", "dehumanization"),
    ("Қозоқларнинг ити йўқолди, топган одамга мукофот.", "dehumanization"),
    ("Bu mashina boshqasidan farq qilmaydi.", "dehumanization"),
    ("Fermerlar chigirtkaga qarshi kurashmoqda.", "dehumanization"),
    ("Oʻgʻrilar uyimizga bostirib kirdi, militsiya qidirmoqda.", "accusation_in_a_mirror"),
    ("Futbolchilar birinchi boʻlib hujum qilishdi va gol urishdi.", "accusation_in_a_mirror"),
    ("Nega bu gullar hali tirik?", "call_to_violence"),
]


@pytest.fixture(scope="module")
def decided(decide_texts):
    return decide_texts([t for t, _ in FOUND + NOT_FOUND])


@pytest.mark.parametrize("text,label", FOUND)
def test_new_uzbek_cue_is_found(decided, text, label):
    features, _ = decided[text]
    assert label in {c.label for c in features.cues}, [(c.label, c.text) for c in features.cues]


@pytest.mark.parametrize("text,label", NOT_FOUND)
def test_same_words_in_a_friendly_or_neutral_text_are_no_cue(decided, text, label):
    features, _ = decided[text]
    assert label not in {c.label for c in features.cues}, [(c.label, c.text) for c in features.cues]


def test_praise_of_those_who_stood_by_a_group_is_counter_speech(decide_texts):
    texts = ["Уйғурларни ҳимоя қилган адвокатга раҳмат.", "Qirgʻizlarga yordam berganlar — haqiqiy qahramonlar."]
    for text, (features, _) in decide_texts(texts).items():
        assert "counter_speech" in {c.label for c in features.context}, text


def test_a_group_named_as_our_partners_or_side_by_side_is_inclusion(decide_texts):
    texts = ["Qozoq sheriklarimiz bilan yer sotib olib, ferma ochdik.", "Tojik qizlari bilan oʻzbek yigitlar birga oʻqiydi.",
             "Қозоқ дўстларим тўйга келишди."]
    for text, (features, analysis) in decide_texts(texts).items():
        assert "inclusion" in {c.label for c in features.context}, text
        assert not analysis.incitement, text


def test_refused_togetherness_is_no_inclusion(decide_texts):
    (features, _), = decide_texts(["Qirgʻizlar bilan birga ishlamaymiz."]).values()
    assert "inclusion" not in {c.label for c in features.context}
