"""Decisions are made on a version of an item: an item edited after its decision is back in To review, one edited
back to a decided text has that decision again, training pairs a decision with the text decided, and exports count
only decisions on the text they carry."""

from __future__ import annotations

import re

import pytest

from test_review_queue import assert_queue_right
from test_review_support import PASSWORD, add_flagged, add_role_users, csrf_from, login
from tocsin.config import Settings
from tocsin.review import create_app
from tocsin.store import ItemRecord, connect, migrations, reviewing, transaction, upsert_item
from tocsin.store.analyses import AnalysisRecord, save_analysis
from tocsin.store.exporting import ExportQuery, EXPORT_COLUMNS, count_export_rows, iter_export_chunks
from tocsin.store.modelling import review_labels
from tocsin.store.review_queue import QueueFilters, QueueView

URL = "https://forum.example/t/101"
TEXT_A = "Fictional post: the new market rules in Osh are unfair to the Uzbek traders."
TEXT_B = "Fictional post: the Uzbek traders in Osh must be driven out tonight, burn their stalls."
TEXT_C = "Fictional post: the market rules in Osh were changed again."


def show(db, text: str) -> str:
    """The item at :data:`URL` crawled with ``text`` (new, or an edit); returns the hash of that version."""
    record = ItemRecord(source="test", url=URL, text=text, lang="en")
    upsert_item(db, record)
    return record.content_hash


def analyse(db, text: str, *, flagged: bool = True, score: float = 0.9, hallmarks=("call_to_violence",)) -> None:
    """An analysis of the item at :data:`URL` showing ``text``, flagged unless told."""
    record = ItemRecord(source="test", url=URL, text=text, lang="en")
    save_analysis(db, AnalysisRecord(
        item_id=record.id, content_hash=record.content_hash, model_name="tocsin-test", model_version=f"v-{len(text)}",
        patterns_version="p-test", threshold=0.5, score=score, incitement=flagged, lang="en",
        hallmarks=list(hallmarks) if flagged else []))


def views_holding(db, item_id: str) -> set[str]:
    """The queue views (of a reviewer with no assignment) that hold the item."""
    return {status for status in reviewing.STATUSES if item_id in reviewing.queue_ids(db, QueueFilters(status=status), "ada")}


def status_counts(db) -> dict[str, int]:
    return dict(QueueView(db, QueueFilters(), "ada").facets()["status"])


@pytest.fixture
def db(fresh_db):
    add_role_users(fresh_db)
    return fresh_db


@pytest.fixture
def decided(db):
    """The item shows A, flagged; rita decided it is not incitement."""
    item_id = add_flagged(db, url=URL, text=TEXT_A, score=0.6, hallmarks=("othering",))
    reviewing.record_decision(db, item_id, "rita", "not_incitement")
    assert views_holding(db, item_id) == {"reviewed", "all"}
    return item_id


# --------------------------------------------------------------------------- the queue


def test_an_item_edited_after_its_decision_is_back_in_to_review_and_counted_there(db, decided):
    before = status_counts(db)
    show(db, TEXT_B)
    analyse(db, TEXT_B)
    queue = assert_queue_right(db)
    assert queue[decided]["latest_decision"] is None
    assert views_holding(db, decided) == {"todo", "all"}
    after = status_counts(db)
    assert (after["todo"], after["reviewed"]) == (before["todo"] + 1, before["reviewed"] - 1)
    counted = db.execute("SELECT decision, sum(n) FROM review_queue_counts WHERE facet = 'hallmark' "
                         "AND value = 'call_to_violence' GROUP BY decision HAVING sum(n) > 0").fetchall()
    assert counted == [("", 1)]


def test_an_item_edited_back_to_a_decided_text_has_that_decision_again(db, decided):
    show(db, TEXT_B)
    analyse(db, TEXT_B)
    assert assert_queue_right(db)[decided]["latest_decision"] is None
    show(db, TEXT_A)   # A -> B -> A: A's analysis speaks again, and so does the decision on A
    assert assert_queue_right(db)[decided]["latest_decision"] == "not_incitement"
    assert views_holding(db, decided) == {"reviewed", "all"}
    reviewing.record_decision(db, decided, "leo", "escalate")   # on A again
    show(db, TEXT_B)
    assert assert_queue_right(db)[decided]["latest_decision"] is None, "B's analysis speaks; nobody decided B"


