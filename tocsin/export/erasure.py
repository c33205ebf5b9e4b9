"""``forget``: erase an author's or an item's content from the whole store, for good.

What goes: the items with every version, analysis, review and assignment; their rows in the
full-text index (merged away); raw snapshots that held their content (also other items' snapshots
that quoted it, e.g. a channel page); alerts about them only (others, and their
frozen delivery messages, lose the mention); crawl errors
about their URLs; lines about them in alert files written by ``file`` sinks. An erased author's name (and a
Telegram channel's display name, for a channel named by its handle) is masked where other items mention it.
Each erased item, and each address named at which no item is stored, leaves a tombstone (keyed hashes only)
so that a later crawl does not store it. Secure delete, a WAL checkpoint and VACUUM then leave no
byte of it in the database or its WAL. The audit log records that an erasure happened, with counts.
"""

from __future__ import annotations

import copy
import glob
import gzip
import html
import json
import logging
import os
import re
import stat
import unicodedata
import zlib
from collections import Counter
from dataclasses import asdict, dataclass
from functools import cached_property, partial
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator
from urllib.parse import urlsplit, urlunsplit

import sqlite_utils

from tocsin.alerts import engine
from tocsin.config import Settings
from tocsin.store import erasure as store
from tocsin.store import search
from tocsin.store.audit import log_event
from tocsin.store.db import transaction
from tocsin.store.pseudonyms import author_pseudonyms, item_link_ids
from tocsin.private_files import open_private
from tocsin.urls import canonical_url, item_id_for

logger = logging.getLogger(__name__)

ITEM_ID = re.compile(r"^[0-9a-f]{64}$")
#: Pieces of each erased text searched for elsewhere (alerts, snapshots, files).
FRAGMENTS_PER_TEXT = 8
FRAGMENT_MIN = 12
MASK = "\u2588"  # █, one per masked character so offsets stay valid


class ErasureError(ValueError):
    """An erasure request that cannot be carried out as given; the message says how to fix it."""


@dataclass
class ErasureSummary:
    """What one erasure removed (counts only: never the content)."""

    items: int = 0
    item_versions: int = 0
    analyses: int = 0
    reviews: int = 0
    assignments: int = 0
    snapshots: int = 0
    alerts_deleted: int = 0
    alerts_scrubbed: int = 0
    crawl_errors: int = 0
    audit_events_scrubbed: int = 0
    mentions_masked: int = 0
    file_lines_removed: int = 0
    waiting_in_redis: int = 0
    waiting_in_redis_cleaned: int = 0
    source_states: int = 0
    #: addresses named by ``--url`` at which no item is stored, given a tombstone all the same
    unstored_urls_blocked: int = 0
    checkpoint_complete: bool = True

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Needles:
    """The strings whose presence anywhere means erased content is still there.

    Exact strings (ids, URLs, titles, sentences, names) are matched case-insensitively; texts are also
    cut into runs of ``SHINGLE_WORDS`` words, so an excerpt that was cut short or had its whitespace
    squeezed (as alert messages quote texts) is still recognised.
    """

    def __init__(self, exact: Iterable[str], names: Iterable[str], texts: Iterable[str] = ()):
        exact = sorted({s for s in exact if s and len(s.strip()) >= 4}, key=len, reverse=True)
        escaped = [html.escape(s) for s in exact if html.escape(s) != s]
        self._exact = [spaced_as_any(s) for s in exact]
        self._variants = [spaced_as_any(s) for s in escaped]
        self._sources = exact + escaped   # the string each of ``_exact + _variants`` finds
        self._names = {n for n in names if n}
        self.shingles = {run for text in texts for run in shingles(text)}

    @cached_property
    def pattern(self) -> re.Pattern[str] | None:
        """The pattern of all the needles (made when first used)."""
        return self._compiled()

    def _compiled(self, chosen: Iterable[int] | None = None) -> re.Pattern[str] | None:
        """One pattern of the exact strings, the names (whole words, longest first) and the exact strings as HTML
        escapes them; with ``chosen``, only those of the exact and escaped strings (indices into ``_sources``)."""
        names = [r"(?<!\w)" + written_as_any(n) + r"(?!\w)" for n in sorted(self._names, key=len, reverse=True)]
        alternatives = self._exact + self._variants
        keep = range(len(alternatives)) if chosen is None else sorted(chosen)
        exact = [alternatives[i] for i in keep if i < len(self._exact)]
        variants = [alternatives[i] for i in keep if i >= len(self._exact)]
        parts = exact + names + variants   # variants only ever come with exact strings when all are kept
        return re.compile("|".join(parts), re.IGNORECASE) if parts else None

    @cached_property
    def _anchors(self) -> tuple[dict[str, list[int]], list[int]]:
        """For each inner word (:func:`inner_words`) that is the rarest among the run's of some exact or escaped
        strings, those strings; and the strings with no inner word (one or two words), searched for everywhere."""
        inner = [inner_words(s) for s in self._sources]
        counts = Counter(word for words in inner for word in words)
        index: dict[str, list[int]] = {}
        for i, words in enumerate(inner):
            if words:
                index.setdefault(min(words, key=lambda w: (counts[w], -len(w), w)), []).append(i)
        return index, [i for i, words in enumerate(inner) if not words]

    def narrowed(self, names: Iterable[str] = ()) -> "Needles":
        """These needles, finding ``names`` too, with a pattern that in each text looks only for the strings the text
        may hold (:class:`NarrowPattern`): the same matches, without searching every page for thousands of
        sentences or compiling them all again for each page's names."""
        self._anchors   # made once, shared by every narrowed copy
        other = copy.copy(self)
        other._names = self._names | {n for n in names if n}
        other.pattern = NarrowPattern(other) if self._sources or other._names else None
        return other

    def found_in(self, value: str, *, word_runs: bool = True) -> bool:
        """Whether ``value`` holds erased content; ``word_runs=False`` skips the word-run check (for
        large raw pages, where markup breaks runs anyway and tokenising would be slow)."""
        if not value:
            return False
        if self.pattern is not None and self.pattern.search(value) is not None:
            return True
        return word_runs and bool(self.shingles) and not self.shingles.isdisjoint(shingles(value))

    @property
    def empty(self) -> bool:
        return not (self._sources or self._names or self.shingles)


