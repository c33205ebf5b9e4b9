"""The crawl process: ``python -m tocsin.crawler.run JOB.json`` reads the job file and deletes it, runs one
Scrapy ``CrawlerProcess`` with a spider per source of the job, then closes each source's crawl run and writes a
small result file.

The Twisted reactor cannot restart inside one process, so every crawl is a process of its own; one
process runs all sources of a crawl side by side.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit
from typing import Any

from tocsin.processes import stop_with_parent

logger = logging.getLogger(__name__)


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    """Crawl every run of ``job``; returns per-run notes and the process's peak memory."""
    from scrapy.crawler import CrawlerProcess

    from tocsin.config import CrawlSettings, SourceSettings, build
    from tocsin.crawler.ledger import emit_progress
    from tocsin.crawler.settings import scrapy_settings
    from tocsin.crawler.spiders import SPIDERS, RecheckSpider
    from tocsin.distributed.claims import shared_claims
    from tocsin.store import connect
    from tocsin.store.sources import finish_crawl_run, record_crawl_error

    crawl = build(CrawlSettings, job["crawl"], "crawl")
    values = scrapy_settings(crawl)
    values["CLOSESPIDER_TIMEOUT"] = int(job["timeout_s"])
    values["LOG_LEVEL"] = job.get("log_level", "WARNING")
    values["TOCSIN_PRIVATE_HOSTS"] = sorted({
        (urlsplit(url).hostname or "").lower() for run in job["runs"] if run["source"].get("allow_private_networks")
        for url in run["source"].get("urls", [])})
    values.update(job.get("scrapy_overrides") or {})
    process = CrawlerProcess(values)
    db_path = job["db_path"]
    db = connect(db_path, busy_timeout_ms=job.get("busy_timeout_ms", 10_000), create=False, migrate=False)
    crawlers: dict[int, Any] = {}
    failed: dict[int, str] = {}
    started = time.monotonic()
    # Distributed mode: claims shared with the crawlers on other machines (and skipping stored items).
    claims: Any = shared_claims(job.get("scrapy_overrides")) or set()
    for run in job["runs"]:
        source = build(SourceSettings, run["source"], f"sources.{run['source'].get('name', '?')}")
        run_id = int(run["run_id"])
        spider_cls = RecheckSpider if run.get("mode") == "recheck" else SPIDERS[source.kind]
        kwargs: dict[str, Any] = {"source": source, "run_id": run_id, "db_path": db_path, "progress": job.get("progress", False),
                                  "busy_timeout_ms": job.get("busy_timeout_ms", 10_000), "claims": claims}
        if run.get("mode") == "recheck":
            kwargs["items"] = run.get("items", [])
        crawler = process.create_crawler(spider_cls)
        crawlers[run_id] = crawler

        def could_not_start(failure, run_id=run_id, name=source.name):
            message = f"{type(failure.value).__name__}: {failure.value}"
            record_crawl_error(db, run_id, name, "config", message)
            failed[run_id] = message
            if job.get("progress"):
                emit_progress(name, run_id, {"pages": 0, "items": 0, "new_items": 0, "errors": 1})

        process.crawl(crawler, **kwargs).addErrback(could_not_start)
    process.start()
    elapsed = time.monotonic() - started
    notes = {}
    for run_id, crawler in crawlers.items():
        spider = getattr(crawler, "spider", None)
        note = "; ".join(getattr(spider, "notes", []) or []) if spider else ""
        if run_id in failed:
            finish_crawl_run(db, run_id, status="failed", message=f"could not start: {failed[run_id]}")
        else:
            totals = spider.ledger.totals if spider else {"items": 0, "errors": 1}
            # Errors and nothing stored is a failure, even when some pages (a broken feed) were fetched.
            status = "failed" if totals["errors"] and not totals["items"] else None
            if spider is not None and spider.closed_reason is None:
                # a second SIGTERM (the parent dying, Ctrl-C twice) stops Scrapy by force, without closing the spider
                record_crawl_error(db, run_id, spider.source.name, "interrupted",
                                   "the crawl process was stopped by force before the source was done; what it read is kept")
                status = "failed"
            finish_crawl_run(db, run_id, status=status, message=note)
        notes[run_id] = note
    db.close()
    return {"notes": notes, "elapsed_s": elapsed, "max_rss_mb": peak_rss_mb()}


def peak_rss_mb() -> float:
    """This process's own peak resident memory. ``ru_maxrss`` survives ``execve`` and so would report the
    parent's size at fork time; the kernel's ``VmHWM`` starts afresh with the new program."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    # sqlite-utils imports pandas when it can; a crawl never needs it, and it costs a second of start-up.
    sys.modules.setdefault("pandas", None)  # type: ignore[arg-type]
    stop_with_parent(os.getppid())   # a killed daemon leaves no crawl running on its own; Scrapy stops cleanly
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m tocsin.crawler.run JOB.json", file=sys.stderr)
        return 2
    path = Path(args[0])
    job = json.loads(path.read_text(encoding="utf-8"))
    path.unlink(missing_ok=True)   # it names the sources and flagged items: gone even if this crawl is killed
    result = run_job(job)
    if job.get("result_path"):
        try:
            Path(job["result_path"]).write_text(json.dumps(result), encoding="utf-8")
        except OSError as exc:   # the parent died and its folder was swept: nobody is waiting for the result
            logger.warning("could not write the crawl result: %s", exc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
