"""RSS 2.0, RSS 1.0 and Atom feeds (feedparser): each entry's article is fetched and extracted."""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import tzinfo
from typing import Any, Callable, Iterable, Iterator

from scrapy import Request
from scrapy.http import Response, TextResponse

from tocsin.crawler.decoding import feed_as_utf8
from tocsin.crawler.extract import html_to_text, normalise_date, struct_to_iso, unknown_zone
from tocsin.crawler.items import ItemRecord
from tocsin.crawler.spiders.articles import ArticleLead, ArticleSpider, content_type
from tocsin.crawler.spiders.paging import synthetic_url
from tocsin.urls import canonical_url, is_web_address, item_id_for

logger = logging.getLogger(__name__)


_CHARACTER_REFERENCE = re.compile(rb"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")


def without_surrogate_references(body: bytes) -> bytes:
    """``body`` with each character reference to a UTF-16 surrogate ("&#xD800;", "&#55296;") made U+FFFD: it
    names no character, and feedparser's fallback parser fails on the whole feed for one."""
    def replace(m: re.Match[bytes]) -> bytes:
        value = int(m.group(1), 16) if m.group(1) else int(m.group(2))
        return b"&#xFFFD;" if 0xD800 <= value <= 0xDFFF else m.group(0)

    return _CHARACTER_REFERENCE.sub(replace, body) if b"&#" in body else body


#: The problem of a feed whose body is empty or only white space.
EMPTY_FEED = ("empty feed: the server sent no content (or only white space); check the source's address, or wait if the "
              "site is down for repairs")


def parse_feed(body: bytes, url: str, content_type: str = "", zone: tzinfo | None = None) -> tuple[list[ArticleLead], str]:
    """The entries of a feed as leads, and a problem ('' when the feed is fine).

    A feed feedparser calls malformed but that still yields entries is used, with the problem noted.

    :param zone: the source's time zone, for entry times written without an offset.
    """
    import feedparser

    body, content_type = feed_as_utf8(without_surrogate_references(body), content_type)
    if not body.strip():
        return [], EMPTY_FEED
    headers = {"content-type": content_type or "application/xml"}
    parsed = feedparser.parse(body, response_headers={**headers, "content-location": url})
    problem = ""
    if parsed.bozo:
        problem = f"malformed feed: {type(parsed.bozo_exception).__name__}: {parsed.bozo_exception}"
    lang = (parsed.feed.get("language") or "").split("-")[0].lower() if parsed.get("feed") else ""
    guids = written_guids(body, headers, parsed.entries)
    found = [(entry, entry_lead(entry, url, lang, zone, guid)) for entry, guid in zip(parsed.entries, guids)]
    leads = [lead for _, lead in found if lead]
    unlinked = [entry for entry, lead in found if lead is None]
    if unlinked:
        problem = "; ".join(filter(None, [problem, f"{len(unlinked)} of {len(found)} entries skipped: no link that "
                                                   "can be read and no text; the site's feed is at fault"]))
    if not leads and not problem and not parsed.get("version"):
        problem = "not a feed: no RSS or Atom structure found; check that the source's address is its feed's"
    return leads, problem


#: An ``xml:base`` attribute (on the channel, feed, item or entry).
_XML_BASE = re.compile(rb"""\sxml:base\s*=\s*(?:"[^"]*"|'[^']*')""")


def written_guids(body: bytes, headers: dict[str, str], entries: list[Any]) -> list[str]:
    """For each entry whose only link is its guid (:func:`link_is_guid`), that guid as the feed writes it ('' for
    the others): feedparser resolves a guid against the feed's address and any ``xml:base`` (``12345`` becomes
    ``https://site/12345``), so such a feed is read a second time, with neither."""
    import feedparser

    if not any(link_is_guid(entry) for entry in entries):
        return [""] * len(entries)
    again = feedparser.parse(_XML_BASE.sub(b"", body), response_headers=headers).entries
    return [str(written.get("id", "")) if link_is_guid(entry) else "" for entry, written in zip(entries, again)]


def link_is_guid(entry: Any) -> bool:
    """Whether an entry's link is feedparser's copy of its guid: the entry has no ``<link>`` of its own."""
    link = entry.get("link")
    return bool(link and entry.get("guidislink")) and not any(e.get("href") == link for e in entry.get("links", []))


