"""Cues and context markers in every language: phrasings that must raise a hallmark, cues narrowed to their
hateful sense, and the markers (counter-speech, news reporting, negation …) that must or must not be found.

Each kind of check is one test; its cases are a table of ``lang | text | expected …`` rows from every
language, one sentence a row. Sentences are short and fictional; the hateful ones are labelled by the
hallmark they must raise. A marker that must be found is looked for among the markers the decision counts
(which are only ever found in the text); a marker that must not be found is looked for among both.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from tocsin.models.decision import context_markers, local_context
from tocsin.nlp import TextAnalyser
from tocsin.nlp.features import Features

CYRILLIC = re.compile(r"[\u0400-\u04FF]")


def _table(rows: str) -> list:
    """Pytest params from a table, one case a line: cells split by ``|``, ``-`` for none, ``a+b`` for
    several names; ``#`` lines are comments. Ids are the language (``uz-Cyrl`` for Cyrillic Uzbek) and what
    the case expects, numbered where two cases would share one."""
    seen: Counter[str] = Counter()
    params = []
    for line in rows.strip().splitlines():
        if line.strip().startswith("#"):
            continue
        lang, text, *expected = (cell.strip() for cell in line.split("|"))
        tag = f"{lang}-Cyrl" if lang == "uz" and CYRILLIC.search(text) else lang
        shown = [e for e in expected if e != "-"] or ["none"]
        base = "-".join([tag, *shown])
        seen[base] += 1
        case_id = base if seen[base] == 1 else f"{base}-{seen[base]}"
        params.append(pytest.param(lang, text, *(None if e == "-" else e for e in expected), id=case_id))
    return params


def _names(cell: str | None) -> list[str]:
    """The names in a table cell (``a+b``); none for ``-``."""
    return cell.split("+") if cell else []


def _hallmarks(f: Features) -> set[str]:
    return {c.label for c in f.cues}


def _found_markers(f: Features) -> set[str]:
    """Every context marker in the text, and those the decision derives from them (``negated_cue``)."""
    return {c.label for c in f.context} | set(_counted_markers(f))


def _counted_markers(f: Features) -> list[str]:
    """The context markers the decision counts for the cues, negation resolved."""
    return context_markers(f, local_context(f)[0])


@pytest.mark.parametrize(("lang", "text", "hallmark", "group"), _table("""
    en | Let's hunt down the Tajiks tonight. | call_to_violence | tajik
    en | They say the Kazakhs have a plan to poison the wells. | accusation_in_a_mirror | kazakh
    en | Tomorrow night we go to the Uyghur houses, all of us. | call_to_violence | uyghur
    en | The Dungans keep lists of our houses, don't wait for them to strike. | accusation_in_a_mirror | dungan
    en | Our council members always stand up for the Uyghurs. | questioning_ingroup_loyalty | uyghur
    en | Anyone who trades with a Tajik is no friend of ours. | questioning_ingroup_loyalty | tajik
    en | Somebody should teach the Dungans a lesson. | call_to_violence | dungan
    en | Any Uyghur on our street after dark — strike first. | call_to_violence | uyghur
    en | Grab the sticks, the Kazakhs are at the gate. | call_to_violence | kazakh
    en | Do not sell a single flat to the Uzbeks. | call_to_expulsion | uzbek
    en | We should push the Russians out of the valley. | call_to_expulsion | russian
    en | Make the Jews' life hard until they are gone. | call_to_expulsion | jewish
    en | Let them live in their own country, these Kyrgyz. | call_to_expulsion | kyrgyz
    en | Fire every Tajik worker in this town. | call_to_expulsion | tajik
    en | Dungans are not welcome at our bazaar. | call_to_expulsion | dungan
    en | Don't let the Chinese anywhere near the shop. | call_to_expulsion | chinese
    en | Everyone is welcome except Uzbeks, don't even call. | call_to_expulsion | uzbek
    en | The Tajiks plan to poison the wells in spring. | accusation_in_a_mirror | tajik
    en | The Dungans are jackals. | dehumanization | dungan
    en | Never marry one of the Uyghurs. | threat_to_purity | uyghur
    en | Lock up your sisters, Kazakh lads are in town. | attack_on_women_and_girls | kazakh
    en | Whoever hires the Uzbeks is helping the enemy. | questioning_ingroup_loyalty | uzbek
    ru | Таджики ещё получат по полной, встречаемся вечером. | call_to_violence | tajik
    ru | Пора повторить дунганам 1990 год. | call_to_violence | dungan
    ru | Кто прячет уйгуров в подвале, тот с ними заодно. | questioning_ingroup_loyalty | uyghur
    ru | Казахов жалеют многие, но они ответят вместе с ними. | questioning_ingroup_loyalty | kazakh
    ru | Из-за казахов наш язык умирает. | threat_to_purity | kazakh
    ru | Пишут, что узбеки тайно готовят резню. | accusation_in_a_mirror | uzbek
    ru | Русские скоро придут жечь наши дома. | accusation_in_a_mirror | russian
    ru | Все эти кыргызы — падаль. | dehumanization | kyrgyz
    ru | Эти евреи крадут наших невест. | attack_on_women_and_girls | jewish
    ru | Их узбечек заберём себе, когда войдём. | attack_on_women_and_girls | uzbek
    ru | Сезон охоты открыт, добыча — таджики. | dehumanization | tajik
    ru | Охота на узбеков начнётся в пятницу. | call_to_violence | uzbek
    en | Hunting season on the Uyghurs opens Friday. | call_to_violence | uyghur
    en | The Kazakhs are fair game now. | dehumanization | kazakh
    ky | Бул жолку олжобуз — Кара-Сууда жашаган казактар. | dehumanization | kazakh
    uz | Ov mavsumi ochildi, oʻlja — tojiklar. | dehumanization | tajik
    en | After the match, make sure the Tajiks of Osh remember this night. | call_to_violence | tajik
    en | We're going to the Uyghur side of Batken. Nobody there will get any sleep. | call_to_violence | uyghur
    ru | Пусть узбеки запомнят эту ночь. | call_to_violence | uzbek
    ky | Ноокатта өзбектер бул түндү унутпасын. | call_to_violence | uzbek
    uz | Oʻzganda tojiklar tong otguncha uxlamasin. | call_to_violence | tajik
    ru | Таджички? Заберём себе всех таджичек. | attack_on_women_and_girls | tajik
    ru | Уйгуры только и ждут, чтобы резать нас. | accusation_in_a_mirror | uyghur
    ru | Собирайте вещи, дунганы, пока целы. | call_to_expulsion | dungan
    ru | Надо выгнать турков из Оша! | call_to_expulsion | turk
    ru | Турков на работу не принимаем. | call_to_expulsion | turk
    ru | Лавки таджиков пора исправить огнём. | call_to_violence | tajik
    ru | Блогеры кормятся на деньги казахов. | questioning_ingroup_loyalty | kazakh
    ru | Евреи губят нашу кровь. | threat_to_purity | jewish
    ru | Почему мы называем кыргызов людьми? | dehumanization | kyrgyz
    ky | Мамлекет коргобосо, тажиктерди өзүбүз жазалайбыз. | call_to_violence | tajik
    ky | Казактарды жазалагыла, аябагыла! | call_to_violence | kazakh
    ky | Дуңгандар түнкүсүн курал чогултуп жатышат, сак болгула! | accusation_in_a_mirror | dungan
    ky | Уйгурлар айылды өрттөгөнү жатышат. Биринчи биз сокку урушубуз керек. | accusation_in_a_mirror | uyghur
    ky | Туугандар, арабызда өзбектерге маалымат ташыган тыңчылар бар. | questioning_ingroup_loyalty | uzbek
    ky | Биздин шаарда казактар — элибиздин денесиндеги шишик, алардан тазалануу керек. | dehumanization | kazakh
    ky | Биздин айылда орустар бул жерде бөтөн, кетишсин. | call_to_expulsion | russian
    ky | Дуңгандарды жазалаш керек, башка жол жок! | call_to_violence | dungan
    ky | Тажиктерди өз өлкөсүнө кайтаруу үчүн кол тамга чогултабыз. | call_to_expulsion | tajik
    ky | Уйгурлар кечинде кыздарыбызга асылып жүрүшөт. | attack_on_women_and_girls | uyghur
    ky | Казактар бизге кол салганы жатышат, даяр болгула! | accusation_in_a_mirror | kazakh
    ky | Уулдарыбыз өзбектер менен үйлөнбөгүлө, улуттун өлүмү ошол. | threat_to_purity | uzbek
    ky | Бул дуңгандардын иттен эч айырмасы жок. | dehumanization | dungan
    ru | Что с них взять, таджики — дикари. | dehumanization | tajik
    ky | Уйгурлардын маймылдан айырмасы жок. | dehumanization | uyghur
    ky | Орустар менен иш кылган адам биздин тууган эмес. | questioning_ingroup_loyalty | russian
    ky | Дуңгандарды бул айылдан кууп чыгышыбыз керек. | call_to_expulsion | dungan
    ky | Казактарды бул айылдан кубалоо керек. | call_to_expulsion | kazakh
    ky | Эртең казактардын көчөсүнө барабыз, таяк алып алгыла. | call_to_violence | kazakh
    ky | Карындаштарыбызга эскертебиз: уйгурлар менен жүргөнүңөрдү көрсөк, өкүнөсүңөр. | attack_on_women_and_girls | uyghur
    ky | Орустардын ырлары биздин салтыбызды бузуп жатат. | threat_to_purity | russian
    ky | Тажиктер бул жерде конок гана, эртеби-кечпи кетиши керек. | call_to_expulsion | tajik
    ky | Өзбектерди кыздарыбыздан алыс кармагыла. | threat_to_purity | uzbek
    uz | Qishloqdagi tojiklarni o'ldirish uchun ko'ngillilar kerak. | call_to_violence | tajik
    uz | Dunganlarni yo'q qilish kerak, boshqa chora yo'q. | call_to_violence | dungan
    uz | Hokimiyat aralashmasa, qozoqlarni o'zimiz qirib tashlaymiz. | call_to_violence | kazakh
    uz | Ruslar quduqlarni zaharlashmoqchi, ehtiyot bo'ling. | accusation_in_a_mirror | russian
    uz | Uyg'urlar qirg'in uyushtirishga tayyorlanmoqda. | accusation_in_a_mirror | uyghur
    uz | Qirg'izlarni qishlog'imizdan haydash — adolat. | call_to_expulsion | kyrgyz
    uz | Tojiklarni shahardan chiqarib yuborish vaqti keldi. | call_to_expulsion | tajik
    uz | Qozoqlar bilan aralashmang, ajralib yashaymiz. | threat_to_purity | kazakh
    uz | O'zbeklar qizlarimizni yo'ldan urmoqda. | attack_on_women_and_girls | uzbek
    uz | Dunganlar — zararkunandalar. | dehumanization | dungan
    # Cyrillic Uzbek uses the same rules
    uz | Қозоқларни ўлдириш учун йигитлар керак. | call_to_violence | kazakh
    # beating and arming calls, 'attack our village', 'sold out the nation', a creature, slurs on women, ultimatums
    uz | Yigitlar, kechasi dunganlarni savalaymiz! | call_to_violence | dungan
    uz | Ertaga tojiklarning ko'chasiga chiqamiz, tayoq olinglar. | call_to_violence | tajik
    uz | Qozoqlar qishlog'imizga hujum qilmoqchi, tayyor turing. | accusation_in_a_mirror | kazakh
    uz | Bu hokim uyg'urlarni yoqlab, millatni sotdi. | questioning_ingroup_loyalty | uyghur
    uz | Ruslar odamga o'xshagan maxluqlar. | dehumanization | russian
    uz | Uyg'urlarning qizlari — uyatsiz. | attack_on_women_and_girls | uyghur
    uz | Shahardagi barcha qirg'izlarga bir hafta muhlat. | call_to_expulsion | kyrgyz
    uz | Тожиклар билан қиз бериб-олиш — наслнинг булғаниши. | threat_to_purity | tajik
    # 'we smash / beat' rallies: the first person plural of a violent verb
    ru | Сегодня вечером все на площадь, громим таджикские дома. | call_to_violence | tajik
    ky | Өзбектерди көргөн жерде ургула. | call_to_violence | uzbek
    # 'there is no place for them here', with the possessive or another word for place
    ky | Уйгурлардын бул шаарда орду жок. | call_to_expulsion | uyghur
    uz | Bu yerda qozoqlarga o‘rin yo‘q. | call_to_expulsion | kazakh
    # 'not a single one should remain': the negation is the demand
    en | Turks out of Namangan, not a single one should still be here by spring. | call_to_expulsion | turk
    en | The Dungans must go. Not one more year of them! | call_to_expulsion | dungan
    # 'let not a single <group> remain': the negated verb is the demand, in every language
    en | Not a single Uzbek should remain in Osh. | call_to_expulsion | uzbek
    ru | Ни один узбек не должен остаться в Оше. | call_to_expulsion | uzbek
    ky | Бул айылда бир да тажик жашабасын. | call_to_expulsion | tajik
    uz | Qishloqda bitta ham tojik qolmasin. | call_to_expulsion | tajik
    en | A herd of Tajiks blocked the road to the bazaar. | dehumanization | tajik
    en | Attack them all, the Uyghurs must pay! | call_to_violence | uyghur
    en | No mixed marriages with Uzbeks! | threat_to_purity | uzbek
    en | Mixed marriages with Tajiks will ruin us. | threat_to_purity | tajik
    uz | O'zbeklar chigirtka kabi yerimizni yeyapti. | dehumanization | uzbek
    ru | Смешанные браки с узбеками губят наш народ. | threat_to_purity | uzbek
    ru | Нет смешанным бракам с таджиками! | threat_to_purity | tajik
    en | Gather at the mosque and we attack their houses, the Tajiks will learn. | call_to_violence | tajik
    en | The Uyghurs took our water again, time to teach them a lesson with sticks. | call_to_violence | uyghur
    ky | Бирөөнү да аябайбыз, өзбектер! | call_to_violence | uzbek
    uz | Тожиклар билан аралашмаймиз: бир миллат, бир қон! | threat_to_purity | tajik
    uz | Qirgʻizlarga ijaraga uy bermaymiz. | call_to_expulsion | kyrgyz
    # 'булгоо', the verbal noun of 'булга'; arms taken up against a group; a group's women called depraved
    ky | Тажиктер менен үйлөнүү – биздин канды булгоо. | threat_to_purity | tajik
    uz | Uygʻurlarga qarshi qoʻlga qurol olishdan boshqa yoʻl qolmadi. | call_to_violence | uyghur
    uz | Қирғиз қизлари ҳаммаси бузуқ. | attack_on_women_and_girls | kyrgyz
    en | Tajik girls at the Sokh bazaar are shameless. | attack_on_women_and_girls | tajik
