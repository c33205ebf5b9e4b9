"""Canonical URLs and the item ids derived from them."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, quote, urljoin, urlencode, urlsplit, urlunsplit

#: The schemes of addresses tocsin fetches and stores items under.
WEB_SCHEMES = ("http", "https")

#: Query parameters that only track the click and never change the content.
TRACKING_PARAMS = {"fbclid", "gclid", "yclid", "mc_cid", "mc_eid", "ref", "ref_src", "igshid", "_ga", "spm"}


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no fragment, no default port, no ``utm_*`` or other tracking parameters."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    if parts.username:
        host = f"{parts.username}@{host}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS]
    path = parts.path or "/"
    return urlunsplit((scheme, host, path, urlencode(query, doseq=True), ""))


def item_id_for(url: str) -> str:
    """An item's id: the SHA-256 of its canonical URL, hex."""
    return hashlib.sha256(canonical_url(url).encode("utf-8")).hexdigest()


def is_web_address(url: str) -> bool:
    """Whether ``url`` is an absolute http(s) address with a host (not ``mailto:``, ``javascript:``, ``urn:``)."""
    try:
        parts = urlsplit(url.strip())
        return parts.scheme.lower() in WEB_SCHEMES and bool(parts.hostname)
    except ValueError:
        return False


def item_addresses(page_url: str, links: list[str], fallbacks: list[str]) -> list[str]:
    """The addresses items found on one page (posts of a listing, comments, records of an API) are stored
    under: each link made absolute; its fallback when there is no link or it is no web address
    (``javascript:void(0)``, ``mailto:``). Ids ignore ``#anchors``, so where two items of the page, or an item
    and the page itself, differ only by one (``#comment-5`` on the article, ``#p5`` and ``#p7`` of a thread),
    the anchor is kept as the query parameter ``anchor``."""
    absolute = [urljoin(page_url, link.strip()) if link and link.strip() else "" for link in links]
    usable = [url if is_web_address(url) else "" for url in absolute]
    bare = [canonical_url(url) if url else "" for url in usable]
    shared = {b for b in bare if b and (bare.count(b) > 1 or b == canonical_url(page_url))}
    return [fallback if not url else with_anchor(url) if b in shared and urlsplit(url).fragment else url
            for url, b, fallback in zip(usable, bare, fallbacks)]


def with_anchor(url: str) -> str:
    """``url`` with its ``#fragment`` moved into the query as ``anchor=…`` (which ids keep)."""
    parts = urlsplit(url)
    query = f"{parts.query}&" if parts.query else ""
    return urlunsplit((parts.scheme, parts.netloc, parts.path, f"{query}anchor={quote(parts.fragment, safe='')}", ""))