def test_a_decision_is_recorded_on_the_version_its_page_shows(db, decided):
    hash_a = ItemRecord(source="test", url=URL, text=TEXT_A).content_hash
    assert db.execute("SELECT content_hash FROM reviews").fetchall() == [(hash_a,)]
    hash_c = show(db, TEXT_C)   # not analysed yet: the page shows A, the analysed version
    assert reviewing.shown_version(db, decided) == hash_a
    reviewing.record_decision(db, decided, "leo", "unsure")
    reviewing.record_decision(db, decided, "ada", "unsure", content_hash=hash_c)
    assert [r["content_hash"] for r in reviewing.item_reviews(db, decided)] == [hash_a, hash_a, hash_c]


@pytest.mark.parametrize("forged", ["", "zz", "<b>x</b>", "A" * 64, "0" * 64, "other item"])
def test_a_version_not_of_the_item_is_replaced_by_the_one_its_page_shows(db, decided, forged):
    other = add_flagged(db, url="https://forum.example/t/7", text="Fictional: another post.", score=0.7)
    hash_other = db.execute("SELECT content_hash FROM items WHERE id = ?", [other]).fetchone()[0]
    sent = hash_other if forged == "other item" else forged
    hash_b = show(db, TEXT_B)
    analyse(db, TEXT_B)
    review_id = reviewing.record_decision(db, decided, "leo", "incitement", content_hash=sent)
    assert db.execute("SELECT content_hash FROM reviews WHERE id = ?", [review_id]).fetchone()[0] == hash_b


def test_a_repeated_form_on_another_version_is_a_new_decision(db, decided):
    show(db, TEXT_B)
    analyse(db, TEXT_B)
    reviewing.record_decision(db, decided, "rita", "not_incitement")   # the same decision, on B this time
    assert len(reviewing.item_reviews(db, decided)) == 2
    assert assert_queue_right(db)[decided]["latest_decision"] == "not_incitement"


# --------------------------------------------------------------------------- a store from before versions


def test_a_store_migrated_from_before_decisions_had_versions_keeps_its_decisions_counting(tmp_path, monkeypatch):
    path = tmp_path / "m016.db"
    m017 = migrations.MIGRATIONS.index(migrations.m017_review_version)
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:m017])
    db = connect(path)
    add_role_users(db)
    item_id = add_flagged(db, url=URL, text=TEXT_A, score=0.6, hallmarks=("othering",))
    show(db, TEXT_B)
    analyse(db, TEXT_B)
    with transaction(db):   # as the store of that time wrote a decision (no version)
        db.execute("INSERT INTO reviews (item_id, reviewer, decision, at) VALUES (?, 'rita', 'escalate', ?)",
                   [item_id, "2026-11-01T10:00:00+00:00"])
    db.close()
    monkeypatch.undo()

    db = connect(path)
    assert db.execute("SELECT content_hash FROM reviews").fetchall() == [(None,)]
    assert assert_queue_right(db)[item_id]["latest_decision"] == "escalate"
    assert views_holding(db, item_id) == {"escalated", "reviewed", "all"}
    show(db, TEXT_A)   # a version unknown: the old decision counts for every version
    assert assert_queue_right(db)[item_id]["latest_decision"] == "escalate"
    reviewing.record_decision(db, item_id, "leo", "incitement")   # a new decision records its version
    show(db, TEXT_B)
    assert assert_queue_right(db)[item_id]["latest_decision"] == "escalate", "leo decided A, not B"
    db.close()


# --------------------------------------------------------------------------- training and exports


def test_training_pairs_a_decision_with_the_text_it_was_made_on(db, decided):
    reviewing.record_decision(db, decided, "leo", "incitement")   # on A
    show(db, TEXT_B)
    analyse(db, TEXT_B)
    assert [(r["text"], r["incitement"]) for r in review_labels(db)] == [(TEXT_A, 1)]
    with transaction(db):   # retention purged A's text: the decision pairs with no other text
        db.execute("UPDATE item_versions SET title = '', text = '' WHERE text = ?", [TEXT_A])
    assert review_labels(db) == []
    reviewing.record_decision(db, decided, "ada", "not_incitement")   # on B, which the page shows now
    assert [(r["text"], r["incitement"]) for r in review_labels(db)] == [(TEXT_B, 0)]


def test_training_takes_the_current_text_for_a_decision_of_unknown_version(db):
    item_id = add_flagged(db, url=URL, text=TEXT_A)
    show(db, TEXT_B)
    with transaction(db):
        db.execute("INSERT INTO reviews (item_id, reviewer, decision, at) VALUES (?, 'rita', 'incitement', '2026-11-01')",
                   [item_id])
    assert [(r["text"], r["incitement"]) for r in review_labels(db)] == [(TEXT_B, 1)]


