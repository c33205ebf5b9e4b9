"""``tocsin alert …``, ``tocsin run`` and ``tocsin daemon`` through the CLI."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from test_alert_support import raise_for, store_flagged
from test_pipeline import fake_analyse  # noqa: F401 - fixture
from tocsin.cli import main
from tocsin.config import load_settings
from tocsin.store import alerting, connect

#: A store and one file sink, with no rule.
FILE_SINK_CONFIG = """
[database]
path = "tocsin.db"

[alerts]
review_url = "http://review.test"

[[alerts.sinks]]
name = "file"
kind = "file"
path = "alerts.jsonl"
"""
CONFIG = FILE_SINK_CONFIG + """
[[alerts.rules]]
name = "incitement"
kind = "item"
severity = "warning"
"""


@pytest.fixture
def configured(tmp_path):
    path = tmp_path / "tocsin.toml"
    path.write_text(CONFIG, encoding="utf-8")
    settings = load_settings(path, env={})
    db = connect(settings.database_path)
    return path, settings, db


def invoke(runner, config, *args):
    result = runner.invoke(main, ["--config", str(config), *args], catch_exceptions=False)
    return result


def test_list_show_ack_and_deliver(runner, configured, tmp_path):
    config, settings, db = configured
    raise_for(db, settings, [store_flagged(db)])
    listed = invoke(runner, config, "alert", "list", "--json")
    assert listed.exit_code == 0
    (row,) = [json.loads(line) for line in listed.output.splitlines()]
    assert row["title"] == "Incitement against Uzbeks in Osh" and row["deliveries"] == {"pending": 1}
    delivered = invoke(runner, config, "alert", "deliver")
    assert delivered.exit_code == 0 and "1 sent" in delivered.output
    assert (tmp_path / "alerts.jsonl").read_text(encoding="utf-8").count("\n") == 1
    no_dead = invoke(runner, config, "alert", "list", "--dead")
    assert no_dead.output.strip() == "no alerts with dead deliveries", "no empty table before it"
    shown = invoke(runner, config, "alert", "show", str(row["id"]))
    assert shown.exit_code == 0 and "Whom: Uzbeks" in shown.output and "attempt 1: sent" in shown.output
    acked = invoke(runner, config, "alert", "ack", str(row["id"]), "--by", "lead")
    assert acked.exit_code == 0 and "acknowledged by lead" in acked.output
    table = invoke(runner, config, "alert", "list", "--status", "acknowledged", "--json")
    assert json.loads(table.output)["status"] == "acknowledged"
    assert "Incitement" in invoke(runner, config, "alert", "list").output
    assert db.execute("SELECT count(*) FROM audit_log WHERE action = 'alert_ack'").fetchone()[0] == 1
    again = invoke(runner, config, "alert", "ack", str(row["id"]))
    assert again.exit_code == 1 and "is acknowledged, not open" in again.output
    resolved = invoke(runner, config, "alert", "resolve", str(row["id"]), "--by", "lead")
    assert resolved.exit_code == 0 and json.loads(invoke(runner, config, "alert", "list", "--json").output)["status"] == "resolved"
    assert "already resolved" in invoke(runner, config, "alert", "resolve", str(row["id"])).output


def test_list_dead_says_why_each_message_could_not_be_delivered(runner, configured):
    config, settings, db = configured
    raise_for(db, settings, [store_flagged(db)])
    db.execute("UPDATE deliveries SET status = 'dead', attempts = 8, last_error = 'webhook answered 404; check the URL'")
    listed = invoke(runner, config, "alert", "list", "--dead")
    assert listed.exit_code == 0 and "after 8 attempt(s): webhook answered 404; check the URL" in listed.output
    (row,) = [json.loads(line) for line in invoke(runner, config, "alert", "list", "--dead", "--json").output.splitlines()]
    assert row["dead_letters"][0]["last_error"] == "webhook answered 404; check the URL"
    assert "dead_letters" not in json.loads(invoke(runner, config, "alert", "list", "--json").output)


def test_list_shows_a_damaged_alert_row_instead_of_failing(runner, configured):
    config, settings, db = configured
    raise_for(db, settings, [store_flagged(db)])
    db.execute("PRAGMA writable_schema = ON")   # damage SQLite reads as rows: NULLs where the schema says NOT NULL
    db.execute("""UPDATE sqlite_schema SET sql = replace(replace(sql, 'updated_at TEXT NOT NULL', 'updated_at TEXT'),
                  'severity TEXT NOT NULL', 'severity TEXT') WHERE name = 'alerts'""")
    db.execute("PRAGMA writable_schema = OFF")
    db.conn.commit()
    db.close()
    damaged = connect(settings.database_path)
    damaged.execute("UPDATE alerts SET updated_at = NULL, severity = NULL")
    damaged.conn.commit()
    listed = invoke(runner, config, "alert", "list")
    assert listed.exit_code == 0 and "Incitement against Uzbeks" in listed.output


def test_unknown_alert_is_a_clear_error(runner, configured):
    config, _, _ = configured
    result = invoke(runner, config, "alert", "show", "999")
    assert result.exit_code == 1 and "no alert #999" in result.output
    result = invoke(runner, config, "alert", "show", "99999999999999999999999")
    assert result.exit_code == 2 and "is not in the range" in result.output
    result = invoke(runner, config, "alert", "silence", "expire", "99999999999999999999999")
    assert result.exit_code == 2 and "is not in the range" in result.output


def test_silence_add_list_expire(runner, configured):
    config, settings, db = configured
    added = invoke(runner, config, "alert", "silence", "add", "group=uzbek", "place=osh", "--for", "1d12h",
                   "--comment", "known campaign", "--by", "lead")
    assert added.exit_code == 0 and added.output.startswith("silence #1 until")
    (details,) = [r[0] for r in db.execute("SELECT details FROM audit_log WHERE action = 'silence'")]
    assert "known campaign" not in details   # a comment may name people: it stays where forget masks names
    raise_for(db, settings, [store_flagged(db)], now=datetime.now(timezone.utc))
    assert db.execute("SELECT status FROM deliveries").fetchone()[0] == "silenced"
    listed = invoke(runner, config, "alert", "silence", "list")
    assert "#1 [active] group=uzbek place=osh" in listed.output and "known campaign" in listed.output
    assert invoke(runner, config, "alert", "silence", "expire", "1").exit_code == 0
    assert "no active silences" in invoke(runner, config, "alert", "silence", "list").output
    assert "[expired]" in invoke(runner, config, "alert", "silence", "list", "--all").output


def test_a_silence_that_could_match_no_alert_is_warned_of(runner, configured):
    config, _, _ = configured
    typo = runner.invoke(main, ["--config", str(config), "alert", "silence", "add", "group=uzbeks", "rule=incitment"])
    assert typo.exit_code == 0 and typo.output.startswith("silence #1 until")
    assert "no group is called 'uzbeks' (did you mean 'uzbek'?)" in typo.stderr
    assert "no rule is called 'incitment' (did you mean 'incitement'?)" in typo.stderr
    fine = runner.invoke(main, ["--config", str(config), "alert", "silence", "add", "group=uzbek", "rule=incit*", "place=osh"])
    assert fine.exit_code == 0 and "warning" not in fine.stderr


@pytest.mark.parametrize("args, message", [
    (["grp=uzbek"], "unknown matcher 'grp'"),
    (["group=uzbek", "--for", "soon"], "not a duration"),
    (["group=uzbek", "--for", "999999w"], "longer than a silence may last (520w)"),
    (["group=uzbek", "--for", "0h"], "no time at all"),
    (["group=uzbek", "--for", "45s"], "'45s' is under a minute; a silence lasts at least a minute"),
    (["group=uzbek", "--by", " "], "a blank name records no one in the audit log; say who acts, e.g. --by rita"),
])
def test_bad_silences_are_refused(runner, configured, args, message):
    config, _, _ = configured
    result = invoke(runner, config, "alert", "silence", "add", *args)
    assert result.exit_code == 2 and message in result.output


def test_deliver_retry_dead_and_evaluate(runner, configured):
    config, settings, db = configured
    raise_for(db, settings, [store_flagged(db)])
    db.execute("UPDATE deliveries SET status = 'dead', attempts = 1")
    db.execute("INSERT INTO delivery_attempts (delivery_id, attempt, started_at, duration_ms, outcome, error) "
               "SELECT id, 1, '2026-06-10T12:00:00+00:00', 5, 'failed', 'HTTP 401' FROM deliveries")
    result = invoke(runner, config, "alert", "deliver", "--retry-dead")
    assert "1 dead deliveries queued again" in result.output and "1 sent" in result.output
    shown = invoke(runner, config, "alert", "show", str(alerting.list_alerts(db)[0]["id"])).output
    assert "2 attempt(s)" in shown and "attempt 1: failed" in shown and "attempt 2: sent" in shown, shown
    assert "alert(s) opened" in invoke(runner, config, "alert", "evaluate").output


def test_run_one_cycle_without_crawl(runner, configured, fake_analyse):  # noqa: F811 - fixture
    config, settings, db = configured
    from tocsin.store import ItemRecord, upsert_item
    from tocsin.store.sources import ensure_source

    ensure_source(db, "stored")
    upsert_item(db, ItemRecord(source="stored", url="https://stored.example/1", text="fictional post"))
    result = invoke(runner, config, "run", "--no-crawl")
    assert result.exit_code == 0, result.output
    assert "analyse: 1 analysed, 1 flagged" in result.output and "deliver: 1 sent" in result.output


def test_run_exits_1_when_alert_messages_cannot_be_delivered(runner, tmp_path, fake_analyse):  # noqa: F811 - fixture
    from tocsin.store import ItemRecord, connect, upsert_item
    from tocsin.store.sources import ensure_source

    config = tmp_path / "tocsin.toml"
    config.write_text(CONFIG.replace("kind = \"file\"", "kind = \"webhook\"\nurl = \"http://127.0.0.1:9/hook\"\ntimeout_s = 2"),
                      encoding="utf-8")
    db = connect(tmp_path / "tocsin.db")
    ensure_source(db, "stored")
    upsert_item(db, ItemRecord(source="stored", url="https://stored.example/1", text="fictional post"))
    result = invoke(runner, config, "run", "--no-crawl")
    assert result.exit_code == 1 and "deliver: 0 sent, 1 to retry" in result.output
    assert "alert messages not delivered (0 dead, 1 to retry)" in result.output
    db.execute("UPDATE deliveries SET status = 'dead'")
    again = invoke(runner, config, "alert", "deliver", "--retry-dead")
    assert again.exit_code == 1 and "1 dead deliveries queued again" in again.output and "0 sent, 1 to retry" in again.output


def test_run_refuses_while_a_daemon_holds_the_database(runner, configured):
    from tocsin.daemon import InstanceLock, lock_path_for

    config, settings, _ = configured
    with InstanceLock(lock_path_for(settings)):
        result = invoke(runner, config, "run", "--no-crawl")
    assert result.exit_code == 1 and "another tocsin daemon or run" in result.output


def test_status_lines_show_queue_dead_letters_and_silences(configured):
    from tocsin.alerts import status_lines

    _, settings, db = configured
    raise_for(db, settings, [store_flagged(db), store_flagged(db, groups=("kyrgyz",))])
    db.execute("UPDATE deliveries SET status = 'dead', last_error = 'webhook answered 410' WHERE id = 1")
    text = "\n".join(status_lines(db))
    assert "alerts: open 2" in text and "pending 1" in text and "dead 1" in text and "answered 410" in text


def test_alert_test_sends_to_each_sink_and_names_failures(runner, tmp_path):
    config = tmp_path / "tocsin.toml"
    config.write_text(CONFIG + """