def entry_lead(entry: Any, feed_url: str, lang: str, zone: tzinfo | None = None,
               written_guid: str = "") -> ArticleLead | None:
    """One feed entry as an :class:`ArticleLead`; None when it has neither a link nor any text.

    An entry with no link that can be read (none, one that is no web address such as a ``mailto:``, one with port
    99999) is kept as a lead for the feed's own address, marked ``no_link``: it is stored from the feed under an
    address of its own (:func:`entry_address`). A guid serves as the link only when the feed writes an absolute web
    address (``written_guid``, see :func:`written_guids`) and does not mark it ``isPermaLink="false"``.
    """
    url = entry_link(entry, feed_url, written_guid)
    content = entry.get("content") or []
    summary = html_to_text(content[0].get("value", "")) if content else ""
    summary = summary or html_to_text(entry.get("summary", ""))
    title = html_to_text(entry.get("title", ""))
    if not url and not (title or summary):
        return None
    guid = written_guid or entry.get("id")
    written = entry.get("published") or entry.get("updated")
    return ArticleLead(
        url=url or feed_url, title=title, summary=summary,
        author=author_name(entry.get("author", "")), lang=lang,
        # the date as written first: feedparser's own reading takes 2024/06/01 for 1 December, an unknown zone for UTC
        published_at=(normalise_date(written, zone, feed_url) or (None if unknown_zone(written) else
                      struct_to_iso(entry.get("published_parsed") or entry.get("updated_parsed")))),
        meta={"feed_url": feed_url, **({"guid": guid} if guid else {}), **({} if url else {"no_link": True})},
    )


def entry_link(entry: Any, feed_url: str, written_guid: str = "") -> str:
    """The absolute web address an entry links to; '' when it gives none that can be read."""
    from urllib.parse import urljoin

    link = entry.get("link") or ""
    if written_guid:   # the guid is the only link: a web address only when written as one
        link = written_guid if is_web_address(written_guid) else ""
    if not link:
        return ""
    url = urljoin(feed_url, link)
    try:
        canonical_url(url)
    except ValueError:
        return ""
    return url if is_web_address(url) else ""


#: An e-mail address, as RSS 2.0's ``<author>`` gives one beside the name.
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def author_name(written: str) -> str:
    """The name of an entry's author: RSS 2.0 writes ``desk@news.example (Name)``, others ``Name <desk@news.example>``;
    an address alone is kept, as it is all the feed names."""
    name = " ".join(re.sub(r"[()<>]", " ", _EMAIL.sub(" ", written)).split()) if _EMAIL.search(written) else ""
    return name or written.strip()


def entry_key(lead: ArticleLead, by_guid: bool = True) -> tuple[str, ...]:
    """What tells a feed entry from the others: its guid (Atom ``<id>``), else its title and text (always its
    title and text when ``by_guid`` is false: the feed makes a new guid on each fetch)."""
    guid = str(lead.meta.get("guid", "")).strip() if by_guid else ""
    return (guid,) if guid else (lead.title, lead.summary)


def shared_pages(leads: list[ArticleLead]) -> set[str]:
    """The canonical URLs that several distinct entries of one feed link to: a live blog's ``/live#p1`` and
    ``/live#p2``, or one page of short news items linked by each (ids ignore the ``#anchor``)."""
    keys: dict[str, set[tuple[str, ...]]] = {}
    for lead in leads:
        keys.setdefault(canonical_url(lead.url), set()).add(entry_key(lead))
    return {page for page, found in keys.items() if len(found) > 1}


def entry_address(lead: ArticleLead, by_guid: bool = True) -> str:
    """The address an entry of a shared page is stored under: the page (the feed, for an entry without a link) with
    ``tocsin_item=<hash of its entry_key>``. It depends on the entry alone, so the entry keeps its id whatever else
    the feed lists."""
    return synthetic_url(lead.url, *entry_key(lead, by_guid))


#: How many entries of shared pages the source's state keeps of a feed's last fetch (see :func:`remembered_entries`).
REMEMBERED_ENTRIES = 500
#: How many entries of the last fetch must be back, with their title and text, to judge whether a feed's guids last.
GUID_EVIDENCE = 2


def short_digest(*parts: str) -> str:
    """A short hash of ``parts``: what the source's state keeps of an entry's title and text, or of its guid."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:16]


def content_digest(lead: ArticleLead) -> str:
    """The hash of an entry's title and text."""
    return short_digest(lead.title, lead.summary)


def guid_digest(lead: ArticleLead) -> str:
    """The hash of an entry's guid ('' without one)."""
    guid = str(lead.meta.get("guid", "")).strip()
    return short_digest(guid) if guid else ""


def remembered_entries(leads: list[ArticleLead], address_of: Callable[[ArticleLead], str]) -> dict[str, list[str]]:
    """What the source's state keeps of one fetch's entries of shared pages for the next: the hash of each one's
    title and text → the hash of its guid and the address it is stored under (at most :data:`REMEMBERED_ENTRIES`)."""
    remembered: dict[str, list[str]] = {}
    for lead in leads[:REMEMBERED_ENTRIES]:
        remembered.setdefault(content_digest(lead), [guid_digest(lead), address_of(lead)])
    return remembered


