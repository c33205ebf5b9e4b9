"""Uzbek cue round: general words and short constructions of Uzbek for the hallmarks, in Latin and Cyrillic script
(the Cyrillic text is read transliterated), read through the whole pipeline. Each hateful line must carry its cue;
each friendly, neutral or news line with the same words must not."""

from __future__ import annotations

import pytest

#: (text, the hallmark a cue must find in it)
FOUND = [
    ("Kechasi borib tojiklarning qoʻlini sindiringlar!", "call_to_violence"),
    ("Бозорга боринг, дунганларнинг тишини тўкинг!", "call_to_violence"),
    ("Ertaga uygʻurlarni kaltaklashga kim chiqadi?", "call_to_violence"),
    ("Ruslarni tor-mor qilamiz, hech biri qolmaydi.", "call_to_violence"),
    ("Qozoqlarning doʻkonlari shu kecha kulga aylanadi.", "call_to_violence"),
    ("Ular mahallamizni bosmoqchi, bunga javob bitta: ularni ezib tashlanglar!", "call_to_violence"),
    ("Ruslarni bir kechada qirish qancha vaqt olardi?", "call_to_violence"),
    ("Politsiya jim, uygʻurlarning jazosini oʻzimiz beramiz.", "call_to_violence"),
    ("Diqqat: qirgʻizlar tog'da qurol yigʻmoqda!", "accusation_in_a_mirror"),
    ("Ўзбеклар ертўлаларда қурол яширмоқда.", "accusation_in_a_mirror"),
    ("Ular indamay pichoq qayramoqda, biz esa uxlayapmiz.", "accusation_in_a_mirror"),
    ("Dunganlar jimgina qasos olishga tayyorlanmoqda.", "accusation_in_a_mirror"),
    ("Eshitdim: tojiklar yertoʻlada qurol saqlayotgan ekan.", "accusation_in_a_mirror"),
    ("Ehtiyot boʻling: yahudiylar birinchi boʻlib hujum qiladi.", "accusation_in_a_mirror"),
    ("Ular uylarimizni kulga aylantirmoqchi.", "accusation_in_a_mirror"),
    ("Ruslar bilan toʻy qilish — millatning oʻlimi.", "threat_to_purity"),
    ("Qizim tojikka tegdi, naslimizga yot qon aralashdi.", "threat_to_purity"),
    ("Qozoqlar masjidimizga kirib, uni bulgʻamoqda.", "threat_to_purity"),
    ("Bitta yahudiy ham aralashmasin, safimiz toza qolsin.", "threat_to_purity"),
    ("Qirgʻizlarga yon bosganlar — ichimizdagi xoinlar.", "questioning_ingroup_loyalty"),
    ("Uygʻurlar bilan ulfat boʻlgan odamni qanday qilib oʻzimizniki deymiz?", "questioning_ingroup_loyalty"),
    ("Bu amaldor qishlogʻimizni qozoqlarga sotdi.", "questioning_ingroup_loyalty"),
    ("Тожиклар — ифлос, бошқа гап йўқ.", "dehumanization"),
    ("Qozoqlar gapirmaydi, itdek huradi.", "dehumanization"),
    ("Ularga odamdek gapirib boʻlmaydi, dunganlar faqat qamchini tushunadi.", "dehumanization"),
    ("Yahudiylar moxov kabi tarqalmoqda.", "dehumanization"),
    ("Tojiklar kalamushdek koʻpaymoqda.", "dehumanization"),
    ("Devordagi mogʻor kabi ruslar ham sekin yoyilmoqda.", "dehumanization"),
]

#: (friendly, neutral or news text with the same words, the hallmark it must not get)
NOT_FOUND = [
    ("Futbolda qoʻlini sindirgan oʻyinchi tuzalib qaytdi.", "call_to_violence"),
    ("Terma jamoamiz raqibini 4:0 hisobida tor-mor qildi.", "call_to_violence"),
    ("Tojiklar bilan hisob-kitob qilish vaqti keldi: qarzni qaytaramiz.", "call_to_violence"),
    ("Oʻtgan yili omborxona yongʻindan kulga aylandi, hech kim jabrlanmadi.", "call_to_violence"),
    ("Eski qogʻozlarni yigʻib, ularni ezib tashlash mumkin emas.", "call_to_violence"),
    ("Ishchilarning haqini oʻzimiz beramiz, xavotir olmang.", "call_to_violence"),
    ("Militsiya aholidan noqonuniy qurol yigʻib oldi.", "accusation_in_a_mirror"),
    ("Qozogʻiston terma jamoasi finalda qasos olishga tayyorlanmoqda.", "accusation_in_a_mirror"),
    ("Noqonuniy qurol saqlayotgan fuqaro Andijonda ushlandi.", "accusation_in_a_mirror"),
    ("Oshpaz ertalab pichoq qayrab, goʻsht toʻgʻradi.", "accusation_in_a_mirror"),
    ("Ular birinchi boʻlib yordamga kelishdi, rahmat!", "accusation_in_a_mirror"),
    ("Xalqimiz tinchlikni, doʻstlikni sevadi; turli millatlar aralashib, ahil yashaydi.", "threat_to_purity"),
    ("Biz uni oʻzimizniki deb hisoblaymiz: u mahallamizning eng yaxshi ustasi.", "questioning_ingroup_loyalty"),
    ("Bobom qishloqni tark etib uyini sotdi.", "questioning_ingroup_loyalty"),
    ("Devordagi zang kabi mogʻor ham tez tarqalmoqda, uyni shamollating.", "dehumanization"),
    ("Tibbiyot: bemorning tanasidagi oʻsma muvaffaqiyatli olib tashlandi.", "dehumanization"),
    ("Qoʻylar bosh bilan sanaladi: fermada ming bosh qoʻy bor.", "dehumanization"),
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
