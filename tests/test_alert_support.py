"""Helpers shared by the alert tests (no tests here): settings with sinks and rules, flagged items, a local
webhook receiver."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import fields, replace
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tocsin.config import AlertRuleSettings, Settings, SinkSettings
from tocsin.store import ItemRecord, transaction, upsert_item
from tocsin.store.analyses import AnalysisRecord, decode, save_analysis
from tocsin.store.sources import ensure_source

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=timezone.utc)
_urls = itertools.count(1)


def make_settings(folder: Path, rules: list[AlertRuleSettings] | None = None,
                  sinks: list[SinkSettings] | None = None, **alerts: Any) -> Settings:
    """Settings anchored in ``folder`` with the given rules and sinks (default: one JSONL file sink)."""
    settings = Settings()
    settings.config_dir = folder
    settings.alerts.sinks = sinks if sinks is not None else [SinkSettings(name="file", kind="file", path="alerts.jsonl")]
    settings.alerts.rules = rules if rules is not None else [AlertRuleSettings(name="incitement", kind="item", severity="warning")]
    settings.alerts.review_url = "http://review.test"
    for key, value in alerts.items():
        setattr(settings.alerts, key, value)
    return settings


def store_flagged(db, *, text: str = "Fictional call: drive the Uzbeks out of Osh, they are rats.", source: str = "test",
                  groups: tuple[str, ...] = ("uzbek",), places: tuple[str, ...] = ("osh",), score: float = 0.7,
                  hallmarks: tuple[str, ...] = ("call_to_expulsion",), incitement: bool = True,
                  published_at: datetime | None = None, cue_form: str | None = None) -> dict[str, Any]:
    """Store one item and its analysis (its cue, the word "drive", of ``cue_form``); return the row
    ``analyse_pending`` passes to ``on_batch_saved``."""
    ensure_source(db, source)
    rec = ItemRecord(source=source, url=f"https://{source}.example/{next(_urls)}", text=text, kind="post",
                     published_at=published_at.isoformat(timespec="seconds") if published_at else None)
    upsert_item(db, rec)
    targets = [{"group": g, "text": g.capitalize(), "start": 0, "end": 0} for g in groups]
    found = [{"place": p, "text": p.capitalize(), "start": 0, "end": 0} for p in places]
    cue_at = text.find("drive")
    spans = [{"kind": "cue", "label": hallmarks[0], "text": "drive", "start": cue_at, "end": cue_at + 5, "form": cue_form}
             ] if hallmarks and cue_at >= 0 else []
    record = AnalysisRecord(item_id=rec.id, content_hash=rec.content_hash, model_name="test-model", model_version="1",
                            patterns_version="p1", threshold=0.5, score=score, incitement=incitement, lang="en",
                            targets=targets, places=found, hallmarks=list(hallmarks), spans=spans, explanation="test")
    return saved_row(db, record)


def record_of(row: dict[str, Any]) -> AnalysisRecord:
    """The analysis of a :func:`store_flagged` row as a record, to store changed."""
    return AnalysisRecord(**{f.name: row[f.name] for f in fields(AnalysisRecord)})


def reanalysed(db, row: dict[str, Any], *, model_version: str, score: float | None = None) -> dict[str, Any]:
    """Analyse the item of a :func:`store_flagged` row again, as a new model version does (the same findings, the
    given score); return the new row as ``analyse_pending`` passes it."""
    record = record_of(row)
    return saved_row(db, replace(record, model_version=model_version, score=record.score if score is None else score))


def edit(db, row: dict[str, Any], text: str) -> str:
    """Store the item of a :func:`store_flagged` row again with ``text``, as a crawl of the edited post does
    (nothing is analysed); returns the content hash of that version."""
    record = ItemRecord(source=row["source"], url=row["url"], text=text, kind="post", published_at=row["published_at"])
    upsert_item(db, record)
    return record.content_hash


def edited_back(db, row: dict[str, Any], text: str, **verdict: Any) -> dict[str, Any]:
    """Edit the item of a :func:`store_flagged` row to ``text``, analysed as the row's text with ``verdict``
    (``score``, ``incitement``, …) changed, then back to the row's text, which is not analysed again: A → B → A,
    where B's analysis is the newest but A's speaks for the item. Returns B's analysis row."""
    shown = db.execute("SELECT text FROM items WHERE id = ?", [row["item_id"]]).fetchone()[0]
    edited = saved_row(db, replace(record_of(row), content_hash=edit(db, row, text), **verdict))
    edit(db, row, shown)
    return edited


def saved_row(db, record: AnalysisRecord) -> dict[str, Any]:
    """Save an analysis; return it decoded with its item's source, kind, url, title and times."""
    with transaction(db):
        analysis_id = save_analysis(db, record)
    row = decode(next(iter(db.query("SELECT * FROM analyses WHERE id = ?", [analysis_id]))))
    item = next(iter(db.query("SELECT source, kind, url, title, first_seen, published_at FROM items WHERE id = ?",
                              [record.item_id])))
    return {**row, **item}


def raise_for(db, settings: Settings, rows: list[dict[str, Any]], now: datetime = NOW) -> int:
    """Raise item alerts the way the analyser does: inside the transaction of the batch."""
    from tocsin.alerts import raise_item_alerts

    with transaction(db):
        return raise_item_alerts(db, settings, rows, now=now)


def at(minutes: float = 0, base: datetime = NOW) -> datetime:
    return base + timedelta(minutes=minutes)


class Receiver:
    """A local webhook endpoint on 127.0.0.1: answers with the scripted statuses, then 204, each with ``headers``;
    records every request (with the path it asked for)."""

    def __init__(self, statuses: list[int] | None = None, delay_s: float = 0.0, headers: dict[str, str] | None = None):
        self.statuses = list(statuses or [])
        self.delay_s = delay_s
        self.requests: list[dict] = []
        self.accepted: list[dict] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server API
                length = int(self.headers["Content-Length"])
                body = self.rfile.read(length)
                if len(body) < length:
                    return  # the sender died mid-request: a receiver never sees this as a message
                with receiver.lock:
                    status = receiver.statuses.pop(0) if receiver.statuses else 204
                    record = {"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body, "status": status,
                              "path": self.path}
                    receiver.requests.append(record)
                    if status < 300:
                        receiver.accepted.append(record)
                time.sleep(receiver.delay_s)
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.url = f"{self.base}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(statuses=None, delay_s=0.0, headers=None):
        made.append(Receiver(statuses, delay_s, headers))
        return made[-1]

    yield make
    for r in made:
        r.close()
