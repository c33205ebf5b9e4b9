"""The review app through Flask's test client: access by role, CSRF, sessions, login limits, pages, escaping."""

from __future__ import annotations

import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from test_review_support import (CORPUS, PASSWORD, ROLE_USERS, add_alert, add_corpus, add_flagged, add_role_users,
                                 csrf_from, login, served_by_waitress)
from tocsin.config import Settings
from tocsin.review import accounts, create_app
from tocsin.review.app import CONTENT_SECURITY_POLICY
from tocsin.store import connect, reviewing
from tocsin.store.audit import audit_events
from tocsin.store.pseudonyms import item_link_ids

ROLES = ("reviewer", "lead", "admin")


@pytest.fixture
def world(tmp_path):
    """A store with the corpus, one user per role plus a spare, an open alert; and the app over it."""
    path = tmp_path / "review.db"
    db = connect(path)
    ids = add_corpus(db)
    add_role_users(db)
    accounts.add_user(db, "spare", PASSWORD, "reviewer")
    alert = add_alert(db, rule="spread-rule", kind="spread", key="uzbek|osh", severity="high", item_ids=[ids[0], ids[4]])
    settings = Settings()
    settings.review.login_attempts_per_minute = 3
    app = create_app(settings, path)
    app.config["TESTING"] = True
    yield {"app": app, "db": db, "ids": ids, "alert": alert, "alert_link": item_link_ids(db)(ids[4])}
    db.close()


def routes(app) -> set[tuple[str, str]]:
    return {(rule.endpoint, method) for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}}


#: Every route with the least role that may use it; None: anyone.
MIN_ROLE = {
    ("static", "GET"): None,
    ("review.login", "GET"): None,
    ("review.login", "POST"): None,
    ("review.queue", "GET"): "reviewer",
    ("review.item", "GET"): "reviewer",
    ("review.decide", "POST"): "reviewer",
    ("review.alerts", "GET"): "reviewer",
    ("review.alert", "GET"): "reviewer",
    ("review.alert_item", "GET"): "reviewer",
    ("review.assign", "POST"): "lead",
    ("review.assign_queue", "POST"): "lead",
    ("review.stats", "GET"): "lead",
    ("review.acknowledge", "POST"): "lead",
    ("review.silence", "POST"): "lead",
    ("review.users", "GET"): "admin",
    ("review.add_user", "POST"): "admin",
    ("review.disable_user", "POST"): "admin",
    ("review.enable_user", "POST"): "admin",
    ("review.audit_log", "GET"): "admin",
    ("review.logout", "POST"): "reviewer",  # last: it ends the session
}


def request_for(endpoint: str, world: dict) -> tuple[str, dict]:
    """A concrete, valid URL and form for each route."""
    item, alert = world["ids"][1], world["alert"]
    return {
        "static": ("/static/review.css", {}),
        "review.login": ("/login", {"username": "spare", "password": PASSWORD}),
        "review.queue": ("/?lang=en", {}),
        "review.item": (f"/items/{item}", {}),
        "review.decide": (f"/items/{item}/decide", {"decision": "unsure", "note": "n"}),
        "review.alerts": ("/alerts", {}),
        "review.alert": (f"/alerts/{alert}", {}),
        "review.alert_item": (f"/alerts/{alert}/items/{world['alert_link']}", {}),
        "review.assign": (f"/items/{item}/assign", {"reviewer": "spare"}),
        "review.assign_queue": ("/assign", {"reviewer": "spare", "count": "2"}),
        "review.stats": ("/stats", {}),
        "review.acknowledge": (f"/alerts/{alert}/ack", {}),
        "review.silence": ("/silences", {"rule": "spread-rule", "key": "uzbek|osh", "hours": "4", "comment": "c"}),
        "review.users": ("/users", {}),
        "review.add_user": ("/users", {"username": "newcomer", "password": PASSWORD, "role": "reviewer"}),
        "review.disable_user": ("/users/spare/disable", {}),
        "review.enable_user": ("/users/spare/enable", {}),
        "review.audit_log": ("/audit", {}),
        "review.logout": ("/logout", {}),
    }[endpoint]


def state(db) -> tuple:
    """Everything a state-changing route could change."""
    return tuple(db.execute(sql).fetchall() for sql in (
        "SELECT COUNT(*) FROM reviews", "SELECT COUNT(*) FROM assignments", "SELECT COUNT(*) FROM silences",
        "SELECT status FROM alerts", "SELECT username, disabled FROM users ORDER BY username"))


def test_the_matrix_names_every_route(world):
    assert routes(world["app"]) == set(MIN_ROLE)


@pytest.mark.parametrize("role", ROLES)
def test_route_role_matrix(world, role):
    """Each role reaches exactly the routes of its level and below; refused requests change nothing."""
    client = world["app"].test_client()
    assert login(client, ROLE_USERS[role]).status_code == 302
    token = csrf_from(client.get("/").get_data(as_text=True))
    seen = {}
    for (endpoint, method), needed in MIN_ROLE.items():
        if endpoint in ("static", "review.login"):
            continue
        url, form = request_for(endpoint, world)
        before = state(world["db"])
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={**form, "csrf_token": token})
        allowed = accounts.role_at_least(role, needed)
        seen[endpoint] = response.status_code
        if allowed:
            assert response.status_code in (200, 302), (role, endpoint, response.status_code)
        else:
            assert response.status_code == 403, (role, endpoint, response.status_code)
            assert state(world["db"]) == before, (role, endpoint)
    assert seen["review.logout"] == 302
    assert client.get("/").status_code == 302  # logged out


