"""The review page's store queries, accounts, agreement, highlighting and login limiter."""

from __future__ import annotations

import json
import sqlite3

import pytest

from test_review_support import CORPUS, PASSWORD, add_alert, add_corpus, add_flagged, add_role_users
from tocsin.review import accounts
from tocsin.review.agreement import cohen_kappa, describe_kappa
from tocsin.review.highlight import highlight
from tocsin.review.ratelimit import LoginLimiter
from tocsin.store import reviewing
from tocsin.store.audit import audit_events
from tocsin.store.reviewing import QueueFilters


@pytest.fixture
def db(fresh_db):
    add_role_users(fresh_db)
    return fresh_db


def ids_of(rows):
    return [r["id"] for r in rows]


def test_queue_orders_by_severity_then_score_and_skips_unflagged(db):
    ids = add_corpus(db)
    not_flagged = add_flagged(db, url="https://x.example/calm", text="A calm fictional text.", score=0.1, flagged=False)
    rows = reviewing.queue_items(db, QueueFilters(), "rita")
    assert not_flagged not in ids_of(rows)
    # critical (call to violence/expulsion) first by score, then high (other hallmarks), then no hallmark
    assert ids_of(rows) == [ids[0], ids[1], ids[4], ids[2], ids[3], ids[5]]
    assert [r["severity"] for r in rows] == ["critical"] * 3 + ["high"] * 2 + ["warning"]
    assert rows[1]["groups"] == ["kyrgyz"] and rows[1]["places"] == ["jalal-abad"]


def test_open_alert_raises_an_items_severity(db):
    ids = add_corpus(db)
    add_alert(db, rule="spread", kind="spread", key="k", severity="critical", item_ids=[ids[5]])
    assert reviewing.queue_items(db, QueueFilters(), "rita")[0]["id"] in (ids[0], ids[5])
    assert {r["id"]: r["severity"] for r in reviewing.queue_items(db, QueueFilters(), "rita")}[ids[5]] == "critical"


def test_only_the_latest_analysis_counts(db):
    item = add_flagged(db, url="https://x.example/re", text="Fictional: first verdict.", score=0.9)
    add_flagged(db, url="https://x.example/re", text="Fictional: first verdict.", score=0.2, flagged=False, model_version="2")
    assert item not in ids_of(reviewing.queue_items(db, QueueFilters(), "rita"))


@pytest.mark.parametrize("field,value,expected", [
    ("lang", "ru", [0, 3]),
    ("lang", "uz-Latn", [2]),
    ("source", "valley-channel", [1, 4, 2]),
    ("group", "uzbek", [0, 4, 2]),
    ("place", "osh", [0, 4, 2, 5]),
    ("hallmark", "call_to_expulsion", [0, 1]),
    ("date_from", "2026-11-21", [1, 4, 2]),
    ("date_to", "2026-11-20", [0, 3, 5]),
    ("q", "market", [1, 5]),
    ("q", "Fictional", [1, 4, 5]),
    ("q", '"market*) (', [1, 5]),
    ("q", '")', []),
])
def test_each_filter_narrows_the_queue(db, field, value, expected):
    ids = add_corpus(db)
    f = QueueFilters(**{field: value})
    assert ids_of(reviewing.queue_items(db, f, "rita")) == [ids[i] for i in expected]
    assert reviewing.queue_count(db, f, "rita") == len(expected)


def test_filters_combine_and_facets_count_the_other_filters(db):
    ids = add_corpus(db)
    f = QueueFilters(group="uzbek", source="osh-news")
    assert ids_of(reviewing.queue_items(db, f, "rita")) == [ids[0]]
    facets = reviewing.facet_counts(db, f, "rita")
    # the source facet ignores the source filter: uzbek items per source
    assert dict(facets["source"]) == {"osh-news": 1, "valley-channel": 2}
    # the group facet ignores the group filter: groups among osh-news items
    assert dict(facets["group"]) == {"uzbek": 1, "tajik": 1}
    assert dict(facets["status"]) == {"todo": 1, "assigned": 0, "escalated": 0, "reviewed": 0, "all": 1}


