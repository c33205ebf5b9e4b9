"""Alert delivery with awkward inputs: webhook URLs with non-ASCII characters or spaces, e-mail addresses that
are not one address, control characters in e-mail headers, a ``Retry-After`` given as an HTTP date, and the
resolved message of a stale source."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from test_alert_cli import FILE_SINK_CONFIG
from test_alert_support import NOW, make_settings, raise_for, receiver, store_flagged  # noqa: F401 - fixture
from tocsin.alerts import deliver_due, evaluate_rules
from tocsin.alerts.transports import EmailTransport, TransportError, WebhookTransport, header_safe, sample_message
from tocsin.cli import main
from tocsin.config import AlertRuleSettings, ConfigError, SinkSettings, load_settings
from tocsin.store.sources import ensure_source, finish_crawl_run, start_crawl_run

def write_config(tmp_path, extra: str):
    path = tmp_path / "tocsin.toml"
    path.write_text(FILE_SINK_CONFIG + extra, encoding="utf-8")
    return path


def alert_test(runner, config, *args):
    return runner.invoke(main, ["--config", str(config), "alert", "test", *args], catch_exceptions=False)


def hook_settings(tmp_path, url: str):
    """Settings made in code (they skip the config check) with one webhook sink at ``url``."""
    return make_settings(tmp_path, sinks=[SinkSettings(name="hook", kind="webhook", url=url, timeout_s=5)])


# --------------------------------------------------------------------------- webhook URLs


def test_a_webhook_url_with_non_ascii_characters_is_sent_percent_encoded(runner, tmp_path, receiver):
    hook = receiver()
    config = write_config(tmp_path, f"""
[[alerts.sinks]]
name = "hook"
kind = "webhook"
url = "{hook.base}/хук?token=SECRET&q=д%20x"
""")
    result = alert_test(runner, config, "--sink", "hook")
    assert result.exit_code == 0 and "hook (webhook): ok" in result.output
    # UTF-8 escapes for the Cyrillic letters; the %20 already there is kept as it is
    assert [r["path"] for r in hook.requests] == ["/%D1%85%D1%83%D0%BA?token=SECRET&q=%D0%B4%20x"]


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/a b?token=SECRET", "http://127.0.0.1:9/a\tb", "http://127.0.0.1:9/\x7f"])
def test_the_config_refuses_a_webhook_url_with_a_raw_space_or_control_character(tmp_path, url):
    config = write_config(tmp_path, f"""
[[alerts.sinks]]
name = "hook"
kind = "webhook"
url = {json.dumps(url)}
""")
    with pytest.raises(ConfigError) as refused:
        load_settings(config, env={})
    assert refused.value.key == "alerts.sinks[1].url" and "%20" in str(refused.value)


def test_a_url_that_cannot_be_sent_is_a_permanent_failure_that_keeps_its_token_hidden(fresh_db, tmp_path):
    settings = hook_settings(tmp_path, "http://127.0.0.1:9/a b?token=SECRET")
    with pytest.raises(TransportError) as failed:
        WebhookTransport(settings.alerts.sinks[0], settings).notify(sample_message("hook", "http://review.test"))
    assert failed.value.permanent and "not valid" in str(failed.value) and "SECRET" not in str(failed.value)
    raise_for(fresh_db, settings, [store_flagged(fresh_db)])
    assert deliver_due(fresh_db, settings, now=NOW).dead == 1   # a dead letter at once, not 8 retries over hours
    (delivery,) = fresh_db.query("SELECT attempts, last_error FROM deliveries")
    assert delivery["attempts"] == 1 and "%20" in delivery["last_error"]


def test_alert_test_reports_an_unexpected_error_as_failed_instead_of_a_traceback(runner, tmp_path, monkeypatch):
    def broken(self, message):
        raise RuntimeError("a library bug")

    monkeypatch.setattr("tocsin.alerts.transports.FileTransport.notify", broken)
    result = alert_test(runner, write_config(tmp_path, ""))
    assert result.exit_code == 1
    assert "file (file): FAILED — unexpected RuntimeError: a library bug" in result.output


# --------------------------------------------------------------------------- e-mail addresses and headers


def email_sink(sender: str, recipients: list[str]) -> str:
    return f"""
