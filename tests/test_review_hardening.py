"""The review page under odd and hostile input: tampered form fields, items erased while their page is open,
decisions from a stale tab, and scraped strings long enough to push the page off the screen."""

from __future__ import annotations

import html as markup
import re

import pytest

from test_review_support import PASSWORD, add_alert, add_corpus, add_flagged, add_role_users, csrf_from, login, served
from tocsin.config import Settings
from tocsin.review import create_app
from tocsin.review.carried import carry_token
from tocsin.store import connect, erasure, reviewing


@pytest.fixture
def site(tmp_path):
    """The corpus, one user per role, and the app over them."""
    path = tmp_path / "review.db"
    db = connect(path)
    ids = add_corpus(db)
    add_role_users(db)
    app = create_app(Settings(), path)
    app.config["TESTING"] = True
    yield {"app": app, "db": db, "ids": ids}
    db.close()


def signed_in(site: dict, username: str):
    """A test client logged in as ``username``, and the item page of the second corpus item it shows."""
    client = site["app"].test_client()
    login(client, username)
    return client, client.get(f"/items/{site['ids'][1]}").get_data(as_text=True)


def seen_review(page: str) -> str:
    return re.search(r'name="seen_review" value="(\d+)"', page).group(1)


def decisions(site: dict, item_id: str) -> list[tuple[str, str]]:
    return [(r["reviewer"], r["decision"]) for r in reviewing.item_reviews(site["db"], item_id)]


# --------------------------------------------------------------------------- tampered fields


@pytest.mark.parametrize("seen", ["9" * 30, "²", "0" * 5000, "-3"])
def test_an_altered_seen_review_number_is_ignored_not_a_server_error(site, seen):
    client, page = signed_in(site, "rita")
    item = site["ids"][1]
    sent = client.post(f"/items/{item}/decide", data={"decision": "unsure", "seen_review": seen, "csrf_token": csrf_from(page)})
    assert sent.status_code == 302
    assert decisions(site, item) == [("rita", "unsure")]


def test_a_carried_decision_with_an_altered_seen_review_number_is_recorded_after_login(site):
    item = site["ids"][1]
    with site["app"].test_request_context():
        token = carry_token({"item": item, "decision": "escalate", "note": "", "seen_review": "²"}, "rita")
    client = site["app"].test_client()
    page = client.get("/login").get_data(as_text=True)
    logged_in = client.post("/login", data={"pending": token, "pending_keep": "1", "username": "rita", "password": PASSWORD,
                                            "csrf_token": csrf_from(page)})
    assert logged_in.status_code == 302 and logged_in.headers["Location"] == "/"
    assert decisions(site, item) == [("rita", "escalate")]


def test_stored_text_that_is_not_utf8_is_shown_with_replacement_characters(site):
    """Bytes no Python writer stores (another tool, a damaged page) must not take the queue down for everyone."""
    item = site["ids"][0]
    site["db"].execute("UPDATE items SET title = CAST(X'46696374eda08042' AS TEXT), text = CAST(X'4100ff42' AS TEXT) "
                       "WHERE id = ?", [item])
    site["db"].conn.commit()
    client, _ = signed_in(site, "rita")
    for url in ("/?status=all", "/?status=all&q=fict", f"/items/{item}"):
        shown = client.get(url)
        assert shown.status_code == 200 and "Fict\ufffd" in shown.get_data(as_text=True), url


# --------------------------------------------------------------------------- erased items


def test_a_decision_on_an_item_erased_while_its_page_was_open_says_so_and_shows_the_note(site):
    client, page = signed_in(site, "rita")
    item = site["ids"][1]
    erasure.delete_items(site["db"], [item])
    sent = client.post(f"/items/{item}/decide", data={"decision": "escalate", "note": "fictional <b>note</b>",
                                                      "csrf_token": csrf_from(page)})
    shown = markup.unescape(sent.get_data(as_text=True))
    assert sent.status_code == 404
    assert "no longer in the store" in shown and "“Escalate” was not recorded" in shown
    assert "fictional <b>note</b></textarea>" in shown
    assert reviewing.item_reviews(site["db"], item) == []


def test_a_note_too_long_is_shown_back_with_why_the_decision_was_not_recorded(site):
    """A note past the limit (the text box stops at it, a script or an old browser may not) is not thrown away."""
    client, page = signed_in(site, "rita")
    item, note = site["ids"][1], "A fictional note. " * 120
    sent = client.post(f"/items/{item}/decide", data={"decision": "incitement", "note": note, "csrf_token": csrf_from(page)})
    shown = markup.unescape(sent.get_data(as_text=True))
    assert sent.status_code == 400
    assert f"Your note is {len(note.strip()):,} characters long, more than the 2,000 kept" in shown
    assert "“Incitement” was not recorded" in shown and f"{note.strip()}</textarea>" in shown
    assert reviewing.item_reviews(site["db"], item) == []


def test_an_item_erased_between_reading_it_and_recording_the_decision_is_no_server_error(site, monkeypatch):
    client, page = signed_in(site, "rita")
    item = site["ids"][1]
    record = reviewing.record_decision

    def erased_first(db, item_id, *args, **kwargs):
        erasure.delete_items(db, [item_id])   # ``tocsin forget`` in another process, at the worst moment
        return record(db, item_id, *args, **kwargs)

    monkeypatch.setattr(reviewing, "record_decision", erased_first)
    sent = client.post(f"/items/{item}/decide", data={"decision": "unsure", "note": "kept", "csrf_token": csrf_from(page)})
    assert sent.status_code == 404 and "no longer in the store" in sent.get_data(as_text=True)


