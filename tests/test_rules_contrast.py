"""Contrast pairs through the whole decision (rules + the shipped classifier): a call refused or rebuked in its
own words is not flagged, however sure the classifier is of the hostile words; the same refusal beside another
call, or as the lesser half of "not …, but …", excuses nothing; a call put as a bare infinitive ("Гнать узбеков!")
or as a question why it has not been carried out is a call, and a report of one is not; a call said to be no crime
is urged, and kindness to a group called a crime is a hallmark, not a condemnation of hatred."""

from __future__ import annotations

import pytest

from tests.known_wrong import cases

FRIENDLY = [
    "Qirgʻizlarni urmanglar!", "Өзбектерди өлтүрбөгүлө!", "Биз өзбектерди кууп чыгарбайбыз.",
    "Biz qirgʻizlarni quvib chiqarmaymiz.", "Не смейте трогать узбеков!", "Don't beat the Tajiks!",
    "The Kyrgyz must not be driven out of their homes.", "Кто сказал, что узбеков надо выгнать?",
    "Хватит писать, что узбеков надо выгнать!", "Who says we must drive out the Uzbeks?",
    "Өзбектерди кууп чыгаруу керек деп ким айтты?", "Мен өзбектерди кууп чыгарууга каршымын.",
    "Өзбектерди кууп чыгаруу керек эмес.", "Qirgʻizlarni oʻldirish kerak emas.", "Узбеков не надо выгонять.",
    "Биз өзбектердин душманы эмеспиз.", "Qirgʻizlarga tegmanglar, ular ham shu yurtning odamlari.",
    "Тажиктерге тийбегиле!", "Hands off the Tajiks!", "Бить узбеков — преступление.",
    "Гнать таджиков нельзя, они здесь родились.", "Он призывал выгнать узбеков из города.",
    "Өзбектерди кууп чыгаруу — уят иш.", "Qirgʻizlarni haydash — jinoyat.", "Выселить всех узбеков — это преступление.",
    "Driving the Uzbeks out would be a crime.", "Qirgʻizlarni haydab chiqarish — bu jinoyat.",
    "It would be a crime to drive the Uzbeks out.",
    # the calls' words in ordinary sentences: a landlord, a court, help "spared no effort", work
    "Выселить таджиков из общежития пытался новый комендант, но суд его остановил.",
    "Почему хозяин не выгнал узбеков-квартирантов? Потому что они платят вовремя и помогают ему.",
    "Why didn't you kick the Uzbeks out? Because they are my tenants and they pay on time.",
    "Мы любим наших соседей-узбеков. Выгнать их из дома в мороз было бы бесчеловечно.",
    "Биз өзбек коңшуларга жардам берүүгө күчүбүздү аябайбыз.", "Qirgʻiz doʻstlarimizga yordam berishga hech narsani ayamaymiz.",
    "Biz qoʻshni qirgʻizlarning oilaviy ishlariga aralashmaymiz, ularni hurmat qilamiz.",
    "Residents met to discuss the floods. Uzbeks out of work will get help from the city.",
    "Выселить таджиков, проживающих в общежитии, пытался новый комендант.", "Qirgʻizlar kelsa, biz tirik qolmaymiz.",
    "Why didn't we kick the Uzbeks out? Because they are our neighbours and our friends.",
    "Я никогда не призывал выгнать узбеков.", "Позор, что таджики подверглись нападению в Оше.",
    "Өзбектерди кууп чыгаруу — уят иш эмес беле?", "Qirgʻizlarni haydash — uyat emasmi?",
    # kindness to a group defended; a crime questioned, then answered; a justification reported and punished
    "Дружить с узбеками — не позор, а радость.", "Дружить с таджиками — это не предательство.",
    "Helping the Uzbeks is no crime.", "Жалеть узбеков — преступление? Нет, это нормально.",
    "Killing Tajiks is a crime.", "Is killing Tajiks no crime?", "Выгнать узбеков — не преступление? Конечно, преступление.",
    "Он заявил, что убить таджика — не преступление, и его задержали.",
    # no one may dare to harm a group; a group that did not dare to come out
    "No one should dare to touch the Uzbeks.", "Узбеки не смеют показываться в центре — боятся нападений.",
    "Өзбектерди кууп чыгуу — уят!",
    # a side in a match: its result, its national team
    "The Kyrgyz team sent the Uzbeks packing with a 3-0 win.", "The Kyrgyz national team lost 0-3 to the Uzbeks.",
    "Сборная Кыргызстана обыграла узбеков со счётом 3:0.", "Кыргыз курама командасы өзбектерди 3:0 эсеби менен утту.",
    "No Uzbek should live in fear in Osh.", "Без узбеков праздника быть не может.",
    # a group praised as a people
    "Дунгандар — мээнеткеч эл, алардан үйрөнүшүбүз керек.", "Dunganlar — mehnatkash xalq, ulardan oʻrganishimiz kerak.",
    # an appeal not to listen to those who urge it
    "Don't listen to people who tell you to drive the Tajiks out.", "Не слушайте тех, кто говорит, что таджиков надо гнать.",
    "«Өзбектерди кууп чыгуу керек» деген сөздөргө кулак салбагыла.", "«Tojiklarni haydash kerak» deganlarga quloq solmang.",
    # "did not drive them out": a statement about someone, not a call
    "Nega direktor oʻzbeklarni quvib chiqarmadi? Chunki ular yaxshi ishchilar.",
    "Uy egasi tojiklarni haydab yubormadi, ular oʻz vaqtida toʻlaydi.", "Директор өзбектерди кууп чыгарбады, алар жакшы иштейт.",
    "Выгнать узбеков — преступление? Да, и страшное.", "Выгнать узбеков — преступление? Нет, это хуже: это подлость.",
    # the same verbs, or a group named, in other senses; a justification asked, reported or refused
    "Бить тревогу за узбеков — не стыдно. Стыдно молчать.", "Killing time with Uzbek friends is no crime.",
    "It is not wrong to push for Uzbek schools in Osh.", "Beating the Uzbeks at football is no crime.",
    "Өзбектер үчүн гезит чыгаруу кылмыш эмес.", "Finalda qirgʻizlarga uchta gol urish uyat emas, yigitlar!",
    "Oʻzbeklar uchun kitob chiqarish jinoyat emas.", "Is it not a crime to kill Tajiks? Of course it is.",
    "Өзбектерди кууп чыгаруу кылмыш эмес деген блогер камакка алынды.", "Отказаться помогать таджикам — стыдно.",
    "Поддерживать травлю таджиков — позор!", "Supporting attacks on Uzbeks is a disgrace.",
    "Is it really not a crime to kill Tajiks? Of course it is.", "Убить таджика — преступление? Да, это дело прокуратуры.",
    "Is it not a crime to kill the Uzbeks and Tajiks?", "Why is it no crime to kill the Uzbeks in Osh?",
    "Killing Tajiks isn't a crime, it's genocide.", "Өзбектерди өлтүрүү кылмыш гана эмес, күнөө да.",
    # "do not beat / insult <group>" refused in its own words; a rebuke asked and answered "no, it is love"
    "Өзбектерди урбагыла, алар биздин кошуналар.", "Tojiklarni haqoratlamang.", "Тожикларни ҳақоратламанг.",
    "Is it a crime to marry an Uzbek? No, it's love.", "Өзбек кызына үйлөнүү кылмышпы? Жок, бул сүйүү.",
    "Qirgʻiz qiziga uylanish jinoyatmi? Yoʻq, bu sevgi.",
]
HOSTILE = [
    "Никаких таджиков в нашем селе, гнать их!",   # "никаких <group>" is an exclusion slogan, not a denial
    "Не трогайте наших, бейте узбеков!", "Qirgʻizlarni urmanglar, oʻldiringlar!", "Өзбектерди сабабагыла, өлтүргүлө!",
    "Tojiklarni haydamaymiz, hammasini oʻldiramiz!", "Кыргыздарды кууп чыгарбайбыз, баарын өлтүрөбүз!",
    "They must not be driven out, they must be killed, all the Uzbeks.", "Хватит говорить, что мы слабые, бейте узбеков!",
    "Stop saying sorry and kill the Uzbeks.", "Өзбектерди кууп чыгаруу керек деп ким айтты? Өзбектерди өлтүргүлө!",
    "Узбеков надо не выгонять, а убивать!", "Не трогайте нас. А узбеков надо выгнать!",
    "Өзбектерди кууп чыгаруу керек эмес беле?", "There will be no peace until we drive out the Uzbeks.",
    "Не будет мира, пока не выгоним узбеков!", "Ради единства страны надо выгнать таджиков.",
    "Гнать узбеков, нечего им тут делать!", "Это позор, что узбеки ещё здесь. Выгнать их!",
    "Почему мы до сих пор не выгнали узбеков?", "Эмнеге биз дагы эле өзбектерди кууп чыгарбайбыз?",
    "Nega haligacha oʻzbeklarni quvib chiqarmadik?", "Бирөөнү да аябайбыз, өзбектер!",
    "Qirgʻizlarni haydash — gunoh emas, burch!", "Өзбектерди кууп чыгаруу — уят эмес, милдет!",
    "Мир и дружба? Нет! Выгнать узбеков!", "Their crime is being here. Drive the Uzbeks out!",
    "Shame on the Kyrgyz, kick them all out!", "Qirgʻizlarga tegmanglar, oʻzbeklar, aks holda uylaringizni yoqamiz!",
    "Hands off the Kyrgyz land, Uzbeks! This land is ours and you will pay.",
    "Мы давно призывали выгнать узбеков, и теперь пора это сделать!", "Nega hanuzgacha bu qirgʻizlarni haydab yubormadik?",
    "Гнать поганой метлой узбеков!", "Тожикларни кўрсангиз аямай уринглар!",
    "Өзбектерди кууп чыгаруу — уят иш эмес, милдет!", "Enough is enough. Tajiks out",
    "Bittasini ham tik qoldirmaslik kerak, tojiklarni!", "Бить таджиков на рынке!", "Выгнать всех узбеков из Оша!",
    "Гнать узбеков, а не кормить их!", "Гнать таджиков, пока не поздно!",
    # "no crime" behind an evasion the rules read through (a zero-width space, a Cyrillic "о")
    "Killing Tajiks is no cr\u200bime.", "Killing Tajiks is n\u043e crime.",
    # a call said to be no crime; kindness to a group called a crime or treason
    "Убить таджика — не преступление!", "Выгнать узбеков — это не преступление, это долг.",
    "It would be no crime to drive the Uzbeks out!", "Killing Tajiks is no crime.",
    "Өзбектерди кууп чыгаруу кылмыш эмес!", "Oʻzbeklarni haydash jinoyat emas!",
    "Жалеть узбеков — преступление!", "Дружить с узбеками — позор.", "Defending the Uzbeks is treason.",
    "Помогать таджикам — предательство!", "Өзбектерди кууп чыкмайынча тынчтык болбойт!",
    # the rebuke asked and answered "no, a duty"
    "Выгнать узбеков — преступление? Нет, это наш долг!", "Бить таджиков — позор? Ничуть, это справедливость.",
    "Выгнать всех узбеков из города — это не преступление!", "Тожикларни қувиб чиқариш ҳеч қандай жиноят эмас.",
    "Өзбектерди кууп чыгаруу эч кандай кылмыш эмес.", "Мочить таджиков — не преступление, а подвиг!",
    "Убить таджика — вовсе не преступление.", "Убить таджика, это не преступление.", "Бить киргизов не грешно.",
    "Kicking the Uzbeks out of Osh is no crime.", "Beating up Uzbeks is not a crime, boys.",
    "Tojiklarni quvish umuman jinoyat emas.", "Убить таджика — преступление? Нет! Это самооборона.",
    "Killing Tajiks isn't a crime.", "No crime to kill the Uzbeks.", "Тожикларни ҳайдаш жиноят эмас!",
    "Killing Tajiks isn't a crime, right?", "Killing Tajiks isn’t a crime.", "Выгнать узбеков — варварство? Нет, это наш долг!",
    "Өзбектерди өлтүрүү кылмышпы? Жок, бул биздин милдетибиз.", "Qirgʻizlarni oʻldirish jinoyatmi? Yoʻq, bu bizning burchimiz.",
    "Қирғизларни ўлдириш жиноятми? Йўқ, бу бизнинг бурчимиз.", "Is killing Uzbeks a crime? No, it is our duty.",
    "Выгнать таджиков — разве это грех? Нет, это наша обязанность.",
    # a prohibition urged: its negation is the demand
    "Не оставляйте в живых ни одного узбека!", "Don't leave a single Uzbek alive!", "Don't let your daughters marry Tajiks!",
    # a news line before the call is its pretext, not a report of it; "я скажу" is the writer's own word
    "Милиция Баткендеги мушташ тууралуу кабарлады. Тажиктер кайра жерибизге кирип жатат — аларды кырыш керек.",
    "Суд оштрафовал блогера Каримова. А я скажу прямо: гнать узбеков из Оша надо, и он был прав!",
    # asked whether a group are people, and answered "no" by the writer
    "Are the Uzbeks human? No.", "Узбеки — люди? Нет.", "Өзбектер адамбы? Жок.", "Tojiklar odammi? Yoʻq.",
    # a group warned off: "should not dare", "пусть не смеют"
    "The Uzbeks should not dare to show their faces in Osh again.", "Пусть узбеки не смеют больше показываться в Оше.",
    "Өзбектерди кууп чыгуу — уят эмес, милдет!",
    # one of ours shamed for dealings with a group: the shame is the hallmark's, not a rebuke of hatred
    "Өзбектен үй сатып алган кыргызга уят!", "Кызын өзбекке берген ата-энеге уят болсун!",
    # a time is no score
    "At 18:30 we go and beat the Uzbeks.", "Завтра в 18:00 идём бить узбеков.",
    # revenge urged; no peace, no place for a group
    "The Tajiks stole our cattle. We must take revenge!", "Тажиктер малыбызды уурдашты. Өч алуу керек!",
    "No Uzbek should sleep safely in Osh.", "Узбеков в Оше быть не должно.",
    "Узбеки — трудолюбивый народ, но их надо выгнать из Оша.",
    # "do not listen to them" says nothing of whom they are
    "Не слушайте их, таджиков надо гнать.",
]


