"""Delivery: webhook retries and signatures, e-mail over SMTP, the JSONL file, dead letters, and no
message lost or duplicated more than once when the delivering process is killed."""

from __future__ import annotations

import base64
import json
import os
import random
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections import Counter
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from test_alert_support import NOW, make_settings, raise_for, receiver, store_flagged  # noqa: F401 - fixture
from tocsin.alerts import deliver_due, status_lines
from tocsin.alerts.delivery import backoff_delay
from tocsin.alerts.transports import sign
from tocsin.config import SinkSettings
from tocsin.store import alerting, connect

SECRET = "whsec_" + base64.b64encode(b"fictional-test-secret-0123456789").decode()


def webhook_settings(tmp_path, url, **alerts):
    return make_settings(tmp_path, sinks=[SinkSettings(name="ngo-hook", kind="webhook", url=url, secret=SECRET, timeout_s=5)],
                         **alerts)


def test_webhook_failing_three_times_arrives_once_with_one_id_and_a_valid_signature(fresh_db, tmp_path, receiver):
    hook = receiver([500, 503, 502])
    settings = webhook_settings(tmp_path, hook.url, backoff_s=30.0)
    raise_for(fresh_db, settings, [store_flagged(fresh_db)])
    moment, rounds = NOW, 0
    while not hook.accepted and rounds < 10:
        deliver_due(fresh_db, settings, now=moment)
        moment += timedelta(hours=1)
        rounds += 1
    assert len(hook.requests) == 4 and len(hook.accepted) == 1
    ids = {r["headers"]["webhook-id"] for r in hook.requests}
    assert len(ids) == 1
    (delivery,) = fresh_db.query("SELECT * FROM deliveries")
    assert ids == {delivery["idempotency_key"]} and delivery["status"] == "sent" and delivery["attempts"] == 4
    arrived = hook.accepted[0]
    payload = Webhook(SECRET).verify(arrived["body"], {k.lower(): v for k, v in arrived["headers"].items()})
    assert payload["id"] == delivery["idempotency_key"] and payload["title"] == "Incitement against Uzbeks in Osh"
    attempts = list(fresh_db.query("SELECT outcome FROM delivery_attempts ORDER BY id"))
    assert [a["outcome"] for a in attempts] == ["transient"] * 3 + ["sent"]
    # nothing is sent again afterwards
    deliver_due(fresh_db, settings, now=moment + timedelta(days=1))
    assert len(hook.requests) == 4


def test_a_tampered_body_fails_verification():
    body = b'{"id":"x"}'
    headers = {"webhook-id": "x", "webhook-timestamp": str(int(time.time())),
               "webhook-signature": sign(SECRET, "x", int(time.time()), body)}
    Webhook(SECRET).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(b'{"id":"y"}', headers)


def test_permanent_answer_dead_letters_at_once_and_status_shows_it(fresh_db, tmp_path, receiver):
    hook = receiver([410])
    settings = webhook_settings(tmp_path, hook.url)
    raise_for(fresh_db, settings, [store_flagged(fresh_db)])
    summary = deliver_due(fresh_db, settings, now=NOW)
    assert summary.dead == 1 and summary.retrying == 0
    (alert,) = alerting.list_alerts(fresh_db, dead_only=True)
    assert alert["deliveries"] == {"dead": 1}
    text = "\n".join(status_lines(fresh_db))
    assert "dead 1" in text and "answered 410" in text
    assert alerting.retry_dead_deliveries(fresh_db, NOW.isoformat()) == 1
    assert deliver_due(fresh_db, settings, now=NOW).sent == 1


def test_transient_failures_dead_letter_after_max_attempts(fresh_db, tmp_path, receiver):
    hook = receiver([500] * 10)
    settings = webhook_settings(tmp_path, hook.url, max_attempts=3, backoff_s=10.0)
    raise_for(fresh_db, settings, [store_flagged(fresh_db)])
    for hour in range(6):
        deliver_due(fresh_db, settings, now=NOW + timedelta(hours=hour))
    (delivery,) = fresh_db.query("SELECT * FROM deliveries")
    assert delivery["status"] == "dead" and delivery["attempts"] == 3 and "gave up after 3 attempts" in delivery["last_error"]
    assert len(hook.requests) == 3


def test_messages_dead_lettered_while_their_sink_was_down_are_sent_once_it_answers_again(fresh_db, tmp_path, receiver):
    hook = receiver([500] * 3)   # the receiver is down for three attempts, then answers
    settings = webhook_settings(tmp_path, hook.url, max_attempts=3, backoff_s=10.0)
    raise_for(fresh_db, settings, [store_flagged(fresh_db)])
    for hour in range(3):
        deliver_due(fresh_db, settings, now=NOW + timedelta(hours=hour))
    assert [d["status"] for d in fresh_db.query("SELECT status FROM deliveries")] == ["dead"]
    raise_for(fresh_db, settings, [store_flagged(fresh_db, text="Fictional call: beat the Tajiks in Batken.", groups=("tajik",), places=("batken",))])
    back = deliver_due(fresh_db, settings, now=NOW + timedelta(hours=4))
    assert back.sent == 1 and back.revived == 1
    assert deliver_due(fresh_db, settings, now=NOW + timedelta(hours=4)).sent == 1
    assert sorted(d["status"] for d in fresh_db.query("SELECT status FROM deliveries")) == ["sent", "sent"]
    keys = [r["headers"]["webhook-id"] for r in hook.accepted]
    assert len(keys) == len(set(keys)) == 2, "each message accepted once"


