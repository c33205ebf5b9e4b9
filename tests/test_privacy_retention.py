"""Retention: raw content of unflagged items past ``retention_days`` is purged; flagged evidence stays."""

from __future__ import annotations

import json
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from test_export_support import add_item, add_reviews
from tocsin.config import Settings
from tocsin.export.retention import count_expired, purge_expired
from tocsin.store import connect, get_item, item_versions, search_item_ids
from tocsin.store.audit import audit_events

LATER = datetime.now(timezone.utc) + timedelta(days=400)


def plant(db) -> dict[str, str]:
    return {
        "plain": add_item(db, url="https://news.example.kg/r/1", title="Zqxoldtitle", text="Zqxoldtext about the bazaar in Osh.",
                          score=0.1, raw=b"<p>Zqxoldtext about the bazaar in Osh.</p>", meta={"views": 3},
                          words=[("place", "osh", "Osh")]),
        "flagged": add_item(db, url="https://news.example.kg/r/2", text="Zqxflaggedtext: they are vermin.", score=0.9,
                            raw=b"<p>Zqxflaggedtext: they are vermin.</p>", words=[("cue", "dehumanization", "vermin")]),
        "escalated": add_item(db, url="https://news.example.kg/r/3", text="Zqxescalatedtext, a veiled threat.", score=0.3),
    }


def test_purge_blanks_old_unflagged_content_and_keeps_flagged_evidence(db_path):
    db = connect(db_path)
    ids = plant(db)
    add_reviews(db, ids["escalated"], [("rita", "escalate")])
    settings = Settings()
    assert purge_expired(db, settings) == 0, "nothing is past retention yet"
    assert count_expired(db, settings, now=LATER) == 1

    assert purge_expired(db, settings, now=LATER, trust_clock=True) == 1
    assert count_expired(db, settings, now=LATER) == 0
    plain = get_item(db, ids["plain"])
    assert (plain["title"], plain["text"]) == ("", "") and "retention_purged_at" in plain["meta"]
    assert [(v["title"], v["text"], v["snapshot_sha256"]) for v in item_versions(db, ids["plain"])] == [("", "", None)]
    analysis = db.execute("SELECT places, explanation, score FROM analyses WHERE item_id = ?", [ids["plain"]]).fetchone()
    assert json.loads(analysis[0])[0]["text"] == "" and analysis[1] == "" and analysis[2] == 0.1, "labels stay, quotes go"
    assert get_item(db, ids["flagged"])["text"].startswith("Zqxflaggedtext")
    assert get_item(db, ids["escalated"])["text"].startswith("Zqxescalatedtext")
    assert item_versions(db, ids["flagged"])[0]["snapshot_sha256"] is not None
    assert search_item_ids(db, "zqxoldtext") == [] and search_item_ids(db, "zqxflaggedtext") == [ids["flagged"]]
    assert purge_expired(db, settings, now=LATER, trust_clock=True) == 0, "a second run finds nothing new"
    assert json.loads(audit_events(db, "retention")[0]["details"])["items"] == 1
    snapshots = [zlib.decompress(bytes(b)) for (b,) in db.execute("SELECT body FROM snapshots")]
    db.close()
    raw = b"".join(p.read_bytes() for p in (db_path, Path(f"{db_path}-wal")) if p.exists()).lower()
    assert b"zqxoldtext" not in raw and b"zqxoldtitle" not in raw, "secure delete leaves no copy in the file"
    assert b"zqxflaggedtext" in raw and len(snapshots) == 1 and b"Zqxflaggedtext" in snapshots[0]


def test_an_item_an_alert_names_keeps_its_evidence_though_no_analysis_flagged_it(fresh_db):
    """A spike rule with a min_score below the threshold counts, and its alert quotes, items scored 0.4."""
    from test_export_support import add_alert

    text = "Zqxspiketext about the neighbours in Osh, borderline."
    counted = add_item(fresh_db, url="https://news.example.kg/r/9", text=text, score=0.4)
    plain = add_item(fresh_db, url="https://news.example.kg/r/10", text="Zqxplaintext, the weather.", score=0.1)
    add_alert(fresh_db, [counted], rule="spike", kind="spike", title="Spike uzbek|osh", message=f"1. “{text}”")
    assert purge_expired(fresh_db, Settings(), now=LATER, trust_clock=True) == 1
    assert get_item(fresh_db, counted)["text"] == text and get_item(fresh_db, plain)["text"] == ""


