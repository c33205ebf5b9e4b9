"""Kyrgyz probe round (cue.*.ky.pr1 … pr29, not_context.*.ky.pr1, pr2, context.refusal.ky.pr3): wordings of Kyrgyz
posts that the probe lines of a lexicon round found missing — loyalty shaming, animal words and rumours of a group's
plot above all — read through the whole pipeline. Each hateful line must carry its cue; each friendly, neutral or
news line with the same words must not."""

from __future__ import annotations

import pytest

#: (text, the hallmark a cue must find in it)
FOUND = [
    ("Өзбектер менен соода кылсаң, сен кыргыз эмессиң.", "questioning_ingroup_loyalty"),          # pr1
    ("Тажикке турмушка чыккан кыз кыргыз эмес.", "questioning_ingroup_loyalty"),                   # pr2
    ("Өзбекке үйлөнгөн кызды эл кечирбейт, ал эми бизге бөтөн.", "questioning_ingroup_loyalty"),   # pr3
    ("Өзбек дарыгерге барган кыргыз — намыссыз.", "questioning_ingroup_loyalty"),                   # pr20
    ("Өзбектер — шайтандын тукуму.", "dehumanization"),                                            # pr4
    ("Казактар жырткыч, аларды адам деп айтпагыла.", "dehumanization"),                            # pr5
    ("Сарттардын баары — жылан.", "dehumanization"),                                               # pr6
    ("Өзбектер Ошту бөлүп алгысы келет, автономия сурап жатышат.", "accusation_in_a_mirror"),      # pr7
    ("Түрктөр бул жерге жашыруун аскер киргизип жатышат.", "accusation_in_a_mirror"),              # pr8
    ("Эгер биз азыр кыймылдабасак, тажиктер бизди биринчи сойот.", "accusation_in_a_mirror"),      # pr9
    ("Алар биринчи баштаса кеч болуп калат, өзбектерден мурун биз чыгышыбыз керек.", "accusation_in_a_mirror"),  # pr10
    ("Өзбектер балдарыбызды уурдап кетишет, эч кимди сыртка чыгарбагыла.", "accusation_in_a_mirror"),  # pr11
    ("Дуңгандар мечитте курал сактап жатышат, ушуну билип алгыла.", "accusation_in_a_mirror"),     # pr21
    ("Менимче, уйгурларды атып салуу керек.", "call_to_violence"),                                 # pr12
    ("Орустарды кырып салуу убагы келди.", "call_to_violence"),                                    # pr12
    ("Казактардын машиналарын күйгүзгүлө.", "call_to_violence"),                                   # pr13
    ("Дуңгандар кечки саат 8ден кийин көчөгө чыкпасын.", "call_to_expulsion"),                     # pr14
    ("Казактардын дүкөндөрүнө бойкот жарыялайбыз.", "call_to_expulsion"),                          # pr15
    ("Орус келиндер кыргыз тукумун бузат.", "threat_to_purity"),                                   # pr16
    ("Дуңган кызга үйлөнбө, тукумуң бузулат.", "threat_to_purity"),                                # pr16
    ("Тажик аялдары — жалаптар.", "attack_on_women_and_girls"),                                    # pr17
    ("Дуңган кыздарын зордоо керек.", "attack_on_women_and_girls"),                                # pr18
    ("Уйгур келиндердин жоолугун жулуп, көчөдө уят кылгыла.", "attack_on_women_and_girls"),       # pr19
    ("Өзбек кыздарын уурдап кеткиле.", "attack_on_women_and_girls"),                               # pr22
    ("Тажиктерди жок кылуу — зыянкечтерди жок кылгандай эле.", "dehumanization"),                  # pr23
    ("Уйгурлар биздин жерлерди акырындап сатып алып, ээлеп жатышат.", "accusation_in_a_mirror"),   # pr24
    ("Өзбектер Оштун мэриясын басып алууну пландап жатышат.", "accusation_in_a_mirror"),           # pr25
    ("Өзбектердин кызыкчылыгын коргогон депутат — эл душманы.", "questioning_ingroup_loyalty"),    # pr26
    ("Уйгурларды жакшы көргөн сен кандай кыргызсың?", "questioning_ingroup_loyalty"),              # pr27
    ("Сартка кыз берген кыргыз — кыргыз эмес!", "questioning_ingroup_loyalty"),                    # pr2
    ("Шашылыш! Өзбектер мечиттерде курал таратып жатышат.", "accusation_in_a_mirror"),             # pr21
    ("Уйгур досу бар кыргызга ишенбегиле.", "questioning_ingroup_loyalty"),                        # pr28
    ("Биз тынч отурсак, дуңгандар баарыбызды кырып салат.", "accusation_in_a_mirror"),             # pr29
]

