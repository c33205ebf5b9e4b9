"""Revenge on a group ("отомстить узбекам", "revenge on the Tajiks", "өзбектерден өч алабыз", "qirgʻizlardan oʻch
olamiz", "blood for blood") is a call to violence. Revenge refused, a sports rematch, a report of an arrest for such
a call, and the group as the one said to seek revenge (an accusation, not a call) hold no such call of the writer's."""

from __future__ import annotations

import pytest

CALLS = [
    "Пора отомстить узбекам за всё!",
    "Месть таджикам! Никакой пощады.",
    "Отомстим этим киргизам, братья.",
    "Уйгуры убили нашего парня. Кровь за кровь!",
    "Time for revenge on the Uzbeks, boys.",
    "We will make the Tajiks pay for what they did in Batken.",
    "They killed ours. Blood for blood, the Kyrgyz will learn.",
    "Өзбектерден өч алабыз!",
    "Тажиктерден кек алгыла, жигиттер!",
    "Qirgʻizlardan oʻch olamiz!",
    "Жалолободдаги қирғизларни битта-битта топиб, ўчини олиш вақти келди.",
    "Tojiklardan qasos olinglar!",
]

NOT_CALLS = [
    "Мы не будем мстить узбекам, месть ничего не решит.",
    "Родственники погибших призвали не мстить таджикам: «Виноваты конкретные люди».",
    "Сборная Кыргызстана хочет отомстить узбекам за поражение в финале.",
    "В Оше задержан автор поста с призывом отомстить узбекам, сообщает МВД.",
    "The national team wants revenge on the Uzbeks in the final on Sunday.",
    "Make the Chinese pay taxes like everyone else, says the MP.",
    "Nobody should take revenge on the Uzbeks for the crimes of a few.",
    "Биз өзбектерден өч албайбыз, алар биздин кошуналар.",
    "Qirgʻizlardan qasos olmaymiz, ular qoʻshnilarimiz.",
    "Militsiya: qirgʻizlardan oʻch olishga chaqirgan shaxs ushlandi.",
]


@pytest.fixture(scope="module")
def decided(decide_texts):
    return decide_texts(CALLS + NOT_CALLS)


@pytest.mark.parametrize("text", CALLS)
def test_revenge_on_a_group_is_a_call_to_violence(decided, text):
    features, analysis = decided[text]
    assert "call_to_violence" in {c.label for c in features.cues}, [(c.label, c.text) for c in features.cues]
    assert analysis.incitement and analysis.explanation.startswith("call to violence against "), analysis.explanation


@pytest.mark.parametrize("text", NOT_CALLS)
def test_revenge_refused_reported_or_on_the_pitch_raises_no_flag(decided, text):
    _, analysis = decided[text]
    assert not analysis.incitement, (analysis.score, analysis.explanation)


def test_a_group_said_to_seek_revenge_is_not_called_on(decide_texts):
    text = "Ruslar tinch koʻrinadi, lekin yashirincha qasos olishga tayyorlanmoqda."
    features, _ = decide_texts([text], ["uz"])[text]
    assert "call_to_violence" not in {c.label for c in features.cues}