def test_from_mapping_cleans_bad_input():
    f = QueueFilters.from_mapping({"status": "evil", "date_from": "2026-13", "date_to": "2026-11-02", "lang": "x" * 500, "junk": "1"})
    assert f.status == "todo" and f.date_from == "" and f.date_to == "2026-11-02" and len(f.lang) == 200
    assert QueueFilters.from_mapping({"lang": "ru", "status": "todo"}).as_params() == {"lang": "ru"}
    for impossible in ("2026-02-30", "9999-99-99", "2026-W01-1", "20260101"):
        assert QueueFilters.from_mapping({"date_from": impossible, "date_to": impossible}).as_params() == {}
    assert QueueFilters.from_mapping({"date_from": "2024-02-29"}).date_from == "2024-02-29"


def test_decisions_are_append_only_and_leave_the_todo_view(db):
    ids = add_corpus(db)
    review_id = reviewing.record_decision(db, ids[0], "rita", "incitement", "clear call")
    reviewing.record_decision(db, ids[0], "rita", "escalate")
    assert [r["decision"] for r in reviewing.item_reviews(db, ids[0])] == ["incitement", "escalate"]
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE reviews SET decision = 'unsure' WHERE id = ?", [review_id])
    assert ids[0] not in ids_of(reviewing.queue_items(db, QueueFilters(), "rita"))
    assert ids_of(reviewing.queue_items(db, QueueFilters(status="reviewed"), "rita")) == [ids[0]]
    assert ids_of(reviewing.queue_items(db, QueueFilters(status="escalated"), "rita")) == [ids[0]]
    reviewing.record_decision(db, ids[0], "leo", "incitement")  # the latest decision settles it
    assert reviewing.queue_items(db, QueueFilters(status="escalated"), "rita") == []
    events = audit_events(db, "decision")[::-1]
    assert len(events) == 3 and events[0]["target"] == ids[0] and events[0]["actor"] == "rita"
    assert "clear call" not in events[0]["details"]  # notes stay out of the audit log


def test_bad_decisions_are_refused_and_store_nothing(db):
    ids = add_corpus(db)
    with pytest.raises(reviewing.ReviewError, match="unknown decision"):
        reviewing.record_decision(db, ids[0], "rita", "maybe")
    with pytest.raises(reviewing.UnknownItem):
        reviewing.record_decision(db, "nope", "rita", "unsure")
    assert db.execute("SELECT COUNT(*) FROM reviews").fetchone()[0] == 0
    assert audit_events(db, "decision") == []


def test_assigned_items_stay_in_the_assignees_queue_until_they_decide(db):
    ids = add_corpus(db)
    reviewing.record_decision(db, ids[1], "rita", "incitement")
    assert reviewing.assign_items(db, [ids[1]], ["ada"], "leo") == 1
    assert reviewing.assign_items(db, [ids[1]], ["ada"], "leo") == 0  # once
    assert ids[1] in ids_of(reviewing.queue_items(db, QueueFilters(), "ada"))
    assert ids[1] not in ids_of(reviewing.queue_items(db, QueueFilters(), "rita"))
    assert ids_of(reviewing.queue_items(db, QueueFilters(status="assigned"), "ada")) == [ids[1]]
    assert reviewing.pending_assignment(db, ids[1], "ada")
    reviewing.record_decision(db, ids[1], "ada", "incitement")
    assert not reviewing.pending_assignment(db, ids[1], "ada")
    assert ids[1] not in ids_of(reviewing.queue_items(db, QueueFilters(), "ada"))
    with pytest.raises(reviewing.UnknownUser):
        reviewing.assign_items(db, [ids[2]], ["ghost"], "leo")


def test_an_assignment_audit_event_names_its_items_and_reviewers(db):
    ids = add_corpus(db)
    assert reviewing.assign_items(db, [ids[2], ids[0], ids[2]], ["rita", "ada"], "leo") == 4
    (event,) = audit_events(db, "assign")
    details = json.loads(event["details"])
    assert event["actor"] == "leo" and event["target"] == "rita,ada"
    assert details == {"items": 3, "made": 4, "item_ids": [ids[2], ids[0]]}


def test_decision_pairs_use_each_reviewers_latest_decision_per_language(db):
    ids = add_corpus(db)
    reviewing.record_decision(db, ids[0], "rita", "unsure")
    reviewing.record_decision(db, ids[0], "ada", "incitement")
    reviewing.record_decision(db, ids[0], "rita", "incitement")  # rita changes her mind: latest counts
    reviewing.record_decision(db, ids[1], "rita", "incitement")
    reviewing.record_decision(db, ids[1], "leo", "not_incitement")
    reviewing.record_decision(db, ids[2], "rita", "escalate")  # single review: no pair
    pairs = reviewing.decision_pairs(db)
    assert pairs == {"ru": [("incitement", "incitement")], "en": [("incitement", "not_incitement")]}


