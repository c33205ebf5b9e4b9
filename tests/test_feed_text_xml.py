"""A feed served as ``text/xml`` without a charset (RFC 3023's US-ASCII) is read by its own bytes and declaration,
and is not reported malformed for it."""

from __future__ import annotations

import pytest

from tocsin.crawler.spiders.feed import parse_feed

RSS = ('<?xml version="1.0"{decl}?><rss version="2.0"><channel><title>Ош</title><item><title>Новость из Оша</title>'
       '<link>https://news.example.kg/a/1</link><description>Текст</description></item></channel></rss>')


@pytest.mark.parametrize("content_type", ["text/xml", "text/rss+xml", "TEXT/XML; foo=bar"])
@pytest.mark.parametrize("decl, encoding", [(' encoding="utf-8"', "utf-8"), ("", "utf-8"),
                                            (' encoding="windows-1251"', "cp1251")])
def test_a_feed_served_as_text_xml_without_a_charset_is_read_whole_and_not_called_malformed(content_type, decl, encoding):
    body = RSS.format(decl=decl).encode(encoding)
    leads, problem = parse_feed(body, "https://news.example.kg/rss", content_type)
    assert [lead.title for lead in leads] == ["Новость из Оша"]
    assert problem == ""


def test_a_charset_given_with_text_xml_and_other_content_types_are_left_to_feedparser():
    body = RSS.format(decl="").encode("utf-8")
    leads, problem = parse_feed(body, "https://news.example.kg/rss", "text/xml; charset=utf-8")
    assert [lead.title for lead in leads] == ["Новость из Оша"] and problem == ""
    _, problem = parse_feed(b"<html><body>no feed here</body></html>", "https://news.example.kg/rss", "text/html")
    assert problem.startswith(("not a feed", "malformed feed"))
