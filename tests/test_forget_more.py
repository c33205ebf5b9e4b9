"""``forget`` reaches further: a Telegram channel named by its handle has its display name masked where other items
mention it, and an address at which no item is stored gets a tombstone so that a later crawl does not store it."""

from __future__ import annotations

import json

from test_crawl_hardening import message
from test_export_support import add_item
from test_telegram_message_kinds import OWNER, crawl, forwarded, text
from tocsin.config import Settings
from tocsin.export.erasure import MASK, forget, preview
from tocsin.store import connect, get_item, upsert_item
from tocsin.store.items import ItemRecord
from tocsin.store.sources import ensure_source, record_crawl_error
from tocsin.urls import canonical_url

DISPLAY_NAME = "Базар гап | Bazar talk (demo)"
ORIGIN = ('<a class="tgme_widget_message_forwarded_from_name" href="https://t.me/origin_chan/321">'
          '<span>Origin Desk</span></a>')


def masked(value: str, name: str) -> str:
    return value.replace(name, MASK * len(name))


def store_crawl(db, tmp_path, *messages: str) -> None:
    for item in crawl(tmp_path, *messages):
        ensure_source(db, item.source)
        upsert_item(db, item)


def test_a_crawled_channels_display_name_is_masked_where_others_mention_it_and_nothing_else_is(fresh_db, tmp_path):
    """The name is read from the owner line of the channel's own raw pages; the origin of a post it forwarded is
    another person, whose name stays."""
    store_crawl(fresh_db, tmp_path, message(1, OWNER + text("Zqx words of the demo channel")),
                message(2, OWNER + forwarded(ORIGIN) + text("Zqx words of the origin")))
    said = "As Demo Channel wrote, and Origin Desk repeated, prices rose."
    other = add_item(fresh_db, url="https://news.example.kg/a/1", text=said, author="Desk")
    assert preview(fresh_db, authors=["@demo_chan"]).other_items_mentioning == 1
    assert forget(fresh_db, Settings(), authors=["@demo_chan"]).items == 2
    assert get_item(fresh_db, other)["text"] == masked(said, "Demo Channel")


def test_a_display_name_known_from_forwards_of_the_channel_is_masked(fresh_db):
    forward = {"channel": "other_chan", "forwarded_from": DISPLAY_NAME, "forwarded_from_channel": "bazar_talk_demo",
               "forwarded_from_url": "https://t.me/bazar_talk_demo/1"}
    add_item(fresh_db, url="https://t.me/other_chan/9", text="Zqx first post.", author=DISPLAY_NAME, source="other",
             meta=forward)
    said = f"Reposted from {DISPLAY_NAME} today."
    other = add_item(fresh_db, url="https://news.example.kg/a/2", text=said, author="Desk")
    summary = forget(fresh_db, Settings(), authors=["@bazar_talk_demo"])
    assert summary.items == 1 and summary.mentions_masked >= 1
    assert get_item(fresh_db, other)["text"] == masked(said, DISPLAY_NAME)


def test_cli_dry_run_counts_the_display_names_mentions(runner, db_path, tmp_path):
    from tocsin.cli import main

    db = connect(db_path)
    store_crawl(db, tmp_path, message(1, OWNER + text("Zqx words of the demo channel")))
    add_item(db, url="https://news.example.kg/a/3", text="Demo Channel says so.", author="Desk")
    db.close()
    dry = runner.invoke(main, ["--db", str(db_path), "forget", "--author", "@demo_chan", "--dry-run"])
    expected = "1 stored items would be erased (also the names masked in 1 other items)"
    assert dry.exit_code == 0 and expected in dry.output, dry.output


BLOCKED_URL = "https://news.example.kg/story/77?id=3"


def record(url: str) -> ItemRecord:
    return ItemRecord(source="test", url=url, title="A story", text="Zqx text of a story not yet crawled.",
                      author="Someone", raw=b"<html>Zqx text of a story not yet crawled.</html>")


def test_an_address_with_no_stored_item_gets_a_tombstone_that_names_nothing(fresh_db):
    kept = add_item(fresh_db, url="https://news.example.kg/story/78", text="Kept story.", author="Desk")
    summary = forget(fresh_db, Settings(), urls=[BLOCKED_URL, BLOCKED_URL + "#top"])
    assert summary.items == 0 and summary.unstored_urls_blocked == 1
    assert upsert_item(fresh_db, record(BLOCKED_URL + "&utm_source=feed")) == "erased", "compared as the crawler does"
    assert upsert_item(fresh_db, record("https://news.example.kg/story/77?id=4")) == "new"
    assert get_item(fresh_db, kept) is not None
    cells = " ".join(str(cell) for row in fresh_db.execute("SELECT * FROM erased_items") for cell in row)
    assert "news.example" not in cells and canonical_url(BLOCKED_URL) not in cells


def test_only_the_addresses_with_no_stored_item_count_as_blocked(fresh_db):
    add_item(fresh_db, url="https://news.example.kg/story/78", text="Stored story.", author="Desk")
    summary = forget(fresh_db, Settings(), urls=[BLOCKED_URL, "https://news.example.kg/story/78"])
    assert (summary.items, summary.unstored_urls_blocked) == (1, 1)
    assert fresh_db.execute("SELECT count(*) FROM erased_items").fetchone()[0] == 2


def test_cli_says_plainly_that_an_address_with_no_stored_item_is_blocked(runner, db_path):
    from tocsin.cli import main

    connect(db_path).close()
    args = ["--db", str(db_path), "forget", "--url", BLOCKED_URL]
    dry = runner.invoke(main, [*args, "--dry-run"])
    blocked = ("1 address at which no item is stored blocked by a tombstone, so that a later crawl does not store "
               "an item there")
    assert dry.exit_code == 0 and blocked in dry.output and "nothing erased (dry run)" in dry.output, dry.output
    db = connect(db_path)
    assert db.execute("SELECT count(*) FROM erased_items").fetchone()[0] == 0, "a dry run leaves no tombstone"
    db.close()
    done = runner.invoke(main, [*args, "--yes"])
    assert done.exit_code == 0 and blocked in done.output, done.output
    db = connect(db_path)
    assert upsert_item(db, record(BLOCKED_URL)) == "erased"
    db.close()


def test_an_address_with_no_stored_item_leaves_the_crawl_state_and_crawl_errors_too(fresh_db):
    """A feed entry whose page failed is in the feed's crawl state and in a crawl error, though no item was stored."""
    state = {"shared_entries": {"https://news.example.kg/feed.xml": {"last": {
        "40f5af5ef8f81d02": ["d6d2", BLOCKED_URL], "1111111111111111": ["0123", "https://news.example.kg/story/78"]}}}}
    fresh_db.execute("UPDATE sources SET state = ? WHERE name = 'test'", [json.dumps(state)])
    record_crawl_error(fresh_db, None, "test", "http_500", "server error", url=canonical_url(BLOCKED_URL))
    fresh_db.conn.commit()
    summary = forget(fresh_db, Settings(), urls=[BLOCKED_URL])
    (saved,) = fresh_db.execute("SELECT state FROM sources WHERE name = 'test'").fetchone()
    assert (summary.source_states, summary.crawl_errors) == (1, 1)
    assert "story/77" not in saved and "40f5af5ef8f81d02" not in saved and "story/78" in saved
    assert fresh_db.execute("SELECT count(*) FROM crawl_errors").fetchone()[0] == 0
