"""Export keys and the keyed pseudonyms (HMAC-SHA256) they make.

By default every export draws a fresh random key that is used once and never stored: no one, the
operator included, can join two exports on authors, items or profiles, or reverse a pseudonym by
trying names. ``--link-key NAME`` instead uses the key stored in the ``secrets`` table as
``link_key:<NAME>`` (created on first use), so exports made with the same name share pseudonyms.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import unquote

#: Hex characters kept from each HMAC (80 bits: no collision in any realistic dataset).
PSEUDONYM_HEX = 20

#: A scheme and a subdomain that only picks a version of the site: ``www.``, or the mobile and web ones
#: (``m.facebook.com``, ``web.facebook.com``, ``mbasic.facebook.com``, ``mobile.twitter.com``).
_PREFIX = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?(?:www\.|m\.|web\.|mobile\.|mbasic\.)?", re.IGNORECASE)
#: Query parameters that name the person a profile link points to (``tg://resolve?domain=<name>``,
#: ``tg://resolve?phone=<number>``, ``facebook.com/profile.php?id=<number>``): without them every such link
#: of every author would be one profile. The rest of a query (tracking, page state) is dropped.
IDENTIFYING_PARAMETERS = frozenset({"domain", "id", "phone"})
#: Telegram's other addresses of one channel or user, normalised: the subdomain form (``<name>.t.me``, which Telegram
#: treats as ``t.me/<name>``; ``www.`` is gone by then), its other hosts and the web preview's ``s/``
#: (``t.me/s/<name>``) all name ``t.me/<name>`` (``tg://resolve?domain=<name>``: see :data:`_TELEGRAM_APP_LINKS`).
#: A post keeps its number (``t.me/s/<name>/5`` and ``<name>.t.me/5`` are ``t.me/<name>/5``, not the channel).
_TELEGRAM_ADDRESSES = (
    (re.compile(r"^([\w-]+)\.t\.me(?=/|$)"), r"t.me/\1"),
    (re.compile(r"^(?:t\.me|telegram\.me|telegram\.dog)/(?:s/)?"), "t.me/"),
)
#: A Telegram invite link, ``t.me/+<code>`` or ``t.me/joinchat/<code>`` (one chat), on any of Telegram's hosts. Unlike a
#: name, its code is case-sensitive: ``t.me/+AbCd`` and ``t.me/+abcd`` are two chats.
_TELEGRAM_INVITE = re.compile(r"(?:t\.me|telegram\.me|telegram\.dog)/(?:\+|joinchat/)([^/?]+)(.*)", re.IGNORECASE)
#: Telegram's app links (``tg://``, the scheme gone by then) to a name, a phone number, an invite or a private
#: channel's post, as the web address they stand for: per path, its forms, each a prefix, then the values of the query
#: parameters named, joined by '/' (the first one required). ``tg://resolve?domain=<name>&post=<n>`` is
#: ``t.me/<name>/<n>`` (a post keeps its number, as on the web); ``tg://resolve?phone=<number>`` is ``t.me/+<number>``,
#: Telegram's web link to a phone number; ``tg://join?invite=<code>`` is ``t.me/+<code>``;
#: ``tg://privatepost?channel=<id>&post=<n>`` is ``t.me/c/<id>/<n>``.
_TELEGRAM_APP_LINKS = {"resolve": (("t.me/", "domain", "post"), ("t.me/+", "phone")), "join": (("t.me/+", "invite"),),
                       "privatepost": (("t.me/c/", "channel", "post"),)}

#: SHA-256's block size and HMAC's pads (RFC 2104), as byte translation tables.
_BLOCK = 64
_IPAD = bytes(b ^ 0x36 for b in range(256))
_OPAD = bytes(b ^ 0x5C for b in range(256))

LINK_KEY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class LinkKeyNameError(ValueError):
    """A ``--link-key`` name that cannot be used; the message says which names can."""


def check_link_key_name(name: str) -> str:
    """Return ``name`` if it is a usable link-key name, else raise :class:`LinkKeyNameError`."""
    if not LINK_KEY_NAME.match(name or ""):
        raise LinkKeyNameError(
            f"link key name {name!r} is not usable: use 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit"
        )
    return name


@dataclass(frozen=True)
class ExportKey:
    """The secret of one export and the pseudonyms derived from it.

    Each kind of value (author, item, profile) is hashed in its own domain, so an item pseudonym can
    never equal an author pseudonym.
    """

    key: bytes = field(repr=False)  # the secret: never in logs or tracebacks
    link_name: str = ""

    @classmethod
    def fresh(cls) -> "ExportKey":
        """A new random 256-bit key, for one export only."""
        return cls(secrets.token_bytes(32))

    @property
    def linked(self) -> bool:
        return bool(self.link_name)

    @cached_property
    def _hmac_states(self) -> dict[bytes, tuple[Any, Any]]:
        """Per domain, SHA-256 states that have read HMAC's inner pad and the domain, and its outer pad.

        HMAC-SHA256 (RFC 2104) of ``domain + b"\\x00" + value`` is then two copies and two short updates,
        about twice as fast as :func:`hmac.digest` starting from the key for every value.
        """
        key = self.key if len(self.key) <= _BLOCK else hashlib.sha256(self.key).digest()
        key = key.ljust(_BLOCK, b"\x00")
        outer = hashlib.sha256(key.translate(_OPAD))
        states = {}
        for domain in (b"item", b"author", b"profile"):
            inner = hashlib.sha256(key.translate(_IPAD))
            inner.update(domain + b"\x00")
            states[domain] = (inner, outer)
        return states

    def _pseudonym(self, domain: bytes, prefix: str, value: str) -> str:
        inner, outer = self._hmac_states[domain]
        inner, outer = inner.copy(), outer.copy()
        inner.update(value.encode("utf-8", "surrogatepass"))
        outer.update(inner.digest())
        return prefix + outer.hexdigest()[:PSEUDONYM_HEX]

    @property
    def fingerprint(self) -> str:
        """16 hex characters that tell keys apart without revealing them (HMAC of a domain of its own): exports
        whose datasheets show one fingerprint share pseudonyms; a key made again under an old name shows another."""
        return hmac.new(self.key, b"fingerprint\x00", hashlib.sha256).hexdigest()[:16]

    def item(self, item_id: str) -> str:
        """The exported id of an item (its store id is a hash of a public URL, so it is re-keyed)."""
        return self._pseudonym(b"item", "i_", item_id)

    def author(self, store_pseudonym: str) -> str | None:
        """The exported pseudonym of an author, from the store's own pseudonym; None for no author."""
        return self._pseudonym(b"author", "a_", store_pseudonym) if store_pseudonym else None

    def profile(self, url: str) -> str | None:
        """The exported pseudonym of a personal profile link (scheme, ``www.`` and case ignored)."""
        norm = normalise_profile_url(url)
        return self._pseudonym(b"profile", "p_", norm) if norm else None


