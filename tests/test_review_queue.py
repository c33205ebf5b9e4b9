"""The review_queue table stays what a from-scratch computation over analyses, items, reviews and alerts
gives, after every kind of write; the migration fills it from an existing store; and the queue's
positions and counts read from it are right."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone

import pytest

from test_review_support import CORPUS, add_alert, add_corpus, add_flagged, add_role_users
from tocsin.config import Settings
from tocsin.store import ItemRecord, connect, search_item_ids, transaction, upsert_item
from tocsin.store import alerting, erasure, migrations, reviewing
from tocsin.store.analyses import AnalysisRecord, save_analysis
from tocsin.store.review_queue import LABEL_END, QueueFilters, QueuePosition, QueueView, queue_position

LEVELS = {"critical": 3, "high": 2, "warning": 1}
CRITICAL = ("call_to_violence", "call_to_expulsion")


# --------------------------------------------------------------------------- the reference


def _json_list(raw):
    try:
        value = json.loads(raw or "[]")
    except ValueError:
        return []
    return value if isinstance(value, list) else []


def speaking_analyses(db) -> dict[str, dict]:
    """Per item, the analysis that speaks for it: the newest of the version it shows, else of the version it
    showed last (the highest ``current_rank``, kept by m012's triggers)."""
    shows = dict(db.execute("SELECT id, content_hash FROM items"))
    rank = {(i, h): r for i, h, r in db.execute("SELECT item_id, content_hash, current_rank FROM item_versions")}
    best: dict[str, tuple] = {}
    for row in db.query("SELECT * FROM analyses"):
        key = (row["content_hash"] == shows.get(row["item_id"]), rank.get((row["item_id"], row["content_hash"]), -1), row["id"])
        if row["item_id"] not in best or key > best[row["item_id"]][0]:
            best[row["item_id"]] = (key, row)
    return {item_id: row for item_id, (_, row) in best.items()}


def expected_queue(db) -> dict[str, dict]:
    """The queue computed in Python from the base tables: item id -> row with its labels."""
    latest = speaking_analyses(db)
    items = {r["id"]: r for r in db.query("SELECT seq, id, source, lang, first_seen, published_at FROM items")}
    decisions: dict[str, list[tuple]] = {}   # per item, (version decided on, decision), oldest first
    for item_id, version, decision in db.execute("SELECT item_id, content_hash, decision FROM reviews ORDER BY id"):
        decisions.setdefault(item_id, []).append((version, decision))
    alert_level: dict[str, int] = {}
    for severity, raw in db.execute("SELECT severity, item_ids FROM alerts WHERE status = 'open'"):
        for item_id in _json_list(raw):
            if isinstance(item_id, str):
                alert_level[item_id] = max(alert_level.get(item_id, 0), LEVELS.get(severity, 0))
    out = {}
    for item_id, a in latest.items():
        if not a["incitement"] or item_id not in items:
            continue
        item = items[item_id]
        hallmarks = _json_list(a["hallmarks"])
        hallmark_level = 3 if any(h in CRITICAL for h in hallmarks) else 2 if a["hallmarks"] != "[]" else 1
        labels = {("group", t["group"]) for t in _json_list(a["targets"]) if isinstance(t, dict) and t.get("group")}
        labels |= {("place", p["place"]) for p in _json_list(a["places"]) if isinstance(p, dict) and p.get("place")}
        labels |= {("hallmark", h) for h in hallmarks if isinstance(h, str) and h}
        out[item_id] = {
            "seq": item["seq"], "analysis_id": a["id"], "source": item["source"], "lang": a["lang"] or item["lang"], "score": a["score"],
            "hallmark_level": hallmark_level, "alert_level": alert_level.get(item_id, 0),
            "severity_level": max(hallmark_level, alert_level.get(item_id, 0)), "first_seen": item["first_seen"],
            "dated_at": item["published_at"] or item["first_seen"], "latest_decision": latest_decision(decisions.get(item_id, []), a),
            "labels": labels,
        }
    return out


def latest_decision(decisions: list[tuple], analysis: dict) -> str | None:
    """The newest of an item's (version, decision) pairs made on the version ``analysis`` read, or on an unknown
    version (None: decided before versions were recorded)."""
    return next((d for version, d in reversed(decisions) if version in (None, analysis["content_hash"])), None)


def stored_queue(db) -> dict[str, dict]:
    """The review_queue table with each row's labels."""
    out, by_seq = {}, {}
    for row in db.query("SELECT * FROM review_queue"):
        item_id = row.pop("item_id")
        out[item_id] = by_seq[row["seq"]] = {**row, "labels": set()}
    for seq, facet, value in db.execute("SELECT seq, facet, value FROM review_queue_labels"):
        assert seq in by_seq, f"label of item #{seq} without a queue row"
        by_seq[seq]["labels"].add((facet, value))
    for row in out.values():
        text = row.pop("labels_text")
        assert text.startswith(LABEL_END) and text.endswith(LABEL_END)
        tokens = text.split(LABEL_END)[1:-1]
        assert sorted(tokens) == sorted(f"{f}={v}" for f, v in row["labels"] if LABEL_END not in v)
    return out


def expected_counts(rows: dict[str, dict]) -> dict[tuple, int]:
    """Queue rows per (facet, value, language, source, latest decision or '')."""
    counts: dict[tuple, int] = {}
    for row in rows.values():
        for facet, value in row["labels"]:
            key = (facet, value, row["lang"], row["source"], row["latest_decision"] or "")
            counts[key] = counts.get(key, 0) + 1
    return counts


def assert_queue_right(db) -> dict[str, dict]:
    expected = expected_queue(db)
    assert stored_queue(db) == expected
    stored_counts = {tuple(r[:5]): r[5] for r in db.execute("SELECT * FROM review_queue_counts WHERE n != 0")}
    assert stored_counts == expected_counts(expected)
    return expected


@pytest.fixture
def db(fresh_db):
    add_role_users(fresh_db)
    return fresh_db


def analyse_again(db, item_id: str, *, score: float, flagged: bool, version: str, hallmarks=(), targets=()) -> int | None:
    content_hash = db.execute("SELECT content_hash FROM items WHERE id = ?", [item_id]).fetchone()[0]
    return save_analysis(db, AnalysisRecord(
        item_id=item_id, content_hash=content_hash, model_name="tocsin-test", model_version=version,
        patterns_version="p-test", threshold=0.5, score=score, incitement=flagged, lang="ky",
        targets=[{"group": g, "text": g, "start": 0, "end": len(g)} for g in targets], hallmarks=list(hallmarks)))


# --------------------------------------------------------------------------- writes keep it right


def test_analyses_add_flagged_items_only(db):
    ids = add_corpus(db)
    calm = add_flagged(db, url="https://x.example/calm", text="A calm fictional text.", score=0.1, flagged=False)
    expected = assert_queue_right(db)
    assert set(expected) == set(ids) and calm not in expected
    first = stored_queue(db)[ids[0]]
    assert first["severity_level"] == 3 and first["lang"] == "ru" and first["source"] == "osh-news"
    assert first["labels"] == {("group", "uzbek"), ("place", "osh"), ("hallmark", "call_to_expulsion")}
    assert first["dated_at"] == CORPUS[0]["published_at"]


def test_a_reanalysis_that_clears_an_item_takes_it_and_its_labels_out(db):
    ids = add_corpus(db)
    analyse_again(db, ids[0], score=0.2, flagged=False, version="2")
    assert ids[0] not in assert_queue_right(db)
    assert db.execute("SELECT COUNT(*) FROM review_queue_labels l JOIN items i ON i.seq = l.seq WHERE i.id = ?",
                      [ids[0]]).fetchone()[0] == 0
    analyse_again(db, ids[0], score=0.75, flagged=True, version="3", hallmarks=["dehumanization"], targets=["kyrgyz"])
    row = assert_queue_right(db)[ids[0]]
    assert (row["score"], row["severity_level"], row["lang"]) == (0.75, 2, "ky")
    assert row["labels"] == {("group", "kyrgyz"), ("hallmark", "dehumanization")}
    assert analyse_again(db, ids[0], score=0.1, flagged=False, version="3") is None, "a repeated analysis is ignored"
    assert ids[0] in assert_queue_right(db)


def test_a_changed_item_keeps_its_row_until_analysed_again(db):
    ids = add_corpus(db)
    entry = CORPUS[1]
    record = ItemRecord(source=entry["source"], url=entry["url"], title=entry["title"], text=entry["text"] + " Edited.",
                        lang="ky", published_at="2026-11-25T00:00:00+00:00")
    assert upsert_item(db, record) == "changed"
    assert assert_queue_right(db)[ids[1]]["score"] == entry["score"]


def corpus_entry(item_id: str) -> dict:
    return next(e for e in CORPUS if ItemRecord(source=e["source"], url=e["url"]).id == item_id)


def edit(db, item_id: str, text: str) -> None:
    """Store a corpus item again with ``text`` (what a crawl of an edited page does)."""
    entry = corpus_entry(item_id)
    upsert_item(db, ItemRecord(source=entry["source"], url=entry["url"], title=entry["title"], text=text,
                               lang=entry["lang"].split("-")[0], published_at=entry["published_at"]))


@pytest.mark.parametrize("a_flagged", [True, False])
def test_an_item_edited_back_is_queued_and_labelled_as_its_texts_analysis_says(db, a_flagged):
    """A -> B -> A: the worker does not analyse A again; the return itself brings A's analysis back."""
    ids = add_corpus(db)
    item_id, text_a = ids[1], CORPUS[1]["text"]
    if not a_flagged:
        analyse_again(db, item_id, score=0.2, flagged=False, version="2")
    edit(db, item_id, "Fictional correction: the traders were only arguing about prices.")
    analyse_again(db, item_id, score=0.9 if not a_flagged else 0.1, flagged=not a_flagged, version="2",
                  hallmarks=["othering"], targets=["tajik"])
    assert (item_id in assert_queue_right(db)) == (not a_flagged), "B's analysis speaks while the item shows B"
    edit(db, item_id, text_a)
    queue = assert_queue_right(db)
    assert (item_id in queue) == a_flagged, "back to A: A's analysis speaks again"
    if a_flagged:
        assert queue[item_id]["score"] == CORPUS[1]["score"]
        assert queue[item_id]["labels"] == {("group", "kyrgyz"), ("place", "jalal-abad"), ("hallmark", "dehumanization"),
                                            ("hallmark", "call_to_expulsion")}
    assert (item_id in reviewing.queue_ids(db, QueueFilters(status="all"), "rita")) == a_flagged
    assert (item_id in reviewing.queue_ids(db, QueueFilters(group="tajik", status="all"), "rita")) is False
    edit(db, item_id, "Fictional: a third text, not analysed yet.")
    assert (item_id in assert_queue_right(db)) == a_flagged, "a new text keeps the analysis of the one shown last"


def test_the_queue_triggers_use_the_store_s_current_analysis(db):
    """m013 froze the text of ``current_analysis_id``: a change to it needs a migration recreating the triggers."""
    from tocsin.store.analyses import current_analysis_id

    assert " ".join(migrations._M013_CURRENT_ANALYSIS.format(item="x.id").split()) == " ".join(current_analysis_id("x.id").split())


def test_item_columns_the_queue_keeps_follow_the_item(db):
    ids = add_corpus(db)
    with transaction(db):
        db.execute("UPDATE items SET published_at = NULL, lang = 'kk' WHERE id = ?", [ids[2]])
    row = assert_queue_right(db)[ids[2]]
    assert row["dated_at"] == row["first_seen"] and row["lang"] == "uz-Latn", "the analysis's language wins"


def test_decisions_set_the_latest_decision_and_the_views(db):
    ids = add_corpus(db)
    reviewing.record_decision(db, ids[3], "rita", "escalate")
    assert assert_queue_right(db)[ids[3]]["latest_decision"] == "escalate"
    assert reviewing.queue_ids(db, QueueFilters(status="escalated"), "leo") == [ids[3]]
    reviewing.record_decision(db, ids[3], "leo", "not_incitement")
    assert assert_queue_right(db)[ids[3]]["latest_decision"] == "not_incitement"
    assert reviewing.queue_ids(db, QueueFilters(status="escalated"), "leo") == []
    assert ids[3] not in reviewing.queue_ids(db, QueueFilters(), "ada")
    assert reviewing.queue_ids(db, QueueFilters(status="reviewed"), "ada") == [ids[3]]


def test_a_decision_on_an_unflagged_item_counts_once_it_is_flagged(db):
    calm = add_flagged(db, url="https://x.example/later", text="Fictional: calm at first.", score=0.2, flagged=False)
    reviewing.record_decision(db, calm, "rita", "unsure")
    assert calm not in assert_queue_right(db)
    analyse_again(db, calm, score=0.9, flagged=True, version="2")
    assert assert_queue_right(db)[calm]["latest_decision"] == "unsure"


def test_assignments_bring_items_back_into_the_assignees_views(db):
    ids = add_corpus(db)
    reviewing.record_decision(db, ids[1], "rita", "incitement")
    counts = lambda who: dict(reviewing.facet_counts(db, QueueFilters(), who)["status"])  # noqa: E731
    assert counts("ada") == {"todo": 5, "assigned": 0, "escalated": 0, "reviewed": 1, "all": 6}
    reviewing.assign_items(db, [ids[1], ids[2]], ["ada"], "leo")
    # ids[1], decided by rita, leaves ada's Reviewed until ada decides it: her review stays blind
    assert counts("ada") == {"todo": 6, "assigned": 2, "escalated": 0, "reviewed": 0, "all": 6}
    assert counts("rita")["assigned"] == 0 and counts("rita")["todo"] == 5
    assert reviewing.queue_ids(db, QueueFilters(status="assigned"), "ada") == [ids[1], ids[2]]
    reviewing.record_decision(db, ids[2], "ada", "incitement")
    assert counts("ada") == {"todo": 5, "assigned": 1, "escalated": 0, "reviewed": 1, "all": 6}   # ids[2]; ids[1] still blind
    assert_queue_right(db)


def test_open_alerts_raise_severity_until_acknowledged_changed_or_deleted(db):
    ids = add_corpus(db)
    calm = ids[5]  # no hallmark: warning
    alert = add_alert(db, rule="spike", kind="spike", key="uzbek|osh", severity="critical", item_ids=[calm, ids[3], "gone"])
    assert assert_queue_right(db)[calm]["severity_level"] == 3
    # critical now: after the critical items with higher scores, before the high one
    assert reviewing.queue_ids(db, QueueFilters(), "rita") == [ids[0], ids[1], ids[3], ids[4], calm, ids[2]]
    alerting.update_alert(db, alert, severity="high")
    assert assert_queue_right(db)[calm]["severity_level"] == 2
    alerting.update_alert(db, alert, item_ids=[ids[3]])
    assert assert_queue_right(db)[calm]["severity_level"] == 1
    alerting.update_alert(db, alert, item_ids=[calm, ids[3]])
    assert assert_queue_right(db)[calm]["severity_level"] == 2
    reviewing.acknowledge_alert(db, alert, "leo")
    assert assert_queue_right(db)[calm]["severity_level"] == 1
    with transaction(db):
        db.execute("UPDATE alerts SET status = 'open' WHERE id = ?", [alert])
    assert assert_queue_right(db)[calm]["alert_level"] == 2
    with transaction(db):
        db.execute("DELETE FROM alerts WHERE id = ?", [alert])
    assert assert_queue_right(db)[calm]["alert_level"] == 0
    assert db.execute("SELECT COUNT(*) FROM alert_items").fetchone()[0] == 0


def test_label_values_with_the_token_separator_are_still_filtered_exactly(db):
    ids = add_corpus(db)
    odd = f"kyrgyz{LABEL_END}place=osh"
    analyse_again(db, ids[5], score=0.6, flagged=True, version="2", targets=[odd, "tajik"])
    assert assert_queue_right(db)[ids[5]]["labels"] == {("group", odd), ("group", "tajik")}
    assert reviewing.queue_ids(db, QueueFilters(group=odd), "rita") == [ids[5]]
    assert ids[5] not in reviewing.queue_ids(db, QueueFilters(place="osh"), "rita")
    assert reviewing.queue_ids(db, QueueFilters(group="tajik"), "rita") == [ids[3], ids[5]]
    check_views_against_reference(db)


def test_alerts_with_bad_item_lists_are_stored_and_ignored(db):
    ids = add_corpus(db)
    for raw in ("not json", '{"a": 1}', "[1, null, {}]"):
        with transaction(db):
            db.execute("""INSERT INTO alerts (rule, kind, key, severity, item_ids, created_at, updated_at)
                          VALUES ('r', 'item', 'k', 'critical', ?, 'now', 'now')""", [raw])
    assert_queue_right(db)
    assert reviewing.item_alerts(db, ids[0]) == []


def test_forget_takes_the_erased_items_rows_out(db, tmp_path):
    from tocsin.export.erasure import forget

    ids = add_corpus(db)
    add_alert(db, rule="spread", kind="spread", key="uzbek|osh", severity="critical", item_ids=[ids[0], ids[4]])
    reviewing.record_decision(db, ids[4], "rita", "incitement")
    reviewing.assign_items(db, [ids[4]], ["ada"], "leo")
    settings = Settings()
    summary = forget(db, settings, authors=[CORPUS[4]["author"]])  # poster-77 wrote items 1 and 4
    assert summary.items == 2
    expected = assert_queue_right(db)
    assert ids[1] not in expected and ids[4] not in expected and ids[0] in expected
    assert db.execute("SELECT COUNT(*) FROM review_queue_labels WHERE seq NOT IN (SELECT seq FROM review_queue)").fetchone()[0] == 0
    assert db.execute("SELECT item_id FROM alert_items").fetchall() == [(ids[0],)]
    assert expected[ids[0]]["alert_level"] == 3


def test_deleting_items_through_the_store_takes_their_rows_out(db):
    ids = add_corpus(db)
    erasure.delete_items(db, [ids[0], ids[2]])
    assert set(assert_queue_right(db)) == {ids[1], ids[3], ids[4], ids[5]}
    with transaction(db):  # analyses go by the foreign key's cascade
        db.execute("DELETE FROM items WHERE id = ?", [ids[1]])
    assert set(assert_queue_right(db)) == {ids[3], ids[4], ids[5]}


def test_retention_leaves_flagged_rows_and_their_labels(db):
    from tocsin.export.retention import purge_expired

    ids = add_corpus(db)
    old = add_flagged(db, url="https://x.example/old", text="Fictional old post in Osh.", score=0.1, flagged=False,
                      places=(("osh", "Osh"),))
    before = assert_queue_right(db)
    later = datetime.now(timezone.utc) + timedelta(days=400)
    assert purge_expired(db, Settings(), now=later, trust_clock=True) == 1
    assert assert_queue_right(db) == before and old not in before
    erasure.purge_analysis_quotes(db, ids)  # quotes blanked, labels kept
    assert assert_queue_right(db) == before


def test_a_random_mix_of_writes_keeps_the_table_right(db):
    rng = random.Random(11)
    ids = add_corpus(db)
    alerts = []
    for step in range(120):
        item_id = rng.choice(ids)
        action = rng.randrange(7)
        if action == 6:   # an edit, often back to a text the item showed before
            edit(db, item_id, corpus_entry(item_id)["text"] + rng.choice(["", "", " Edited.", " Edited again."]))
        elif action == 0:
            analyse_again(db, item_id, score=round(rng.random(), 2), flagged=rng.random() < 0.6, version=f"v{step}",
                          hallmarks=rng.sample(["call_to_violence", "dehumanization", "othering"], rng.randrange(3)),
                          targets=rng.sample(["uzbek", "kyrgyz", "tajik"], rng.randrange(3)))
        elif action == 1:
            reviewing.record_decision(db, item_id, rng.choice(["rita", "leo", "ada"]), rng.choice(reviewing.DECISIONS))
        elif action == 2:
            reviewing.assign_items(db, [item_id], [rng.choice(["rita", "ada"])], "leo")
        elif action == 3:
            alerts.append(add_alert(db, rule="r", kind="spike", key="k", severity=rng.choice(list(LEVELS)),
                                    item_ids=rng.sample(ids, rng.randrange(1, 4))))
        elif action == 4 and alerts:
            alerting.update_alert(db, rng.choice(alerts), item_ids=rng.sample(ids, rng.randrange(0, 3)),
                                  status=rng.choice(["open", "acknowledged", "resolved"]))
        elif action == 5 and alerts:
            with transaction(db):
                db.execute("DELETE FROM alerts WHERE id = ?", [alerts.pop(rng.randrange(len(alerts)))])
        assert_queue_right(db)
    check_views_against_reference(db)


# --------------------------------------------------------------------------- reading it


def reference_view(db, f: QueueFilters, reviewer: str) -> list[str]:
    """The ids of a view, computed in Python from :func:`expected_queue` and the assignments."""
    rows = expected_queue(db)
    matches = set(search_item_ids(db, f.q)) if f.q else set()
    decided_by = {(i, r) for i, r in db.execute("SELECT item_id, reviewer FROM reviews")}
    mine = {i for (i,) in db.execute("SELECT item_id FROM assignments WHERE reviewer = ?", [reviewer])
            if (i, reviewer) not in decided_by}
    keep = {"todo": lambda i, r: r["latest_decision"] is None or i in mine, "assigned": lambda i, r: i in mine,
            "escalated": lambda i, r: r["latest_decision"] == "escalate" and i not in mine,   # blind double review
            "reviewed": lambda i, r: r["latest_decision"] is not None and i not in mine, "all": lambda i, r: True}[f.status]
    chosen = [(i, r) for i, r in rows.items() if keep(i, r)
              and (not f.lang or r["lang"] == f.lang) and (not f.source or r["source"] == f.source)
              and all(not getattr(f, k) or (k, getattr(f, k)) in r["labels"] for k in ("group", "place", "hallmark"))
              and (not f.date_from or r["dated_at"] >= f.date_from) and (not f.date_to or r["dated_at"][:10] <= f.date_to)
              and (not f.q or i in matches)]
    chosen.sort(key=lambda p: (p[1]["severity_level"], p[1]["score"], p[1]["first_seen"], p[0]), reverse=True)
    return [i for i, _ in chosen]


def check_views_against_reference(db) -> None:
    for reviewer in ("rita", "ada"):
        for f in (QueueFilters(), QueueFilters(status="all"), QueueFilters(status="assigned"), QueueFilters(status="reviewed"),
                  QueueFilters(group="uzbek", status="all"), QueueFilters(hallmark="dehumanization"), QueueFilters(lang="ky")):
            want = reference_view(db, f, reviewer)
            view = QueueView(db, f, reviewer)
            assert view.ids() == want and view.count() == len(want), (reviewer, f)
            for k, item_id in enumerate(want):
                assert view.position(item_id) == QueuePosition(k, want[k - 1] if k else None,
                                                               want[k + 1] if k + 1 < len(want) else None, len(want))


def test_positions_walk_the_view_in_order(db):
    ids = add_corpus(db)
    order = reviewing.queue_ids(db, QueueFilters(), "rita")
    assert order == [ids[0], ids[1], ids[4], ids[2], ids[3], ids[5]]
    assert queue_position(db, QueueFilters(), "rita", ids[0]) == QueuePosition(0, None, ids[1], 6)
    assert queue_position(db, QueueFilters(), "rita", ids[4]) == QueuePosition(2, ids[1], ids[2], 6)
    assert queue_position(db, QueueFilters(), "rita", ids[5]) == QueuePosition(5, ids[3], None, 6)
    # outside the view (here: filtered out) an item has no position and 'next' is the head of the view
    assert queue_position(db, QueueFilters(lang="ru"), "rita", ids[1]) == QueuePosition(None, None, ids[0], 2)
    assert queue_position(db, QueueFilters(lang="xx"), "rita", ids[1]) == QueuePosition(None, None, None, 0)
    assert queue_position(db, QueueFilters(q="market"), "rita", ids[5]) == QueuePosition(1, ids[1], None, 2)


def test_ties_are_broken_the_same_way_by_pages_and_positions(db):
    same = [add_flagged(db, url=f"https://x.example/tie/{n}", text=f"Fictional tie {n}.", score=0.7) for n in range(5)]
    with transaction(db):
        db.execute("UPDATE items SET first_seen = '2026-11-01T00:00:00+00:00'")
    order = reviewing.queue_ids(db, QueueFilters(), "rita")
    assert sorted(order) == sorted(same) and order == sorted(same, reverse=True)
    check_views_against_reference(db)
    view = QueueView(db, QueueFilters(), "rita")
    assert [r["id"] for r in view.items(limit=2, offset=2)] == order[2:4]


def test_facet_counts_match_the_reference(db):
    ids = add_corpus(db)
    reviewing.record_decision(db, ids[0], "rita", "escalate")
    reviewing.record_decision(db, ids[1], "leo", "incitement")
    reviewing.assign_items(db, [ids[1], ids[4]], ["rita"], "leo")  # one decided by another, one undecided
    every_view = [QueueFilters(status=s, **extra) for s in reviewing.STATUSES for extra in ({}, {"lang": "en"})]
    for f in (*every_view, QueueFilters(status="all", source="osh-news"), QueueFilters(group="uzbek", place="osh"),
              QueueFilters(q="market"), QueueFilters(date_from="2026-11-21", source="valley-channel")):
        facets = reviewing.facet_counts(db, f, "rita")
        for name in ("lang", "source", "group", "place", "hallmark"):
            others = QueueFilters(**{**f.__dict__, name: ""})
            rows = expected_queue(db)
            counts: dict[str, int] = {}
            for item_id in reference_view(db, others, "rita"):
                values = {rows[item_id][name]} if name in ("lang", "source") else {v for k, v in rows[item_id]["labels"] if k == name}
                for value in values:
                    counts[value] = counts.get(value, 0) + 1
            assert dict(facets[name]) == counts, (f, name)
        status = {s: len(reference_view(db, QueueFilters(**{**f.__dict__, "status": s}), "rita")) for s in reviewing.STATUSES}
        assert dict(facets["status"]) == status


def test_counts_are_reused_until_the_queue_changes_and_always_agree_with_counting_afresh(db, monkeypatch):
    rng = random.Random(5)
    ids = add_corpus(db)
    views = [QueueFilters(), QueueFilters(status="all", group="uzbek", place="osh"), QueueFilters(status="assigned"),
             QueueFilters(lang="en", status="reviewed")]

    def afresh(f, who):
        return QueueView(db, f, who).count_facets()

    for step in range(40):
        if step % 2:
            action = rng.randrange(3)
            if action == 0:
                reviewing.record_decision(db, rng.choice(ids), rng.choice(["rita", "ada"]), rng.choice(reviewing.DECISIONS))
            elif action == 1:
                reviewing.assign_items(db, [rng.choice(ids)], [rng.choice(["rita", "ada"])], "leo")
            else:
                analyse_again(db, rng.choice(ids), score=round(rng.random(), 2), flagged=rng.random() < 0.7,
                              version=f"v{step}", targets=rng.sample(["uzbek", "kyrgyz"], rng.randrange(3)))
        for f in views:
            for who in ("rita", "ada"):
                cached = reviewing.facet_counts(db, f, who)      # counted now, or kept from before this write
                assert cached == afresh(f, who), (step, f, who)

    # nothing written: the counts come from the cache, not from the store, and each caller gets its own copy
    counted = reviewing.facet_counts(db, views[1], "rita")
    monkeypatch.setattr(QueueView, "_column_facets", lambda self: pytest.fail("counted again"))
    kept = reviewing.facet_counts(db, views[1], "rita")
    assert kept == counted and kept["group"]
    kept["group"].clear()
    assert reviewing.facet_counts(db, views[1], "rita") == counted


def test_every_write_the_queue_shows_renews_its_token_and_a_search_is_counted_afresh(db):
    token = lambda: db.execute("SELECT token FROM review_queue_version").fetchone()[0]  # noqa: E731
    before = token()
    ids = add_corpus(db)
    alert = add_alert(db, rule="r", kind="spike", key="uzbek|osh", severity="critical", item_ids=[ids[5]])
    steps = [lambda: reviewing.record_decision(db, ids[0], "rita", "escalate"),
             lambda: reviewing.assign_items(db, [ids[1]], ["ada"], "leo"),
             lambda: analyse_again(db, ids[2], score=0.1, flagged=False, version="2"),
             lambda: alerting.update_alert(db, alert, item_ids=[ids[5]], status="acknowledged"),
             lambda: db.execute("UPDATE items SET published_at = NULL WHERE id = ?", [ids[4]]),
             lambda: erasure.delete_items(db, [ids[3]])]
    assert token() != before
    for step in steps:
        before = token()
        step()
        assert token() != before, step

    # a search's matches change with texts the queue does not hold (an erased name masked in another item)
    word = db.execute("SELECT i.text FROM items i JOIN review_queue b ON b.seq = i.seq LIMIT 1").fetchone()[0].split()[-1]
    f = QueueFilters(q=word.strip(".,!?"), status="all")
    assert reviewing.facet_counts(db, f, "rita") == QueueView(db, f, "rita").count_facets()
    erasure.rewrite_mentions(db, lambda v: word in v, lambda v: v.replace(word, "#" * len(word)))
    assert reviewing.facet_counts(db, f, "rita") == QueueView(db, f, "rita").count_facets()


# --------------------------------------------------------------------------- the migration


@pytest.mark.parametrize("applied", [3, 4])
def test_the_migrations_fill_the_queue_from_an_existing_store(tmp_path, monkeypatch, applied):
    """A store from before the queue table (3 migrations applied), or with its first form (4)."""
    path = tmp_path / "old.db"
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:applied])
    db = connect(path)
    assert (db.execute("SELECT name FROM sqlite_master WHERE name = 'review_queue'").fetchone() is None) == (applied == 3)
    add_role_users(db)
    ids = add_corpus(db)
    analyse_again(db, ids[2], score=0.3, flagged=False, version="2")  # cleared by a later analysis
    add_flagged(db, url="https://x.example/calm", text="A calm fictional text.", score=0.1, flagged=False)
    with transaction(db):   # as the store of that time wrote a decision (no version)
        db.execute("INSERT INTO reviews (item_id, reviewer, decision, at) VALUES (?, 'rita', 'escalate', ?)",
                   [ids[0], "2026-11-01T10:00:00+00:00"])
    add_alert(db, rule="spike", kind="spike", key="tajik|batken", severity="critical", item_ids=[ids[3]])
    add_alert(db, rule="old", kind="spike", key="k", severity="critical", item_ids=[ids[5]])
    with transaction(db):
        db.execute("UPDATE alerts SET status = 'resolved' WHERE rule = 'old'")
    db.close()
    monkeypatch.undo()

    db = connect(path)
    assert {"m004_review_queue", "m005_review_queue_by_seq"} <= {r[0] for r in db.execute("SELECT name FROM migrations")}
    expected = assert_queue_right(db)
    assert set(expected) == {ids[0], ids[1], ids[3], ids[4], ids[5]}
    assert expected[ids[3]]["severity_level"] == 3 and expected[ids[5]]["severity_level"] == 1
    assert expected[ids[0]]["latest_decision"] == "escalate"
    assert reviewing.queue_ids(db, QueueFilters(), "rita") == [ids[1], ids[3], ids[4], ids[5]]
    assert [a["id"] for a in reviewing.item_alerts(db, ids[3])] == [1]
    db.close()


