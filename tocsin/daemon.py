"""The daemon: one loop, its own ``schedule.Scheduler``, small jobs that each log one line.

Jobs: each enabled source is crawled at its interval (in a subprocess, killed at its timeout), new items
are analysed (item alerts are raised in the same transaction), the spike/spread/stale rules are
evaluated, due deliveries are sent, flagged items are re-checked for deletion, and retention runs.

- One daemon per database: an ``flock`` on ``<database>.lock``; a second one exits at once.
- SIGTERM/SIGINT/SIGHUP: the current step finishes (deliveries and analysis stop between messages and batches),
  running crawls are asked to stop and killed after ``daemon.stop_grace_s``; exit well within 30 s. A daemon
  killed outright takes its crawls with it (they get SIGTERM when it dies).
- The config is read at start; a change to its file is logged (with whether the daemon would start with it).
- A job that raises is logged with its traceback and recorded in ``job_runs``; the loop goes on.
- After a suspend (or any clock jump) each due job runs once, not once per missed interval.
"""

from __future__ import annotations

import dataclasses
import fcntl
import importlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable

import schedule
import sqlite_utils

from tocsin.config import Settings
from tocsin.private_files import make_private_folders

logger = logging.getLogger(__name__)

#: How a running crawl is told apart: its job name.
CRAWL_TARGET = "tocsin.crawler:crawl_sources"
RECHECK_TARGET = "tocsin.crawler:recheck_flagged"
#: Seconds a crawl may run past ``crawl.crawl_timeout_s`` (its own limit) before the daemon kills it.
KILL_MARGIN_S = 60


class DaemonAlreadyRunning(RuntimeError):
    """Another daemon (or ``tocsin run``) holds this database's lock."""


class LockFileUnusable(RuntimeError):
    """The lock file cannot be made or opened (its folder missing, read-only or not ours)."""


# --------------------------------------------------------------------------- single instance


def file_identity(path: Path) -> tuple[int, int] | None:
    """The (device, inode) of the file at ``path`` (None when there is none): it changes when the file is
    deleted or replaced."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


def file_stamp(path: Path) -> tuple[int, ...] | None:
    """What changes when the file at ``path`` is edited, replaced or deleted (None when there is none)."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino, found.st_mtime_ns, found.st_size


def config_problem(path: Path) -> str:
    """Why the config file at ``path`` would not start tocsin as it is now ('' when it would)."""
    from tocsin.config import ConfigError, load_settings

    try:
        load_settings(path)
    except ConfigError as e:
        return f"bad config: {e}"
    return ""


def stop_signals() -> list[signal.Signals]:
    """The signals that stop the daemon cleanly: SIGTERM, SIGINT, and SIGHUP (its terminal or SSH session closed)
    unless it is ignored on purpose (``nohup``)."""
    hangup = [signal.SIGHUP] if signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN else []
    return [signal.SIGTERM, signal.SIGINT, *hangup]


class InstanceLock:
    """An exclusive ``flock`` on a lock file holding the owner's pid; released when the process ends."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.fd: int | None = None

    def acquire(self) -> "InstanceLock":
        while True:
            fd = self.open()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                owner = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
                os.close(fd)
                raise DaemonAlreadyRunning(
                    f"another tocsin daemon or run (pid {owner}) is working on this database (lock {self.path}); "
                    "stop it first, or give this one another database") from None
            if self.names(fd):
                break
            os.close(fd)   # the file was deleted or replaced between opening and locking it: lock the new one
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self.fd = fd
        return self

    def open(self) -> int:
        """The lock file, opened (made, with its folders, when missing); :class:`LockFileUnusable` names the fix."""
        try:
            make_private_folders(self.path.parent)
            return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as e:
            raise LockFileUnusable(
                f"cannot make or open the lock file {self.path} ({e.strerror or e}): give daemon.lock_file a path in a "
                "folder this user can write to, or leave it empty for '<database>.lock'") from None

    def names(self, fd: int) -> bool:
        """Whether the lock file's path still names the file open at ``fd``."""
        found = os.fstat(fd)
        return file_identity(self.path) == (found.st_dev, found.st_ino)

    def still_held(self) -> bool:
        """Whether this process still holds the lock: the file was not deleted or replaced under it, or it was
        and no one else has taken the new one (this process then locks that, or makes it again)."""
        if self.fd is None or self.names(self.fd):
            return True
        old = self.fd
        try:
            self.acquire()
        except DaemonAlreadyRunning:
            return False
        os.close(old)   # closing releases the flock on the deleted file
        logger.warning("the lock file %s was deleted or replaced; it is made and held again", self.path)
        return True

    def release(self) -> None:
        if self.fd is not None:
            os.ftruncate(self.fd, 0)
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> "InstanceLock":
        return self.acquire()

    def __exit__(self, *exc: Any) -> None:
        self.release()


