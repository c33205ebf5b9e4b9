"""Groups named to welcome them all (a job ad, a rental notice, a post inviting everyone): the classifier, taught that
lists of groups go with calls, is sure such lists are hateful; an ``inclusion`` marker lowers a text with no cue whose
every group word stands in a sentence that holds one. Beside a cue, or beside a sentence that names a group on its
own, it says nothing."""

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

#: The marker beside a cue, or beside a sentence that names a group on its own: still flagged.
STILL_FLAGGED = [
    "Everyone welcome except Uzbeks.",
    "Рады гостям любой национальности, кроме таджиков.",
]


@pytest.fixture(scope="module")
def decided(decide_texts):
    return decide_texts(WELCOMING + STILL_FLAGGED)


@pytest.mark.parametrize("text", WELCOMING)
def test_a_list_of_groups_welcomed_all_raises_no_flag(decided, text):
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