def exported_decisions(db) -> dict[str, str | None]:
    rows = [row for chunk in iter_export_chunks(db, ExportQuery()) for row in chunk]
    return {row[EXPORT_COLUMNS.index("text")]: row[EXPORT_COLUMNS.index("decisions")] for row in rows}


def test_an_export_counts_only_decisions_on_the_text_it_carries(db, decided):
    show(db, TEXT_B)
    analyse(db, TEXT_B)
    assert exported_decisions(db) == {TEXT_B: None}
    assert count_export_rows(db, ExportQuery(reviewed_only=True)) == 0
    reviewing.record_decision(db, decided, "leo", "incitement")
    assert exported_decisions(db) == {TEXT_B: "incitement"}, "rita decided A; only leo's decision is on B"
    assert count_export_rows(db, ExportQuery(reviewed_only=True)) == 1
    show(db, TEXT_C)   # not analysed: the export carries B, the analysed text, with its decisions
    assert exported_decisions(db) == {TEXT_B: "incitement"}


# --------------------------------------------------------------------------- the review page


@pytest.fixture
def app(tmp_path):
    """The review app over an on-disk store holding the item (showing A, flagged) and the role users."""
    path = tmp_path / "review.db"
    db = connect(path)
    add_role_users(db)
    item_id = add_flagged(db, url=URL, text=TEXT_A, score=0.6, hallmarks=("othering",))
    app = create_app(Settings(), path)
    app.config["TESTING"] = True
    yield app, db, item_id
    db.close()


def hidden(html: str, name: str) -> str:
    match = re.search(rf'type="hidden" name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


def test_a_decision_from_a_page_that_showed_a_is_recorded_on_a_after_the_item_changed(app):
    app, db, item_id = app
    client = app.test_client()
    login(client, "rita")
    page = client.get(f"/items/{item_id}").get_data(as_text=True)
    hash_a = hidden(page, "content_hash")
    assert hash_a == ItemRecord(source="test", url=URL, text=TEXT_A).content_hash
    hash_b = show(db, TEXT_B)
    analyse(db, TEXT_B)
    sent = client.post(f"/items/{item_id}/decide", data={"decision": "not_incitement", "content_hash": hash_a,
                                                        "csrf_token": csrf_from(page)})
    assert sent.status_code == 302
    assert db.execute("SELECT content_hash FROM reviews").fetchall() == [(hash_a,)]
    assert views_holding(db, item_id) == {"todo", "all"}, "B is flagged and nobody decided it"
    page = client.get(f"/items/{item_id}").get_data(as_text=True)
    assert "changed while you had it open: your decision is recorded on the text you read." in page
    assert hidden(page, "content_hash") == hash_b
    assert "decided on an earlier version of this text" in page and 'id="decided-other-version"' in page


@pytest.mark.parametrize("forged", ["<script>", "'; DROP TABLE reviews; --", "f" * 64, "0" * 65])
def test_a_forged_version_field_is_replaced_by_the_version_the_page_shows(app, forged):
    app, db, item_id = app
    client = app.test_client()
    login(client, "rita")
    page = client.get(f"/items/{item_id}").get_data(as_text=True)
    hash_b = show(db, TEXT_B)
    analyse(db, TEXT_B)
    sent = client.post(f"/items/{item_id}/decide", data={"decision": "incitement", "content_hash": forged,
                                                        "csrf_token": csrf_from(page)})
    assert sent.status_code == 302
    assert db.execute("SELECT content_hash FROM reviews").fetchall() == [(hash_b,)]


def test_a_decision_carried_through_the_login_page_keeps_its_version(app):
    app, db, item_id = app
    client = app.test_client()
    login(client, "rita")
    page = client.get(f"/items/{item_id}").get_data(as_text=True)
    other = app.test_client()
    login(other, "rita")
    other.post("/logout", data={"csrf_token": csrf_from(other.get("/").get_data(as_text=True))})   # ends every session
    show(db, TEXT_B)
    analyse(db, TEXT_B)
    refused = client.post(f"/items/{item_id}/decide", data={"decision": "escalate", "csrf_token": csrf_from(page),
                                                            "content_hash": hidden(page, "content_hash")})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 403
    logged_in = client.post("/login", data={"pending": hidden(html, "pending"), "next": f"/items/{item_id}",
                                            "username": "rita", "password": PASSWORD, "csrf_token": csrf_from(html),
                                            "pending_keep": "1"})
    assert logged_in.status_code == 302
    assert db.execute("SELECT decision, content_hash FROM reviews").fetchall() == [
        ("escalate", ItemRecord(source="test", url=URL, text=TEXT_A).content_hash)]
