"""Public Telegram channels through their preview pages (``https://t.me/s/<channel>``), no login.

Pages list messages oldest first; older ones come from ``?before=<id>``. A first crawl pages back
``since_days``; later crawls stop at the last message id seen (the source's resume state). A crawl cut
short by ``max_pages`` remembers the gap and fills it on the next crawl.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator
from urllib.parse import urlsplit, urlunsplit

from parsel import Selector, SelectorList
from scrapy import Request
from scrapy.http import Response

from tocsin.crawler.extract import clean_whitespace, normalise_date
from tocsin.crawler.items import ItemRecord
from tocsin.crawler.spiders.base import SourceSpider
from tocsin.urls import is_web_address, join_url

logger = logging.getLogger(__name__)
#: The message's own text: not the quote of the message it replies to, which has the same class (and
#: ``js-message_reply_text``) inside ``tgme_widget_message_reply``; the outer one where Telegram nests two.
OWN_TEXT = ('(.//div[has-class("tgme_widget_message_text")][not(has-class("js-message_reply_text"))]'
            '[not(ancestor::*[has-class("tgme_widget_message_reply")])])[1]')
#: A message id as t.me writes it in ``data-post``: ASCII digits, at most 15 (a larger one would become the
#: resume point and hide every real message after it).
MESSAGE_ID = re.compile(r"[0-9]{1,15}")


@dataclass
class ChannelMessage:
    """One message of a channel preview page. ``author`` is whose words ``text`` holds: for a forward the name it was
    forwarded from (the forwarding channel stays ``channel``), for a signed post its signer, else the channel's name."""

    channel: str
    id: int
    url: str
    text: str = ""
    published_at: str | None = None
    views: int | None = None
    forwarded_from: str = ""
    forwarded_from_url: str = ""   # the original message ('' when Telegram links none: a hidden account)
    author: str = ""
    edited: bool = False
    links: list[str] = field(default_factory=list)
    html: str = ""


@dataclass
class ChannelPage:
    messages: list[ChannelMessage]
    before: int | None  # the id to page back from, when older messages exist


def parse_count(text: str) -> int | None:
    """Telegram's view counts: ``987``, ``6.1K``, ``1.2M`` (also ``1,234`` and ``1 234`` with thousands
    separators, ``6,1K``); None for anything else, which costs only that message's count."""
    m = re.fullmatch(r"\s*(\d{1,3}(?:[,\u00a0 ]\d{3})+|\d+(?:[.,]\d+)?)\s*([KkMm]?)\s*", text or "")
    if not m:
        return None
    digits = m.group(1)
    number = float(re.sub(r"[,\u00a0 ]", "", digits) if re.search(r"[,\u00a0 ]\d{3}$", digits) and not m.group(2)
                   else digits.replace(",", "."))
    return int(round(number * {"": 1, "k": 1_000, "m": 1_000_000}[m.group(2).lower()]))


def channel_of(url: str) -> str:
    """The channel name of a ``…/s/<channel>`` preview URL."""
    parts = [p for p in urlsplit(url).path.split("/") if p]
    if "s" in parts and parts.index("s") + 1 < len(parts):
        return parts[parts.index("s") + 1]
    raise ValueError(f"{url}: not a channel preview URL; use https://t.me/s/<channel>")


def message_channel(url: str) -> str:
    """The channel of a message URL (``…/<channel>/<id>``, or ``…/s/<channel>/<id>``)."""
    parts = [p for p in urlsplit(url).path.split("/") if p]
    return parts[-2] if len(parts) >= 2 else ""


