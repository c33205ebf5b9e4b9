"""Short bodies that declare no encoding: a headline or a few words in Windows-1251 or KOI8-R, too short for
charset_normalizer (which takes "ФСБ" for Japanese), read as Cyrillic; a short Western text not so; and the
encoding of a page whose first 200 KB are ASCII markup judged by its text."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse

from test_crawl_bad_input import item, rss
from test_crawl_encoding_gaps import TEXT, URL
from test_crawl_parsing import BASE
from tocsin.crawler.decoding import SAMPLE_BYTES, is_utf8, readable_response
from tocsin.crawler.spiders.feed import parse_feed


def read(body: bytes, content_type: str = "") -> str:
    """The text of the ``<p>`` of a page with ``body``, as the spiders read it."""
    headers = {"Content-Type": content_type} if content_type else {}
    return readable_response(HtmlResponse(url=URL, body=body, headers=headers)).css("p::text").get()


# ------------------------------------------------------------------------------ Cyrillic


@pytest.mark.parametrize("text", ["ФСБ", "Срочно", "СРОЧНО", "Митинг в Бишкеке", "Ош"])
def test_a_short_windows_1251_page_that_declares_nothing_is_read_as_windows_1251(text):
    assert read(f"<p>{text}</p>".encode("cp1251")) == text


@pytest.mark.parametrize("text", ["Суд отложил", "МВД", "Пожар в Оше"])
def test_a_short_koi8_r_page_that_declares_nothing_is_read_as_koi8_r(text):
    assert read(f"<p>{text}</p>".encode("koi8-r")) == text


@pytest.mark.parametrize("encoding", ["cp1251", "koi8-r"])
def test_a_short_feed_that_declares_nothing_is_read_as_cyrillic(encoding):
    leads, _ = parse_feed(rss(item(1, "ФСБ")).encode(encoding), f"{BASE}/rss", "application/rss+xml")
    assert [lead.title for lead in leads] == ["ФСБ"]


# ------------------------------------------------------------------------------ Western text, UTF-8, ASCII


@pytest.mark.parametrize("text", [
    "Café résumé", "Größe", "Ümit Özil", "Tickets £5",
    "Price: 5€",        # was "Price: 5Ђ"
    "à Paris",          # "а Paris" in Windows-1251: one letter is no Cyrillic word
    "Roma è bella",     # "Roma и bella"
])
def test_a_short_western_text_that_declares_nothing_is_read_as_windows_1252_not_as_cyrillic(text):
    assert readable_response(HtmlResponse(url=URL, body=text.encode("cp1252"))).text == text


def test_a_body_whose_only_bytes_beyond_ascii_are_stray_is_no_utf_8():
    assert not is_utf8("Ош".encode("cp1251")) and not is_utf8("Zürich".encode("latin-1"))
    assert is_utf8("Ошский рынок".encode() + b"\xe9")   # UTF-8 with a stray byte stays UTF-8


@pytest.mark.parametrize("text", ["ФСБ", "Café", "hello"])
def test_a_short_utf_8_or_ascii_page_that_declares_nothing_stays_as_it_is(text):
    # a guard: these were read right before short bodies were judged, and must stay so
    assert read(f"<p>{text}</p>".encode()) == text


# ------------------------------------------------------------------------------ past the first 200 KB


def test_a_page_whose_first_200_kb_are_ascii_markup_is_judged_by_its_text():
    script = "<script>" + "var a = 1;\n" * (SAMPLE_BYTES // 10) + "</script>"
    body = f"<html><head>{script}</head><body><p>{TEXT}</p></body></html>".encode("cp1251")
    assert read(body, "text/html; charset=utf-8") == TEXT


@pytest.mark.parametrize("text", ["СРОЧНО", "ВНИМАНИЕ", "ОБНОВЛЕНО", "КУРС ВАЛЮТ", "БАТКЕН", "ГЛАВНОЕ", "ФСБ"])
def test_a_short_koi8_r_headline_in_capitals_is_not_read_as_small_windows_1251_letters(text):
    # letter frequencies alone read "СРОЧНО" in KOI8-R as "утпюоп" in Windows-1251; the letter pairs do not
    assert read(f"<p>{text}</p>".encode("koi8-r")) == text


@pytest.mark.parametrize("text", ["Ёлка", "мэрия", "Эфир", "подъём", "ВЫБОРЫ", "съезд", "СЪЕЗД", "ПОДЪЁМ"])
@pytest.mark.parametrize("encoding", ["cp1251", "koi8-r"])
def test_a_short_word_with_rare_letters_is_read_as_cyrillic(text, encoding):
    assert read(f"<p>{text}</p>".encode(encoding)) == text
