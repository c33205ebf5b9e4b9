"""Quoted or reported words approved by the writer, through the whole decision (rules + the shipped classifier):
«…» — правильно сказано, "well said, share it", a forward's label ("Переслано: «…»") make the writer say the words himself, so the quotation or report
no longer excuses them; the same approval of a road repair, a missing-child notice or an arrest, and hostile
words quoted to condemn or report them, raise no flag."""

from __future__ import annotations

import pytest

APPROVED = [
    "«Узбеков надо выгнать из Оша» — правильно сказано!",
    "Один депутат сказал: «таджиков надо гнать отсюда». Полностью согласен, подписываюсь под каждым словом.",
    "Он написал «бейте узбеков» — и правильно, репост!",
    "«Өзбектерди Оштон кууп чыгуу керек» — туура айтылган!",
    # the verb of saying after the words, as Kyrgyz and Uzbek put it
    "Митингде бир киши «Кытайлар, Кыргызстандан кеткиле!» деп кыйкырды — туура айтат! Баарын кууп чыгуу керек.",
    "Mitingda bir kishi «Xitoylar, yoʻqolinglar!» deb baqirdi — toʻgʻri aytadi! Hammasini haydash kerak.",
    "«Тажиктерди кууп чыгаргыла» — туура айтасыз, бөлүшүңүз!",
    "«Qirgʻizlarni quvib chiqarish kerak» — toʻgʻri aytilgan!",
    "Deputat «qirgʻizlarni uringlar» dedi. Barakalla, toʻgʻri gap!",
    "«Қирғизларни уриш керак» — гапингиз тўғри, улашинг!",
    'He said "drive the Tajiks out" — well said, share it!',
    '"Uzbeks are rats" — couldn\'t agree more.',
    "Как говорил мой дед: «Таджики — чужие. Гнать таджиков из Оша!» И он был прав.",
    '"Drive out the Tajiks!" a man wrote on the forum. I fully support.',
    "Чоң атам «өзбектерди кууп чыгуу керек» дечү. Ал туура айткан.",
    "«Бейте узбеков» — правильно сказано, репост до 21:00!",
    "«Узбеков надо выгнать» — 100% согласен!",
    "Chatda dunganlarni haydanglar deyishyapti. Nihoyat kimdir aytdi.",            # at last someone said it
    "Чатта дунгандарды базардан кубалагыла деп жазышыптыр. Акыры бирөө айтты.",
    # a bare approval, a word of its own ending its sentence
    "«Узбеков надо выгнать из Оша» — верно!",
    "Сосед говорит, что узбеков надо выгнать из Оша. Правильно!",
    "«Өзбектерди базардан кууп чыгуу керек» — туура!",
    "Чатта «тажиктерди базардан кубалагыла» деп жазышты. Туура!",
    "«Қирғизларни бозордан қувиб чиқариш керак» — тўғри!",
    'Someone wrote "drive the Tajiks out of Osh". Exactly!',
    '"Kick the Uzbeks out of the bazaar" — about time.',
    "«Узбеков надо выгнать» — совершенно верно.",                   # after an intensifier
    "«Бейте таджиков», — пишут в чате. Абсолютно верно!",
    # a forward's label, with no comment, passes the words on (also across the name of their source)
    "Переслано: «Братья, берите арматуру и гоните узбеков из Оша!»",
    "Переслано из канала Ош Патриоты: «Братья, берите арматуру и гоните узбеков из Оша!»",
    "Пересланное сообщение: «Узбеков надо выгнать из города»",
    'Forwarded from Osh Patriots: "Brothers, take rebar and drive the Uzbeks out of Osh!"',
    'Fwd: "Kill the Tajiks before they kill us"',
]
NOT_APPROVED = [
    "Митингде бир киши «Кытайлар, Кыргызстандан кеткиле!» деп кыйкырды. Милиция аны кармады.",
    "Бир киши «Өзбектерди кууп чыгуу керек» деп айтты — уят! Мындай сөздөргө жол жок.",
    "Наконец-то кто-то сказал правду: узбеки и кыргызы — соседи, и делить нам нечего.",
    "Finally someone said it: the Uzbeks and Kyrgyz of Osh are one town.",
    "«Узбеков надо выгнать из Оша» — так написал провокатор. Позор ему!",
    "Правильно сказал аким: дороги надо чинить.",
    "Пропала девочка в Узгене, родители — узбеки из махалли. Распространите, пожалуйста!",
    "Полиция задержала мужчину, который написал «бейте узбеков». Так ему и надо!",
    "«Выгнать узбеков» — кричали провокаторы в 2010-м. Правильно сказал аксакал: такое не должно повториться.",
    "«Өзбектерди кууп чыгуу керек» деп жазган провокатор кармалды.",
    "Аксакал туура айтты: «Өзбек менен кыргыз бир тууган, эч кимди кууп чыгуунун кереги жок».",
    "«Qirgʻizlarni urish kerak» degan gap — yolgʻon va uyat. Tarqating, hamma bilsin!",
    "Ҳоким тўғри айтди: йўлларни таъмирлаш керак.",
    'He said "drive the Tajiks out" — police have detained him for inciting hatred.',
    '"Uzbeks are rats" — don\'t share it, it is a lie.',
    "The elder put it well: \"Nobody should drive the Tajiks out; we are one people.\"",
    "Дед говорил: «Узбеки и кыргызы — братья». И он был прав.",
    # approval of a verdict, a dismissal or a warning to pass on, after hostile words quoted
    "Суд приговорил автора поста «Узбеков надо выгнать» к 3 годам. Так ему и надо.",
    "«Бейте узбеков», — кричал он. И правильно, что его уволили.",
    "«Таджиков надо гнать», — написал блогер. Отец сказал, что это чушь, и он прав.",
    '"Kick the Uzbeks out" — a candidate said. Voters rejected him, and they were right.',
    "Осторожно: в сети пишут «бейте таджиков». Перешлите родителям, пусть следят за детьми.",
    "Qirgʻiz kanallarida «tojiklarni uringlar» degan chaqiriq tarqaldi. Ulashing, hamma ogoh boʻlsin.",
    '"Tojiklarni haydash kerak" deb yozgan odam qamaldi. Shunday boʻlishi kerak.',
    "Суд приговорил автора поста «Узбеков надо выгнать» к 3 годам. Так и надо.",
    "Автора поста «Бейте таджиков» оштрафовали. Поддерживаю!",
    # a refused approval, and a call the approved speaker quotes in turn
    '"Qirgʻizlarni haydash kerak" deb yozdi u. U toʻgʻri aytmadi.',
    "«Өзбектерди кууп чыгыш керек» деп жазды ал. Ал туура айткан жок.",
    "Правильно сказал аким: «Те, кто пишет „узбеков надо выгнать“, ответят по закону».",
    # a court's or the police's deed, in the forms news in each language gives it, then an applause of the deed
    "Сот «өзбектерди кууп чыгаруу керек» деп жазган блогерге айып пул салды. Колдойм!",
    "«Тажиктерди кууп чыгаргыла» деп жазган блогер камакка алынды. Ушундай болуш керек.",
    "«Дунгандарды сабагыла» деп чакырган жигит соттолду. Ушундай болуш керек.",
    "Милиция «уйгурларды сабаш керек» деп жазган блогерди кармады. Колдойм!",
    "«Өзбектерди кууп чыгаргыла» деп жазган блогердин баракчасы бөгөттөлдү. Ушундай болуш керек.",
    "Сот «тажиктерди кууп чыгаруу керек» деп жазган блогерди күнөөлүү деп тапты. Макулмун!",
    'A blogger who wrote "drive out the Tajiks" was jailed for two years. Hear, hear!',
    'The page that posted "beat the Tajiks" was blocked by the regulator. I fully support.',
    'The mayor banned the rally whose slogan was "drive out the Uzbeks". I fully support.',
    'The blogger who wrote "the Uzbeks must be expelled" got two years in prison. I fully support.',
    "«Qirgʻizlarni quvib chiqaringlar» deb yozgan blogerni sud jarimaga tortdi. Barakalla!",
    "«Tojiklarni uringlar» deb yozgan yigit qamoqqa hukm qilindi. Shunday boʻlishi kerak.",
    "«Қирғизларни қувиб чиқаринглар» деб ёзган канал блокланди. Баракалла!",
    "Канал, где писали «бейте таджиков», заблокировали. Так и надо.",
    # a bare approval negated, asked, or of a deed, a verdict or friendly words
    "«Узбеков надо выгнать» — не точно. Так пишут только провокаторы.",
    "«Бейте узбеков» — верно? Нет, это преступление.",
    '"Drive the Tajiks out" — not exactly. That would be a crime.',
    "Полиция задержала мужчину, который писал «узбеков надо выгнать». Верно!",
    '"Kick the Uzbeks out" — a man shouted; police detained him. About time.',
    # a forward whose own words, or the writer's after it, keep the call at a distance
    "Переслано: «В сети пишут \"бейте узбеков\". Это провокация, не верьте.»",
    "Сосед переслал мне: «Бейте узбеков!» Какой ужас, не распространяйте такое.",
    'Forwarded from the city police: "Someone is posting \'drive out the Uzbeks\'. Report such posts."',
    'I forwarded the post "drive the Uzbeks out" to the police.',
    "«Узбеки и кыргызы — братья», — сказал аксакал. Верно!",
    # the words reported in a news line, with no approval at all
    "Drive the Dungans out of Uzgen, the posts said, the Interior Ministry warned.",
    "Beat the Uzbeks, they shouted, a woman who was beaten told reporters.",
    "Kill the Tajiks, the leaflets said, the security service said on Monday.",
]


