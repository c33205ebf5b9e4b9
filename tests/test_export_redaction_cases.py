"""More gaps closed in export redaction and pseudonyms: Telegram invite codes keep their case, Substack profiles
(``substack.com/@name``) are profile links, and a year before an amount grouped in threes makes no phone.

Every name, code and number below is invented."""

from __future__ import annotations

import pytest

from tocsin.export.keys import ExportKey, normalise_profile_url
from tocsin.export.redaction import RedactionRules, Redactor


def redact(text: str) -> str:
    return Redactor(RedactionRules()).redact_text(text)


@pytest.mark.parametrize("form", ["t.me/+{}", "https://t.me/joinchat/{}", "telegram.me/joinchat/{}", "HTTPS://T.ME/+{}/"])
def test_telegram_invites_whose_codes_differ_only_in_case_have_two_pseudonyms(form):
    key = ExportKey.fresh()
    assert key.profile(form.format("ZqxAbCdEf12")) != key.profile(form.format("zqxabcdef12"))


def test_one_telegram_invite_has_one_pseudonym_under_all_its_addresses():
    key = ExportKey.fresh()
    same = ["https://t.me/+ZqxAbCdEf12", "t.me/joinchat/ZqxAbCdEf12", "telegram.me/joinchat/ZqxAbCdEf12/",
            "https://telegram.dog/+ZqxAbCdEf12?utm_source=x", "T.ME/JOINCHAT/ZqxAbCdEf12"]
    assert {normalise_profile_url(url) for url in same} == {"t.me/+ZqxAbCdEf12"}
    assert len({key.profile(url) for url in same}) == 1


@pytest.mark.parametrize("link", ["substack.com/@zqxone", "https://substack.com/@Zqx_One", "https://www.substack.com/@zqxone/notes",
                                  "https://substack.com/profile/12345-zqxone"])
def test_a_substack_profile_is_redacted_as_a_profile_like_a_medium_one(link):
    assert redact(f"читайте {link} сегодня") == "читайте [profile] сегодня"
    assert redact(f"читайте {link.replace('substack', 'medium')} сегодня") == "читайте [profile] сегодня"


@pytest.mark.parametrize("text", [
    "бюджет 2025 1 000 000 000 сом", "2025 250 000 000 сом", "в 1999 12 500 000 сом", "2026\u00a01\u00a0000\u00a0000\u00a0000 сом",
    "2025 1.000.000.000 сом",
])
def test_a_year_before_an_amount_grouped_in_threes_is_no_phone(text):
    assert redact(text) == text

