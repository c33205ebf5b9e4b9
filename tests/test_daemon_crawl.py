"""The daemon's crawl supervisor with the real crawler: a crawl stopped mid-way (the daemon is
stopping) leaves its runs closed and its items whole."""

from __future__ import annotations

import time

import pytest

from tocsin.config import Settings, SourceSettings
from tocsin.daemon import CRAWL_TARGET, Supervisor
from tocsin.store import connect
from tocsin.store.sources import sync_sources


@pytest.mark.slow
def test_stopping_a_real_crawl_mid_way_closes_its_runs_and_keeps_items_whole(db_path):
    from tocsin.crawler.demo_world import serve_demo_world

    settings = Settings()
    settings.config_dir = db_path.parent
    settings.database.path = str(db_path)
    settings.crawl.download_delay_s = 0
    settings.crawl.obey_robots_txt = False
    with serve_demo_world(port=0) as base_url:
        base_url.world.slow_s = 120  # one page of the hostile site answers after two minutes
        settings.sources = [SourceSettings(name="hostile", kind="feed", urls=[f"{base_url}/hostile/feed.xml"],
                                           allow_private_networks=True)]
        db = connect(db_path)
        sync_sources(db, settings.sources)
        ended = []
        supervisor = Supervisor(db, grace_s=2, on_finished=lambda *a: ended.append(a))
        supervisor.request("crawl:hostile", CRAWL_TARGET, (settings, ["hostile"]), {"timeout_s": 600}, 900,
                           sources=["hostile"])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not db.execute("SELECT count(*) FROM items").fetchone()[0]:
            supervisor.reap()
            time.sleep(0.2)
        assert not ended, "the crawl ended before it could be stopped"
        started = time.monotonic()
        supervisor.stop_all()
        assert time.monotonic() - started < 10
    (name, status, counts, error, duration) = ended[0]
    assert name == "crawl:hostile" and status in ("stopped", "killed", "failed")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    runs = list(db.query("SELECT * FROM crawl_runs"))
    assert runs and all(r["status"] != "running" and r["finished_at"] for r in runs)
    assert db.execute("SELECT count(*) FROM items i WHERE NOT EXISTS (SELECT 1 FROM item_versions v WHERE v.item_id = i.id)"
                      ).fetchone()[0] == 0
