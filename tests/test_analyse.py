"""The analyse step over the store: batches in one transaction, each item once per model version,
failures counted and retried, the alert hook called inside the transaction (its failure undoing only its own
writes, its alerts owed in the store)."""

from __future__ import annotations

import sqlite3

import pytest

from tocsin.analyse import Analyser, AnalyseSummary, analyse_pending, item_text, raise_owed_alerts
from tocsin.config import Settings
from tocsin.store import ItemRecord, connect, upsert_item
from tocsin.store.alerts_owed import owed_alert_ids, owed_alerts_summary
from tocsin.store.analyses import latest_analysis
from tocsin.store.erasure import delete_items
from tocsin.store.sources import ensure_source

TEXTS = [
    "Надо выгнать узбеков из Оша, это наша земля!",
    "В Оше открылся новый рынок, торговцы довольны.",
    "The Kyrgyz and Uzbeks rebuilt the school in Osh together. Thanks to everyone!",
    "Qirg'izlarni O'shdan haydab chiqarish kerak!",
    "Погода в Джалал-Абаде тёплая, дождей не ожидается.",
]


@pytest.fixture(scope="module")
def analyser():
    settings = Settings()
    settings.model.threads = 1
    settings.model.batch_size = 2
    return Analyser(settings)


def add_items(db, texts=TEXTS):
    for i, text in enumerate(texts):
        upsert_item(db, ItemRecord(source="test", kind="post", url=f"https://example.org/p/{i}", text=text, title=""))


def test_every_pending_item_is_analysed_once_per_model_version(fresh_db, analyser):
    add_items(fresh_db)
    summary = analyse_pending(fresh_db, analyser.settings, analyser=analyser)
    assert summary.analysed == len(TEXTS) and summary.failed == 0
    assert fresh_db.execute("SELECT count(*) FROM analyses").fetchone()[0] == len(TEXTS)
    row = fresh_db.execute("SELECT model_name, model_version, patterns_version, threshold FROM analyses LIMIT 1").fetchone()
    assert row[0] == analyser.model_name and row[1] == analyser.model_version and row[2] and row[3] == 0.5
    assert analyse_pending(fresh_db, analyser.settings, analyser=analyser) == AnalyseSummary(0, 0, 0)


def test_changed_content_is_analysed_again(fresh_db, analyser):
    add_items(fresh_db, TEXTS[:1])
    analyse_pending(fresh_db, analyser.settings, analyser=analyser)
    upsert_item(fresh_db, ItemRecord(source="test", kind="post", url="https://example.org/p/0", text="Погода хорошая."))
    assert analyse_pending(fresh_db, analyser.settings, analyser=analyser).analysed == 1
    assert fresh_db.execute("SELECT count(*) FROM analyses").fetchone()[0] == 2


def test_the_hook_runs_inside_each_batch_transaction_with_item_fields(fresh_db, analyser):
    add_items(fresh_db)
    calls = []

    def hook(db, rows):
        assert db.conn.in_transaction
        calls.append(rows)

    analyse_pending(fresh_db, analyser.settings, analyser=analyser, on_batch_saved=hook)
    assert [len(rows) for rows in calls] == [2, 2, 1]
    row = calls[0][0]
    assert {"source", "kind", "url", "title", "first_seen", "published_at", "score", "incitement", "targets"} <= set(row)
    assert isinstance(row["targets"], list) and isinstance(row["incitement"], bool)


def test_a_failing_hook_undoes_only_its_own_writes_and_its_alerts_are_owed_not_the_analyses(fresh_db, analyser, caplog):
    add_items(fresh_db, TEXTS[:2])

    def hook(db, rows):
        db.execute("INSERT INTO secrets (name, value, created_at) VALUES ('hook', x'00', '')")
        raise RuntimeError("sink down")

    summary = analyse_pending(fresh_db, analyser.settings, analyser=analyser, on_batch_saved=hook)
    saved = sorted(row[0] for row in fresh_db.execute("SELECT id FROM analyses"))
    assert summary.analysed == 2 and len(saved) == 2 and owed_alert_ids(fresh_db) == saved
    assert summary.alert_errors == ["alerts of 2 analyses: RuntimeError: sink down"] and "sink down" in caplog.text
    assert fresh_db.execute("SELECT count(*) FROM secrets WHERE name = 'hook'").fetchone()[0] == 0
    assert analyse_pending(fresh_db, analyser.settings, analyser=analyser, on_batch_saved=hook).analysed == 0
    assert raise_owed_alerts(fresh_db, hook) == "alerts of 2 analyses: RuntimeError: sink down"
    assert owed_alert_ids(fresh_db) == saved and owed_alerts_summary(fresh_db)["error"] == "RuntimeError: sink down"
    calls = []
    assert raise_owed_alerts(fresh_db, lambda db, rows: calls.append(rows)) is None
    assert owed_alert_ids(fresh_db) == [] and [[r["id"] for r in rows] for rows in calls] == [saved]
    assert raise_owed_alerts(fresh_db, hook) is None, "nothing owed: the hook is not called"


