"""The real Scrapy engine, in a subprocess, against the local demo world."""

from __future__ import annotations

import pytest

from tocsin.config import Settings, SourceSettings
from tocsin.crawler import crawl_sources, recheck_flagged
from tocsin.crawler.demo_world import demo_sources, expected_texts, serve_demo_world
from tocsin.crawler.demo_world.content import TG_SOUTH
from tocsin.crawler.runner import last_process
from tocsin.store import connect, get_item, item_versions
from tocsin.store.analyses import AnalysisRecord, save_analysis
from tocsin.store.sources import source_state
from tocsin.urls import item_id_for


def fast_settings(db_path, sources: list[SourceSettings]) -> Settings:
    """Settings for tests: no politeness delays, short timeouts, the given sources."""
    settings = Settings()
    settings.database.path = str(db_path)
    settings.crawl.download_delay_s = 0
    settings.crawl.autothrottle = False
    settings.crawl.retry_backoff_s = 0
    settings.crawl.timeout_s = 5
    settings.sources = sources
    return settings


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A demo world crawled once: (base_url, settings, results of the first crawl, stored rows right after it)."""
    db_path = tmp_path_factory.mktemp("crawl") / "tocsin.db"
    with serve_demo_world() as base:
        settings = fast_settings(db_path, demo_sources(base))
        results = crawl_sources(settings)
        db = connect(db_path)
        rows = list(db.query("SELECT id, url, kind, source FROM items"))
        versions = list(db.query("SELECT item_id, snapshot_sha256 FROM item_versions"))
        db.close()
        yield base, settings, results, rows, versions


def test_every_demo_item_is_stored_exactly_once(demo):
    base, settings, results, rows, versions = demo
    assert {r.source: r.status for r in results} == {s.name: "ok" for s in settings.sources}
    expected = {t.url(base): t for t in expected_texts()}
    stored = [r["url"] for r in rows]
    assert len(stored) == len(set(stored)) == len(expected)
    assert set(stored) == set(expected)
    for row in rows:
        text = expected[row["url"]]
        assert row["kind"] == text.kind
        assert row["source"] == text.source or {row["source"], text.source} <= {"demo-vodiy-news", "demo-vodiy-sitemap"}
    assert sum(r.new_items for r in results) == len(expected)
    assert all(v["snapshot_sha256"] for v in versions), "every version keeps its raw snapshot"


def test_a_second_crawl_fetches_no_known_article(demo):
    base, settings, _, rows, _ = demo
    base.world.reset_counts()
    results = crawl_sources(settings)
    fetched = base.world.requests
    article_paths = [p for p in fetched if p.startswith(("/osh-times/news/", "/vodiy/article/"))]
    assert article_paths == []
    assert sum(r.new_items for r in results) == 0 and all(r.status == "ok" for r in results)
    assert base.world.not_modified >= 2  # the feeds answered 304 to the conditional GET
    # Telegram, forum and timeline: only their first page (all known, so no paging back).
    assert [p for p in fetched if "before=" in p or "page=" in p or "cursor=" in p] == []
    db = connect(settings.database_path)
    assert db.execute("SELECT count(*) FROM items").fetchone()[0] == len(rows)


def test_telegram_pagination_reaches_the_oldest_message_and_a_recrawl_resumes(demo):
    base, settings, _, rows, _ = demo
    world = base.world
    oldest = min(m.id for m in world.state.messages("south_news_demo"))
    assert item_id_for(f"{base}/t.me/south_news_demo/{oldest}") in {r["id"] for r in rows}
    new_id = world.state.add_message("south_news_demo", "Новое сообщение: рынок закрыт на санитарный день.")
    world.reset_counts()
    (result,) = crawl_sources(settings, [TG_SOUTH])
    assert result.new_items == 1 and world.fetched("/t.me/s/south_news_demo") == ["/t.me/s/south_news_demo"]
    db = connect(settings.database_path)
    item = get_item(db, item_id_for(f"{base}/t.me/south_news_demo/{new_id}"))
    assert item["kind"] == "post" and "санитарный" in item["text"] and item["meta"]["message_id"] == new_id
    assert source_state(db, TG_SOUTH)["channels"]["south_news_demo"]["last_id"] == new_id


def test_flagged_items_are_rechecked_and_deletions_recorded(demo):
    base, settings, _, _, _ = demo
    world = base.world
    article = f"{base}/osh-times/news/counter-rumours-editorial.html"
    message = f"{base}/t.me/bazar_talk_demo/309"
    still = f"{base}/forum/viewtopic.php?p=9010"
    edited = f"{base}/vodiy/article/osh-bozori-mushtlashuv"
    db = connect(settings.database_path)
    for url in (article, message, still, edited):
        item = get_item(db, item_id_for(url))
        save_analysis(db, AnalysisRecord(item_id=item["id"], content_hash=item["content_hash"], model_name="t", model_version="1",
                                         patterns_version="1", threshold=0.5, score=0.9, incitement=True))
    db.execute("UPDATE items SET last_seen = '2020-01-01T00:00:00+00:00'")  # seen long ago: due for a re-check
    world.state.remove("/osh-times/news/counter-rumours-editorial.html")
    world.state.remove_message("bazar_talk_demo", 309)
    world.state.edit_article("osh-bozori-mushtlashuv", ["Tahririyatdan: maqola tuzatildi, jarohatlanganlar soni aniqlashtirildi."])
    world.reset_counts()
    assert recheck_flagged(settings) == 4
    assert get_item(db, item_id_for(article))["removed_at"]
    assert get_item(db, item_id_for(message))["removed_at"]
    kept = get_item(db, item_id_for(still))
    assert kept["removed_at"] is None and kept["last_seen"] > "2020-01-01"
    assert "/osh-times/news/counter-rumours-editorial.html" in world.requests  # fetched although known
    versions = item_versions(db, item_id_for(edited))
    assert len(versions) == 2 and "tuzatildi" in versions[1]["text"] and "tuzatildi" not in versions[0]["text"]
    assert versions[0]["snapshot_sha256"] and versions[1]["snapshot_sha256"] and versions[0]["snapshot_sha256"] != versions[1]["snapshot_sha256"]
    assert get_item(db, item_id_for(edited))["removed_at"] is None
    assert recheck_flagged(settings) == 0  # nothing due any more


def test_listing_and_json_spiders_work_from_config_alone(tmp_path):
    with serve_demo_world() as base:
        sources = [
            SourceSettings(name="forum-xpath", kind="listing", urls=[f"{base}/forum/"], allow_private_networks=True,
                           selectors={"item": "//div[@class='post']", "text": ".//div[@class='post-body']",
                                      "author": ".//span[@class='author']/text()", "date": ".//time/@datetime",
                                      "link": ".//a[@class='permalink']/@href", "next_page": "//a[@rel='next']/@href"}),
            SourceSettings(name="chirp-pages", kind="json", urls=[f"{base}/api/timeline.json"], allow_private_networks=True,
                           fields={"items": "data.posts", "id": "id", "text": "body.text", "date": "created_at",
                                   "url": "/chirp/status/{id}"}, pagination={"mode": "page", "param": "page"}),
            SourceSettings(name="no-selectors", kind="listing", urls=[f"{base}/forum/"], allow_private_networks=True),
        ]
        progress: list[dict] = []
        results = crawl_sources(fast_settings(tmp_path / "t.db", sources), on_progress=progress.append)
        fetched = base.world.requests
    last = {p["source"]: p for p in progress}
    assert last["forum-xpath"]["items"] == 12 and last["chirp-pages"]["items"] == 8 and last["no-selectors"]["errors"] == 1
    assert [(r.source, r.status, r.items) for r in results] == [
        ("forum-xpath", "ok", 12), ("chirp-pages", "ok", 8), ("no-selectors", "failed", 0)]
    assert results[2].first_errors[0]["kind"] == "config" and "selectors need item, text" in results[2].first_errors[0]["message"]
    assert "/api/timeline.json?page=3" in fetched and "/forum/?page=3" in fetched
    db = connect(tmp_path / "t.db")
    assert db.execute("SELECT count(*) FROM items WHERE url LIKE '%/chirp/status/c-80%'").fetchone()[0] == 8
    assert db.execute("SELECT count(*) FROM items WHERE source = 'forum-xpath' AND published_at IS NOT NULL").fetchone()[0] == 12


def test_hostile_server_failures_are_recorded_and_the_crawl_goes_on(tmp_path):
    from tocsin.crawler.demo_world.server import gzip_bomb

    gzip_bomb()  # built once, before the clock runs, so the bomb is not mistaken for a slow page
    with serve_demo_world() as base:
        base.world.slow_s = 5
        port = base.rsplit(":", 1)[1]
        sources = [
            # allow_private_networks covers this source's own host ("localhost") only: the redirect to
            # 127.0.0.1 is a redirect to another private address and stays blocked.
            SourceSettings(name="hostile", kind="feed", urls=[f"http://localhost:{port}/hostile/feed.xml"], allow_private_networks=True),
            SourceSettings(name="malformed", kind="feed", urls=[f"http://localhost:{port}/hostile/malformed.xml"], allow_private_networks=True),
            SourceSettings(name="not-allowed", kind="feed", urls=[f"{base}/osh-times/rss.xml"]),
            # "localhost" is allowed for the hostile source only, not for this one.
            SourceSettings(name="not-opted-in", kind="feed", urls=[f"http://localhost:{port}/vodiy/atom.xml"]),
            SourceSettings(name="good", kind="telegram", urls=[f"{base}/t.me/s/bazar_talk_demo"], allow_private_networks=True),
        ]
        settings = fast_settings(tmp_path / "t.db", sources)
        settings.crawl.timeout_s = 2
        settings.crawl.retries = 1
        settings.crawl.max_page_bytes = 2_000_000
        results = {r.source: r for r in crawl_sources(settings, timeout_s=60)}
        fetched, user_agents = base.world.requests, base.world.user_agents
    db = connect(tmp_path / "t.db")
    errors = {}
    for row in db.query("SELECT source, kind, url, message FROM crawl_errors"):
        errors.setdefault(row["source"], []).append((row["kind"], row["url"].rsplit("/", 1)[-1], row["message"]))
    kinds = {(kind, page) for kind, page, _ in errors["hostile"]}
    assert {("http_404", "404.html"), ("http_500", "500.html"), ("timeout", "slow.html"), ("redirect_loop", "loop.html"),
            ("blocked_address", "to-loopback.html"), ("too_large", "bomb.html"), ("too_large", "huge.html"),
            ("no_text", "blank.html"), ("no_text", "empty.html"), ("robots", "notes.html")} <= kinds
    assert ("blocked_scheme", "to-file.html") in kinds
    assert "/osh-times/news/water-schedule.html" not in fetched, "the redirect to loopback was followed"
    assert "/private/notes.html" not in fetched, "robots.txt was not obeyed"
    assert user_agents == {settings.crawl.user_agent}
    hostile = results["hostile"]
    assert hostile.status == "partial" and hostile.items == 2  # the good article and the empty page's feed summary
    titles = {r[0] for r in db.execute("SELECT title FROM items WHERE source = 'hostile'")}
    assert titles == {"В трёх микрорайонах Оша отключат воду на сутки", "A page without text"}
    assert results["malformed"].status == "failed" and errors["malformed"][0][0] == "parse"
    assert results["not-allowed"].status == "failed" and errors["not-allowed"][0][0] == "blocked_address"
    assert "/osh-times/rss.xml" not in fetched, "a blocked source was contacted"
    assert results["not-opted-in"].status == "failed" and errors["not-opted-in"][0][0] == "blocked_address"
    assert "/vodiy/atom.xml" not in fetched, "one source's allowance served another"
    assert results["good"].status == "ok" and results["good"].items == 12
    assert last_process["max_rss_mb"] < 400, "memory is bounded whatever the pages weigh"


def test_a_source_over_its_time_limit_is_stopped_and_recorded(tmp_path):
    with serve_demo_world() as base:
        sources = [SourceSettings(name="slow", kind="feed", urls=[f"{base}/hostile/slow.html?s=4"], allow_private_networks=True)]
        settings = fast_settings(tmp_path / "t.db", sources)
        settings.crawl.timeout_s = 20
        (result,) = crawl_sources(settings, timeout_s=2)
    # Scrapy lets the request in flight finish (a broken feed here), then stops the source.
    assert result.status == "failed" and "crawl_timeout" in {e["kind"] for e in result.first_errors}


def test_the_resolver_refuses_private_answers_even_without_the_request_check(tmp_path, monkeypatch):
    import tocsin.crawler.runner as runner

    # Take the request-time guard out: the DNS answer is still checked when the connection is made.
    monkeypatch.setattr(runner, "extra_scrapy_settings", lambda settings: {
        "DOWNLOADER_MIDDLEWARES": {"tocsin.crawler.middlewares.PrivateNetworkGuard": None}, "ROBOTSTXT_OBEY": False})
    with serve_demo_world() as base:
        port = base.rsplit(":", 1)[1]
        sources = [SourceSettings(name="rebound", kind="telegram", urls=[f"http://localhost:{port}/t.me/s/bazar_talk_demo"])]
        (result,) = crawl_sources(fast_settings(tmp_path / "t.db", sources))
        fetched = base.world.requests
    assert fetched == [] and result.status == "failed"
    assert result.first_errors[0]["kind"] == "blocked_address" and "resolves to 127.0.0.1" in result.first_errors[0]["message"]


FORCED_STOP_SCRIPT = """
import dataclasses, os, signal, socket, sys, threading
from tocsin.config import CrawlSettings, SourceSettings
from tocsin.crawler import run as crawl_run
from tocsin.store import connect
from tocsin.store.sources import start_crawl_run, sync_sources