def without_entries_at(state: dict[str, Any], erased: Callable[[str], bool]) -> dict[str, Any]:
    """A source's state without the remembered entries (:func:`remembered_entries`) stored under an address
    ``erased`` says is erased (for ``tocsin forget``): the rest, ETags and whether a feed's guids last included,
    is kept so the crawl resumes."""
    feeds = {}
    for feed_url, known in state.get("shared_entries", {}).items():
        last = {digest: kept for digest, kept in known.get("last", {}).items() if not erased(kept[-1])}
        known = {key: value for key, value in known.items() if key != "last"} | ({"last": last} if last else {})
        if known:
            feeds[feed_url] = known
    return {**state, "shared_entries": feeds} if "shared_entries" in state else state


def guids_unstable(leads: list[ArticleLead], last: dict[str, list[str]]) -> bool:
    """Whether the entries of the last fetch (:func:`remembered_entries`) are back with their title and text but
    with new guids, (almost) all of them: the feed makes a fresh guid on each fetch. An edited entry keeps its guid
    and comes back with another text; a busy feed's new entries come with new titles."""
    pairs = [(last[content][0], guid) for lead in leads
             if (content := content_digest(lead)) in last and last[content][0] and (guid := guid_digest(lead))]
    kept = sum(old == new for old, new in pairs)
    return len(pairs) >= GUID_EVIDENCE and kept * 10 <= len(pairs)


