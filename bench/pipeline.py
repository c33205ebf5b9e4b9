"""End to end on the demo world scaled up: throughput, publication-to-alert latency, the daemon's memory.

1. Throughput: the demo world (its seven sources) plus ``SCALE`` generated articles behind a sitemap,
   one ``tocsin.pipeline.run_cycle`` (crawl in the Scrapy subprocess → analyse → alert → deliver) on a
   fresh store: posts/s from fetched page to stored analysis = analysed items / (crawl + analyse seconds).
2. Latency: a new (fictional) inciting message is posted to a demo Telegram channel through the world's
   controls; ``run_cycle`` on that channel is repeated until the alert naming it lands in the JSONL file
   sink. Seconds from the message's publication to the line in the file.
3. The daemon: ``tocsin daemon`` as a subprocess with a config written by ``dump_settings`` (the same
   world, every interval at its minimum of one minute, a one-second tick) on a fresh store. Ten seconds
   in, another new message (another group and place) is posted; the run ends when its alert is in the
   JSONL file, or after ``DAEMON_S`` seconds, then the daemon gets SIGTERM. The RSS of the daemon and its
   children (crawl subprocesses) is sampled with psutil every 0.2 s. Goal: peak ≤ 1 GB.

The whole run takes about four minutes, most of it the daemon waiting for its one-minute intervals.

    python -m bench.pipeline [SCALE] [DAEMON_S]
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCALE = 300
DAEMON_S = 200
#: The daemon runs at least this long (past its first analysis), even when the alert came sooner.
DAEMON_MIN_S = 75
PUBLISH_AFTER_S = 10
CHANNEL = "south_news_demo"
#: Fictional inciting messages, each about a group and place no other demo text names, so each opens a
#: new alert (a new item joining an open alert is announced at the rule's group interval instead).
MESSAGES = ("The Dungans in Uzgen are vermin. Drive them out of town before Friday, burn their shops! Fictional test message.",
            "The Uyghurs in Kara-Suu are vermin. Drive them out of town before Friday, burn their shops! Fictional test message.")
TIMEOUT_S = 120


def bench_settings(base_url: str, workdir: Path, scale: int):
    """The demo settings plus a sitemap source of ``scale`` generated articles."""
    from tocsin.config import SourceSettings
    from tocsin.demo import demo_settings

    settings = demo_settings(base_url, workdir, workdir / "bench.db")
    settings.alerts.sinks = [s for s in settings.alerts.sinks if s.kind == "file"]  # no console noise
    if scale:
        settings.sources.append(SourceSettings(
            name="bench-news", kind="sitemap", urls=[f"{base_url}/bench/sitemap.xml"], allow_private_networks=True,
            max_pages=scale + 10, since_days=3650, interval_minutes=1))
    return settings


def throughput(settings, db, analyser) -> dict[str, float]:
    """One full cycle over the whole world; figures from its step durations."""
    from tocsin.pipeline import run_cycle

    started = time.perf_counter()
    summary = run_cycle(settings, db, analyser=analyser)
    wall = time.perf_counter() - started
    crawl_s, analyse_s = summary.durations.get("crawl", 0.0), summary.durations.get("analyse", 0.0)
    return {
        "cycle_pages": float(summary.pages),
        "cycle_items": float(summary.items),
        "cycle_analysed": float(summary.analysed),
        "cycle_flagged": float(summary.flagged),
        "cycle_crawl_s": round(crawl_s, 1),
        "cycle_analyse_s": round(analyse_s, 1),
        "cycle_alert_deliver_s": round(summary.durations.get("evaluate", 0.0) + summary.durations.get("deliver", 0.0), 1),
        "cycle_wall_s": round(wall, 1),
        "e2e_posts_per_s": round(summary.analysed / (crawl_s + analyse_s), 1) if crawl_s + analyse_s else 0.0,
        "analyse_posts_per_s": round(summary.analysed / analyse_s, 1) if analyse_s else 0.0,
    }


def alert_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def wait_for_alert(sink: Path, needle: str, step, timeout_s: float) -> float | None:
    """Call ``step()`` until a line naming ``needle`` appears in ``sink``; the monotonic time it appeared."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        step()
        if any(needle in line for line in alert_lines(sink)):
            return time.monotonic()
    return None


def post_message(world, n: int) -> tuple[str, float]:
    """Publish message ``n`` of :data:`MESSAGES`; returns the item id the store will give it and the monotonic time."""
    from tocsin.urls import item_id_for

    msg_id = world.state.add_message(CHANNEL, MESSAGES[n])
    return item_id_for(f"{world.base_url}/t.me/{CHANNEL}/{msg_id}"), time.monotonic()


