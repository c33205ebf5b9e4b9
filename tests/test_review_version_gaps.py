"""What was left of version-aware review: double review and agreement compare only decisions on the same version of
an item, an assignee who decided an earlier version owes one on the text shown now, the statistics count an item
reviewed only on that text, the queue shows the text a decision from it is recorded on, and a note too long to
carry through the login page is refused with the note shown back, never cut."""

from __future__ import annotations

import html as markup
import re

import pytest

from test_review_browser import browser, log_in, new_page  # noqa: F401 - browser: the fixture
from test_review_queue import assert_queue_right
from test_review_support import PASSWORD, add_flagged, add_role_users, csrf_from, login, served
from test_review_versions import TEXT_A, TEXT_B, TEXT_C, URL, analyse, app, hidden, show  # noqa: F401 - app: the fixture
from tocsin.config import Settings
from tocsin.review import create_app
from tocsin.review.carried import MAX_NOTE, carry_token, carried_decision
from tocsin.store import ItemRecord, connect, reviewing, upsert_item
from tocsin.store.review_queue import QueueFilters, QueueView

HASH_A = ItemRecord(source="test", url=URL, text=TEXT_A).content_hash


@pytest.fixture
def db(fresh_db):
    add_role_users(fresh_db)
    return fresh_db


@pytest.fixture
def item(db):
    """The item at URL, showing A, flagged; nobody decided it."""
    return add_flagged(db, url=URL, text=TEXT_A, score=0.6, hallmarks=("othering",))


def edited_to_b(db) -> None:
    """The source edited the item to B, and B was analysed and flagged."""
    show(db, TEXT_B)
    analyse(db, TEXT_B)


def holding(db, item_id: str, reviewer: str) -> set[str]:
    """The queue views of ``reviewer`` that hold the item; each view's count is checked against its rows."""
    counts = dict(QueueView(db, QueueFilters(), reviewer).count_facets()["status"])
    views = set()
    for status in reviewing.STATUSES:
        ids = reviewing.queue_ids(db, QueueFilters(status=status), reviewer)
        assert counts[status] == len(ids), status
        views |= {status} if item_id in ids else set()
    return views


# --------------------------------------------------------------------------- agreement


def test_decisions_on_different_versions_of_an_item_are_not_a_pair(db, item):
    reviewing.record_decision(db, item, "rita", "not_incitement")   # on A
    edited_to_b(db)
    reviewing.record_decision(db, item, "leo", "incitement")        # on B
    assert reviewing.decision_pairs(db) == {}, "rita judged A, leo judged B: no disagreement"
    reviewing.record_decision(db, item, "ada", "incitement")        # on B too
    assert reviewing.decision_pairs(db) == {"en": [("incitement", "incitement")]}


def test_each_version_decided_by_two_reviewers_is_one_pair_of_their_latest_decisions_on_it(db, item):
    reviewing.record_decision(db, item, "rita", "unsure")
    reviewing.record_decision(db, item, "leo", "not_incitement")
    reviewing.record_decision(db, item, "rita", "not_incitement")   # rita's latest on A
    edited_to_b(db)
    reviewing.record_decision(db, item, "leo", "incitement")
    reviewing.record_decision(db, item, "rita", "escalate")
    assert sorted(reviewing.decision_pairs(db)["en"]) == [("incitement", "escalate"),
                                                          ("not_incitement", "not_incitement")]


def test_decisions_of_unknown_version_pair_as_they_did_and_count_for_every_version(db, item):
    with db.conn:   # as the store wrote decisions before versions were recorded
        for name, decision in (("rita", "escalate"), ("leo", "incitement")):
            db.execute("INSERT INTO reviews (item_id, reviewer, decision, at) VALUES (?, ?, ?, '2026-11-01')",
                       [item, name, decision])
    assert reviewing.decision_pairs(db) == {"en": [("escalate", "incitement")]}
    edited_to_b(db)
    reviewing.record_decision(db, item, "ada", "incitement")
    assert reviewing.decision_pairs(db) == {"en": [("escalate", "incitement")]}, "the first two to decide B"


