"""The demo world's content: the bundled, labelled texts, placed in time relative to the server's start.

All outlets, people and events are fictional (see ``data/README.md``). Each text is a :class:`DemoText`
whose ``expected`` label says whether tocsin should flag it, so end-to-end checks can compare.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from importlib import resources
from typing import Any

logger = logging.getLogger(__name__)

#: Names of the demo sources, as in the starter config and :func:`demo_sources`.
OSH_TIMES, VODIY_FEED, VODIY_SITEMAP = "demo-osh-times", "demo-vodiy-news", "demo-vodiy-sitemap"
TG_SOUTH, TG_BAZAR, FORUM, MICROBLOG = "demo-tg-south", "demo-tg-bazar", "demo-forum", "demo-microblog"
TELEGRAM_SOURCES = {"south_news_demo": TG_SOUTH, "bazar_talk_demo": TG_BAZAR}


@dataclass(frozen=True)
class DemoText:
    """One labelled text of the demo world and where it is served.

    :param path: the canonical path (and query) under the server's base URL.
    :param expected: ``incitement`` (should be flagged) or ``ok`` (must not be).
    """

    key: str
    source: str
    kind: str
    path: str
    lang: str
    title: str
    text: str
    author: str
    minutes_ago: int
    category: str
    expected: str
    target: str = ""
    place: str = ""
    copy_of: str = ""

    def url(self, base_url: str) -> str:
        """The text's canonical URL on a server at ``base_url``."""
        return base_url.rstrip("/") + self.path


@lru_cache(maxsize=None)
def load_data(name: str) -> dict[str, Any]:
    """One bundled data file (``data/<name>.json``), parsed."""
    text = resources.files("tocsin.crawler.demo_world").joinpath("data", f"{name}.json").read_text(encoding="utf-8")
    return json.loads(text)


def labels(entry: dict[str, Any]) -> dict[str, Any]:
    """The label fields of one data entry."""
    return {
        "lang": entry["lang"], "minutes_ago": int(entry["minutes_ago"]), "category": entry["category"],
        "expected": entry["expected"], "target": entry.get("target", ""), "place": entry.get("place", ""),
        "copy_of": entry.get("copy_of", ""),
    }


def article_path(site: str, slug: str) -> str:
    """Where an article of a demo news site is served."""
    return f"/osh-times/news/{slug}.html" if site == "osh_times" else f"/vodiy/article/{slug}"


def all_texts() -> list[DemoText]:
    """Every labelled text of the demo world, with the source that stores it and its canonical path."""
    texts: list[DemoText] = []
    for site, source in (("osh_times", OSH_TIMES), ("vodiy", VODIY_FEED)):
        data = load_data(site)
        feed_size = data["site"].get("feed_size", len(data["articles"]))
        for i, art in enumerate(data["articles"]):
            path = article_path(site, art["slug"])
            texts.append(DemoText(
                key=f"{site}/{art['slug']}", source=source if i < feed_size else VODIY_SITEMAP, kind="article",
                path=path, title=art["title"], text="\n\n".join(art["paragraphs"]), author=art["author"], **labels(art),
            ))
            for com in art.get("comments", []):
                texts.append(DemoText(
                    key=f"{site}/{art['slug']}/comment-{com['id']}", source=source, kind="comment",
                    path=f"{path}?replytocom={com['id']}", title="", text=com["text"], author=com["author"], **labels(com),
                ))
    for channel, spec in load_data("telegram")["channels"].items():
        for msg in spec["messages"]:
            texts.append(DemoText(
                key=f"tg/{channel}/{msg['id']}", source=TELEGRAM_SOURCES[channel], kind="post",
                path=f"/t.me/{channel}/{msg['id']}", title="", text=msg["text"], author=spec["title"], **labels(msg),
            ))
    for post in load_data("forum")["posts"]:
        texts.append(DemoText(
            key=f"forum/{post['id']}", source=FORUM, kind="post", path=f"/forum/viewtopic.php?p={post['id']}",
            title=post["thread"], text=post["text"], author=post["author"], **labels(post),
        ))
    for post in load_data("microblog")["posts"]:
        texts.append(DemoText(
            key=f"chirp/{post['id']}", source=MICROBLOG, kind="post", path=f"/chirp/{post['user']}/status/{post['id']}",
            title="", text=post["text"], author=post["user"], **labels(post),
        ))
    return texts


@dataclass
class TelegramMessage:
    """A message as the channel preview shows it (mutable: the demo can edit, add and delete)."""

    id: int
    text: str
    at: datetime
    views: int = 0
    forwarded_from: str = ""
    links: list[str] = field(default_factory=list)


class WorldState:
    """The live state of one running demo world: times, deletions and added messages.

    Thread-safe; tests use :meth:`remove`, :meth:`remove_message` and :meth:`add_message` to play a
    source that edits and deletes.
    """

    def __init__(self, now: datetime | None = None, scale: int = 0):
        self.started = now or datetime.now(timezone.utc).replace(microsecond=0)
        self.scale = scale
        self.lock = threading.Lock()
        self.removed_paths: set[str] = set()
        self.edits: dict[str, list[str]] = {}
        self.channels: dict[str, list[TelegramMessage]] = {}
        for channel, spec in load_data("telegram")["channels"].items():
            self.channels[channel] = [
                TelegramMessage(id=m["id"], text=m["text"], at=self.at(m["minutes_ago"]), views=m.get("views", 0),
                                forwarded_from=m.get("forwarded_from", ""), links=list(m.get("links", [])))
                for m in spec["messages"]
            ]

    def at(self, minutes_ago: int) -> datetime:
        """The moment ``minutes_ago`` minutes before the world started."""
        return self.started - timedelta(minutes=minutes_ago)

    def remove(self, path: str) -> None:
        """Make a page answer 410 Gone from now on."""
        with self.lock:
            self.removed_paths.add(path)

    def is_removed(self, path: str) -> bool:
        with self.lock:
            return path in self.removed_paths

    def edit_article(self, slug: str, paragraphs: list[str]) -> None:
        """Replace an article's text (a site that edits a story after publishing)."""
        with self.lock:
            self.edits[slug] = list(paragraphs)

    def article(self, article: dict[str, Any]) -> dict[str, Any]:
        """An article as currently published (with any edit)."""
        with self.lock:
            edited = self.edits.get(article["slug"])
        return {**article, "paragraphs": edited} if edited else article

    def remove_message(self, channel: str, message_id: int) -> None:
        """Delete a message from a channel."""
        with self.lock:
            self.channels[channel] = [m for m in self.channels[channel] if m.id != message_id]

    def add_message(self, channel: str, text: str, *, views: int = 0) -> int:
        """Post a new message to a channel; returns its id."""
        with self.lock:
            msgs = self.channels[channel]
            new_id = (max(m.id for m in msgs) if msgs else 0) + 1
            msgs.append(TelegramMessage(id=new_id, text=text, at=datetime.now(timezone.utc).replace(microsecond=0), views=views))
            return new_id

    def messages(self, channel: str) -> list[TelegramMessage]:
        """A channel's messages, oldest first (a copy)."""
        with self.lock:
            return sorted(self.channels.get(channel, []), key=lambda m: m.id)
