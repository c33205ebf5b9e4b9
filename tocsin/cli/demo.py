"""``tocsin demo``: the whole pipeline on the bundled demo world."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from tocsin.cli.app import PORT, App, main, pass_app


@main.command()
@click.option("--serve", is_flag=True, help="Keep the review page running after the demo (Ctrl-C stops it).")
@click.option("--port", type=PORT, default=8765, show_default=True, help="Port of the review page.")
@click.option("--world-only", is_flag=True, help="Only serve the demo world (for the starter config's demo sources).")
@click.option("--world-port", type=click.IntRange(0, 65535), default=0, help="Port of the demo world (default: a free one; the starter config uses 8790).")
@pass_app
def demo(app: App, serve: bool, port: int, world_only: bool, world_port: int) -> None:
    """Crawl, analyse and alert on the bundled demo world, then print what was found.

    The database is a temporary one unless the global --db PATH is given.
    """
    from tocsin.crawler.demo_world import serve_demo_world

    console = Console()
    with serve_demo_world(port=world_port) as base_url:
        if world_only:
            console.print(f"demo world at {base_url} — Ctrl-C stops it")
            wait_forever()
            return
        workdir = Path(app.db_path).resolve().parent if app.db_path else Path(tempfile.mkdtemp(prefix="tocsin-demo-"))
        database = Path(app.db_path).resolve() if app.db_path else workdir / "tocsin.db"
        report = run_and_report(console, base_url, workdir, database, port)
    if serve:
        serve_review(app, report, port, console)


def run_and_report(console: Console, base_url: str, workdir: Path, database: Path, port: int):
    """Run the demo cycle with a progress line per step and print the summary."""
    from tocsin.demo import NotADemoStore, demo_settings, run_demo
    from tocsin.store import connect

    settings = demo_settings(base_url, workdir, database, port)
    db = connect(database)
    started = time.monotonic()
    try:
        with console.status("crawling, analysing and alerting on the demo world …"):
            report = run_demo(settings, db)
    except NotADemoStore as e:
        raise click.ClickException(str(e)) from None
    print_summary(console, report, time.monotonic() - started)
    return report


def print_summary(console: Console, report, seconds: float) -> None:
    """Items per source and language; flagged per group, place, hallmark; alerts; review login."""
    items = Table("source", "language", "items", title="items collected")
    for source, lang, n in report.items:
        items.add_row(source, lang or "?", str(n))
    console.print(items)
    print_crawl_errors(console, report)
    for kind, counts in report.flagged.items():
        table = Table(kind, "flagged items", title=f"flagged items per {kind}")
        for name, n in sorted(counts.items(), key=lambda kv: -kv[1]):
            table.add_row(name, str(n))
        console.print(table)
    sent = report.deliveries.get("sent", 0)
    console.print(f"alerts delivered: {sent} (by status: {report.deliveries or 'none'}); JSONL copy: {report.alerts_file}")
    console.print(f"database: {report.database}")
    console.print(f"review page: {report.review_url}  login: {report.username} / {report.password}"
                  "  (run with --serve to keep it open)")
    console.print(f"done in {seconds:.0f} s")


def print_crawl_errors(console: Console, report) -> None:
    """The crawl's error count and, when there were errors, the first of each source's (a source that
    brought nothing says why)."""
    if report.cycle is not None:
        console.print(report.cycle.lines()[0], markup=False, highlight=False)
    if report.crawl_errors:
        from tocsin.cli.crawl import error_line

        for err in report.crawl_errors:
            console.print(error_line(err["source"], err), highlight=False)
        console.print(f"each source's last crawl: tocsin --db {report.database} status", markup=False)


def serve_review(app: App, report, port: int, console: Console) -> None:
    """Serve the review page over the demo database until Ctrl-C."""
    from tocsin.review.server import serve

    console.print(f"serving the review page at {report.review_url} — Ctrl-C stops it")
    serve(app.settings if app.config_path else None, report.database, host="127.0.0.1", port=port)


def wait_forever() -> None:
    """Block until Ctrl-C."""
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