def page_url(url: str, before: int | None = None) -> str:
    """The preview page URL, optionally paged back to before message ``before``."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, f"before={before}" if before else "", ""))


def parse_channel_page(selector: Selector, url: str) -> ChannelPage:
    """Messages of a preview page (in page order) and where older ones are."""
    messages = []
    for node in selector.css("div.tgme_widget_message[data-post]"):
        post = node.attrib.get("data-post", "")
        channel, _, msg_id = post.rpartition("/")
        if not MESSAGE_ID.fullmatch(msg_id):   # ASCII digits of a real id: not "٣", not 20 digits
            continue
        if "service_message" in node.attrib.get("class", "").split():
            continue   # "Channel created", "Channel photo updated": Telegram's words, no one's post
        text_node = node.xpath(OWN_TEXT)
        words = clean_whitespace(_text_with_breaks(text_node[0])) if text_node else ""
        text = "\n".join(filter(None, [words, poll_text(node)]))
        href = node.css("a.tgme_widget_message_date::attr(href)").get() or ""
        own_url = join_url(url, href) if href else ""
        origin, origin_url = forward_origin(node, url)
        owner = joined_text(node.css(".tgme_widget_message_owner_name"))
        signer = joined_text(node.css(".tgme_widget_message_from_author"))
        messages.append(ChannelMessage(
            channel=channel, id=int(msg_id), url=own_url if is_web_address(own_url) else join_url(url, f"/{channel}/{msg_id}"),
            text=text, published_at=normalise_date(node.css("time::attr(datetime)").get(), where=url),
            views=parse_count(node.css(".tgme_widget_message_views::text").get() or ""),
            forwarded_from=origin, forwarded_from_url=origin_url, author=origin or signer or owner, edited=is_edited(node),
            links=[join_url(url, h) for h in (text_node[0].css("a::attr(href)").getall() if text_node else [])],
            html=node.get(),
        ))
    more = selector.css("a.tme_messages_more::attr(data-before)").get()
    before = int(more) if more and more.isdigit() else None
    if before is None and selector.css('link[rel="prev"]::attr(href)').get():
        m = re.search(r"before=(\d+)", selector.css('link[rel="prev"]::attr(href)').get())
        before = int(m.group(1)) if m else None
    return ChannelPage(messages, before)


#: Parts of a message's text that stand on lines of their own: a quote or a code block is not glued to the words
#: around it (Telegram writes no ``<br>`` between them).
BLOCKS = frozenset({"blockquote", "pre"})


def _text_with_breaks(node: Selector) -> str:
    """The text of ``node`` with its ``<br>`` as line breaks and each quote or code block on lines of its own."""
    parts: list[str] = []

    def walk(element: Any) -> None:
        if not isinstance(element.tag, str):
            return   # a comment or a processing instruction: no text of the message
        block = element.tag in BLOCKS
        parts.append("\n" if element.tag == "br" or block else "")
        parts.append(element.text or "")
        for child in element:
            walk(child)
            parts.append(child.tail or "")
        parts.append("\n" if block else "")

    walk(node.root)
    return "".join(parts)


def joined_text(nodes: Selector | SelectorList) -> str:
    """All the text in ``nodes``, joined by spaces, white space made single."""
    return clean_whitespace(" ".join(nodes.css("::text").getall()))


def forward_origin(node: Selector, base: str) -> tuple[str, str]:
    """Whose words a forwarded message holds: the name after "Forwarded from" and the link to the original
    message ('' when Telegram gives none); ``("", "")`` for a message of the channel's own."""
    origin = node.css(".tgme_widget_message_forwarded_from_name")
    if not origin:
        return "", ""
    href = origin[0].attrib.get("href", "")
    link = join_url(base, href) if href else ""
    return joined_text(origin), link if is_web_address(link) else ""


def is_edited(node: Selector) -> bool:
    """Whether the message's footer marks it ``edited`` (the word before its date)."""
    return any("edited" in t for t in node.xpath('.//*[has-class("tgme_widget_message_meta")]/text()').getall())


def poll_text(node: Selector) -> str:
    """A poll's question and options, a line each ('' when the message has no poll): a poll has no other text."""
    poll = node.css(".tgme_widget_message_poll")
    if not poll:
        return ""
    parts = poll.css(".tgme_widget_message_poll_question, .tgme_widget_message_poll_option_text")
    return "\n".join(line for line in map(joined_text, parts) if line)


def message_meta(msg: ChannelMessage, page: str) -> dict[str, Any]:
    """What an item of ``msg``, read on the channel page ``page``, records beside its text."""
    meta: dict[str, Any] = {"channel": msg.channel, "message_id": msg.id, "channel_url": page_url(page)}
    if msg.views is not None:
        meta["views"] = msg.views
    if msg.forwarded_from:   # for spread tracking: where the words come from (``author`` is that name too)
        meta["forwarded_from"] = msg.forwarded_from
    if msg.forwarded_from_url:
        meta["forwarded_from_url"] = msg.forwarded_from_url
        if origin := message_channel(msg.forwarded_from_url):
            meta["forwarded_from_channel"] = origin
    if msg.edited:
        meta["edited"] = True
    if msg.links:
        meta["links"] = msg.links
    return meta


def message_item(msg: ChannelMessage, source: str, language: str, url: str, meta: dict[str, Any]) -> ItemRecord:
    """The item of ``msg`` stored under ``url``."""
    return ItemRecord(
        source=source, url=url, kind="post", text=msg.text, author=msg.author or msg.channel,
        published_at=msg.published_at, lang=language, meta=meta,
        raw=msg.html.encode("utf-8"), content_type="text/html; charset=utf-8",
    )


