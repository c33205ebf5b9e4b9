"""Which flagged items a re-check re-visits, now that decisions are made on a version of an item's text: a
decision that the item is not incitement spares the text it was made on, not an edit flagged since."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from test_review_versions import TEXT_B, analyse, db, decided, show  # noqa: F401 - fixtures
from tocsin.store import reviewing
from tocsin.store.crawling import items_due_for_recheck


def due(db) -> list[str]:
    now = datetime.now(timezone.utc)
    db.execute("UPDATE items SET last_seen = ?", [(now - timedelta(hours=12)).isoformat(timespec="seconds")])
    return [row["id"] for row in items_due_for_recheck(db, every_hours=6, within_days=30, now=now)]


def test_an_item_decided_not_incitement_is_not_rechecked(db, decided):
    assert due(db) == []


def test_an_item_flagged_again_after_an_edit_is_rechecked_though_its_earlier_text_was_decided(db, decided):
    show(db, TEXT_B)
    analyse(db, TEXT_B)
    assert due(db) == [decided]
    reviewing.record_decision(db, decided, "leo", "not_incitement")   # on the text its page shows: B
    assert due(db) == []


def test_an_item_whose_latest_decision_is_incitement_is_rechecked(db, decided):
    reviewing.record_decision(db, decided, "leo", "incitement")
    assert due(db) == [decided]   # the latest decision on the text it shows is incitement
