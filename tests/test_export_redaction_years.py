"""Years beside numbers in export redaction: a year before a phone number keeps the year and loses the number; a
year before an amount, and a list of years, are no phone. Every number below is invented."""

from __future__ import annotations

import pytest

from tocsin.export.redaction import RedactionRules, Redactor


def redact(text: str) -> str:
    return Redactor(RedactionRules()).redact_text(text)


@pytest.mark.parametrize("text, expected", [
    ("В 2025 996 555 123 456 звонил снова", "В 2025 [phone] звонил снова"),
    ("2025 996 555 123 000", "2025 [phone]"),
    ("Yil 2024 0555 123 456 raqamidan", "Yil 2024 [phone] raqamidan"),
])
def test_a_year_before_a_phone_number_stays_and_the_number_goes(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("text", [
    "в 2025 100 000 человек вышли",      # a year and a two-group amount
    "2024 1 500 000 сом",
    "Бюджет 2025 1 000 000 000 сом",
    "в 2019 2020 2021 годах",              # years in a row
    "1999 2000 2001 2002",
])
def test_years_and_amounts_are_not_phone_numbers(text):
    assert redact(text) == text


def test_a_phone_number_without_a_year_is_still_redacted_whole():
    assert redact("звоните 0555 123 456 или +996 555 123 456") == "звоните [phone] или [phone]"
    assert redact("2012 345 678") == "[phone]"   # a 4-digit opening with no number after it alone is not a year
