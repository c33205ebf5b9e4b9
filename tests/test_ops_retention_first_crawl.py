"""Retention's clock-doubt guard counts silences of the crawl record, not the time before the store's first crawl:
a new store of sources that published long ago is purged on schedule; a clock that jumps is still doubted."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tocsin.config import Settings
from tocsin.export.retention import ClockDoubt, clock_doubt, purge_expired
from tocsin.store import ItemRecord, connect, get_item, upsert_item
from tocsin.store.sources import ensure_source

NOW = datetime.now(timezone.utc)


def ago(days: float) -> str:
    return (NOW - timedelta(days=days)).isoformat(timespec="seconds")


def old_store(db_path, *, published_days_ago: float, collected_days_ago: float, crawled_days_ago: list[float]):
    """A store of 10 fictional items of one source, all published and collected that long ago, and crawl runs
    started at those times."""
    db = connect(db_path)
    ensure_source(db, "quiet")
    records = [ItemRecord(source="quiet", url=f"https://quiet.example.org/notice/{n}", title=f"Notice {n}",
                          text=f"Zqxquiet notice number {n} about the town's water.", published_at=ago(published_days_ago))
               for n in range(10)]
    for record in records:
        upsert_item(db, record)
    db.execute("UPDATE items SET first_seen = ?", [ago(collected_days_ago)])
    db.execute("UPDATE item_versions SET seen_at = ?", [ago(collected_days_ago)])
    db["crawl_runs"].insert_all({"source": "quiet", "status": "ok", "started_at": ago(d)} for d in crawled_days_ago)
    return db, [record.id for record in records]


def thirty_days() -> Settings:
    settings = Settings()
    settings.retention.retention_days = 30
    return settings


def test_a_new_store_of_sources_that_published_before_its_first_crawl_is_purged_on_schedule(db_path):
    """Crawled every day for 40 days, everything published 60 days ago: the 20 days before the first crawl are
    no silence of the crawl record."""
    db, ids = old_store(db_path, published_days_ago=60, collected_days_ago=40, crawled_days_ago=list(range(40, -1, -1)))
    assert clock_doubt(db, thirty_days(), NOW) is None
    assert purge_expired(db, thirty_days(), NOW) == 10
    assert get_item(db, ids[0])["text"] == ""


def test_the_cli_purges_a_store_whose_items_were_published_before_it_was_first_crawled(runner, db_path):
    from tocsin.cli import main

    db, _ = old_store(db_path, published_days_ago=60, collected_days_ago=40, crawled_days_ago=list(range(40, -1, -1)))
    db.close()
    result = runner.invoke(main, ["--db", str(db_path), "retention"], env={"TOCSIN_RETENTION_RETENTION_DAYS": "30"})
    assert result.exit_code == 0, result.output
    assert "purged the raw content of 10 unflagged items" in result.output


def test_a_fresh_store_of_a_feed_dated_days_back_is_not_doubted(db_path):
    """Minutes old, first crawled now, its feed's entries dated two days back: nothing to doubt (nor to purge)."""
    db, _ = old_store(db_path, published_days_ago=2, collected_days_ago=0.001, crawled_days_ago=[0.002])
    settings = Settings()
    settings.retention.retention_days = 1
    assert clock_doubt(db, settings, NOW) is None
    assert purge_expired(db, settings, NOW) == 0


def test_a_clock_that_jumps_after_the_first_crawl_is_still_doubted(db_path):
    """Crawled every day from 100 to 60 days ago, then the clock jumps two months ahead (the next crawl is today):
    that silence is a jump, though everything was published before the first crawl."""
    db, ids = old_store(db_path, published_days_ago=120, collected_days_ago=60,
                        crawled_days_ago=[*range(100, 59, -1), 0])
    with pytest.raises(ClockDoubt, match="no crawl was recorded for 60 days"):
        purge_expired(db, thirty_days(), NOW)
    assert get_item(db, ids[0])["text"].startswith("Zqxquiet")