def owe_every_analysis(db):
    db.execute("INSERT INTO alerts_owed (analysis_id, failed_at, error) SELECT id, '2026-01-01T00:00:00Z', 'x' FROM analyses")


def test_one_analysis_whose_alerts_always_fail_holds_back_no_other(fresh_db, analyser, caplog):
    add_items(fresh_db)
    analyse_pending(fresh_db, analyser.settings, analyser=analyser)
    owe_every_analysis(fresh_db)
    bad = fresh_db.execute("SELECT id FROM analyses ORDER BY id LIMIT 1 OFFSET 2").fetchone()[0]

    def hook(db, rows):   # raises the alerts it can, in the store; fails on one analysis
        for row in rows:
            db.execute("INSERT INTO secrets (name, value, created_at) VALUES (?, x'00', '')", [f"alert {row['id']}"])
        if bad in {row["id"] for row in rows}:
            raise ValueError(f"cannot alert on analysis {bad}")

    assert raise_owed_alerts(fresh_db, hook) == f"alerts of 1 analyses: ValueError: cannot alert on analysis {bad}"
    assert owed_alert_ids(fresh_db) == [bad]
    raised = sorted(int(r[0].split()[1]) for r in fresh_db.execute("SELECT name FROM secrets WHERE name LIKE 'alert %'"))
    assert raised == sorted(r[0] for r in fresh_db.execute("SELECT id FROM analyses WHERE id != ?", [bad]))
    assert f"first: analysis {bad}" in caplog.text


def test_a_backlog_of_owed_alerts_larger_than_the_stores_variable_limit_is_raised(fresh_db, analyser):
    add_items(fresh_db, [f"Новость номер {n}: в Оше открылся рынок." for n in range(1200)])
    analyse_pending(fresh_db, analyser.settings, analyser=analyser)
    owe_every_analysis(fresh_db)
    fresh_db.conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)   # SQLite's default in many builds
    sizes = []
    assert raise_owed_alerts(fresh_db, lambda db, rows: sizes.append(len(rows))) is None
    assert sum(sizes) == 1200 and max(sizes) < 999 and owed_alert_ids(fresh_db) == []


def test_owed_alerts_of_an_analysis_a_newer_judgement_replaced_are_settled_without_raising(fresh_db, analyser):
    add_items(fresh_db, TEXTS[:2])

    def failing(db, rows):
        raise RuntimeError("sink down")

    analyse_pending(fresh_db, analyser.settings, analyser=analyser, on_batch_saved=failing)
    first, second = owed_alert_ids(fresh_db)
    upsert_item(fresh_db, ItemRecord(source="test", kind="post", url="https://example.org/p/0", text="Погода хорошая."))
    edited = []
    analyse_pending(fresh_db, analyser.settings, analyser=analyser, on_batch_saved=lambda db, rows: edited.extend(rows))
    assert [r["item_id"] for r in edited] == [fresh_db.execute("SELECT item_id FROM analyses WHERE id = ?", [first]).fetchone()[0]]
    calls = []
    assert raise_owed_alerts(fresh_db, lambda db, rows: calls.append([r["id"] for r in rows])) is None
    assert calls == [[second]], "the edited item's old analysis raises no alert: the new one spoke for it"
    assert owed_alert_ids(fresh_db) == []


def test_owed_alerts_survive_a_restart_and_go_with_their_items(db_path, analyser):
    db = connect(db_path)
    ensure_source(db, "test")
    add_items(db, TEXTS[:3])

    def hook(db, rows):
        raise RuntimeError("a bug in raising alerts")

    analyse_pending(db, analyser.settings, analyser=analyser, on_batch_saved=hook)
    db.conn.close()
    db = connect(db_path)   # a new process on the same store
    assert owed_alerts_summary(db)["count"] == 3
    forgotten = db.execute("SELECT item_id FROM analyses ORDER BY id LIMIT 1").fetchone()[0]
    delete_items(db, [forgotten])   # as 'tocsin forget' does: the debt goes with the analysis
    calls = []
    assert raise_owed_alerts(db, lambda db, rows: calls.append(rows)) is None
    assert [len(rows) for rows in calls] == [2] and forgotten not in {r["item_id"] for r in calls[0]}
    assert owed_alerts_summary(db)["count"] == 0


def test_a_store_failure_in_the_hook_rolls_its_batch_back(fresh_db, analyser):
    add_items(fresh_db, TEXTS[:2])

    def hook(db, rows):
        raise sqlite3.OperationalError("database or disk is full")

    with pytest.raises(sqlite3.OperationalError):
        analyse_pending(fresh_db, analyser.settings, analyser=analyser, on_batch_saved=hook)
    assert fresh_db.execute("SELECT count(*) FROM analyses").fetchone()[0] == 0


