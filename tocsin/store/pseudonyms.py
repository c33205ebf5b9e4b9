"""Keyed hashes that stand for people: authors never enter the store in clear."""

from __future__ import annotations

import hashlib
import hmac
import secrets as random_secrets
import unicodedata
from typing import Callable

import sqlite_utils

from tocsin.store.db import utcnow

AUTHOR_KEY = "author_key"
ITEM_LINK_KEY = "item_link_key"


def get_secret(db: sqlite_utils.Database, name: str, nbytes: int = 32) -> bytes:
    """The stored secret ``name``, created with ``nbytes`` random bytes on first use."""
    found = stored_secret(db, name)
    if found is not None:
        return found
    value = random_secrets.token_bytes(nbytes)
    db.execute("INSERT OR IGNORE INTO secrets (name, value, created_at) VALUES (?, ?, ?)", [name, value, utcnow()])
    return stored_secret(db, name)  # type: ignore[return-value] - inserted, or there already


def stored_secret(db: sqlite_utils.Database, name: str) -> bytes | None:
    """The stored secret ``name``, or None when there is none (nothing is created)."""
    row = db.execute("SELECT value FROM secrets WHERE name = ?", [name]).fetchone()
    return bytes(row[0]) if row else None


def name_key(value: str) -> str:
    """A name as it is compared: Unicode NFC (a decomposed й is й), any run of spaces (no-break, thin, tabs) one
    space, trimmed, case-folded. "Айгерим\u00a0Касымова" and " айгерим  касымова " are one name."""
    return " ".join(unicodedata.normalize("NFC", value).split()).casefold()


def keyed_hash(key: bytes, value: str, length: int = 16) -> str:
    """HMAC-SHA256 of ``value`` (as :func:`name_key` compares it) under ``key``, hex, cut to ``length`` characters."""
    return _hmac_hex(key, name_key(value), length)


def keyed_digest(key: bytes, text: str, length: int = 64) -> str:
    """HMAC-SHA256 of ``text`` exactly as given (no :func:`name_key`: addresses and ids differ by case) under
    ``key``, hex, cut to ``length`` characters."""
    return _hmac_hex(key, text, length)


def _hmac_hex(key: bytes, text: str, length: int) -> str:
    return hmac.new(key, text.encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:length]


def pseudonymise_author(db: sqlite_utils.Database, author: str) -> str:
    """The store's pseudonym for an author name or handle; empty for no author."""
    if not author or not author.strip():
        return ""
    return "a_" + keyed_hash(get_secret(db, AUTHOR_KEY), author)


def author_pseudonyms(db: sqlite_utils.Database, author: str) -> list[str]:
    """Every pseudonym the store may hold for ``author``: today's, and those that stores written before names were
    compared by :func:`name_key` hashed the name only trimmed and case-folded, so they gave the same name composed
    (NFC) or decomposed (NFD), with single spaces or no-break spaces, and as ``author`` is written (two spaces, a tab,
    mixed spaces or Unicode forms) another pseudonym each."""
    if not author or not author.strip():
        return []
    key = get_secret(db, AUTHOR_KEY)
    name = name_key(author)
    as_written = author.strip().casefold()
    older = {as_written, *(unicodedata.normalize(form, spaced) for form in ("NFC", "NFD")
                           for spaced in (name, name.replace(" ", "\u00a0"), as_written))}
    legacy = ["a_" + _hmac_hex(key, value, 16) for value in sorted(older)]
    return list(dict.fromkeys(["a_" + keyed_hash(key, author), *legacy]))


def item_link_ids(db: sqlite_utils.Database) -> Callable[[str], str]:
    """What stands for a store item id in messages that leave the store (alert links and evidence).

    The store id is the SHA-256 of the item's URL, which anyone can compute: a guessed channel and message
    number (``t.me/<channel>/<n>``) checked against it would name the author. The link id is a keyed hash of
    it that only the store can compute; the review page finds the item among its alert's items.
    """
    key = get_secret(db, ITEM_LINK_KEY)
    return lambda item_id: keyed_hash(key, item_id, 20)