def test_a_message_the_receiver_keeps_failing_while_others_get_through_stays_dead(fresh_db, tmp_path, receiver):
    hook = receiver([500, 204, 500, 500])   # the first message fails, the second is accepted, the first fails again
    settings = webhook_settings(tmp_path, hook.url, max_attempts=3, backoff_s=10.0)
    raise_for(fresh_db, settings, [store_flagged(fresh_db)])
    deliver_due(fresh_db, settings, now=NOW)
    raise_for(fresh_db, settings, [store_flagged(fresh_db, text="Fictional call: beat the Tajiks in Batken.", groups=("tajik",), places=("batken",))])
    for hour in range(1, 4):
        deliver_due(fresh_db, settings, now=NOW + timedelta(hours=hour))
    assert sorted(d["status"] for d in fresh_db.query("SELECT status FROM deliveries")) == ["dead", "sent"]
    raise_for(fresh_db, settings, [store_flagged(fresh_db, text="Fictional call: drive the Dungans out of Tokmok.", groups=("dungan",), places=("tokmok",))])
    later = deliver_due(fresh_db, settings, now=NOW + timedelta(hours=5))
    assert later.sent == 1 and later.revived == 0


def test_a_webhooks_login_is_sent_as_basic_auth_and_its_credentials_and_token_are_never_shown(fresh_db, tmp_path, receiver):
    hook = receiver([500])
    url = hook.url.replace("http://", "http://bot:Zqx%20secret@").replace("/hook", "/hooks/T1/B2/ZQXTOKEN?key=ZQXKEY")
    settings = webhook_settings(tmp_path, url, max_attempts=3, backoff_s=10.0)
    raise_for(fresh_db, settings, [store_flagged(fresh_db)])
    failed = deliver_due(fresh_db, settings, now=NOW)
    port = hook.url.split(":")[2].split("/")[0]
    assert failed.retrying == 1 and failed.errors == [f"webhook http://127.0.0.1:{port}/… answered 500"]
    assert deliver_due(fresh_db, settings, now=NOW + timedelta(hours=1)).sent == 1
    (accepted,) = hook.accepted
    assert accepted["headers"]["authorization"] == "Basic " + base64.b64encode(b"bot:Zqx secret").decode()
    shown = "\n".join(status_lines(fresh_db)) + json.dumps(list(fresh_db.query("SELECT * FROM deliveries"))) + json.dumps(
        list(fresh_db.query("SELECT * FROM delivery_attempts")))
    for secret in ("Zqx", "ZQXTOKEN", "ZQXKEY", "bot:"):
        assert secret not in shown


def test_backoff_doubles_with_jitter_and_is_capped():
    rng = random.Random(7)
    for attempts in range(1, 8):
        full = 30 * 2 ** (attempts - 1)
        delays = [backoff_delay(attempts, 30, rng) for _ in range(50)]
        assert all(full / 2 <= d <= full for d in delays)
        assert len({round(d, 3) for d in delays}) > 40  # jittered, not in lock-step
    assert backoff_delay(40, 30, rng) <= 6 * 3600


def test_retry_after_is_respected(fresh_db, tmp_path):
    from tocsin.alerts.transports import WebhookTransport

    settings = webhook_settings(tmp_path, "http://127.0.0.1:9/")
    error = WebhookTransport(settings.alerts.sinks[0], settings).http_error(429, "600")
    assert not error.permanent and error.retry_after == 600


# --------------------------------------------------------------------------- e-mail


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    class Handler:
        def __init__(self):
            self.messages = []
            #: address → answers given to it at RCPT, one per attempt, before it is accepted
            self.refusals: dict[str, list[str]] = {}

        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd API
            if self.refusals.get(address):
                return self.refusals[address].pop(0)
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
            self.messages.append(envelope)
            return "250 OK"

    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, handler
    controller.stop()


def test_email_arrives_with_message_id_from_the_idempotency_key(fresh_db, tmp_path, smtp_server):
    controller, handler = smtp_server
    sink = SinkSettings(name="desk", kind="email", smtp_host="127.0.0.1", smtp_port=controller.port, starttls=False,
                        sender="tocsin@monitor.example", recipients=["desk@monitor.example"], timeout_s=5)
    settings = make_settings(tmp_path, sinks=[sink])
    raise_for(fresh_db, settings, [store_flagged(fresh_db, score=0.6)])  # a call naming a place: high
    assert deliver_due(fresh_db, settings, now=NOW).sent == 1
    (envelope,) = handler.messages
    assert envelope.rcpt_tos == ["desk@monitor.example"]
    mail = message_from_bytes(envelope.content)
    (delivery,) = fresh_db.query("SELECT * FROM deliveries")
    assert mail["Message-ID"] == f"<{delivery['idempotency_key']}@monitor.example>"
    assert mail["Subject"] == "[tocsin HIGH] Incitement against Uzbeks in Osh"
    body = mail.get_payload(decode=True).decode()
    assert "Whom: Uzbeks" in body and "http://review.test/alerts/" in body


def test_email_refuses_to_send_in_clear_when_starttls_is_asked_but_not_offered(fresh_db, tmp_path, smtp_server):
    controller, handler = smtp_server
    sink = SinkSettings(name="desk", kind="email", smtp_host="127.0.0.1", smtp_port=controller.port, starttls=True,
                        recipients=["desk@monitor.example"], timeout_s=5)
    settings = make_settings(tmp_path, sinks=[sink])
    raise_for(fresh_db, settings, [store_flagged(fresh_db)])
    assert deliver_due(fresh_db, settings, now=NOW).dead == 1
    assert handler.messages == []
    (delivery,) = fresh_db.query("SELECT last_error FROM deliveries")
    assert "does not offer STARTTLS" in delivery["last_error"]


