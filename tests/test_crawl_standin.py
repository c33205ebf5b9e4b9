"""Bot checks, captchas and block pages answered instead of an article never take the article's place."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from test_crawl_parsing import BASE, make_spider
from tocsin.crawler.errors import classify_failure
from tocsin.crawler.items import ItemRecord
from tocsin.crawler.spiders import FeedSpider, RecheckSpider
from tocsin.crawler.spiders.articles import ArticleLead

CLOUDFLARE = (
    '<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title></head><body><div class="main-content">'
    '<h1>osh-news.example</h1><h2 id="challenge-running">Checking if the site connection is secure</h2>'
    '<div id="challenge-body-text">osh-news.example needs to review the security of your connection before '
    "proceeding.</div></div><script>(function(){window._cf_chl_opt={cvId: '2',cType: 'managed'};var a = "
    "document.createElement('script');a.src = '/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray=8';"
    "}());</script><div>Performance &amp; security by Cloudflare</div></body></html>"
)
DDOS_GUARD = (
    "<!DOCTYPE html><html><head><title>DDoS-Guard</title></head><body><div>Проверка браузера перед переходом на "
    "сайт vesti.example</div><div>Проверка может занять несколько секунд. Пожалуйста, подождите.</div>"
    '<script src="/.well-known/ddos-guard/check?context=free_splash"></script></body></html>'
)
YANDEX = (
    '<!DOCTYPE html><html><head><title>Вы не робот?</title></head><body><form action="/checkcaptcha" method="post">'
    "<h1>Подтвердите, что запросы отправляли вы, а не робот</h1><p>Нам очень жаль, но запросы с вашего устройства "
    "похожи на автоматические.</p></form></body></html>"
)
JS_ONLY = (
    '<html><head><title>Redirecting</title><script>window.location.replace("https://osh.example/news/123?amp=1");'
    "</script></head><body><p>Please enable JavaScript to view this page.</p></body></html>"
)
STORY = ("Жители Кара-Суу вышли на субботник: очистили арык, посадили тополя вдоль улицы и покрасили скамейки у "
         "школы. Акимиат обещал привезти саженцы и для соседних улиц. ")


def page(body: str, url: str = f"{BASE}/news/a1.html", **headers: str) -> HtmlResponse:
    return HtmlResponse(url=url, body=body.encode("utf-8"), encoding="utf-8", headers=headers, request=Request(url))


def errors(spider) -> list[tuple[str, str]]:
    spider.ledger.flush(force=True)
    return list(spider.ledger.store.execute("SELECT kind, message FROM crawl_errors"))


def nothing_stored(tmp_path, response: HtmlResponse) -> list[tuple[str, str]]:
    """The crawl errors of ``response`` read as an article whose feed gave no summary; it must yield no item."""
    spider = make_spider(FeedSpider, tmp_path)
    assert list(spider.parse_article(response, ArticleLead(url=f"{BASE}/news/a1.html"))) == []
    return errors(spider)


@pytest.mark.parametrize("body, named", [
    (CLOUDFLARE, "a Cloudflare bot check"), (DDOS_GUARD, "a DDoS-Guard bot check"), (YANDEX, "a Yandex captcha"),
    (JS_ONLY, "a bot check or block page ('Please enable JavaScript to view this page.') that redirects with "
              "JavaScript to https://osh.example/news/123?amp=1"),
])
def test_a_check_page_keeps_the_feed_summary_and_is_named(tmp_path, body, named):
    spider = make_spider(FeedSpider, tmp_path)
    lead = ArticleLead(url=f"{BASE}/news/a1.html", title="Субботник", summary="Жители вышли на субботник.")
    (item,) = spider.parse_article(page(body), lead)
    assert item.text == lead.summary and item.meta["text_from"] == "feed_summary" and item.meta["why"] == "bot_check"
    ((kind, message),) = errors(spider)
    assert kind == "bot_check" and f"answered with {named} instead of the article" in message
    assert "fetched again on a later crawl" in message


def test_a_check_page_with_no_feed_summary_stores_nothing(tmp_path):
    ((kind, message),) = nothing_stored(tmp_path, page(CLOUDFLARE))
    assert kind == "bot_check" and "nothing stored" in message


def test_a_challenge_header_names_the_check_whatever_the_page_says(tmp_path):
    body = f"<html><head><title>Osh</title></head><body><article><p>{STORY * 5}</p></article></body></html>"
    assert [kind for kind, _ in nothing_stored(tmp_path, page(body, **{"cf-mitigated": "challenge"}))] == ["bot_check"]


@pytest.mark.parametrize("title, extra", [
    ("Access denied: the mayor's office closes the archive to journalists", ""),   # a check's words as a headline
    ("Субботник в Кара-Суу", '<form action="/checkcaptcha"><p>Please enable JavaScript to comment.</p></form>'),
])
def test_an_article_that_only_mentions_a_check_is_stored(tmp_path, title, extra):
    spider = make_spider(FeedSpider, tmp_path)
    body = f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1><p>{STORY * 4}</p></article>{extra}</body></html>"
    (item,) = spider.parse_article(page(body), ArticleLead(url=f"{BASE}/news/a1.html", summary="s"))
    assert isinstance(item, ItemRecord) and STORY.strip()[:60] in item.text and "text_from" not in item.meta
    assert errors(spider) == []


def test_a_short_article_with_no_check_words_is_stored(tmp_path):
    spider = make_spider(FeedSpider, tmp_path)
    body = f"<html><head><title>Субботник</title></head><body><article><p>{STORY}</p></article></body></html>"
    (item,) = spider.parse_article(page(body), ArticleLead(url=f"{BASE}/news/a1.html", summary="s"))
    assert item.text == STORY.strip() and errors(spider) == []


def test_a_page_that_only_redirects_with_javascript_says_where_to(tmp_path):
    body = '<html><head><script>location.href = "/news/a1-full.html";</script></head><body></body></html>'
    ((kind, message),) = nothing_stored(tmp_path, page(body))
    assert kind == "no_text" and "(it redirects with JavaScript to /news/a1-full.html)" in message


def test_a_re_checked_article_behind_a_check_page_keeps_its_text(tmp_path):
    spider = make_spider(RecheckSpider, tmp_path)
    url = f"{BASE}/news/a1.html"
    assert list(spider.check_page(page(DDOS_GUARD, url), {"id": "y", "url": url, "kind": "article"})) == []
    assert spider.notes == [f"{url} answered with a DDoS-Guard bot check; its text was not re-read"]


def test_a_refused_request_with_a_challenge_header_is_named_a_bot_check():
    url = f"{BASE}/news/a1.html"
    refused = HtmlResponse(url=url, status=403, body=CLOUDFLARE.encode(), headers={"cf-mitigated": "challenge"},
                           request=Request(url))
    kind, message = classify_failure(Failure(HttpError(refused)))
    assert kind == "bot_check" and message.startswith(f"HTTP 403 from {url}: the site answered with a Cloudflare bot check")
    plain = HtmlResponse(url=url, status=403, body=b"Forbidden", request=Request(url))
    assert classify_failure(Failure(HttpError(plain))) == ("http_403", f"HTTP 403 from {url}")
