"""Fictional data and helpers shared by the review tests (this module holds no tests).

Every text here is invented for tests; the groups are the canonical ids, the places real towns, the
people nobody.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from contextlib import contextmanager
from typing import Any, Iterator

from tocsin.analyse import item_text
from tocsin.store import ItemRecord, transaction, upsert_item
from tocsin.store.analyses import AnalysisRecord, save_analysis
from tocsin.store.sources import ensure_source

PASSWORD = "correct horse 42"
ROLE_USERS = {"reviewer": "rita", "lead": "leo", "admin": "ada"}


def add_flagged(db, *, source: str = "test", url: str, title: str = "", text: str, lang: str = "en",
                score: float = 0.8, hallmarks: tuple[str, ...] = (), targets: tuple[tuple[str, str], ...] = (),
                places: tuple[tuple[str, str], ...] = (), cues: tuple[tuple[str, str], ...] = (),
                flagged: bool = True, explanation: str = "", published_at: str | None = None, author: str = "",
                model_version: str = "1") -> str:
    """Store an item and its analysis; spans are found by searching their words in ``text`` and their
    offsets are into the analysed text (title, blank line, text), as the analyser writes them."""
    ensure_source(db, source)
    record = ItemRecord(source=source, url=url, title=title, text=text, author=author, lang=lang.split("-")[0],
                        published_at=published_at)
    upsert_item(db, record)
    spans, target_rows, place_rows = [], [], []
    analysed = item_text({"title": title, "text": text})  # what the analyser reads: offsets are into it
    body = len(analysed) - len(text.strip())
    for kind, pairs in (("target", targets), ("place", places), ("cue", cues)):
        for label, word in pairs:
            assert word in text, f"{word!r} not in {text!r}"
            start = body + text.strip().find(word)
            span = {"kind": kind, "label": label, "text": word, "start": start, "end": start + len(word)}
            spans.append(span)
            if kind == "target":
                target_rows.append({"group": label, "text": word, "start": start, "end": start + len(word)})
            elif kind == "place":
                place_rows.append({"place": label, "text": word, "start": start, "end": start + len(word)})
    save_analysis(db, AnalysisRecord(
        item_id=record.id, content_hash=record.content_hash, model_name="tocsin-test", model_version=model_version,
        patterns_version="p-test", threshold=0.5, score=score, incitement=flagged, lang=lang, targets=target_rows,
        places=place_rows, hallmarks=list(hallmarks), spans=spans,
        explanation=explanation or f"score {score:.2f}; hallmarks: {', '.join(hallmarks) or 'none'}"))
    return record.id


def add_alert(db, *, rule: str, kind: str, key: str, severity: str, item_ids: list[str], title: str = "",
              message: str = "", labels: dict[str, Any] | None = None) -> int:
    """An open alert naming some items (as the alerts area writes them); ``key`` 'group|place' gives labels."""
    if labels is None:
        group, _, place = key.partition("|")
        labels = {"group": group, "place": place, "rule": rule, "kind": kind}
    with transaction(db):
        return db.execute(
            """INSERT INTO alerts (rule, kind, key, severity, title, message, payload, item_ids, count, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '2026-11-01T10:00:00+00:00', '2026-11-01T10:00:00+00:00')""",
            [rule, kind, key, severity, title, message, json.dumps({"labels": labels}), json.dumps(item_ids),
             len(item_ids)]).lastrowid


#: A small fictional corpus for the queue, filters, keyboard and screenshots.
CORPUS: list[dict[str, Any]] = [
    dict(url="https://news.example/osh/1", source="osh-news", lang="ru", score=0.97, title="Призыв на площади",
         text="Вымышленный пример: «Выгоним узбеков из Оша до пятницы!» — пишет анонимный канал.",
         hallmarks=("call_to_expulsion",), targets=(("uzbek", "узбеков"),), places=(("osh", "Оша"),),
         cues=(("call_to_expulsion", "Выгоним"),), published_at="2026-11-20T08:00:00+00:00", author="channel one"),
    dict(url="https://t.example/s/valley/7", source="valley-channel", lang="en", score=0.91,
         title="Rumour post about the market",
         text="Fictional example: they say the Kyrgyz traders in Jalal-Abad are rats and must be driven out.",
         hallmarks=("dehumanization", "call_to_expulsion"), targets=(("kyrgyz", "Kyrgyz"),),
         places=(("jalal-abad", "Jalal-Abad"),), cues=(("dehumanization", "rats"), ("call_to_expulsion", "driven out")),
         published_at="2026-11-21T09:30:00+00:00", author="poster-77"),
    dict(url="https://forum.example/t/55", source="valley-channel", lang="uz-Latn", score=0.83,
         title="Forum thread",
         text="Toqima misol: o'zbeklar Oshda bizga xiyonat qilmoqda, deydi bir foydalanuvchi.",
         hallmarks=("accusation_in_a_mirror",), targets=(("uzbek", "o'zbeklar"),), places=(("osh", "Oshda"),),
         cues=(("accusation_in_a_mirror", "xiyonat"),), published_at="2026-11-22T12:00:00+00:00", author="user-3"),
    dict(url="https://news.example/osh/2", source="osh-news", lang="ru", score=0.72, title="Комментарий к статье",
         text="Вымышленный комментарий: таджики в Баткене — чужие, пусть уезжают.",
         hallmarks=("questioning_ingroup_loyalty",), targets=(("tajik", "таджики"),), places=(("batken", "Баткене"),),
         cues=(("questioning_ingroup_loyalty", "чужие"),), published_at="2026-11-18T17:45:00+00:00", author="guest"),
    dict(url="https://t.example/s/valley/9", source="valley-channel", lang="en", score=0.66,
         title="Short post", text="Fictional: the Uzbek shops near Osh bazaar should burn tonight.",
         hallmarks=("call_to_violence",), targets=(("uzbek", "Uzbek"),), places=(("osh", "Osh"),),
         cues=(("call_to_violence", "should burn"),), published_at="2026-11-23T20:10:00+00:00", author="poster-77"),
    dict(url="https://news.example/osh/3", source="osh-news", lang="en", score=0.58, title="Market report",
         text="Fictional report: police in Osh say a quarrel at the market ended without injuries.",
         hallmarks=(), targets=(), places=(("osh", "Osh"),), cues=(), published_at="2026-11-10T07:00:00+00:00"),
]


def add_corpus(db) -> list[str]:
    """Store :data:`CORPUS`; returns the item ids in corpus order."""
    return [add_flagged(db, **entry) for entry in CORPUS]


def add_role_users(db) -> None:
    from tocsin.review.accounts import add_user

    for role, name in ROLE_USERS.items():
        add_user(db, name, PASSWORD, role)


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def login(client, username: str, password: str = PASSWORD):
    """Log a Flask test client in; returns the response of the login POST."""
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


@contextmanager
def store_locked(path) -> Iterator[None]:
    """Another process's write lock on the store, as the daemon holds it while it writes."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


@contextmanager
def served(app) -> Iterator[str]:
    """Serve ``app`` with werkzeug on 127.0.0.1 and a free port in a thread; yields the base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@contextmanager
def served_by_waitress(app, settings) -> Iterator[str]:
    """Serve ``app`` with waitress and tocsin's settings for it on 127.0.0.1 and a free port in a thread; yields the
    base URL. Waitress's loop may wait on sockets closed under it when it stops: that error is not the test's."""
    from waitress.server import create_server

    from tocsin.review.server import waitress_options

    server = create_server(app, host="127.0.0.1", port=0, **waitress_options(settings))
    closed = threading.Event()

    def run() -> None:
        try:
            server.run()
        except OSError:
            if not closed.is_set():
                raise

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        closed.set()
        server.close()
        thread.join(timeout=10)