def lock_holder(path: Path) -> str | None:
    """The pid (as the lock file says it) of the daemon or run holding the lock at ``path``, or None when
    none does (no file, or a file no process holds: one left by a process that died)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
    finally:
        os.close(fd)   # closing releases a lock taken here
    return None


def lock_path_for(settings: Settings) -> Path:
    """``daemon.lock_file``, or ``<database>.lock`` beside the store's real file: a store reached through a
    symbolic link has the one lock of the file it links to."""
    if settings.daemon.lock_file:
        return settings.resolve(settings.daemon.lock_file)
    database = Path(os.path.realpath(settings.database_path))
    return database.with_name(database.name + ".lock")


# --------------------------------------------------------------------------- subprocess tasks (crawls)


def resolve(target: str | Callable[..., Any]) -> Callable[..., Any]:
    """``"package.module:function"`` → the function (callables pass through)."""
    if callable(target):
        return target
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def child_main(target: str | Callable[..., Any], args: tuple, kwargs: dict, conn: Any) -> None:
    """Run one task in a fresh process group, so the daemon can stop it and everything it started; the task
    stops when the daemon dies (killed outright, it cannot stop its tasks itself)."""
    from tocsin import processes

    parent = multiprocessing.parent_process()
    processes.stop_with_parent(parent.pid if parent and parent.pid else os.getppid())
    os.setsid()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C on the daemon's terminal is the daemon's business
    signal.signal(signal.SIGTERM, leave_once)
    try:
        result = resolve(target)(*args, **kwargs)
        if isinstance(result, list):
            result = [dataclasses.asdict(r) if dataclasses.is_dataclass(r) else r for r in result]
        conn.send({"ok": True, "result": result})
    except BaseException:  # noqa: BLE001 - reported to the parent, which logs it
        conn.send({"ok": False, "error": traceback.format_exc()})
        raise SystemExit(1) from None


def leave_once(signum: int, _frame: Any) -> None:
    """A task's SIGTERM handler: raise ``SystemExit`` where the task stands, so that it stops what it started the
    way it would on Ctrl-C (a crawl process gets one SIGTERM and closes its spiders); a second SIGTERM, while it
    does so, is ignored (it would cut that short)."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise SystemExit(128 + signum)


@dataclass
class Task:
    """A task running in a subprocess."""

    name: str
    process: Any
    conn: Any
    started: float
    #: the newest crawl run when the task started: the crawl runs it opens have larger ids
    runs_after: int
    deadline: float
    sources: list[str] = field(default_factory=list)
    report: dict[str, Any] | None = None

    def read_report(self) -> None:
        """Take the child's report off the pipe as soon as it is there (a large one must not block its exit)."""
        try:
            if self.report is None and self.conn.poll():
                self.report = self.conn.recv()
        except (EOFError, OSError):
            self.report = self.report or {}


#: While crawls run, the daemon's pause looks this often whether it was asked to stop.
STOP_CHECK_S = 0.5