def test_anonymous_requests_reach_only_the_login_page(world):
    client = world["app"].test_client()
    login_page = client.get("/login")
    assert login_page.status_code == 200
    token = csrf_from(login_page.get_data(as_text=True))
    assert client.get("/static/review.js").status_code == 200
    before = state(world["db"])
    for (endpoint, method) in MIN_ROLE:
        if endpoint in ("static", "review.login"):
            continue
        url, form = request_for(endpoint, world)
        if method == "GET":
            response = client.get(url)
            assert response.status_code == 302 and response.headers["Location"].startswith("/login"), endpoint
        else:
            assert client.post(url, data={**form, "csrf_token": token}).status_code == 403, endpoint
    assert client.get("/no/such/page").status_code == 403
    assert state(world["db"]) == before


def test_every_state_changing_route_needs_a_valid_csrf_token(world):
    client = world["app"].test_client()
    login(client, ROLE_USERS["admin"])
    posts = [endpoint for endpoint, method in MIN_ROLE if method == "POST"]
    assert len(posts) == 10
    before = state(world["db"])
    for endpoint in posts:
        url, form = request_for(endpoint, world)
        assert client.post(url, data=form).status_code == 403, endpoint
        assert client.post(url, data={**form, "csrf_token": "forged"}).status_code == 403, endpoint
    # a token of another session is refused too
    other = world["app"].test_client()
    foreign = csrf_from(other.get("/login").get_data(as_text=True))
    url, form = request_for("review.decide", world)
    assert client.post(url, data={**form, "csrf_token": foreign}).status_code == 403
    assert state(world["db"]) == before
    assert client.get("/").status_code == 200  # still logged in


def test_security_headers_and_cookie_flags(world):
    client = world["app"].test_client()
    response = login(client, ROLE_USERS["reviewer"])
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie   # Lax: a link to an alert from a mail keeps the session
    for url in ("/", "/login", "/static/review.css", f"/items/{world['ids'][0]}"):
        headers = client.get(url).headers
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert "default-src 'self'" in CONTENT_SECURITY_POLICY and "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_templates_carry_no_inline_script_or_style(world):
    client = world["app"].test_client()
    login(client, ROLE_USERS["admin"])
    for url in ("/", f"/items/{world['ids'][1]}", "/alerts", "/stats", "/users", "/audit", "/login"):
        html = client.get(url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=\"/static/)", html), url
        assert "<style" not in html and " style=" not in html and not re.search(r"\son[a-z]+=", html), url


def test_login_is_rate_limited_and_audited(world):
    client = world["app"].test_client()
    for _ in range(3):
        assert login(client, "rita", "wrong password").status_code == 401
    token = csrf_from(client.get("/login").get_data(as_text=True))
    blocked = client.post("/login", data={"username": "rita", "password": PASSWORD, "csrf_token": token,
                                          "next": "/alerts/1"})
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    page = blocked.get_data(as_text=True)
    assert "Too many attempts for this name: wait" in page and 'value="/alerts/1"' in page   # the way back kept
    assert client.get("/").status_code == 302
    assert login(client, "leo").status_code == 302  # another account from the same address still works
    actions = [e["action"] for e in audit_events(world["db"])]
    assert actions.count("login_failed") == 3 and "login_blocked" in actions and "login" in actions
    failed = audit_events(world["db"], "login_failed")[0]
    assert failed["actor"] == "rita" and "wrong password" not in failed["details"]


def test_guesses_sent_at_once_get_no_more_password_checks_than_the_limit(world, monkeypatch):
    checked, lock, barrier = [], threading.Lock(), threading.Barrier(8)
    real_authenticate = accounts.authenticate

    def slow_authenticate(db, username, password):   # a password check takes a while: the guesses overlap
        with lock:
            checked.append(password)
        time.sleep(0.2)
        return real_authenticate(db, username, password)

    monkeypatch.setattr(accounts, "authenticate", slow_authenticate)
    statuses = []

    def guess(n: int) -> None:
        client = world["app"].test_client()
        token = csrf_from(client.get("/login").get_data(as_text=True))
        barrier.wait()
        answer = client.post("/login", data={"username": "rita", "password": f"guess {n}", "csrf_token": token})
        with lock:
            statuses.append(answer.status_code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(checked) == 3 and sorted(statuses) == [401] * 3 + [429] * 5
    assert login(world["app"].test_client(), "leo").status_code == 302   # a success from the address still gets in


@pytest.mark.parametrize("proxies, rita_gets_in", [(1, True), (0, False)])
def test_behind_a_proxy_one_address_guessing_names_locks_out_only_itself(world, tmp_path, proxies, rita_gets_in):
    settings = Settings()
    settings.review.login_attempts_per_minute = 3
    settings.review.proxies = proxies
    app = create_app(settings, tmp_path / "review.db")
    guesser, rita = app.test_client(), app.test_client()
    guesser.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.9"   # every request reaches the page from the proxy
    rita.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.7"
    for n in range(15):
        login(guesser, f"name{n}", "wrong password")
    assert login(guesser, "leo").status_code == 429
    assert (login(rita, "rita").status_code == 302) is rita_gets_in


def test_behind_a_proxy_served_by_waitress_the_page_sees_each_monitors_address(world, tmp_path):
    settings = Settings()
    settings.review.login_attempts_per_minute = 3
    settings.review.proxies = 1

    def attempt(base: str, address: str, name: str, password: str) -> int:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(), NoRedirect())
        headers = {"X-Forwarded-For": address}
        page = opener.open(urllib.request.Request(f"{base}/login", headers=headers)).read().decode()
        form = urllib.parse.urlencode({"username": name, "password": password, "csrf_token": csrf_from(page)}).encode()
        try:
            return opener.open(urllib.request.Request(f"{base}/login", data=form, headers=headers)).status
        except urllib.error.HTTPError as e:
            return e.code

    with served_by_waitress(create_app(settings, tmp_path / "review.db"), settings) as base:
        for n in range(15):
            attempt(base, "203.0.113.9", f"name{n}", "wrong password")
        assert attempt(base, "203.0.113.9", "leo", PASSWORD) == 429
        assert attempt(base, "198.51.100.7", "rita", PASSWORD) == 302   # the guesser's address is limited, not the proxy's


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_trusting_a_proxy_while_listening_on_every_address_is_warned_of():
    from tocsin.review.server import listening_warnings

    settings = Settings()
    settings.review.proxies = 1
    assert any("anyone can send that header" in w for w in listening_warnings(settings, "0.0.0.0"))
    assert not any("anyone can send that header" in w for w in listening_warnings(settings, "127.0.0.1"))
    assert listening_warnings(settings, "::1") == [] and listening_warnings(settings, "localhost") == []


