"""``forget`` gaps found in review: a name with no letter (a year) is refused rather than masked everywhere, other items' raw
pages are read in their own encoding, and feed sources' crawl state forgets the erased items."""

from __future__ import annotations

import json

import pytest

from test_export_support import add_item
from tocsin.config import Settings
from tocsin.export.erasure import ErasureError, forget
from tocsin.store import connect, get_item

VICTIM = "Бахтияр_77"
VICTIM_TEXT = "Бахтияр пишет: все соседи из нижнего квартала должны уехать из города до праздника."
OTHER_TEXT = "Спокойная заметка о ценах на рынке, ничего особенного, обычный день в городе."


def snapshot_count(db) -> int:
    return db.execute("SELECT count(*) FROM snapshots").fetchone()[0]


def test_a_name_with_no_item_of_its_own_is_masked_where_mentioned_and_nothing_else_is(fresh_db):
    """A person mentioned in others' posts can be erased too; the year beside the name stays."""
    text = "In 2010 Nobody_77 wrote about the market, as Nobody_77 does."
    other = add_item(fresh_db, url="https://news.example/a", text=text, author="Desk")
    summary = forget(fresh_db, Settings(), authors=["Nobody_77"])
    assert summary.items == 0 and summary.mentions_masked >= 1
    assert get_item(fresh_db, other)["text"] == text.replace("Nobody_77", "█" * len("Nobody_77"))


@pytest.mark.parametrize("name", ["2010", "@", "@@", " 12-04 ", "#"])
def test_a_name_with_no_letter_is_refused(fresh_db, name):
    add_item(fresh_db, url="https://news.example/a", text="Since 2010 @ the market.", author="2010", raw=b"<p>2010</p>")
    with pytest.raises(ErasureError, match="has no letter in it, so it names no one.*--author @handle"):
        forget(fresh_db, Settings(), authors=[name])
    assert snapshot_count(fresh_db) == 1


def test_cli_refuses_a_name_with_no_letter_and_counts_what_else_goes(runner, db_path):
    from tocsin.cli import main

    db = connect(db_path)
    add_item(db, url="https://t.me/s/chan/1", text=OTHER_TEXT + " 2010", author="@desk", source="chan", raw=b"<p>2010</p>")
    add_item(db, url="https://t.me/s/chan/2", text=VICTIM_TEXT, author=VICTIM, source="chan")
    add_item(db, url="https://t.me/s/chan/3", text=f"Reply to {VICTIM}: stop it.", author="@other", source="chan",
             raw=f"<p>{VICTIM_TEXT}</p>".encode())
    db.close()
    refused = runner.invoke(main, ["--db", str(db_path), "forget", "--author", "2010", "--yes"])
    assert refused.exit_code == 2 and "'2010' has no letter in it" in refused.output and "erased" not in refused.output
    dry = runner.invoke(main, ["--db", str(db_path), "forget", "--author", VICTIM, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert ("1 stored items would be erased (also 1 other items' raw snapshots quoting them dropped; the names masked "
            "in 1 other items); nothing erased (dry run)") in dry.output
    asked = runner.invoke(main, ["--db", str(db_path), "forget", "--author", VICTIM], input="n\n")
    assert asked.exit_code == 1 and "erase 1 stored items (also 1 other items' raw snapshots" in asked.output
    nothing = runner.invoke(main, ["--db", str(db_path), "forget", "--author", "Nobody_77", "--dry-run"])
    assert "0 stored items would be erased" in nothing.output
    done = runner.invoke(main, ["--db", str(db_path), "forget", "--author", "Nobody_77", "--yes"])
    assert done.exit_code == 0 and "erased: nothing" in done.output


def json_escaped(text: str) -> str:
    """``text`` as a JSON API sends it: every character beyond ASCII escaped."""
    return json.dumps(text, ensure_ascii=True)


@pytest.mark.parametrize("encode", [
    lambda html: html.encode("cp1251"),
    lambda html: html.encode("utf-16"),          # with a byte-order mark
    lambda html: html.encode("utf-16-le"),       # without one
    lambda html: ('{"comments": [' + json_escaped(html) + "]}").encode("ascii"),
], ids=["windows-1251", "utf-16", "utf-16-le", "json-escaped"])
def test_another_items_snapshot_in_any_encoding_that_quotes_the_erased_text_is_dropped(fresh_db, encode):
    add_item(fresh_db, url="https://news.example/c/1", text=VICTIM_TEXT, author=VICTIM)
    article = f"<html><body><p>{OTHER_TEXT}</p><div class='comment'>{VICTIM}: {VICTIM_TEXT}</div></body></html>"
    add_item(fresh_db, url="https://news.example/article", text=OTHER_TEXT, author="Редакция", raw=encode(article))
    kept = add_item(fresh_db, url="https://news.example/other", text=OTHER_TEXT + " Ещё.", author="Редакция",
                    raw=encode(f"<html><body><p>{OTHER_TEXT}</p></body></html>"))
    summary = forget(fresh_db, Settings(), authors=[VICTIM])
    assert summary.items == 1 and summary.snapshots == 1 and snapshot_count(fresh_db) == 1
    assert fresh_db.execute("SELECT snapshot_sha256 FROM item_versions WHERE item_id = ?", [kept]).fetchone()[0]


def test_a_feed_sources_crawl_state_forgets_the_erased_entry_and_keeps_the_rest(fresh_db):
    victim_url = "http://demo.example/live?tocsin_item=d6d2bba6e2c67ed4"
    kept_url = "http://demo.example/live?tocsin_item=0123456789abcdef"
    victim = add_item(fresh_db, url=victim_url, text=VICTIM_TEXT, author=VICTIM, source="live")
    add_item(fresh_db, url=kept_url, text=OTHER_TEXT, author="Desk", source="live")
    state = {"feeds": {"http://demo.example/feed.xml": {"etag": "\"abc\""}},
             "shared_entries": {"http://demo.example/feed.xml": {"unstable": True, "last": {
                 "40f5af5ef8f81d02": ["d6d2", victim_url], "1111111111111111": ["0123", kept_url]}},
                 "http://demo.example/only-victim.xml": {"last": {"2222222222222222": ["", victim_url]}}},
             "other": 7}
    fresh_db.execute("UPDATE sources SET state = ? WHERE name = 'live'", [json.dumps(state)])
    fresh_db.conn.commit()
    summary = forget(fresh_db, Settings(), item_ids=[victim])
    (saved,) = fresh_db.execute("SELECT state FROM sources WHERE name = 'live'").fetchone()
    assert summary.source_states == 1 and "d6d2bba6e2c67ed4" not in saved and "40f5af5ef8f81d02" not in saved
    assert json.loads(saved) == {**state, "shared_entries": {"http://demo.example/feed.xml": {
        "unstable": True, "last": {"1111111111111111": ["0123", kept_url]}}}}