def test_zero_days_keeps_everything(fresh_db):
    plant(fresh_db)
    settings = Settings()
    settings.retention.retention_days = 0
    assert purge_expired(fresh_db, settings, now=LATER, trust_clock=True) == 0


def test_cli_retention(runner, db_path):
    from tocsin.cli import main

    db = connect(db_path)
    plant(db)
    db.close()
    result = runner.invoke(main, ["--db", str(db_path), "retention"])
    assert result.exit_code == 0 and "purged the raw content of 0 unflagged items" in result.output
    dry = runner.invoke(main, ["--db", str(db_path), "retention", "--dry-run"])
    assert dry.exit_code == 0 and "0 unflagged items hold raw content" in dry.output


def test_an_old_version_is_purged_while_the_current_one_stays(fresh_db):
    from tocsin.store import ItemRecord, upsert_item

    item = add_item(fresh_db, url="https://news.example.kg/r/9", text="Zqxfirstversion about Osh.", score=0.1,
                    words=[("place", "osh", "Osh")])
    upsert_item(fresh_db, ItemRecord(source="test", url="https://news.example.kg/r/9", text="Zqxsecondversion about Osh."))
    current = get_item(fresh_db, item)
    add_item(fresh_db, url="https://news.example.kg/r/9", text="Zqxsecondversion about Osh.", score=0.1,
             words=[("place", "osh", "Osh")])
    old = "2020-01-01T00:00:00+00:00"  # test setup: make the first version and the item's first sighting old
    fresh_db.execute("UPDATE item_versions SET seen_at = ? WHERE item_id = ? AND content_hash != ?", [old, item, current["content_hash"]])
    fresh_db.execute("UPDATE items SET first_seen = ? WHERE id = ?", [old, item])

    assert purge_expired(fresh_db, Settings()) == 1
    versions = {v["content_hash"]: v["text"] for v in item_versions(fresh_db, item)}
    assert versions[current["content_hash"]].startswith("Zqxsecondversion") and "" in versions.values()
    assert get_item(fresh_db, item)["text"].startswith("Zqxsecondversion")
    places = {h: json.loads(p)[0]["text"] for h, p in fresh_db.execute("SELECT content_hash, places FROM analyses WHERE item_id = ?", [item])}
    assert places[current["content_hash"]] == "Osh" and sorted(places.values()) == ["", "Osh"]


def test_a_clock_that_makes_even_the_newest_item_old_purges_nothing(runner, db_path):
    """A dead clock battery or a bad time server sets the clock years ahead: everything just collected would
    look expired, and the purge cannot be undone."""
    from tocsin.cli import main
    from tocsin.export.retention import ClockDoubt

    db = connect(db_path)
    ids = plant(db)
    with pytest.raises(ClockDoubt, match="even the newest item collected"):
        purge_expired(db, Settings(), now=LATER)
    assert get_item(db, ids["plain"])["text"].startswith("Zqxoldtext")
    db.execute("UPDATE items SET first_seen = '2020-01-01T00:00:00+00:00'")   # or a store that really is that old
    db.execute("UPDATE item_versions SET seen_at = '2020-01-01T00:00:00+00:00'")
    db.close()
    dry = runner.invoke(main, ["--db", str(db_path), "retention", "--dry-run"])
    assert dry.exit_code == 0 and "2 unflagged items" in dry.output and "a real run would refuse" in dry.output
    refused = runner.invoke(main, ["--db", str(db_path), "retention"])
    assert refused.exit_code == 1 and "tocsin retention --yes" in refused.output and "Nothing was purged" in refused.output
    done = runner.invoke(main, ["--db", str(db_path), "retention", "--yes"])
    assert done.exit_code == 0 and "purged the raw content of 2 unflagged items" in done.output


def test_items_crawled_after_the_clock_jumped_do_not_hide_the_jump(db_path):
    """Crawls after the jump stamp their items with the wrong time; what the sources say they published does not."""
    from tocsin.export.retention import ClockDoubt

    db = connect(db_path)
    ids = plant(db)   # published 2026-06-01 by the sources' own clocks
    stamped = LATER.isoformat(timespec="seconds")
    db.execute("UPDATE items SET first_seen = ?", [stamped])
    db.execute("UPDATE item_versions SET seen_at = ?", [stamped])
    with pytest.raises(ClockDoubt, match="collected or published"):
        purge_expired(db, Settings(), now=LATER + timedelta(days=10))   # the new items look 10 days old
    assert get_item(db, ids["plain"])["text"].startswith("Zqxoldtext")
    db.close()


