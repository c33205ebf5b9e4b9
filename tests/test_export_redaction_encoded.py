"""Identifiers hidden by percent-escapes or invisible characters, an address on ``localhost``, card numbers, codes and
UUIDs that are no phone numbers, and one profile under its several spellings.

Every name, address and number below is invented."""

from __future__ import annotations

import pytest

from test_export_support import add_item
from tocsin.config import Settings
from tocsin.export.dataset import ExportOptions, export_dataset
from tocsin.export.keys import ExportKey, normalise_profile_url
from tocsin.export.redaction import RedactionRules, Redactor


def redact(text: str, **rules: bool) -> str:
    return Redactor(RedactionRules(**rules)).redact_text(text)


@pytest.mark.parametrize("text, expected", [
    ("пишите %40zqxivan сегодня", "пишите [handle] сегодня"),
    ("?to=%40zqxivan&x=1", "?to=[handle]&x=1"),
    ("пишите %40%D0%B8%D0%B2%D0%B0%D0%BD", "пишите [handle]"),
    ("%D0%B8%D0%B2%D0%B0%D0%BD%40mail.example.ru", "[email]"),
])
def test_a_handle_or_an_address_behind_percent_escapes_is_redacted_whole(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("link", ["t.me%2Fzqxivan", "https%3A%2F%2Ft.me%2Fzqxivan", "https%3a%2f%2fvk.com%2fzqxivan",
                                  "tg%3A%2F%2Fresolve%3Fdomain%3Dzqxivan"])
def test_a_profile_link_with_percent_encoded_slashes_is_redacted(link):
    assert redact(f"see {link} today") == "see [profile] today"


_INVISIBLES = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]


@pytest.mark.parametrize("mark", _INVISIBLES)
@pytest.mark.parametrize("link", ["t.me/{}zqxivan", "t.me/zqx{}ivan", "t{}.me/zqxivan", "t.me{}/zqxivan",
                                  "https:/{}/vk.com/zqxivan"])
def test_an_invisible_character_inside_a_profile_link_is_redacted_with_it(mark, link):
    assert redact("пишите " + link.format(mark) + " сегодня") == "пишите [profile] сегодня"


@pytest.mark.parametrize("mark", _INVISIBLES)
def test_an_invisible_character_after_an_at_sign_is_redacted_with_the_handle(mark):
    assert redact(f"пишите @{mark}zqxivan сегодня") == "пишите [handle] сегодня"


def test_offsets_move_past_a_redaction_of_hidden_characters():
    text = "a t.me%2F\u200bzqxivan b"
    redaction = Redactor(RedactionRules()).redact(text)
    assert redaction.text == "a [profile] b"
    assert redaction.map_span(text.index("b"), len(text)) == (redaction.text.index("b"), len(redaction.text))


@pytest.mark.parametrize("link", ["youtube.com/@zqxivan", "youtube.com/%40zqxivan"])
def test_a_profile_link_kept_on_purpose_keeps_the_handle_in_it(link):
    assert redact(f"{link} and @zqxanna", profile_links=False) == f"{link} and [handle]"


@pytest.mark.parametrize("text, expected", [
    ("root: zqxivan@localhost", "root: [email]"),
    ("zqxivan@LOCALHOST.", "[email]."),
    ("thanks@osh_voice", "thanks[handle]"),
    ("hi @zqxivan", "hi [handle]"),
    ("meet@5pm today", "meet@5pm today"),
    ("at @17:00 or @10am", "at @17:00 or @10am"),
    ("@1tv and @2am_zqx", "[handle] and [handle]"),
])
def test_an_address_on_localhost_is_an_address_and_a_time_after_an_at_sign_is_no_handle(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("card", ["1234 5678 9012 3456", "1234-5678-9012-3456", "1234\u00a05678\u00a09012\u00a03456",
                                  "1234567890123456", "1234 5678 9012 3456 789"])
def test_a_card_number_is_one_redaction(card):
    assert redact(f"карта {card}, спасибо") == "карта [phone], спасибо"


def test_a_card_number_beside_a_phone_number_and_years_in_a_row_stay_apart():
    assert redact("1234 5678 9012 3456 0555 123 456") == "[phone] [phone]"
    assert redact("в 2019 2020 2021 2022 годах") == "в 2019 2020 2021 2022 годах"


@pytest.mark.parametrize("text", ["SKU0123456789", "ID0555123456", "123e4567-e89b-12d3-a456-426614174000",
                                  "12345678-1234-abcd-1234-123456789012"])
def test_codes_and_uuids_are_no_phone_numbers(text):
    assert redact(f"item {text} here") == f"item {text} here"


@pytest.mark.parametrize("text, expected", [
    ("TEL0555123456", "TEL[phone]"),
    ("Sku0555123456", "Sku[phone]"),
    ("ID+996555123456", "ID[phone]"),
    ("uuid 123e4567-e89b-12d3-a456-426614174000 тел 0555 123 456",
     "uuid 123e4567-e89b-12d3-a456-426614174000 тел [phone]"),
])
def test_phone_numbers_beside_codes_and_uuids_are_still_redacted(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("spellings", [
    ["vk.com/%D0%B8%D0%B2%D0%B0%D0%BD", "https://vk.com/иван", "vk.com/%d0%98%d0%b2%d0%b0%d0%bd"],
    ["web.facebook.com/zqxivan", "https://m.facebook.com/zqxivan", "facebook.com/zqxivan", "mbasic.facebook.com/zqxivan"],
    ["tg://resolve?domain=zqxivan", "https://t.me/zqxivan", "t.me%2Fzqxivan"],
    ["tg://resolve?phone=996555123456", "https://t.me/+996555123456"],
])
def test_one_profile_written_differently_has_one_pseudonym(spellings):
    key = ExportKey.fresh()
    assert len({normalise_profile_url(url) for url in spellings}) == 1
    assert len({key.profile(url) for url in spellings}) == 1


def test_profiles_of_different_people_keep_different_pseudonyms():
    key = ExportKey.fresh()
    people = ["vk.com/иван", "vk.com/ивана", "tg://resolve?phone=996555123456", "tg://resolve?phone=996555123457",
              "tg://resolve?domain=zqxivan", "vk.com/%E8%E2%E0%ED"]
    assert len({key.profile(url) for url in people}) == len(people)


def test_a_phone_numbers_telegram_link_leaves_no_digit_of_it_in_an_export(fresh_db, tmp_path):
    link = "tg://resolve?phone=996555123456"
    add_item(fresh_db, url="https://example.kg/1", text=f"Пишите {link} или %2B996555123456.",
             meta={"author_url": link})
    summary = export_dataset(fresh_db, Settings(), ExportOptions(fmt="jsonl", out=tmp_path / "out"))
    exported = summary.data_path.read_text(encoding="utf-8") + summary.datasheet_path.read_text(encoding="utf-8")
    assert "555123456" not in exported and "[profile]" in exported and "[phone]" in exported
