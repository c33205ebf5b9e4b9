"""A ``Retry-After`` given as an HTTP date is honoured like one given in seconds, up to 60 s."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.settings import Settings as ScrapySettings

from tocsin.crawler.middlewares import BackoffRetryMiddleware, retry_after_s

NOW = datetime(2026, 12, 5, 23, 51, 23, tzinfo=timezone.utc)


def http_date(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)


def test_retry_after_is_read_in_seconds_and_as_a_date():
    assert retry_after_s("20") == 20.0
    assert retry_after_s(" Sat, 05 Dec 2026 23:51:34 GMT ", now=NOW) == 11.0
    assert retry_after_s("Sat, 05 Dec 2026 23:51:34 -0000", now=NOW) == 11.0
    assert retry_after_s(http_date(NOW - timedelta(hours=1)), now=NOW) == 0.0   # a date past: no wait asked
    for unreadable in ("", "soon", "-5", "1.5", "Sat, 99 Foo 2026"):
        assert retry_after_s(unreadable, now=NOW) is None


def test_a_date_form_retry_after_wins_over_the_backoff_up_to_60_s():
    mw = BackoffRetryMiddleware(ScrapySettings({"RETRY_BACKOFF_S": 1.1, "RETRY_TIMES": 1}))
    retry = Request("http://127.0.0.1/", meta={"retry_times": 1})

    def answered(header: str) -> HtmlResponse:
        return HtmlResponse("http://127.0.0.1/", status=429, headers={"Retry-After": header}, body=b"")

    soon = mw.delay_for(retry, answered(http_date(datetime.now(timezone.utc) + timedelta(seconds=30))))
    assert 25 < soon <= 30
    assert mw.delay_for(retry, answered(http_date(datetime.now(timezone.utc) + timedelta(days=1)))) == 60.0
    assert mw.delay_for(retry, answered("not a date")) == 1.1
