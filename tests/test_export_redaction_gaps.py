"""Gaps closed in export redaction and pseudonyms: personal blog hosts, one Telegram profile under its several
addresses, invisible characters inside addresses and handles, and amounts grouped in threes that are no phones.

Every name, address and number below is invented."""

from __future__ import annotations

import random

import pytest

from tocsin.export.keys import ExportKey, normalise_profile_url
from tocsin.export.redaction import _EMAIL, RedactionRules, Redactor, _email_spans, site_without_person


def redact(text: str) -> str:
    return Redactor(RedactionRules()).redact_text(text)


@pytest.mark.parametrize("link", [
    "https://zqxone.blogspot.com/2026/01/post.html",
    "zqxone.livejournal.com",
    "zqxone.substack.com",
    "https://zqxone.wordpress.com/about/",
    "zqx-one.tumblr.com/post/123",
    "https://medium.com/@zqxone/a-title-123",
    "https://zqxone.medium.com/a-title-123",
    "https://www.zqxone.blogspot.com/",
    "zqxone.blogspot.ru/2012/05/post.html",
    "http://zqxone.blogspot.com.br/",
    "https://zqxone.tumblr.com",
    "https://www.tumblr.com/zqxone/123",
    "https://www.blogger.com/profile/01234567890123456789",
])
def test_a_personal_blogs_address_is_redacted_as_a_profile(link):
    assert redact(f"читайте {link} сегодня") == "читайте [profile] сегодня"


@pytest.mark.parametrize("text", ["www.blogspot.com and blogspot.com", "notblogspot.com/zqx and zqx.notsubstack.com",
                                  "https://www.wordpress.com/plans"])
def test_a_blog_hosts_own_address_or_a_host_that_only_ends_like_one_stays(text):
    assert redact(text) == text


@pytest.mark.parametrize("host, site", [("zqxone.blogspot.com", "blogspot.com"), ("zqxone.Substack.com", "substack.com"),
                                        ("zqxone.medium.com", "medium.com"), ("news.example.kg", "news.example.kg")])
def test_the_datasheet_names_a_blogs_host_without_its_owner(host, site):
    assert site_without_person(host) == site


def test_one_telegram_channel_has_one_profile_pseudonym_under_all_its_addresses():
    key = ExportKey.fresh()
    same = ["https://t.me/zqx_chan", "https://t.me/s/zqx_chan", "t.me/Zqx_Chan/", "telegram.me/zqx_chan",
            "https://telegram.dog/s/ZQX_CHAN", "tg://resolve?domain=zqx_chan"]
    assert {normalise_profile_url(url) for url in same} == {"t.me/zqx_chan"}
    assert len({key.profile(url) for url in same}) == 1
    assert key.profile("t.me/zqx_other") != key.profile(same[0])


def test_a_telegram_post_keeps_its_number_under_either_address():
    """A post is not its channel; its preview address (``/s/``) and its plain one are one post."""
    key = ExportKey.fresh()
    assert key.profile("https://t.me/s/zqx_chan/123") == key.profile("t.me/zqx_chan/123") != key.profile("t.me/zqx_chan")
    assert key.profile("t.me/zqx_chan/123") != key.profile("t.me/zqx_chan/124")


_INVISIBLES = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u2063"]


@pytest.mark.parametrize("mark", _INVISIBLES)
@pytest.mark.parametrize("address", ["zqxivan{}@mail.example.ru", "zqx{}ivan@mail.example.ru", "{}zqxivan@mail.example.ru",
                                     "zqxivan@{}mail.example.ru", "zqxivan@mail.{}example.ru"])
def test_an_invisible_character_inside_an_address_does_not_leave_it_readable(mark, address):
    out = redact("пишите " + address.format(mark) + " сегодня")
    assert "zqx" not in out and "example" not in out and "[email]" in out


@pytest.mark.parametrize("mark", _INVISIBLES)
@pytest.mark.parametrize("handle", ["@{}zqxivan", "{}@zqxivan", "@zqx{}ivan", "＠{}zqxivan"])
def test_an_invisible_character_inside_a_handle_does_not_leave_it_readable(mark, handle):
    out = redact("пишите " + handle.format(mark) + " сегодня")
    assert "zqx" not in out and "ivan" not in out and "[handle]" in out


def assert_address_spans_are_the_patterns(pieces: list[str], seed: int) -> None:
    """On 3,000 random texts made of ``pieces``, the spans found from each '@' are those of the whole e-mail
    pattern, and there are enough of them for the check to mean something."""
    rng = random.Random(seed)
    found = 0
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        expected = [m.span() for m in _EMAIL.finditer(text)]
        assert list(_email_spans(text)) == expected, ascii(text)
        found += len(expected)
    assert found > 300


def test_address_spans_found_from_each_at_sign_are_those_of_the_whole_pattern():
    assert_address_spans_are_the_patterns([*"abz09._+-@", "＠", ".ru", "mail", " ", *_INVISIBLES, "и\u0306", "\u200b@",
                                           "@\u200b"], seed=7)


@pytest.mark.parametrize("text", [
    "бюджет 1 000 000 000 сом", "2 500 000 сом", "12 000 человек", "250 000 000 сом",
    "1\u00a0000\u00a0000\u00a0000 сом", "1\u2009000\u2009000\u2009000 сом", "1\u202f000\u202f000\u202f000 сом",
    "12\u202f500\u202f000\u202f000 сом", "100 000 000 000 000", "1.000.000.000 сом",
])
def test_amounts_grouped_in_threes_are_not_phones(text):
    assert redact(text) == text


@pytest.mark.parametrize("phone", [
    "+996 555 123 456", "0555 123 456", "+998 90 123 45 67", "+7 (912) 345-67-89", "996 555 123 456", "996 555 123 000", "555 123 456",
    "+996\u202f555\u202f123\u202f456", "0555\u00a0123\u00a0456", "+7\u00a0(912)\u00a0345\u201367\u201389",
    "+998\u200990\u2009123\u200945\u200967", "8 (3222) 5-55-55", "0 555 123 000", "+1 000 000 000",
])
def test_phones_in_the_regions_formats_are_still_redacted(phone):
    assert redact(f"звоните {phone} сегодня") == "звоните [phone] сегодня"
