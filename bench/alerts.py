"""Alert speed: raising item alerts, evaluating the spike and spread rules, delivering the outbox.

Builds an on-disk store with flagged items spread over two weeks (42 group × place pairs, a burst in
one pair, a rumour copied across channels), then times ``raise_item_alerts`` (as the analyser calls it,
in batches of 32), ``evaluate_rules`` over the whole baseline, and ``deliver_due`` to a JSONL file (one
``fsync`` per message) and to a local webhook. Run: ``python -m bench.alerts [N]``.
"""

from __future__ import annotations

import random
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ITEMS = 5_000
GROUPS = ("uzbek", "kyrgyz", "tajik", "russian", "dungan", "uyghur")
PLACES = ("osh", "jalal-abad", "uzgen", "aravan", "nookat", "kara-suu", "batken")
WORDS = ("bazaar", "neighbours", "market", "prices", "rumour", "police", "border", "school", "harvest", "road", "water",
         "mahalla", "city", "council", "they", "must", "leave", "news", "bread", "bus", "wedding", "rain", "mosque", "field")
RUMOUR = "Fictional rumour: they poisoned the wells in the old quarter, drive them out before Friday!"


def build(db, items: int, now: datetime, rng: random.Random) -> list[dict]:
    """Store ``items`` flagged items (with analyses) and return the rows the analyser would pass on."""
    from tocsin.store import ItemRecord, transaction, upsert_item
    from tocsin.store.analyses import AnalysisRecord, decode, save_analysis
    from tocsin.store.sources import ensure_source

    for n in range(12):
        ensure_source(db, f"channel-{n}")
    rows = []
    with transaction(db):
        for n in range(items):
            burst = n % 50 == 0
            rumour = n % 97 == 0
            at = now - (timedelta(minutes=rng.uniform(0, 55)) if burst else timedelta(minutes=rng.uniform(60, 14 * 24 * 60)))
            if rumour:
                at = now - timedelta(minutes=rng.uniform(0, 300))
            text = (RUMOUR + f" #{n % 3}") if rumour else f"Fictional post {n}: " + " ".join(rng.choice(WORDS) for _ in range(14))
            rec = ItemRecord(source=f"channel-{n % 12}", url=f"https://bench.example/{n}", text=text, kind="post",
                             published_at=at.isoformat(timespec="seconds"))
            upsert_item(db, rec)
            group, place = ("uzbek", "osh") if burst else (rng.choice(GROUPS), rng.choice(PLACES))
            record = AnalysisRecord(item_id=rec.id, content_hash=rec.content_hash, model_name="bench", model_version="1",
                                    patterns_version="p", threshold=0.5, score=rng.uniform(0.5, 0.99), incitement=True,
                                    targets=[{"group": group, "text": group, "start": 0, "end": 0}],
                                    places=[{"place": place, "text": place, "start": 0, "end": 0}],
                                    hallmarks=[rng.choice(["dehumanization", "call_to_violence", "call_to_expulsion"])])
            analysis_id = save_analysis(db, record)
            row = decode(next(iter(db.query("SELECT * FROM analyses WHERE id = ?", [analysis_id]))))
            rows.append({**row, "source": rec.source, "kind": "post", "url": rec.url, "title": "",
                         "first_seen": now.isoformat(), "published_at": rec.published_at})
    return rows


def serve_webhook() -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server API
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/hook"


def main(items: int = ITEMS) -> dict[str, float]:
    from tocsin.alerts import deliver_due, evaluate_rules, raise_item_alerts
    from tocsin.config import AlertRuleSettings, Settings, SinkSettings
    from tocsin.store import connect, transaction

    rng = random.Random(2010)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    server, url = serve_webhook()
    with tempfile.TemporaryDirectory(prefix="tocsin-bench-alerts-") as tmp:
        settings = Settings()
        settings.config_dir = Path(tmp)
        settings.alerts.sinks = [SinkSettings(name="file", kind="file", path="alerts.jsonl"),
                                 SinkSettings(name="hook", kind="webhook", url=url, secret="whsec_YmVuY2gtc2VjcmV0LWJlbmNoLXNlY3JldA==")]
        settings.alerts.rules = [
            AlertRuleSettings(name="incitement", kind="item", severity="warning"),
            AlertRuleSettings(name="burst", kind="spike", severity="high", window_minutes=60, baseline_days=14, min_count=3),
            AlertRuleSettings(name="spread", kind="spread", severity="high", window_minutes=360, min_sources=3),
        ]
        db = connect(Path(tmp) / "bench.db")
        rows = build(db, items, now, rng)
        started = time.perf_counter()
        for start in range(0, len(rows), 32):
            with transaction(db):
                raise_item_alerts(db, settings, rows[start:start + 32], now=now)
        raise_s = time.perf_counter() - started
        alerts = db.execute("SELECT count(*) FROM alerts").fetchone()[0]
        started = time.perf_counter()
        fired = evaluate_rules(db, settings, now=now)
        evaluate_s = time.perf_counter() - started
        started = time.perf_counter()
        evaluate_rules(db, settings, now=now + timedelta(minutes=1))
        evaluate_again_s = time.perf_counter() - started
        queued = db.execute("SELECT count(*) FROM deliveries WHERE status = 'pending'").fetchone()[0]
        started = time.perf_counter()
        sent = 0
        while True:
            summary = deliver_due(db, settings, now=now + timedelta(seconds=1))
            if not summary.attempted:
                break
            sent += summary.sent
        deliver_s = time.perf_counter() - started
    server.shutdown()
    figures = {
        "flagged items": items,
        "item alerts raised (grouped)": alerts,
        "raise_item_alerts items/s": items / raise_s,
        "evaluate_rules over 14 days (first, with imports), s": evaluate_s,
        "evaluate_rules again, s": evaluate_again_s,
        "spike/spread alerts fired": fired,
        "messages delivered (file + webhook)": sent,
        "deliver messages/s": sent / deliver_s if deliver_s else 0.0,
    }
    for key, value in figures.items():
        print(f"   {key}: {value:,.2f}" if isinstance(value, float) else f"   {key}: {value}")
    assert sent == queued, f"{queued} queued, {sent} delivered"
    return figures


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else ITEMS)
