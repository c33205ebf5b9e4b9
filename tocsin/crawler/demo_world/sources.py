"""The demo world's sources, as config would declare them (all enabled, private networks allowed)."""

from __future__ import annotations

from tocsin.config import SourceSettings
from tocsin.crawler.demo_world.content import FORUM, MICROBLOG, OSH_TIMES, TG_BAZAR, TG_SOUTH, VODIY_FEED, VODIY_SITEMAP

#: Comment selectors of the Osh Times article pages (a WordPress-like comment list).
COMMENT_SELECTORS = {
    "comment": "div.comment", "comment_text": "div.comment-body", "comment_author": "span.comment-author",
    "comment_date": "time::attr(datetime)", "comment_link": "a.comment-link::attr(href)",
}
FORUM_SELECTORS = {
    "item": "div.post", "text": "div.post-body", "author": "span.author", "date": "time::attr(datetime)",
    "link": "a.permalink::attr(href)", "next_page": "a.next::attr(href)",
}
MICROBLOG_FIELDS = {
    "items": "data.posts", "id": "id", "text": "body.text", "author": "user.handle", "date": "created_at",
    "url": "permalink", "next_cursor": "meta.next_cursor",
}


def demo_sources(base_url: str) -> list[SourceSettings]:
    """Sources for every site of a demo world served at ``base_url`` (see ``serve_demo_world``)."""
    base = base_url.rstrip("/")

    def src(name: str, kind: str, path: str, **kw) -> SourceSettings:
        return SourceSettings(name=name, kind=kind, urls=[base + path], enabled=True, allow_private_networks=True,
                              interval_minutes=kw.pop("interval_minutes", 10), **kw)

    return [
        src(OSH_TIMES, "feed", "/osh-times/rss.xml", selectors=dict(COMMENT_SELECTORS)),
        src(VODIY_FEED, "feed", "/vodiy/atom.xml"),
        src(VODIY_SITEMAP, "sitemap", "/vodiy/sitemap.xml", since_days=3650, interval_minutes=60),
        src(TG_SOUTH, "telegram", "/t.me/s/south_news_demo", interval_minutes=5),
        src(TG_BAZAR, "telegram", "/t.me/s/bazar_talk_demo", interval_minutes=5),
        src(FORUM, "listing", "/forum/", selectors=dict(FORUM_SELECTORS), interval_minutes=15),
        src(MICROBLOG, "json", "/api/timeline.json", fields=dict(MICROBLOG_FIELDS),
            pagination={"mode": "cursor", "param": "cursor"}, interval_minutes=15),
    ]