def alert_to_duty_and_lead(db, tmp_path, smtp_server, duty_answer: str):
    """An alert queued to an e-mail sink with two recipients, duty@ answering ``duty_answer`` at RCPT the first
    time; returns the settings and the server's handler."""
    controller, handler = smtp_server
    handler.refusals["duty@ngo.example"] = [duty_answer]
    sink = SinkSettings(name="desk", kind="email", smtp_host="127.0.0.1", smtp_port=controller.port, starttls=False,
                        sender="tocsin@monitor.example", recipients=["duty@ngo.example", "lead@ngo.example"], timeout_s=5)
    settings = make_settings(tmp_path, sinks=[sink])
    raise_for(db, settings, [store_flagged(db)])
    return settings, handler


def test_an_email_one_recipient_defers_is_sent_again_to_that_recipient_only(fresh_db, tmp_path, smtp_server):
    settings, handler = alert_to_duty_and_lead(fresh_db, tmp_path, smtp_server, "450 4.2.0 mailbox busy, try later")
    assert deliver_due(fresh_db, settings, now=NOW).retrying == 1
    (delivery,) = fresh_db.query("SELECT status, last_error FROM deliveries")
    assert delivery["status"] == "pending" and "duty@ngo.example (450 4.2.0 mailbox busy" in delivery["last_error"]
    assert deliver_due(fresh_db, settings, now=NOW + timedelta(hours=1)).sent == 1
    assert [m.rcpt_tos for m in handler.messages] == [["lead@ngo.example"], ["duty@ngo.example"]]
    ids = {message_from_bytes(m.content)["Message-ID"] for m in handler.messages}
    assert len(ids) == 1


def test_an_email_one_recipient_refuses_for_good_is_a_dead_letter_naming_it_and_the_fix(fresh_db, tmp_path, smtp_server):
    settings, handler = alert_to_duty_and_lead(fresh_db, tmp_path, smtp_server, "550 5.1.1 no such user")
    assert deliver_due(fresh_db, settings, now=NOW).dead == 1
    assert [m.rcpt_tos for m in handler.messages] == [["lead@ngo.example"]]
    (delivery,) = fresh_db.query("SELECT last_error FROM deliveries")
    assert "refused duty@ngo.example (550 5.1.1 no such user) for good" in delivery["last_error"]
    assert "lead@ngo.example has it" in delivery["last_error"] and "fix the address" in delivery["last_error"]


def test_an_email_refused_for_good_by_one_recipient_and_deferred_by_another_is_dead_only_for_the_first(
        fresh_db, tmp_path, smtp_server):
    settings, handler = alert_to_duty_and_lead(fresh_db, tmp_path, smtp_server, "550 5.1.1 no such user")
    handler.refusals["lead@ngo.example"] = ["450 4.2.0 mailbox busy, try later"]
    summary = deliver_due(fresh_db, settings, now=NOW)
    assert (summary.dead, summary.retrying, summary.sent) == (1, 1, 0)
    rows = {row["status"]: row for row in fresh_db.query("SELECT * FROM deliveries")}
    dead, waiting = rows["dead"], rows["pending"]
    assert "refused duty@ngo.example (550 5.1.1 no such user) for good" in dead["last_error"]
    assert "fix the address" in dead["last_error"] and json.loads(dead["owed"]) == ["duty@ngo.example"]
    assert "lead@ngo.example (450 4.2.0 mailbox busy" in waiting["last_error"] and json.loads(waiting["owed"]) == ["lead@ngo.example"]
    assert deliver_due(fresh_db, settings, now=NOW + timedelta(hours=1)).sent == 1   # the deferring recipient only
    assert alerting.retry_dead_deliveries(fresh_db, (NOW + timedelta(hours=2)).isoformat()) == 1   # the address fixed
    assert deliver_due(fresh_db, settings, now=NOW + timedelta(hours=2)).sent == 1
    assert [m.rcpt_tos for m in handler.messages] == [["lead@ngo.example"], ["duty@ngo.example"]]
    assert len({message_from_bytes(m.content)["Message-ID"] for m in handler.messages}) == 1


def test_a_later_error_of_the_queued_part_does_not_say_the_dead_lettered_recipient_has_it(fresh_db, tmp_path, smtp_server):
    """After the split, the queued message owes it to lead@ (deferring) only, the dead letter to duty@ (refused for
    good) only: neither's later error says the other has it."""
    settings, handler = alert_to_duty_and_lead(fresh_db, tmp_path, smtp_server, "550 5.1.1 no such user")
    handler.refusals["duty@ngo.example"].append("450 4.2.0 mailbox busy, try later")
    handler.refusals["lead@ngo.example"] = ["450 4.2.0 mailbox busy, try later"] * 3
    deliver_due(fresh_db, settings, now=NOW)
    assert deliver_due(fresh_db, settings, now=NOW + timedelta(hours=1)).retrying == 1
    waiting = fresh_db.execute("SELECT last_error, owed FROM deliveries WHERE status = 'pending'").fetchone()
    assert "lead@ngo.example (450" in waiting[0] and "has it" not in waiting[0] and json.loads(waiting[1]) == ["lead@ngo.example"]
    alerting.retry_dead_deliveries(fresh_db, (NOW + timedelta(hours=2)).isoformat())
    assert deliver_due(fresh_db, settings, now=NOW + timedelta(hours=2)).retrying == 2
    errors = [row[0] for row in fresh_db.execute("SELECT last_error FROM deliveries ORDER BY id")]
    assert "lead@ngo.example (450" in errors[0] and "duty@ngo.example (450" in errors[1]
    assert not any("has it" in error for error in errors), errors
    assert handler.messages == []


