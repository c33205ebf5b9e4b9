"""One cycle, crawl → analyse → alert → deliver, through the interfaces of each room.

The analyser is replaced by a small stand-in that flags by keyword (the real one is tested in its own
room); the crawl is the real Scrapy engine against the demo world.
"""

from __future__ import annotations

import json
import sys
import types
from dataclasses import dataclass

import pytest

from test_alert_support import make_settings
from tocsin.config import AlertRuleSettings, SinkSettings
from tocsin.store import connect, transaction
from tocsin.store.analyses import AnalysisRecord, decode, pending_items, save_analysis


@dataclass
class FakeSummary:
    analysed: int = 0
    flagged: int = 0
    failed: int = 0
    last_seq: int = 0

    @property
    def taken(self) -> int:
        return self.analysed + self.failed


def keyword_analyse_pending(db, settings, *, analyser=None, limit=None, on_batch_saved=None, progress=None, failed_ids=None,
                            after_seq=0):
    """Flags every pending item as incitement against Uzbeks in Osh, in batches of 5, calling
    ``on_batch_saved`` inside each batch's transaction like the real analyser."""
    summary = FakeSummary(last_seq=after_seq)
    items = pending_items(db, "keyword", "1", limit=limit or 10_000, after_seq=after_seq)
    summary.last_seq = items[-1]["seq"] if items else after_seq
    for start in range(0, len(items), 5):
        with transaction(db):
            rows = []
            for item in items[start:start + 5]:
                record = AnalysisRecord(item_id=item["id"], content_hash=item["content_hash"], model_name="keyword",
                                        model_version="1", patterns_version="p", threshold=0.5, score=0.6, incitement=True,
                                        targets=[{"group": "uzbek", "text": "x", "start": 0, "end": 0}],
                                        places=[{"place": "osh", "text": "Osh", "start": 0, "end": 0}],
                                        hallmarks=["dehumanization"])
                analysis_id = save_analysis(db, record)
                row = decode(next(iter(db.query("SELECT * FROM analyses WHERE id = ?", [analysis_id]))))
                item_row = next(iter(db.query("SELECT source, kind, url, title, first_seen, published_at FROM items WHERE id = ?",
                                              [item["id"]])))
                rows.append({**row, **item_row})
                summary.analysed += 1
                summary.flagged += 1
            if on_batch_saved:
                on_batch_saved(db, rows)
    return summary


@pytest.fixture
def fake_analyse(monkeypatch):
    module = types.ModuleType("tocsin.analyse")
    module.analyse_pending = keyword_analyse_pending
    module.raise_owed_alerts = lambda db, on_batch_saved: None   # its alerts never fail
    module.Analyser = object
    monkeypatch.setitem(sys.modules, "tocsin.analyse", module)
    return module


@pytest.mark.slow
def test_one_cycle_crawls_analyses_alerts_and_delivers(tmp_path, db_path, fake_analyse):
    from tocsin.crawler.demo_world import demo_sources, serve_demo_world
    from tocsin.pipeline import run_cycle

    settings = make_settings(tmp_path, rules=[AlertRuleSettings(name="incitement", kind="item")],
                             sinks=[SinkSettings(name="file", kind="file", path="alerts.jsonl")])
    settings.database.path = str(db_path)
    settings.crawl.download_delay_s = 0
    settings.crawl.obey_robots_txt = False
    with serve_demo_world(port=0) as base_url:
        settings.sources = [s for s in demo_sources(base_url) if s.kind == "telegram"]
        db = connect(db_path)
        summary = run_cycle(settings, db)
    assert summary.sources == len(settings.sources) and summary.new_items > 0 and summary.failed_sources == []
    assert summary.analysed == summary.flagged == db.execute("SELECT count(*) FROM items").fetchone()[0]
    assert summary.item_alerts == summary.flagged and summary.sent == 1
    (line,) = (tmp_path / "alerts.jsonl").read_text(encoding="utf-8").splitlines()
    message = json.loads(line)
    assert message["title"] == "Incitement against Uzbeks in Osh" and message["count"] == summary.flagged
    assert any("deliver: 1 sent" in text for text in summary.lines())


def test_a_cycle_without_crawl_alerts_on_what_is_stored(tmp_path, db_path, fake_analyse):
    from tocsin.pipeline import run_cycle
    from tocsin.store import ItemRecord, upsert_item
    from tocsin.store.sources import ensure_source

    settings = make_settings(tmp_path, rules=[AlertRuleSettings(name="incitement", kind="item")])
    settings.database.path = str(db_path)
    db = connect(db_path)
    ensure_source(db, "stored")
    for n in range(7):
        upsert_item(db, ItemRecord(source="stored", url=f"https://stored.example/{n}", text=f"fictional post {n}"))
    summary = run_cycle(settings, db, crawl=False)
    assert (summary.sources, summary.analysed, summary.item_alerts, summary.sent) == (0, 7, 7, 1)
    # a second cycle finds nothing new and sends nothing
    again = run_cycle(settings, db, crawl=False)
    assert (again.analysed, again.item_alerts, again.sent) == (0, 0, 0)