def test_assigning_an_item_erased_meanwhile_is_refused_with_a_reason(site, monkeypatch):
    lead, page = signed_in(site, "leo")
    assign = reviewing.assign_items

    def erased_first(db, item_ids, *args, **kwargs):
        erasure.delete_items(db, item_ids[:1])
        return assign(db, item_ids, *args, **kwargs)

    monkeypatch.setattr(reviewing, "assign_items", erased_first)
    token = csrf_from(page)
    one = lead.post(f"/items/{site['ids'][1]}/assign", data={"reviewer": "rita", "csrf_token": token})
    bulk = lead.post("/assign", data={"reviewer": "rita", "count": "3", "filters": "status=all", "csrf_token": token})
    for sent in (one, bulk):
        assert sent.status_code == 400 and "erased meanwhile" in sent.get_data(as_text=True)
    assert site["db"].execute("SELECT COUNT(*) FROM assignments").fetchone()[0] == 0


# --------------------------------------------------------------------------- stale pages


def test_a_decision_from_a_stale_tab_says_which_of_ones_own_decisions_it_follows(site):
    client, stale = signed_in(site, "rita")
    item = site["ids"][1]
    fresh = client.get(f"/items/{item}").get_data(as_text=True)   # the same item open in a second tab
    client.post(f"/items/{item}/decide", data={"decision": "incitement", "seen_review": seen_review(fresh),
                                               "csrf_token": csrf_from(fresh)})
    assert "you decided it elsewhere" not in client.get("/").get_data(as_text=True)
    client.post(f"/items/{item}/decide", data={"decision": "not_incitement", "seen_review": seen_review(stale),
                                               "csrf_token": csrf_from(stale)})
    shown = client.get("/").get_data(as_text=True)
    assert "you decided it elsewhere too" in shown and "rita: “Incitement” at " in shown
    assert "others decided it too" not in shown
    assert decisions(site, item) == [("rita", "incitement"), ("rita", "not_incitement")]


def test_the_same_decision_sent_again_from_a_stale_tab_is_recorded_once_without_a_warning(site):
    client, stale = signed_in(site, "rita")
    item = site["ids"][1]
    for page in (client.get(f"/items/{item}").get_data(as_text=True), stale):
        client.post(f"/items/{item}/decide", data={"decision": "escalate", "seen_review": seen_review(page),
                                                   "csrf_token": csrf_from(page)})
    assert "you decided it elsewhere" not in client.get("/").get_data(as_text=True)
    assert decisions(site, item) == [("rita", "escalate")]


# --------------------------------------------------------------------------- accessibility


def test_scraped_text_carries_its_language_for_screen_readers(site):
    ids = site["ids"]
    client, _ = signed_in(site, "rita")
    russian = client.get(f"/items/{ids[0]}").get_data(as_text=True)
    assert '<div class="text" id="item-text" lang="ru">' in russian and '<span lang="ru" dir="auto">' in russian
    assert 'id="item-text" lang="uz-Latn"' in client.get(f"/items/{ids[2]}").get_data(as_text=True)
    queue = client.get("/?status=all").get_data(as_text=True)
    assert '<div class="excerpt" lang="ru" dir="auto">' in queue and '<div class="excerpt" lang="en" dir="auto">' in queue
    odd = add_flagged(site["db"], url="https://news.example/odd-lang", title="Fictional", text="Fictional text.",
                      lang='x"><b>')   # no language tag: the language is given as unknown
    assert 'id="item-text" lang=""' in client.get(f"/items/{odd}").get_data(as_text=True)


# --------------------------------------------------------------------------- long unbroken strings


@pytest.mark.browser
def test_long_unbroken_scraped_strings_wrap_inside_the_page(tmp_path):
    """A 3,000-character title, link, source, note or alert message with no space wraps; the page never grows
    wider than the window (the decision buttons and facts would be off screen)."""
    playwright_sync = pytest.importorskip("playwright.sync_api")
    from test_review_browser import CHROMIUM, CHROMIUM_ARGS

    path = tmp_path / "review.db"
    db = connect(path)
    add_role_users(db)
    endless = "x" * 3000
    item = add_flagged(db, url="https://news.example/" + endless, title="T" + endless, text="Fictional " + endless,
                       source="s" + "z" * 200, author="a" + endless)
    reviewing.record_decision(db, item, "leo", "incitement", "n" + endless)
    add_alert(db, rule="spread-rule", kind="spread", key="uzbek|osh", severity="high", item_ids=[item],
              title="A" + endless, message="M" + endless)
    app = create_app(Settings(), path)
    with served(app) as base, playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(base + "/login")
            page.fill("#username", "ada")
            page.fill("#password", PASSWORD)
            page.press("#password", "Enter")
            page.wait_for_url(base + "/")
            for url in ("/?status=all", f"/items/{item}", "/alerts", "/audit"):
                page.goto(base + url)
                assert page.evaluate("document.documentElement.scrollWidth") <= 1280, url
        finally:
            browser.close()
    db.close()