class Supervisor:
    """Runs crawls (and re-checks) in subprocesses, a few at a time, and kills those past their time.

    :param on_finished: called with (name, status, counts, error, duration_s) when a task ends.
    """

    def __init__(self, db: sqlite_utils.Database, *, parallel: int = 1, grace_s: float = 15,
                 on_finished: Callable[[str, str, dict[str, Any], str, float], None] | None = None):
        self.db = db
        self.parallel = max(1, parallel)
        self.grace_s = grace_s
        self.on_finished = on_finished
        self.running: dict[str, Task] = {}
        self.waiting: list[tuple[str, Any, tuple, dict, float, list[str]]] = []
        self.context = multiprocessing.get_context("spawn")

    def request(self, name: str, target: Any, args: tuple, kwargs: dict, timeout_s: float,
                sources: list[str] | None = None) -> str:
        """Start a task now, or queue it when all slots are busy; ``already running`` when it is."""
        if name in self.running or any(w[0] == name for w in self.waiting):
            return "already running"
        self.waiting.append((name, target, args, kwargs, timeout_s, sources or []))
        self.start_waiting()
        return "started" if name in self.running else "queued"

    def start_waiting(self) -> None:
        from tocsin.store.daemon import latest_crawl_run_id

        while self.waiting and len(self.running) < self.parallel:
            name, target, args, kwargs, timeout_s, sources = self.waiting.pop(0)
            runs_after = latest_crawl_run_id(self.db)
            parent, child = self.context.Pipe(duplex=False)
            process = self.context.Process(target=child_main, args=(target, args, kwargs, child), name=f"tocsin-{name}", daemon=False)
            process.start()
            child.close()
            now = time.monotonic()
            self.running[name] = Task(name, process, parent, now, runs_after, now + timeout_s, sources)
            logger.info("step %s: started (pid %s, limit %.0f s)", name, process.pid, timeout_s)

    def waitables(self) -> list[Any]:
        """What tells that a running task needs looking after: its process ending, or its report arriving
        (a large report must be read before the task can exit)."""
        return [w for task in self.running.values()
                for w in (task.process.sentinel, task.conn if task.report is None else None) if w is not None]

    def reap(self) -> int:
        """Collect finished tasks, kill overdue ones, start queued ones; returns tasks that ended."""
        ended = 0
        for task in list(self.running.values()):
            task.read_report()
            if task.process.is_alive() and time.monotonic() < task.deadline:
                continue
            if task.process.is_alive():
                self.terminate(task, f"past its time limit of {task.deadline - task.started:.0f} s")
            else:
                self.finish(task)
            ended += 1
        self.start_waiting()
        return ended

    def finish(self, task: Task, status: str | None = None, error: str = "") -> None:
        """Read a finished task's report, close what it left open and log one line."""
        task.read_report()
        message: dict[str, Any] = task.report or {}
        task.process.join(1)
        task.conn.close()
        del self.running[task.name]
        if status is None:
            if message.get("ok"):
                status = "ok"
            else:
                status = "failed"
                error = message.get("error") or f"exited with code {task.process.exitcode}"
        counts = summarise_result(message.get("result")) if message.get("ok") else {}
        failed = [r for r in message.get("result") or [] if isinstance(r, dict) and r.get("status") == "failed"]
        if status == "ok" and failed:  # the process worked, the source did not
            status = "failed"
            error = "; ".join(f"{r.get('source')}: {failure_reason(r)}" for r in failed)
        closed = self.close_open_runs(task, "failed", error or status) if status != "ok" else 0
        if closed:
            counts["runs_closed"] = closed
        duration = time.monotonic() - task.started
        log_task_end(task.name, status, duration, counts, error)
        if self.on_finished:
            try:
                self.on_finished(task.name, status, counts, error, duration)
            except Exception:  # noqa: BLE001 - bookkeeping only; the next start closes the step as interrupted
                logger.exception("could not record the end of %s", task.name)

    def terminate(self, task: Task, why: str) -> None:
        """Ask a task to stop (see :meth:`ask_to_stop`), kill its process group after the grace period, record why."""
        self.ask_to_stop(task)
        task.process.join(self.grace_s)
        self.end_stopped(task, why)

    def end_stopped(self, task: Task, why: str) -> None:
        """Kill what is left of a task asked to stop (its process group) and record how it ended: ``stopped`` when
        it stopped within the grace period, ``killed`` when it had to be killed, or as its own report says when
        it finished its work meanwhile."""
        status = stop_status(task.process)
        self.kill_group(task)
        if status == "killed":
            why = f"{why}; it did not stop within {self.grace_s:g} s of being asked"
        self.finish(task, status, why)

    @staticmethod
    def ask_to_stop(task: Task) -> None:
        """SIGTERM to the task's own process only: it stops the crawl process it started with one SIGTERM and
        waits for it to close its spiders. Signalled too, the crawl would get a second SIGTERM as its parent
        stops, and Scrapy stops by force on a second one, without closing them."""
        task.process.terminate()

    @staticmethod
    def kill_group(task: Task) -> None:
        """SIGKILL to the task's process group: the task, if it is still running, and whatever it started and
        left behind."""
        signal_group(task.process.pid, signal.SIGKILL)
        task.process.join(5)

    def close_open_runs(self, task: Task, status: str, why: str) -> int:
        """Finish the crawl runs a stopped crawl left ``running`` (nothing stays half-open); returns how many. When
        the store cannot be written just then, says so and returns 0: the next crawl of the sources closes them."""
        from tocsin.store.daemon import open_crawl_runs
        from tocsin.store.sources import finish_crawl_run

        try:
            runs = open_crawl_runs(self.db, task.sources, task.runs_after)
            for run_id in runs:
                finish_crawl_run(self.db, run_id, status, f"interrupted: {why.strip().splitlines()[-1] if why.strip() else why}")
        except Exception:  # noqa: BLE001 - the store locked or full just then: the task has ended all the same
            logger.exception("step %s: could not close the crawl runs it left open; the next crawl of its sources "
                             "closes them", task.name)
            return 0
        return len(runs)

    def stop_all(self) -> None:
        """Stop every running task (see :meth:`ask_to_stop`; SIGKILL after the grace period) and drop the queue."""
        self.waiting.clear()
        for task in list(self.running.values()):
            self.ask_to_stop(task)
        deadline = time.monotonic() + self.grace_s
        for task in list(self.running.values()):
            task.process.join(max(0.0, deadline - time.monotonic()))
        for task in list(self.running.values()):
            self.end_stopped(task, "the daemon is stopping")