def test_version_pairs_pair_the_first_two_reviewers_of_each_version_with_their_latest_decisions_on_it():
    decisions = [("a", "rita", "unsure"), (None, "old", "escalate"), ("a", "leo", "incitement"), ("b", "ada", "unsure"),
                 ("a", "rita", "incitement"), ("b", "leo", "not_incitement"), ("c", "rita", "unsure")]
    assert reviewing.version_pairs(decisions) == [("incitement", "escalate"), ("escalate", "unsure"),
                                                  ("escalate", "unsure")], "old's decision counts for a, b and c"
    assert reviewing.version_pairs([("a", "rita", "unsure"), ("b", "leo", "unsure")]) == []
    assert reviewing.version_pairs([(None, "rita", "unsure"), (None, "leo", "escalate")]) == [("unsure", "escalate")]


# --------------------------------------------------------------------------- double review


def test_an_assignee_who_decided_an_earlier_version_owes_a_decision_on_the_new_one(db, item):
    reviewing.assign_items(db, [item], ["leo"], "ada")
    reviewing.record_decision(db, item, "leo", "not_incitement")   # on A
    assert not reviewing.pending_assignment(db, item, "leo")
    assert [a["done"] for a in reviewing.item_assignments(db, item)] == [1]
    edited_to_b(db)
    reviewing.record_decision(db, item, "rita", "incitement")      # B is decided, but not by leo
    assert holding(db, item, "rita") == {"reviewed", "all"}
    assert reviewing.pending_assignment(db, item, "leo"), "leo's decision was on A; rita's on B stays hidden from him"
    assert holding(db, item, "leo") == {"todo", "assigned", "all"}
    assert [a["done"] for a in reviewing.item_assignments(db, item)] == [0]
    assert_queue_right(db)
    reviewing.record_decision(db, item, "leo", "incitement")       # on B
    assert not reviewing.pending_assignment(db, item, "leo")
    assert holding(db, item, "leo") == {"reviewed", "all"}
    assert [a["done"] for a in reviewing.item_assignments(db, item)] == [1]


def test_an_assignment_decided_before_versions_were_recorded_stays_decided(db, item):
    reviewing.assign_items(db, [item], ["leo"], "ada")
    with db.conn:
        db.execute("INSERT INTO reviews (item_id, reviewer, decision, at) VALUES (?, 'leo', 'unsure', '2026-11-01')",
                   [item])
    edited_to_b(db)
    assert not reviewing.pending_assignment(db, item, "leo")
    assert holding(db, item, "leo") == {"reviewed", "all"}


# --------------------------------------------------------------------------- statistics


def reviewed_counts(db) -> tuple[int, int]:
    """Items reviewed, per language and per day (the one language, the one day)."""
    (lang,) = reviewing.volume_by_language(db)
    (day,) = reviewing.volume_by_day(db)
    return lang["reviewed"], day["reviewed"]


def test_the_statistics_count_an_item_reviewed_only_on_the_text_it_is_queued_with(db, item):
    reviewing.record_decision(db, item, "rita", "not_incitement")
    assert reviewed_counts(db) == (1, 1)
    show(db, TEXT_C)   # not analysed yet: still queued with A, which rita decided
    assert reviewed_counts(db) == (1, 1)
    edited_to_b(db)
    assert holding(db, item, "rita") == {"todo", "all"}
    assert reviewed_counts(db) == (0, 0), "B is in To review, so it is not reviewed"
    reviewing.record_decision(db, item, "leo", "incitement")
    assert reviewed_counts(db) == (1, 1)


# --------------------------------------------------------------------------- the review page


def test_the_queue_shows_the_text_its_decision_is_recorded_on(app):
    app, db, item_id = app
    show(db, TEXT_C)   # edited, not analysed yet: the item page, and a decision, are on A
    assert reviewing.shown_version(db, item_id) == HASH_A
    (row,) = reviewing.queue_items(db, QueueFilters(), "rita")
    assert (row["excerpt"], row["content_hash"]) == (TEXT_A, HASH_A)
    client = app.test_client()
    login(client, "rita")
    page = client.get("/").get_data(as_text=True)
    assert TEXT_A in page and TEXT_C not in page
    assert f'data-version="{HASH_A}"' in page and 'name="content_hash" value=""' in page
    edited_to_b(db)   # B analysed while the queue page was open: the decision is still on A, the text read
    sent = client.post(f"/items/{item_id}/decide", data={"decision": "not_incitement", "content_hash": HASH_A,
                                                        "return_to": "queue", "csrf_token": csrf_from(page)})
    assert sent.status_code == 302
    assert db.execute("SELECT content_hash FROM reviews").fetchall() == [(HASH_A,)]


