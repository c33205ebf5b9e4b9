"""The review page when a request cannot be done as sent: a login while the store is busy counts as no failed
attempt (nobody typed anything wrong) and logs nobody in; a form over the body limit gets the site's own page
naming the limit, with the start of the note to copy, and the body is never read past the limit."""

from __future__ import annotations

import re
import sqlite3

import pytest
from argon2 import PasswordHasher

from test_review_hosts_and_busy import store  # noqa: F401  (the fixture: the corpus and one user per role)
from test_review_support import PASSWORD, csrf_from, login, store_locked
from tocsin.config import Settings
from tocsin.review import accounts, create_app
from tocsin.review.too_large import MAX_FORM_BYTES
from tocsin.store import reviewing

#: Failed logins allowed per name and address per minute, in these tests.
ATTEMPTS = 2


@pytest.fixture
def app(store):
    """The review app over the store, quick to give up on a locked store and to limit logins."""
    settings = Settings()
    settings.database.busy_timeout_ms = 50
    settings.review.login_attempts_per_minute = ATTEMPTS
    return create_app(settings, store[0])


def post_login(client, password: str = PASSWORD, username: str = "rita"):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def limiter(app):
    return app.extensions["tocsin_review"].limiter


# --------------------------------------------------------------------------- a login while the store is busy


def test_a_right_password_whose_hash_is_renewed_while_the_store_is_busy_counts_as_no_failed_attempt(store, app):
    """The renewed hash cannot be written: a 503 each time, and no count, so the monitor is not locked out."""
    path, db, _ = store
    reviewing.update_user(db, "rita", "system", password_hash=PasswordHasher(time_cost=1).hash(PASSWORD))
    client = app.test_client()
    with store_locked(path):
        for _ in range(ATTEMPTS + 1):
            assert post_login(client).status_code == 503
    assert limiter(app).blocked_for("rita", "127.0.0.1") == 0 and len(limiter(app)) == 0
    assert post_login(client).status_code == 302


def test_a_store_busy_before_the_password_is_checked_counts_as_no_failed_attempt(store, app, monkeypatch):
    def busy(*_args, **_kwargs):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(accounts, "authenticate", busy)
    client = app.test_client()
    for _ in range(ATTEMPTS + 1):
        sent = post_login(client)
        assert sent.status_code == 503 and "store was busy" in sent.get_data(as_text=True)
    assert len(limiter(app)) == 0


def test_a_wrong_password_while_the_store_is_busy_still_counts(store, app):
    client = app.test_client()
    with store_locked(store[0]):
        for _ in range(ATTEMPTS):
            assert post_login(client, "wrong-wrong-wrong").status_code == 503
    assert limiter(app).blocked_for("rita", "127.0.0.1") > 0


def test_a_login_the_store_was_too_busy_to_record_logs_nobody_in(store, app):
    """The page says nothing was recorded: no session is made either."""
    client = app.test_client()
    with store_locked(store[0]):
        sent = post_login(client)
    assert sent.status_code == 503 and "Set-Cookie" not in sent.headers
    assert client.get("/").status_code == 302
    assert len(limiter(app)) == 0


# --------------------------------------------------------------------------- a form over the body limit

NOTE_START = "Fictional note on the market post ✓ "


def decide_with(client, item_id: str, note: str):
    token = csrf_from(client.get(f"/items/{item_id}").get_data(as_text=True))
    return client.post(f"/items/{item_id}/decide", data={"decision": "escalate", "csrf_token": token, "note": note})


def shown_note(body: str) -> str:
    import html

    match = re.search(r'<textarea readonly[^>]*id="unrecorded-note">(.*?)</textarea>', body, re.S)
    assert match, "no note shown back"
    return html.unescape(match.group(1))


def test_a_decision_over_the_body_limit_names_the_limit_and_shows_the_start_of_its_note(store, app):
    path, db, ids = store
    client = app.test_client()
    login(client, "rita")
    note = NOTE_START * (MAX_FORM_BYTES // 10)
    sent = decide_with(client, ids[1], note)
    body = sent.get_data(as_text=True)
    assert sent.status_code == 413 and "tocsin review</title>" in body and sent.headers["Content-Security-Policy"]
    assert "256 KiB" in body and "Shorten your note to at most 2,000 characters" in body
    assert "decision was not recorded" in body
    shown = shown_note(body)
    assert 1000 < len(shown) < len(note) and note.startswith(shown)
    assert reviewing.item_reviews(db, ids[1]) == []


def test_another_form_over_the_body_limit_gets_the_sites_page_without_a_note(store, app):
    client = app.test_client()
    login(client, "ada")
    token = csrf_from(client.get("/users").get_data(as_text=True))
    sent = client.post("/users", data={"csrf_token": token, "username": "x" * (MAX_FORM_BYTES + 1)})
    body = sent.get_data(as_text=True)
    assert sent.status_code == 413 and "tocsin review</title>" in body
    assert "256 KiB" in body and "Shorten what you typed" in body and "unrecorded-note" not in body


class EndlessForm:
    """A form body that never ends, counting the bytes read from it."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        size = 65536 if size is None or size < 0 else size
        chunk = (b"note=" + b"a" * size)[:size] if self.read_bytes == 0 else b"a" * size
        self.read_bytes += len(chunk)
        return chunk

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)


def test_the_body_of_a_form_over_the_limit_is_never_read_past_the_limit(store, app):
    client = app.test_client()
    login(client, "rita")
    endless = EndlessForm()
    sent = client.post(f"/items/{store[2][1]}/decide", content_type="application/x-www-form-urlencoded",
                       environ_overrides={"wsgi.input": endless, "CONTENT_LENGTH": str(10 ** 12)})
    assert sent.status_code == 413
    assert 0 < endless.read_bytes <= MAX_FORM_BYTES
    assert shown_note(sent.get_data(as_text=True)).startswith("aaaa")