def stop_status(process: Any) -> str | None:
    """How a task's process asked to stop ended: ``killed`` while it still runs (it is about to be), ``stopped``
    when it exited by itself, None (its report says) when it exited with code 0, its work done."""
    if process.is_alive():
        return "killed"
    return None if process.exitcode == 0 else "stopped"


def log_task_end(name: str, status: str, duration: float, counts: dict[str, Any], error: str) -> None:
    """One log line for a task that ended: ok, stopped cleanly when asked, failed or killed."""
    last_line = error.strip().splitlines()[-1] if error.strip() else ""
    if status == "ok":
        logger.info("step %s: ok in %.1f s (%s)", name, duration, format_counts(counts))
    elif status == "stopped":
        logger.warning("step %s: stopped cleanly in %.1f s (%s): %s", name, duration, format_counts(counts), last_line)
    else:
        logger.error("step %s: %s in %.1f s (%s): %s", name, status, duration, format_counts(counts), last_line)


def signal_group(pid: int | None, sig: int) -> None:
    """Send ``sig`` to a process group (our tasks lead their own), ignoring one that is gone."""
    if pid is None:
        return
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def summarise_result(result: Any) -> dict[str, Any]:
    """Counts from a crawl's results (a list of CrawlResult dicts) or a re-check's number."""
    if isinstance(result, list):
        counts: dict[str, Any] = {"sources": len(result)}
        for key in ("pages", "items", "new_items", "errors"):
            counts[key] = sum(int(r.get(key) or 0) for r in result if isinstance(r, dict))
        statuses = sorted({str(r.get("status")) for r in result if isinstance(r, dict)})
        counts["status"] = "/".join(statuses)
        return counts
    if isinstance(result, (int, float)):
        return {"count": result}
    return {}


def format_counts(counts: dict[str, Any] | None) -> str:
    return " ".join(f"{k}={v}" for k, v in (counts or {}).items()) or "-"


# --------------------------------------------------------------------------- the loop


@dataclass
class Job:
    """A scheduled step: a name, how often, and a function returning counts for the log line."""

    name: str
    every_s: float
    run: Callable[[], dict[str, Any] | None]


def failure_reason(result: dict[str, Any]) -> str:
    """Why a source's crawl failed, in words: its run's message, else its first errors (kind: message)."""
    errors = [f"{e.get('kind') or 'error'}: {e.get('message')}" for e in (result.get("first_errors") or [])[:2]
              if isinstance(e, dict)]
    return result.get("message") or "; ".join(errors) or "failed"