def latency(settings, db, analyser, world) -> dict[str, float]:
    """Publication → alert in the JSONL sink, with ``run_cycle`` repeated on the Telegram source."""
    from tocsin.crawler.demo_world.content import TELEGRAM_SOURCES
    from tocsin.pipeline import run_cycle

    sink = Path(settings.alerts.sinks[0].path)
    item_id, published = post_message(world, 0)
    cycles = []

    def step() -> None:
        started = time.monotonic()
        run_cycle(settings, db, names=[TELEGRAM_SOURCES[CHANNEL]], analyser=analyser)
        cycles.append(time.monotonic() - started)

    seen = wait_for_alert(sink, item_id, step, TIMEOUT_S)
    if seen is None:
        raise RuntimeError(f"no alert for the new message {item_id} in {sink} within {TIMEOUT_S} s")
    return {"publish_to_alert_s": round(seen - published, 1), "latency_cycles": float(len(cycles)),
            "cycle_on_one_source_s": round(min(cycles), 1)}


def tree_rss(proc) -> float:
    """Resident memory of a process and all its children, in MB."""
    import psutil

    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total / 1e6


def run_daemon(settings, workdir: Path, world, seconds: int) -> dict[str, float]:
    """Run ``tocsin daemon`` on a fresh store, publish a message, wait for its alert (at most ``seconds``);
    peak RSS of the daemon and its children, and the message's publication-to-alert time."""
    import psutil

    from tocsin.config_toml import dump_settings
    from tocsin.store import connect

    settings.database.path = str(workdir / "daemon.db")
    settings.alerts.sinks[0].path = str(workdir / "daemon-alerts.jsonl")
    for source in settings.sources:
        source.interval_minutes = 1
    d = settings.daemon
    d.tick_seconds, d.analyse_every_minutes, d.deliver_every_minutes, d.evaluate_every_minutes = 1, 1, 1, 1
    config = workdir / "daemon.toml"
    config.write_text(dump_settings(settings), encoding="utf-8")
    connect(settings.database_path).close()  # the daemon runs on an existing store only
    tocsin = Path(sys.executable).with_name("tocsin")
    log = (workdir / "daemon.log").open("wb")
    started = time.monotonic()
    proc = subprocess.Popen([str(tocsin), "--config", str(config), "daemon"], stdout=log, stderr=subprocess.STDOUT,
                            env={k: v for k, v in os.environ.items() if k not in ("TOCSIN_DB", "TOCSIN_CONFIG")})
    ps = psutil.Process(proc.pid)
    peak = peak_main = 0.0
    sink = Path(settings.alerts.sinks[0].path)
    item_id, published, delivered = "", 0.0, None
    try:
        while time.monotonic() - started < seconds and proc.poll() is None:
            now = time.monotonic()
            if not item_id and now - started >= PUBLISH_AFTER_S:
                item_id, published = post_message(world, 1)
            if item_id and delivered is None and any(item_id in line for line in alert_lines(sink)):
                delivered = now
            if delivered is not None and now - started >= DAEMON_MIN_S:
                break
            peak = max(peak, tree_rss(ps))
            try:
                peak_main = max(peak_main, ps.memory_info().rss / 1e6)
            except psutil.Error:
                pass
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGTERM)
        stop_started = time.monotonic()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
    stop_s = time.monotonic() - stop_started
    if proc.returncode not in (0, -signal.SIGTERM):
        tail = (workdir / "daemon.log").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"the daemon exited with {proc.returncode}:\n{tail}")
    db = connect(settings.database_path)
    items = db.execute("SELECT count(*) FROM items").fetchone()[0]
    analysed = db.execute("SELECT count(*) FROM analyses").fetchone()[0]
    db.close()
    return {"daemon_seconds": round(stop_started - started, 1),
            "daemon_publish_to_alert_s": round(delivered - published, 1) if delivered is not None else -1.0,
            "daemon_items": float(items), "daemon_analysed": float(analysed),
            "daemon_peak_rss_mb": round(peak, 1), "daemon_main_peak_rss_mb": round(peak_main, 1),
            "daemon_stop_s": round(stop_s, 1), "alerts_lines": float(len(alert_lines(Path(settings.alerts.sinks[0].path))))}


def main(scale: int = SCALE, daemon_s: int = DAEMON_S) -> dict[str, float]:
    """All three measurements; returns the figures."""
    from tocsin.analyse import Analyser
    from tocsin.crawler.demo_world import serve_demo_world
    from tocsin.store import connect

    figures: dict[str, float] = {"scale": float(scale), "load_avg_before": round(os.getloadavg()[0], 2)}
    with tempfile.TemporaryDirectory(prefix="tocsin-bench-pipeline-") as tmp, serve_demo_world(scale=scale) as base:
        workdir = Path(tmp)
        settings = bench_settings(base, workdir, scale)
        db = connect(settings.database_path)
        analyser = Analyser(settings)
        figures.update(throughput(settings, db, analyser))
        figures.update(latency(settings, db, analyser, base.world))
        db.close()
        if daemon_s > 0:
            figures.update(run_daemon(bench_settings(base, workdir, scale), workdir, base.world, daemon_s))
    for key, value in figures.items():
        print(f"{key:28s} {value:,.1f}")
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