[[alerts.sinks]]
name = "nowhere"
kind = "webhook"
url = "http://127.0.0.1:9/hook"
timeout_s = 2
""", encoding="utf-8")
    result = invoke(runner, config, "alert", "test")
    assert result.exit_code == 1
    assert "file (file): ok" in result.output and "nowhere (webhook): FAILED" in result.output
    line = json.loads((tmp_path / "alerts.jsonl").read_text(encoding="utf-8"))
    assert line["type"] == "alert.test" and line["id"].startswith("tocsin-test-")
    assert invoke(runner, config, "alert", "test", "--sink", "file").exit_code == 0
    assert "no sink named nope" in invoke(runner, config, "alert", "test", "--sink", "nope").output


def test_rules_without_a_sink_are_warned_of_in_status_and_run(runner, tmp_path):
    from tocsin.cli import main

    runner.invoke(main, ["init", str(tmp_path / "x")])
    config = tmp_path / "tocsin.toml"
    config.write_text('[database]\npath = "x/tocsin.db"\n\n[[alerts.rules]]\nname = "incitement"\nkind = "item"\n',
                      encoding="utf-8")
    status = runner.invoke(main, ["--config", str(config), "status"])
    assert status.exit_code == 0 and "sent nowhere: no [[alerts.sinks]]" in status.output, status.output
    run = runner.invoke(main, ["--config", str(config), "run", "--no-crawl"])
    assert "sent nowhere" in run.output


def test_status_warns_of_a_webhook_sink_without_a_secret(runner, tmp_path):
    from tocsin.cli import main

    runner.invoke(main, ["init", str(tmp_path / "x")])
    config = tmp_path / "tocsin.toml"
    hooks = "".join(f'[[alerts.sinks]]\nname = "{name}"\nkind = "webhook"\nurl = "https://example.org/{name}"\n{extra}\n'
                    for name, extra in (("ngo-hook", ""), ("signed", 'secret = "whsec_c2VjcmV0"')))
    config.write_text(f'[database]\npath = "x/tocsin.db"\n\n{hooks}', encoding="utf-8")
    status = runner.invoke(main, ["--config", str(config), "status"])
    assert status.exit_code == 0 and "webhook sink(s) ngo-hook send unsigned messages" in status.output, status.output
    assert "TOCSIN_SINK_NGO_HOOK_SECRET" in status.output and "signed send" not in status.output
    quiet = runner.invoke(main, ["--config", str(config), "status"], env={"TOCSIN_SINK_NGO_HOOK_SECRET": "s3cret"})
    assert "unsigned" not in quiet.output