def test_a_dead_letter_split_off_and_queued_again_keeps_when_it_was_made_and_first_failed(fresh_db, tmp_path, smtp_server):
    settings, handler = alert_to_duty_and_lead(fresh_db, tmp_path, smtp_server, "450 4.2.0 mailbox busy, try later")
    handler.refusals["duty@ngo.example"] += ["550 5.1.1 no such user", "550 5.1.1 no such user"]
    handler.refusals["lead@ngo.example"] = ["450 4.2.0 mailbox busy, try later"] * 2
    deliver_due(fresh_db, settings, now=NOW)
    fresh_db.execute("UPDATE delivery_attempts SET started_at = ?", [NOW.isoformat()])   # the first attempt, made at NOW
    deliver_due(fresh_db, settings, now=NOW + timedelta(hours=1))   # duty@ refuses it for good: a dead letter split off
    created = {row["status"]: row["created_at"] for row in fresh_db.query("SELECT status, created_at FROM deliveries")}
    assert created["dead"] == created["pending"]
    alerting.retry_dead_deliveries(fresh_db, (NOW + timedelta(hours=2)).isoformat())
    deliver_due(fresh_db, settings, now=NOW + timedelta(hours=2))   # refused for good again
    (alert,) = alerting.list_alerts(fresh_db, dead_only=True)
    (dead,) = alert["dead_letters"]
    assert dead["failing_since"] == NOW.isoformat() and dead["attempts"] == 1
    assert "after 1 attempt(s), failing since 2026-06-10 12:00 UTC: SMTP" in "\n".join(status_lines(fresh_db))


def split_between_duty_and_lead(db, tmp_path, smtp_server, lead_answers: list[str] | None = None):
    """An alert whose e-mail duty@ refused for good while lead@ deferred it: a dead letter split off for duty@ and the
    message queued for lead@ (who then answers ``lead_answers``, and accepts it). Returns the settings and handler."""
    settings, handler = alert_to_duty_and_lead(db, tmp_path, smtp_server, "550 5.1.1 no such user")
    handler.refusals["lead@ngo.example"] = ["450 4.2.0 mailbox busy, try later", *(lead_answers or [])]
    summary = deliver_due(db, settings, now=NOW)
    assert (summary.dead, summary.retrying) == (1, 1)
    return settings, handler


def copies_received(handler) -> dict[str, int]:
    """How many copies of the message each address received."""
    return dict(Counter(address for message in handler.messages for address in message.rcpt_tos))


@pytest.mark.parametrize("dead_letter_first", [True, False], ids=["dead-letter-first", "deferring-part-first"])
def test_an_address_corrected_after_a_split_gets_the_message_once_whichever_part_goes_first(
        fresh_db, tmp_path, smtp_server, dead_letter_first):
    """The operator corrects duty@'s address and queues the dead letter again while the other part waits for lead@:
    the corrected address is neither sent the message by both parts nor skipped by both."""
    settings, handler = split_between_duty_and_lead(fresh_db, tmp_path, smtp_server)
    settings.alerts.sinks[0].recipients = ["duty.desk@ngo.example", "lead@ngo.example"]
    if not dead_letter_first:
        deliver_due(fresh_db, settings, now=NOW + timedelta(hours=1))
    alerting.retry_dead_deliveries(fresh_db, NOW.isoformat())
    deliver_due(fresh_db, settings, now=NOW)   # the part queued for lead@ is not due yet
    deliver_due(fresh_db, settings, now=NOW + timedelta(hours=2))
    assert copies_received(handler) == {"duty.desk@ngo.example": 1, "lead@ngo.example": 1}
    assert len({message_from_bytes(m.content)["Message-ID"] for m in handler.messages}) == 1
    assert {row[0] for row in fresh_db.execute("SELECT status FROM deliveries")} == {"sent"}


def test_both_parts_dead_and_both_addresses_corrected_send_each_corrected_address_one_copy(fresh_db, tmp_path, smtp_server):
    settings, handler = split_between_duty_and_lead(fresh_db, tmp_path, smtp_server, ["550 5.1.1 no such user"])
    assert deliver_due(fresh_db, settings, now=NOW + timedelta(hours=1)).dead == 1   # lead@ refuses it for good too
    settings.alerts.sinks[0].recipients = ["duty.desk@ngo.example", "lead.home@ngo.example"]
    assert alerting.retry_dead_deliveries(fresh_db, (NOW + timedelta(hours=2)).isoformat()) == 2
    assert deliver_due(fresh_db, settings, now=NOW + timedelta(hours=2)).sent == 2
    assert copies_received(handler) == {"duty.desk@ngo.example": 1, "lead.home@ngo.example": 1}


def test_a_dead_letter_is_split_off_only_with_the_record_of_the_attempt_it_comes_from(
        fresh_db, tmp_path, smtp_server, monkeypatch):
    """Recording the attempt fails (the store locked) after duty@ refused the e-mail for good and lead@ deferred it:
    no dead letter is left owing duty@ beside the queued message, which still owes it too, so duty@ gets one copy."""
    settings, handler = alert_to_duty_and_lead(fresh_db, tmp_path, smtp_server, "550 5.1.1 no such user")
    handler.refusals["duty@ngo.example"].append("550 5.1.1 no such user")
    handler.refusals["lead@ngo.example"] = ["450 4.2.0 mailbox busy, try later"]
    raised = record_failing(monkeypatch, 1, status="pending")
    deliver_due(fresh_db, settings, now=NOW)
    assert raised and fresh_db.execute("SELECT status FROM deliveries").fetchall() == [("pending",)]
    deliver_due(fresh_db, settings, now=NOW + timedelta(hours=1))   # lead@ takes it, duty@ refuses it for good again
    alerting.retry_dead_deliveries(fresh_db, (NOW + timedelta(hours=2)).isoformat())   # duty@'s mailbox made
    deliver_due(fresh_db, settings, now=NOW + timedelta(hours=2))
    assert copies_received(handler) == {"duty@ngo.example": 1, "lead@ngo.example": 1}


