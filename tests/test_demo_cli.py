"""``tocsin demo`` never mixes its fictional posts and its lead account into a monitor's own store."""

from __future__ import annotations

import pytest

from test_export_support import add_item
from tocsin.cli import main
from tocsin.demo import NotADemoStore, demo_settings, refuse_a_real_store
from tocsin.review.accounts import add_user
from tocsin.store import connect


def test_a_store_with_items_of_other_sources_or_other_accounts_is_refused(tmp_path):
    settings = demo_settings("http://127.0.0.1:9", tmp_path, tmp_path / "tocsin.db")
    db = connect(settings.database_path)
    refuse_a_real_store(settings, db)   # a new store is fine
    add_item(db, url=f"{settings.sources[0].urls[0]}/1", text="A demo post.", source=settings.sources[0].name)
    add_user(db, "demo", "a long demo password", "lead")
    refuse_a_real_store(settings, db)   # so is an earlier demo's
    add_user(db, "maria", "a long real password", "reviewer")
    with pytest.raises(NotADemoStore, match="1 review accounts that are not the demo's"):
        refuse_a_real_store(settings, db)
    db.execute("DELETE FROM users WHERE username = 'maria'")
    add_item(db, url="https://news.example.kg/real/1", text="A real monitor's item.", source="news")
    with pytest.raises(NotADemoStore, match="1 items"):
        refuse_a_real_store(settings, db)


def test_a_store_just_made_by_init_is_a_monitors_store(runner, tmp_path):
    assert runner.invoke(main, ["init", str(tmp_path / "live")]).exit_code == 0
    settings = demo_settings("http://127.0.0.1:9", tmp_path, tmp_path / "live" / "tocsin.db")
    with pytest.raises(NotADemoStore, match="sources"):
        refuse_a_real_store(settings, connect(settings.database_path))


def test_tocsin_db_set_for_the_real_store_does_not_lead_the_demo_into_it(runner, tmp_path):
    real = tmp_path / "tocsin.db"
    db = connect(real)
    add_item(db, url="https://news.example.kg/real/1", text="A real monitor's item.", source="news")
    db.close()
    result = runner.invoke(main, ["demo"], env={"TOCSIN_DB": str(real)})
    assert result.exit_code == 1 and "is a monitor's own store" in result.output and "TOCSIN_DB" in result.output
    db = connect(real)
    assert db.execute("SELECT count(*) FROM items").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM users").fetchone()[0] == 0


def summary_text(report) -> str:
    from io import StringIO

    from rich.console import Console

    from tocsin.cli.demo import print_summary

    out = StringIO()
    print_summary(Console(file=out, width=300), report, 1.0)
    return out.getvalue()


def test_the_summary_says_why_a_source_brought_nothing(tmp_path):
    from tocsin.demo import DemoReport
    from tocsin.pipeline import CycleSummary

    report = DemoReport(database=tmp_path / "tocsin.db", alerts_file=tmp_path / "alerts.jsonl", review_url="http://127.0.0.1:1/",
                        username="demo", password="pw", items=[("demo-forum", "ru", 3)])
    report.cycle = CycleSummary(sources=2, pages=9, items=3, new_items=3, crawl_errors=0)
    quiet = summary_text(report)
    assert "crawl: 2 sources, 9 pages, 3 items (3 new), 0 errors" in quiet and "tocsin --db" not in quiet
    report.cycle = CycleSummary(sources=2, pages=9, items=3, new_items=3, crawl_errors=6, failed_sources=["demo-news"])
    report.crawl_errors = [{"source": "demo-news", "kind": "parse", "message": "ImportError: no article extractor",
                            "url": "http://127.0.0.1:1/news/1.html"}]
    loud = summary_text(report)
    assert "6 errors — failed: demo-news" in loud
    assert "demo-news parse: ImportError: no article extractor (http://127.0.0.1:1/news/1.html)" in loud
    assert f"tocsin --db {tmp_path / 'tocsin.db'} status" in loud
