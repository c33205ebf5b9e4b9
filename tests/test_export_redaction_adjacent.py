"""Identifiers beside other text in export redaction: phone numbers in a row, after a date or glued to a word;
Telegram's ``<name>.t.me`` addresses; percent-encoded addresses and numbers; an address without its top-level domain.

Every name, address and number below is invented."""

from __future__ import annotations

import json

import pytest

from test_export_redaction_gaps import assert_address_spans_are_the_patterns
from test_export_support import add_item
from tocsin.config import Settings
from tocsin.export.dataset import ExportOptions, export_dataset
from tocsin.export.datasheet import site_of
from tocsin.export.keys import ExportKey, normalise_profile_url
from tocsin.export.redaction import RedactionRules, Redactor, site_without_person


def redact(text: str) -> str:
    return Redactor(RedactionRules()).redact_text(text)


@pytest.mark.parametrize("text, expected", [
    ("Звоните: 0555 12 34 56 0700 12 34 56", "Звоните: [phone] [phone]"),
    ("Тел: 0555 123 456 0777 123 456", "Тел: [phone] [phone]"),
    ("тел. 0555-12-34-56 0700-12-34-56", "тел. [phone] [phone]"),
    ("+996 555 123 456 0777 123 456", "[phone] [phone]"),
    ("0555 123 456 0777 123 456 0700 123 456 0555 987 654", "[phone] [phone] [phone] [phone]"),
    ("8 (912) 345-67-89 8 (912) 345-67-88", "[phone] [phone]"),
    ("0555 123 456. 0777 123 456", "[phone]. [phone]"),
])
def test_phone_numbers_in_a_row_with_only_spaces_between_are_each_redacted(text, expected):
    assert redact(text) == expected


def test_each_number_in_a_row_is_counted_and_its_offsets_move():
    text = "a 0555 123 456 0777 123 456 b"
    redaction = Redactor(RedactionRules()).redact(text)
    assert redaction.counts == {"phones": 2}
    assert redaction.map_span(text.index("b"), len(text)) == (redaction.text.index("b"), len(redaction.text))