"""))
def test_cue_raises_hallmark_against_group(analyser: TextAnalyser, lang: str, text: str, hallmark: str,
                                           group: str) -> None:
    f = analyser.features(text, lang)
    assert hallmark in _hallmarks(f), (f.cues, f.lang_tag)
    assert f.groups == [group], f.targets


@pytest.mark.parametrize(("lang", "text", "hallmark", "group"), _table("""
    en | The Uyghur folk band sold out the town hall twice. | questioning_ingroup_loyalty | uyghur
    en | Not one of us expected the Kyrgyz choir to win. | questioning_ingroup_loyalty | kyrgyz
    en | Uzbek traders will pay less rent next year. | call_to_violence | uzbek
    en | The Kazakh farmers plan to sell apricots in the spring. | accusation_in_a_mirror | kazakh
    en | Last year a teacher spoke up for the Dungan pupils. | questioning_ingroup_loyalty | dungan
    en | Tonight we go to the Kyrgyz quarter to hear the komuz. | call_to_violence | kyrgyz
    en | By the time they left the bazaar, the Tajik musicians were tired. | call_to_expulsion | tajik
    en | The Russians plan to take part in the fair. | accusation_in_a_mirror | russian
    ru | Наши девушки выиграли турнир, узбеки их поздравили. | attack_on_women_and_girls | uzbek
    ru | Наша сестра вышла на работу в школу. | attack_on_women_and_girls | -
    ru | Их жён забрали в больницу, сообщили узбекские врачи. | attack_on_women_and_girls | uzbek
    ru | Добыча кыргызских охотников — архар и козерог. | dehumanization | kyrgyz
    en | Kyrgyz hunters say the prey this year is the ibex. | dehumanization | kyrgyz
    en | The game: Uzbeks against Kyrgyz, Saturday at six. | dehumanization | uzbek
    en | Kyrgyz families will remember this night: the concert in Osh was wonderful. | call_to_violence | kyrgyz
    ru | Кыргызы запомнят эту ночь: концерт был чудесным. | call_to_violence | kyrgyz
    ru | Возьмём с собой узбечек на свадьбу? | attack_on_women_and_girls | uzbek
    ru | Завхоз велел травить тараканов в столовой. | dehumanization | -
    ru | В аптеке продают средство от клопов. | dehumanization | -
    ru | Узбеки не крысы, хватит так писать. | dehumanization | uzbek
    ru | Сосед взял нож и нарезал узбекам лепёшки. | call_to_violence | uzbek
    ru | Я собрал вещи и уехал к казахам в гости. | call_to_expulsion | kazakh
    # 'бөтөн' (stranger, other) reported in a warning about the past is not a call to expel
    ky | Ошондо тажиктерди бөтөн деп жарыялагандар баарыбызга кайгы алып келген. | call_to_expulsion | tajik
    ky | Бул шаарда бөтөн адамдар көп, базар ызы-чуу. | call_to_expulsion | -
    # a past blow in a sports report is not a pre-emptive strike
    ky | Курош мелдешинде кыргыз балбан биринчи сокку урду. | accusation_in_a_mirror | kyrgyz
    # punishing corrupt officials through the courts is not a vigilante call
    ky | Сот пара алган чиновниктерди катуу жазалоо керек деп эсептейт. | call_to_violence | -
    ky | Өзбек дүкөнүн талкалагандарды жазалоо керек. | call_to_violence | uzbek
    # 'our girls' alone, in a congratulation, is not an attack on women
    ky | Кыргыз кыздарыбызга мелдеште ийгилик каалайбыз! | attack_on_women_and_girls | kyrgyz
    # 'аралаш' (mixed) alone: mixed families mentioned, not called a danger
    ky | Өзбек менен кыргыз аралаш никелер бизде кадимки көрүнүш. | threat_to_purity | uzbek
    ky | Бул айылда аралаш үй-бүлөлөр көп, тойлору шаңдуу өтөт. | threat_to_purity | -
    # 'айдоо' alone is driving a car
    ky | Тракторду айдоо керек. | call_to_expulsion | -
    ky | Отту балдарыбыздан алыс кармагыла. | threat_to_purity | -
    # a girls' team: "our girls" alone is no attack on women
    uz | Tojik va o'zbek qizlaridan iborat jamoa yutdi, qizlarimiz zo'r o'ynadi! | attack_on_women_and_girls | tajik
    # mol-mulk is property, not cattle said of people
    uz | Uyg'ur tadbirkorning mol-mulki qaytarildi. | dehumanization | uyghur
    # begona alone is stranger, foreign
    uz | Qirg'iz cho'ponlari begona itlardan ehtiyot bo'lishdi. | call_to_expulsion | kyrgyz
    # a sheep slaughtered for the feast is no violence
    uz | Hayitda rus qo'shnilarimiz bilan qo'y so'yamiz. | call_to_violence | russian
    # we will not kill: the negated verb is no call
    uz | Biz hech kimni o'ldirmaymiz, tojiklar ham qo'shnimiz. | call_to_violence | tajik
    # a deadline for students, a stick taken to the garden, a pure blood sample
    uz | Talabalar uchun bir hafta muhlat berildi, qozoq talabalar ham imtihon topshiradi. | call_to_expulsion | kazakh
    uz | Bobom tayoq olib bog'ga chiqdi, qo'shnimiz tojik. | call_to_violence | tajik
    uz | Qon tahlili uchun o'zbeklar navbatda turdi, qonning sof namunasi kerak. | threat_to_purity | uzbek
    # 'аябай' is the adverb 'very', not 'do not spare' (nor sparing them)
    ky | Өзбек кошуналар аябай жакшы адамдар. | call_to_violence | uzbek
    ky | Өзбек кошуналар аябай жакшы адамдар. | questioning_ingroup_loyalty | uzbek
    # 'not a single one should be harmed' protects
    en | Not a single one of our Uzbek neighbours should be harmed. | call_to_expulsion | uzbek
    # a school named after its language is no group: its defeat is sport
    en | School No. 12 beat the Kyrgyz-language lyceum 3:1. | call_to_violence | -
    # no <group> family / child left without help: care, not a call to expel or a purity claim
    en | Not a single Kyrgyz family should remain without help after the flood. | threat_to_purity | kyrgyz
    en | Not a single Kyrgyz family should remain without help after the flood. | call_to_expulsion | kyrgyz
    en | No Uzbek should be left without shelter this winter. | call_to_expulsion | uzbek
    ru | Ни одна узбекская семья не должна остаться без крыши. | call_to_expulsion | uzbek
    ky | Суу ташкынынан кийин бир да кыргыз үй-бүлөсү жардамсыз калбасын. | threat_to_purity | kyrgyz
    ky | Суу ташкынынан кийин бир да кыргыз үй-бүлөсү жардамсыз калбасын. | call_to_expulsion | kyrgyz
    uz | Bitta ham o'zbek bolasi maktabsiz qolmasin. | call_to_expulsion | uzbek
    # herders and their herds are a trade, not a word for people
    en | My grandfather traded with Kyrgyz herders all his life. | dehumanization | kyrgyz
    en | A herd of sheep and two Uzbek shepherds blocked the road. | dehumanization | uzbek
    # a winger 'in attack all game', a congratulation on a mixed marriage, spraying against locusts
    en | Their Uyghur winger was dangerous in attack all game. | call_to_violence | uyghur
    en | Mixed marriages like this one are the best, congratulations to the Uzbek groom. | threat_to_purity | uzbek
    uz | O'shda chigirtkaga qarshi dori sepish boshlandi, o'zbek fermerlar ham qatnashdi. | dehumanization | uzbek
    # an animal comparison needs the animal: a phone no different from the old one is no dehumanization
    ky | Жаңы телефондун мурункусунан айырмасы жок, дейт өзбек сатуучу. | dehumanization | uzbek
    # 'дикарями': on holiday without a tour, not savages
    ru | Узбекские студенты приехали на Иссык-Куль дикарями, с палатками. | dehumanization | uzbek
    ru | Сегодня в Оше отгуляли смешанную свадьбу: жених — узбек. | threat_to_purity | uzbek
    en | We attack their defence from the left wing, said the Uzbek coach. | call_to_violence | uzbek
    # dirt or rubbish cleaned away after a dash: a verb of cleaning, not the copula
    ru | Соседи пришли помогать: уйгуры, кыргызы, русские — вычищали грязь из дворов. | dehumanization | uyghur
    ru | После субботника узбеки-соседи — убирали мусор до вечера. | dehumanization | uzbek
    # a traitor vizier of a play is a role
    uz | Teatrda spektakl: unda qozoq kuyov va xoin vazir haqida hikoya. | questioning_ingroup_loyalty | kazakh
    # girls who are all top pupils, at a bazaar that are talented: no slur
    uz | Qirgʻiz qizlari hammasi aʼlochi. | attack_on_women_and_girls | kyrgyz
    en | Tajik girls at the Sokh bazaar are so talented. | attack_on_women_and_girls | tajik
    # a one-way fare with its price is a timetable
    uz | Bir tomonga chipta — 1200 som, yoʻlovchilarning koʻpi — oʻzbeklar. | call_to_expulsion | uzbek
    uz | Бир томонга чипта нархи 1500 сом, йўловчилар орасида тожиклар ҳам бор. | call_to_expulsion | tajik
    # stones thrown at a group's house, reported, or the throwing named a crime: no call
    uz | Kimdir tojiklarning uyiga tosh otdi, politsiya tekshirmoqda. | call_to_violence | tajik
    uz | Uyiga tosh otish — jinoyat, qirgʻiz qoʻshnimizni kim xafa qilsa, javob beradi. | call_to_violence | kyrgyz
