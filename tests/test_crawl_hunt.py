"""Real-world input that cost posts their words, dates or authors: quotes and code blocks of Telegram messages,
zones written as hours ("+06") or by the region's names, 12-hour clocks, feeds that escape their HTML twice, and
RSS authors written with their e-mail address."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from scrapy.http import XmlResponse

from test_crawl_bad_input import rss
from test_crawl_hardening import channel, message
from test_crawl_parsing import BASE, make_spider, resp, split
from tocsin.crawler.extract import normalise_date
from tocsin.crawler.spiders import FeedSpider
from tocsin.crawler.spiders.feed import parse_feed
from tocsin.crawler.spiders.telegram import parse_channel_page

BISHKEK = ZoneInfo("Asia/Bishkek")


def message_text(words: str) -> str:
    """The text of a channel message whose text div holds ``words`` as Telegram writes them."""
    body = message(1, f'<div class="tgme_widget_message_text js-message_text" dir="auto">{words}</div>')
    (msg,) = parse_channel_page(channel(body), "https://t.me/s/demo_chan").messages
    return msg.text


# ---------------------------------------------------------------------------------------------- telegram


@pytest.mark.parametrize("words, text", [
    ("Fictional intro<blockquote>Quoted line</blockquote>Our comment", "Fictional intro\nQuoted line\nOur comment"),
    ("<blockquote expandable>The quote <b>first</b></blockquote>Then mine", "The quote first\nThen mine"),
    ("Copy this:<pre>line one\nline two</pre>Done", "Copy this:\nline one\nline two\nDone"),
    ("Spaced<br/><blockquote>Quote</blockquote><br/>After", "Spaced\nQuote\nAfter"),
], ids=["quote-between-words", "quote-first", "code-block", "quote-between-line-breaks"])
def test_a_quote_or_code_block_of_a_message_is_not_glued_to_the_words_around_it(words, text):
    assert message_text(words) == text


def test_a_comment_in_a_messages_markup_is_no_text_of_it():
    assert message_text("A fictional <!-- hidden -->post") == "A fictional post"


# ---------------------------------------------------------------------------------------------- dates


@pytest.mark.parametrize("written, utc", [
    ("Sat, 01 Jun 2024 14:30:00 +06", "2024-06-01T08:30:00+00:00"),           # PHP's "T" for Asia/Bishkek
    ("Sat, 01 Jun 2024 14:30:00 -03", "2024-06-01T17:30:00+00:00"),
    ("Sat, 01 Jun 2024 14:30:00 GMT+6", "2024-06-01T08:30:00+00:00"),
    ("Sat, 01 Jun 2024 14:30:00 UTC+05:00", "2024-06-01T09:30:00+00:00"),
    ("Sat Jun 01 2024 14:30:00 GMT+0600 (Kyrgyzstan Time)", "2024-06-01T08:30:00+00:00"),   # JavaScript's Date
    ("Sat, 01 Jun 2024 14:30:00 MSK", "2024-06-01T11:30:00+00:00"),
    ("Sat, 01 Jun 2024 14:30:00 UZT", "2024-06-01T09:30:00+00:00"),
    ("Sat, 01 Jun 2024 14:30:00 +0600 (+06)", "2024-06-01T08:30:00+00:00"),
    ("Sat, 01 Jun 2024 14:30:00 GMT", "2024-06-01T14:30:00+00:00"),
    ("Sat, 01 Jun 2024 14:30:00 EST", "2024-06-01T19:30:00+00:00"),
])
def test_a_zone_written_as_hours_or_by_name_is_read_whatever_the_sources(written, utc):
    assert normalise_date(written) == normalise_date(written, BISHKEK) == utc


def test_a_time_without_a_zone_is_still_read_in_the_sources():
    assert normalise_date("Sat, 01 Jun 2024 14:30:00", BISHKEK) == "2024-06-01T08:30:00+00:00"


@pytest.mark.parametrize("written, utc", [
    ("June 1, 2024 at 2:30 PM", "2024-06-01T14:30:00+00:00"),
    ("June 1, 2024 2:30pm", "2024-06-01T14:30:00+00:00"),
    ("June 1, 2024 12:15 am", "2024-06-01T00:15:00+00:00"),
    ("June 1, 2024 12:15 p.m.", "2024-06-01T12:15:00+00:00"),
    ("Sat, 01 Jun 2024 11:59 PM", "2024-06-01T23:59:00+00:00"),
    ("June 1, 2024 9:05 AM", "2024-06-01T09:05:00+00:00"),
    ("1 июня 2024, 14:30", "2024-06-01T14:30:00+00:00"),
])
def test_a_time_on_the_12_hour_clock_is_read_with_its_half_of_the_day(written, utc):
    assert normalise_date(written) == utc


def test_a_feed_entry_dated_with_an_hours_zone_is_stored_at_its_time(tmp_path):
    body = rss('<item><title>Fictional bridge</title><link>https://news.example/a</link>'
               '<pubDate>Sat, 01 Jun 2024 14:30:00 +06</pubDate></item>')
    (lead,), problem = parse_feed(body.encode("utf-8"), f"{BASE}/rss")
    assert problem == "" and lead.published_at == "2024-06-01T08:30:00+00:00"


# ---------------------------------------------------------------------------------------------- feeds


@pytest.mark.parametrize("description", [
    "<![CDATA[&lt;p&gt;The fictional market opened.&lt;/p&gt;&lt;p&gt;Stalls &amp;amp; carts.&lt;/p&gt;]]>",
    "&amp;lt;p&amp;gt;The fictional market opened.&amp;lt;/p&amp;gt;&amp;lt;p&amp;gt;Stalls &amp;amp; carts.&amp;lt;/p&amp;gt;",
], ids=["escaped-inside-cdata", "escaped-twice"])
def test_a_summary_whose_html_the_feed_escaped_twice_is_stored_without_tags(description):
    body = rss(f"<item><title>Market</title><link>https://news.example/a</link><description>{description}</description></item>")
    (lead,), _ = parse_feed(body.encode("utf-8"), f"{BASE}/rss")
    assert lead.summary == "The fictional market opened.\nStalls & carts."


def test_a_summary_with_a_less_than_sign_keeps_its_words():
    body = rss("<item><title>Cold</title><link>https://news.example/a</link>"
               "<description>Nights below &lt;5 degrees &amp; frost</description></item>")
    (lead,), _ = parse_feed(body.encode("utf-8"), f"{BASE}/rss")
    assert lead.summary == "Nights below <5 degrees & frost"


@pytest.mark.parametrize("written, name", [
    ("desk@news.example (Zqx Editor)", "Zqx Editor"),        # RSS 2.0's own form
    ("Zqx Editor &lt;desk@news.example&gt;", "Zqx Editor"),
    ("Zqx Editor (Osh bureau)", "Zqx Editor (Osh bureau)"),   # no address: as written
    ("desk@news.example", "desk@news.example"),              # the address is all the feed names
])
def test_an_rss_author_is_stored_by_name_not_by_e_mail_address(tmp_path, written, name):
    spider = make_spider(FeedSpider, tmp_path)
    body = rss(f"<item><title>Market</title><link>{BASE}/a/1</link><author>{written}</author></item>")
    (request,), _ = split(spider.parse_feed(resp(f"{BASE}/rss", body, XmlResponse)))
    assert request.cb_kwargs["lead"].author == name