@pytest.mark.parametrize("text, expected", [
    ("10.06.2026 0555 12 34 56", "10.06.2026 [phone]"),
    ("2026-06-10 0555 123 456", "2026-06-10 [phone]"),
    ("Встреча 10.06.2026 12.30 0777 123 456", "Встреча 10.06.2026 12.30 [phone]"),
    ("в 12:30 0555 123 456", "в 12:30 [phone]"),
    ("10.06.2026 12:30 0555 123 456", "10.06.2026 12:30 [phone]"),
])
def test_a_phone_number_after_a_date_or_a_time_goes_and_the_date_stays(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("2025 0555 123 456", "2025 [phone]"),
    ("2025 100 000 0555 123 456", "2025 100 000 [phone]"),
    ("1 000 000 000 0555 123 456", "1 000 000 000 [phone]"),
    ("2019 2020 2021 0555 123 456 0777 123 456", "2019 2020 2021 [phone] [phone]"),
    ("0555 100 000 0777 100 000", "[phone] [phone]"),
])
def test_years_and_amounts_beside_numbers_in_a_row_stay(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("text", ["2025 100 000", "2019 2020 2021", "1 000 000 000 000 000 сом", "01.06.2026 10.06.2026",
                                  "12 345 678 901 234 567"])
def test_numbers_in_a_row_that_hold_no_phone_number_stay(text):
    assert redact(text) == text


@pytest.mark.parametrize("text, expected", [
    ("WhatsApp+996555987654", "WhatsApp[phone]"),
    ("тел0555123456", "тел[phone]"),
    ("+996555123456Иван", "[phone]Иван"),
    ("звоните тел0555 12 34 56 вечером", "звоните тел[phone] вечером"),
])
def test_a_phone_number_glued_to_a_word_goes_and_the_word_stays(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("text", ["iPhone15", "A320neo", "COVID-19", "3f0a0123456789", "ab0555123456cd",
                                  "deadbeef0123456789cafe", "item_0555123456", "Win10+2024", "x0555123"])
def test_codes_and_tokens_of_letters_and_digits_stay(text):
    assert redact(f"see {text} here") == f"see {text} here"


@pytest.mark.parametrize("link", ["zqxchan.t.me", "https://zqxchan.t.me/", "https://zqxchan.t.me/5", "ZQXCHAN.T.ME"])
def test_a_telegram_subdomain_link_is_redacted_as_a_profile(link):
    assert redact(f"Пишите {link} сегодня") == "Пишите [profile] сегодня"


def test_telegrams_own_addresses_are_not_read_as_a_persons_subdomain():
    assert redact("www.t.me and https://www.t.me/ and telegram.me") == "www.t.me and https://www.t.me/ and telegram.me"
    assert redact("zqxchan.t.messenger") == "zqxchan.t.messenger"


@pytest.mark.parametrize("url", ["https://zqxprivchan.t.me/", "http://ZQXPRIVCHAN.T.ME/5", "https://www.t.me/"])
def test_the_datasheet_names_telegram_for_a_channels_subdomain(url):
    assert site_of(url) == "t.me"
    assert site_without_person("zqxprivchan.t.me") == "t.me" and site_without_person("telegram.me") == "telegram.me"


def test_the_datasheet_of_an_export_does_not_name_a_subdomain_channel(fresh_db, tmp_path):
    from tocsin.store.sources import ensure_source

    ensure_source(fresh_db, "tg-sub", kind="telegram", url="https://zqxprivchan.t.me/")
    add_item(fresh_db, url="https://zqxprivchan.t.me/5", text="Market day in Osh.", source="tg-sub")
    summary = export_dataset(fresh_db, Settings(), ExportOptions(fmt="jsonl", out=tmp_path / "out"))
    sheet = summary.datasheet_path.read_text(encoding="utf-8")
    assert "| tg-sub | telegram | t.me | 1 |" in sheet
    assert "zqxprivchan" not in sheet + summary.data_path.read_text(encoding="utf-8")


def test_a_telegram_subdomain_has_the_pseudonym_of_its_t_me_address():
    key = ExportKey.fresh()
    assert normalise_profile_url("https://zqxchan.t.me") == normalise_profile_url("t.me/zqxchan") == "t.me/zqxchan"
    assert key.profile("https://ZqxChan.t.me/") == key.profile("t.me/zqxchan") == key.profile("t.me/s/zqxchan")
    assert key.profile("zqxchan.t.me/5") == key.profile("t.me/zqxchan/5") != key.profile("t.me/zqxchan")
    assert normalise_profile_url("https://www.t.me/zqxchan") == "t.me/zqxchan"


def test_items_of_one_channel_under_both_addresses_share_an_author_profile(fresh_db, tmp_path):
    for n, profile in enumerate(["https://zqxchan.t.me", "https://t.me/zqxchan"]):
        add_item(fresh_db, url=f"https://example.kg/{n}", text=f"Market day {n} in Osh.", meta={"author_url": profile})
    summary = export_dataset(fresh_db, Settings(), ExportOptions(fmt="jsonl", out=tmp_path / "out"))
    records = [json.loads(line) for line in summary.data_path.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 2 and len({r["author_profile"] for r in records}) == 1 and records[0]["author_profile"]


@pytest.mark.parametrize("text, expected", [
    ("mailto:zqxivan%40mail.example.ru", "mailto:[email]"),
    ("пишите zqxivan%40mail.example.ru", "пишите [email]"),
    ("tel:%2B996555123456", "tel:[phone]"),
    ("viber://chat?number=%2B996555123456", "viber://chat?number=[phone]"),
    ("zqxivan@gmail или zqxivan@Yandex.", "[email] или [email]."),
])
def test_percent_encoded_addresses_and_numbers_and_an_address_without_its_domain_are_redacted(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("text, expected", [("thanks@osh_voice", "thanks[handle]"),
                                            ("zqxivan@mailbox", "zqxivan[handle]"),
                                            ("youtube.com/%40zqxivan", "youtube.com/%40zqxivan")])
def test_a_word_before_a_handle_or_a_profile_page_is_not_read_as_an_address(text, expected):
    assert Redactor(RedactionRules(profile_links=False)).redact_text(text) == expected


def test_address_spans_found_from_each_encoded_at_sign_are_those_of_the_whole_pattern():
    assert_address_spans_are_the_patterns([*"abz09._+-@%4", "%40", "%40", ".ru", "mail", "gmail", " ", "\u200b"], seed=5)