class Daemon:
    """The scheduled loop. Build it with :func:`build_jobs` (or any jobs, for tests) and call :meth:`run`.

    :param db: the store, for ``job_runs`` bookkeeping (and the supervisor's cleanup).
    :param supervisor: runs crawls in subprocesses; reaped every tick and stopped on exit.
    """

    def __init__(self, settings: Settings, db: sqlite_utils.Database, jobs: list[Job], *,
                 supervisor: Supervisor | None = None, tick_s: float | None = None, lock_path: Path | None = None):
        self.settings = settings
        self.db = db
        self.jobs = jobs
        self.supervisor = supervisor
        self.tick_s = settings.daemon.tick_seconds if tick_s is None else tick_s
        self.lock_path = lock_path or lock_path_for(settings)
        self.stop_event = threading.Event()
        self.scheduler = schedule.Scheduler()
        self.runs: dict[str, int] = {}
        self.failures: dict[str, int] = {}
        now = datetime.now()
        for job in jobs:
            scheduled = self.scheduler.every(job.every_s).seconds.do(self.run_job, job)
            scheduled.next_run = now  # everything once at start, then at its interval
        if supervisor and supervisor.on_finished is None:
            supervisor.on_finished = self.record_task
        self.exit_code = 0
        self.store_identity = file_identity(settings.database_path)   # None: a store the tests keep in memory
        self.lock: InstanceLock | None = None
        self.lock_was_lost = False
        self.config_stamp = file_stamp(settings.config_file) if settings.config_file else None

    @property
    def stopping(self) -> bool:
        return self.stop_event.is_set()

    def stop(self, signum: int | None = None, _frame: Any = None) -> None:
        """Ask the loop to finish the current step and exit (the SIGTERM/SIGINT/SIGHUP handler)."""
        if not self.stop_event.is_set():
            by = f" ({signal.Signals(signum).name})" if signum else ""
            logger.info("stop requested%s: finishing the current step", by)
        self.stop_event.set()

    def record_task(self, name: str, status: str, counts: dict[str, Any], error: str, duration: float) -> None:
        from tocsin.alerts.times import as_datetime, iso
        from tocsin.store.daemon import record_job_end

        record_job_end(self.db, name, now=iso(as_datetime()), status=status, summary=format_counts(counts),
                       error=error, duration_s=duration)

    def run_job(self, job: Job) -> None:
        """Run one step: one log line with its counts and duration; an exception is logged with its
        traceback and recorded, and never stops the loop."""
        from tocsin.alerts.times import as_datetime, iso
        from tocsin.store.daemon import record_job_end, record_job_start

        if self.stopping:
            return
        started = time.monotonic()
        self.runs[job.name] = self.runs.get(job.name, 0) + 1
        try:
            record_job_start(self.db, job.name, iso(as_datetime()))
            counts = job.run() or {}
        except Exception as e:  # noqa: BLE001 - a job must never stop the loop
            duration = time.monotonic() - started
            self.failures[job.name] = self.failures.get(job.name, 0) + 1
            from tocsin.cli.app import stated_problem

            stated = stated_problem(e)
            if stated is None:
                logger.exception("step %s: failed in %.1f s: %s", job.name, duration, e)
            else:   # an error that names its own fix needs no traceback every few minutes
                logger.error("step %s: failed in %.1f s: %s", job.name, duration, stated)
            try:
                record_job_end(self.db, job.name, now=iso(as_datetime()), status="failed", error=traceback.format_exc(),
                               duration_s=duration)
            except Exception:  # noqa: BLE001 - the store itself may be what failed
                logger.exception("could not record the failure of %s", job.name)
            return
        duration = time.monotonic() - started
        if isinstance(counts, dict) and counts.get("_quiet"):
            return  # a task started in a subprocess: its line and its record come when it ends
        logger.info("step %s: ok in %.1f s (%s)", job.name, duration, format_counts(counts))
        try:
            record_job_end(self.db, job.name, now=iso(as_datetime()), status="ok", summary=format_counts(counts),
                           duration_s=duration)
        except Exception:  # noqa: BLE001 - the store locked or full just then: the step itself is done
            logger.exception("could not record the end of %s", job.name)

    def tick(self) -> None:
        """Run the jobs that are due (each once, however late) and look after running crawls; stop when the
        store was deleted or replaced under the daemon, or another daemon took its deleted lock file's place."""
        if self.store_replaced() or self.lock_lost():
            return
        self.notice_config_change()
        self.scheduler.run_pending()
        if self.supervisor and not self.stopping:
            try:
                self.supervisor.reap()
            except Exception:  # noqa: BLE001 - e.g. the store locked while closing a run: try again next tick
                logger.exception("looking after running crawls failed; trying again on the next tick")

    def store_replaced(self) -> bool:
        """Whether the store's file is no longer the one the daemon opened (deleted, or replaced by a copy):
        the daemon then stops, loudly, rather than write on into a deleted file while crawls start a new one."""
        path = self.settings.database_path
        replaced = self.store_identity is not None and file_identity(path) != self.store_identity
        if replaced:
            self.halt(f"the store {path} was deleted or replaced while the daemon ran; stopping, so that nothing more "
                      "is written to the old file: put the store back (or start afresh with 'tocsin init') and start "
                      "the daemon again")
        return replaced

    def notice_config_change(self) -> None:
        """Log once per change that the config file changed (the daemon keeps the settings it started with),
        and whether the file as it is now would start it again."""
        path = self.settings.config_file
        stamp = file_stamp(path) if path else None
        if path is None or stamp == self.config_stamp:
            return
        self.config_stamp = stamp
        problem = config_problem(path)
        if problem:
            logger.error("the config file %s changed while the daemon ran, and the daemon would not start with it: %s; "
                         "the daemon goes on with the settings it started with: fix the file before it is restarted",
                         path, problem)
        else:
            logger.warning("the config file %s changed while the daemon ran; the daemon goes on with the settings it "
                           "started with: restart it to apply the change (e.g. systemctl restart tocsin)", path)

    def halt(self, why: str) -> None:
        """Stop loudly: log ``why`` as an error and exit with code 1 once the current step is done."""
        logger.error(why)
        self.exit_code = 1
        self.stop()

    def close_unfinished_jobs(self, why: str) -> None:
        """Record the steps that cannot be running any more (this daemon holds the lock) as interrupted."""
        from tocsin.alerts.times import as_datetime, iso
        from tocsin.store.daemon import close_unfinished_jobs

        try:
            close_unfinished_jobs(self.db, now=iso(as_datetime()), why=why)
        except Exception:  # noqa: BLE001 - bookkeeping only: the store locked or full just then
            logger.exception("could not record the steps left unfinished")

    def lock_lost(self) -> bool:
        """Whether another process holds the lock now (after the lock file was deleted under this daemon): two
        daemons must not work on one store, so this one stops."""
        try:
            if self.lock is None or self.lock.still_held():
                return False
        except (OSError, LockFileUnusable):   # the lock file could not be made again (its folder gone, or read-only): look next tick
            logger.exception("could not check the lock file %s", self.lock.path)
            return False
        self.lock_was_lost = True
        self.halt(f"the lock file {self.lock.path} was deleted while the daemon ran, and another tocsin daemon or run "
                  "has taken it since; stopping this one, so that only one works on the store (leave the lock file "
                  "alone: it is removed by nothing and harmless when stale)")
        return True

    def sleep_s(self) -> float:
        idle = self.scheduler.idle_seconds
        return max(0.0, min(self.tick_s, idle if idle is not None else self.tick_s))

    def run(self, *, max_ticks: int | None = None, handle_signals: bool = True) -> int:
        """Hold the lock and loop until stopped; returns the exit code (0; 1 when the store was replaced or
        another daemon took the lock)."""
        with InstanceLock(self.lock_path) as self.lock:
            previous = {sig: signal.signal(sig, self.stop) for sig in stop_signals()} if handle_signals else {}
            logger.info("daemon started: %d jobs, database %s", len(self.jobs), self.settings.database_path)
            from tocsin.alerts.status import nowhere_to_send, unsigned_webhooks

            for warning in filter(None, (nowhere_to_send(self.settings), unsigned_webhooks(self.settings))):
                logger.warning(warning)
            self.close_unfinished_jobs("the daemon stopped before it finished (it was killed, or the machine went down)")
            try:
                self.loop(max_ticks)
            finally:
                if self.supervisor:
                    try:
                        self.supervisor.stop_all()
                    except Exception:  # noqa: BLE001 - exiting anyway; the crawls were signalled
                        logger.exception("stopping the running crawls failed")
                if not self.lock_was_lost:   # the other daemon's steps are its own
                    self.close_unfinished_jobs("the daemon stopped while it waited for a crawl slot")
                for sig, handler in previous.items():
                    signal.signal(sig, handler)
                logger.info("daemon stopped")
        return self.exit_code

    def loop(self, max_ticks: int | None) -> None:
        ticks = 0
        # the scheduler runs on local wall time (schedule's naive datetime.now()), which also jumps when daylight
        # saving time ends or starts; time.time() does not, so the jump is measured on the time it uses
        wall, mono = datetime.now(), time.monotonic()
        while not self.stopping and (max_ticks is None or ticks < max_ticks):
            jump = (datetime.now() - wall).total_seconds() - (time.monotonic() - mono)
            if abs(jump) > max(60.0, 2 * self.tick_s):
                logger.warning("the clock jumped %.0f s (suspend, the clock set, or daylight saving time); each due "
                               "job runs once", jump)
                if jump < 0:   # set back: each next run moves back with it, instead of waiting as long as the step
                    for scheduled in self.scheduler.jobs:
                        scheduled.next_run += timedelta(seconds=jump)
            self.tick()
            ticks += 1
            wall, mono = datetime.now(), time.monotonic()
            if not self.stopping and (max_ticks is None or ticks < max_ticks):
                self.pause(self.sleep_s())

    def pause(self, seconds: float) -> None:
        """Wait ``seconds`` or less: until a stop is asked, or a running crawl ends or sends its report, so that
        the next waiting crawl starts then, not at the next tick."""
        waitables = self.supervisor.waitables() if self.supervisor else []
        if not waitables:
            self.stop_event.wait(seconds)
            return
        deadline = time.monotonic() + seconds
        while not self.stopping and (left := deadline - time.monotonic()) > 0:
            if multiprocessing.connection.wait(waitables, timeout=min(left, STOP_CHECK_S)):
                return


