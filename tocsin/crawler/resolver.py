"""A DNS resolver that refuses private answers at connection time (no DNS rebinding around the guard).

:class:`~tocsin.crawler.middlewares.PrivateNetworkGuard` checks each request's resolved addresses before
it is sent; this resolver checks the answer the connection actually uses. One resolver serves every
source of a crawl process, so it allows the union of the hosts sources opted in for
(``TOCSIN_PRIVATE_HOSTS``), or everything with ``crawl.allow_private_networks``.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any, Sequence

from scrapy.resolver import CachingThreadedResolver
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IResolverSimple
from zope.interface import implementer

from tocsin.crawler.middlewares import address_problem

logger = logging.getLogger(__name__)


class PrivateAnswer(DNSLookupError):
    """A host name resolved to a loopback, private, link-local or reserved address."""


#: Host names refused in this process, with the reason (Twisted reports a refused lookup as "no
#: results", so the crawl's error records look the reason up here).
REFUSED: dict[str, str] = {}


def refusal_reason(host: str) -> str:
    """Why the resolver refused ``host`` in this process ('' when it did not)."""
    return REFUSED.get(host.lower(), "")


@implementer(IResolverSimple)
class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, refusing non-public answers for hosts not allowed to have them."""

    allow_all: bool = False
    allowed_hosts: frozenset[str] = frozenset()

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> "GuardedResolver":
        resolver = super().from_crawler(crawler, reactor)
        resolver.allow_all = crawler.settings.getbool("TOCSIN_ALLOW_PRIVATE_NETWORKS")
        resolver.allowed_hosts = frozenset(h.lower() for h in crawler.settings.getlist("TOCSIN_PRIVATE_HOSTS"))
        return resolver

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:  # noqa: N802 - Twisted's name
        d = super().getHostByName(name, timeout)
        d.addCallback(self.check_answer, name)
        return d

    def check_answer(self, address: str, name: str) -> str:
        """Pass ``address`` through, or raise :class:`PrivateAnswer`."""
        if self.allow_all or name.lower() in self.allowed_hosts:
            return address
        try:
            problem = address_problem(ipaddress.ip_address(address))
        except ValueError:
            return address
        if problem:
            reason = (f"{name} resolves to {address}, a {problem} address; set allow_private_networks on the source "
                      "(or in [crawl]) only if it must reach a local network")
            REFUSED[name.lower()] = reason
            raise PrivateAnswer(reason)
        return address
