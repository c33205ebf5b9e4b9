"""A send that hangs: given up on at its deadline or at once when tocsin stops, and never left running
(its connection is cut, so the server sees it close and no send thread stays behind)."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from test_alert_support import NOW, make_settings, raise_for, store_flagged
from tocsin.alerts import deliver_due
from tocsin.alerts.deadline import SendAbandoned, run_within
from tocsin.alerts.transports import DEADLINE_FACTOR, EmailTransport, TransportError, WebhookTransport
from tocsin.config import SinkSettings


class Drip:
    """A local server that accepts one connection, sends ``opening``, then one byte every 0.2 s (so no single
    read ever times out) until the client goes away; ``closed_by_client`` is set when it does."""

    def __init__(self, opening: bytes, read_first: bool):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.port = self.listener.getsockname()[1]
        self.opening, self.read_first = opening, read_first
        self.closed_by_client = threading.Event()
        self.done = threading.Event()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        conn, _ = self.listener.accept()
        with conn:
            if self.read_first:
                conn.recv(65536)
            conn.sendall(self.opening)
            while not self.done.is_set():
                try:
                    conn.sendall(b"X")
                except OSError:
                    self.closed_by_client.set()
                    return
                time.sleep(0.2)

    def close(self) -> None:
        self.done.set()
        self.listener.close()


@pytest.fixture
def drip():
    made: list[Drip] = []

    def make(opening: bytes, read_first: bool) -> Drip:
        made.append(Drip(opening, read_first))
        return made[-1]

    yield make
    for server in made:
        server.close()


def send_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "alert send" and t.is_alive()}


def webhook(port: int, tmp_path, timeout_s: float) -> WebhookTransport:
    settings = make_settings(tmp_path, sinks=[SinkSettings(name="hook", kind="webhook", url=f"http://127.0.0.1:{port}/",
                                                           timeout_s=timeout_s)])
    return WebhookTransport(settings.alerts.sinks[0], settings)


def email(port: int, tmp_path, timeout_s: float) -> EmailTransport:
    sink = SinkSettings(name="desk", kind="email", smtp_host="127.0.0.1", smtp_port=port, starttls=False,
                        recipients=["desk@monitor.example"], timeout_s=timeout_s)
    settings = make_settings(tmp_path, sinks=[sink])
    return EmailTransport(settings.alerts.sinks[0], settings)


MESSAGE = {"id": "m1", "text": "t", "title": "t", "severity": "high", "alert_id": 1}


@pytest.mark.parametrize("kind", ["webhook", "email"])
def test_a_server_answering_a_byte_at_a_time_is_cut_off_at_the_deadline_and_no_thread_is_left(drip, tmp_path, kind):
    server = drip(b"HTTP/1.1 200 OK\r\n", read_first=True) if kind == "webhook" else drip(b"220", read_first=False)
    transport = (webhook if kind == "webhook" else email)(server.port, tmp_path, timeout_s=1)
    earlier = send_threads()
    started = time.monotonic()
    with pytest.raises(TransportError, match="no complete answer within 3 s") as raised:
        transport.notify(MESSAGE)
    assert raised.value.stalled and not raised.value.permanent
    assert DEADLINE_FACTOR * 1 <= time.monotonic() - started < DEADLINE_FACTOR * 1 + 2
    assert server.closed_by_client.wait(5), "the connection was left open after the send was given up on"
    assert send_threads() <= earlier


@pytest.mark.parametrize("kind", ["webhook", "email"])
def test_a_stop_cuts_a_hanging_send_short_at_once(drip, tmp_path, kind):
    server = drip(b"HTTP/1.1 200 OK\r\n", read_first=True) if kind == "webhook" else drip(b"220", read_first=False)
    transport = (webhook if kind == "webhook" else email)(server.port, tmp_path, timeout_s=20)   # a 60 s deadline
    earlier, stop_at = send_threads(), time.monotonic() + 0.5
    transport.should_stop = lambda: time.monotonic() >= stop_at
    with pytest.raises(TransportError, match="cut short because tocsin is stopping") as raised:
        transport.notify(MESSAGE)
    assert raised.value.stalled
    assert time.monotonic() - stop_at < 3
    assert server.closed_by_client.wait(5)
    assert send_threads() <= earlier


def test_a_stop_during_delivery_keeps_the_message_for_a_later_call(drip, fresh_db, tmp_path):
    server = drip(b"HTTP/1.1 200 OK\r\n", read_first=True)
    settings = make_settings(tmp_path, sinks=[SinkSettings(name="hook", kind="webhook",
                                                           url=f"http://127.0.0.1:{server.port}/", timeout_s=20)])
    raise_for(fresh_db, settings, [store_flagged(fresh_db)])
    stop_at = time.monotonic() + 0.5
    started = time.monotonic()
    summary = deliver_due(fresh_db, settings, now=NOW, should_stop=lambda: time.monotonic() >= stop_at)
    assert time.monotonic() - started < 4
    assert summary.sent == 0 and summary.dead == 0
    (delivery,) = fresh_db.query("SELECT status, last_error FROM deliveries")
    assert delivery["status"] == "pending" and "stopping" in delivery["last_error"]


def test_a_stop_during_the_last_allowed_attempt_uses_up_no_attempt_and_dead_letters_nothing(drip, fresh_db, tmp_path):
    server = drip(b"HTTP/1.1 200 OK\r\n", read_first=True)
    settings = make_settings(tmp_path, sinks=[SinkSettings(name="hook", kind="webhook",
                                                           url=f"http://127.0.0.1:{server.port}/", timeout_s=20)],
                             max_attempts=1)
    raise_for(fresh_db, settings, [store_flagged(fresh_db)])
    stop_at = time.monotonic() + 0.5
    summary = deliver_due(fresh_db, settings, now=NOW, should_stop=lambda: time.monotonic() >= stop_at)
    assert summary.dead == 0 and summary.retrying == 0
    (delivery,) = fresh_db.query("SELECT id, status, attempts, next_attempt_at FROM deliveries")
    assert (delivery["status"], delivery["attempts"]) == ("pending", 0)
    assert delivery["next_attempt_at"] <= NOW.isoformat()   # due again as soon as tocsin runs
    outcomes = [r["outcome"] for r in fresh_db.query("SELECT outcome FROM delivery_attempts WHERE delivery_id = ?", [delivery["id"]])]
    assert outcomes == ["interrupted"]


def test_a_send_that_finishes_in_time_returns_its_own_error_and_a_late_one_is_abandoned():
    with pytest.raises(ValueError, match="its own"):
        run_within(5, lambda: (_ for _ in ()).throw(ValueError("its own")))
    run_within(5, lambda: None, should_stop=lambda: False)
    with pytest.raises(SendAbandoned) as raised:
        run_within(0.2, lambda: time.sleep(1))
    assert not raised.value.stopping