class FeedSpider(ArticleSpider):
    """Discovers articles through the source's feeds."""

    kind = "feed"

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.state: dict[str, Any] = {}
        #: Each feed's last ETag / Last-Modified (saved in the source's state).
        self.validators: dict[str, dict[str, str]] = {}
        #: Per feed: ``unstable`` (its guids change on each fetch) and ``last`` (:func:`remembered_entries`),
        #: saved in the source's state.
        self.shared_entries: dict[str, dict[str, Any]] = {}

    def start_requests_for(self) -> Iterable[Request]:
        self.state = self.ledger.state()
        self.validators = dict(self.state.get("feeds", {}))
        self.shared_entries = dict(self.state.get("shared_entries", {}))
        for url in self.source.urls:
            req = self.request(url, self.parse_feed, dont_filter=True, handle_status=[304],
                               headers=conditional_headers(self.validators.get(url, {})))
            if req is not None:
                yield req

    def parse_feed(self, response: Response, discovered: bool = False) -> Iterator:
        if response.status == 304:
            return  # unchanged since the last crawl (conditional GET): nothing to do
        self.remember_validators(response)
        leads, problem = parse_feed(response.body, response.url, response.headers.get("Content-Type", b"").decode("latin-1"),
                                    self.zone)
        if problem and not leads:
            advertised = advertised_feeds(response) if not discovered else []
            if advertised:
                # The URL is a web page that names its feed (feeds move): follow the first one.
                self.notes.append(f"{response.url} is not a feed; used the feed it advertises, {advertised[0]}: update the config")
                req = self.request(advertised[0], self.parse_feed, cb_kwargs={"discovered": True}, dont_filter=True)
                if req is not None:
                    yield req
                return
            self.ledger.error("parse", problem, response.url)
            return
        if problem:
            self.notes.append(f"{response.url}: {problem} (entries used)")
        yield from self.follow_entries(leads, response)

    def follow_entries(self, leads: list[ArticleLead], feed: Response) -> Iterator[Request | ItemRecord]:
        """Follow each entry's page, as any article's. Entries whose page other distinct entries share are items of
        their own, from the feed (:meth:`entry_addresses`), and their page is neither fetched nor stored: it holds
        every entry (stored once each already), often no text of its own (a home page, a live blog built by
        script); a page that older code stored under its plain id stays as it is. An entry stored as such an item stays
        so when the feed later lists it alone. Entries without a link (``no_link``, their lead the feed's address) are
        items from the feed so too, even one alone."""
        shared = shared_pages(leads) | {canonical_url(lead.url) for lead in leads if lead.meta.get("no_link")}
        address_of = self.entry_addresses(requested_url(feed), [lead for lead in leads if canonical_url(lead.url) in shared])
        addresses = [address_of(lead) for lead in leads]
        stored = self.ledger.known([item_id_for(address) for address in addresses])
        to_follow: list[ArticleLead] = []
        entries: dict[str, ArticleLead] = {}
        for lead, address in zip(leads, addresses):
            if canonical_url(lead.url) in shared:
                entries.setdefault(address, lead)
            elif item_id_for(address) not in stored:
                to_follow.append(lead)
        yield from self.follow(to_follow)
        yield from self.entry_items(entries, feed)

    def entry_addresses(self, feed_url: str, on_shared: list[ArticleLead]) -> Callable[[ArticleLead], str]:
        """How this fetch of a feed names its entries (:func:`entry_address`): by guid; once the feed is found to
        make new guids on each fetch (:func:`guids_unstable`, from then on), by the address the entry's title and
        text had at the last fetch, else by its title and text. Remembers this fetch's entries of shared pages."""
        known = self.shared_entries.get(feed_url, {})
        last, unstable = known.get("last", {}), bool(known.get("unstable"))
        if not unstable and guids_unstable(on_shared, last):
            unstable = True
            logger.info("%s: the feed %s gives its entries a new guid on each fetch: entries that share a page are "
                        "told apart by their title and text from now on", self.source.name, feed_url)

        def address_of(lead: ArticleLead) -> str:
            before = last.get(content_digest(lead)) if unstable else None
            return before[1] if before else entry_address(lead, by_guid=not unstable)

        self.remember_entries(feed_url, unstable, remembered_entries(on_shared, address_of))
        return address_of

    def remember_entries(self, feed_url: str, unstable: bool, last: dict[str, list[str]]) -> None:
        """Keep what the next crawl needs of this fetch of a feed (nothing for a feed without shared pages)."""
        kept = {**({"unstable": True} if unstable else {}), **({"last": last} if last else {})}
        if kept:
            self.shared_entries[feed_url] = kept
        else:
            self.shared_entries.pop(feed_url, None)

    def entry_items(self, entries: dict[str, ArticleLead], feed: Response) -> Iterator[ItemRecord]:
        """The items of entries of shared pages (address → entry) not stored yet, and of those stored with another
        title or text: edited since, stored as a new version."""
        records = [self.entry_item(lead, url, feed) for url, lead in entries.items()]
        new = set(self.unknown([record.url for record in records]))
        edited = self.ledger.changed({record.id: record.content_hash for record in records if record.url not in new})
        for record in records:
            if record.url in new or (record.id in edited and self.ledger.claim(record.id)):
                yield record

    def entry_item(self, lead: ArticleLead, url: str, feed: Response) -> ItemRecord:
        """An entry of a shared page, or without a link, as an item: its text is the feed's (the page holds the other
        entries too, and no re-check fetches its synthetic address), its snapshot the feed."""
        page = {} if lead.meta.get("no_link") else {"page_url": lead.url}
        return ItemRecord(
            source=self.source.name, url=url, kind="post", title=lead.title, text=lead.summary, author=lead.author,
            published_at=lead.published_at, lang=lead.lang or self.source.language, meta={**lead.meta, **page},
            raw=feed.body, content_type=content_type(feed),
        )

    def remember_validators(self, response: Response) -> None:
        """Keep the feed's ``ETag``/``Last-Modified`` so the next crawl asks "changed since?"."""
        url = requested_url(response)
        etag = (response.headers.get(b"ETag") or b"").decode("latin-1")
        modified = (response.headers.get(b"Last-Modified") or b"").decode("latin-1")
        if etag or modified:
            self.validators[url] = {k: v for k, v in (("etag", etag), ("last_modified", modified)) if v}
        else:
            self.validators.pop(url, None)

    def on_closed(self, reason: str) -> None:
        if self.ledger.totals["errors"] or self.budget_note or reason != "finished":
            # Something was left undone: the next crawl must read the feeds in full, not get a 304.
            self.validators = {}
        state = {**self.state, "feeds": self.validators, "shared_entries": self.shared_entries}
        if state != {"feeds": {}, "shared_entries": {}, **self.state}:
            self.ledger.save_state(state)


def requested_url(response: Response) -> str:
    """The feed's address as requested (the key of what the source's state keeps of it)."""
    return response.request.url if response.request is not None else response.url


def advertised_feeds(response: Response) -> list[str]:
    """Feeds an HTML page advertises with ``<link rel="alternate" type="application/rss+xml|atom+xml">``."""
    if not isinstance(response, TextResponse):
        return []
    hrefs = response.xpath(
        "//link[contains(concat(' ', normalize-space(@rel), ' '), ' alternate ')]"
        "[contains(@type, 'rss') or contains(@type, 'atom') or contains(@type, 'rdf')]/@href").getall()
    return [response.urljoin(h.strip()) for h in hrefs if h.strip()]


def conditional_headers(validators: dict[str, str]) -> dict[str, str]:
    """``If-None-Match``/``If-Modified-Since`` from a feed's last ``ETag``/``Last-Modified``."""
    headers = {}
    if validators.get("etag"):
        headers["If-None-Match"] = validators["etag"]
    if validators.get("last_modified"):
        headers["If-Modified-Since"] = validators["last_modified"]
    return headers
