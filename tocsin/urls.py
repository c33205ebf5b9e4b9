"""Canonical URLs and the item ids derived from them."""

from __future__ import annotations

import hashlib
from urllib.parse import quote, quote_plus, unquote_plus, urljoin, urlencode, urlsplit, urlunsplit

#: The schemes of addresses tocsin fetches and stores items under.
WEB_SCHEMES = ("http", "https")

#: Query parameters that only track the click and never change the content.
TRACKING_PARAMS = {"fbclid", "gclid", "yclid", "mc_cid", "mc_eid", "ref", "ref_src", "igshid", "_ga", "spm"}

#: The query parameter tocsin adds to the address of an item that has none of its own (see
#: ``tocsin.crawler.spiders.paging.synthetic_url``): no site knows it, so such an address cannot be re-checked.
SYNTHETIC_PARAM = "tocsin_item"


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
    query = "&".join(normal_piece(piece) for piece in query_pieces(parts.query) if not is_tracking(piece_name(piece)))
    return urlunsplit((scheme, host, parts.path or "/", query, ""))


def query_pieces(query: str) -> list[str]:
    """The ``&``-separated pieces of a query as written (empty ones dropped)."""
    return [piece for piece in query.split("&") if piece]


def piece_name(piece: str) -> str:
    """The decoded name of one query piece (``utm_source`` of ``utm_source=x``)."""
    return unquote_plus(piece.partition("=")[0], errors="replace")


def is_tracking(name: str) -> bool:
    """Whether a query parameter only tracks the click (``utm_*``, ``fbclid``, …)."""
    return name.lower().startswith("utm_") or name.lower() in TRACKING_PARAMS


def normal_piece(piece: str) -> str:
    """One query piece in one spelling (``%d0%9e``, ``%D0%9E`` and ``О`` alike), or as written when its escapes
    are not UTF-8 (``%E0%E1`` of a windows-1251 site: decoding would turn every such value into the same
    replacement characters). A bare ``key`` stays bare (``news.php?12345``)."""
    key, eq, value = piece.partition("=")
    try:
        key, value = unquote_plus(key, errors="strict"), unquote_plus(value, errors="strict")
    except UnicodeDecodeError:
        return piece
    return urlencode([(key, value)]) if eq else quote_plus(key)


def with_query(url: str, **params: str) -> str:
    """``url`` without its fragment, with query parameters set (replacing any of the same name); the other
    pieces of its query stay as written."""
    parts = urlsplit(url)
    kept = [piece for piece in query_pieces(parts.query) if piece_name(piece) not in params]
    query = "&".join([*kept, urlencode(list(params.items()))] if params else kept)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def item_id_for(url: str) -> str:
    """An item's id: the SHA-256 of its canonical URL, hex."""
    return hashlib.sha256(canonical_url(url).encode("utf-8")).hexdigest()


def is_web_address(url: str) -> bool:
    """Whether ``url`` is an absolute http(s) address with a host (not ``mailto:``, ``javascript:``, ``urn:``)."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # raises for a port out of range (``:99999``), which no address can have
        return parts.scheme.lower() in WEB_SCHEMES and bool(parts.hostname)
    except ValueError:
        return False


def join_url(base: str, link: str) -> str:
    """``link`` made absolute against ``base``; ``link`` as written when it cannot be (``http://[::1``, a bracket
    never closed), so that :func:`is_web_address` refuses it and one bad link costs no more than itself."""
    try:
        return urljoin(base, link)
    except ValueError:
        return link


def item_addresses(page_url: str, links: list[str], fallbacks: list[str]) -> list[str]:
    """The addresses items found on one page (posts of a listing, comments, records of an API) are stored
    under: each link made absolute; its fallback when there is no link, it is no web address
    (``javascript:void(0)``, ``mailto:``), or it is no permalink of the item: the page itself (a reply button's
    ``href="#"``), or a link that other items of the page share (a thread's address under each of its posts),
    which would store them all as versions of one. Items with one fallback are one item (a pinned post listed
    twice) and keep their shared link. Ids ignore ``#anchors``, so where two items of the page, or an item and
    the page itself, differ only by one (``#comment-5`` on the article, ``#p5`` and ``#p7`` of a thread), the
    anchor is kept as the query parameter ``anchor``."""
    absolute = [join_url(page_url, link.strip()) if link and link.strip() else "" for link in links]
    usable = [url if is_web_address(url) else "" for url in absolute]
    bare = [canonical_url(url) if url else "" for url in usable]
    page = canonical_url(page_url)
    shared = {b for b in bare if b and (bare.count(b) > 1 or b == page)}
    anchored = [with_anchor(url) if b in shared and urlsplit(url).fragment else url for url, b in zip(usable, bare)]
    keys = [canonical_url(url) if url else "" for url in anchored]
    items_of: dict[str, set[str]] = {}
    for key, fallback in zip(keys, fallbacks):
        items_of.setdefault(key, set()).add(fallback)
    return [url if key and key != page and len(items_of[key]) == 1 else fallback
            for url, key, fallback in zip(anchored, keys, fallbacks)]


def with_anchor(url: str) -> str:
    """``url`` with its ``#fragment`` moved into the query as ``anchor=…`` (which ids keep)."""
    parts = urlsplit(url)
    query = f"{parts.query}&" if parts.query else ""
    return urlunsplit((parts.scheme, parts.netloc, parts.path, f"{query}anchor={quote(parts.fragment, safe='')}", ""))
