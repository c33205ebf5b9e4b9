"""A form far over the page's limit, served by waitress as ``tocsin review`` serves it: the site's own 413 page
naming the limit comes back (not waitress's plain one), and nothing is recorded; a body at waitress's hard cap is
refused from its headers alone."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request

import pytest

from test_review_hosts_and_busy import store  # noqa: F401  (the fixture: the corpus and one user per role)
from test_review_support import PASSWORD, csrf_from, served_by_waitress
from tocsin.config import Settings
from tocsin.review import create_app
from tocsin.store import reviewing


@pytest.fixture
def base(store):
    """The review page over the store, served by waitress on 127.0.0.1 with tocsin's settings; its base URL."""
    settings = Settings()
    with served_by_waitress(create_app(settings, store[0]), settings) as url:
        yield url


def test_a_decision_just_over_1_mib_gets_the_sites_page_naming_the_limit(store, base):
    _, db, ids = store
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    token = csrf_from(opener.open(f"{base}/login").read().decode())
    opener.open(f"{base}/login", urllib.parse.urlencode({"username": "rita", "password": PASSWORD,
                                                          "csrf_token": token}).encode())
    token = csrf_from(opener.open(f"{base}/items/{ids[1]}").read().decode())
    form = urllib.parse.urlencode({"decision": "escalate", "csrf_token": token, "note": "a" * (1 << 20)}).encode()
    assert len(form) > 1 << 20
    with pytest.raises(urllib.error.HTTPError) as refused:
        opener.open(f"{base}/items/{ids[1]}/decide", form)
    body = refused.value.read().decode()
    assert refused.value.code == 413 and "tocsin review</title>" in body
    assert "256 KiB" in body and "decision was not recorded" in body
    assert reviewing.item_reviews(db, ids[1]) == []


def test_a_body_at_the_hard_cap_is_refused_before_it_is_sent(base):
    """Nobody can make waitress take in more than :data:`MAX_BODY_BYTES`: it answers the headers alone."""
    import http.client

    from tocsin.review.server import MAX_BODY_BYTES

    port = int(base.rsplit(":", 1)[1])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest("POST", "/login")
        connection.putheader("Content-Type", "application/x-www-form-urlencoded")
        connection.putheader("Content-Length", str(MAX_BODY_BYTES))
        connection.endheaders()   # no body sent
        assert connection.getresponse().status == 413
    finally:
        connection.close()
