"""The store: migrations, upserts with versions, reviews kept, hostile full-text queries."""

from __future__ import annotations

import random
import sqlite3

import pytest

from tocsin.store import ItemRecord, connect, get_item, item_versions, search_item_ids, upsert_item
from tocsin.store.items import read_snapshot
from tocsin.store.migrations import MIGRATIONS, apply_migrations
from tocsin.store.sources import ensure_source


def test_migrations_apply_once_and_are_idempotent(db_path):
    db = connect(db_path)
    applied = [r[0] for r in db.execute("SELECT name FROM migrations")]
    assert applied == [m.__name__ for m in MIGRATIONS]
    assert apply_migrations(db) == []
    db.close()
    db = connect(db_path)  # reopening applies nothing and keeps the schema
    assert db.execute("SELECT count(*) FROM migrations").fetchone()[0] == len(MIGRATIONS)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_failed_migration_rolls_back_whole(db_path, monkeypatch):
    import tocsin.store.migrations as migrations

    def m999_broken(db):
        db.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("boom")

    monkeypatch.setattr(migrations, "MIGRATIONS", [*MIGRATIONS, m999_broken])
    with pytest.raises(RuntimeError):
        connect(db_path)
    raw = sqlite3.connect(db_path)
    assert raw.execute("SELECT count(*) FROM sqlite_master WHERE name = 'half_done'").fetchone()[0] == 0
    assert raw.execute("SELECT count(*) FROM migrations").fetchone()[0] == len(MIGRATIONS)


def test_another_programs_database_or_a_non_database_is_refused_and_left_untouched(tmp_path, runner):
    from tocsin.cli import main
    from tocsin.store.db import DatabaseUnusable

    theirs = tmp_path / "theirs.db"
    conn = sqlite3.connect(theirs)
    conn.execute("CREATE TABLE items (x)")
    conn.commit()
    conn.close()
    laravel = tmp_path / "laravel.db"     # another program's own "migrations" table
    conn = sqlite3.connect(laravel)
    conn.execute("CREATE TABLE migrations (id INTEGER PRIMARY KEY, migration TEXT, batch INTEGER)")
    conn.commit()
    conn.close()
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all\n" * 100)
    before = {p: p.read_bytes() for p in (theirs, laravel, junk)}
    with pytest.raises(DatabaseUnusable, match=r"another program's SQLite database \(tables: items\)"):
        connect(theirs)
    with pytest.raises(DatabaseUnusable, match=r"another program's SQLite database \(tables: migrations\)"):
        connect(laravel)
    blocker = tmp_path / "a-file"        # --db a-file/t.db: the folder to create is a file
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(DatabaseUnusable, match=r"cannot open the database .*a-file.*check that the file and its folder"):
        connect(blocker / "t.db")
    with pytest.raises(DatabaseUnusable, match=r"not a tocsin database \(file is not a database\)"):
        connect(junk)
    result = runner.invoke(main, ["--db", str(theirs), "status"])
    assert result.exit_code == 2 and "leaves it untouched" in result.output
    assert {p: p.read_bytes() for p in (theirs, laravel, junk)} == before and not list(tmp_path.glob("*-wal"))