def test_cohen_kappa_matches_a_worked_example():
    # 50 items: both yes 20, both no 15, a yes/b no 5, a no/b yes 10 -> po 0.7, pe 0.5, kappa 0.4
    pairs = [("y", "y")] * 20 + [("n", "n")] * 15 + [("y", "n")] * 5 + [("n", "y")] * 10
    assert cohen_kappa(pairs) == pytest.approx(0.4)
    assert cohen_kappa([]) is None
    assert cohen_kappa([("y", "y")] * 3) == 1.0
    assert cohen_kappa([("y", "n"), ("n", "y")]) == pytest.approx(-1.0)
    assert describe_kappa(0.4) == "fair" and describe_kappa(0.85) == "almost perfect" and describe_kappa(None).startswith("no")


def test_highlight_handles_overlaps_bad_offsets_and_moved_text():
    text = "The Uzbek shops should burn."
    spans = [
        {"kind": "target", "label": "uzbek", "text": "Uzbek", "start": 4, "end": 9},
        {"kind": "cue", "label": "call_to_violence", "text": "Uzbek shops should burn", "start": 4, "end": 27},
        {"kind": "place", "label": "osh", "text": "shops", "start": 0, "end": 3},  # wrong offsets: relocated
        {"kind": "cue", "label": "x", "text": "absent", "start": 2, "end": 8},     # not in the text
        {"kind": "<script>", "label": "y", "text": "The", "start": 0, "end": 3},  # unknown kind
        {"kind": "cue", "start": 50, "end": 60},                                   # out of range, no text
        "junk",
    ]
    result = highlight(text, spans)
    assert "".join(s.text for s in result.segments) == text
    by_text = {s.text: s for s in result.segments}
    assert by_text["Uzbek"].kinds == ["target", "cue"]
    assert by_text["shops"].kinds == ["cue", "place"]
    assert by_text["The"].kinds == ["other"] and by_text["The"].css == "ev-other"
    assert [s.get("text") for s in result.unplaced] == ["absent", None]
    excluded = highlight("No Uzbeks served.", [{"kind": "cue", "label": "call_to_expulsion", "form": "exclusion",
                                                "text": "No Uzbeks served", "start": 0, "end": 16}])
    assert excluded.segments[0].tooltip == "cue: call_to_expulsion (exclusion)"


def test_highlight_lists_each_placed_span_in_text_order_anchored_where_it_starts():
    text = "In Osh the Uzbek shops should burn."
    spans = [
        {"kind": "cue", "label": "call_to_violence", "text": "Uzbek shops should burn", "start": 11, "end": 34},
        {"kind": "target", "label": "uzbek", "text": "Uzbek", "start": 11, "end": 16},
        {"kind": "place", "label": "osh", "text": "Osh", "start": 3, "end": 6},
        {"kind": "target", "label": "uzbek", "text": "Uzbek", "start": 11, "end": 16},   # a duplicate: listed once
        {"kind": "cue", "label": "gone", "text": "absent", "start": 0, "end": 6},
    ]
    result = highlight(text, spans)
    listed = [(e.kind, e.label, e.text, e.anchor) for e in result.evidence]
    assert listed == [("place", "osh", "Osh", 3), ("target", "uzbek", "Uzbek", 11),
                      ("cue", "call_to_violence", "Uzbek shops should burn", 11)]
    assert {s.start for s in result.segments if s.kinds} == {3, 11, 16}, "every anchor is a marked segment's start"
    # two spans with the same description side by side share one segment: the second anchors at its start
    twice = highlight("Uzbeks Uzbeks", [{"kind": "target", "label": "uzbek", "text": "Uzbeks ", "start": 0, "end": 7},
                                        {"kind": "target", "label": "uzbek", "text": "Uzbeks", "start": 7, "end": 13}])
    assert len(twice.segments) == 1 and [e.anchor for e in twice.evidence] == [0, 0]