# --------------------------------------------------------------------------- the real jobs


def build_jobs(settings: Settings, db: sqlite_utils.Database, daemon_stop: Callable[[], bool],
               supervisor: Supervisor, *, analyser_factory: Callable[[], Any] | None = None) -> list[Job]:
    """The daemon's jobs for ``settings``: deliver, evaluate, analyse, one crawl per enabled source,
    re-check and retention."""
    from tocsin.alerts import deliver_due, evaluate_rules
    from tocsin.distributed import is_distributed

    d = settings.daemon
    jobs = [
        Job("deliver", d.deliver_every_minutes * 60, lambda: delivery_counts(deliver_due(db, settings, should_stop=daemon_stop))),
        Job("evaluate", d.evaluate_every_minutes * 60, lambda: {"alerts": evaluate_rules(db, settings)}),
        Job("analyse", d.analyse_every_minutes * 60, AnalyseStep(settings, db, daemon_stop, analyser_factory)),
    ]
    timeout = settings.crawl.crawl_timeout_s + KILL_MARGIN_S
    # in distributed mode the crawler machines (`tocsin worker crawl`) hold the sources' leases
    for source in [] if is_distributed(settings) else settings.enabled_sources():
        jobs.append(Job(f"crawl:{source.name}", source.interval_minutes * 60,
                        crawl_step(supervisor, settings, source.name, timeout)))
    if settings.crawl.recheck_flagged_hours > 0:
        jobs.append(Job("recheck", settings.crawl.recheck_flagged_hours * 3600,
                        recheck_step(supervisor, settings, timeout)))
    if settings.retention.retention_days > 0:
        jobs.append(Job("retention", d.retention_every_hours * 3600, lambda: retention_step(db, settings)))
    return jobs


