"""``tocsin crawl`` through the CLI runner, against the demo world."""

from __future__ import annotations

from tocsin.cli import main
from tocsin.crawler.demo_world import serve_demo_world
from tocsin.store import connect, get_item
from tocsin.store.analyses import AnalysisRecord, save_analysis
from tocsin.urls import item_id_for

CONFIG = """
[database]
path = "tocsin.db"

[crawl]
download_delay_s = 0
autothrottle = false
retry_backoff_s = 0
timeout_s = 5

[[sources]]
name = "demo-forum"
kind = "listing"
urls = ["{base}/forum/"]
allow_private_networks = true
selectors = {{ item = "div.post", text = "div.post-body", author = "span.author", date = "time::attr(datetime)", link = "a.permalink::attr(href)", next_page = "a.next::attr(href)" }}

[[sources]]
name = "no-private"
kind = "feed"
urls = ["{base}/osh-times/rss.xml"]

[[sources]]
name = "switched-off"
kind = "feed"
urls = ["{base}/vodiy/atom.xml"]
enabled = false
"""


def write_config(tmp_path, base: str):
    path = tmp_path / "tocsin.toml"
    path.write_text(CONFIG.format(base=base), encoding="utf-8")
    connect(tmp_path / "tocsin.db").close()
    return str(path)


def test_crawl_prints_each_source_and_fails_when_one_failed(tmp_path, runner):
    with serve_demo_world() as base:
        config = write_config(tmp_path, base)
        result = runner.invoke(main, ["--config", config, "crawl", "--no-progress"])
        assert result.exit_code == 1, result.output
        assert "demo-forum" in result.output and "no-private" in result.output and "switched-off" not in result.output
        assert "blocked_address" in result.output
        db = connect(tmp_path / "tocsin.db")
        assert db.execute("SELECT count(*) FROM items WHERE source = 'demo-forum'").fetchone()[0] == 12

        item = get_item(db, item_id_for(f"{base}/forum/viewtopic.php?p=9011"))
        save_analysis(db, AnalysisRecord(item_id=item["id"], content_hash=item["content_hash"], model_name="t", model_version="1",
                                         patterns_version="1", threshold=0.5, score=0.9, incitement=True))
        db.execute("UPDATE items SET last_seen = '2020-01-01T00:00:00+00:00' WHERE id = ?", [item["id"]])
        base.world.state.remove("/forum/viewtopic.php?p=9011")
        result = runner.invoke(main, ["--config", config, "crawl", "--recheck"])
    assert result.exit_code == 0, result.output
    assert "re-checked 1 flagged item(s)" in result.output and "demo-forum" in result.output
    assert get_item(db, item["id"])["removed_at"]


def test_crawl_names_unknown_sources_and_rechecks_nothing_when_nothing_is_flagged(tmp_path, runner):
    config = write_config(tmp_path, "http://127.0.0.1:9")
    result = runner.invoke(main, ["--config", config, "crawl", "--source", "nope"])
    assert result.exit_code == 2 and "no source named 'nope' in the config" in result.output
    assert "'--source'" in result.output and "bad config" not in result.output, "a typo on the command line, not in the file"
    typo = runner.invoke(main, ["--config", config, "run", "-s", "switched-of"])
    assert typo.exit_code == 2 and "did you mean 'switched-off'?" in typo.output
    # a disabled source named on purpose is crawled: an operator tries a feed before enabling it
    result = runner.invoke(main, ["--config", config, "crawl", "--source", "switched-off", "--no-progress"])
    assert "switched-off" in result.output and "no enabled source" not in result.output
    db = connect(tmp_path / "tocsin.db")
    assert [r[0] for r in db.execute("SELECT source FROM crawl_runs")] == ["switched-off"]
    result = runner.invoke(main, ["--config", config, "crawl", "--recheck"])
    assert result.exit_code == 0 and "re-checked 0" in result.output


def test_progress_board_shows_the_latest_counters():
    from rich.console import Console

    from tocsin.cli.crawl import ProgressBoard

    board = ProgressBoard(["a", "b"], "crawling")
    board.update({"source": "a", "pages": 3, "items": 7, "new_items": 2, "errors": 1})
    console = Console(width=100, record=True)
    console.print(board)
    text = console.export_text()
    assert "a " in text and " 7 " in text and " 3 " in text and "b " in text


def test_a_crawl_told_to_stop_stops_its_crawl_process_and_closes_its_runs(tmp_path):
    """SIGTERM (systemd, a dropped SSH session) to ``tocsin crawl``: the crawl process goes with it."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    silent = socket.socket()   # a server that accepts and never answers: the crawl waits on it
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    config = tmp_path / "tocsin.toml"
    config.write_text('[database]\npath = "tocsin.db"\n\n[crawl]\ntimeout_s = 120\n\n[[sources]]\nname = "slow"\nkind = "feed"\n'
                      f'urls = ["http://127.0.0.1:{silent.getsockname()[1]}/rss"]\nallow_private_networks = true\n',
                      encoding="utf-8")
    connect(tmp_path / "tocsin.db").close()
    tocsin = Path(sys.executable).with_name("tocsin")
    parent = subprocess.Popen([str(tocsin), "--config", str(config), "crawl", "--no-progress"], cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        children: list[int] = []
        while time.monotonic() < deadline and not children:
            silent.settimeout(0.5)
            try:
                silent.accept()   # the crawl process is connected: it runs
            except TimeoutError:
                continue
            children = [int(p) for p in Path(f"/proc/{parent.pid}/task/{parent.pid}/children").read_text().split()]
        assert children, "the crawl process never started"
        parent.send_signal(signal.SIGTERM)
        parent.wait(timeout=60)
        assert not Path(f"/proc/{children[0]}").exists() or "zombie" in Path(f"/proc/{children[0]}/status").read_text()
        db = connect(tmp_path / "tocsin.db")
        ((status, message),) = db.execute("SELECT status, message FROM crawl_runs").fetchall()
        assert status == "failed" and message.startswith("interrupted: the crawl was told to stop")
        assert not list(Path(os.environ.get("TMPDIR", "/tmp")).glob(f"tocsin-crawl-*/*{parent.pid}*"))
    finally:
        if parent.poll() is None:
            parent.kill()
        silent.close()