def test_accounts_hash_passwords_and_refuse_bad_input(db):
    user = reviewing.get_user(db, "rita")
    assert user["password_hash"].startswith("$argon2") and PASSWORD not in user["password_hash"]
    assert accounts.authenticate(db, "Rita", PASSWORD)["username"] == "rita"
    assert accounts.authenticate(db, "rita", "wrong password") is None
    assert accounts.authenticate(db, "nobody", PASSWORD) is None
    with pytest.raises(accounts.AccountError, match="exists"):
        accounts.add_user(db, "rita", PASSWORD, "reviewer")
    for weak in ("short", " " * 12, "a b c d e f g", "\t\t  pass  \n", "a" + "\x00" * 8, "\u200b" * 9, "ab\u200bcd\u200bef\u200bg"):
        with pytest.raises(accounts.AccountError, match="too short: use at least 8 visible characters"):
            accounts.add_user(db, "newbie", weak, "reviewer")
    assert accounts.check_password("a b c d e f g h") == "a b c d e f g h"   # a passphrase's spaces are welcome
    with pytest.raises(accounts.AccountError, match="unknown role"):
        accounts.add_user(db, "newbie", PASSWORD, "owner")
    with pytest.raises(accounts.AccountError, match="bad username"):
        accounts.add_user(db, "a b<", PASSWORD, "reviewer")
    accounts.set_disabled(db, "rita", True)
    assert accounts.authenticate(db, "rita", PASSWORD) is None
    accounts.set_disabled(db, "rita", False)
    accounts.set_password(db, "rita", "a new secret 9")
    assert accounts.authenticate(db, "rita", PASSWORD) is None
    assert accounts.authenticate(db, "rita", "a new secret 9") is not None
    with pytest.raises(accounts.AccountError, match="no user"):
        accounts.set_password(db, "ghost", "whatever123")
    assert [u["username"] for u in accounts.list_users(db)] == ["ada", "leo", "rita"]
    assert "password_hash" not in accounts.list_users(db)[0]


def test_login_limiter_blocks_per_account_and_address_for_a_minute():
    now = [1000.0]
    limiter = LoginLimiter(3, clock=lambda: now[0])
    for _ in range(3):
        assert limiter.blocked_for("rita", "10.0.0.1") == 0
        limiter.failed("rita", "10.0.0.1")
    assert limiter.blocked_for("rita", "10.0.0.1") == pytest.approx(60.0)
    assert limiter.blocked_for("rita", "10.0.0.2") == 0  # another address
    assert limiter.blocked_for("leo", "10.0.0.1") == 0    # another account
    now[0] += 61
    assert limiter.blocked_for("rita", "10.0.0.1") == 0
    for name in range(12):  # spraying many names from one address
        limiter.failed(f"user{name}", "10.0.0.9")
    assert limiter.blocked_for("fresh", "10.0.0.9") > 0


def test_login_limiter_counts_a_reserved_attempt_until_it_succeeds():
    now = [1000.0]
    limiter = LoginLimiter(3, clock=lambda: now[0])
    for _ in range(3):
        assert limiter.reserve("rita", "10.0.0.1") == 0   # checked and counted at once
    assert limiter.reserve("rita", "10.0.0.1") == pytest.approx(60.0)
    for name in range(20):   # logins that succeed cost the address nothing
        assert limiter.reserve(f"user{name}", "10.0.0.5") == 0
        limiter.succeeded(f"user{name}", "10.0.0.5")
    assert len(limiter) == 3   # rita's failures: from her address, of that address, of her account


def test_login_limiter_takes_back_the_succeeding_attempt_not_the_latest_of_its_address():
    """A login that succeeds after slower guesses from the same address takes back its own attempt: the guesses
    keep their times and still block the address for a full minute after them."""
    now = [0.0]
    limiter = LoginLimiter(1, clock=lambda: now[0])   # an address may fail 4 times a minute
    assert limiter.reserve("leo", "10.0.0.7") == 0
    now[0] = 30.0
    for name in ("a", "b", "c"):
        assert limiter.reserve(name, "10.0.0.7") == 0   # guesses, judged wrong: they stay counted
    now[0] = 31.0
    limiter.succeeded("leo", "10.0.0.7")
    assert limiter.reserve("d", "10.0.0.7") == 0
    now[0] = 65.0
    assert limiter.reserve("e", "10.0.0.7") == pytest.approx(25.0)   # the guesses at 30 s count until 90 s
    limiter.withdraw("d", "10.0.0.7")   # d's attempt, never judged, is taken back by its own time
    assert limiter.reserve("e", "10.0.0.7") == 0


