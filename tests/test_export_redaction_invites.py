"""Telegram's app links to join a chat (``tg://join?invite=<code>``) and to a private channel's post
(``tg://privatepost?channel=<id>&post=<n>``) are redacted in texts and pseudonymised as their web addresses.

Every code, name and number below is invented."""

from __future__ import annotations

import pytest

from tocsin.export.keys import ExportKey, normalise_profile_url
from tocsin.export.redaction import RedactionRules, Redactor


def redact(text: str) -> str:
    return Redactor(RedactionRules()).redact_text(text)


@pytest.mark.parametrize("link", ["tg://join?invite=ZqxAbCdEf12", "tg://join?invite=Zqx-Ab_Cd&utm=x",
                                  "TG://JOIN?invite=ZqxAbCdEf12", "tg://privatepost?channel=1234567890&post=5"])
def test_a_telegram_app_link_to_a_chat_or_a_private_post_is_redacted_as_a_profile(link):
    assert redact(f"вступайте {link}, быстрее") == "вступайте [profile], быстрее"


@pytest.mark.parametrize("app, web", [
    ("tg://join?invite=ZqxAbCdEf12", "https://t.me/+ZqxAbCdEf12"),
    ("tg://join?invite=ZqxAbCdEf12&utm_source=x", "t.me/joinchat/ZqxAbCdEf12"),
    ("tg://privatepost?channel=1234567890&post=5", "https://t.me/c/1234567890/5"),
])
def test_a_telegram_app_link_has_the_pseudonym_of_its_web_address(app, web):
    key = ExportKey.fresh()
    assert normalise_profile_url(app) == normalise_profile_url(web)
    assert key.profile(app) == key.profile(web)


def test_telegram_app_links_to_different_chats_or_posts_have_different_pseudonyms():
    key = ExportKey.fresh()
    links = ["tg://join?invite=ZqxAbCdEf12", "tg://join?invite=zqxabcdef12", "tg://join?invite=ZqxOther99",
             "tg://privatepost?channel=1234567890&post=5", "tg://privatepost?channel=1234567890&post=6",
             "tg://privatepost?channel=1234567891&post=5"]
    assert len({key.profile(link) for link in links}) == len(links)
    assert normalise_profile_url(links[0]) == "t.me/+ZqxAbCdEf12"   # the code's case kept