"""))
def test_narrowed_cue_stays_quiet(analyser: TextAnalyser, lang: str, text: str, hallmark: str,
                                  group: str | None) -> None:
    """The harmless sense raises no hallmark, even beside the group the sentence names (if it names one)."""
    f = analyser.features(text, lang)
    assert hallmark not in _hallmarks(f), f.cues
    if group is not None:
        assert group in f.groups, f.targets


@pytest.mark.parametrize(("lang", "text", "hallmark"), _table("""
    en | He sold out to the Uzbeks. | questioning_ingroup_loyalty
    en | Whoever does it is not one of us. | questioning_ingroup_loyalty
    ru | Эти дунганы как тараканы. | dehumanization
    ru | Тараканы они, а не соседи. | dehumanization
    ru | Таджики — крысы. | dehumanization
    ru | Узбеки — это грязь. | dehumanization
    ru | Таджики — сплошь мусор. | dehumanization
    uz | O'zbeklarni himoya qilgan vazir xoin! | questioning_ingroup_loyalty
    ky | Аралаш никелер элибизге зыян. | threat_to_purity
    ru | Берите вилы! | call_to_violence
    uz | Tojiklarga bir tomonga chipta — bepul, qaytib kelmasin! | call_to_expulsion
    uz | Qirgʻizlarga bir tomonga chipta — 0 som, bizdan sovgʻa! | call_to_expulsion
    uz | Uygʻurlarning uyiga tosh otinglar, qoʻrqib qolishsin. | call_to_violence
