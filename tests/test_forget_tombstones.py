"""``forget`` is for good: an erased item that a later crawl meets again is not stored again, only counted, and
what records the erasure (a tombstone) holds keyed hashes only, never the item's address or id."""

from __future__ import annotations

import hashlib
from types import SimpleNamespace

from test_export_support import add_item
from tocsin.config import Settings
from tocsin.crawler.ledger import CrawlLedger
from tocsin.crawler.spiders.base import SourceSpider
from tocsin.export.erasure import forget
from tocsin.store import connect
from tocsin.store.items import ItemRecord
from tocsin.store.sources import start_crawl_run
from tocsin.urls import canonical_url, item_id_for

ERASED_URL = "https://forum.example.kg/viewtopic.php?p=9010"
OTHER_URL = "https://forum.example.kg/viewtopic.php?p=9011"


def record(url: str, text: str = "Zqxtombstone text of the post.") -> ItemRecord:
    return ItemRecord(source="forum", url=url, kind="post", title="A post", text=text, author="Kuban_Osh",
                      raw=f"<html><body>{text}</body></html>".encode())


def test_an_erased_item_is_not_stored_again_and_its_tombstone_names_nothing(db_path):
    db = connect(str(db_path))
    erased_id = add_item(db, url=ERASED_URL, text="Zqxtombstone text of the post.", author="Kuban_Osh", source="forum")
    assert forget(db, Settings(), authors=["Kuban_Osh"]).items == 1

    run_id = start_crawl_run(db, "forum")
    ledger = CrawlLedger(str(db_path), "forum", run_id)
    try:
        # the same item met again by a crawl (also at an address that only differs by tracking parameters)
        assert ledger.save(record(ERASED_URL)) == "erased"
        assert ledger.save(record(ERASED_URL + "&utm_source=feed", "Edited since.")) == "erased"
        assert ledger.save(record(OTHER_URL, "Another post, kept.")) == "new"
        assert ledger.totals["erased"] == 2
        assert ledger.totals["items"] == 1 and ledger.totals["new_items"] == 1
    finally:
        ledger.close()

    ids = {row[0] for row in db.execute("SELECT id FROM items")}
    assert erased_id not in ids and item_id_for(OTHER_URL) in ids
    assert db.execute("SELECT count(*) FROM item_versions WHERE item_id = ?", [erased_id]).fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM snapshots").fetchone()[0] == 1   # the kept post's only

    tombstones = [tuple(row) for row in db.execute("SELECT * FROM erased_items")]
    assert len(tombstones) == 1
    plain = {ERASED_URL, canonical_url(ERASED_URL), erased_id, hashlib.sha256(erased_id.encode()).hexdigest(),
             hashlib.sha256(ERASED_URL.encode()).hexdigest()}
    cells = " ".join(str(cell) for row in tombstones for cell in row)
    assert not any(p in cells or p.lower() in cells.lower() for p in plain)
    assert "9010" not in cells and "forum.example" not in cells
    db.close()


def test_the_crawl_run_says_how_many_erased_items_it_did_not_store(db_path):
    db = connect(str(db_path))
    add_item(db, url=ERASED_URL, text="Zqxtombstone text of the post.", author="Kuban_Osh", source="forum")
    forget(db, Settings(), urls=[ERASED_URL])
    ledger = CrawlLedger(str(db_path), "forum", start_crawl_run(db, "forum"))

    ledger.save(record(ERASED_URL))
    spider = SimpleNamespace(ledger=ledger, closed_reason=None, notes=[], source=SimpleNamespace(name="forum"),
                             on_closed=lambda reason: None)
    spider.note_once = lambda note: SourceSpider.note_once(spider, note)
    SourceSpider.closed(spider, "finished")   # what every spider does when its crawl ends
    assert spider.notes == ["1 erased items not stored again"]
    db.close()