def test_login_redirects_only_to_local_paths(world):
    client = world["app"].test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    for target, expected in (("//evil.example/x", "/"), ("https://evil.example/", "/"), ("/\t/evil.example/", "/"),
                             ("/\r\n/evil.example/", "/"), ("/\x7f/x", "/"), ("/stats", "/stats")):
        client.post("/logout", data={"csrf_token": token})
        token = csrf_from(client.get("/login").get_data(as_text=True))
        response = client.post("/login", data={"username": "leo", "password": PASSWORD, "csrf_token": token, "next": target})
        assert response.headers["Location"] == expected
        token = csrf_from(client.get("/").get_data(as_text=True))


def test_logging_out_ends_the_session_and_any_copy_of_its_cookie(world):
    client = world["app"].test_client()
    login(client, "rita")
    copy = world["app"].test_client()
    copy.set_cookie("tocsin_session", client.get_cookie("tocsin_session").value)   # say, taken from a shared machine
    assert copy.get("/").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})
    assert copy.get("/").status_code == 302 and client.get("/").status_code == 302
    login(client, "rita")
    assert client.get("/").status_code == 200


def test_disabling_a_user_or_changing_the_password_ends_their_session(world):
    client = world["app"].test_client()
    login(client, "rita")
    assert client.get("/").status_code == 200
    accounts.set_password(world["db"], "rita", "another secret 1")
    assert client.get("/").status_code == 302
    login(client, "rita", "another secret 1")
    assert client.get("/").status_code == 200
    copy = world["app"].test_client()   # a copy of the cookie, as on a seized device
    copy.set_cookie(world["app"].config["SESSION_COOKIE_NAME"], client.get_cookie(world["app"].config["SESSION_COOKIE_NAME"]).value)
    assert copy.get("/").status_code == 200
    accounts.set_disabled(world["db"], "rita")
    assert client.get("/").status_code == 302
    assert login(client, "rita", "another secret 1").status_code == 401
    accounts.set_disabled(world["db"], "rita", False)   # enabled again (a new device): the old cookie stays dead
    assert copy.get("/").status_code == 302


def test_deciding_on_the_item_page_stores_it_and_moves_on(world):
    client = world["app"].test_client()
    login(client, "rita")
    ids = world["ids"]
    page = client.get(f"/items/{ids[1]}?source=valley-channel")
    html = page.get_data(as_text=True)
    assert 'id="next"' in html and f"/items/{ids[4]}" in html
    response = client.post(f"/items/{ids[1]}/decide", data={
        "decision": "escalate", "note": "needs a second look", "return_to": "item", "filters": "source=valley-channel",
        "csrf_token": csrf_from(html)})
    assert response.status_code == 302 and response.headers["Location"] == f"/items/{ids[4]}?source=valley-channel"
    [review] = reviewing.item_reviews(world["db"], ids[1])
    assert (review["reviewer"], review["decision"], review["note"]) == ("rita", "escalate", "needs a second look")
    token = csrf_from(client.get("/").get_data(as_text=True))
    assert client.post(f"/items/{ids[1]}/decide", data={"decision": "delete", "csrf_token": token}).status_code == 400
    assert client.post(f"/items/{ids[1]}/decide", data={"decision": "unsure", "note": "x" * 2001, "csrf_token": token}).status_code == 400
    # control characters that could drive a terminal the note is printed on are dropped, the decision kept
    for n, note in enumerate(("a\x00b", "\x1b[31mred", "bell\x07", "\x85csi")):
        kept = client.post(f"/items/{ids[1]}/decide", data={"decision": "unsure", "note": f"{n} {note}", "csrf_token": token})
        assert kept.status_code == 302
    assert [r["note"] for r in reviewing.item_reviews(world["db"], ids[1])[1:]] == ["0 ab", "1 [31mred", "2 bell", "3 csi"]
    kept = client.post(f"/items/{ids[1]}/decide", data={"decision": "unsure", "note": "line one\r\n\tline two", "csrf_token": token})
    assert kept.status_code == 302 and reviewing.item_reviews(world["db"], ids[1])[-1]["note"] == "line one\n\tline two"
    assert client.post("/items/nope/decide", data={"decision": "unsure", "csrf_token": token}).status_code == 404
    assert len(reviewing.item_reviews(world["db"], ids[1])) == 6
    # the same form sent again (a retry after a lost answer, a reload) is one decision
    for _ in range(3):
        again = client.post(f"/items/{ids[1]}/decide", data={"decision": "unsure", "note": "line one\r\n\tline two",
                                                             "csrf_token": token})
        assert again.status_code == 302
    assert len(reviewing.item_reviews(world["db"], ids[1])) == 6


