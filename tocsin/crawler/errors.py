"""Named crawl failures and how a failed request is put into words for ``crawl_errors``."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import scrapy.exceptions
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import defer
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TCPTimedOutError, TimeoutError as TwistedTimeout
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from tocsin.crawler.standin import is_cloudflare_challenge

logger = logging.getLogger(__name__)

#: Scrapy 2.13+ wraps the transport's errors in its own: refused, failed, and cut off before the body ended.
_REFUSED = tuple(filter(None, [getattr(scrapy.exceptions, "DownloadConnectionRefusedError", None)]))
_FAILED = tuple(filter(None, [getattr(scrapy.exceptions, "DownloadFailedError", None)]))
_CUT_OFF = tuple(filter(None, [getattr(scrapy.exceptions, "ResponseDataLossError", None)]))


class BlockedAddress(IgnoreRequest):
    """A request (or redirect) to loopback, private, link-local, reserved or non-http(s) addresses."""


class BlockedScheme(BlockedAddress):
    """A request (or redirect) to a URL scheme other than http and https."""


class UnresolvableHost(IgnoreRequest):
    """The host name does not resolve, so its address cannot be checked."""


def classify_failure(failure: Failure) -> tuple[str, str]:
    """A failed request as ``(kind, message)``: ``http_404``, ``timeout``, ``too_large``, ``blocked_address``, …"""
    exc = failure.value
    if isinstance(exc, HttpError):
        status = exc.response.status
        location = (exc.response.headers.get(b"Location") or b"").decode("latin-1")
        if 300 <= status < 400 and location and not location.lower().startswith(("http://", "https://", "/")):
            return "blocked_scheme", f"redirect from {exc.response.url} to {location} refused: only http and https are followed"
        if is_cloudflare_challenge(exc.response.headers):
            return "bot_check", (f"HTTP {status} from {exc.response.url}: the site answered with a Cloudflare bot check, "
                                 "which a crawler cannot pass; ask the site to allow the crawler, or follow its feed instead")
        return f"http_{status}", f"HTTP {status} from {exc.response.url}"
    if isinstance(exc, BlockedScheme):
        return "blocked_scheme", str(exc)
    if isinstance(exc, BlockedAddress):
        return "blocked_address", str(exc)
    if isinstance(exc, UnresolvableHost):
        return "dns", str(exc)
    if isinstance(exc, (DownloadCancelledError, defer.CancelledError)):
        return "too_large", f"download cut off: the body exceeds crawl.max_page_bytes{f' ({exc})' if str(exc) else ''}"
    if isinstance(exc, IgnoreRequest):
        text = str(exc)
        if "DOWNLOAD_MAXSIZE" in text or "download max size" in text:
            return "too_large", text
        if "robots.txt" in text:
            return "robots", text
        if "redirect" in text.lower():
            return "redirect_loop", text
        return "ignored", text or "request ignored"
    if isinstance(exc, (TwistedTimeout, TCPTimedOutError)) or "timeout" in type(exc).__name__.lower():
        return "timeout", str(exc) or "timed out"
    if isinstance(exc, DNSLookupError) or "resolve" in type(exc).__name__.lower():
        from tocsin.crawler.resolver import refusal_reason

        request = getattr(failure, "request", None)
        refused = refusal_reason(urlsplit(request.url).hostname or "") if request is not None else ""
        if type(exc).__name__ == "PrivateAnswer" or refused:
            return "blocked_address", refused or str(exc)
        return "dns", str(exc)
    if isinstance(exc, (ConnectionRefusedError, *_REFUSED)):
        return "connection", f"{_host(failure)} refused the connection: the server is down or the port is wrong{_detail(exc)}"
    if isinstance(exc, _CUT_OFF):
        return "connection", f"{_host(failure)} closed the connection before the whole body arrived; tried again next crawl"
    if isinstance(exc, _FAILED):
        return "connection", f"the download from {_host(failure)} failed{_detail(exc)}"
    if isinstance(exc, (ResponseFailed, ResponseNeverReceived)):
        return "connection", repr(exc)
    return type(exc).__name__.lower(), str(exc) or repr(exc)


def _host(failure: Failure) -> str:
    request = getattr(failure, "request", None)
    return (urlsplit(request.url).netloc if request is not None else "") or "the server"


def _detail(exc: BaseException) -> str:
    return f" ({exc})" if str(exc) else ""