def test_login_limiter_counts_an_empty_name_once_like_any_other():
    # the count of an address (any name) must not share its key with the name "": each empty-name attempt was
    # counted twice there, and its name limit reached after three
    now = [1000.0]
    limiter = LoginLimiter(3, clock=lambda: now[0])
    for _ in range(3):
        assert limiter.reserve("", "10.0.0.1") == 0
    assert limiter.reserve("", "10.0.0.1") == pytest.approx(60.0)
    for name in range(9):   # the address's limit is 12: 3 attempts spent, 9 left for other names
        assert limiter.reserve(f"user{name}", "10.0.0.1") == 0
    assert limiter.reserve("leo", "10.0.0.1") == pytest.approx(60.0)


def test_login_limiter_forgets_names_and_addresses_a_minute_after_their_last_failure():
    now = [1000.0]
    limiter = LoginLimiter(3, clock=lambda: now[0])
    for n in range(500):   # ever new addresses, as from an IPv6 range
        limiter.failed(f"name{n}", f"2001:db8::{n:x}")
    assert len(limiter) == 1500
    now[0] += 61
    limiter.failed("rita", "10.0.0.1")
    assert len(limiter) == 3   # only the failure of this minute is remembered


def test_login_limiter_limits_one_account_guessed_from_many_addresses_but_not_from_where_it_logged_in():
    now = [1000.0]
    limiter = LoginLimiter(3, clock=lambda: now[0])
    assert limiter.reserve("rita", "10.0.0.1") == 0
    limiter.succeeded("rita", "10.0.0.1")   # rita's own machine
    for n in range(12):   # 3 × 4 guesses, each from a new address (a botnet, rotating exits)
        assert limiter.reserve("rita", f"203.0.113.{n}") == 0
    assert limiter.reserve("rita", "203.0.113.200") == pytest.approx(60.0)   # a 13th address is refused
    assert limiter.blocked_for("leo", "203.0.113.200") == 0   # another account is not
    assert limiter.reserve("rita", "10.0.0.1") == 0   # rita herself, from where she logged in, is not locked out
    limiter.succeeded("rita", "10.0.0.1")
    now[0] += 61
    assert limiter.reserve("rita", "203.0.113.200") == 0   # a minute later
    now[0] += 24 * 3600
    for n in range(12):
        limiter.failed("rita", f"198.51.100.{n}")
    assert limiter.blocked_for("rita", "10.0.0.1") > 0   # trusted for a day only


def test_alerts_ack_and_silences(db):
    ids = add_corpus(db)
    alert = add_alert(db, rule="spread-rule", kind="spread", key="uzbek|osh", severity="high", item_ids=[ids[0], ids[4]])
    add_alert(db, rule="r2", kind="item", key="k", severity="warning", item_ids=["missing-item"])
    listed = reviewing.open_alerts(db)
    assert [a["id"] for a in listed][-1] == alert
    assert {i["id"] for i in listed[-1]["items"]} == {ids[0], ids[4]}
    assert [c["id"] for c in reviewing.spread_cluster(db, ids[0])] == [ids[4]]
    assert reviewing.acknowledge_alert(db, alert, "leo") is True
    assert reviewing.acknowledge_alert(db, alert, "leo") is False
    assert alert not in [a["id"] for a in reviewing.open_alerts(db)]
    silence = reviewing.create_silence(db, {"rule": "spread-rule", "key": "uzbek|osh", "group": ""}, created_by="leo",
                                       comment="known", starts_at="2026-01-01T00:00:00+00:00", ends_at="2099-01-01T00:00:00+00:00")
    assert [s["id"] for s in reviewing.active_silences(db)] == [silence]
    assert reviewing.active_silences(db)[0]["matchers"] == {"rule": "spread-rule", "key": "uzbek|osh"}
    with pytest.raises(reviewing.ReviewError, match="matcher"):
        reviewing.create_silence(db, {"rule": ""}, created_by="leo", comment="", starts_at="a", ends_at="b")
    assert [e["action"] for e in audit_events(db)][:2] == ["silence", "acknowledge"]


