"""Crash safety: ``tocsin run`` killed with SIGKILL at random points of crawl, analyse and alert, then restarted.

Afterwards the database passes ``PRAGMA integrity_check``, every item stored before any kill is still
there, every item version is analysed exactly once per model version, every alert that the stored
analyses call for exists and reaches the JSONL sink, and no killed crawl's job folder (which names the
sources and flagged items) is left in the temporary folder.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tocsin.config_toml import dump_settings
from tocsin.store import connect

KILLS = 20
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]


def tocsin_command(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-c", "from tocsin.cli import main; main()", "--config", str(config), *args]


def private_temp(config: Path) -> dict[str, str]:
    """The environment with a temporary folder of the test's own, beside the config."""
    temp = config.parent / "tmp"
    temp.mkdir(exist_ok=True)
    return {**os.environ, "TMPDIR": str(temp)}


def run_and_kill(config: Path, delay: float) -> bool:
    """Start one cycle in its own process group and SIGKILL the whole group after ``delay``; True if killed."""
    proc = subprocess.Popen(tocsin_command(config, "run"), start_new_session=True, env=private_temp(config),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        proc.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return True


def stored_item_ids(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {row[0] for row in conn.execute("SELECT id FROM items")}


@pytest.fixture(scope="module")
def world_config(tmp_path_factory):
    from tocsin.crawler.demo_world import serve_demo_world
    from tocsin.demo import demo_settings

    workdir = tmp_path_factory.mktemp("crash")
    with serve_demo_world(port=0) as base_url:
        settings = demo_settings(base_url, workdir, workdir / "tocsin.db")
        settings.alerts.sinks = [s for s in settings.alerts.sinks if s.kind == "file"]
        settings.alerts.backoff_s = 0.0
        for rule in settings.alerts.rules:
            rule.sinks = []
        config = workdir / "tocsin.toml"
        config.write_text(dump_settings(settings), encoding="utf-8")
        connect(settings.database_path).close()   # made once, as 'tocsin init' does: 'tocsin run' never makes one
        yield config, workdir


def test_sigkill_at_random_points_loses_nothing(world_config):
    config, workdir = world_config
    database = workdir / "tocsin.db"
    rng = random.Random(2010)
    seen_before_kills: set[str] = set()
    kills = 0
    attempts = 0
    while kills < KILLS and attempts < KILLS * 3:
        attempts += 1
        killed = run_and_kill(config, rng.uniform(0.3, 12.0))
        kills += killed
        if database.exists():
            now = stored_item_ids(database)
            assert seen_before_kills <= now, "items stored before a kill are gone"
            seen_before_kills |= now
    assert kills >= KILLS

    final = subprocess.run(tocsin_command(config, "run"), capture_output=True, text=True, timeout=600,
                           env=private_temp(config))
    assert final.returncode == 0, final.stderr[-2000:]
    assert not list((workdir / "tmp").glob("tocsin-crawl-*")), "a killed crawl's job folder was left behind"
    final = subprocess.run(tocsin_command(config, "run", "--no-crawl"), capture_output=True, text=True, timeout=600)
    assert final.returncode == 0, final.stderr[-2000:]

    conn = sqlite3.connect(database)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    items = {row[0]: row[1] for row in conn.execute("SELECT id, content_hash FROM items")}
    assert seen_before_kills <= set(items)
    assert len(items) > 20

    # every item version analysed exactly once per model version
    counts = conn.execute(
        """SELECT i.id, a.model_name, a.model_version, count(a.id) FROM items i
           LEFT JOIN analyses a ON a.item_id = i.id AND a.content_hash = i.content_hash
           GROUP BY i.id, a.model_name, a.model_version"""
    ).fetchall()
    assert all(n == 1 for _, _, _, n in counts), [c for c in counts if c[3] != 1][:5]
    assert len({(m, v) for _, m, v, _ in counts}) == 1

    # no alert lost: each flagged analysis with a target is in an item alert, and each alert was delivered
    flagged = {row[0] for row in conn.execute("SELECT item_id FROM analyses WHERE incitement = 1 AND targets != '[]'")}
    alerted: set[str] = set()
    for (ids,) in conn.execute("SELECT item_ids FROM alerts WHERE kind = 'item'"):
        alerted |= set(json.loads(ids))
    assert flagged and flagged <= alerted
    undelivered = conn.execute("SELECT count(*) FROM deliveries WHERE status != 'sent'").fetchone()[0]
    assert undelivered == 0
    keys = {row[0] for row in conn.execute("SELECT idempotency_key FROM deliveries")}
    lines = [json.loads(line) for line in (workdir / "alerts.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    delivered_keys = {line.get("id") for line in lines}
    assert keys <= delivered_keys
