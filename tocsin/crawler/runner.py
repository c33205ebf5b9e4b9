"""Starting crawls: open a crawl run per source, run the Scrapy process, close what it left open.

Never raises for a failing source: every failure ends up in ``crawl_errors``/``crawl_runs`` of its
source. A crawl process that crashes or overruns its time is recorded on each run it left open.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import subprocess
import sys
import tempfile
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from tocsin.config import Settings, SourceSettings
from tocsin.crawler.job_folder import job_folder
from tocsin.crawler.ledger import PROGRESS_PREFIX
from tocsin.processes import stop_process
from tocsin.store import connect
from tocsin.store.crawling import close_stale_runs, crawl_runs, iso_before, items_due_for_recheck, run_errors, unfinished_runs
from tocsin.store.sources import ensure_source, finish_crawl_run, record_crawl_error, start_crawl_run, sync_sources

logger = logging.getLogger(__name__)

#: Seconds a crawl process gets beyond its spiders' own time limit to close cleanly before it is killed.
GRACE_S = 30
ProgressCallback = Callable[[dict[str, Any]], None]


@dataclass
class CrawlResult:
    """The outcome of one source's crawl run."""

    source: str
    run_id: int
    status: str
    pages: int = 0
    items: int = 0
    new_items: int = 0
    errors: int = 0
    message: str = ""
    first_errors: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ProcessOutcome:
    """What the crawl process left: exit code, whether it was killed, the end of its log, its result."""

    returncode: int
    timed_out: bool
    log_tail: str
    result: dict[str, Any]


def select_sources(settings: Settings, names: list[str] | None) -> list[SourceSettings]:
    """The sources named, enabled or not (all enabled ones when ``names`` is empty).

    :raises ConfigError: a name is not in the config.
    """
    if not names:
        return settings.enabled_sources()
    chosen = [settings.source(name) for name in dict.fromkeys(names)]
    disabled = [s.name for s in chosen if not s.enabled]
    if disabled:   # named on purpose: tried before it is enabled ("does this feed still work?")
        logger.warning("crawling disabled source(s) %s because they were named; the daemon crawls them once "
                       "enabled = true in the config", ", ".join(disabled))
    return chosen


def crawl_sources(settings: Settings, names: list[str] | None = None, *, timeout_s: int | None = None,
                  on_progress: ProgressCallback | None = None, stop_grace_s: float | None = None) -> list[CrawlResult]:
    """Crawl the named enabled sources (default: all enabled) with the real Scrapy engine in a subprocess.

    :param settings: the settings; items and crawl runs go to ``settings.database_path``.
    :param names: source names; unknown names raise :class:`ConfigError`, disabled ones are skipped.
    :param timeout_s: stop each source after this many seconds (default ``crawl.crawl_timeout_s``).
    :param on_progress: called with ``{source, run_id, pages, items, new_items, errors}`` as the crawl goes.
    :param stop_grace_s: how long the crawl process, asked to stop, may take before it is killed (default
        :data:`tocsin.processes.STOP_GRACE_S`; a daemon's task passes ``daemon.stop_grace_s``).
    """
    sources = select_sources(settings, names)
    if not sources:
        return []
    timeout_s = timeout_s or settings.crawl.crawl_timeout_s
    db = connect(settings.database_path, busy_timeout_ms=settings.database.busy_timeout_ms)
    try:
        sync_sources(db, settings.sources)
        close_abandoned_runs(db, [s.name for s in sources], timeout_s)
        runs = [{"source": source_dict(src), "run_id": start_crawl_run(db, src.name)} for src in sources]
    finally:
        db.close()
    return execute(settings, runs, timeout_s, on_progress, stop_grace_s)


def close_abandoned_runs(db: Any, names: list[str], timeout_s: int) -> None:
    """Close runs left 'running' by a crawl process that was killed (no parent lived to close them)."""
    limit = max(timeout_s, 0) + GRACE_S + 60
    closed = close_stale_runs(db, names, started_before=iso_before(hours=limit / 3600),
                              message=f"interrupted: the crawl process was killed (still open after {limit} s)")
    if closed:
        logger.warning("closed %d crawl run(s) left open by a killed crawl", closed)