def crawl_step(supervisor: Supervisor, settings: Settings, name: str, timeout: float) -> Callable[[], dict[str, Any]]:
    """The step of the job ``crawl:<name>``: start its crawl in a subprocess, given the daemon's grace to stop."""
    def start() -> dict[str, Any]:
        state = supervisor.request(f"crawl:{name}", CRAWL_TARGET, (settings, [name]),
                                   {"timeout_s": settings.crawl.crawl_timeout_s, "stop_grace_s": supervisor.grace_s},
                                   timeout, sources=[name])
        if state != "started":
            logger.info("step crawl:%s: %s", name, "still running, not started again" if state == "already running"
                        else "waiting for a free crawl slot")
        return {"task": state, "_quiet": True}

    return start


def recheck_step(supervisor: Supervisor, settings: Settings, timeout: float) -> Callable[[], dict[str, Any]]:
    """The step of the job ``recheck``: start the re-check in a subprocess, given the daemon's grace to stop."""
    def start() -> dict[str, Any]:
        return {"task": supervisor.request("recheck", RECHECK_TARGET, (settings,), {"stop_grace_s": supervisor.grace_s},
                                           timeout), "_quiet": True}

    return start


def delivery_counts(summary: Any) -> dict[str, Any]:
    return {"sent": summary.sent, "retrying": summary.retrying, "dead": summary.dead, "silenced": summary.silenced,
            **({"revived": summary.revived} if summary.revived else {})}