def test_quiet_sources_crawled_all_along_are_purged_but_a_silent_crawl_record_is_doubted(db_path):
    """Sources that publish nothing new for a whole retention period, while the daemon crawls them every day,
    are not a clock jump: their old content is purged on schedule. A crawl record silent for months is."""
    from tocsin.export.retention import ClockDoubt
    from tocsin.store.sources import ensure_source

    def crawled(db, days: range) -> None:
        db["crawl_runs"].delete_where()
        db["crawl_runs"].insert_all({"source": "test", "status": "ok", "started_at": (now - timedelta(days=d)).isoformat(timespec="seconds")}
                                    for d in days)

    now = datetime.now(timezone.utc)
    old = (now - timedelta(days=400)).isoformat(timespec="seconds")
    db = connect(db_path)
    ids = plant(db)
    ensure_source(db, "test")
    db.execute("UPDATE items SET first_seen = ?, published_at = ?", [old, old])
    db.execute("UPDATE item_versions SET seen_at = ?", [old])

    crawled(db, [*range(399, 300, -2), *range(60, 0, -2)])   # nothing crawled for 240 days in between
    with pytest.raises(ClockDoubt, match="no crawl was recorded for 24[01] days"):
        purge_expired(db, Settings(), now=now)
    assert get_item(db, ids["plain"])["text"].startswith("Zqxoldtext")

    crawled(db, range(399, 0, -2))
    assert purge_expired(db, Settings(), now=now) == 2   # the plain and the unreviewed low-score items
    assert get_item(db, ids["plain"])["text"] == "" and get_item(db, ids["flagged"])["text"].startswith("Zqxflaggedtext")
    db.close()


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_an_export_marks_purged_items(db_path, tmp_path, fmt):
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from tocsin.export.dataset import ExportOptions, export_dataset

    db = connect(db_path)
    add_reviews(db, plant(db)["escalated"], [("rita", "escalate")])
    assert purge_expired(db, Settings(), now=LATER, trust_clock=True) == 1
    summary = export_dataset(db, Settings(), ExportOptions(fmt=fmt, out=tmp_path / "out"))
    read = {"jsonl": lambda p: [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines()],
            "csv": lambda p: pacsv.read_csv(p).to_pylist(), "parquet": lambda p: pq.read_table(p).to_pylist()}[fmt]
    rows = read(summary.data_path)
    purged = [r for r in rows if r["retention_purged_at"] is not None]
    assert len(rows) == 3 and len(purged) == 1
    row = purged[0]
    assert (row["text"] or "", row["explanation"] or "", row["score"]) == ("", "", 0.1), "content gone, labels kept"
    assert str(row["retention_purged_at"])[:4] == str(datetime.now(timezone.utc).year), "the purge's own time"
    assert all(r["text"] for r in rows if r is not row), "items still holding content are not marked"
    assert "(`retention_purged_at`: 1 items here)" in summary.datasheet_path.read_text(encoding="utf-8")


def test_an_edited_item_whose_analysed_version_was_purged_exports_its_current_text(fresh_db, tmp_path):
    from tocsin.export.dataset import ExportOptions, export_dataset
    from tocsin.store import ItemRecord, upsert_item

    item = add_item(fresh_db, url="https://news.example.kg/r/9", text="Zqxfirstversion about Osh.", score=0.1,
                    words=[("place", "osh", "Osh")])
    upsert_item(fresh_db, ItemRecord(source="test", url="https://news.example.kg/r/9", text="Zqxsecondversion about Osh."))
    current = get_item(fresh_db, item)   # edited, and not analysed again yet
    old = "2020-01-01T00:00:00+00:00"  # test setup: make the first version and the item's first sighting old
    fresh_db.execute("UPDATE item_versions SET seen_at = ? WHERE item_id = ? AND content_hash != ?", [old, item, current["content_hash"]])
    fresh_db.execute("UPDATE items SET first_seen = ? WHERE id = ?", [old, item])
    assert purge_expired(fresh_db, Settings()) == 1
    summary = export_dataset(fresh_db, Settings(), ExportOptions(fmt="jsonl", out=tmp_path / "out"))
    (row,) = [json.loads(line) for line in summary.data_path.read_text(encoding="utf-8").splitlines()]
    assert row["text"] == "Zqxsecondversion about Osh." and row["retention_purged_at"] is None
    assert row["score"] == 0.1 and row["places"] == [], "the purged version's offsets are not laid on the new text"