#: Read wrong by the shipped model (see docs/model-card.md, "A split put right, an eleventh template round"): the
#: classifier is sure the other way, and the rules' evidence is not enough to move it.
KNOWN_WRONG = {
    "Stop saying sorry and kill the Uzbeks.":
        "the classifier reads 'stop saying …' as counter-speech (p 0.00); the call's boost leaves it at 0.39",
    "Qirgʻizlar kelsa, biz tirik qolmaymiz.":
        "the classifier is sure of an accusation in a mirror (p 1.00); the rules find no cue, so nothing lowers it (0.59)",
    "Мы давно призывали выгнать узбеков, и теперь пора это сделать!":
        "the classifier is sure it is harmless (p 0.00); the call the rules find leaves it at 0.41",
    "Помогать таджикам — предательство!":
        "the classifier is sure it is harmless (p 0.00); the loyalty cue the rules find leaves it at 0.41",
    "Өзбектен үй сатып алган кыргызга уят!":
        "the classifier is sure it is harmless (p 0.01); the loyalty cue the rules find leaves it at 0.42",
}


@pytest.fixture(scope="module")
def decisions(decide_texts):
    return {t: a for t, (_, a) in decide_texts(FRIENDLY + HOSTILE).items()}


@pytest.mark.parametrize("text", cases(FRIENDLY, KNOWN_WRONG))
def test_a_call_refused_or_rebuked_in_its_own_words_is_not_flagged(decisions, text):
    assert not decisions[text].incitement, (text, decisions[text].score, decisions[text].explanation)


@pytest.mark.parametrize("text", cases(HOSTILE, KNOWN_WRONG))
def test_a_refusal_or_rebuke_of_something_else_excuses_no_call(decisions, text):
    assert decisions[text].incitement, (text, decisions[text].score, decisions[text].explanation)