@pytest.fixture(scope="module")
def decisions(decide_texts):
    return decide_texts(APPROVED + NOT_APPROVED)


@pytest.mark.parametrize("text", APPROVED)
def test_quoted_words_approved_by_the_writer_are_his_own(decisions, text):
    features, analysis = decisions[text]
    assert "endorsement" in {c.label for c in features.context}, text
    assert analysis.incitement, (text, analysis.score, analysis.explanation)
    assert "approved" in analysis.explanation


@pytest.mark.parametrize("text", NOT_APPROVED)
def test_approval_of_something_else_or_quoted_words_condemned_raise_no_flag(decisions, text):
    _, analysis = decisions[text]
    assert not analysis.incitement, (text, analysis.score, analysis.explanation)


def test_a_forwards_label_is_an_endorsement_of_form_forward(decisions):
    forwarded, _ = decisions["Переслано из канала Ош Патриоты: «Братья, берите арматуру и гоните узбеков из Оша!»"]
    english, _ = decisions['Forwarded from Osh Patriots: "Brothers, take rebar and drive the Uzbeks out of Osh!"']
    approved, _ = decisions[APPROVED[0]]
    assert [(c.text, c.form) for c in forwarded.context if c.label == "endorsement"] == [("Переслано", "forward")]
    assert [(c.text, c.form) for c in english.context if c.label == "endorsement"] == [("Forwarded", "forward")]
    assert all(c.form == "" for c in approved.context if c.label == "endorsement")
