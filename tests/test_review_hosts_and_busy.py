"""The review page answers only to its own host names (DNS rebinding), says so plainly when the store is busy or
something fails, and takes a password whatever Unicode form the keyboard sends."""

from __future__ import annotations

import logging
import sqlite3
import unicodedata

import pytest

from test_review_support import PASSWORD, add_corpus, add_role_users, csrf_from, login, store_locked
from tocsin.config import Settings
from tocsin.review import accounts, create_app
from tocsin.review.hosts import allowed_host_names, host_name
from tocsin.store import connect, reviewing
from tocsin.store.audit import audit_events

HOSTILE = "rebind.attacker.example:8765"


@pytest.fixture
def store(tmp_path):
    """A store with the corpus and one user per role: (path, db, item ids)."""
    path = tmp_path / "review.db"
    db = connect(path)
    ids = add_corpus(db)
    add_role_users(db)
    yield path, db, ids
    db.close()


def app_over(path, settings: Settings | None = None, **kwargs):
    """The review app over ``path``, as served (errors are not propagated to the test)."""
    return create_app(settings or Settings(), path, **kwargs)


def status_for(app, host: str) -> int:
    return app.test_client().get("/login", headers={"Host": host}).status_code


# --------------------------------------------------------------------------- host names


@pytest.mark.parametrize("header, name", [("[::1]:8765", "::1"), ("[::1]", "::1"), ("LocalHost:8765", "localhost"),
                                          ("127.0.0.1", "127.0.0.1"), ("Review.Example.:443", "review.example"),
                                          ("::1", "::1")])
def test_host_names_are_compared_lower_cased_without_port_or_brackets(header, name):
    assert host_name(header) == name


def test_on_loopback_the_page_refuses_any_other_host_name_first_of_all(store, caplog):
    """A rebinding page's own name gets a 400 naming it and the fix, before the CSRF check, the login limit and the
    store: no session cookie, no audit event, a warning in the log."""
    path, db, _ = store
    client = app_over(path).test_client()
    before = len(audit_events(db))
    with caplog.at_level(logging.WARNING, logger="tocsin.review.app"):
        page = client.get("/login", headers={"Host": HOSTILE})
        guess = client.post("/login", headers={"Host": HOSTILE}, data={"username": "rita", "password": "guess-guess"})
    for refused in (page, guess):
        body = refused.get_data(as_text=True)
        assert refused.status_code == 400
        assert "rebind.attacker.example" in body and "add it to review.allowed_hosts" in body
        assert "Set-Cookie" not in refused.headers and 'name="csrf-token"' not in body
        assert refused.headers["Content-Security-Policy"]
    assert len(audit_events(db)) == before
    assert sum("rebind.attacker.example" in r.getMessage() for r in caplog.records) == 2


@pytest.mark.parametrize("host", ["localhost", "localhost:8765", "127.0.0.1:8765", "[::1]:8765", "LOCALHOST"])
def test_on_loopback_the_page_answers_to_this_machines_names(store, host):
    assert status_for(app_over(store[0]), host) == 200


def test_the_review_url_host_and_the_allowed_hosts_are_answered_to(store):
    settings = Settings()
    settings.alerts.review_url = "https://Review.NGO.example/"
    settings.review.allowed_hosts = ["LAN-Box:8765", "[fd00::20]"]
    app = app_over(store[0], settings)
    for host in ("review.ngo.example", "lan-box:8765", "[fd00::20]:8765", "localhost"):
        assert status_for(app, host) == 200, host
    assert status_for(app, HOSTILE) == 400


def test_beyond_this_machine_any_name_is_answered_until_allowed_hosts_is_set(store):
    from tocsin.review.server import listening_warnings

    settings = Settings()
    assert status_for(app_over(store[0], settings, listen_host="0.0.0.0"), HOSTILE) == 200
    assert any("review.allowed_hosts is empty" in w for w in listening_warnings(settings, "0.0.0.0"))
    settings.review.allowed_hosts = ["review.ngo.example"]
    assert not any("allowed_hosts" in w for w in listening_warnings(settings, "0.0.0.0"))
    app = app_over(store[0], settings, listen_host="192.168.1.20")
    for host in ("review.ngo.example", "192.168.1.20:8765", "127.0.0.1:8765", "[::1]:8765"):
        assert status_for(app, host) == 200, host
    assert status_for(app, HOSTILE) == 400
    assert allowed_host_names(settings, "192.168.1.20") >= {"review.ngo.example", "192.168.1.20", "localhost"}


def test_serve_answers_to_the_names_of_the_address_it_listens_on(store, monkeypatch):
    """``tocsin serve --host`` decides the names, not only ``review.host`` (nothing is started: waitress is stubbed)."""
    import waitress

    from tocsin.review.server import serve

    served = {}
    monkeypatch.setattr(waitress, "serve", lambda app, **options: served.update(app=app, **options))
    serve(Settings(), store[0], host="0.0.0.0", port=1)
    assert served["host"] == "0.0.0.0" and served["app"].extensions["tocsin_review"].hosts is None
    serve(Settings(), store[0], port=1)
    assert "localhost" in served["app"].extensions["tocsin_review"].hosts


