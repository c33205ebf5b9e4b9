"""Kyrgyz cue patterns of the lexicon round (cue.*.ky.k10 … k48, and the widened ky.6, ky.1, w35, w50, w51), read through the whole pipeline: each finds its
hallmark in a short made-up hateful sentence, and the same words in a friendly, neutral or news sentence find
no such cue."""

from __future__ import annotations

import pytest

#: (text, the hallmark a cue must find in it)
FOUND = [
    ("Тажиктер — биздин наныбызды жеп семирген сүлүктөр.", "dehumanization"),                     # k10
    ("Казактар — айылдагы арам чөп, аларды тамыры менен жулуу керек.", "dehumanization"),        # k11
    ("Ошол уйгурлар — кир! Алардан алыс жүргүлө.", "dehumanization"),                                                # k12
    ("Биздин айылга дуңгандар чегирткедей каптап келишти.", "dehumanization"),                   # k13
    ("Суу ташкынындай орустар шаарды каптап жатышат.", "dehumanization"),                        # k14
    ("Аларды адам катары көрбөгүлө, өзбектер ошого татыктуу.", "dehumanization"),                # k16
    ("Базарды тазалоо башталды, эң биринчи тажиктерден баштайбыз.", "dehumanization"),           # k17
    ("Уйгурлар сүйлөбөйт, маарашат.", "dehumanization"),                                         # k39
    ("Бардык казактарга — ок!", "call_to_violence"),                                             # k18
    ("Дуңгандарды өлтүрүү — ар бир жигиттин милдети.", "call_to_violence"),                      # k19
    ("Орустардын көчөсү бүгүн түнү күл болсун!", "call_to_violence"),                            # k21
    ("Келгиле, айылыбызды тажиктерден бошотолу.", "call_to_expulsion"),                          # k22
    ("Уйгурларды чек арадан ары айдагыла!", "call_to_expulsion"),                                # k23
    ("Дуңгандарды кууп таштоо керек.", "call_to_expulsion"),                                     # k37
    ("Абайлагыла, казактар бизге кол салганы жатышат.", "accusation_in_a_mirror"),               # k25
    ("Өзбектер тымызын куралданып жатышат.", "accusation_in_a_mirror"),                          # k26
    ("Тажиктердин кыздары — арзан товар.", "attack_on_women_and_girls"),                         # k27
    ("Уйгур аялдардын жоолугун жулуп алгыла!", "attack_on_women_and_girls"),                     # k28
    ("Орустарга батир берген үй ээлери — уятсыздар.", "questioning_ingroup_loyalty"),            # k30
    ("Дуңган мугалимдерди колдогон директор — элсиз.", "questioning_ingroup_loyalty"),          # k30
    ("Эмне үчүн өзбектерди адам катары санашат?", "dehumanization"),                              # k42
    ("Угуп калдым, булакка тажиктер уу куюп кетишиптир.", "accusation_in_a_mirror"),              # k43
    ("Уйгурлар кайра келсе, аларды да аябайбыз.", "call_to_violence"),                            # k44
    ("Дуңгандар бир нерсе пландап жатат, алардан мурда кыймылдайлы!", "accusation_in_a_mirror"),  # k45
    ("Казактар даярданып жатат, бул жолу алардын кезегин күтпөйбүз.", "accusation_in_a_mirror"),  # k46
    ("Казак сатуучулар биздин балдарга бузулган тамак сатып жатышат.", "accusation_in_a_mirror"),  # k47
    ("Дуңгандар бизди суу менен ууландырганы жатышат.", "accusation_in_a_mirror"),                 # k48
    ("Тажик келин алсаң, кан бир жолу аралашса оңолбойт.", "threat_to_purity"),                  # k38
    ("Казак менен баш кошсоң, балдары таза болбойт.", "threat_to_purity"),                       # k36
]

#: (text, the hallmark no cue may find in it)
NOT_FOUND = [
    ("Дуңгандар — биздин коңшулар, алар менен бирге таштанды чогулттук.", "dehumanization"),
    ("Өзбектер — саркынды эмес, биздей эле адамдар!", "dehumanization"),
    ("Нөшөрдөн кийин суу селдей каптап, Ноокаттын көчөлөрүн басты; уйгур үй-бүлөлөргө жардам берилди.", "dehumanization"),
    ("Тажик коңшуларыбыз менен көчөнү тазалоо акциясын биргелешип баштадык.", "dehumanization"),
    ("Колукту — тажик кыз. Кан аралашса үй-бүлө бекемдейт дешет карыялар.", "threat_to_purity"),
    ("Казак кыздары — товар эмес, эже-карындаштарыбыз.", "attack_on_women_and_girls"),
    ("Уйгурларды шылдыңдаган адамдар — уятсыздар.", "questioning_ingroup_loyalty"),
    ("Чек ара кызматы өзбек жарандарын чек арадан өткөрүп жиберди.", "call_to_expulsion"),
    ("Биз бул долбоор үчүн күчүбүздү аябайбыз, тажик досторубуз да жардам берет.", "call_to_violence"),
    ("Дыйкандар талаага химикат себишти, уйгур агрономдор кеңеш беришти.", "accusation_in_a_mirror"),
    ("Өзбек дарыгерлер биздин балдарга бекер эмдөө жасап жатышат.", "accusation_in_a_mirror"),
    ("Кыргыз жана казак балбандар эртең кол кармашып сүрөткө түшүштү.", "accusation_in_a_mirror"),
]


@pytest.fixture(scope="module")
def decided(decide_texts):
    return decide_texts([t for t, _ in FOUND + NOT_FOUND])


@pytest.mark.parametrize(("text", "hallmark"), FOUND)
def test_the_new_cue_finds_its_hallmark(decided, text, hallmark):
    features, _ = decided[text]
    assert hallmark in {c.label for c in features.cues}, features.cues


@pytest.mark.parametrize(("text", "hallmark"), NOT_FOUND)
def test_the_same_words_said_harmlessly_find_no_such_cue(decided, text, hallmark):
    features, _ = decided[text]
    assert hallmark not in {c.label for c in features.cues}, features.cues