class AnalyseStep:
    """Analyse pending items in chunks (checking for a stop between them), raising item alerts in the
    same transaction, for at most the deliver interval per step. The analyser (models and pipelines) is loaded
    once, on first use. Alerts owed in the store (raising them failed; their analyses saved) are tried again at
    the start of each step; the step's counts say how many batches' alerts failed and how many analyses' alerts
    are owed."""

    #: Items whose analysis failed are fetched past for this long, then tried again (a failure may pass).
    RETRY_FAILED_AFTER_S = 3600.0

    def __init__(self, settings: Settings, db: sqlite_utils.Database, should_stop: Callable[[], bool],
                 analyser_factory: Callable[[], Any] | None = None):
        self.settings, self.db, self.should_stop = settings, db, should_stop
        self.analyser_factory = analyser_factory
        self.analyser: Any = None
        #: items that failed, kept across steps: however many there are, they cannot hold back newer items
        self.failed_ids: set[str] = set()
        self.failed_since = time.monotonic()

    def __call__(self) -> dict[str, Any]:
        from tocsin.alerts import raise_item_alerts
        from tocsin.analyse import Analyser, analyse_pending, raise_owed_alerts
        from tocsin.store.alerts_owed import owed_alerts_summary

        if self.analyser is None:
            self.analyser = self.analyser_factory() if self.analyser_factory else Analyser(self.settings)
        totals = {"analysed": 0, "flagged": 0, "failed": 0, "alerts": 0}

        def on_batch_saved(db: sqlite_utils.Database, rows: list[dict[str, Any]]) -> None:
            totals["alerts"] += raise_item_alerts(db, self.settings, rows)

        if time.monotonic() - self.failed_since >= self.RETRY_FAILED_AFTER_S:
            self.failed_ids.clear()
            self.failed_since = time.monotonic()
        chunk = max(1, self.settings.model.batch_size)  # one batch per call: a stop request waits for one batch at most
        # A backlog (a new model, a long pause) is worked off over several steps, so the alerts it raises are
        # delivered between them instead of after hours of analysis.
        budget_s = max(60.0, self.settings.daemon.deliver_every_minutes * 60.0)
        started = time.monotonic()
        alert_errors = 0
        after_seq = 0   # each step reads the store from its start once, whatever the batches (edits included)
        if not self.should_stop() and raise_owed_alerts(self.db, on_batch_saved):
            alert_errors += 1
        while not self.should_stop() and time.monotonic() - started < budget_s:
            summary = analyse_pending(self.db, self.settings, analyser=self.analyser, limit=chunk,
                                      on_batch_saved=on_batch_saved, failed_ids=self.failed_ids, after_seq=after_seq)
            after_seq = summary.last_seq
            for key in ("analysed", "flagged", "failed"):
                totals[key] += int(getattr(summary, key, 0) or 0)
            alert_errors += len(getattr(summary, "alert_errors", ()))
            if summary.taken < chunk:   # nothing more pending, past the failed ones
                break
        owed = owed_alerts_summary(self.db)["count"]
        if alert_errors or owed:
            totals.update(alert_errors=alert_errors, alerts_owed=owed)
        return totals


def retention_step(db: sqlite_utils.Database, settings: Settings) -> dict[str, Any]:
    from tocsin.export.retention import run_retention

    return run_retention(db, settings)


def run_daemon(settings: Settings, *, analyser_factory: Callable[[], Any] | None = None, max_ticks: int | None = None) -> int:
    """Open the store, build the jobs and run the daemon until SIGTERM/SIGINT/SIGHUP; returns the exit code."""
    from tocsin.store import connect
    from tocsin.store.sources import sync_sources

    lock = InstanceLock(lock_path_for(settings)).acquire()  # fail before loading anything heavy
    lock.release()
    if analyser_factory is None:   # a model that cannot load would fail every analyse step and raise no alert, ever
        from tocsin.models.folder import identify

        identify(settings.model.path)
    db = connect(settings.database_path, busy_timeout_ms=settings.database.busy_timeout_ms, create=False)
    sync_sources(db, settings.sources)
    supervisor = Supervisor(db, parallel=settings.daemon.parallel_crawls, grace_s=settings.daemon.stop_grace_s)
    holder: dict[str, Daemon] = {}
    jobs = build_jobs(settings, db, lambda: holder["daemon"].stopping, supervisor, analyser_factory=analyser_factory)
    daemon = holder["daemon"] = Daemon(settings, db, jobs, supervisor=supervisor)
    try:
        return daemon.run(max_ticks=max_ticks)
    finally:
        db.close()