def test_damage_found_after_the_store_opened_is_one_message_saying_what_to_do(tmp_path, runner):
    from tocsin.cli import main

    assert runner.invoke(main, ["init", str(tmp_path)]).exit_code == 0
    conn = sqlite3.connect(tmp_path / "tocsin.db")
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'alerts'").fetchone()[0]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    with open(tmp_path / "tocsin.db", "r+b") as f:   # the table's root page zeroed: no page type SQLite knows
        f.seek((root - 1) * page_size)
        f.write(b"\x00" * page_size)
    result = runner.invoke(main, ["--db", str(tmp_path / "tocsin.db"), "alert", "list"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "the store is damaged (database disk image is malformed): stop the daemon, copy the database file" in result.output
    assert ".recover" in result.output


def test_item_id_is_hash_of_canonical_url(fresh_db):
    a = ItemRecord(source="test", url="https://News.example.kg/a?utm_source=tg&id=3#comments", title="t", text="x")
    b = ItemRecord(source="test", url="https://news.example.kg/a?id=3", title="t", text="x")
    assert a.id == b.id
    assert upsert_item(fresh_db, a) == "new"
    assert upsert_item(fresh_db, b) == "unchanged"
    assert fresh_db.execute("SELECT count(*) FROM items").fetchone()[0] == 1
    assert get_item(fresh_db, a.id)["url"] == "https://news.example.kg/a?id=3"


def test_a_feed_summary_never_replaces_an_article_stored_with_its_page_text(fresh_db):
    from tocsin.store.crawling import SUMMARY_ONLY, read_from_page

    summary_meta = {"feed_url": "https://e.kg/rss", "text_from": SUMMARY_ONLY, "why": "fetch_failed"}
    record = ItemRecord(source="test", url="https://e.kg/a/1", title="T", text="Short summary", meta=summary_meta)
    assert upsert_item(fresh_db, record) == "new"
    full = "The article's full text, read from its page. " * 20
    stored_meta = get_item(fresh_db, record.id)["meta"]
    assert read_from_page(stored_meta) == {"feed_url": "https://e.kg/rss"}   # what a re-check stores with the page's text
    assert upsert_item(fresh_db, ItemRecord(source="test", url=record.url, title="T", text=full,
                                            meta=read_from_page(stored_meta))) == "changed"
    assert upsert_item(fresh_db, record) == "unchanged"   # the page failed again: the feed's summary only
    item = get_item(fresh_db, record.id)
    assert item["text"] == full and "text_from" not in item["meta"]
    assert [v["text"] for v in item_versions(fresh_db, record.id)] == ["Short summary", full]


def test_new_content_adds_a_version_and_keeps_reviews(fresh_db):
    record = ItemRecord(source="test", url="https://e.kg/1", title="Title", text="first text", author="someone", raw=b"<html>1</html>")
    assert upsert_item(fresh_db, record) == "new"
    fresh_db.execute("INSERT INTO reviews (item_id, reviewer, decision, note, at) VALUES (?, 'r1', 'incitement', 'n', 'now')", [record.id])
    record.text, record.raw = "edited text", b"<html>2</html>"
    assert upsert_item(fresh_db, record) == "changed"
    versions = item_versions(fresh_db, record.id)
    assert [v["text"] for v in versions] == ["first text", "edited text"]
    assert read_snapshot(fresh_db, versions[0]["snapshot_sha256"]) == b"<html>1</html>"
    assert read_snapshot(fresh_db, versions[1]["snapshot_sha256"]) == b"<html>2</html>"
    reviews = list(fresh_db.query("SELECT reviewer, decision FROM reviews WHERE item_id = ?", [record.id]))
    assert reviews == [{"reviewer": "r1", "decision": "incitement"}]
    assert get_item(fresh_db, record.id)["text"] == "edited text"



def analyse_version(db, record: ItemRecord, score: float) -> None:
    """Store an analysis of the record's version (what an analysis worker saves)."""
    from tocsin.store.analyses import AnalysisRecord, save_analysis

    save_analysis(db, AnalysisRecord(item_id=record.id, content_hash=record.content_hash, model_name="m", model_version="1",
                                     patterns_version="p", threshold=0.5, score=score, incitement=score >= 0.5))


def test_an_item_edited_back_shows_its_first_version_as_the_newest_with_its_analysis(fresh_db):
    from tocsin.store.analyses import latest_analysis, pending_items

    a = ItemRecord(source="test", url="https://e.kg/aba", title="T", text="text A", raw=b"<html>A</html>")
    b = ItemRecord(source="test", url=a.url, title="T", text="text B", raw=b"<html>B</html>")
    assert upsert_item(fresh_db, a) == "new"
    analyse_version(fresh_db, a, 0.9)
    assert upsert_item(fresh_db, b) == "changed"
    analyse_version(fresh_db, b, 0.1)
    first_seen_a = item_versions(fresh_db, a.id)[0]["seen_at"]
    assert upsert_item(fresh_db, a) == "changed"   # in the same second as the edit: the order still holds
    versions = item_versions(fresh_db, a.id)
    assert [v["text"] for v in versions] == ["text B", "text A"], "the return to A is the newest event"
    assert versions[-1]["seen_at"] == first_seen_a and versions[-1]["current_since"] >= versions[0]["current_since"]
    assert [read_snapshot(fresh_db, v["snapshot_sha256"]) for v in versions] == [b"<html>B</html>", b"<html>A</html>"]
    analysis = latest_analysis(fresh_db, a.id)
    assert (analysis["content_hash"], analysis["score"]) == (a.content_hash, 0.9)
    assert pending_items(fresh_db, "m", "1") == [], "A was analysed already: nothing to analyse again"
    assert upsert_item(fresh_db, a) == "unchanged"
    assert [v["text"] for v in item_versions(fresh_db, a.id)] == ["text B", "text A"]


def test_the_migration_orders_versions_an_item_returned_to_before_it(db_path, monkeypatch):
    import tocsin.store.migrations as migrations

    monkeypatch.setattr(migrations, "MIGRATIONS", MIGRATIONS[:MIGRATIONS.index(migrations.m012_item_version_order)])
    db = connect(db_path)
    ensure_source(db, "test")
    a = ItemRecord(source="test", url="https://e.kg/old-aba", text="text A")
    b = ItemRecord(source="test", url=a.url, text="text B")
    db.execute("""INSERT INTO items (id, source, kind, url, first_seen, last_seen, content_hash)
                  VALUES (?, 'test', 'article', ?, '2026-01-01T00:00:00+00:00', '2026-01-03T00:00:00+00:00', ?)""",
               [a.id, a.url, a.content_hash])   # A -> B -> A as stored before: one row per content, by first sighting
    for record, seen in ((a, "2026-01-01T00:00:00+00:00"), (b, "2026-01-02T00:00:00+00:00")):
        db.execute("INSERT INTO item_versions (item_id, content_hash, text, seen_at) VALUES (?, ?, ?, ?)",
                   [a.id, record.content_hash, record.text, seen])
    db.conn.commit()
    db.close()
    monkeypatch.undo()

    db = connect(db_path)
    versions = item_versions(db, a.id)
    assert [(v["text"], v["seen_at"], v["current_since"]) for v in versions] == [
        ("text B", "2026-01-02T00:00:00+00:00", "2026-01-02T00:00:00+00:00"),
        ("text A", "2026-01-01T00:00:00+00:00", "2026-01-02T00:00:00+00:00")]
    upsert_item(db, b)
    assert [v["text"] for v in item_versions(db, a.id)] == ["text A", "text B"]


def test_an_edit_finds_the_items_newest_rank_through_an_index_not_by_reading_every_version(fresh_db):
    """A live blog with thousands of versions: m012's triggers look up the highest ``current_rank`` of one item."""
    plan = " ".join(str(row) for row in fresh_db.execute(
        "EXPLAIN QUERY PLAN SELECT max(o.current_rank) + 1 FROM item_versions o WHERE o.item_id = ?", ["x"]))
    assert "COVERING INDEX item_versions_rank" in plan, plan


def test_reviews_are_append_only(fresh_db):
    record = ItemRecord(source="test", url="https://e.kg/2", text="x")
    upsert_item(fresh_db, record)
    fresh_db.execute("INSERT INTO reviews (item_id, reviewer, decision, at) VALUES (?, 'r', 'unsure', 'now')", [record.id])
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        fresh_db.execute("UPDATE reviews SET decision = 'incitement'")


def test_author_is_pseudonymised(fresh_db):
    record = ItemRecord(source="test", url="https://e.kg/3", text="x", author="@real_person")
    upsert_item(fresh_db, record)
    stored = get_item(fresh_db, record.id)["author_pseudonym"]
    assert stored.startswith("a_") and "real_person" not in stored
    dump = "\n".join(fresh_db.conn.iterdump())
    assert "real_person" not in dump


def test_broken_unicode_and_nul_are_stored_cleanly(fresh_db):
    record = ItemRecord(source="test", url="https://e.kg/4", title="a\x00b", text="lone \ud800 surrogate")
    upsert_item(fresh_db, record)
    item = get_item(fresh_db, record.id)
    assert item["title"] == "ab"
    assert "surrogate" in item["text"]


def test_a_huge_title_is_cut_and_the_snapshot_keeps_it_whole(fresh_db):
    huge = "Ош: " + "очень длинный заголовок " * 50_000
    record = ItemRecord(source="test", url="https://e.kg/5", title=huge, text="x", raw=huge.encode("utf-8"))
    upsert_item(fresh_db, record)
    item = get_item(fresh_db, record.id)
    assert len(item["title"]) <= 1_000 and item["title"].startswith("Ош: очень") and item["title"].endswith("…")
    (version,) = item_versions(fresh_db, record.id)
    assert version["title"] == item["title"] and read_snapshot(fresh_db, version["snapshot_sha256"]) == huge.encode("utf-8")
    assert upsert_item(fresh_db, record) == "unchanged"     # the same page again is no new version


HOSTILE = ['"', '""', "'", "(", ")", "((", "AND", "OR", "NOT", "NEAR(", "a AND", "OR b", "*", "-", "--", "a - b",
           "title:", "text:x", "{title}", "^", "a NEAR/2 b", "\\", "\x00", "ж\"", "::", "[", "]", "+", "a+b", "%", "_"]


def hostile_queries(n: int = 200) -> list[str]:
    rng = random.Random(7)
    alphabet = HOSTILE + ["osh", "ош", "uzbek", "өзбек", "o'zbek", "ўзбек", " ", "\t", "🔥", "é", "\u200b"]
    out = list(HOSTILE)
    while len(out) < n:
        out.append("".join(rng.choice(alphabet) + rng.choice(["", " "]) for _ in range(rng.randint(1, 8))))
    return out


def test_fts_accepts_200_hostile_queries(fresh_db):
    upsert_item(fresh_db, ItemRecord(source="test", url="https://e.kg/5", title="Ош", text="news about osh and uzbek AND trade"))
    queries = hostile_queries()
    assert len(queries) >= 200
    for q in queries:
        search_item_ids(fresh_db, q)  # must not raise
    assert search_item_ids(fresh_db, 'osh AND "uzbek') == search_item_ids(fresh_db, "osh uzbek")
    assert len(search_item_ids(fresh_db, "ОШ")) == 1
    assert search_item_ids(fresh_db, "absent-word") == []


def test_foreign_keys_are_enforced(fresh_db):
    with pytest.raises(sqlite3.IntegrityError):
        upsert_item(fresh_db, ItemRecord(source="no-such-source", url="https://e.kg/6", text="x"))
    ensure_source(fresh_db, "ok")
    assert upsert_item(fresh_db, ItemRecord(source="ok", url="https://e.kg/6", text="x")) == "new"


def test_an_item_version_is_analysed_once_per_model_version(fresh_db):
    from tocsin.store.analyses import AnalysisRecord, latest_analysis, pending_items, save_analysis

    record = ItemRecord(source="test", url="https://e.kg/7", text="text")
    upsert_item(fresh_db, record)
    assert [r["id"] for r in pending_items(fresh_db, "m", "1")] == [record.id]
    analysis = AnalysisRecord(item_id=record.id, content_hash=record.content_hash, model_name="m", model_version="1",
                              patterns_version="p", threshold=0.5, score=0.9, incitement=True,
                              targets=[{"group": "uzbek", "text": "x", "start": 0, "end": 1}], hallmarks=["call_to_violence"])
    assert save_analysis(fresh_db, analysis) is not None
    assert save_analysis(fresh_db, analysis) is None
    assert pending_items(fresh_db, "m", "1") == []
    assert len(pending_items(fresh_db, "m", "2")) == 1
    stored = latest_analysis(fresh_db, record.id)
    assert stored["incitement"] is True and stored["targets"][0]["group"] == "uzbek"
    record.text = "new text"
    upsert_item(fresh_db, record)
    assert len(pending_items(fresh_db, "m", "1")) == 1