#: (text, the hallmark no cue may find in it)
NOT_FOUND = [
    ("Ал кыргыз эмес, казак.", "questioning_ingroup_loyalty"),
    ("Бул китепти жазган адам кыргыз эмес.", "questioning_ingroup_loyalty"),
    ("Тажикке турмушка чыккан кызыбыз бактылуу, тойго бүт айыл барды.", "questioning_ingroup_loyalty"),
    ("Өзбек дарыгерге барган кыргыз бейтаптар ыраазы болушту.", "questioning_ingroup_loyalty"),
    ("Бул салт бизге бөтөн маданияттан келген.", "questioning_ingroup_loyalty"),
    ("Дуңгандардын баары мал багышат.", "dehumanization"),
    ("Тажик жана кыргыз чек арачылары жерди бөлүү боюнча сүйлөшүүлөрдү улантышты.", "accusation_in_a_mirror"),
    ("Өзбектерден мурун биз базарга бардык.", "accusation_in_a_mirror"),
    ("Полиция куралды сейфте сактап жатат.", "accusation_in_a_mirror"),
    ("Таракандарды кырып салуу убагы келди.", "call_to_violence"),
    ("Мешти күйгүзгүлө, үй муздак.", "call_to_violence"),
    ("Балдар кечки саат 10дон кийин көчөгө чыкпасын.", "call_to_expulsion"),
    ("Казактардын дүкөндөрү жаңы жылга арзандатуу жарыялады.", "call_to_expulsion"),
    ("Кыргыз тукумундагы аттар жарышта жеңишти.", "threat_to_purity"),
    ("Мышык сүттү жалап ичти.", "attack_on_women_and_girls"),
    ("Кызды уурдап кетишти, милиция издеп жатат.", "attack_on_women_and_girls"),
    ("Шамал жоолугун жулуп кетти.", "attack_on_women_and_girls"),
    ("Өзбек кыздарын уурдоо — кылмыш, кыз ала качууну токтоткула.", "attack_on_women_and_girls"),
    ("Зыянкечтерди жок кылуу үчүн дары септик.", "dehumanization"),
    ("Биздин айылды суу басып, үйлөр кулады.", "accusation_in_a_mirror"),
    ("1937-жылы атам эл душманы деп атылган.", "questioning_ingroup_loyalty"),
    ("Сен кандай кыргызсың деп сурашты, мен Таластанмын дедим.", "questioning_ingroup_loyalty"),
    ("Ооруканада өзбек досу бар кыргыз дарыгер иштейт.", "questioning_ingroup_loyalty"),
    ("Өзбектер мечиттерде кайрымдуулук таратып жатышат.", "accusation_in_a_mirror"),
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


def test_leaving_none_is_no_negation_of_the_call(decide_texts):
    (features, _), = decide_texts(["Өзбектерди бир да калтырбай өлтүргүлө."]).values()
    assert "negation" not in {c.label for c in features.context}
    assert "call_to_violence" in {c.label for c in features.cues}


def test_a_name_refused_in_its_own_words_is_a_refusal(decide_texts):
    (features, analysis), = decide_texts(["Уйгурлар да биз сыяктуу адамдар, аларды айбан деп атабагыла."]).values()
    assert "refusal" in {c.label for c in features.context}
    assert not analysis.incitement


def test_shame_them_is_an_order_not_a_condemnation(decide_texts):
    (features, analysis), = decide_texts(["Уйгур келиндердин жоолугун жулуп, көчөдө уят кылгыла."]).values()
    assert "condemnation" not in {c.label for c in features.context}
    assert analysis.incitement
