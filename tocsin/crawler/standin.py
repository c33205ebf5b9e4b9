"""Pages that stand in for the article asked for: bot checks, captchas, block pages, JavaScript-only redirects.

A site behind a bot-protection service often answers a crawler with status 200 and a page that says "Checking
your browser" or "Вы не робот?". Stored as the article, that text would take the article's place: its address
would count as known and the real text would never be fetched, and on a re-check it would become a new
"version" of a flagged item's evidence. Such pages are told by the markup only they carry, by their title, or
by a short text that is nothing but the check's own words.
"""

from __future__ import annotations

import re
from typing import Any

from scrapy.http import TextResponse

#: Markup that only a bot check, captcha or block page carries, and the service it names.
CHECK_MARKUP = (
    ("window._cf_chl_opt", "a Cloudflare bot check"),
    ("/cdn-cgi/challenge-platform/h/", "a Cloudflare bot check"),
    ("cf-browser-verification", "a Cloudflare bot check"),
    ("/.well-known/ddos-guard/", "a DDoS-Guard bot check"),
    ("sucuri_cloudproxy_js", "a Sucuri bot check"),
    ("captcha-delivery.com", "a DataDome captcha"),
    ("_incapsula_resource", "an Imperva bot check"),
    ("/checkcaptcha", "a Yandex captcha"),
    ("/showcaptcha", "a Yandex captcha"),
)

#: Words of such pages (lower case), in the page's ``<title>`` or its text.
CHECK_WORDS = (
    "just a moment", "attention required", "checking your browser", "checking if the site connection is secure",
    "enable javascript and cookies", "please enable javascript", "please turn javascript on", "javascript is disabled",
    "verify you are human", "are you a robot", "not a robot", "ddos-guard", "ddos protection", "access denied",
    "проверка браузера", "проверяем браузер", "включите javascript", "вы не робот", "вы робот", "а не робот",
    "подтвердите, что вы человек", "доступ запрещен", "доступ запрещён",
)

#: Only a page whose extracted text is at most this long is taken for a check page by its markup or words: an
#: article may carry a captcha in its comment form, be titled "Access denied", or mention "enable JavaScript".
SHORT_TEXT = 400

_JS_REDIRECT = re.compile(r"""location(?:\.href)?\s*=\s*["']([^"']{1,500})["']|location\.(?:replace|assign)\(\s*["']([^"']{1,500})["']""")


def is_cloudflare_challenge(headers: Any) -> bool:
    """Whether a response's headers say Cloudflare answered with its bot check (``cf-mitigated: challenge``)."""
    return b"challenge" in (headers.get(b"cf-mitigated") or b"").lower()


def stand_in(response: TextResponse, text: str) -> str:
    """What ``response`` is instead of the article (``"a Cloudflare bot check"``, …), or ``""`` when it is the
    article. ``text`` is the main text extracted from it."""
    if is_cloudflare_challenge(response.headers):
        return "a Cloudflare bot check"
    if len(text) > SHORT_TEXT:
        return ""
    body = response.text
    lowered = body[:200_000].lower()
    named = next((service for marker, service in CHECK_MARKUP if marker in lowered), "")
    if named:
        return named
    title = " ".join((response.css("title::text").get() or "").split())
    said_in = next((words for words in (title, text) if _has_check_words(words)), "")
    if not said_in:
        return ""
    words = " ".join(said_in.split())[:80]
    target = js_redirect(body)
    return f"a bot check or block page ('{words}')" + (f" that redirects with JavaScript to {target}" if target else "")


def _has_check_words(text: str) -> bool:
    lowered = text.lower()
    return any(words in lowered for words in CHECK_WORDS)


def js_redirect(body: str) -> str:
    """Where a page's script sends the browser (``location.href = "…"``, ``location.replace("…")``), or ``""``."""
    found = _JS_REDIRECT.search(body[:200_000])
    return (found.group(1) or found.group(2)).strip() if found else ""
