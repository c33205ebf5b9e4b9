"""A text is given only a language that is written in its script: Turkish or German in Latin letters is not Russian,
Ukrainian or Bulgarian in Cyrillic is not English or Uzbek Latin; Russian translit is still Russian."""

from __future__ import annotations

import pytest

from tocsin.nlp.language import detect_language

CYRILLIC_ONLY = {("ru", "Cyrl"), ("ky", "Cyrl"), ("uz", "Cyrl")}


@pytest.mark.parametrize("text", [
    "Türkler gitmeli.",                 # Turkish: "the Turks must go"
    "Ermeniler ölmeli",                 # Turkish
    "Die Türken müssen weg",            # German
    "Bugün hava çok güzel ve sıcak",
])
@pytest.mark.parametrize("hint", ["", "ru"])
def test_latin_text_in_an_unconfigured_language_is_not_russian(text, hint):
    lang, script = detect_language(text, hint)
    assert script == "Latn"
    assert lang != "ru" and (lang, "Cyrl") not in CYRILLIC_ONLY


def test_turkish_falls_back_to_the_unknown_answer():
    assert detect_language("Türkler gitmeli.") == ("other", "Latn")


@pytest.mark.parametrize("text", [
    "Україна понад усе",                # Ukrainian, close to Russian: only the script is asserted
    "Сърбите трябва да си отидат",      # Bulgarian
    "Сьогодні в місті пройшла сильна злива",
])
def test_cyrillic_text_in_an_unconfigured_language_is_not_latin_only(text):
    lang, script = detect_language(text)
    assert script == "Cyrl"
    assert lang != "en" and (lang, script) != ("uz", "Latn")


@pytest.mark.parametrize("text, expected", [
    ("Узбеков надо выгнать из Оша", ("ru", "Cyrl")),
    ("Өзбектер менен кыргыздар коңшу", ("ky", "Cyrl")),
    ("Oʻzbeklarni shahardan haydanglar", ("uz", "Latn")),
    ("Ўзбеклар ва қирғизлар қўшни", ("uz", "Cyrl")),
    ("The weather is nice today", ("en", "Latn")),
    ("Kazakhs are here", ("en", "Latn")),
    # Russian translit stays Russian, soft sign left out or not
    ("uzbekov nado vygnat", ("ru", "Latn")),
    ("nado vygnat ikh vsekh", ("ru", "Latn")),
    ("ubivat' kirgizov nado", ("ru", "Latn")),
    ("evreev nado vygnat", ("ru", "Latn")),
    ("vygnat", ("ru", "Latn")),
    ("Узбеков nado vygnat", ("ru", "mixed")),
    # no letters
    ("🔥🔥", ("other", "none")),
    ("12345 !!!", ("other", "none")),
])
def test_configured_languages_and_translit_are_still_told(text, expected):
    assert detect_language(text) == expected
