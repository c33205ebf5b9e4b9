"""Russian probe round (cues.jsonl and context.jsonl ids ``*.ru.pr…``): wordings of Russian posts that the probe lines
of a lexicon round found missing, read through the whole pipeline. Each hateful line must carry its cue; each friendly,
neutral or news line with the same words must not."""

from __future__ import annotations

import pytest

#: (text, the hallmark a new cue must find in it)
FOUND = [
    ("Позор тем кыргызам, которые покупают у узбеков на базаре.", "questioning_ingroup_loyalty"),
    ("Стыд тем, кто дружит с этими дунганами!", "questioning_ingroup_loyalty"),
    ("Позор тем, кто отдаёт дочь за таджика.", "questioning_ingroup_loyalty"),
    ("Стыдно, что наши девушки выходят за турков.", "questioning_ingroup_loyalty"),
    ("Позор, что наши покупают у уйгуров, а не у своих.", "questioning_ingroup_loyalty"),
    ("Эти уйгурские крысы опять вылезли на рынок.", "dehumanization"),
    ("Казахские паразиты снова пришли на базар.", "dehumanization"),
    ("Мартышки узбекские опять орут на базаре.", "dehumanization"),
    ("Таджикские обезьяны заполонили двор.", "dehumanization"),
    ("Турков резать, как баранов.", "call_to_violence"),
    ("Резать турков как баранов.", "call_to_violence"),
    ("Разбейте витрины узбекских магазинов.", "call_to_violence"),
    ("Разбить окна в домах узбеков!", "call_to_violence"),
    ("Ввести комендантский час для всех таджиков!", "call_to_expulsion"),
    ("Комендантский час для всех таджиков после девяти вечера!", "call_to_expulsion"),
    ("Уйгуры хотят забрать себе всю землю в долине.", "accusation_in_a_mirror"),
    ("Уйгуры скоро отожмут себе весь юг.", "accusation_in_a_mirror"),
    ("Дунгане уже поделили наши дома между собой.", "accusation_in_a_mirror"),
    ("Казахи уже делят наши пастбища.", "accusation_in_a_mirror"),
    ("Узбеки уже точат ножи, а мы всё спим.", "accusation_in_a_mirror"),
    ("Таджики точат ножи на нас.", "accusation_in_a_mirror"),
    ("Не мы начнём, так узбеки начнут — лучше ударить раньше.", "accusation_in_a_mirror"),
    ("Уйгуры сделают это с нами первыми, если мы их не остановим.", "accusation_in_a_mirror"),
    ("Эти кыргызы, что ходят на узбекские свадьбы, — позор нации.", "questioning_ingroup_loyalty"),
    ("Ты кому служишь, нам или уйгурам?", "questioning_ingroup_loyalty"),
    ("Настоящий кыргыз никогда не сядет за один стол с узбеком.", "questioning_ingroup_loyalty"),
    ("Узбеки размножаются быстрее крыс.", "dehumanization"),
    ("Если не выгоним узбеков сейчас, завтра они выгонят нас.", "accusation_in_a_mirror"),
    ("Таджики нас выгонят.", "accusation_in_a_mirror"),
    ("Кыргыз, который голосует за узбека, — не кыргыз.", "questioning_ingroup_loyalty"),
    ("Мулла, который молится вместе с уйгурами, нам не мулла.", "questioning_ingroup_loyalty"),
    ("Позор семье, которая выдала дочь за уйгура.", "questioning_ingroup_loyalty"),
    ("Узбекский прихвостень — вот кто наш мэр.", "questioning_ingroup_loyalty"),
    ("Таджики завезли боевиков в Баткен.", "accusation_in_a_mirror"),
]