"""))
def test_narrowed_cue_still_fires_in_its_hateful_sense(analyser: TextAnalyser, lang: str, text: str,
                                                        hallmark: str) -> None:
    f = analyser.features(text, lang)
    assert hallmark in _hallmarks(f), f.cues


@pytest.mark.parametrize(("lang", "text", "markers", "hallmark"), _table("""
    # denials and refusals of collective blame are counter-speech
    en | That's not true: nobody asked anyone to beat the Dungans. | counter_speech | -
    en | Nobody in our mahalla is saying the Tajiks are rats. | counter_speech | -
    en | Rumours that the Uzbeks want to kill us are fake. | counter_speech | -
    en | Nope, the Tajiks had nothing to do with the blackout. | counter_speech | -
    en | The Uyghurs didn't cause the flood, whatever the chat says. | counter_speech | -
    en | Our Kyrgyz neighbours are not vermin, and no one should harm them. | counter_speech | -
    en | The fact-checkers found no evidence that the Kazakhs are arming themselves. | counter_speech | -
    ru | Неправда, что узбеки копят оружие. | counter_speech | -
    ru | Это ложь: дунганы ничего не замышляют. | counter_speech | -
    ru | Милиция опровергла слухи о том, что таджики готовят поджог. | counter_speech | -
    ru | С какой стати винить всех русских из-за одного хулигана? | counter_speech | -
    ru | Виноват один хулиган, а не народ. | counter_speech | -
    ru | Не ведитесь на слухи, что таджики готовят резню. | counter_speech | accusation_in_a_mirror
    ru | Дунганы не звери, и никто не смеет их обижать. | counter_speech | -
    ru | Хватит так писать про узбеков, они не тараканы. | counter_speech | -
    ky | Өзбектер курал чогултуп жатышат деген туура эмес. | counter_speech | -
    ky | Казактар айылды өрттөгөнү жатышат деген ушак, ишенбегиле. | counter_speech | -
    ky | Уйгурлар шаарды басып алат дегени чындыкка дал келбейт. | counter_speech | -
    ky | Тажиктер балдарыбызды азгырат деген кеп — жалган. | counter_speech | -
    ky | Казактар курал жыйнап жатат деген маалымат таптакыр туура эмес. | counter_speech | accusation_in_a_mirror
    # 'I don't think (that …)' negates the call before it
    ky | Мен орустарды сабаш керек деп ойлобойм. | negated_cue | call_to_violence
    # a denial negates the rumour before it
    uz | Dunganlar qo'zg'olonga tayyorlanmoqda degani yolg'on. | counter_speech+negated_cue | accusation_in_a_mirror
    # "do not be fooled"
    uz | Uyg'urlar uylarimizni yoqmoqchi degan gaplarga aldanmanglar. | counter_speech | -
    uz | Руслар қирғинга тайёрланмоқда дегани нотўғри. | counter_speech | -
    # 'the talk that … is nonsense', 'I never wrote that …', 'they are not our enemies'
    uz | Dunganlar qudug'imizni zaharlamoqda degan gap bema'nilik. | counter_speech+negated_cue | accusation_in_a_mirror
    uz | Men o'zbeklarni haydash kerak deb yozmaganman. | negated_cue | call_to_expulsion
    uz | Qirg'izlar dushmanimiz emas. | counter_speech | -
    ky | Өзбектер биздин душман эмес. | counter_speech | -
    ky | Тажиктер душмандарыбыз эмес, кошуналарыбыз. | counter_speech | -
    # "we are not" (the 1pl ending -пиз/-пуз of эмеспиз)
    ky | Биз өзбектердин душманы эмеспиз. | counter_speech | -
    # "… must …, not" denies the need ("керек эмес", "kerak emas"), unlike a jussive closed by its own ending
    ky | Өзбектерди кууп чыгаруу керек эмес. | negated_cue | call_to_expulsion
    uz | Qirgʻizlarni oʻldirish kerak emas. | negated_cue | call_to_violence
    # rebukes and rhetorical questions about the words they repeat refuse the call
    ru | Хватит писать, что узбеков надо выгнать! | refusal | call_to_expulsion
    ru | Кто сказал, что узбеков надо выгнать? | refusal | call_to_expulsion
    ru | С чего ты взял, что таджиков надо выгнать? | refusal | call_to_expulsion
    ru | Я против того, чтобы выгонять узбеков. | refusal | -
    en | Stop saying the Uzbeks must be driven out. | refusal | -
    en | Who says we must drive out the Uzbeks? | refusal | call_to_expulsion
    ky | Өзбектерди кууп чыгаруу керек деп ким айтты? | refusal | call_to_expulsion
    ky | Мен өзбектерди кууп чыгарууга каршымын. | refusal | call_to_expulsion
    uz | Kim sizga qirgʻizlarni haydash kerak dedi? | refusal | -
    uz | Qirgʻizlarni haydashga chaqirishni bas qiling! | refusal | call_to_expulsion
    # a call's own verb refused ("do not beat", "we will not drive out") bears on the group however sure the
    # classifier is of the words
    ky | Өзбектерди өлтүрбөгүлө! | refusal | -
    ky | Биз өзбектерди кууп чыгарбайбыз. | refusal | -
    uz | Biz qirgʻizlarni quvib chiqarmaymiz. | refusal | -
    uz | Тожикларни урманглар! | refusal | -
    ru | Не смейте трогать узбеков! | refusal | -
    en | Don't beat the Tajiks! | refusal | -
    # a "не" or "нельзя" is no part of a call's words: it denies them
    ru | Узбеков не надо выгонять. | negated_cue | call_to_expulsion
    ru | Нельзя выгонять таджиков из города. | negation | -
    ru | Узбеков выгонять не надо. | negation | -
    # reporting the words to the police or the moderators condemns them
    en | A chat posted “the Uyghurs are vermin”. We reported it to the moderators. | condemnation | -
    # news wording: an official source, a court, the police acting
    en | Police said two men who beat a Tajik trader were detained. | news_reporting | -
    ky | Статистика комитетинин маалыматына ылайык, облуста дуңгандар көп жашайт. | news_reporting | -
    ky | Облустук сот отурумунда эки жигит беш жылга эркинен ажыратылды. | news_reporting | -
    ky | Милиция мушташ боюнча эки жигитти кармады. | news_reporting | -
    uz | Militsiya O'shda ikki kishi ushlanganini xabar qildi, ular tojiklar. | news_reporting | -
    # someone named says it: reported speech
    ru | Соседи говорят, что уйгуры готовят погром. | reported_speech | -
    # 'жок' (there is no …) is a negation, and counts where it speaks of a group
    ky | Бул айылда өзбектер жок, дыйкандар нааразы. | negation | -
    # addressing those who spread the words: counter speech
    ru | Кто зовёт громить соседей, вспомните, кто вас лечил. | counter_speech | -
    ky | Орустарды чыккынчы деп айткандарга: алар бул жерде туулган. | counter_speech | -
    uz | Ruslarni ketsin deb baqirayotganlar, o'sha o'qituvchini unutdingizmi? | counter_speech | -
    uz | Тожикларни ҳайдаш керак деганлар сизни алдашяпти. | counter_speech | -
    en | To everyone posting that the Dungans must leave: they are our neighbours. | counter_speech | -
    en | People who go on about pure blood should look at their own family trees. | counter_speech | -
    # 'the talk that … is not true', whatever apostrophe is typed
    uz | Qozoqlar yerimizni tortib olmoqchi, degan gap to’g’ri emas. | counter_speech | -
    uz | Ruslar ketsin degani rost emas. | counter_speech | -
    # a call quoted between single quotes, which also serve as apostrophes (don't, o'zbek)
    en | Some genius wrote 'drive out the Turks' on the fence, don't repeat it. | quotation | call_to_expulsion
    uz | Devorga ‘tojiklar ketsin’ deb yozishibdi, o‘chirib tashladik. | quotation | call_to_expulsion
    # … with an apostrophe inside a word of the quotation
    en | Reporting this post: 'don't sell land to Uzbeks'. | quotation | call_to_expulsion
    uz | Devorga 'o'zbeklar ketsin' deb yozishibdi, o'chirib tashladik. | quotation | call_to_expulsion
    # the call of "people who tell you to …" is theirs, reported
    en | Don't listen to those who tell you to drive the Tajiks out. | counter_speech+reported_speech | call_to_expulsion