def test_stats_queries(db):
    ids = add_corpus(db)
    reviewing.record_decision(db, ids[0], "rita", "incitement")
    reviewing.record_decision(db, ids[1], "rita", "unsure")
    counts = {(r["lang"], r["decision"]): r["n"] for r in reviewing.decision_counts(db)}
    assert counts == {("ru", "incitement"): 1, ("en", "unsure"): 1}
    volume = reviewing.volume_by_day(db)
    assert sum(v["seen"] for v in volume) == len(CORPUS) and sum(v["reviewed"] for v in volume) == 2
    assert {r["reviewer"]: r["n"] for r in reviewing.reviewer_counts(db)} == {"rita": 2}
    by_lang = {r["lang"]: (r["seen"], r["analysed"], r["flagged"], r["reviewed"]) for r in reviewing.volume_by_language(db)}
    assert by_lang == {"en": (3, 3, 3, 1), "ru": (2, 2, 2, 1), "uz-Latn": (1, 1, 1, 0)}


def test_stats_follow_the_analysis_of_the_text_an_item_shows_again(db):
    """A -> B -> A, not analysed again on the return: A's analysis (Russian, flagged) speaks, not B's."""
    from tocsin.store import ItemRecord, upsert_item

    url, text_a = "https://x.example/aba", "Fictional: text A."
    item = add_flagged(db, url=url, text=text_a, lang="ru", score=0.9)
    add_flagged(db, url=url, text="Fictional: text B.", lang="ky", score=0.1, flagged=False)
    upsert_item(db, ItemRecord(source="test", url=url, text=text_a, lang="ru"))
    reviewing.record_decision(db, item, "rita", "incitement")
    reviewing.record_decision(db, item, "leo", "unsure")
    assert [(r["lang"], r["seen"], r["analysed"], r["flagged"], r["reviewed"])
            for r in reviewing.volume_by_language(db)] == [("ru", 1, 1, 1, 1)]
    assert [(r["seen"], r["flagged"]) for r in reviewing.volume_by_day(db)] == [(1, 1)]
    assert {(r["lang"], r["decision"]): r["n"] for r in reviewing.decision_counts(db)} == {
        ("ru", "incitement"): 1, ("ru", "unsure"): 1}
    assert reviewing.decision_pairs(db) == {"ru": [("incitement", "unsure")]}


def test_highlight_item_splits_the_analysed_title_and_body():
    from tocsin.review.highlight import highlight_item

    title, text = "Osh news", "The Uzbek shops."
    analysed = "Osh news\n\nThe Uzbek shops."
    spans = [{"kind": "place", "label": "osh", "text": "Osh", "start": 0, "end": 3},
             {"kind": "target", "label": "uzbek", "text": "Uzbek", "start": 14, "end": 19}]
    title_segments, body = highlight_item(title, text, analysed, spans)
    assert [(s.text, s.kinds) for s in title_segments] == [("Osh", ["place"]), (" news", [])]
    assert [(s.text, s.kinds) for s in body.segments] == [("The ", []), ("Uzbek", ["target"]), (" shops.", [])]
    assert [(e.text, e.anchor) for e in body.evidence] == [("Osh", 0), ("Uzbek", 14)]
    assert body.segments[1].start == 14, "a body segment keeps its place in the analysed text"
    # a body that starts with the title was analysed alone: the title stays plain
    title_segments, body = highlight_item("The Uzbek", "The Uzbek shops.", "The Uzbek shops.", spans[1:])
    assert [s.kinds for s in title_segments] == [[]] and "".join(s.text for s in body.segments) == "The Uzbek shops."
    # a title the analysed text held but the page cannot show marked: its evidence is listed without a link
    _, shown = highlight_item("", "The Uzbek shops.", "Osh news\n\nThe Uzbek shops.", spans)
    assert [(e.text, e.anchor) for e in shown.evidence] == [("Osh", None), ("Uzbek", 14)]
    # a title-only item
    title_segments, body = highlight_item("Osh news", "", "Osh news", spans[:1])
    assert title_segments[0].kinds == ["place"] and body.segments == []


def test_metadata_for_the_item_page():
    from tocsin.review.views import displayed_meta

    assert displayed_meta({"views": 12, "links": ["u"], "by": "x" * 900}) == {"views": "12", "links": '["u"]', "by": "x" * 500}
    assert displayed_meta("junk") == {}