def refused_decision(world, decision: str, note: str):
    """Rita's decision on ids[1] sent after another of her sessions logged out: the page that answers it."""
    client = world["app"].test_client()
    login(client, "rita")
    ids = world["ids"]
    page = client.get(f"/items/{ids[1]}").get_data(as_text=True)
    other = world["app"].test_client()
    login(other, "rita")
    other.post("/logout", data={"csrf_token": csrf_from(other.get("/").get_data(as_text=True))})   # ends every session
    refused = client.post(f"/items/{ids[1]}/decide", data={"decision": decision, "note": note, "csrf_token": csrf_from(page),
                                                           "seen_review": seen_review_from(page)})
    return client, refused


def carried_fields(html: str) -> dict[str, str]:
    import html as markup

    return {name: markup.unescape(value) for name, value in re.findall(r'type="hidden" name="(pending|next)" value="([^"]*)"', html)}


def login_carrying(client, page: str, username: str, password: str = PASSWORD, *, keep: bool = True):
    """Log in through the login form of ``page`` with the decision it carries (its hidden fields), the box to
    record it ticked unless ``keep`` is False."""
    return client.post("/login", data={**carried_fields(page), "username": username, "password": password,
                                       "csrf_token": csrf_from(page), **({"pending_keep": "1"} if keep else {})})


def test_a_decision_sent_after_the_session_ended_is_shown_back_unrecorded_with_its_note(world):
    ids = world["ids"]
    before = len(reviewing.item_reviews(world["db"], ids[1]))
    _, refused = refused_decision(world, "escalate", "seen <b>twice</b> in Osh")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 403 and "Your decision was not recorded" in html
    assert "Escalate" in html and "seen &lt;b&gt;twice&lt;/b&gt; in Osh</textarea>" in html
    assert carried_fields(html)["next"] == f"/items/{ids[1]}" and 'name="pending_keep" value="1" checked' in html
    assert len(reviewing.item_reviews(world["db"], ids[1])) == before


def test_logging_in_from_the_unrecorded_page_records_the_decision_it_carried(world):
    ids = world["ids"]
    client, refused = refused_decision(world, "escalate", "seen twice\nin Osh")
    html = refused.get_data(as_text=True)
    carried = carried_fields(html)
    assert set(carried) == {"pending", "next"}   # one signed field: the decision cannot be altered on the way
    # a mistyped password keeps carrying it
    wrong = login_carrying(client, html, "rita", "wrong")
    assert wrong.status_code == 401 and carried_fields(wrong.get_data(as_text=True)) == carried
    leo_page = world["app"].test_client()
    login(leo_page, "leo")
    shown = leo_page.get(f"/items/{ids[1]}").get_data(as_text=True)
    leo_page.post(f"/items/{ids[1]}/decide", data={"decision": "incitement", "csrf_token": csrf_from(shown)})
    logged_in = login_carrying(client, wrong.get_data(as_text=True), "rita")
    assert logged_in.status_code == 302 and logged_in.headers["Location"] == f"/items/{ids[1]}"
    reviews = reviewing.item_reviews(world["db"], ids[1])
    assert [(r["reviewer"], r["decision"], r["note"]) for r in reviews[-2:]] == [
        ("leo", "incitement", ""), ("rita", "escalate", "seen twice\nin Osh")]
    back = client.get(logged_in.headers["Location"]).get_data(as_text=True)
    assert "the decision you made before logging in again" in back and "leo: “Incitement”" in back


def test_a_carried_decision_is_not_recorded_when_unticked_or_its_item_is_gone(world):
    ids = world["ids"]
    client, refused = refused_decision(world, "unsure", "")
    html = refused.get_data(as_text=True)
    before = len(reviewing.item_reviews(world["db"], ids[1]))
    unticked = login_carrying(client, html, "rita", keep=False)
    assert unticked.status_code == 302 and len(reviewing.item_reviews(world["db"], ids[1])) == before
    from tocsin.review.carried import carry_token

    with world["app"].test_request_context():
        gone_item = carry_token({"item": "f" * 64, "decision": "unsure", "note": "", "seen_review": ""}, "rita")
        deleting = carry_token({"item": ids[1], "decision": "delete", "note": "", "seen_review": ""}, "rita")
    other = world["app"].test_client()
    page = other.get("/login").get_data(as_text=True)
    gone = other.post("/login", data={"pending": gone_item, "username": "rita", "password": PASSWORD, "pending_keep": "1",
                                      "csrf_token": csrf_from(page)})
    assert gone.status_code == 302 and "no longer in the store" in other.get("/").get_data(as_text=True)
    token = carried_fields(html)["pending"]
    for forged_fields in ({"pending_item": ids[1], "pending_decision": "incitement"}, {"pending": deleting},
                          {"pending": token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]}):
        forged = world["app"].test_client()
        page = forged.get("/login").get_data(as_text=True)
        forged.post("/login", data={**forged_fields, "pending_keep": "1", "username": "rita", "password": PASSWORD,
                                    "csrf_token": csrf_from(page)})
    assert len(reviewing.item_reviews(world["db"], ids[1])) == before, "only signed, unaltered, known decisions are carried"


