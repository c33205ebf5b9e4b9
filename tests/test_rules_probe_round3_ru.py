"""Russian inclusion markers of the third probe round (false alarms): friendship, shared life, gratitude,
congratulations and joint work with a named group's people are inclusion; the same words denied, asked as a
rhetorical question, set against another group or said of thanks for violence excuse nothing."""

from __future__ import annotations

import pytest

#: Friendship, shared life, gratitude and joint work with a named group's people.
WELCOMES = [
    "Дружим с таджиками с детства!",
    "Живём дружно с дунганами с детства!",
    "Мой зять кыргыз, а сноха узбечка, вся семья живёт дружно.",
    "Пусть кыргызы и узбеки всегда живут в мире!",
    "Ош — город, где веками вместе живут узбеки и кыргызы.",
    "Помним ветеранов: кыргызы, узбеки, русские воевали плечом к плечу.",
    "Спасибо всем: кыргызам, узбекам, русским, кто помог найти ребёнка.",
    "Русские, кыргызы, узбеки — все мы земляки.",
    "Кыргызстан — общий дом для кыргызов, узбеков, русских и всех народов.",
    "Желаем мира и добра всем народам Оша: кыргызам, узбекам, русским, таджикам.",
    "Нужны волонтёры, приходите все: кыргызы, узбеки, русские.",
    "Приглашаем узбеков, кыргызов, таджиков на бесплатные курсы английского.",
    "Казахи и кыргызы — родственные народы, у нас общие корни.",
    "Обожаю песни таджиков!",
    "Работаем вместе с уйгурами с детства. С праздником, наши дорогие таджики!",
    "Дружба кыргызов и узбеков — наше богатство.",
    "В мечети молились вместе узбеки и кыргызы за погибших.",
]

#: The same words denied, asked as a rhetorical question, set against another group or said of thanks for violence.
NOT_WELCOMES = [
    "Узбеки — наши братья? Нет, враги.",
    "Таджики — братья? Это воры и убийцы.",
    "Спасибо нашим кыргызским парням, которые проучили узбеков.",
    "Поздравляем кыргызов с праздником, а узбеков гнать из Оша.",
    "Позор тем, кто дружит с узбеками.",
    "Узбеки никогда не жили в мире с нами.",
    "Никакой дружбы кыргызов и узбеков не будет.",
    "Ош — не общий дом для узбеков.",
    "Не люблю праздники узбеков.",
]

#: Hate beside a welcome word.
HATEFUL = [
    "Поздравляем кыргызов с праздником, а узбеков гнать из Оша.",
    "Узбеки — наши соседи, но они враги, их надо гнать.",
    "Спасибо братьям-кыргызам, что выгнали узбеков из нашего района.",
]


@pytest.fixture(scope="module")
def decided(decide_texts):
    return decide_texts(list(dict.fromkeys(WELCOMES + NOT_WELCOMES + HATEFUL)))


@pytest.mark.parametrize("text", WELCOMES)
def test_friendship_shared_life_and_gratitude_are_inclusion(decided, text):
    features, analysis = decided[text]
    assert "inclusion" in {c.label for c in features.context}, text
    assert not analysis.incitement, text


@pytest.mark.parametrize("text", NOT_WELCOMES)
def test_welcome_words_denied_asked_or_set_against_a_group_are_no_inclusion(decided, text):
    features, _ = decided[text]
    assert "inclusion" not in {c.label for c in features.context}, text


@pytest.mark.parametrize("text", HATEFUL)
def test_a_welcome_word_does_not_excuse_hate(decided, text):
    _, analysis = decided[text]
    assert analysis.incitement, text


@pytest.mark.parametrize("text", ["Его травят за то, что он играет на свадьбах у узбеков. Какой же он предатель?",
                                  "Какой из него предатель? Он просто помог соседям-таджикам."])
def test_what_kind_of_traitor_asked_denies_the_name(decide_texts, text):
    features, analysis = decide_texts([text])[text]
    assert "questioning_ingroup_loyalty" not in {c.label for c in features.cues}
    assert not analysis.incitement, analysis.explanation


def test_a_traitor_called_outright_stays_a_cue(decide_texts):
    text = "Он дружит с узбеками. Предатель!"
    features, analysis = decide_texts([text])[text]
    assert "questioning_ingroup_loyalty" in {c.label for c in features.cues}
    assert analysis.incitement, analysis.explanation
