"""The daemon stopping a real crawl: the crawl process gets one SIGTERM and closes its spiders (their resume
points and counters saved) within ``daemon.stop_grace_s``, instead of being stopped by force or killed."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tocsin.config import Settings, SourceSettings
from tocsin.daemon import CRAWL_TARGET, Supervisor
from tocsin.store import connect
from tocsin.store.sources import sync_sources

#: Entries of the test feed, and how long each of their pages takes to answer.
ENTRIES = 100
PAGE_S = 0.25


class SlowFeed(BaseHTTPRequestHandler):
    """A feed of :data:`ENTRIES` fictional articles on 127.0.0.1, each page answering after :data:`PAGE_S`."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *_args) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        if self.path == "/feed.xml":
            items = "".join(f"<item><title>Fictional notice {n}</title><link>{base}/page/{n}</link>"
                            f"<description>A fictional notice about the water schedule, number {n}.</description></item>"
                            for n in range(ENTRIES))
            self.reply(f'<?xml version="1.0"?><rss version="2.0"><channel><title>Slow</title><link>{base}/</link>'
                       f"{items}</channel></rss>", "application/rss+xml")
            return
        time.sleep(PAGE_S)
        text = " ".join(["The fictional town council said the water schedule changes next week."] * 8)
        self.reply(f"<html><head><title>Notice {self.path}</title></head><body><article><h1>Notice</h1>"
                   f"<p>{text}</p></article></body></html>", "text/html; charset=utf-8")

    def reply(self, body: str, content_type: str) -> None:
        data = body.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass


@contextmanager
def slow_feed():
    """The base URL of a running :class:`SlowFeed`."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowFeed)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def start_slow_crawl(db_path, base_url: str, *, grace_s: float):
    """A supervisor crawling the slow feed, once its first item is stored (the crawl still has pages to go)."""
    settings = Settings()
    settings.config_dir = db_path.parent
    settings.database.path = str(db_path)
    settings.crawl.download_delay_s = 0
    settings.crawl.obey_robots_txt = False
    settings.sources = [SourceSettings(name="slow", kind="feed", urls=[f"{base_url}/feed.xml"],
                                       allow_private_networks=True)]
    db = connect(db_path)
    sync_sources(db, settings.sources)
    ended = []
    supervisor = Supervisor(db, grace_s=grace_s, on_finished=lambda *a: ended.append(a))
    supervisor.request("crawl:slow", CRAWL_TARGET, (settings, ["slow"]), {"timeout_s": 600}, 900, sources=["slow"])
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not db.execute("SELECT count(*) FROM items").fetchone()[0]:
        supervisor.reap()
        time.sleep(0.1)
    assert not ended, "the crawl ended before it could be stopped"
    return db, supervisor, ended


def assert_closed_by_the_crawl_itself(db) -> None:
    """The spider was closed (reason ``shutdown``), not stopped by force or killed, and its run counted every
    item it stored."""
    (run,) = db.query("SELECT id, status, items, finished_at FROM crawl_runs")
    errors = [(kind, message) for kind, message in db.execute(
        "SELECT kind, message FROM crawl_errors WHERE run_id = ?", [run["id"]])]
    assert ("interrupted", "the crawl process was told to stop before the source was done") in errors, errors
    assert not any("by force" in message for _, message in errors), errors
    assert run["finished_at"]
    stored = db.execute("SELECT count(*) FROM items WHERE source = 'slow'").fetchone()[0]
    assert 0 < stored < ENTRIES and run["items"] == stored


@pytest.mark.slow
def test_stopping_the_daemon_lets_a_crawl_close_its_spiders_within_the_grace_period(db_path):
    with slow_feed() as base_url:
        db, supervisor, ended = start_slow_crawl(db_path, base_url, grace_s=120)
        supervisor.stop_all()
    assert not supervisor.running
    assert_closed_by_the_crawl_itself(db)
    ((name, status, counts, error, duration),) = ended
    assert name == "crawl:slow" and "the daemon is stopping" in error


@pytest.mark.slow
def test_a_crawl_past_its_time_limit_is_asked_to_stop_once_and_stops_cleanly(db_path):
    with slow_feed() as base_url:
        db, supervisor, ended = start_slow_crawl(db_path, base_url, grace_s=120)
        supervisor.running["crawl:slow"].deadline = time.monotonic()   # its time is up now
        deadline = time.monotonic() + 200
        while not ended and time.monotonic() < deadline:
            supervisor.reap()
            time.sleep(0.1)
    ((name, status, counts, error, duration),) = ended
    assert (name, status) == ("crawl:slow", "stopped") and "time limit" in error
    assert_closed_by_the_crawl_itself(db)
