"""Which host names the review page answers to: a guard against DNS rebinding.

A hostile web page can point its own name at 127.0.0.1 and then talk to a review page listening there as if it
were its own site (read the login form, guess passwords from the monitor's own address). Browsers always send
the name they think they talk to in the ``Host`` header, so the page answers only to the names it is known by.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from tocsin.config import Settings

#: The names of this machine, which a page listening on it always answers to.
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine only (127.0.0.0/8, ::1, localhost)."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host.lower() == "localhost"


def host_name(value: str) -> str:
    """The name in a ``Host`` header (or a configured name): lower-cased, without its port, the brackets of an
    IPv6 address or a final dot (``[::1]:8765`` is ``::1``, ``Review.Example.:443`` is ``review.example``)."""
    value = value.strip().lower()
    if value.startswith("["):
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:   # name:port; more colons is an IPv6 address written without brackets
        value = value.partition(":")[0]
    return value.rstrip(".")


def url_host(url: str) -> str:
    """The host name of ``url`` as :func:`host_name` gives it ('' for none)."""
    try:
        return host_name(urlsplit(url).hostname or "")
    except ValueError:   # an unclosed IPv6 bracket
        return ""


def allowed_host_names(settings: Settings, listen_host: str) -> frozenset[str] | None:
    """The names the page answers to when it listens on ``listen_host``; None for any name (it listens beyond this
    machine and ``review.allowed_hosts`` is empty, which :func:`tocsin.review.server.listening_warnings` warns of).

    The loopback names, the host of ``alerts.review_url``, the names in ``review.allowed_hosts`` and the listen
    address itself."""
    configured = {host_name(name) for name in settings.review.allowed_hosts}
    if not is_loopback(listen_host) and not any(configured):
        return None
    names = LOOPBACK_NAMES | configured | {url_host(settings.alerts.review_url), host_name(listen_host)}
    return frozenset(names - {""})