class Flaky:
    """A classifier that fails on texts containing a marker word."""

    def __init__(self, inner):
        self.inner, self.name, self.version = inner, inner.name, inner.version

    def predict(self, texts, first_only=None):
        if any("BOOM" in t for t in texts):
            raise ValueError("cannot score this text")
        return self.inner.predict(texts, first_only=first_only)


def test_a_failing_item_is_counted_stays_pending_and_the_batch_goes_on(fresh_db, analyser):
    flaky = Analyser(analyser.settings, classifier=Flaky(analyser.classifier), text_analyser=analyser.text_analyser)
    add_items(fresh_db, [TEXTS[0], "BOOM это сломает модель", TEXTS[1]])
    summary = analyse_pending(fresh_db, analyser.settings, analyser=flaky)
    assert (summary.analysed, summary.failed) == (2, 1)
    again = analyse_pending(fresh_db, analyser.settings, analyser=flaky)
    assert (again.analysed, again.failed) == (0, 1)
    assert analyse_pending(fresh_db, analyser.settings, analyser=analyser).analysed == 1


def test_limit_and_progress(fresh_db, analyser):
    add_items(fresh_db)
    seen = []
    summary = analyse_pending(fresh_db, analyser.settings, analyser=analyser, limit=3, progress=lambda d, t: seen.append((d, t)))
    assert summary.analysed == 3 and seen[-1] == (3, 3)


def test_flagged_items_carry_evidence(fresh_db, analyser):
    add_items(fresh_db, TEXTS[:1])
    analyse_pending(fresh_db, analyser.settings, analyser=analyser)
    item_id = fresh_db.execute("SELECT id FROM items").fetchone()[0]
    a = latest_analysis(fresh_db, item_id)
    assert a["incitement"] and "call_to_expulsion" in a["hallmarks"]
    assert a["targets"][0]["group"] == "uzbek" and a["lang"] == "ru"
    assert a["explanation"].startswith("call to expulsion against uzbek in Osh: '")


def test_item_text_joins_title_and_body():
    assert item_text({"title": "Заголовок", "text": "Текст"}) == "Заголовок\n\nТекст"
    assert item_text({"title": "Текст", "text": "Текст и ещё"}) == "Текст и ещё"
    assert item_text({"title": "", "text": "x"}) == "x"


def test_the_analyse_command_reports_what_it_did(runner, db_path, monkeypatch):
    from tocsin.cli import main
    from tocsin.store import connect
    from tocsin.store.sources import ensure_source

    monkeypatch.setenv("TOCSIN_MODEL_THREADS", "1")
    db = connect(db_path)
    ensure_source(db, "test")
    add_items(db, TEXTS[:2])
    db.close()
    result = runner.invoke(main, ["--db", str(db_path), "analyse", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "analysed 2 items with tocsin-embedded" in result.stdout and "1 flagged, 0 failed" in result.stdout
    again = runner.invoke(main, ["--db", str(db_path), "analyse", "--quiet"])
    assert "analysed 0 items" in again.stdout


def test_russian_typed_in_latin_letters_is_read_like_cyrillic(analyser):
    from tocsin.analyse import model_input

    latin, cyrillic = analyser.analyse_texts(["Nado vygnat uzbekov iz Osha!", "Надо выгнать узбеков из Оша!"])
    assert latin.incitement and cyrillic.incitement
    assert latin.targets[0]["text"] == "uzbekov"          # evidence still points into the original text
    f = analyser.features(["Nado vygnat uzbekov iz Osha!"])[0]
    assert model_input("Nado vygnat uzbekov iz Osha!", f).startswith("Надо")
    g = analyser.features(["Узбеков надо выгнать"])[0]
    assert model_input("Узбеков надо выгнать", g) == "Узбеков надо выгнать"


def test_a_call_in_a_long_article_is_judged_in_its_passage_and_the_explanation_says_where(analyser):
    """The article as a whole is excused by the counter-speech at its top; the call's passage is not."""
    counter = "Те, кто пишет, что надо выгнать таджиков, — провокаторы, не верьте им. "
    neutral = "В Оше открылся новый рынок, торговцы довольны. Погода в Джалал-Абаде тёплая, дождей не ожидается. "
    call = "Надо выгнать узбеков из Оша, это наша земля! "
    text = counter + neutral * 200 + call + neutral * 200
    features = analyser.features([text], ["ru"])
    assert not analyser.decide(features[0], analyser.probabilities([text], features)[0]).incitement
    [a] = analyser.analyse_texts([text], lang_hints=["ru"])
    assert a.incitement and a.explanation.startswith("call to expulsion against uzbek")
    offset = int(a.explanation.rsplit("in the passage at character ", 1)[1].rstrip(")").replace(",", ""))
    assert offset <= text.index(call) < offset + 400
    [plain] = analyser.analyse_texts([counter + neutral * 400], lang_hints=["ru"])
    assert not plain.incitement and "passage" not in plain.explanation
