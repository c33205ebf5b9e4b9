"""Western-European text in a legacy encoding: a page that says it is Windows-1252 or ISO-8859-1 is not read as
Cyrillic, and one that says nothing is read in the web's default, Windows-1252, rather than in a code page
charset_normalizer picks by chance (Windows-1250 for a few words, a DOS code page for a paragraph); a text that
a browser's encoding reads more coherently (Turkish in Windows-1254) keeps it."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse

from test_crawl_bad_input import item
from test_crawl_encoding_gaps import URL
from test_crawl_parsing import BASE
from tocsin.crawler.decoding import legacy_encoding, readable_response
from tocsin.crawler.spiders.feed import parse_feed

GERMAN = "Der Bürgermeister sagte, dass die Straße wegen der Bauarbeiten für zwei Wochen gesperrt wird. " \
         "Die Händler sind nicht glücklich darüber. "
ENGLISH = "The mayor said the café on Lenin Street would reopen — “soon”, he added. Tickets cost £5 and €6; " \
          "the naïve plan was criticised. "
TURKISH = "Şehirde büyük bir toplantı yapıldı, çok kişi geldi. Belediye başkanı açıklama yaptı. "


def page_text(body: bytes, content_type: str = "") -> str:
    headers = {"Content-Type": content_type} if content_type else {}
    return readable_response(HtmlResponse(url=URL, body=body, headers=headers)).css("p::text").get()


@pytest.mark.parametrize("content_type", ["text/html; charset=windows-1252", "text/html; charset=iso-8859-1"])
def test_german_prose_that_declares_a_western_encoding_is_not_read_as_cyrillic(content_type):
    # CP866 makes "ü" "№", a sign Cyrillic text holds, and read the paragraph as plausible Cyrillic
    text = GERMAN * 10
    assert page_text(f"<p>{text}</p>".encode("cp1252"), content_type) == text


@pytest.mark.parametrize("text", [GERMAN * 10, ENGLISH * 3, ENGLISH * 10])
def test_western_prose_that_declares_nothing_is_read_in_a_web_encoding(text):
    # charset_normalizer guessed CP866 for the German and the Baltic DOS page 775 for the English
    assert page_text(f"<p>{text}</p>".encode("cp1252")) == text


@pytest.mark.parametrize("title", ["São Paulo", "El niño", "Déjà vu", "Le Monde — éditorial", "€10 fine"])
def test_a_short_western_title_that_declares_nothing_is_read_as_windows_1252(title):
    # charset_normalizer's guesses tie; Windows-1250 made "Săo Paulo", DOS code page 437 "Ç10 fine"
    assert page_text(f"<p>{title}</p>".encode("cp1252")) == title
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>{item(1, title)}</channel></rss>'
    leads, _ = parse_feed(feed.encode("cp1252"), f"{BASE}/rss", "application/rss+xml")
    assert [lead.title for lead in leads] == [title]


def test_turkish_prose_keeps_the_encoding_that_reads_it_coherently():
    body = (TURKISH * 3).encode("cp1254")
    assert legacy_encoding(body) == "cp1254"
    assert page_text(b"<p>" + body + b"</p>") == TURKISH * 3
