"""In distributed mode the daemon leaves crawling to the crawler machines, which hold the sources' leases."""

from __future__ import annotations

from tocsin.config import SourceSettings, load_settings
from tocsin.daemon import Supervisor, build_jobs


def job_names(settings, db) -> set[str]:
    return {job.name for job in build_jobs(settings, db, lambda: False, Supervisor(db))}


def test_crawl_jobs_only_on_one_machine(fresh_db):
    settings = load_settings(None, env={})
    settings.sources = [SourceSettings(name="s", kind="feed", urls=["https://news.example.kg/rss"])]
    assert "crawl:s" in job_names(settings, fresh_db)
    settings.distributed.redis_url = "redis://127.0.0.1:1/0"
    names = job_names(settings, fresh_db)
    assert "crawl:s" not in names and {"analyse", "deliver", "evaluate"} <= names
