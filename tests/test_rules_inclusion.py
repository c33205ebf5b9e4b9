"""Groups named to welcome them all (a job ad, a rental notice, a post inviting everyone), or one of them welcomed as
kin (a daughter-in-law "met like their own"): the classifier, taught that lists of groups and mixed marriages go with
calls, is sure such posts are hateful; an ``inclusion`` marker lowers a text with no cue whose every group word stands
in a sentence that holds one. Beside a cue, or beside a sentence that names a group on its own, it says nothing."""

from __future__ import annotations

import pytest

#: Lists of groups in a sentence that welcomes them all; the classifier alone flags each (0.79–0.92 before).
WELCOMING = [
    "Требуются грузчики на склад в Оше, зарплата от 30 000 сом. Национальность не важна — берём узбеков, кыргызов, "
    "таджиков, дунган. Звонить после 10:00.",
    "Сдаю 2-комнатную квартиру в Джалал-Абаде, 18 000 в месяц. Рады семьям любой национальности — русским, узбекам, "
    "туркам, кыргызам. Только без шумных вечеринок 🙂",
    "Hiring: bakery in Kara-Suu seeks cashiers; Uzbeks, Kyrgyz, Tajiks and Russians all welcome.",
    "Ошто складка жүк ташуучулар керек. Улутуңар маанилүү эмес — өзбек, кыргыз, тажик, дунган баарын күтөбүз.",
    "Oʻshdagi nonvoyxonaga sotuvchilar kerak: millatidan qatʼi nazar — oʻzbek, qirgʻiz, tojik, rus, hammani kutamiz.",
]

#: One of a group welcomed as kin, in each language.
AS_KIN = [
    "Наш сын женился на девушке из семьи уйгуров, и её родители встретили его как родного.",
    "Дочь вышла замуж в семью таджиков, свекровь зовёт её доченькой.",
    "Our daughter married into an Uzbek family in Osh, and her in-laws welcomed her like family.",
    "Кызыбыз өзбек үй-бүлөгө келин болуп барды, кайненеси аны өз кызындай көрөт.",
    "Qizimiz tojik oilasiga kelin boʻldi, qaynonasi uni oʻz qizidek koʻradi.",
    # the group named in one sentence, welcomed by the next that speaks of "them"
    "Ruslarni haqorat qilish — uyat. Ular ham shu yurtning farzandlari.",
    "Тажиктер кошуна айылдан келишти. Алар биздин бир туугандар.",
    "Sad news: the last Russian family has left our street. We will miss them.",
    "Орус үй-бүлө Бишкекке көчүп кетти. Аларды сагынабыз.",
    "Rus oilasi Toshkentga koʻchib ketdi. Ularni sogʻinamiz.",
    # a question whether a group are people, answered "yes"
    "Are the Uzbeks human? Yes, like all of us.",
    "Узбеки — люди? Конечно, как и все мы.",
    "Өзбектер адамбы? Ооба, баарыбыздай эле адам.",
    "Тожиклар одамми? Ҳа, ҳаммамиз каби.",
    # a dispute urged to be settled by rule, not by force
    "Вода — общая. Таджики и кыргызы должны делить её по графику, а не кулаками.",
    "Suv — umumiy. Tojiklar va qirgʻizlar uni navbat bilan boʻlishi kerak, musht bilan emas.",
    # a list of groups counted among those who live here
    "эй вы чё опять за своё? уйгуры, дунгане, турки, русские — все тут живут, налоги платят. "
    "хватит эту грязь разносить",
]

#: A shrine, a holiday or a land held dear by several groups alike; the classifier alone flags each (0.50–0.92 before).
SHARED = [
    "Сулайман-Тоо — святыня и для узбеков, и для кыргызов, и для таджиков.",
    "Сулайман-Тоо — святыня для узбеков, кыргызов и таджиков.",
    "Бул зыярат өзбектер, кыргыздар жана тажиктер үчүн ыйык.",
    "Ош кыргыздар үчүн да, өзбектер үчүн да мекен.",
    "Bu ziyoratgoh oʻzbeklar, qirgʻizlar va tojiklar uchun muqaddas.",
    "Бу зиёратгоҳ ўзбеклар, қирғизлар ва тожиклар учун муқаддас.",
]