def test_the_migration_tells_each_part_of_a_message_split_before_whom_it_owes(tmp_path, smtp_server, monkeypatch):
    """A store from before ``owed``: chief@ took the e-mail, duty@ refused it for good while lead@ deferred it; each
    part recorded only whom it skips. Once migrated, duty@'s corrected address and lead@ get one copy, chief@ none."""
    from tocsin.store import migrations, transaction

    path = tmp_path / "old.db"
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:migrations.MIGRATIONS.index(migrations.m016_delivery_owed)])
    db = connect(path)
    settings, handler = alert_to_duty_and_lead(db, tmp_path, smtp_server, "250 OK")
    handler.refusals.clear()
    with transaction(db):
        db.execute("""UPDATE deliveries SET status = 'pending', attempts = 1, frozen_at = created_at,
                      reached = '["chief@ngo.example","duty@ngo.example"]'""")
        db.execute("""INSERT INTO deliveries (alert_id, sink, idempotency_key, status, attempts, next_attempt_at, last_error,
                                              created_at, notification, body, frozen_at, reached)
                      SELECT alert_id, sink, idempotency_key || '-refused-2', 'dead', 1, next_attempt_at, 'refused',
                             created_at, notification, body, frozen_at, '["chief@ngo.example","lead@ngo.example"]'
                      FROM deliveries""")
    db.close()
    monkeypatch.undo()

    db = connect(path)
    parts = {row[0]: (json.loads(row[1]), json.loads(row[2])) for row in db.execute("SELECT status, owed, reached FROM deliveries")}
    assert parts == {"pending": (["lead@ngo.example"], ["chief@ngo.example"]),
                     "dead": (["duty@ngo.example"], ["chief@ngo.example"])}
    settings.alerts.sinks[0].recipients = ["chief@ngo.example", "duty.desk@ngo.example", "lead@ngo.example"]
    alerting.retry_dead_deliveries(db, NOW.isoformat())
    assert deliver_due(db, settings, now=NOW + timedelta(hours=1)).sent == 2
    assert copies_received(handler) == {"duty.desk@ngo.example": 1, "lead@ngo.example": 1}
    db.close()


def record_failing(monkeypatch, times: int, status: str = "sent") -> list[str]:
    """Make recording a message as ``status`` fail ``times`` times ("database is locked"); returns the errors raised."""
    import sqlite3

    from tocsin.alerts import delivery

    real, raised = alerting.finish_delivery, []
    monkeypatch.setattr(delivery, "RECORD_PAUSES_S", (0.0, 0.0))

    def locked(db, delivery_id, **fields):
        if fields["status"] == status and len(raised) < times:
            raised.append("database is locked")
            raise sqlite3.OperationalError("database is locked")
        return real(db, delivery_id, **fields)

    monkeypatch.setattr(alerting, "finish_delivery", locked)
    return raised


def test_a_send_whose_record_fails_once_is_recorded_on_a_second_try_and_not_sent_again(
        fresh_db, tmp_path, receiver, monkeypatch):
    hook = receiver()
    settings = webhook_settings(tmp_path, hook.url)
    raise_for(fresh_db, settings, [store_flagged(fresh_db)])
    raised = record_failing(monkeypatch, 1)
    summary = deliver_due(fresh_db, settings, now=NOW)
    assert raised and (summary.sent, summary.retrying, summary.dead) == (1, 0, 0)
    assert deliver_due(fresh_db, settings, now=NOW + timedelta(days=1)).attempted == 0
    assert fresh_db.execute("SELECT status FROM deliveries").fetchone()[0] == "sent" and len(hook.requests) == 1


def test_a_send_that_cannot_be_recorded_is_not_counted_as_failed_and_goes_again_only_under_its_own_id(
        fresh_db, tmp_path, receiver, monkeypatch, caplog):
    hook = receiver()
    settings = webhook_settings(tmp_path, hook.url)
    raise_for(fresh_db, settings, [store_flagged(fresh_db)])
    record_failing(monkeypatch, 99)
    summary = deliver_due(fresh_db, settings, now=NOW)
    assert (summary.sent, summary.retrying, summary.dead) == (1, 0, 0) and "could not be recorded" in summary.errors[0]
    row = fresh_db.execute("SELECT status, idempotency_key FROM deliveries").fetchone()
    assert row[0] == "sending", "still claimed: not queued for a retry"
    assert fresh_db.execute("SELECT count(*) FROM delivery_attempts").fetchone()[0] == 0, "no failed attempt recorded"
    assert any(r.levelname == "ERROR" and row[1] in r.getMessage() for r in caplog.records)
    monkeypatch.undo()
    assert deliver_due(fresh_db, settings, now=NOW + timedelta(hours=1)).sent == 1   # its claim taken over
    assert {r["headers"]["webhook-id"] for r in hook.requests} == {row[1]}


def test_unreachable_smtp_is_transient(fresh_db, tmp_path):
    sink = SinkSettings(name="desk", kind="email", smtp_host="127.0.0.1", smtp_port=free_port(), starttls=False,
                        recipients=["desk@monitor.example"], timeout_s=2)
    settings = make_settings(tmp_path, sinks=[sink])
    raise_for(fresh_db, settings, [store_flagged(fresh_db)])
    assert deliver_due(fresh_db, settings, now=NOW).retrying == 1


# --------------------------------------------------------------------------- file