"""))
def test_marker_found(analyser: TextAnalyser, lang: str, text: str, markers: str,
                      hallmark: str | None) -> None:
    """The markers are among those the decision counts, and the sentence still raises its hallmark."""
    f = analyser.features(text, lang)
    counted = _counted_markers(f)
    for marker in _names(markers):
        assert marker in counted, (text, counted, f.context)
    if hallmark is not None:
        assert hallmark in _hallmarks(f), f.cues


@pytest.mark.parametrize(("lang", "text", "markers", "hallmark"), _table("""
    # urgings are not negations
    en | The Uzbeks will come tonight. Don't wait, hit first. | negation+negated_cue | -
    en | No more talk. The Jews must be driven out. | negation+negated_cue | -
    # 'no other way is left', 'no need to respect them' deny no cue
    uz | Uygʻurlarga qarshi qoʻlga qurol olishdan boshqa yoʻl qolmadi. | negation+negated_cue | call_to_violence
    uz | Қирғиз қизлари ҳаммаси бузуқ уларни ҳурмат қилиш шарт эмас. | negation+negated_cue | attack_on_women_and_girls
    en | The Russians are coming at night. Don't be the ones caught sleeping. | negation+negated_cue | accusation_in_a_mirror
    # a rumour passed on by a relative is no one else's words at a distance
    en | A cousin in the militia says the Uyghurs keep lists of our houses. | reported_speech | accusation_in_a_mirror
    # a slogan with 'no' does not negate the cue
    en | The Dungans are everywhere, no mixed marriages! | negated_cue | -
    # 'destroy' and 'lose' are no negations
    ky | Кампадагы чегирткелерди жок кылуу керек, түшүм азайып жатат. | negation | -
    ky | Чоң атам базарда капчыгын жоготуп алды. | negation | -
    # a rhetorical 'isn't it?' asserts; 'кампада' (in the store-room) has no negative suffix
    ky | Эмне үчүн өзбектер курал чогултуп жатат? Бизге кол салганы жатышкан жокпу? | negation+negated_cue | accusation_in_a_mirror
    ky | Кампада эски буюмдар көп. | negation | -
    ky | Уйгурлар ун кампаларынан уурдап кетишти. | negation | -
    # 'there is no other way' insists on the call before it
    ky | Өзбектер менен баш кошкон жаштарга жер берилбесин. Канды таза сактоонун башка жолу жок. | negation+negated_cue | threat_to_purity
    uz | Oʻzbeklar qonimizni buzyapti, qonni toza saqlashning boshqa yoʻli yoʻq. | negation+negated_cue | threat_to_purity
    # 'no one will remain' is the claim itself, not a denial of it
    ky | Уйгурлар толуп кетти, он жылдан кийин биздики деген эч ким калбайт. | negation+negated_cue | threat_to_purity
    uz | Qozoqlarni yo'q qilamiz! | negation | call_to_violence
    # 'a true patriot never …' is no denial
    uz | Haqiqiy vatanparvar hech qachon qirg'izlarning tarafini olmaydi. | negation | questioning_ingroup_loyalty
    # a call made for the sake of peace or unity, or as the condition of peace, is no appeal for calm, and
    # 'no … until', 'пока не' deny nothing
    ru | Ради единства страны надо выгнать таджиков. | counter_speech | call_to_expulsion
    en | There will be no peace until we drive out the Uzbeks. | counter_speech+negated_cue | call_to_expulsion
    ru | Не будет мира, пока не выгоним узбеков! | counter_speech+negated_cue+refusal | call_to_expulsion
    # 'enough talk of peace' is no rebuke of the call beside it
    ru | Хватит говорить о мире, надо выгнать узбеков! | counter_speech | call_to_expulsion
    # a jussive, a converb or a girl kept at home is no refusal of violence against a group
    ky | Эки күн калды, бир да өзбек көчөгө чыкпашы керек. | refusal | -
    uz | Ularga yozgan qizni uydan chiqarmang! | refusal | -
    # 'not hate' is no condemnation
    uz | Ruslarni quvib chiqarish nafrat emas, adolat. | condemnation | call_to_expulsion
    # 'uyatsiz' (shameless) said of people is an insult, no condemnation
    uz | Uyg'urlarning qizlari — uyatsiz. | condemnation | attack_on_women_and_girls
    # 'they have no rights' negates no cue
    uz | Bu shaharda dunganlarning huquqi yo'q, ular hayvonlar. | negation | dehumanization
    # the police alone, or in a condition, is no news report
    en | If the police won't act, we'll crush the Tajiks ourselves. | news_reporting | -
    ky | Милиция коргобосо, түнкүсүн көчөгө чыкпайбыз. | news_reporting | -
    uz | Militsiya bizni himoya qilmasa, tojiklarni o'zimiz o'ldiramiz. | news_reporting | call_to_violence
    # an impersonal 'they say' is a rumour, not reported speech
    ru | Говорят, что уйгуры готовят погром. | reported_speech | accusation_in_a_mirror
    ru | Уйгуры ждут, чтобы вырезать нас. Не будьте наивными. | negation | accusation_in_a_mirror
    ru | До сих пор никто не тронул дома русских. Пора исправить огнём. | negation | call_to_violence
    ru | Вот скажите: почему мы считаем казахов людьми? | reported_speech | dehumanization
    ru | Не верьте им, они куплены и работают против своего народа. | counter_speech | questioning_ingroup_loyalty
    # a negation after a finite call (jussive, imperative, 'must') starts the next clause: 'we do not need them'
    ky | Орустар кетсин бизге кереги жок. | negated_cue | call_to_expulsion
    uz | Руслар ҳаммаси жўнаб кетсин бизга кераги йўқ. | negated_cue | call_to_expulsion
    # a negated question urges ("hasn't the time come to …?", "isn't it time to …?"); an "until" converb
    # closes its clause, so the "no …" after it is the next clause's
    uz | Тожикларнинг уйларини кул қилиб юбориш вақти келмадими? | negation | call_to_violence
    ky | Өзбектерди кууп чыгуунун убагы келбедиби? | negation | call_to_expulsion
    ru | Не пора ли выгнать узбеков из Оша? | negation | call_to_expulsion
    ky | Еврейлерди бул жерден сүрүп чыкмайынча бизге үй жок. | negated_cue | call_to_expulsion
    # an apology refused is no call refused
    en | Stop saying sorry and kill the Uzbeks. | refusal | call_to_violence
    # apostrophes are no quotation marks
    uz | O'zbeklar qishlog'imizdan ketsin, to'g'ri aytdim. | quotation | call_to_expulsion
    en | It's the Uzbeks' land, isn't it? They don't sell it, drive out the Turks instead. | quotation | call_to_expulsion