#: A group named in one sentence and thanked as kin in the next; the classifier alone flagged the English one (0.68).
THANKED = [
    "Kazakh volunteers drove all night to bring warm clothes to Nookat after the quake. Thank you, brothers and sisters!",
    "Таджики из соседнего села помогли нам потушить пожар. Спасибо, братья!",
    "Өзбек кошуналар суу ташканда жардам беришти. Рахмат, бир туугандар!",
    "Qirgʻiz qoʻshnilarimiz toʻyga qoʻy olib kelishdi. Rahmat, birodarlar!",
    "Қирғиз қўшниларимиз тўйга қўй олиб келишди. Раҳмат, биродарлар!",
]

#: The marker beside a cue, or beside a sentence that names a group on its own: still flagged.
STILL_FLAGGED = [
    "Узбеки — крысы. Спасибо, братья!",
    "The Uzbeks must be driven out of Osh. Thank you, brothers, for standing with us!",
    "Навруз — общий праздник для узбеков и кыргызов, а таджиков надо выгнать.",
    "Everyone welcome except Uzbeks.",
    "Рады гостям любой национальности, кроме таджиков.",
    "Свекровь зовёт её доченькой, а узбеков надо гнать из Оша!",
    "They welcomed her like family. The Tajiks must be driven out of Osh.",
    # a "they" sentence that asks
    "Uzbeks are everywhere in Osh now. They are our brothers? Not anymore.",
    # their leaving welcomed
    "The Tajiks left Batken last week. We won't miss them.",
    "Таджиков надо гнать, а не кулаками махать — камнями!",
    "Узбеки, таджики — все тут живут за наш счёт, гнать их надо.",
]


@pytest.fixture(scope="module")
def decided(decide_texts):
    return decide_texts(WELCOMING + AS_KIN + SHARED + THANKED + STILL_FLAGGED)


@pytest.mark.parametrize("text", WELCOMING + AS_KIN + SHARED + THANKED)
def test_a_list_of_groups_welcomed_all_or_one_welcomed_as_kin_raises_no_flag(decided, text):
    features, analysis = decided[text]
    assert "inclusion" in {c.label for c in features.context}
    assert not analysis.incitement, (text, analysis.score, analysis.explanation)
    assert "inclusion" in analysis.explanation


@pytest.mark.parametrize("text", STILL_FLAGGED)
def test_a_welcome_beside_a_call_to_exclusion_excuses_nothing(decided, text):
    _, analysis = decided[text]
    assert analysis.incitement, (text, analysis.score, analysis.explanation)


def test_a_welcome_in_one_sentence_does_not_excuse_a_group_named_in_another(shipped_analyser):
    from tocsin.models.decision import welcomes_all_it_names

    mixed, listed = shipped_analyser.features([
        "Дунганы придут к нам после выборов, не ждите. На свадьбу приглашаем всех — русских, узбеков, кыргызов.",
        "На свадьбу приглашаем всех — русских, узбеков, кыргызов.",
    ])
    assert not welcomes_all_it_names(mixed) and welcomes_all_it_names(listed)


#: A group said not to be vermin, beasts, dirt or a disease: the classifier alone was sure of each (1.00).
HUMANITY_AFFIRMED = [
    "Казахи — не черви, а люди.",
    "Нет, русские не паразиты: они платят налоги, как и мы.",
    "Уйгурлар жугуштуу оору эмес, алар адамдар.",
    "Жок, тажиктер кир эмес. Алар — биздин дарыгерлер.",
    "Qirgʻizlar iflos emas, ular odamlar.",
    "Қирғизлар ифлос эмас, улар одамлар.",
]

#: The same words turned round, or followed by a call: still flagged.
HUMANITY_DENIED = [
    "Казахи — не люди, а черви.",
    "Узбеки не паразиты? Паразиты, и их надо гнать.",
]


@pytest.mark.parametrize("text", HUMANITY_AFFIRMED)
def test_a_group_said_not_to_be_vermin_raises_no_flag(decide_texts, text):
    features, analysis = decide_texts([text])[text]
    assert "inclusion" in {c.label for c in features.context}
    assert not analysis.incitement, (text, analysis.score, analysis.explanation)


@pytest.mark.parametrize("text", HUMANITY_DENIED)
def test_vermin_said_of_a_group_is_still_flagged(decide_texts, text):
    _, analysis = decide_texts([text])[text]
    assert analysis.incitement, (text, analysis.score, analysis.explanation)