#: (text, the hallmark that must not be found in it)
NOT_FOUND = [
    ("Позор тем, кто поджигал дома узбеков в 2010 году.", "questioning_ingroup_loyalty"),
    ("Позор тем, кто не помог узбекам в беде.", "questioning_ingroup_loyalty"),
    ("Стыдно, что мы не защитили таджиков тогда.", "questioning_ingroup_loyalty"),
    ("Кыргызы покупают у узбеков на базаре лучшие помидоры — и правильно делают.", "questioning_ingroup_loyalty"),
    ("Китайские обезьяны в зоопарке Бишкека.", "dehumanization"),
    ("Кыргызские овцы дают хорошую шерсть.", "dehumanization"),
    ("Крысы на рынке: санэпидемстанция провела дератизацию в рядах у уйгурских торговцев.", "dehumanization"),
    ("Узбеков резали как баранов, вспоминает очевидец.", "call_to_violence"),
    ("Режьте баранину мелкими кусочками для самсы.", "call_to_violence"),
    ("Хулиганы разбили узбекские машины на стоянке.", "call_to_violence"),
    ("Витрины магазинов на Ленина разбили хулиганы, задержаны трое.", "call_to_violence"),
    ("Комендантский час для узбеков ввели в 2010 году, вспоминают жители.", "call_to_expulsion"),
    ("Комендантский час в Оше в 2010 году помнят все.", "call_to_expulsion"),
    ("Фермеры-уйгуры хотят взять в аренду землю под хлопок.", "accusation_in_a_mirror"),
    ("Турецкая компания хочет открыть в Оше новый рынок.", "accusation_in_a_mirror"),
    ("Дунгане поделили наследство между братьями, спор решён миром.", "accusation_in_a_mirror"),
    ("Мастер-узбек точит ножи на рынке, очередь с утра.", "accusation_in_a_mirror"),
    ("Соседи-узбеки уже точат ножи к празднику, скоро курбан.", "accusation_in_a_mirror"),
    ("Нам надо начать раньше, чтобы успеть.", "accusation_in_a_mirror"),
    ("Погромщики, которые жгли дома узбеков, — позор нации.", "questioning_ingroup_loyalty"),
    ("Те, кто помогал узбекам в 2010-м, — настоящие герои.", "questioning_ingroup_loyalty"),
    ("Настоящий кыргыз никогда не поднимет руку на узбека.", "questioning_ingroup_loyalty"),
    ("Крысы размножаются быстрее кроликов, говорят учёные.", "dehumanization"),
    ("Узбеки нас выгнали в 2010 году, вспоминает беженец.", "accusation_in_a_mirror"),
    ("Соседи нас выселят, если не заплатим за свет.", "accusation_in_a_mirror"),
    ("Позор властям, которые не защитили узбеков.", "questioning_ingroup_loyalty"),
    ("Позор депутату, который голосовал за закон против уйгуров.", "questioning_ingroup_loyalty"),
    ("Мулла, который молится вместе с уйгурами, не может отказать никому.", "questioning_ingroup_loyalty"),
    ("Кыргыз, который помогает узбекам, — не враг, а брат.", "questioning_ingroup_loyalty"),
    ("ГКНБ: боевиков завезли через таджикскую границу.", "accusation_in_a_mirror"),
    ("Таджики привезли на рынок абрикосы.", "accusation_in_a_mirror"),
]


@pytest.fixture(scope="module")
def decided(decide_texts):
    return decide_texts([t for t, _ in FOUND + NOT_FOUND])


@pytest.mark.parametrize("text, hallmark", FOUND)
def test_new_cue_finds_hallmark(decided, text, hallmark):
    features, _ = decided[text]
    assert hallmark in {c.label for c in features.cues}, [(c.label, c.text) for c in features.cues]


@pytest.mark.parametrize("text, hallmark", NOT_FOUND)
def test_same_words_in_plain_use_give_no_cue(decided, text, hallmark):
    features, _ = decided[text]
    assert hallmark not in {c.label for c in features.cues}, [(c.label, c.text) for c in features.cues]


def test_shame_on_those_who_side_with_a_group_is_no_condemnation(decide_texts):
    texts = ["Позор тем, кто продаёт землю узбекам.", "Позор тем кыргызам, которые покупают у узбеков на базаре."]
    for text, (features, analysis) in decide_texts(texts).items():
        assert "condemnation" not in {c.label for c in features.context}, text
        assert analysis.incitement, text


@pytest.mark.parametrize("text", [
    "Называть предателем того, кто дружит с узбеками, — подло.",
    "Говорить, что евреи — раковая опухоль, — это фашизм.",
])
def test_name_calling_called_vile_or_fascism_is_a_refusal(decide_texts, text):
    (features, analysis), = decide_texts([text]).values()
    assert "refusal" in {c.label for c in features.context}
    assert not analysis.incitement


def test_if_we_do_not_drive_them_out_is_a_condition_not_a_refusal(decide_texts):
    (features, analysis), = decide_texts(["Если мы не выгоним узбеков, нам конец."]).values()
    assert "refusal" not in {c.label for c in features.context}
    assert analysis.incitement


@pytest.mark.parametrize("text", [
    "Он кыргыз, а жена у него узбечка, и живут они душа в душу.",
    "Кто за мир между узбеками и кыргызами, тот за будущее Оша.",
    "Она вышла за уйгура, и родня приняла его как своего.",
    "Настоящий кыргыз всегда накормит гостя, будь он узбек или русский.",
    "Хоть узбек, хоть кыргыз — все мы люди.",
    "Кыргыз, который помогает узбекам, — не враг, а брат.",
    "Узбеки нам не враги, а братья.",
])
def test_groups_living_in_harmony_or_welcomed_as_kin_are_inclusion(decide_texts, text):
    (features, analysis), = decide_texts([text]).values()
    assert "inclusion" in {c.label for c in features.context}
    assert not analysis.incitement