def test_file_sink_writes_one_json_line_per_message_and_never_the_same_id_twice(fresh_db, tmp_path):
    settings = make_settings(tmp_path)
    raise_for(fresh_db, settings, [store_flagged(fresh_db), store_flagged(fresh_db, groups=("kyrgyz",))])
    assert deliver_due(fresh_db, settings, now=NOW).sent == 2
    # a crash after the write but before 'sent' was recorded: the message comes round again
    fresh_db.execute("UPDATE deliveries SET status = 'pending', next_attempt_at = ?", [NOW.isoformat()])
    assert deliver_due(fresh_db, settings, now=NOW).sent == 2
    lines = (tmp_path / "alerts.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and {json.loads(line)["labels"]["group"] for line in lines} == {"uzbek", "kyrgyz"}
    assert oct((tmp_path / "alerts.jsonl").stat().st_mode & 0o777) == "0o600"


def test_file_sink_in_an_unwritable_place_is_a_permanent_error(fresh_db, tmp_path):
    if os.geteuid() == 0:
        settings = make_settings(tmp_path, sinks=[SinkSettings(name="file", kind="file", path="/proc/tocsin/alerts.jsonl")])
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        settings = make_settings(tmp_path, sinks=[SinkSettings(name="file", kind="file", path=str(locked / "a.jsonl"))])
    raise_for(fresh_db, settings, [store_flagged(fresh_db)])
    summary = deliver_due(fresh_db, settings, now=NOW)
    assert summary.sent == 0 and summary.dead + summary.retrying == 1


@pytest.mark.parametrize("path, blocking", [("a-file/alerts.jsonl", "a-file is a file, not a folder"),
                                             ("a-file/deeper/alerts.jsonl", "a-file is a file, not a folder"),
                                             ("a-folder", "it is a folder")])
def test_a_file_sink_whose_path_is_blocked_says_what_blocks_it_and_gives_up(fresh_db, tmp_path, path, blocking):
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    (tmp_path / "a-folder").mkdir()
    settings = make_settings(tmp_path, sinks=[SinkSettings(name="file", kind="file", path=path)])
    raise_for(fresh_db, settings, [store_flagged(fresh_db)])
    summary = deliver_due(fresh_db, settings, now=NOW)
    assert summary.sent == 0 and summary.dead == 1 and summary.retrying == 0
    (error,) = [r[0] for r in fresh_db.execute("SELECT last_error FROM deliveries")]
    assert blocking in error and "set the sink's path to a file in a folder" in error


def test_a_file_sink_on_a_drive_not_mounted_yet_is_retried(fresh_db, tmp_path):
    (tmp_path / "usb").symlink_to(tmp_path / "not-mounted")   # a link to a mount point that is not there
    settings = make_settings(tmp_path, sinks=[SinkSettings(name="file", kind="file", path="usb/alerts.jsonl")])
    raise_for(fresh_db, settings, [store_flagged(fresh_db)])
    summary = deliver_due(fresh_db, settings, now=NOW)
    assert summary.sent == 0 and summary.retrying == 1 and summary.dead == 0


def test_a_claim_left_by_a_dead_process_is_taken_over(fresh_db, tmp_path):
    settings = make_settings(tmp_path)
    raise_for(fresh_db, settings, [store_flagged(fresh_db)])
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    fresh_db.execute("UPDATE deliveries SET status = 'sending', claimed_by = ?, next_attempt_at = ?",
                     [f"{socket.gethostname()}:{dead.pid}", (NOW + timedelta(hours=1)).isoformat()])
    assert deliver_due(fresh_db, settings, now=NOW).sent == 1


def test_a_claim_of_a_live_process_is_left_alone_until_its_lease_ends(fresh_db, tmp_path):
    settings = make_settings(tmp_path)
    raise_for(fresh_db, settings, [store_flagged(fresh_db)])
    fresh_db.execute("UPDATE deliveries SET status = 'sending', claimed_by = ?, next_attempt_at = ?",
                     [f"{socket.gethostname()}:{os.getppid()}", (NOW + timedelta(minutes=1)).isoformat()])
    assert deliver_due(fresh_db, settings, now=NOW).sent == 0
    assert deliver_due(fresh_db, settings, now=NOW + timedelta(minutes=2)).sent == 1


# --------------------------------------------------------------------------- kill -9


DELIVERER = textwrap.dedent("""
    import sys
    from tocsin.alerts import deliver_due
    from tocsin.config import Settings, SinkSettings
    from tocsin.store import connect

    db = connect(sys.argv[1])
    settings = Settings()
    settings.alerts.sinks = [SinkSettings(name="ngo-hook", kind="webhook", url=sys.argv[2], secret=sys.argv[3], timeout_s=5)]
    print("ready", flush=True)
    while deliver_due(db, settings, limit=1).attempted:
        pass
""")


@pytest.mark.slow
def test_kill_9_while_delivering_loses_nothing_and_duplicates_at_most_once_per_kill(db_path, tmp_path, receiver):
    hook = receiver(delay_s=0.01)
    settings = webhook_settings(tmp_path, hook.url)
    db = connect(db_path)
    groups = ("uzbek", "kyrgyz", "tajik", "russian", "dungan", "uyghur")
    places = ("osh", "jalal-abad", "uzgen", "aravan", "nookat", "kara-suu", "batken")
    rows = [store_flagged(db, groups=(g,), places=(p,)) for g in groups for p in places]
    raise_for(db, settings, rows)
    keys = {r["idempotency_key"] for r in db.query("SELECT idempotency_key FROM deliveries")}
    assert len(keys) == len(groups) * len(places)
    script = tmp_path / "deliverer.py"
    script.write_text(DELIVERER, encoding="utf-8")
    rng = random.Random(2010)
    kills = 0
    for round_no in range(1, 22):
        # each run's url names its round: a request read after its sender was killed counts for the run that sent it
        url = f"{hook.url}?round={round_no}"
        proc = subprocess.Popen([sys.executable, str(script), str(db_path), url, SECRET], stdout=subprocess.PIPE,
                                env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)})
        assert proc.stdout.readline().strip() == b"ready"
        if round_no <= 20:
            time.sleep(rng.uniform(0, 0.08))
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(timeout=60)
    assert kills == 20
    received: dict[str, list[dict]] = {}
    for request in hook.accepted:
        received.setdefault(request["headers"]["webhook-id"], []).append(request)
    assert set(received) == keys  # no alert lost
    for key, copies in received.items():  # duplicates carry the same key and the same bytes
        assert len({c["body"] for c in copies}) == 1
        assert all(json.loads(c["body"])["id"] == key for c in copies)
    # a repeat of a message is caused by the kill of the round that sent it before: at most one per kill
    caused_by: dict[int, int] = {}
    for copies in received.values():
        rounds = [int(c["path"].rpartition("=")[2]) for c in copies]
        for earlier in rounds[:-1]:
            caused_by[earlier] = caused_by.get(earlier, 0) + 1
    assert all(n <= 1 for n in caused_by.values()), caused_by
    assert 21 not in caused_by  # the last run was not killed and repeats nothing
    duplicates = len(hook.accepted) - len(keys)
    assert duplicates <= kills
    assert {r["status"] for r in db.query("SELECT status FROM deliveries")} == {"sent"}
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    print(f"kill -9 x{kills}: {len(keys)} messages, {duplicates} duplicate(s)")


