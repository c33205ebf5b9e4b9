"""The region's peace appeals name groups and are no incitement ("Кыргыздар менен өзбектер тынч жашашы керек", "Uzbeks
and Kyrgyz must live in peace"); "узбеки вон!" is a call to expulsion; an explanation quotes whole words."""

from __future__ import annotations

import pytest

from tocsin.models.decision import welcomes_all_it_names
from tocsin.models.explanation import whole_words


@pytest.mark.parametrize("text, lang", [
    ("Кыргыздар менен өзбектер тынч жашашы керек", "ky"),
    ("Uzbeks and Kyrgyz must live in peace", "en"),
    ("Узбеки и кыргызы должны жить в мире", "ru"),
    ("Давайте жить дружно: узбеки, кыргызы, таджики", "ru"),
    ("Oʻzbeklar va qirgʻizlar tinch yashashi kerak", "uz"),
    ("Ўзбеклар ва қирғизлар тинч яшаши керак", "uz"),
])
def test_a_peace_appeal_welcomes_every_group_it_names(analyser, text, lang):
    features = analyser.features(text, lang)
    assert features.groups, "the appeal names groups"
    assert welcomes_all_it_names(features)


@pytest.mark.parametrize("text, lang", [
    ("Uzbeks and Kyrgyz can never live in peace", "en"),
    ("Узбеки и кыргызы никогда не смогут жить в мире", "ru"),
    ("Кыргыздар менен өзбектер тынч жашабайт", "ky"),          # do not live in peace
    ("Oʻzbeklar bilan hech qachon tinch yashamaymiz", "uz"),
    ("Узбеки должны жить в мире, а таджиков надо выгнать", "ru"),   # a call beside it
])
def test_a_denied_peace_or_one_beside_a_call_welcomes_no_one(analyser, text, lang):
    assert not welcomes_all_it_names(analyser.features(text, lang))


@pytest.mark.parametrize("text, quoted", [("узбеки вон!", "узбеки вон"), ("Узбеки, прочь!", "Узбеки, прочь"),
                                          ("Вон узбеков из города!", "Вон узбеков")])
def test_group_out_is_a_call_to_expulsion(analyser, text, quoted):
    cues = [s for s in analyser.features(text, "ru").cues if s.label == "call_to_expulsion"]
    assert [c.text for c in cues][:1] == [quoted]


@pytest.mark.parametrize("text", ["узбеки вон стоят у рынка", "вон узбеки идут"])
def test_von_meaning_over_there_is_no_call(analyser, text):
    assert not analyser.features(text, "ru").cues


def test_a_quote_around_a_group_keeps_whole_words_and_the_group():
    text = "Кыргыздар менен өзбектер тынч жашашы керек"
    assert whole_words(text, 0, 40, (0, 9)) == "Кыргыздар менен өзбектер тынч жашашы"
    tail = "тынч жашашы керек, деди Кыргыздар"
    assert whole_words(tail, 7, len(tail), (tail.index("Кыргыздар"), len(tail))) == "керек, деди Кыргыздар"
    assert whole_words("abc defgh", 1, 9, (4, 9)) == "defgh"
