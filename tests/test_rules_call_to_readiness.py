"""A call to stand ready after a rumour about a group ("… the Uzbeks are gathering weapons. Be ready!", "Будьте готовы",
"tayyor turing!", "Даяр тургула!") is the mobilising half of an accusation in a mirror; "be ready to help" is not."""

from __future__ import annotations

import pytest

MIRROR = "accusation_in_a_mirror"


@pytest.mark.parametrize("text, lang, words", [
    ("People say the Uzbeks are gathering weapons in the hills. Be ready!", "en", "Be ready"),
    ("Мой брат говорит, что казахи завозят людей из-за границы. Будьте готовы, не спите ночью.", "ru", "Будьте готовы"),
    ("Hamma joyda gap: qirgʻizlar odamlarini yigʻishdi. Tayyor turing!", "uz", "Tayyor turing"),
    ("Ҳамма жойда гап: қирғизлар одамларини йиғишди. Тайёр туринг!", "uz", "Тайёр туринг"),
    ("Кабар тарады: өзбектер куралын чогултуп жатышат. Даяр тургула!", "ky", "Даяр тургула"),
])
def test_a_call_to_stand_ready_is_a_cue(analyser, text, lang, words):
    assert (MIRROR, words) in [(c.label, c.text) for c in analyser.features(text, lang).cues]


@pytest.mark.parametrize("text, lang", [
    ("Be ready to help our Uzbek neighbours after the flood.", "en"),
    ("Будьте готовы помочь соседям-узбекам после наводнения.", "ru"),
])
def test_ready_to_help_is_no_cue(analyser, text, lang):
    assert not [c for c in analyser.features(text, lang).cues if c.label == MIRROR]