class NarrowPattern:
    """Stands in for the pattern of some :class:`Needles` (``search``, ``sub``, ``finditer``): for each text it
    searches, a pattern of only the exact strings whose rarest inner word the text holds (:func:`inner_words`), those
    with none, and the names. A match of a string holds each of its inner words with whitespace on both sides, so a
    string left out has no match in that text and the matches are those of the whole pattern. The strings a text
    adds stay, so one page's texts mostly share one pattern."""

    def __init__(self, needles: Needles):
        self.needles = needles
        self.index, unanchored = needles._anchors
        self.chosen = set(unanchored)
        self.compiled: re.Pattern[str] | None = None
        self.compiles = 0

    def _for(self, text: str) -> re.Pattern[str] | None:
        """The pattern for ``text``: made again only when it may hold a string not yet chosen."""
        found = {i for word in set(folded(text).split()) if word in self.index for i in self.index[word]}
        if not self.compiles or not found <= self.chosen:
            self.chosen |= found
            self.compiled = self.needles._compiled(self.chosen)
            self.compiles += 1
        return self.compiled

    def search(self, text: str) -> re.Match[str] | None:
        pattern = self._for(text)
        return None if pattern is None else pattern.search(text)

    def sub(self, repl: Callable[[re.Match[str]], str], text: str) -> str:
        pattern = self._for(text)
        return text if pattern is None else pattern.sub(repl, text)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        pattern = self._for(text)
        return iter(()) if pattern is None else pattern.finditer(text)


def folded(text: str) -> str:
    """``text`` with its case folded one character at a time, alike for any two characters a case-insensitive
    pattern takes for one (ı and i, ſ and s, ς and σ, İ and i: the dot above dropped); whitespace stays whitespace."""
    return text.lower().upper().lower().replace("ς", "σ").replace("\u0307", "")


def inner_words(text: str) -> set[str]:
    """The words of ``text`` (folded) between two others: :func:`spaced_as_any` finds them with whitespace either side."""
    return set(folded(" ".join(text.split()[1:-1])).split())


SHINGLE_WORDS = 6
_WORD = re.compile(r"\w+")


def spaced_as_any(text: str) -> str:
    """A pattern of ``text`` with any run of whitespace where it has one (a sentence quoted across a line break,
    or with its spaces squeezed or doubled)."""
    return r"\s+".join(re.escape(word) for word in text.split())


def written_as_any(name: str) -> str:
    """A pattern of a name in any Unicode form and spacing: a composed or decomposed letter (й or и + ◌̆), and any
    run of spaces, no-break spaces or tabs between its words; the store compares authors' names so
    (:func:`tocsin.store.pseudonyms.name_key`)."""
    def letter(char: str) -> str:
        forms = {unicodedata.normalize("NFC", char), unicodedata.normalize("NFD", char)}
        return re.escape(char) if len(forms) == 1 else "(?:" + "|".join(map(re.escape, sorted(forms))) + ")"

    words = unicodedata.normalize("NFC", name).split()
    return r"\s+".join("".join(map(letter, word)) for word in words)


