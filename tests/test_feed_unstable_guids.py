"""Entries of a shared page (a live blog's ``/live#p1``, ``/live#p2``) keep one item each across crawls, also when
the feed gives them a fresh random guid on every fetch (badly written CMS plugins); a feed whose guids are stable
keeps keying by guid, so an edited entry stays one item with a new version."""

from __future__ import annotations

import logging
import uuid

from scrapy.http import XmlResponse

from test_crawl_parsing import BASE, make_spider, split
from tocsin.crawler.spiders import FeedSpider
from tocsin.crawler.spiders.articles import ArticleLead
from tocsin.crawler.spiders.feed import guids_unstable, remembered_entries
from tocsin.store.items import item_versions

FEED = f"{BASE}/start"


def rss(*items: str) -> str:
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Ош</title>{"".join(items)}</channel></rss>'


def live(n: int, guid: str | None = None, text: str = "") -> str:
    """An entry of a live blog: the blog's page with ``#p<n>``; its guid random unless given."""
    return (f"<item><title>Update {n}</title><link>{BASE}/live#p{n}</link>"
            f"<guid isPermaLink='false'>{guid or uuid.uuid4()}</guid>"
            f"<description>{text or f'Text of update {n}'}</description></item>")


def article(n: int) -> str:
    return (f"<item><title>Article {n}</title><link>{BASE}/a/{n}</link><guid isPermaLink='false'>{uuid.uuid4()}</guid>"
            f"<description>Summary {n}</description></item>")


def crawl(tmp_path, *entries: str) -> tuple[list[str], list]:
    """One crawl of the source's feed, its items stored and its state saved as the engine would: the URLs it
    requests and the items it stores."""
    spider = make_spider(FeedSpider, tmp_path)
    (request,) = list(spider.start_requests_for())
    response = XmlResponse(url=request.url, body=rss(*entries).encode(), encoding="utf-8", request=request)
    requests, items = split(spider.parse_feed(response))
    for record in items:
        spider.ledger.save(record)
    spider.closed("finished")
    return [r.url for r in requests], items


def stored_posts(tmp_path) -> list[tuple[str, str]]:
    spider = make_spider(FeedSpider, tmp_path)
    rows = spider.ledger.store.execute("SELECT id, title FROM items WHERE kind = 'post' ORDER BY title").fetchall()
    spider.ledger.close()
    return [tuple(r) for r in rows]


def feed_state(tmp_path) -> dict:
    spider = make_spider(FeedSpider, tmp_path)
    state = spider.ledger.state()
    spider.ledger.close()
    return state.get("shared_entries", {}).get(FEED, {})


def test_entries_with_a_new_random_guid_on_every_fetch_are_stored_once(tmp_path):
    _, first = crawl(tmp_path, live(3), live(2), live(1), article(7))
    assert len(first) == 3
    for _ in range(3):   # the same entries, each fetch with fresh guids: nothing new
        urls, items = crawl(tmp_path, live(3), live(2), live(1), article(7))
        assert items == [] and urls == [f"{BASE}/a/7"]   # the article is keyed by its URL, as before
    _, newer = crawl(tmp_path, live(4), live(3), live(2), live(1), article(7))
    assert [i.title for i in newer] == ["Update 4"]
    posts = stored_posts(tmp_path)
    assert [title for _, title in posts] == ["Update 1", "Update 2", "Update 3", "Update 4"]
    assert {i.id for i in first} < {item_id for item_id, _ in posts}   # the first crawl's ids kept


def test_unstable_guids_are_logged_once_naming_the_feed(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="tocsin.crawler.spiders.feed")
    crawl(tmp_path, live(2), live(1))
    assert not feed_state(tmp_path).get("unstable")
    for _ in range(3):
        crawl(tmp_path, live(2), live(1))
    found = [r for r in caplog.records if "guid" in r.getMessage()]
    assert len(found) == 1 and found[0].levelno == logging.INFO and FEED in found[0].getMessage()
    assert feed_state(tmp_path)["unstable"] is True


def test_unstable_guids_are_remembered_across_crawls(tmp_path):
    crawl(tmp_path, live(2), live(1))
    crawl(tmp_path, live(3), live(2), live(1))   # found unstable here; entry 3 is keyed by its title and text
    crawl(tmp_path, live(5), live(4))   # entry 3 drops out of the feed: the last fetch no longer holds it
    crawl(tmp_path, live(5), live(4))
    _, items = crawl(tmp_path, live(5), live(3))   # back, with yet another guid: still known by its title and text
    assert items == []
    assert [title for _, title in stored_posts(tmp_path)] == [f"Update {n}" for n in (1, 2, 3, 4, 5)]
    assert feed_state(tmp_path)["unstable"] is True


def test_an_edited_entry_of_a_feed_with_stable_guids_is_one_item_with_two_versions(tmp_path):
    _, first = crawl(tmp_path, live(3, "g-3"), live(2, "g-2"), live(1, "g-1"))
    assert crawl(tmp_path, live(3, "g-3"), live(2, "g-2"), live(1, "g-1")) == ([], [])   # unchanged: nothing stored
    _, edited = crawl(tmp_path, live(3, "g-3"), live(2, "g-2", text="Text of update 2, corrected"), live(1, "g-1"))
    assert [i.id for i in edited] == [first[1].id] and edited[0].text == "Text of update 2, corrected"
    assert len(stored_posts(tmp_path)) == 3
    spider = make_spider(FeedSpider, tmp_path)
    versions = item_versions(spider.ledger.store, first[1].id)
    spider.ledger.close()
    assert [v["text"] for v in versions] == ["Text of update 2", "Text of update 2, corrected"]
    assert not feed_state(tmp_path).get("unstable")   # the guids stayed: still keyed by guid


def test_a_feed_of_all_new_entries_is_not_taken_for_unstable_guids(tmp_path):
    crawl(tmp_path, live(2, "g-2"), live(1, "g-1"))
    crawl(tmp_path, live(4, "g-4"), live(3, "g-3"))   # new entries, new guids: a busy live blog, no more
    crawl(tmp_path, live(5, "g-5"), live(4, "g-4"), live(3, "g-3"))
    assert not feed_state(tmp_path).get("unstable")
    assert len(stored_posts(tmp_path)) == 5


def test_only_the_last_fetch_of_shared_entries_is_remembered(tmp_path):
    crawl(tmp_path, live(3), live(2), live(1))
    crawl(tmp_path, live(5), live(4))
    assert len(feed_state(tmp_path)["last"]) == 2
    crawl(tmp_path, article(7))   # no shared page left: nothing to remember but the finding
    assert "last" not in feed_state(tmp_path)


def lead(n: int, guid: str) -> ArticleLead:
    return ArticleLead(url=f"{BASE}/live#p{n}", title=f"Update {n}", summary=f"Text {n}", meta={"guid": guid})


def test_guids_are_unstable_when_the_same_entries_come_back_with_other_guids():
    last = remembered_entries([lead(1, "a"), lead(2, "b"), lead(3, "c")], lambda lead: lead.url)
    assert guids_unstable([lead(1, "x"), lead(2, "y"), lead(3, "z")], last)
    assert not guids_unstable([lead(1, "a"), lead(2, "b"), lead(3, "z")], last)   # one guid changed: an edit
    assert not guids_unstable([lead(1, "x")], last)   # one entry is too little to tell
    assert not guids_unstable([lead(4, "x"), lead(5, "y")], last)   # other entries: nothing to compare
    assert not guids_unstable([lead(1, "x"), lead(2, "y")], {})   # no earlier fetch