def test_a_receiver_asking_to_wait_for_ages_waits_the_longest_backoff_and_blocks_no_other_sink(fresh_db, tmp_path):
    from tocsin.alerts.delivery import MAX_BACKOFF_S
    from tocsin.alerts.transports import TransportError

    class Greedy:
        def notify(self, message):
            raise TransportError("webhook answered 503", retry_after=99_999_999_999_999)

    settings = make_settings(tmp_path, sinks=[SinkSettings(name="hook", kind="webhook", url="https://hook.example/"),
                                              SinkSettings(name="file", kind="file", path="alerts.jsonl")])
    raise_for(fresh_db, settings, [store_flagged(fresh_db)])
    summary = deliver_due(fresh_db, settings, now=NOW, transports={"hook": Greedy()})
    assert summary.sent == 1 and summary.retrying == 1
    rows = {r["sink"]: r for r in fresh_db.query("SELECT sink, status, next_attempt_at FROM deliveries")}
    assert rows["file"]["status"] == "sent" and rows["hook"]["status"] == "pending"
    assert rows["hook"]["next_attempt_at"] <= (NOW + timedelta(seconds=MAX_BACKOFF_S)).isoformat()


def test_each_send_renews_its_lease_and_a_message_another_process_took_over_is_not_sent_twice(fresh_db, tmp_path,
                                                                                                 monkeypatch):
    """A batch can outlast the lease it was claimed with (slow sinks): each message's lease is renewed just
    before it is sent, and one that another process claimed meanwhile is left to that process."""
    import time
    import types

    from tocsin.alerts import delivery

    clock = {"now": 0.0}

    def slow_monotonic() -> float:   # every look at the clock finds ten minutes gone
        clock["now"] += 600
        return clock["now"]

    monkeypatch.setattr(delivery, "time", types.SimpleNamespace(monotonic=slow_monotonic, time=time.time, sleep=time.sleep))
    leases: list[str] = []

    class Slow:
        def __init__(self):
            self.sent = []

        def notify(self, message):
            self.sent.append(message["id"])
            leases.append(fresh_db.execute("SELECT max(next_attempt_at) FROM deliveries WHERE status = 'sending'").fetchone()[0])
            if len(self.sent) == 1:   # meanwhile another process takes the last message over
                fresh_db.execute("UPDATE deliveries SET claimed_by = 'elsewhere:1' WHERE id = (SELECT max(id) FROM deliveries)")

    settings = make_settings(tmp_path, sinks=[SinkSettings(name="hook", kind="webhook", url="https://hook.example/")])
    raise_for(fresh_db, settings, [store_flagged(fresh_db, groups=(g,)) for g in ("uzbek", "kyrgyz", "tajik")])
    hook = Slow()
    summary = deliver_due(fresh_db, settings, now=NOW, transports={"hook": hook})
    assert summary.sent == 2 and len(hook.sent) == 2
    taken = fresh_db.execute("SELECT status, claimed_by FROM deliveries WHERE id = (SELECT max(id) FROM deliveries)").fetchone()
    assert tuple(taken) == ("sending", "elsewhere:1"), "left to the process that took it"
    assert len(leases) == 2 and leases[1] > leases[0] > NOW.isoformat(), "the second send's lease was renewed later"


def test_a_message_whose_outcome_cannot_be_recorded_waits_and_the_others_go_out(fresh_db, tmp_path, monkeypatch):
    from tocsin.alerts import delivery

    settings = make_settings(tmp_path, sinks=[SinkSettings(name="a", kind="file", path="a.jsonl"),
                                              SinkSettings(name="b", kind="file", path="b.jsonl")])
    raise_for(fresh_db, settings, [store_flagged(fresh_db)])
    real = delivery.deliver_one

    def broken_for_a(db, settings, row, *rest):
        if row["sink"] == "a":
            raise RuntimeError("disk trouble while recording")
        return real(db, settings, row, *rest)

    monkeypatch.setattr(delivery, "deliver_one", broken_for_a)
    summary = deliver_due(fresh_db, settings, now=NOW)
    assert summary.sent == 1 and any("disk trouble" in e for e in summary.errors)
    rows = {r["sink"]: r for r in fresh_db.query("SELECT sink, status, attempts, next_attempt_at FROM deliveries")}
    assert rows["b"]["status"] == "sent" and rows["a"]["status"] == "pending" and rows["a"]["next_attempt_at"] > NOW.isoformat()
    assert rows["a"]["attempts"] == 1   # counted: a message that always fails this way ends dead-lettered, not retried forever
    settings.alerts.backoff_s = 0.0
    for _ in range(settings.alerts.max_attempts):
        deliver_due(fresh_db, settings, now=NOW + timedelta(days=1))
    assert fresh_db.execute("SELECT status FROM deliveries WHERE sink = 'a'").fetchone()[0] == "dead"