def test_the_queue_shows_the_title_of_the_analysed_version(db, item):
    upsert_item(db, ItemRecord(source="test", url=URL, title="A later fictional title", text=TEXT_C, lang="en"))
    (row,) = reviewing.queue_items(db, QueueFilters(), "rita")
    assert (row["title"], row["excerpt"]) == ("", TEXT_A)


def refused_after_logout(app, item_id: str, note: str):
    """Rita's decision with ``note`` sent after another of her sessions logged out: her client and the answer."""
    client = app.test_client()
    login(client, "rita")
    page = client.get(f"/items/{item_id}").get_data(as_text=True)
    other = app.test_client()
    login(other, "rita")
    other.post("/logout", data={"csrf_token": csrf_from(other.get("/").get_data(as_text=True))})
    refused = client.post(f"/items/{item_id}/decide", data={"decision": "escalate", "note": note,
                                                            "content_hash": hidden(page, "content_hash"),
                                                            "csrf_token": csrf_from(page)})
    return client, refused


@pytest.mark.parametrize("length", [MAX_NOTE + 1, 6000])
def test_a_note_too_long_to_carry_through_login_is_refused_whole_with_why(app, length):
    app, db, item_id = app
    note = ("A fictional note about the market in Osh. " * 200)[:length - 1] + "!"
    client, refused = refused_after_logout(app, item_id, note)
    shown = markup.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 403 and "Your decision was not recorded" in shown
    assert f"Your note is {length:,} characters long, more than the {MAX_NOTE:,} kept" in shown
    assert f"{note}</textarea>" in shown, "the whole note is shown back to copy"
    assert 'name="pending"' not in shown and "came without your session" not in shown
    page = client.get("/login").get_data(as_text=True)
    logged_in = client.post("/login", data={"username": "rita", "password": PASSWORD, "csrf_token": csrf_from(page)})
    assert logged_in.status_code == 302
    assert db.execute("SELECT COUNT(*) FROM reviews").fetchone()[0] == 0, "nothing recorded with a cut note"


def test_a_note_of_the_longest_length_kept_is_still_carried_whole(app):
    app, db, item_id = app
    note = "n" * (MAX_NOTE - 1) + "!"
    client, refused = refused_after_logout(app, item_id, note)
    html = refused.get_data(as_text=True)
    token = markup.unescape(re.search(r'type="hidden" name="pending" value="([^"]*)"', html).group(1))
    logged_in = client.post("/login", data={"pending": token, "pending_keep": "1", "username": "rita",
                                            "password": PASSWORD, "csrf_token": csrf_from(html)})
    assert logged_in.status_code == 302
    assert db.execute("SELECT note FROM reviews").fetchall() == [(note,)]


def test_a_carried_decision_is_never_cut_to_fit(app):
    app, db, item_id = app
    fields = {"pending_item": item_id, "pending_decision": "unsure", "pending_note": "x" * (MAX_NOTE + 1)}
    assert carried_decision(fields) is None
    with app.test_request_context():
        token = carry_token({"item": item_id, "decision": "unsure", "note": "x" * (MAX_NOTE + 1), "seen_review": ""},
                            "rita")
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"pending": token, "pending_keep": "1", "username": "rita", "password": PASSWORD,
                                "csrf_token": csrf_from(page)})
    assert db.execute("SELECT COUNT(*) FROM reviews").fetchone()[0] == 0


@pytest.mark.browser
def test_a_decision_with_a_key_on_the_queue_is_recorded_on_the_text_its_row_showed(tmp_path, browser):
    path = tmp_path / "review.db"
    db = connect(path)
    add_role_users(db)
    item_id = add_flagged(db, url=URL, text=TEXT_A, score=0.6, hallmarks=("othering",))
    with served(create_app(Settings(), path)) as base:
        page = new_page(browser, base, [])
        log_in(page, base, "rita")
        assert TEXT_A in page.locator("tr.qrow.selected .excerpt").inner_text()
        edited_to_b(db)   # B analysed while the queue showed A
        with page.expect_navigation():
            page.keyboard.press("2")
        assert "changed while you had it open" in page.content()
        page.context.close()
    assert db.execute("SELECT item_id, decision, content_hash FROM reviews").fetchall() == [
        (item_id, "not_incitement", HASH_A)]
    db.close()