[[alerts.sinks]]
name = "mail"
kind = "email"
smtp_host = "127.0.0.1"
sender = {json.dumps(sender)}
recipients = {json.dumps(recipients)}
"""


@pytest.mark.parametrize("sender, recipients, key, fix", [
    ("tocsin@monitor.example\nBcc: evil@x.example", ["a@x.example"], "sender", "line break"),
    ("tocsin@monitor.example", ["a@x.example\r\nBcc: evil@x.example"], "recipients[0]", "line break"),
    ("tocsin@monitor.example", ["a@x.example", "a@x.example, b@x.example"], "recipients[1]", "its own entry"),
    ("tocsin@monitor.example", ["not an address"], "recipients[0]", "not an e-mail address"),
    ("tocsin", ["a@x.example"], "sender", "not an e-mail address"),
])
def test_the_config_refuses_an_email_address_that_is_not_one_address(tmp_path, sender, recipients, key, fix):
    with pytest.raises(ConfigError) as refused:
        load_settings(write_config(tmp_path, email_sink(sender, recipients)), env={})
    assert refused.value.key == f"alerts.sinks[1].{key}" and fix in str(refused.value)


def test_the_config_accepts_an_address_with_a_display_name(tmp_path):
    settings = load_settings(write_config(tmp_path, email_sink('"Tocsin, Osh" <tocsin@monitor.example>',
                                                                ["Duty desk <duty@ngo.example>"])), env={})
    assert settings.alerts.sinks[1].recipients == ["Duty desk <duty@ngo.example>"]


def test_an_email_that_cannot_be_built_is_a_permanent_failure_not_a_retried_crash(fresh_db, tmp_path):
    sink = SinkSettings(name="mail", kind="email", smtp_host="127.0.0.1", smtp_port=9, starttls=False,
                        sender="tocsin@monitor.example\nBcc: evil@x.example", recipients=["a@x.example"], timeout_s=5)
    settings = make_settings(tmp_path, sinks=[sink])   # made in code: the config check is skipped
    raise_for(fresh_db, settings, [store_flagged(fresh_db)])
    summary = deliver_due(fresh_db, settings, now=NOW)
    assert summary.dead == 1 and summary.retrying == 0
    (delivery,) = fresh_db.query("SELECT last_error FROM deliveries")
    assert "cannot build the e-mail" in delivery["last_error"] and "sender" in delivery["last_error"]


def test_a_title_with_a_line_break_gives_a_one_line_subject(tmp_path):
    sink = SinkSettings(name="mail", kind="email", smtp_host="127.0.0.1", sender="tocsin@monitor.example",
                        recipients=["a@x.example"])
    message = sample_message("mail", "http://review.test")
    message["title"] = "Source feed\r\nBcc: evil@x.example has not been crawled successfully"
    mail = EmailTransport(sink, make_settings(tmp_path, sinks=[sink])).build(message)
    assert mail["Subject"] == "[tocsin INFO] Source feed  Bcc: evil@x.example has not been crawled successfully"
    assert mail["Bcc"] is None and b"\nBcc:" not in mail.as_bytes()
    assert header_safe("a\tb\x00c\u2028d") == "a b c d"


# --------------------------------------------------------------------------- Retry-After


def http_date(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)


def test_a_webhook_retry_after_given_as_an_http_date_is_honoured(tmp_path):
    settings = hook_settings(tmp_path, "http://127.0.0.1:9/")
    transport = WebhookTransport(settings.alerts.sinks[0], settings)
    asked = transport.http_error(503, http_date(datetime.now(timezone.utc) + timedelta(hours=2))).retry_after
    assert asked is not None and 7100 < asked <= 7200
    assert transport.http_error(429, "600").retry_after == 600
    assert transport.http_error(503, "soon").retry_after is None


def test_a_retry_after_date_a_day_ahead_delays_the_retry_six_hours_at_most(fresh_db, tmp_path, receiver):
    hook = receiver([503], headers={"Retry-After": http_date(datetime.now(timezone.utc) + timedelta(days=1))})
    settings = hook_settings(tmp_path, hook.url)
    settings.alerts.backoff_s = 1.0
    raise_for(fresh_db, settings, [store_flagged(fresh_db)])
    assert deliver_due(fresh_db, settings, now=NOW).retrying == 1
    (delivery,) = fresh_db.query("SELECT next_attempt_at FROM deliveries")
    assert datetime.fromisoformat(delivery["next_attempt_at"]) - NOW == timedelta(hours=6)


def test_the_crawler_and_alert_delivery_read_retry_after_with_one_function():
    from tocsin.alerts import transports
    from tocsin.crawler import middlewares
    from tocsin.retry_after import retry_after_s

    assert middlewares.retry_after_s is retry_after_s and transports.retry_after_s is retry_after_s


# --------------------------------------------------------------------------- the resolved stale-source message


def test_the_resolved_message_of_a_stale_source_says_it_crawled_again(fresh_db, tmp_path):
    ensure_source(fresh_db, "feed")
    finish_crawl_run(fresh_db, start_crawl_run(fresh_db, "feed"), "ok")
    fresh_db.execute("UPDATE sources SET interval_minutes = 30")
    fresh_db.execute("DELETE FROM sources WHERE name = 'test'")
    settings = make_settings(tmp_path, rules=[AlertRuleSettings(name="stale", kind="stale_source", severity="info")])
    now = datetime.now(timezone.utc)
    finish_crawl_run(fresh_db, start_crawl_run(fresh_db, "feed"), "failed")
    assert evaluate_rules(fresh_db, settings, now=now + timedelta(minutes=61)) == 1
    again = (now + timedelta(minutes=96)).isoformat()
    fresh_db.execute("UPDATE sources SET last_success_at = ? WHERE name = 'feed'", [again])
    evaluate_rules(fresh_db, settings, now=now + timedelta(minutes=97))
    deliver_due(fresh_db, settings, now=now + timedelta(minutes=97))
    sent = [json.loads(line) for line in (tmp_path / "alerts.jsonl").read_text(encoding="utf-8").splitlines()]
    assert "its latest crawl failed" in sent[0]["text"]
    resolved = sent[-1]["text"]
    assert resolved.startswith("[RESOLVED] Source feed")
    assert "crawled successfully again at" in resolved and "failed" not in resolved and "since it was added" not in resolved
