"""A round of Russian cue words (cues.jsonl ids ``cue.<hallmark>.ru.k…``), read through the whole pipeline: each new
cue finds its hallmark in a short hateful line written for this test, and the same words in a friendly, neutral or
news line do not give that cue."""

from __future__ import annotations

import pytest

#: (text, the hallmark a new cue must find in it)
FOUND = [
    ("Пора уже собраться всем районом и бить дунган.", "call_to_violence"),
    ("Наш план прост — жечь уйгуров.", "call_to_violence"),
    ("Громить всех таджиков, и никого не жалеть.", "call_to_violence"),
    ("Нам — долина, дунганам — могила!", "call_to_violence"),
    ("Скоро заполыхают дома уйгуров в нашем городе.", "call_to_violence"),
    ("Выгнать всех дунган из города, и точка.", "call_to_expulsion"),
    ("Давно пора вернуть уйгуров туда, откуда они приехали.", "call_to_expulsion"),
    ("Даём месяц на сборы — потом таджики здесь не живут.", "call_to_expulsion"),
    ("Запомните: уйгуры — не гости, а саранча.", "dehumanization"),
    ("Дунганы завелись во всех дворах нашего района.", "dehumanization"),
    ("Выведем крыс, клопов и таджиков за один день.", "dehumanization"),
    ("Таджики скупают ружья по всей области.", "accusation_in_a_mirror"),
    ("Пока мы спорим, дунганы делят наши дома.", "accusation_in_a_mirror"),
    ("Уйгуры всё равно нападут, так что ударим первыми.", "accusation_in_a_mirror"),
    ("Дунганы портят нашу кровь, скоро чистых не останется.", "threat_to_purity"),
    ("Ни одной невесты из уйгуров в нашем роду!", "threat_to_purity"),
    ("Надо запретить браки с таджиками, пока не поздно.", "threat_to_purity"),
    ("Уйгуры спаивают наших девушек в кафе.", "attack_on_women_and_girls"),
    ("Наш аким раздаёт землю уйгурам. Кто ему платит?", "questioning_ingroup_loyalty"),
    ("Продавец, что торгует с дунганами, — не сосед, а предатель.", "questioning_ingroup_loyalty"),
]

#: (text, the hallmark that must not be found in it)
NOT_FOUND = [
    ("Пора собраться всем двором и бить ковры перед праздником.", "call_to_violence"),
    ("Задача простая — резать лук кольцами, а морковь соломкой.", "call_to_violence"),
    ("Билет в один конец до Москвы стоит двадцать тысяч сомов.", "call_to_expulsion"),
    ("Дети на кухне нашли тараканов, а вечером в сарае завелись мыши.", "dehumanization"),
    ("Пока мы спим, организм восстанавливает силы.", "accusation_in_a_mirror"),
    ("Наша команда ударила первой, но соперник сравнял счёт.", "accusation_in_a_mirror"),
    ("Сегодня в Оше отметили свадьбу: жених узбек, невеста кыргызка, гуляли всей улицей.", "threat_to_purity"),
    ("Донорам напоминают: сдать кровь можно в поликлинике на Ленина.", "threat_to_purity"),
    ("Наши девушки из ансамбля выступили в Бишкеке и покорили зал.", "attack_on_women_and_girls"),
    ("Он не бизнесмен, а учитель, и дети его любят.", "questioning_ingroup_loyalty"),
    ("Кыргызские врачи: при переливании чужой крови нужен анализ.", "threat_to_purity"),
    ("Наш сосед-узбек каждый день поджидает дочку у школы.", "attack_on_women_and_girls"),
    ("Даём неделю на сборы в лагерь: дети узбеков и кыргызов едут вместе.", "call_to_expulsion"),
    ("Депортировать таджиков-нелегалов планирует миграционная служба, сообщает агентство.", "call_to_expulsion"),
    ("У кыргызов в селе завелась новая традиция — субботник.", "dehumanization"),
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