def test_after_one_send_hangs_the_sinks_other_messages_wait_for_a_later_call(fresh_db, tmp_path):
    from tocsin.alerts.transports import TransportError

    calls = []

    class Hanging:
        def notify(self, message):
            calls.append(message["id"])
            raise TransportError("webhook: no complete answer within 30 s", stalled=True)

    settings = make_settings(tmp_path, sinks=[SinkSettings(name="hook", kind="webhook", url="https://hook.example/")])
    raise_for(fresh_db, settings, [store_flagged(fresh_db, text="Fictional: drive the Uzbeks out of Osh.")])
    raise_for(fresh_db, settings, [store_flagged(fresh_db, text="Fictional: drive the Tajiks out of Osh.", groups=("tajik",))])
    summary = deliver_due(fresh_db, settings, now=NOW, transports={"hook": Hanging()})
    assert len(calls) == 1 and summary.retrying == 1
    waiting = fresh_db.execute("SELECT attempts, status FROM deliveries WHERE attempts = 0").fetchall()
    assert waiting == [(0, "pending")]


# --------------------------------------------------------------------------- frozen messages


class Recorder:
    """A sink that records the id and count of every message it is handed, and fails while ``failing``."""

    def __init__(self, failing: bool = False):
        self.failing = failing
        self.seen: list[tuple[str, int]] = []

    def notify(self, message):
        from tocsin.alerts.transports import TransportError

        self.seen.append((message["id"], message["count"]))
        if self.failing:
            raise TransportError("timed out")


def counts_by_id(seen: list[tuple[str, int]]) -> dict[str, set[int]]:
    out: dict[str, set[int]] = {}
    for key, count in seen:
        out.setdefault(key, set()).add(count)
    return out


def hook_sinks(*names: str) -> list[SinkSettings]:
    return [SinkSettings(name=name, kind="webhook", url=f"https://{name}.example/") for name in names]


def test_a_dead_letter_queued_again_goes_out_as_it_was_and_items_that_joined_come_in_an_update(fresh_db, tmp_path):
    """A receiver that drops repeated ids must lose nothing: one id, one content."""
    settings = make_settings(tmp_path, sinks=hook_sinks("hook"), max_attempts=2)
    hook = Recorder(failing=True)
    raise_for(fresh_db, settings, [store_flagged(fresh_db)])
    for hour in range(2):
        deliver_due(fresh_db, settings, now=NOW + timedelta(hours=hour), transports={"hook": hook})
    assert [d["status"] for d in fresh_db.query("SELECT status FROM deliveries")] == ["dead"]
    raise_for(fresh_db, settings, [store_flagged(fresh_db), store_flagged(fresh_db)], now=NOW + timedelta(hours=2))
    alerting.retry_dead_deliveries(fresh_db, (NOW + timedelta(hours=2)).isoformat())
    hook.failing = False
    deliver_due(fresh_db, settings, now=NOW + timedelta(hours=2), transports={"hook": hook})
    told = counts_by_id(hook.seen)
    assert all(len(counts) == 1 for counts in told.values()), told
    assert sorted(min(c) for c in told.values()) == [1, 3]
    assert {d["status"] for d in fresh_db.query("SELECT status FROM deliveries")} == {"sent"}


def test_every_sink_is_told_of_every_item_when_a_stop_leaves_one_sinks_message_unsent(fresh_db, tmp_path):
    """Sink b's first attempt fails, a stop leaves a's message unsent, items join before a's is sent."""
    from tocsin.alerts import evaluate_rules

    settings = make_settings(tmp_path, sinks=hook_sinks("b", "a"))
    sinks = {"b": Recorder(failing=True), "a": Recorder()}
    raise_for(fresh_db, settings, [store_flagged(fresh_db)])
    stops = iter([False, True])
    deliver_due(fresh_db, settings, now=NOW, transports=sinks, should_stop=lambda: next(stops, True))
    assert (len(sinks["b"].seen), len(sinks["a"].seen)) == (1, 0)
    sinks["b"].failing = False
    raise_for(fresh_db, settings, [store_flagged(fresh_db), store_flagged(fresh_db)], now=NOW + timedelta(minutes=10))
    for minute in (11, 40, 80):
        evaluate_rules(fresh_db, settings, now=NOW + timedelta(minutes=minute))
        deliver_due(fresh_db, settings, now=NOW + timedelta(minutes=minute), transports=sinks)
    for name, sink in sinks.items():
        assert max(count for _, count in sink.seen) == 3, (name, sink.seen)
        assert all(len(counts) == 1 for counts in counts_by_id(sink.seen).values()), (name, sink.seen)


def test_the_migration_freezes_the_notifications_already_tried(tmp_path, monkeypatch):
    """A store from before ``frozen_at``: a notification one of whose messages was tried (even if queued again
    since, attempts back at 0) is frozen for every sink; one never tried is still rendered again."""
    from tocsin.store import migrations, transaction

    path = tmp_path / "old.db"
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:migrations.MIGRATIONS.index(migrations.m011_delivery_progress)])
    db = connect(path)
    settings = make_settings(tmp_path, sinks=hook_sinks("b", "a"))
    raise_for(db, settings, [store_flagged(db, groups=("uzbek",)), store_flagged(db, groups=("tajik",))])
    with transaction(db):   # alert 1: b tried once and dead-lettered, then queued again; a never tried
        db.execute("""INSERT INTO delivery_attempts (delivery_id, attempt, started_at, outcome)
                      SELECT id, 1, created_at, 'transient' FROM deliveries WHERE alert_id = 1 AND sink = 'b'""")
    db.close()
    monkeypatch.undo()

    db = connect(path)
    frozen = {(r["alert_id"], r["sink"]): r["frozen_at"] is not None for r in db.query("SELECT * FROM deliveries")}
    assert frozen == {(1, "b"): True, (1, "a"): True, (2, "b"): False, (2, "a"): False}
    assert not alerting.has_unsent_delivery(db, 1) and alerting.has_unsent_delivery(db, 2)
    db.close()