def recheck_flagged(settings: Settings, *, on_progress: ProgressCallback | None = None,
                    stop_grace_s: float | None = None) -> int:
    """Re-visit flagged items due for a re-check (``crawl.recheck_flagged_hours``, ``crawl.recheck_days``):
    a 404/410 or a message gone from its channel sets ``removed_at``; a changed article becomes a new
    version. Returns the number of items re-visited (0 when re-checks are turned off)."""
    return sum(r.items for r in recheck_runs(settings, on_progress=on_progress, stop_grace_s=stop_grace_s))


def recheck_runs(settings: Settings, *, on_progress: ProgressCallback | None = None,
                 stop_grace_s: float | None = None) -> list[CrawlResult]:
    """:func:`recheck_flagged`, returning one :class:`CrawlResult` per source re-checked (``items`` = items
    re-visited, errors as in a crawl)."""
    if settings.crawl.recheck_flagged_hours <= 0:
        return []
    db = connect(settings.database_path, busy_timeout_ms=settings.database.busy_timeout_ms)
    try:
        sync_sources(db, settings.sources)
        due = items_due_for_recheck(db, every_hours=settings.crawl.recheck_flagged_hours, within_days=settings.crawl.recheck_days)
        by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for item in due:
            by_source[item["source"]].append(item)
        configured = {s.name: s for s in settings.sources}
        runs = []
        for name, items in by_source.items():
            src = configured.get(name) or SourceSettings(name=name, kind="feed", urls=[], enabled=False)
            ensure_source(db, name, src.kind)
            runs.append({"source": source_dict(src), "run_id": start_crawl_run(db, name), "mode": "recheck", "items": items})
    finally:
        db.close()
    if not runs:
        return []
    return execute(settings, runs, settings.crawl.crawl_timeout_s, on_progress, stop_grace_s)


def child_log_level() -> str:
    """Scrapy's log level in the crawl process: INFO when this process logs INFO (``tocsin -v``), else WARNING."""
    level = logging.getLogger("tocsin").getEffectiveLevel()
    return "DEBUG" if level <= logging.DEBUG else "INFO" if level <= logging.INFO else "WARNING"


def extra_scrapy_settings(settings: Settings) -> dict[str, Any]:
    """Scrapy settings other areas add to a crawl (distributed mode's scheduler and pipeline); JSON-safe."""
    try:
        from tocsin.distributed.scrapy_settings import scrapy_overrides
    except ImportError:
        return {}
    return scrapy_overrides(settings)


def source_dict(src: SourceSettings) -> dict[str, Any]:
    return dataclasses.asdict(src)


def execute(settings: Settings, runs: list[dict[str, Any]], timeout_s: int, on_progress: ProgressCallback | None,
            stop_grace_s: float | None = None) -> list[CrawlResult]:
    """Run the crawl process for ``runs`` (see :func:`run_process`), then close whatever it left open and collect
    the results."""
    db_path = str(Path(settings.database_path).resolve())
    with job_folder() as tmp:
        job = {
            "db_path": db_path, "busy_timeout_ms": settings.database.busy_timeout_ms,
            "crawl": dataclasses.asdict(settings.crawl), "runs": runs, "timeout_s": int(timeout_s),
            "progress": on_progress is not None, "result_path": str(Path(tmp) / "result.json"),
            "log_level": child_log_level(),
            "scrapy_overrides": extra_scrapy_settings(settings),
        }
        job_path = Path(tmp) / "job.json"
        job_path.write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
        try:
            outcome = run_process(job_path, Path(job["result_path"]), timeout_s + GRACE_S, on_progress, stop_grace_s)
        except BaseException:   # this process is stopping: the runs its crawl left open are closed as interrupted
            close_interrupted_runs(settings, db_path, runs)
            raise
    run_ids = [int(r["run_id"]) for r in runs]
    db = connect(db_path, busy_timeout_ms=settings.database.busy_timeout_ms, create=False)
    try:
        left_open = unfinished_runs(db, run_ids)
        if left_open:
            if outcome.timed_out:
                kind, message = "crawl_timeout", f"the crawl process ran past {timeout_s + GRACE_S} s and was stopped"
            else:
                kind, message = "crawl_crashed", f"the crawl process exited with code {outcome.returncode}: {outcome.log_tail[-1500:]}"
            names = {int(r["run_id"]): r["source"]["name"] for r in runs}
            for run_id in left_open:
                record_crawl_error(db, run_id, names[run_id], kind, message)
                finish_crawl_run(db, run_id, status="failed", message=message[:500])
        errors = run_errors(db, run_ids)
        results = [
            CrawlResult(source=r["source"], run_id=r["id"], status=r["status"], pages=r["pages"], items=r["items"],
                        new_items=r["new_items"], errors=r["errors"], message=r["message"], first_errors=errors.get(r["id"], []))
            for r in crawl_runs(db, run_ids)
        ]
    finally:
        db.close()
    results_meta = outcome.result
    if results_meta:
        logger.info("crawl process: %.1f s, peak memory %.0f MB", results_meta.get("elapsed_s", 0), results_meta.get("max_rss_mb", 0))
    return results


