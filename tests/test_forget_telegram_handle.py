"""``forget --author @handle`` reaches a Telegram channel's posts, though the store keeps them under the
channel's display name, a signer or a forward's origin, never the handle; a channel whose handle merely starts
the same is left alone."""

from __future__ import annotations

import pytest

from test_crawl_hardening import message
from test_export_support import add_item
from test_telegram_message_kinds import OWNER, crawl, forwarded, text
from tocsin.config import Settings
from tocsin.export.erasure import forget, preview, resolve_items, telegram_channel
from tocsin.store import connect, get_item, upsert_item
from tocsin.store.sources import ensure_source

NAME = "Базар гап | Bazar talk (demo)"


def plant(db) -> dict[str, str]:
    """Posts of @bazar_talk_demo under its display name (at t.me/…/N and t.me/s/…/N), a forward of one of them in
    another channel, and the posts of @bazar_talk_demo2 and of a site that only link to the channel."""
    own = {"channel": "bazar_talk_demo", "message_id": 1}
    return {
        "post": add_item(db, url="https://t.me/bazar_talk_demo/1", text="Zqx first post.", author=NAME, source="bazar",
                         meta=own),
        "preview": add_item(db, url="https://T.ME/s/Bazar_Talk_Demo/2", text="Zqx second post.", author="Signer Name",
                            source="bazar", meta={**own, "message_id": 2}),
        "old_name": add_item(db, url="https://telegram.me/bazar_talk_demo/3", text="Zqx third post.",
                             author="An earlier name", source="bazar"),
        "forward": add_item(db, url="https://t.me/other_chan/9", text="Zqx first post.", author=NAME, source="other",
                            meta={"channel": "other_chan", "forwarded_from": NAME,
                                  "forwarded_from_url": "https://t.me/bazar_talk_demo/1",
                                  "forwarded_from_channel": "bazar_talk_demo"}),
        "look_alike": add_item(db, url="https://t.me/bazar_talk_demo2/1", text="Another channel's post.",
                               author="Bazar talk 2", source="bazar2", meta={"channel": "bazar_talk_demo2"}),
        "forward_of_look_alike": add_item(db, url="https://t.me/other_chan/10", text="Forwarded from the other one.",
                                          author="Bazar talk 2", source="other",
                                          meta={"channel": "other_chan", "forwarded_from_channel": "bazar_talk_demo2",
                                                "forwarded_from_url": "https://t.me/bazar_talk_demo2/7"}),
        "linker": add_item(db, url="https://news.example.kg/bazar_talk_demo/4", text="See t.me/bazar_talk_demo/1.",
                           author="Desk", meta={"links": ["https://t.me/bazar_talk_demo/1"]}),
        "own_post_of_other": add_item(db, url="https://t.me/other_chan/11", text="Other channel's own words.",
                                      author="Other Channel", source="other", meta={"channel": "other_chan"}),
    }


@pytest.mark.parametrize("author", ["@bazar_talk_demo", "bazar_talk_demo", "@BAZAR_TALK_DEMO"])
def test_a_channels_posts_stored_under_its_display_name_are_erased_by_its_handle(fresh_db, author):
    ids = plant(fresh_db)
    erased = {"post", "preview", "old_name", "forward"}
    assert set(resolve_items(fresh_db, [author], [], [])) == {ids[k] for k in erased}
    summary = forget(fresh_db, Settings(), authors=[author])
    assert summary.items == len(erased)
    assert all(get_item(fresh_db, ids[k]) is None for k in erased)
    assert all(get_item(fresh_db, ids[k]) is not None for k in set(ids) - erased), \
        "@bazar_talk_demo2, a page that only links to the channel and the forwarding channel's own posts stay"


def test_a_handle_that_merely_starts_the_same_is_another_channel(fresh_db):
    ids = plant(fresh_db)
    assert set(resolve_items(fresh_db, ["@bazar_talk_demo2"], [], [])) == {ids["look_alike"], ids["forward_of_look_alike"]}
    assert resolve_items(fresh_db, ["@bazar_talk"], [], []) == []
    assert resolve_items(fresh_db, ["@other_chan"], [], []) == [ids["forward"], ids["forward_of_look_alike"],
                                                                ids["own_post_of_other"]]
    assert preview(fresh_db, authors=["Bazar talk"]).items == 0, "a name that is no handle is matched by name only"


def test_a_crawled_channel_is_erased_by_its_handle(fresh_db, tmp_path):
    for item in crawl(tmp_path, message(1, OWNER + text("Zqx words of the demo channel")),
                      message(2, OWNER + forwarded('<a class="tgme_widget_message_forwarded_from_name" '
                                                   'href="https://t.me/origin_chan/321"><span dir="auto">Origin</span></a>')
                              + text("Zqx words of the origin"))):
        ensure_source(fresh_db, item.source)
        upsert_item(fresh_db, item)
    assert fresh_db.execute("SELECT count(*) FROM items").fetchone()[0] == 2
    assert forget(fresh_db, Settings(), authors=["@origin_chan"]).items == 1, "its post, forwarded into demo_chan"
    assert forget(fresh_db, Settings(), authors=["@demo_chan"]).items == 1
    assert fresh_db.execute("SELECT count(*) FROM items").fetchone()[0] == 0


def test_cli_dry_run_counts_a_channel_by_its_handle(runner, db_path):
    from tocsin.cli import main

    db = connect(db_path)
    plant(db)
    db.close()
    dry = runner.invoke(main, ["--db", str(db_path), "forget", "--author", "@bazar_talk_demo", "--dry-run"])
    assert dry.exit_code == 0 and "4 stored items would be erased" in dry.output, dry.output


@pytest.mark.parametrize("url, channel", [
    ("https://t.me/Chan_name/12", "chan_name"), ("https://t.me/s/chan_name/12", "chan_name"),
    ("http://TELEGRAM.ME/chan_name/12?single", "chan_name"), ("https://www.t.me/chan_name/12", "chan_name"),
    ("https://t.me/s/chan_name", ""), ("https://t.me/c/12345/6", ""), ("https://nott.me/chan_name/12", ""),
    ("https://t.me/chan_name/12abc", ""), ("https://example.org/t.me/chan_name/12", ""), ("not a url", ""),
])
def test_the_channel_of_a_telegram_message_address(url, channel):
    assert telegram_channel(url) == channel
