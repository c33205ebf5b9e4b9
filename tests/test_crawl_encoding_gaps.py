"""Text-decoding gaps: KOI8-R that says it is Windows-1251, UTF-16 without a byte-order mark, and NUL bytes inside
words. A garbled text is missed incitement and a wrong record for monitors."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse

from test_crawl_bad_input import CALL, item, rss
from test_crawl_parsing import BASE, make_spider, resp, split
from tocsin.crawler.decoding import better_cyrillic, readable_response, utf16_encoding
from tocsin.crawler.spiders import FeedSpider, TelegramSpider
from tocsin.crawler.spiders.articles import ArticleLead
from tocsin.crawler.spiders.feed import parse_feed
from tocsin.store import connect

TEXT = f"{CALL} Так пишут в районном чате, и жители Оша обсуждают это второй день подряд."
KYRGYZ = "Бишкекте кечээ жыйын болду, элдин баары келди."
URL = f"{BASE}/a/1"


def article(tmp_path, body: bytes, content_type: str = "text/html"):
    """The item a feed spider stores for an article page with ``body``."""
    spider = make_spider(FeedSpider, tmp_path)
    response = HtmlResponse(url=URL, body=body, headers={"Content-Type": content_type}, request=Request(URL))
    (stored,) = spider.parse_article(response, ArticleLead(url=URL))
    return stored


def page(text: str, meta: str = "") -> str:
    return f"<html><head>{meta}<title>Ош</title></head><body><article><p>{text}</p></article></body></html>"


# ------------------------------------------------------------------------------ KOI8-R that says Windows-1251


@pytest.mark.parametrize("meta, header", [
    ('<meta charset="windows-1251">', "text/html"),
    ("", "text/html; charset=windows-1251"),
])
def test_an_article_in_koi8_r_that_says_windows_1251_is_read_as_koi8_r(tmp_path, meta, header):
    stored = article(tmp_path, page(TEXT, meta).encode("koi8-r"), header)
    assert CALL in stored.text


@pytest.mark.parametrize("declaration, content_type", [
    ('<?xml version="1.0" encoding="windows-1251"?>', "text/xml"),
    ('<?xml version="1.0"?>', "application/rss+xml; charset=windows-1251"),
])
def test_a_feed_in_koi8_r_that_says_windows_1251_is_read_as_koi8_r(declaration, content_type):
    body = rss(item(1, CALL), item(2, "Жители района говорят о соседях."), declaration=declaration).encode("koi8-r")
    leads, _ = parse_feed(body, f"{BASE}/rss", content_type)
    assert [lead.title for lead in leads] == [CALL, "Жители района говорят о соседях."]


@pytest.mark.parametrize("header", ["text/html", "text/html; charset=utf-8"])
def test_a_short_koi8_r_fragment_is_read_as_koi8_r_not_as_japanese(header):
    # charset_normalizer takes these few bytes for Shift JIS
    response = HtmlResponse(url=URL, body=f"<p>{CALL}</p>".encode("koi8-r"), headers={"Content-Type": header})
    assert readable_response(response).css("p::text").get() == CALL


def test_windows_1251_that_says_utf_8_keeps_its_capitals():
    # charset_normalizer guesses Mac Cyrillic, which reads the small letters alike but "Б" as "Ѕ"
    headers = {"Content-Type": "text/html; charset=utf-8"}
    response = HtmlResponse(url=URL, body=page(KYRGYZ).encode("cp1251"), headers=headers)
    assert readable_response(response).css("p::text").get() == KYRGYZ


def test_windows_1251_that_says_latin_1_is_read_as_cyrillic(tmp_path):
    assert CALL in article(tmp_path, page(TEXT).encode("cp1251"), "text/html; charset=iso-8859-1").text


@pytest.mark.parametrize("text, encoding", [
    ("Tickets cost £5 at the café, a naïve résumé. " * 20, "latin-1"),
    ("Price £5, " * 40, "latin-1"),
    ("Il est allé à la gare à midi, où il a vu un garçon très âgé. " * 10, "cp1252"),
    ("Şehirde büyük bir toplantı yapıldı, çok kişi geldi. " * 10, "cp1254"),
])
def test_a_text_in_another_script_is_left_to_the_encoding_it_declares(text, encoding):
    assert better_cyrillic(f"<p>{text}</p>".encode(encoding), encoding) is None


@pytest.mark.parametrize("text", [
    TEXT,
    "СРОЧНО: МВД КР И ГКНБ ПРОВЕРЯЮТ СООБЩЕНИЯ ИЗ ЧАТА",            # capitals, as headlines write them
    "ФСБ, МВД, ГКНБ, СБУ, ЦИК, ОБСЕ и ООН — США, ЕС, КР, РФ, РУз",   # abbreviations, rare letters
    KYRGYZ,
])
@pytest.mark.parametrize("encoding", ["cp1251", "koi8-r"])
def test_a_plausible_text_is_left_to_the_encoding_it_declares(text, encoding):
    assert better_cyrillic(text.encode(encoding, "replace"), encoding) is None


# ------------------------------------------------------------------------------ UTF-16 without a byte-order mark


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_a_feed_in_utf_16_without_a_byte_order_mark_is_read(encoding):
    body = rss(item(1, CALL), item(2, "two"), declaration='<?xml version="1.0" encoding="utf-16"?>').encode(encoding)
    leads, _ = parse_feed(body, f"{BASE}/rss", "text/xml")
    assert [lead.title for lead in leads] == [CALL, "two"]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_an_article_in_utf_16_without_a_byte_order_mark_is_read(tmp_path, encoding):
    assert CALL in article(tmp_path, page(TEXT).encode(encoding)).text


def test_utf_16_is_told_by_its_nul_bytes_and_nothing_else():
    assert utf16_encoding(CALL.encode("utf-16-le")) == "utf-16-le"   # Cyrillic has NULs only beside its spaces
    assert utf16_encoding(CALL.encode("utf-16-be")) == "utf-16-be"
    assert utf16_encoding(CALL.encode("utf-16")) is None            # a byte-order mark says it already
    assert utf16_encoding(page("узб\x00еков " * 40).encode("utf-8")) is None
    assert utf16_encoding(page("узб\x00еков " * 40).encode("cp1251")) is None


# ------------------------------------------------------------------------------ NUL bytes


EVASION = "Надо выгнать узб\x00еков из Оша! Так пишут в районном чате, и жители обсуждают это второй день."
JOINED = EVASION.replace("\x00", "")


@pytest.mark.parametrize("header", ["text/html; charset=utf-8", "text/html; charset=windows-1251"])
def test_a_nul_inside_a_word_of_an_article_joins_the_word_and_loses_nothing(tmp_path, header):
    stored = article(tmp_path, page(EVASION + "<br>Второй абзац.").encode("utf-8"), header)
    assert JOINED in stored.text and "Второй абзац." in stored.text


@pytest.mark.parametrize("declaration, content_type", [
    ('<?xml version="1.0" encoding="utf-8"?>', "application/rss+xml"),
    ('<?xml version="1.0" encoding="windows-1251"?>', "application/rss+xml"),
    ('<?xml version="1.0"?>', "application/rss+xml; charset=windows-1251"),
])
def test_a_nul_inside_a_word_of_a_feed_joins_the_word_and_spoils_nothing(declaration, content_type):
    body = rss(item(1, EVASION), item(2, "Второй"), declaration=declaration).encode("utf-8")
    leads, problem = parse_feed(body, f"{BASE}/rss", content_type)
    assert [lead.title for lead in leads] == [JOINED, "Второй"] and leads[0].summary == JOINED
    assert problem == ""


def test_a_nul_inside_a_word_of_a_telegram_post_is_stored_joined_and_whole(tmp_path):
    spider = make_spider(TelegramSpider, tmp_path, urls=[f"{BASE}/t.me/s/chan"])
    html = ('<html><body><div class="tgme_widget_message" data-post="chan/5"><div class="tgme_widget_message_text">'
            f'{EVASION}</div><a class="tgme_widget_message_date" href="{BASE}/chan/5">'
            '<time datetime="2024-06-01T10:00:00+00:00"></time></a></div></body></html>')
    (first,) = list(spider.start_requests_for())
    _, (post,) = split(spider.parse_page(resp(first.url, html), **first.cb_kwargs))
    spider.ledger.save(post)
    db = connect(spider.ledger.db_path)
    (stored,) = [row[0] for row in db.execute("SELECT text FROM items")]
    assert stored == JOINED