class TelegramSpider(SourceSpider):
    """Pages back through each channel of the source until the last message seen (or ``since_days``)."""

    kind = "telegram"

    def check_config(self) -> None:
        for url in self.source.urls:
            channel_of(url)

    def start_requests_for(self) -> Iterable[Request]:
        self.state: dict[str, Any] = self.ledger.state()
        self.channels: dict[str, dict[str, Any]] = {}
        for url in self.source.urls:
            channel = channel_of(url)
            saved = self.state.get("channels", {}).get(channel, {})
            last_id = int(saved.get("last_id", 0))
            # A chain pages back from ``before`` to ``until``: the newest messages down to the last one
            # seen, and any gap an earlier crawl left open (cut short by max_pages, a failure, a timeout).
            chains = [("main", None, last_id)] + [
                (f"gap{i}", int(g["before"]), int(g["until"])) for i, g in enumerate(saved.get("gaps", []))]
            track: dict[str, Any] = {"last_id": last_id, "newest": None, "open": {}}
            self.channels[channel] = track
            for chain, before, until in chains:
                track["open"][chain] = (before, until)
                req = self.page_request(url, channel, chain, before, until)
                if req is not None:
                    yield req

    def page_request(self, url: str, channel: str, chain: str, before: int | None, stop_at: int) -> Request | None:
        """The page of ``channel`` before message ``before`` (None: the newest page)."""
        return self.request(page_url(url, before), self.parse_page, dont_filter=True,
                            cb_kwargs={"start_url": url, "channel": channel, "chain": chain, "stop_at": stop_at})

    def parse_page(self, response: Response, start_url: str, channel: str, chain: str, stop_at: int) -> Iterator:
        page = parse_channel_page(response.selector, response.url)
        track = self.channels[channel]
        ids = [m.id for m in page.messages]
        if not ids and not response.css(".tgme_channel_history"):
            # t.me answers a private channel, a group or a renamed channel with a page without history.
            self.ledger.error("parse", f"no public message history at {response.url}: is {channel!r} a public channel "
                                       "with previews on (a group, a private or a renamed channel has none)?", response.url)
            return
        if not ids and response.css("div.tgme_widget_message"):
            self.ledger.error("parse", f"{response.url} shows messages, but none could be read (no data-post): t.me's "
                                       "page layout may have changed; update tocsin", response.url)
            return
        if chain == "main" and track["newest"] is None:
            track["newest"] = max(ids) if ids else stop_at
        for msg in page.messages:
            if msg.text:  # a photo or a video without a caption has nothing to analyse
                yield self.item(msg, response)
        oldest = min(ids) if ids else None
        reached = oldest is None or oldest <= stop_at + 1 or page.before is None
        if not reached and stop_at == 0:  # a first crawl looks back since_days
            dates = [m.published_at for m in page.messages if m.published_at]
            reached = bool(dates) and min(dates) < self.since().isoformat(timespec="seconds")
        if reached:
            track["open"].pop(chain, None)
            return
        before = page.before or oldest
        track["open"][chain] = (before, stop_at)  # stays open if this request never completes
        req = self.page_request(start_url, channel, chain, before, stop_at)
        if req is not None:
            yield req

    def item(self, msg: ChannelMessage, response: Response) -> ItemRecord:
        return message_item(msg, self.source.name, self.source.language, msg.url, message_meta(msg, response.url))

    def on_closed(self, reason: str) -> None:
        """Move each channel's resume point to its newest message; every chain still open becomes a gap
        the next crawl fills. A channel with an item that could not be stored (the store stayed locked) keeps
        its old resume point: the next crawl reads its messages again; the other channels move on."""
        unsaved = {message_channel(url).casefold() for url in self.ledger.lost_urls}   # t.me/OshNews/1 of t.me/s/oshnews
        channels = dict(self.state.get("channels", {}))
        for channel, track in getattr(self, "channels", {}).items():
            if track["newest"] is None or channel.casefold() in unsaved:
                continue  # the newest page failed, or a message was not stored: keep the old state
            entry: dict[str, Any] = {"last_id": max(track["newest"], track["last_id"])}
            gaps = [{"before": b, "until": u} for b, u in track["open"].values() if b is not None]
            if gaps:
                entry["gaps"] = gaps
            channels[channel] = entry
        if channels:
            self.ledger.save_state({**self.state, "channels": channels})