def test_the_migration_requeues_items_edited_back_by_their_texts_analysis(tmp_path, monkeypatch):
    """A store where the queue followed each item's newest analysis (the migrations before m013 applied)."""
    path = tmp_path / "m012.db"
    m013 = migrations.MIGRATIONS.index(migrations.m013_review_queue_current_analysis)
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:m013])
    db = connect(path)
    add_role_users(db)
    ids = add_corpus(db)
    for item_id, flagged_b in ((ids[0], False), (ids[5], True)):
        if flagged_b:
            analyse_again(db, item_id, score=0.2, flagged=False, version="2")
        text_a = db.execute("SELECT text FROM items WHERE id = ?", [item_id]).fetchone()[0]
        edit(db, item_id, "Fictional: an edited text.")
        analyse_again(db, item_id, score=0.8 if flagged_b else 0.1, flagged=flagged_b, version="2", targets=["tajik"])
        edit(db, item_id, text_a)
    assert ids[0] not in stored_queue(db) and ids[5] in stored_queue(db), "the old triggers kept B's analysis"
    db.close()
    monkeypatch.undo()

    db = connect(path)
    expected = assert_queue_right(db)
    assert ids[0] in expected and ids[5] not in expected
    assert expected[ids[0]]["labels"] == {("group", "uzbek"), ("place", "osh"), ("hallmark", "call_to_expulsion")}
    db.close()


def test_a_read_snapshot_keeps_a_pages_counts_and_rows_together(tmp_path):
    path = tmp_path / "snap.db"
    reader, writer = connect(path), connect(path)
    add_role_users(reader)
    ids = add_corpus(reader)
    with reviewing.read_transaction(reader):
        before = reviewing.facet_counts(reader, QueueFilters(), "rita")
        reviewing.record_decision(writer, ids[0], "leo", "incitement")  # the daemon or another reviewer writes
        assert reviewing.facet_counts(reader, QueueFilters(), "rita") == before
        assert ids[0] in reviewing.queue_ids(reader, QueueFilters(), "rita")
    assert ids[0] not in reviewing.queue_ids(reader, QueueFilters(), "rita")
    reader.close()
    writer.close()


def test_a_read_snapshot_ended_inside_lets_the_first_error_through(db):
    with pytest.raises(ValueError, match="the first error"):
        with reviewing.read_transaction(db):
            db.execute("ROLLBACK")  # as SQLite does itself after some failures (an interrupted write, a full disk)
            raise ValueError("the first error")
    assert not db.conn.in_transaction