def shingles(text: str) -> set[tuple[str, ...]]:
    """Every run of ``SHINGLE_WORDS`` consecutive words of a text, case-folded."""
    words = _WORD.findall(text.casefold())
    return {tuple(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


def author_variants(author: str) -> list[str]:
    """A raw author name or handle as the store may hold it: as given, and with and without a leading '@'."""
    name = author.strip()
    bare = name.lstrip("@")
    return list(dict.fromkeys(v for v in (name, bare, "@" + bare if bare else "") if v))


def mention_forms(author: str) -> list[str]:
    """How an author is searched for in other content: ``@handle`` always; the bare form only when it is
    specific (several words, or a handle-like word with a digit, '_' or '.'), so that erasing ``@osh``
    never touches the town of Osh."""
    bare = author.strip().lstrip("@")
    if not bare:
        return []
    forms = ["@" + bare]
    if " " in bare or re.search(r"[\d_.]", bare):
        forms.append(bare)
    return forms


def text_fragments(text: str, limit: int | None = FRAGMENTS_PER_TEXT) -> list[str]:
    """Distinctive pieces of a text: each of its first ``limit`` (None: all) lines or sentences of
    ``FRAGMENT_MIN``+ characters."""
    pieces = [p.strip() for p in re.split(r"[\n\r]+|(?<=[.!?…])\s+", text) if len(p.strip()) >= FRAGMENT_MIN]
    if not pieces and text.strip():
        pieces = [text.strip()]
    return pieces[:limit]


def distinctive_pieces(db: sqlite_utils.Database, titles: list[str], texts: list[str],
                       erased: list[str]) -> tuple[list[str], list[str]]:
    """What of the erased items' titles and texts is searched for elsewhere: the titles of several words and
    the first sentences (:func:`text_fragments`) that no other item also holds, and the texts without any
    sentence another item holds (for the word runs of :class:`Needles`). A site's navigation ("Новости"), a
    channel's footer or a stock phrase is on every page of its source: searched for, it would take every
    other page's snapshot and every alert quoting it with the erased item."""
    shared: dict[str, bool] = {}
    excluded = set(erased)

    def held_elsewhere(piece: str) -> bool:
        if piece not in shared:
            shared[piece] = search.phrase_elsewhere(db, piece, excluded)
        return shared[piece]

    needles = [t for t in titles if len(t) >= FRAGMENT_MIN and len(_WORD.findall(t)) >= 2 and not held_elsewhere(t)]
    own_texts = []
    for text in texts:
        sentences = text_fragments(text, limit=None)
        needles += [p for p in sentences[:FRAGMENTS_PER_TEXT] if not held_elsewhere(p)]
        for piece in sentences:
            if held_elsewhere(piece):
                text = text.replace(piece, " ")
        own_texts.append(text)
    return list(dict.fromkeys(needles)), own_texts


def names_someone(name: str) -> bool:
    """Whether a name has a letter in it: one of only digits, punctuation or '@' names no one, and searched for as a
    name it would mask a year or a number in every other item."""
    return any(char.isalpha() for char in name)


def check_authors(authors: Iterable[str]) -> None:
    """Refuse an author name with no letter in it (see :func:`names_someone`)."""
    for author in authors:
        if not names_someone(author):
            raise ErasureError(f"{author.strip()!r} has no letter in it, so it names no one; give the author's name or "
                               "handle as the source shows it, e.g. --author @handle or --author \"Ivan Petrov\"")


def items_by_author(db: sqlite_utils.Database, author: str) -> list[str]:
    """The stored item ids of one author (see :func:`author_variants`), and, when the name has the form of a
    Telegram handle, the items of the channel with that handle (see :func:`items_of_channel`): Telegram items
    are stored under the channel's display name, a post's signer or a forward's origin, never the handle."""
    ids = [item_id for variant in author_variants(author) for pseudonym in author_pseudonyms(db, variant)
           for item_id in store.item_ids_by_author(db, pseudonym)]
    handle = channel_handle(author)
    return list(dict.fromkeys(ids + (items_of_channel(db, handle) if handle else [])))


TELEGRAM_HANDLE = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")   # a channel's or person's public @name
TELEGRAM_HOSTS = {"t.me", "telegram.me"}
MESSAGE_NUMBER = re.compile(r"[0-9]+")


def channel_handle(author: str) -> str | None:
    """The Telegram handle ``author`` may be (``@name`` or ``name``: 4 to 32 ASCII letters, digits and ``_``,
    a letter first), case-folded as Telegram compares handles; None for any other name (``Ivan Petrov``)."""
    bare = author.strip().lstrip("@")
    return bare.casefold() if TELEGRAM_HANDLE.fullmatch(bare) else None


def telegram_channel(url: str, *, profile: bool = False) -> str:
    """The channel (case-folded) of a Telegram message address — ``t.me/<handle>/<N>`` or
    ``t.me/s/<handle>/<N>``, any case, also ``telegram.me`` — or, with ``profile``, of the bare
    ``t.me/<handle>``; '' for any other address."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").removeprefix("www.")
    except ValueError:
        return ""
    path = [p for p in parts.path.split("/") if p]
    if host not in TELEGRAM_HOSTS or not path:
        return ""
    if path[0].casefold() == "s" and len(path) > 1:
        path = path[1:]
    if (len(path) == 2 and MESSAGE_NUMBER.fullmatch(path[1])) or (profile and len(path) == 1):
        return path[0].casefold() if TELEGRAM_HANDLE.fullmatch(path[0]) else ""
    return ""


def channels_recorded(url: str, meta: dict[str, Any]) -> set[str]:
    """The Telegram channels (case-folded) whose content a stored item is: the channel at its address and in
    its ``meta`` (``channel``), and the channel or person a forward came from (``forwarded_from_channel``,
    ``forwarded_from_url``) — a forward holds the origin's words, so erasing the origin erases it too."""
    return ({telegram_channel(url), recorded_channel(meta, "channel")} | forward_origins(meta)) - {""}


def forward_origins(meta: dict[str, Any]) -> set[str]:
    """The channel or person (case-folded) a forward's words come from, as its ``meta`` records them
    (``forwarded_from_url``, ``forwarded_from_channel``); empty for an item that is no forward."""
    return {telegram_channel(str(meta.get("forwarded_from_url") or ""), profile=True),
            recorded_channel(meta, "forwarded_from_channel")} - {""}


def recorded_channel(meta: dict[str, Any], key: str) -> str:
    """The channel handle ``meta`` records under ``key``, case-folded, without '@' ('' when there is none)."""
    value = meta.get(key)
    return value.strip().lstrip("@").casefold() if isinstance(value, str) else ""


def items_of_channel(db: sqlite_utils.Database, handle: str) -> list[str]:
    """Ids of the stored items of the Telegram channel ``handle`` (case-folded), in store order: its own posts,
    and forwards of its posts in other channels (see :func:`channels_recorded`); a channel whose handle merely
    starts the same (``@name2``) is another channel."""
    return [item_id for item_id, _, _ in channel_items(db, handle)]


def channel_items(db: sqlite_utils.Database, handle: str) -> list[tuple[str, str, dict[str, Any]]]:
    """The id, URL and meta of the stored items of the Telegram channel ``handle`` (see :func:`items_of_channel`)."""
    rows = [(item_id, url, parsed_meta(meta)) for item_id, url, meta in store.items_holding(db, handle)]
    return [(item_id, url, meta) for item_id, url, meta in rows if handle in channels_recorded(url, meta)]


def channel_names(db: sqlite_utils.Database, handle: str) -> list[str]:
    """The display names of the Telegram channel ``handle`` (also one it has since changed), as its stored items
    show them: the owner's name on the raw pages of its own posts, and the origin forwards of its posts name. Its
    posts are stored under such a name, never the handle; a name with no letter is left out (:func:`names_someone`)."""
    items = channel_items(db, handle)
    own = [item_id for item_id, url, _ in items if telegram_channel(url) == handle]
    names = [name for raw, content_type in store.raw_pages(db, own)
             for name in owner_names(page_text(raw, content_type))]
    names += [meta["forwarded_from"] for _, _, meta in items
              if handle in forward_origins(meta) and isinstance(meta.get("forwarded_from"), str)]
    return [name for name in dict.fromkeys(" ".join(n.split()) for n in names) if names_someone(name)]


def owner_names(page: str) -> list[str]:
    """The channel names a Telegram message's raw page shows as its owner (as the crawler reads them)."""
    from parsel import Selector

    from tocsin.crawler.spiders.telegram import joined_text

    return [joined_text(node) for node in Selector(text=page).css(".tgme_widget_message_owner_name")]


def parsed_meta(meta: str | None) -> dict[str, Any]:
    """An item's ``meta`` column as a dict ({} when it is not a JSON object)."""
    try:
        value = json.loads(meta or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


@dataclass
class Target:
    """The stored items an erasure request names; the authors it names (with the display names of a Telegram
    channel named by its handle), whose names are masked and searched for elsewhere whether or not they have an
    item of their own (a person mentioned in others' posts); and the addresses it names at which no item is stored
    (canonical), which get a tombstone all the same."""

    ids: list[str]
    authors: list[str]
    unstored_urls: list[str]


def resolve(db: sqlite_utils.Database, authors: list[str], urls: list[str], item_ids: list[str]) -> Target:
    """The stored items (and the authors) an erasure request names."""
    bad = [i for i in item_ids if not ITEM_ID.match(i.strip().lower())]
    if bad:
        raise ErasureError(f"{bad[0]!r} is not an item id (64 hex characters); to erase by address use --url")
    check_authors(authors)
    ids: list[str] = []
    for author in authors:
        ids += items_by_author(db, author)
    canon = [canonical_url(u) for u in urls]
    ids += store.item_ids_by_url_or_id(db, canon, [item_id_for(u) for u in urls] + [i.strip().lower() for i in item_ids])
    return Target(list(dict.fromkeys(ids)), names_of(db, authors), unstored_urls(db, urls))


def names_of(db: sqlite_utils.Database, authors: list[str]) -> list[str]:
    """The authors' names as given, and for each in the form of a Telegram handle its channel's display names
    (see :func:`channel_names`)."""
    names = list(authors)
    for author in authors:
        if handle := channel_handle(author):
            names += channel_names(db, handle)
    return list(dict.fromkeys(names))


def resolve_items(db: sqlite_utils.Database, authors: list[str], urls: list[str], item_ids: list[str]) -> list[str]:
    """The stored item ids an erasure request names."""
    return resolve(db, authors, urls, item_ids).ids


def items_at(db: sqlite_utils.Database, url: str) -> list[str]:
    """Ids of the stored items at ``url`` (compared canonically)."""
    return store.item_ids_by_url_or_id(db, [canonical_url(url)], [item_id_for(url)])


def address_variants(url: str) -> list[str]:
    """Addresses a person may have meant by ``url``: the other scheme, and each scheme with or without ``www.``."""
    parts = urlsplit(canonical_url(url))
    other = "http" if parts.scheme == "https" else "https"
    host = parts.netloc
    toggled = host[4:] if host.startswith("www.") else f"www.{host}"
    return [urlunsplit((scheme, netloc, parts.path, parts.query, ""))
            for scheme, netloc in ((other, host), (parts.scheme, toggled), (other, toggled))]


def unstored_urls(db: sqlite_utils.Database, urls: Iterable[str]) -> list[str]:
    """The canonical forms of those of ``urls`` at which no item is stored."""
    return list(dict.fromkeys(canonical_url(url) for url in urls if not items_at(db, url)))


def unmatched_urls(db: sqlite_utils.Database, urls: Iterable[str]) -> dict[str, str | None]:
    """Each of ``urls`` at which no item is stored, with a stored address it may have meant (None if none)."""
    return {url: next((v for v in address_variants(url) if items_at(db, v)), None) for url in urls if not items_at(db, url)}


@dataclass
class Plan:
    """What one erasure request reaches: its items, what they held, what marks a quote of them, and how the
    named authors' names are masked in other items (None: they are not)."""

    target: Target
    content: store.ErasedContent
    needles: Needles
    pattern: re.Pattern[str] | None

    @property
    def mask(self) -> Callable[[str], str] | None:
        """A text with the named authors' names masked, one :data:`MASK` per character so that offsets into it
        stay valid; None when names are not masked."""
        pattern = self.pattern
        return None if pattern is None else partial(masked, pattern=pattern)


def masked(text: str, pattern: re.Pattern[str]) -> str:
    """``text`` with every match of ``pattern`` masked, one :data:`MASK` per character so that offsets into it stay
    valid."""
    return pattern.sub(lambda m: MASK * len(m.group()), text)


def plan(db: sqlite_utils.Database, authors: list[str], urls: list[str], item_ids: list[str],
         mask_mentions: bool = True) -> Plan:
    """Resolve an erasure request and gather what :func:`forget` searches for: every named author's name, with or
    without a stored item, and a named Telegram channel's display names (see :class:`Target`)."""
    target = resolve(db, authors, urls, item_ids)
    content = store.erased_content(db, target.ids)
    names = [form for a in target.authors for form in mention_forms(a)]
    pieces, texts = distinctive_pieces(db, content.titles, content.texts, target.ids)
    link_id = item_link_ids(db)   # how alert messages named the items
    needles = Needles([*content.item_ids, *map(link_id, content.item_ids), *content.urls, *pieces,
                       *content.author_pseudonyms], names, texts)
    pattern = name_pattern(target.authors) if mask_mentions else None
    return Plan(target, content, needles, pattern)


@dataclass
class Preview:
    """What a real run would erase, counted before it (``tocsin forget --dry-run`` and its prompt)."""

    items: int
    other_snapshots: int
    other_items_mentioning: int
    #: addresses at which no item is stored, to get a tombstone all the same
    unstored_urls: int = 0


def preview(db: sqlite_utils.Database, *, authors: Iterable[str] = (), urls: Iterable[str] = (),
            item_ids: Iterable[str] = (), mask_mentions: bool = True) -> Preview:
    """Count what :func:`forget` would erase: the items, other items' raw snapshots that quote them (read once,
    as :func:`forget` does), other items whose text mentions a named author's name (to be masked), and the
    addresses at which no item is stored (to be blocked by a tombstone)."""
    what = plan(db, [a for a in authors if a.strip()], list(urls), list(item_ids), mask_mentions)
    own = set(what.content.snapshot_shas)
    others = [sha for sha in snapshots_mentioning(db, what.needles) if sha not in own]
    return Preview(len(what.target.ids), len(others), items_mentioning(db, what.pattern, set(what.target.ids)),
                   len(what.target.unstored_urls))


def items_mentioning(db: sqlite_utils.Database, pattern: re.Pattern[str] | None, erased: set[str]) -> int:
    """How many stored items, other than ``erased``, hold a match of ``pattern`` in their title, text or meta."""
    if pattern is None:
        return 0
    db.conn.create_function("tocsin_names", 1, lambda v: bool(v) and pattern.search(v) is not None, deterministic=True)
    rows = db.execute("SELECT id FROM items WHERE tocsin_names(title) OR tocsin_names(text) OR tocsin_names(meta)")
    return sum(1 for (item_id,) in rows if item_id not in erased)


def forget(db: sqlite_utils.Database, settings: Settings, *, authors: Iterable[str] = (), urls: Iterable[str] = (),
           item_ids: Iterable[str] = (), actor: str = "cli", mask_mentions: bool = True) -> ErasureSummary:
    """Erase the named authors' items, and the items at ``urls`` or with ``item_ids``, from everywhere.

    :param authors: raw author names or handles, as the source shows them (``@name`` and ``name`` are
        both tried); a name with no letter is refused (:func:`check_authors`).
    :param urls: items' addresses; one at which no item is stored gets a tombstone all the same, so that a later
        crawl does not store an item there.
    :param mask_mentions: also mask the authors' names where other items mention them (also of an author with
        no item of their own: a person mentioned in others' posts).
    """
    authors, urls, item_ids = [a for a in authors if a.strip()], list(urls), list(item_ids)
    if not (authors or urls or item_ids):
        raise ErasureError("name what to erase: --author NAME, --url URL or --item ID")
    if db.conn.in_transaction:
        raise ErasureError("forget cannot run inside an open transaction (it vacuums the database); call it on its own")
    what = plan(db, authors, urls, item_ids, mask_mentions)
    store.secure_delete_on(db)
    summary = ErasureSummary()
    ids, content, needles = what.target.ids, what.content, what.needles
    addresses = [*content.urls, *what.target.unstored_urls]   # those named with no item stored there too
    # files first: once the rows are gone, a second run could no longer tell which lines quote them
    summary.file_lines_removed = sum(scrub_file(path, needles) for path in alert_files(settings, db))
    summary.waiting_in_redis, summary.waiting_in_redis_cleaned = purge_waiting(
        settings, authors=authors, urls=[*urls, *content.urls], item_ids=ids, mask=what.mask, needles=needles)
    with transaction(db):
        scrub_alerts(db, settings, set(ids), needles, summary)
        store.bury_items(db, ids)   # tombstones (keyed hashes only): a later crawl does not store them again
        store.bury_urls(db, what.target.unstored_urls)
        summary.unstored_urls_blocked = len(what.target.unstored_urls)
        counts = store.delete_items(db, ids)
        for table, n in counts.items():
            setattr(summary, table, n)
        summary.crawl_errors = store.delete_crawl_errors_for(db, addresses)
        summary.crawl_errors += store.rewrite_mentions(db, needles.found_in, lambda v: store.ERASED if needles.found_in(v) else v,
                                                       columns=store.CRAWL_ERROR_COLUMNS)
        summary.audit_events_scrubbed = store.scrub_audit_targets(db, ids)
        summary.source_states = forget_in_source_states(db, addresses)
        doomed = store.unreferenced_snapshots(db, content.snapshot_shas)
        doomed += [sha for sha in snapshots_mentioning(db, needles) if sha not in doomed]
        summary.snapshots = store.drop_snapshots(db, doomed)
        if (pattern := what.pattern) is not None and (mask := what.mask) is not None:
            summary.mentions_masked = store.rewrite_mentions(db, lambda v: pattern.search(v) is not None, mask)
    by = [k for k, v in (("author", authors), ("url", urls), ("item", item_ids)) if v]
    log_event(db, actor, "forget", "", by=by, **{k: v for k, v in summary.as_dict().items() if k != "checkpoint_complete"})
    summary.checkpoint_complete = store.compact(db, vacuum=True)
    logger.info("erasure done: %d items, %d snapshots, %d alerts deleted", summary.items, summary.snapshots, summary.alerts_deleted)
    return summary


def forget_in_source_states(db: sqlite_utils.Database, urls: list[str]) -> int:
    """Take the erased items' addresses (and what is kept with them: a feed entry's hash of its title and text)
    out of every source's crawl state, keeping the rest so the crawl resumes; returns the states rewritten."""
    from tocsin.crawler.spiders.feed import without_entries_at
    from tocsin.store.sources import save_source_state, source_states

    erased = {canonical_url(u) for u in urls}
    if not erased:
        return 0

    def is_erased(address: str) -> bool:
        try:
            return canonical_url(address) in erased
        except ValueError:
            return False

    rewritten = 0
    for name, state in source_states(db).items():
        kept = without_entries_at(state, is_erased) if isinstance(state, dict) else state
        if kept != state:
            save_source_state(db, name, kept)
            rewritten += 1
    return rewritten


def purge_waiting(settings: Settings, *, mask: Callable[[str], str] | None, needles: Needles,
                  **what: Any) -> tuple[int, int]:
    """Delete the items of the erased authors, URLs or ids still waiting in Redis, and clean the other waiting
    items as stored ones are (``mask`` their mentions of the authors, drop their raw pages that quote erased
    content): distributed mode only. Returns how many were deleted and how many cleaned."""
    from tocsin.distributed import is_distributed

    if not is_distributed(settings):
        return 0, 0
    from tocsin.distributed.purge import Scrub
    from tocsin.distributed.purge import purge_waiting as purge

    scrub = Scrub(mask=mask, quotes=None if needles.empty else lambda body: raw_page_mentions(body, needles))
    return purge(settings, scrub=scrub, **what), scrub.scrubbed


def name_pattern(authors: list[str]) -> re.Pattern[str] | None:
    """Whole-word, case-insensitive mentions of the authors (see :func:`mention_forms`); None when they have no
    form to search for (an empty alternation would match every text)."""
    forms = sorted({f for a in authors for f in mention_forms(a)}, key=len, reverse=True)
    if not forms:
        return None
    return re.compile(r"(?<![\w@])(?:" + "|".join(written_as_any(f) for f in forms) + r")(?![\w])", re.IGNORECASE)


def scrub_alerts(db: sqlite_utils.Database, settings: Settings, ids: set[str], needles: Needles,
                 summary: ErasureSummary) -> None:
    """Delete alerts that were only about erased items; remove the erased items from the others (whose
    sources, hallmarks, times and message are then those of the items they keep)."""
    doomed: list[int] = []
    for alert in store.iter_alerts(db):
        listed = [i for i in alert["item_ids"] if i in ids]
        mentioned = mentions([alert["title"], alert["message"], alert["payload"]], needles)
        if not listed and not mentioned:
            continue
        remaining = [i for i in alert["item_ids"] if i not in ids]
        if (listed and not remaining) or not alert["item_ids"]:
            doomed.append(alert["id"])
            continue
        alert["item_ids"] = remaining
        alert["count"] = max(1, int(alert["count"] or 1) - len(listed))
        alert["payload"] = scrub_value(alert["payload"], needles)
        if listed and alert["payload"].get("labels") and alert["kind"] != "stale_source":
            engine.recounted(db, alert, store.alert_members(db, remaining), settings)
        alert["title"] = scrub_lines(alert["title"], needles)
        alert["message"] = scrub_lines(alert["message"], needles)
        store.update_alert(db, alert)
        summary.alerts_scrubbed += 1
    summary.alerts_deleted = store.delete_alerts(db, doomed)
    for delivery_id, body in store.iter_delivery_bodies(db):
        decoded = json.loads(body or "{}")
        if mentions(decoded, needles):
            store.update_delivery_body(db, delivery_id, scrub_value(decoded, needles))


def mentions(value: Any, needles: Needles) -> bool:
    """Whether any string inside a JSON value (or the value itself) mentions erased content."""
    if isinstance(value, str):
        return needles.found_in(value)
    if isinstance(value, dict):
        return any(mentions(k, needles) or mentions(v, needles) for k, v in value.items())
    if isinstance(value, list):
        return any(mentions(v, needles) for v in value)
    return False


def scrub_lines(text: str, needles: Needles) -> str:
    """Replace each line that mentions erased content with '(erased)' (a quote wrapped over two lines
    marks both)."""
    if not needles.found_in(text):
        return text
    lines = text.split("\n")
    tainted = {i for i, line in enumerate(lines) if needles.found_in(line)}
    for i in range(1, len(lines)):
        if not {i - 1, i} & tainted and needles.found_in(lines[i - 1] + " " + lines[i]):
            tainted |= {i - 1, i}
    return "\n".join(store.ERASED if i in tainted else line for i, line in enumerate(lines))


def scrub_value(value: Any, needles: Needles) -> Any:
    """A JSON value without the list entries that mention erased content, and its strings without the
    lines that do."""
    if isinstance(value, dict):
        return {k: scrub_value(v, needles) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_value(v, needles) for v in value if not (isinstance(v, (dict, list)) and mentions(v, needles))]
    if isinstance(value, str):
        return scrub_lines(value, needles)
    return value


def snapshots_mentioning(db: sqlite_utils.Database, needles: Needles) -> list[str]:
    """Snapshots whose raw body (decompressed, read in its encoding; HTML entities and JSON escapes read too)
    contains erased content."""
    found: list[str] = []
    if needles.empty:
        return found
    content_types = dict(db.execute("SELECT sha256, content_type FROM snapshots").fetchall())
    for sha, body in store.iter_snapshots(db):
        if raw_page_mentions(body, needles, content_types.get(sha) or ""):
            found.append(sha)
    return found


def raw_page_mentions(body: bytes, needles: Needles, content_type: str = "") -> bool:
    """Whether a zlib-compressed raw page contains erased content, whatever its encoding (:func:`page_text`;
    HTML entities and JSON ``\\uXXXX`` escapes read too); a page that is not readable zlib data counts, as it
    cannot be checked."""
    try:
        raw = zlib.decompress(body)
    except zlib.error:
        logger.warning("a raw page is not readable zlib data; dropping it as it cannot be checked")
        return True
    return page_text_mentions(page_text(raw, content_type), needles)


def page_text_mentions(text: str, needles: Needles) -> bool:
    """Whether a page's decoded text contains erased content (HTML entities and JSON ``\\uXXXX`` escapes read too)."""
    return any(needles.found_in(reading, word_runs=False) for reading in page_readings(text))


def page_text(raw: bytes, content_type: str = "") -> str:
    """A raw page's text, in :func:`page_encoding` (UTF-8 when Python knows no such encoding)."""
    try:
        return raw.decode(page_encoding(raw, content_type), "replace")
    except LookupError:
        return raw.decode("utf-8", "replace")


def page_encoding(raw: bytes, content_type: str = "") -> str:
    """The encoding a raw page is in, found as the crawler finds it: by its byte-order mark, else the encoding its
    content type or markup declares, or the one its bytes show when that is wrong or missing
    (:func:`tocsin.crawler.decoding.better_encoding`: Windows-1251, KOI8-R, UTF-16 without a byte-order mark)."""
    from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

    from tocsin.crawler.decoding import better_encoding

    encoding = read_bom(raw)[0]
    if encoding:
        return encoding
    declared = http_content_type_encoding(content_type) or html_body_declared_encoding(raw)
    return better_encoding(raw, declared or "utf-8", declared=bool(declared)) or declared or "utf-8"


_JSON_ESCAPE = re.compile(r'\\(?:u[0-9a-fA-F]{4}|[\\/"bfnrt])')


def json_unescaped(text: str) -> str:
    """``text`` with its JSON escapes read (``\\u0411`` as Б, a surrogate pair as one character, ``\\/`` as /),
    as an API's JSON body holds a post's text."""
    read = _JSON_ESCAPE.sub(lambda m: json.loads(f'"{m.group()}"'), text)
    return read.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def page_readings(text: str) -> Iterator[str]:
    """The ways a page may hold a quote (:func:`markup_readings`), and, for a body with JSON escapes, the same
    with its escapes read."""
    yield from markup_readings(text)
    if "\\" in text and (unescaped := json_unescaped(text)) != text:
        yield from markup_readings(unescaped)


def markup_readings(text: str) -> Iterator[str]:
    """A page's text, cheapest first: as it is, with HTML entities read, and as a reader sees it (markup inside a
    sentence, "must <b>leave</b> the town")."""
    yield text
    if "&" in text:
        yield html.unescape(text)
    if "<" in text:
        yield html.unescape(_TAG.sub(" ", text))


_TAG = re.compile(r"<[^<>]*>")


def alert_files(settings: Settings, db: sqlite_utils.Database | None = None) -> list[Path]:
    """The JSONL files that ``file`` alert sinks append to (those of ``settings``, and with ``db`` every one the
    store has recorded, whatever config wrote it), and their rotated copies beside them (``alerts.jsonl.1``,
    ``alerts.jsonl.2.gz``, ``alerts.jsonl-20260601``: logrotate's names)."""
    from tocsin.store.alerting import remembered_alert_files

    configured = [settings.resolve(sink.path) for sink in settings.alerts.sinks if sink.kind == "file" and sink.path]
    remembered = [Path(path) for path in remembered_alert_files(db)] if db is not None else []
    files = []
    for path in dict.fromkeys(path.absolute() for path in [*configured, *remembered]):
        rotated = sorted(p for pattern in (f"{glob.escape(path.name)}.*", f"{glob.escape(path.name)}-*")
                         for p in path.parent.glob(pattern) if not p.name.endswith(".erasing"))
        files += [path, *rotated]
    return list(dict.fromkeys(files))


def line_mentions(line: str, needles: Needles) -> bool:
    """Whether a line of a text or JSONL file mentions erased content (JSON lines are read decoded)."""
    if needles.found_in(line):
        return True
    try:
        return mentions(json.loads(line), needles)
    except ValueError:
        return False


def scrub_file(path: Path, needles: Needles) -> int:
    """Rewrite a text file (gzip-compressed when its name ends in ``.gz``, as logrotate leaves old alert
    files) without the lines that mention erased content; returns the lines removed.

    The new file replaces the old one atomically, with its permissions; the old one's blocks are
    overwritten first.
    """
    if not path.is_file() or needles.empty:
        return 0
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", errors="replace", newline="") as f:
        lines = f.readlines()
    kept = [line for line in lines if not line_mentions(line, needles)]
    removed = len(lines) - len(kept)
    if removed:
        tmp = path.with_name(path.name + ".erasing")
        with open_private(tmp, "wb", permissions=stat.S_IMODE(path.stat().st_mode), fresh=True) as raw:
            data = "".join(kept).encode("utf-8")
            raw.write(gzip.compress(data) if path.suffix == ".gz" else data)
        size = path.stat().st_size
        with open(path, "r+b") as f:  # overwrite the old bytes before the file is replaced
            f.write(b"\0" * size)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    return removed
