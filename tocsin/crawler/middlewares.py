"""Downloader middlewares: the private-network guard and retries with exponential backoff."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from typing import Callable, Iterable
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future

from tocsin.crawler.errors import BlockedAddress, BlockedScheme, UnresolvableHost
from tocsin.retry_after import retry_after_s

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str], list[IPAddress]]
MAX_RETRY_AFTER_S = 60.0


def address_problem(ip: IPAddress) -> str:
    """Why an address may not be crawled ('' when it is a public unicast address)."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    for attr, words in (("is_loopback", "loopback"), ("is_link_local", "link-local"), ("is_multicast", "multicast"),
                        ("is_unspecified", "unspecified"), ("is_private", "private"), ("is_reserved", "reserved")):
        if getattr(ip, attr):
            return words
    return "" if ip.is_global else "not public"


def resolve_host(host: str) -> list[IPAddress]:
    """Every address a host name resolves to (an IP literal is its own answer)."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as e:
        raise UnresolvableHost(f"cannot resolve {host!r}: {e}") from e
    return sorted({ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos}, key=str)


def check_url(url: str, *, allow_private: bool, own_hosts: Iterable[str] = (), resolve: Resolver = resolve_host) -> None:
    """Raise :class:`BlockedAddress` unless ``url`` is http(s) on a public address.

    :param allow_private: allow any private address (``crawl.allow_private_networks``).
    :param own_hosts: hosts a source may reach on a private network (its own, when the source sets
        ``allow_private_networks``); redirects and links elsewhere are still checked.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise BlockedScheme(f"{url}: only http and https URLs are crawled, not {parts.scheme or 'no scheme'!r}")
    host = (parts.hostname or "").lower()
    if not host:
        raise BlockedAddress(f"{url}: no host")
    if allow_private or host in own_hosts:
        return
    for ip in resolve(host):
        problem = address_problem(ip)
        if problem:
            where = f"{host} is a {problem} address" if host.strip("[]") == str(ip) else f"{host} resolves to {ip}, a {problem} address"
            raise BlockedAddress(
                f"{url}: {where}; set allow_private_networks on the source (or in [crawl]) only if it must reach a local network")


class PrivateNetworkGuard:
    """Refuses requests, and redirects (they pass here again), to non-public or non-http(s) addresses.

    Host names are resolved through the reactor's resolver (in a thread, never blocking the crawl), once
    per host and crawl; the answer is checked against the source's own allowance.
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.allow_all = crawler.settings.getbool("TOCSIN_ALLOW_PRIVATE_NETWORKS")
        self.cache: dict[str, list[IPAddress] | IgnoreRequest] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "PrivateNetworkGuard":
        return cls(crawler)

    def resolve(self, host: str) -> list[IPAddress]:
        """The cached answer for ``host`` (looked up by :meth:`lookup`), or its failure raised."""
        found = self.cache.get(host)
        if found is None:
            found = self.cache[host] = resolve_literal(host) or UnresolvableHost(f"cannot resolve {host!r}")
        if isinstance(found, IgnoreRequest):
            raise found
        return found

    async def lookup(self, host: str) -> None:
        """Resolve ``host`` into the cache without blocking the reactor."""
        if host in self.cache or resolve_literal(host):
            return
        from twisted.internet import reactor
        from twisted.internet.error import DNSLookupError

        from tocsin.crawler.resolver import refusal_reason

        try:
            address = await maybe_deferred_to_future(reactor.resolve(host))
            self.cache[host] = [ipaddress.ip_address(address)]
        except DNSLookupError as e:
            refused = refusal_reason(host)
            self.cache[host] = BlockedAddress(refused) if refused else UnresolvableHost(f"cannot resolve {host!r}: {e}")

    async def process_request(self, request: Request) -> None:
        spider = self.crawler.spider
        own_hosts = getattr(spider, "private_hosts", frozenset())
        host = (urlsplit(request.url).hostname or "").lower()
        if host and not self.allow_all and host not in own_hosts and urlsplit(request.url).scheme in ("http", "https"):
            await self.lookup(host)
        try:
            check_url(request.url, allow_private=self.allow_all, own_hosts=own_hosts, resolve=self.resolve)
        except BlockedAddress as e:
            chain = request.meta.get("redirect_urls")
            if chain:
                raise type(e)(f"redirect from {chain[0]} blocked: {e}") from None
            raise
        return None


def resolve_literal(host: str) -> list[IPAddress]:
    """``[address]`` when ``host`` is an IP literal, else []."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        return []


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, each after a growing pause (``RETRY_BACKOFF_S`` doubled per try, or the server's
    ``Retry-After`` up to 60 s). The pause holds only the retried request, never the engine."""

    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_s = settings.getfloat("RETRY_BACKOFF_S", 0.0)

    def delay_for(self, retry: Request, response: Response | None = None) -> float:
        """How long to wait before sending ``retry``."""
        tries = max(int(retry.meta.get("retry_times", 1)), 1)
        delay = self.backoff_s * 2 ** (tries - 1)
        if response is not None:
            asked = retry_after_s((response.headers.get(b"Retry-After") or b"").decode("latin-1"))
            if asked is not None:
                delay = max(delay, asked)
        return min(delay, MAX_RETRY_AFTER_S)

    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        result = super().process_response(request, response)
        if isinstance(result, Request):
            await self.pause(self.delay_for(result, response))
        return result

    async def process_exception(self, request: Request, exception: Exception) -> Request | Response | None:  # type: ignore[override]
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await self.pause(self.delay_for(result))
        return result

    @staticmethod
    async def pause(seconds: float) -> None:
        if seconds > 0:
            await asyncio.sleep(seconds)