def close_interrupted_runs(settings: Settings, db_path: str, runs: list[dict[str, Any]]) -> None:
    """Close the runs a crawl stopped with its parent left open (what they stored is kept)."""
    message = "interrupted: the crawl was told to stop before the source was done; what it read is kept"
    try:
        db = connect(db_path, busy_timeout_ms=settings.database.busy_timeout_ms, create=False)
    except Exception:  # noqa: BLE001 - stopping anyway; the next crawl closes them
        logger.warning("could not close the interrupted crawl runs; the next crawl closes them")
        return
    try:
        names = {int(r["run_id"]): r["source"]["name"] for r in runs}
        for run_id in unfinished_runs(db, list(names)):
            record_crawl_error(db, run_id, names[run_id], "interrupted", message)
            finish_crawl_run(db, run_id, status="failed", message=message)
    finally:
        db.close()


#: The last crawl process's result (elapsed time, peak memory), for benchmarks and tests.
last_process: dict[str, Any] = {}


def run_process(job_path: Path, result_path: Path, limit_s: float, on_progress: ProgressCallback | None,
                stop_grace_s: float | None = None) -> ProcessOutcome:
    """Run ``python -m tocsin.crawler.run`` on a job; stop it after ``limit_s`` seconds, or when this process is
    stopping, killing it if it has not stopped ``stop_grace_s`` later (see :func:`~tocsin.processes.stop_process`)."""
    verbose = logging.getLogger("tocsin").isEnabledFor(logging.INFO)
    with tempfile.TemporaryFile() as log:
        # With -v the crawl's own log goes straight to stderr; otherwise it is kept for error messages.
        proc = subprocess.Popen(
            [sys.executable, "-m", "tocsin.crawler.run", str(job_path)],
            stdout=subprocess.PIPE, stderr=None if verbose else log, stdin=subprocess.DEVNULL, text=True,
            encoding="utf-8", errors="replace",
        )
        tail: deque[str] = deque(maxlen=50)
        reader = threading.Thread(target=read_progress, args=(proc.stdout, on_progress, tail), daemon=True)
        reader.start()
        timed_out = False
        try:
            proc.wait(timeout=limit_s)
        except subprocess.TimeoutExpired:
            timed_out = True
            stop_process(proc, stop_grace_s)
        except BaseException:   # the parent is stopping (Ctrl-C, SIGTERM): its crawl stops with it, runs closed
            stop_process(proc, stop_grace_s)
            raise
        reader.join(timeout=5)
        log.seek(0)
        log_tail = log.read()[-4000:].decode("utf-8", "replace")
    if log_tail.strip():
        logger.debug("crawl process log:\n%s", log_tail)
    result: dict[str, Any] = {}
    if result_path.is_file():
        try:
            result = json.loads(result_path.read_text(encoding="utf-8"))
        except ValueError:
            result = {}
    last_process.clear()
    last_process.update(result, returncode=proc.returncode, timed_out=timed_out)
    return ProcessOutcome(proc.returncode, timed_out, log_tail + "".join(tail), result)


def read_progress(stream: Any, on_progress: ProgressCallback | None, tail: deque[str]) -> None:
    """Turn the crawl process's progress lines into callbacks; keep other output for error messages."""
    for line in stream:
        if line.startswith(PROGRESS_PREFIX):
            if on_progress is not None:
                try:
                    on_progress(json.loads(line[len(PROGRESS_PREFIX):]))
                except ValueError:
                    pass
                except Exception:  # a broken display must not stop the crawl
                    logger.exception("progress callback failed")
        else:
            tail.append(line)