db = sys.argv[1]
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(5)
held = []   # connections accepted and never answered
threading.Thread(target=lambda: [held.append(server.accept()) for _ in iter(int, 1)], daemon=True).start()
source = SourceSettings(name="hang", kind="feed", urls=[f"http://127.0.0.1:{server.getsockname()[1]}/feed.xml"],
                        allow_private_networks=True)
store = connect(db, create=True)
sync_sources(store, [source])
run_id = start_crawl_run(store, "hang")
store.close()
job = {"db_path": db, "crawl": dataclasses.asdict(CrawlSettings(timeout_s=60, download_delay_s=0, autothrottle=False)),
       "runs": [{"source": dataclasses.asdict(source), "run_id": run_id}], "timeout_s": 600,
       "scrapy_overrides": {"ROBOTSTXT_OBEY": False}}
for after in (2, 4):   # a second SIGTERM forces Scrapy to stop without closing its spiders
    threading.Timer(after, os.kill, (os.getpid(), signal.SIGTERM)).start()
crawl_run.run_job(job)
"""


def test_a_crawl_stopped_by_force_is_recorded_as_interrupted_not_as_a_success(tmp_path):
    """The daemon stopping (SIGTERM to the crawl, then again when its parent dies) or Ctrl-C twice: a source
    that was cut short must not look healthy, nor move its last success."""
    import subprocess
    import sys

    from tocsin.store import connect

    db_path = tmp_path / "t.db"
    proc = subprocess.run([sys.executable, "-c", FORCED_STOP_SCRIPT, str(db_path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    db = connect(db_path)
    (run,) = db.query("SELECT status, message FROM crawl_runs")
    assert run["status"] == "failed"
    assert [r["kind"] for r in db.query("SELECT kind FROM crawl_errors")] == ["interrupted"]
    assert db.execute("SELECT last_success_at FROM sources WHERE name = 'hang'").fetchone()[0] is None