"""))
def test_not_a_marker(analyser: TextAnalyser, lang: str, text: str, markers: str,
                      hallmark: str | None) -> None:
    """The markers are nowhere in the text nor in what the decision counts, and the hallmark still fires."""
    f = analyser.features(text, lang)
    found = _found_markers(f)
    for marker in _names(markers):
        assert marker not in found, (text, found)
    if hallmark is not None:
        assert hallmark in _hallmarks(f), f.cues


@pytest.mark.parametrize(("lang", "text", "groups"), _table("""
    # the people's language still names the people, a language lesson names none
    uz | O'zbek tilida dars bo'ladi. | -
    uz | Bu yerda qirg'izlarning tili ko'payib ketdi. | kyrgyz
    ky | Кыргыз тилинде сабак болот. | -
    ky | Бул жерде тажиктердин тили көбөйүп кетти. | tajik
"""))
def test_names_exactly_these_groups(analyser: TextAnalyser, lang: str, text: str, groups: str | None) -> None:
    assert analyser.features(text, lang).groups == _names(groups)


def test_the_word_a_pattern_forbids_after_its_cue_is_no_part_of_the_evidence(analyser: TextAnalyser) -> None:
    """'not a single <group>' must not be followed by 'family'; the word that did follow is not quoted."""
    f = analyser.features("Not a single Uzbek in our villages!", "en")
    assert [c.text for c in f.cues if c.label == "threat_to_purity"] == ["Not a single Uzbek"]


@pytest.mark.parametrize(("text", "cues"), [
    ("Enough is enough. Tajiks out", ["Tajiks out"]),            # nothing follows: nothing forbidden follows
    ("Enough is enough. Tajiks out!", ["Tajiks out"]),
    ("Enough is enough. Tajiks out \n", ["Tajiks out"]),
    ("Residents met. Uzbeks out of work will get help.", []),   # the forbidden word follows
])
def test_a_pattern_with_a_forbidden_next_word_also_matches_at_the_end_of_the_text(analyser: TextAnalyser, text: str,
                                                                                  cues: list[str]) -> None:
    f = analyser.features(text, "en")
    assert [c.text for c in f.cues if c.label == "call_to_expulsion"] == cues


def test_a_cue_after_a_sentence_break_starts_in_its_own_sentence(analyser: TextAnalyser) -> None:
    """A pattern that opens with "any word but a negation" matched the "!" before its verb: the answer
    "Нет!" then seemed to deny the call that follows it."""
    f = analyser.features("Мир и дружба? Нет! Выгнать узбеков!", "ru")
    assert [c.text for c in f.cues if c.label == "call_to_expulsion"] == ["Выгнать узбеков"]


@pytest.mark.parametrize("text", ["  Tajiks out!", "Enough.\n\n  Tajiks out!"])
def test_a_sentence_that_opens_with_white_space_starts_at_its_first_word(analyser: TextAnalyser, text: str) -> None:
    f = analyser.features(text, "en")
    assert [c.text for c in f.cues if c.label == "call_to_expulsion"] == ["Tajiks out"]