def test_a_decision_sent_from_another_site_is_not_carried_into_anyones_login(world):
    ids = world["ids"]
    before = len(reviewing.item_reviews(world["db"], ids[1]))
    attacker = world["app"].test_client()   # a form on another site: no session cookie, no token
    refused = attacker.post(f"/items/{ids[1]}/decide", data={"decision": "not_incitement", "note": "attacker's note"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 403 and "came without your session" in html
    assert 'name="pending"' not in html and "pending_keep" not in html
    logged_in = login_carrying(attacker, html, "rita")
    assert logged_in.status_code == 302 and len(reviewing.item_reviews(world["db"], ids[1])) == before


def test_a_carried_decision_is_recorded_only_for_the_monitor_whose_session_it_was(world):
    ids = world["ids"]
    client, refused = refused_decision(world, "escalate", "rita's note")
    html = refused.get_data(as_text=True)
    before = len(reviewing.item_reviews(world["db"], ids[1]))
    as_leo = login_carrying(client, html, "leo")
    assert as_leo.status_code == 302 and len(reviewing.item_reviews(world["db"], ids[1])) == before
    assert "from rita&#39;s ended session was not recorded under your name" in client.get("/").get_data(as_text=True)


def seen_review_from(html: str) -> str:
    return re.search(r'name="seen_review" value="(\d+)"', html).group(1)


def test_a_decision_made_while_another_monitor_decided_the_item_says_so_and_keeps_both(world):
    rita, leo = world["app"].test_client(), world["app"].test_client()
    login(rita, "rita")
    login(leo, "leo")
    ids = world["ids"]
    page = rita.get(f"/items/{ids[1]}").get_data(as_text=True)
    queue = rita.get("/").get_data(as_text=True)
    assert seen_review_from(page) == seen_review_from(queue)
    leo_page = leo.get(f"/items/{ids[1]}").get_data(as_text=True)
    leo.post(f"/items/{ids[1]}/decide", data={"decision": "not_incitement", "seen_review": seen_review_from(leo_page),
                                              "csrf_token": csrf_from(leo_page)})
    assert "others decided it too" not in leo.get("/").get_data(as_text=True), "nobody else had decided"
    rita.post(f"/items/{ids[1]}/decide", data={"decision": "incitement", "seen_review": seen_review_from(page),
                                               "csrf_token": csrf_from(page)})
    shown = rita.get("/").get_data(as_text=True)
    assert 'class="flash flash-warning"' in shown and "others decided it too" in shown
    assert "leo: “Not incitement” at " in shown and "Both decisions are kept" in shown
    assert [r["reviewer"] for r in reviewing.item_reviews(world["db"], ids[1])] == ["leo", "rita"]
    # from the queue, a page shown after leo's decision warns of nothing; rita's own decisions never warn
    rita.post(f"/items/{ids[1]}/decide", data={"decision": "escalate", "return_to": "queue", "csrf_token": csrf_from(shown),
                                               "seen_review": seen_review_from(shown)})
    assert "others decided it too" not in rita.get("/").get_data(as_text=True)


def test_a_decision_from_the_queue_returns_to_its_page_and_row_and_a_page_past_the_end_is_the_last(world):
    client = world["app"].test_client()
    login(client, "rita")
    ids = world["ids"]
    token = csrf_from(client.get("/").get_data(as_text=True))
    back = client.post(f"/items/{ids[2]}/decide", data={"decision": "unsure", "return_to": "queue", "page": "2", "row": "3",
                                                        "filters": "status=all&lang=ru", "csrf_token": token})
    assert back.status_code == 302 and back.headers["Location"] == f"/?lang=ru&status=all&page=2#row-3-{ids[2]}"
    far = client.get("/?status=all&page=999999").get_data(as_text=True)
    assert "999999" not in far and "showing 1–" in far


def marked_at(html: str, kind: str, tooltip: str, words: str) -> str:
    """The id of the mark of ``words`` with this kind and tooltip (fails the test when there is none)."""
    found = re.search(f'<mark class="ev ev-{kind}" id="(ev-\\d+)" tabindex="-1" title="{re.escape(tooltip)}">{words}</mark>', html)
    assert found, f"no {kind} mark of {words!r}"
    return found.group(1)


def test_item_page_shows_the_evidence_and_context(world):
    client = world["app"].test_client()
    login(client, "leo")
    ids = world["ids"]
    html = client.get(f"/items/{ids[0]}").get_data(as_text=True)
    target = marked_at(html, "target", "target: uzbek", "узбеков")
    place = marked_at(html, "place", "place: osh", "Оша")
    cue = marked_at(html, "cue", "cue: call_to_expulsion", "Выгоним")
    # each span listed beside the text, in text order, with a link to its mark (reachable without hovering)
    listed = re.findall(r'<li><span class="ev-kind ev-(\w+)">\w+</span> ([\w ()]+): <a href="#(ev-\d+)" lang="ru">“([^”]+)”</a></li>', html)
    assert sorted(listed, key=lambda e: int(e[2][3:])) == listed
    assert {("target", "uzbek", target, "узбеков"), ("place", "osh", place, "Оша"),
            ("cue", "call_to_expulsion", cue, "Выгоним")} <= set(listed)
    for expected in ("call_to_expulsion", "tocsin-test 1", "p-test", "osh-news", "2026-11-20T08:00:00+00:00",
                     'readonly value="https://news.example/osh/1"'):
        assert expected in html
    author = world["db"].execute("SELECT author_pseudonym FROM items WHERE id = ?", [ids[0]]).fetchone()[0]
    assert author.startswith("a_") and author in html and "channel one" not in html
    assert "Same text elsewhere" in html and f"/items/{ids[4]}" in html  # spread cluster
    assert 'href="https://news.example' not in html  # the original link is text, not a link
    assert client.get("/items/" + "0" * 64).status_code == 404


def test_item_page_shows_edit_history_removal_and_analysed_version(world):
    from tocsin.store import ItemRecord, mark_removed, upsert_item

    client = world["app"].test_client()
    login(client, "rita")
    item = world["ids"][4]
    upsert_item(world["db"], ItemRecord(source="valley-channel", url="https://t.example/s/valley/9", title="Short post",
                                        text="Edited fictional text without the words."))
    mark_removed(world["db"], item)
    html = client.get(f"/items/{item}").get_data(as_text=True)
    assert "Removed at the source since" in html and "changed after it was analysed" in html
    assert marked_at(html, "cue", "cue: call_to_violence", "should burn")  # analysed version
    assert "Edited fictional text without the words." in html and html.count('<tr><td class="when">') >= 2


def test_scraped_markup_is_escaped(world):
    from test_review_support import add_flagged

    item = add_flagged(world["db"], url="https://x.example/<b>", title="<script>alert(1)</script>",
                       text='"><img src=x onerror=alert(1)> the Uzbek', targets=(("uzbek", "Uzbek"),),
                       explanation="<iframe src=//evil.example>", score=0.99, hallmarks=("<svg onload=alert(1)>",))
    client = world["app"].test_client()
    login(client, "rita")
    for url in ("/", f"/items/{item}", "/?q=%3Cscript%3E&lang=%22%3E%3Cb%3E"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html and "<iframe" not in html and "<svg" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get(f"/items/{item}").get_data(as_text=True)


def test_blind_double_review_hides_other_decisions_until_the_assignee_decides(world):
    ids = world["ids"]
    reviewing.record_decision(world["db"], ids[2], "rita", "incitement", "rita's note")
    lead = world["app"].test_client()
    login(lead, "leo")
    html = lead.get(f"/items/{ids[2]}").get_data(as_text=True)
    assert lead.post(f"/items/{ids[2]}/assign", data={"reviewer": "spare", "csrf_token": csrf_from(html)}).status_code == 302
    spare = world["app"].test_client()
    login(spare, "spare")
    queue = spare.get("/?status=assigned").get_data(as_text=True)
    assert f"/items/{ids[2]}" in queue
    page = spare.get(f"/items/{ids[2]}").get_data(as_text=True)
    assert "rita&#39;s note" not in page and "1 decision(s) by others stay hidden" in page
    # nor do the views tell it: the item is in neither Reviewed nor Escalated for them, and the counts agree
    reviewing.record_decision(world["db"], ids[2], "rita", "escalate", "rita's note")
    for view in ("reviewed", "escalated"):
        listed = spare.get(f"/?status={view}").get_data(as_text=True)
        assert f"/items/{ids[2]}" not in listed
        assert int(listed.split('<strong id="total">')[1].split("<")[0]) == len(re.findall(r'<tr class="qrow"', listed))
    spare.post(f"/items/{ids[2]}/decide", data={"decision": "incitement", "csrf_token": csrf_from(page)})
    assert "rita&#39;s note" in spare.get(f"/items/{ids[2]}").get_data(as_text=True)
    assert f"/items/{ids[2]}" in spare.get("/?status=reviewed").get_data(as_text=True)


def test_a_decision_that_leaves_a_blind_review_owed_names_no_one_elses(world):
    # the assignee decides the text he opened after the source edited it: that settles no assignment, so the
    # warning of decisions made meanwhile must not tell him what the others decided
    ids = world["ids"]
    lead = world["app"].test_client()
    login(lead, "leo")
    html = lead.get(f"/items/{ids[3]}").get_data(as_text=True)
    lead.post(f"/items/{ids[3]}/assign", data={"reviewer": "spare", "csrf_token": csrf_from(html)})
    spare = world["app"].test_client()
    login(spare, "spare")
    page = spare.get(f"/items/{ids[3]}").get_data(as_text=True)
    reviewing.record_decision(world["db"], ids[3], "rita", "escalate", "rita's note")
    add_flagged(world["db"], **{**CORPUS[3], "text": CORPUS[3]["text"] + " Edited later."})
    sent = {name: re.search(rf'name="{name}" value="([^"]*)"', page).group(1) for name in ("seen_review", "content_hash")}
    spare.post(f"/items/{ids[3]}/decide", data={**sent, "decision": "incitement", "csrf_token": csrf_from(page)})
    shown = spare.get(f"/items/{ids[3]}").get_data(as_text=True)
    assert reviewing.pending_assignment(world["db"], ids[3], "spare"), "a decision on an earlier text settles nothing"
    assert "Recorded" in shown and "others decided it too" not in shown and "rita" not in shown


def test_queue_page_filters_counts_and_pages(world):
    world["app"].extensions["tocsin_review"].settings.review.page_size = 2
    client = world["app"].test_client()
    login(client, "rita")
    html = client.get("/").get_data(as_text=True)
    assert '<strong id="total">6</strong>' in html and "page 1 of 3" in html
    assert '<option value="uzbek">uzbek (3)</option>' in html
    filtered = client.get("/?group=uzbek&source=osh-news").get_data(as_text=True)
    assert '<strong id="total">1</strong>' in filtered and "Призыв на площади" in filtered
    searched = client.get("/?q=bazaar").get_data(as_text=True)
    assert '<strong id="total">1</strong>' in searched and "Short post" in searched
    assert '<strong id="total">0</strong>' in client.get('/?q=%22)(%20zzqx%20OR').get_data(as_text=True)


def test_stats_page_shows_kappa_per_language(world):
    ids, db = world["ids"], world["db"]
    for item, a, b in ((ids[1], "incitement", "incitement"), (ids[4], "incitement", "not_incitement"),
                       (ids[5], "not_incitement", "not_incitement")):
        reviewing.record_decision(db, item, "rita", a)
        reviewing.record_decision(db, item, "ada", b)
    client = world["app"].test_client()
    login(client, "leo")
    html = client.get("/stats").get_data(as_text=True)
    # en: po = 2/3, pe = (2/3*1/3 + 1/3*2/3) = 4/9, kappa = (2/3 - 4/9) / (5/9) = 0.4
    assert re.search(r"<td>en</td><td class=\"num\">3</td><td class=\"num\">2</td><td class=\"num kappa\">0.400</td>", html)


def test_alerts_page_acknowledges_and_silences(world):
    client = world["app"].test_client()
    login(client, "leo")
    html = client.get("/alerts").get_data(as_text=True)
    alert = world["alert"]
    assert f'id="alert-{alert}"' in html and "Призыв на площади" in html
    # the silence offered matches the alert's labels, as the alert engine matches them
    assert 'name="rule" value="spread-rule"' in html and 'name="group" value="uzbek"' in html and 'name="place" value="osh"' in html
    token = csrf_from(html)
    assert client.post("/silences", data={"rule": "spread-rule", "group": "uzbek", "place": "osh", "hours": "24", "comment": "known rumour",
                                          "csrf_token": token}).status_code == 302
    assert client.post("/silences", data={"rule": "x", "hours": "5", "csrf_token": token}).status_code == 400
    assert client.post(f"/alerts/{alert}/ack", data={"csrf_token": token}).status_code == 302
    after = client.get("/alerts").get_data(as_text=True)
    assert f'id="alert-{alert}"' not in after and "known rumour" in after
    row = world["db"].execute("SELECT status, acknowledged_by FROM alerts WHERE id = ?", [alert]).fetchone()
    assert tuple(row) == ("acknowledged", "leo")
    assert {"silence", "acknowledge"} <= {e["action"] for e in audit_events(world["db"])}
    from tocsin.alerts.silences import matches

    [silence] = reviewing.active_silences(world["db"])
    assert matches(silence["matchers"], {"rule": "spread-rule", "kind": "spread", "group": "uzbek", "place": "osh"})
    assert not matches(silence["matchers"], {"rule": "spread-rule", "kind": "spread", "group": "tajik", "place": "osh"})


@pytest.mark.parametrize("fields, problem", [
    ({"rule": "x" * 201}, "The rule matcher is longer than 200 characters"),
    ({"rule": "spread-rule", "comment": "c" * 2001}, "The comment is longer than 2000 characters"),
    ({"rule": "a\x00b"}, "The rule matcher holds control characters"),
    ({"rule": "spread-rule", "comment": "\x1b[2J"}, "The comment holds control characters"),
])
def test_a_silence_too_long_or_with_control_characters_is_refused_whole(world, fields, problem):
    client = world["app"].test_client()
    login(client, "leo")
    token = csrf_from(client.get("/alerts").get_data(as_text=True))
    response = client.post("/silences", data={**fields, "hours": "4", "csrf_token": token})
    assert response.status_code == 400 and problem in response.get_data(as_text=True)
    assert reviewing.active_silences(world["db"]) == []


def test_a_silence_no_alert_can_match_is_stored_and_warned_of(world):
    client = world["app"].test_client()
    login(client, "leo")
    token = csrf_from(client.get("/alerts").get_data(as_text=True))
    response = client.post("/silences", data={"severity": "bogus", "group": "uzbeks", "kind": "spread", "hours": "4",
                                              "csrf_token": token})
    assert response.status_code == 302
    page = client.get("/alerts").get_data(as_text=True)
    assert "no severity is called &#39;bogus&#39;" in page and "no group is called &#39;uzbeks&#39; (did you mean &#39;uzbek&#39;?)" in page
    assert "no kind is called" not in page and "Expire it if that is not what you meant" in page
    [silence] = reviewing.active_silences(world["db"])
    assert silence["matchers"] == {"severity": "bogus", "group": "uzbeks", "kind": "spread"}


def test_silence_patterns_match_labels_literally():
    from tocsin.alerts.silences import matches
    from tocsin.review.views import silence_matchers

    alert = {"rule": "burst*", "payload": {"labels": {"group": "uz[bek]", "place": "osh?", "source": ["a", "b"]}}}
    matchers = silence_matchers(alert)
    assert set(matchers) == {"rule", "group", "place"}
    assert matches(matchers, {"rule": "burst*", "group": "uz[bek]", "place": "osh?"})
    assert not matches(matchers, {"rule": "burst-2", "group": "uz[bek]", "place": "osh?"})
    assert not matches(matchers, {"rule": "burst*", "group": "uzb", "place": "osh1"})


def test_admin_manages_accounts_on_the_page(world):
    client = world["app"].test_client()
    login(client, "ada")
    token = csrf_from(client.get("/users").get_data(as_text=True))
    assert client.post("/users", data={"username": "Nadia", "password": "long enough 7", "role": "lead", "csrf_token": token}).status_code == 302
    assert accounts.authenticate(world["db"], "nadia", "long enough 7")["role"] == "lead"
    assert [(e["actor"], e["target"]) for e in audit_events(world["db"], "user_add")][0] == ("ada", "nadia")
    client.post("/users", data={"username": "olga", "password": "short", "role": "lead", "csrf_token": token})
    assert "too short" in client.get("/users").get_data(as_text=True) or not accounts.user_exists(world["db"], "olga")
    assert not accounts.user_exists(world["db"], "olga")
    for myself in ("ada", "ADA", "ada%20"):   # the name as the store reads it: no locking oneself out
        assert client.post(f"/users/{myself}/disable", data={"csrf_token": token}).status_code == 400
    assert accounts.authenticate(world["db"], "ada", PASSWORD) is not None
    assert client.post("/users/nadia/disable", data={"csrf_token": token}).status_code == 302
    assert accounts.authenticate(world["db"], "nadia", "long enough 7") is None
    assert client.post("/users/ghost/disable", data={"csrf_token": token}).status_code == 404


def test_lead_assigns_a_sample_of_the_filtered_queue(world):
    client = world["app"].test_client()
    login(client, "leo")
    token = csrf_from(client.get("/?group=uzbek").get_data(as_text=True))
    response = client.post("/assign", data={"reviewer": "spare", "count": "2", "filters": "group=uzbek", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/?group=uzbek"
    ids = world["ids"]
    assigned = [r[0] for r in world["db"].execute("SELECT item_id FROM assignments WHERE reviewer = 'spare' ORDER BY id")]
    assert assigned == [ids[0], ids[4]]  # the first two uzbek items in queue order
    assert client.post("/assign", data={"reviewer": "ghost", "count": "2", "csrf_token": token}).status_code == 400
    before = world["db"].execute("SELECT count(*) FROM assignments").fetchone()[0]
    for count in ("0", "abc", "", "100000"):   # not quietly read as 10
        refused = client.post("/assign", data={"reviewer": "spare", "count": count, "csrf_token": token})
        assert refused.status_code == 400 and "a whole number from 1 to" in refused.get_data(as_text=True)
    assert world["db"].execute("SELECT count(*) FROM assignments").fetchone()[0] == before
    # user names are read as everywhere else: case and outer spaces do not matter
    assert client.post("/assign", data={"reviewer": " SPARE ", "count": "3", "csrf_token": token}).status_code == 302
    assert client.post(f"/items/{ids[1]}/assign", data={"reviewer": "Spare", "csrf_token": token}).status_code == 302
    assert {r[0] for r in world["db"].execute("SELECT reviewer FROM assignments")} == {"spare"}


def test_the_audit_log_keeps_no_network_address(world):
    client = world["app"].test_client()
    login(client, "rita", "wrong password")
    login(client, "rita")
    details = " ".join(f"{e['target']} {e['details']}" for e in audit_events(world["db"]))
    assert "127.0.0.1" not in details and "localhost" not in details


def test_alert_link_in_messages_opens_that_alert(world):
    client = world["app"].test_client()
    login(client, ROLE_USERS["lead"])
    alert_id = world["alert"]
    html = client.get(f"/alerts/{alert_id}").get_data(as_text=True)
    assert f"Alert #{alert_id}" in html and f'id="alert-{alert_id}"' in html
    assert client.get("/alerts/999999").status_code == 404
    assert client.get("/alerts/99999999999999999999").status_code == 404   # past SQLite's integers: no server error


def test_an_items_link_in_alert_messages_opens_it_only_within_its_alert(world):
    """Messages give an item by a link id only the store can compute; the page finds it among the alert's items."""
    client = world["app"].test_client()
    login(client, ROLE_USERS["reviewer"])
    alert_id, ids, link = world["alert"], world["ids"], item_link_ids(world["db"])
    for item in (ids[0], ids[4]):
        opened = client.get(f"/alerts/{alert_id}/items/{link(item)}")
        assert opened.status_code == 302 and opened.headers["Location"] == f"/items/{item}"
    assert link(ids[0]) != link(ids[4]) and len(link(ids[0])) == 20 and link(ids[0]) not in ids[0]
    for wrong in (f"/alerts/{alert_id}/items/{link(ids[1])}",     # an item of no alert of these
                  f"/alerts/{alert_id}/items/{ids[0]}",            # the store's own id is no link id
                  f"/alerts/999999/items/{link(ids[0])}"):
        assert client.get(wrong).status_code == 404, wrong


def test_bidirectional_controls_in_scraped_titles_stay_inside_their_element(world):
    from test_export_support import add_item

    item_id = add_item(world["db"], url="https://news.example/bidi", title="Ош \u202eтекст\u200f наоборот", text="Текст про Ош.")
    client = world["app"].test_client()
    login(client, "rita")
    html = client.get(f"/items/{item_id}").get_data(as_text=True)
    window_title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert "\u202e" not in window_title and "\u200f" not in window_title and "Ош текст наоборот" in window_title
    assert "\u202e" in html   # the page itself shows the text as scraped, as evidence
    css = client.get("/static/review.css").get_data(as_text=True)
    selectors = re.search(r"([^{}/]*)\{\s*unicode-bidi:\s*isolate", css).group(1)
    assert {"h1", "td", "a", ".excerpt", ".text", "mark"} <= {s.strip() for s in selectors.split(",")}