def normalise_profile_url(url: str) -> str:
    """Lower-cased host and path of a profile link, percent-escapes decoded, and the query parameters that name its
    person (see :data:`IDENTIFYING_PARAMETERS`), without scheme, ``www.`` (or a mobile or web subdomain: see
    :data:`_PREFIX`), other parameters or trailing slash; a Telegram
    address (``<name>.t.me`` too) as ``t.me/<name>`` (see :data:`_TELEGRAM_ADDRESSES` and :data:`_TELEGRAM_APP_LINKS`),
    an invite link (``tg://join?invite=<code>`` too) as ``t.me/+<code>`` with its code's case kept (see
    :data:`_TELEGRAM_INVITE`)."""
    url = _decoded((url or "").strip())
    if not url:
        return ""
    path, _, query = _PREFIX.sub("", url).split("#", 1)[0].partition("?")
    web = _telegram_web_address(path, query)
    if web:
        path, query = web, ""
    kept = _identifying_query(query)
    address = path.rstrip("/") + ("?" + kept if kept else "")
    invite = _TELEGRAM_INVITE.fullmatch(address)
    if invite:
        return "t.me/+" + invite.group(1) + invite.group(2).casefold()
    return _normalise_telegram(address.casefold())


def _normalise_telegram(address: str) -> str:
    """A normalised Telegram address (lower-cased, without scheme) under ``t.me/``; any other address as it is."""
    for pattern, replacement in _TELEGRAM_ADDRESSES:
        address = pattern.sub(replacement, address, count=1)
    return address


def _decoded(url: str) -> str:
    """``url`` with its percent-escapes decoded (``vk.com/%D0%B8…`` is ``vk.com/и…``), or as written when they are
    not UTF-8 (decoding would turn every such name into the same replacement characters)."""
    try:
        return unquote(url, errors="strict")
    except UnicodeDecodeError:
        return url


def _telegram_web_address(path: str, query: str) -> str:
    """The web address of a Telegram app link's ``path`` and ``query`` (see :data:`_TELEGRAM_APP_LINKS`), or ""."""
    params = {name.casefold(): value for name, _, value in (pair.partition("=") for pair in query.split("&")) if value}
    for prefix, *names in _TELEGRAM_APP_LINKS.get(path.casefold(), ()):
        if names[0] in params:
            return prefix + "/".join(params[name] for name in names if name in params)
    return ""


def _identifying_query(query: str) -> str:
    """The ``name=value`` pairs of ``query`` whose name is in :data:`IDENTIFYING_PARAMETERS`, sorted, joined by '&'."""
    pairs = (pair.partition("=") for pair in query.split("&"))
    return "&".join(sorted(f"{name.casefold()}={value}" for name, _, value in pairs
                           if value and name.casefold() in IDENTIFYING_PARAMETERS))