# --------------------------------------------------------------------------- a busy store, a failure


def quick_to_give_up() -> Settings:
    settings = Settings()
    settings.database.busy_timeout_ms = 50
    return settings


NOTE = "Fictional note: the second paragraph names the market ✓"


def test_a_decision_while_the_store_is_locked_is_a_503_that_shows_it_back(store):
    path, db, ids = store
    client = app_over(path, quick_to_give_up()).test_client()
    login(client, "rita")
    token = csrf_from(client.get(f"/items/{ids[1]}").get_data(as_text=True))
    with store_locked(path):
        sent = client.post(f"/items/{ids[1]}/decide", data={"decision": "escalate", "note": NOTE, "csrf_token": token})
    body = sent.get_data(as_text=True)
    assert sent.status_code == 503 and int(sent.headers["Retry-After"]) > 0
    assert "store was busy" in body and "nothing was recorded" in body and "Try again in a moment" in body
    assert "“Escalate”" in body and NOTE in body and "tocsin review</title>" in body
    assert reviewing.item_reviews(db, ids[1]) == []


def test_a_login_while_the_store_is_locked_says_the_store_was_busy(store):
    path, _, _ = store
    client = app_over(path, quick_to_give_up()).test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    with store_locked(path):
        sent = client.post("/login", data={"username": "rita", "password": PASSWORD, "csrf_token": token})
    assert sent.status_code == 503 and sent.headers["Retry-After"]
    assert "store was busy" in sent.get_data(as_text=True)


@pytest.mark.parametrize("error", [RuntimeError("boom in the view"), sqlite3.OperationalError("disk I/O error")])
def test_an_unexpected_error_gives_the_sites_own_page_and_is_logged(store, monkeypatch, caplog, error):
    path, db, ids = store
    client = app_over(path).test_client()
    login(client, "rita")
    token = csrf_from(client.get(f"/items/{ids[1]}").get_data(as_text=True))

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(reviewing, "record_decision", fail)
    with caplog.at_level(logging.ERROR):
        sent = client.post(f"/items/{ids[1]}/decide", data={"decision": "unsure", "note": NOTE, "csrf_token": token})
    body = sent.get_data(as_text=True)
    assert sent.status_code == 500 and "Retry-After" not in sent.headers
    assert "tocsin review</title>" in body and "Something went wrong" in body and NOTE in body
    assert "Traceback" not in body and str(error) not in body
    assert any(r.exc_info and r.exc_info[1] is error for r in caplog.records)


@pytest.mark.parametrize("decision, said", [("bogus", "Your decision “bogus” was not recorded."),
                                            ("", "Your decision was not recorded.")])
def test_an_unknown_decision_not_recorded_is_shown_as_sent(store, decision, said):
    from tocsin.review.views import not_recorded

    app = app_over(store[0])
    with app.test_request_context("/"):
        from flask import g

        g.user = None
        body, code = not_recorded(decision, NOTE, "Why.", 503)
    assert code == 503 and said in body and NOTE in body


# --------------------------------------------------------------------------- passwords in any Unicode form

UNICODE_PASSWORD = "Пароль-ё-ünï 42"


def test_a_password_set_composed_is_accepted_decomposed_and_over_http(store):
    path, db, _ = store
    accounts.add_user(db, "uni", unicodedata.normalize("NFC", UNICODE_PASSWORD))
    decomposed = unicodedata.normalize("NFD", UNICODE_PASSWORD)
    assert decomposed != UNICODE_PASSWORD
    assert accounts.authenticate(db, "uni", decomposed) is not None
    assert login(app_over(path).test_client(), "uni", decomposed).status_code == 302
    assert accounts.authenticate(db, "uni", UNICODE_PASSWORD + "x") is None


def test_a_hash_made_of_a_decomposed_password_before_normalising_still_verifies_and_is_upgraded(store):
    _, db, _ = store
    decomposed = unicodedata.normalize("NFD", UNICODE_PASSWORD)
    accounts.add_user(db, "old", "placeholder password")
    reviewing.update_user(db, "old", "system", password_hash=accounts._hasher.hash(decomposed))  # as stored before
    assert accounts.authenticate(db, "old", unicodedata.normalize("NFC", UNICODE_PASSWORD)) is None   # never matched
    assert accounts.authenticate(db, "old", decomposed) is not None
    assert accounts.authenticate(db, "old", unicodedata.normalize("NFC", UNICODE_PASSWORD)) is not None  # upgraded
    assert accounts.authenticate(db, "old", decomposed) is not None
