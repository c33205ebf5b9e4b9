"""``tocsin crawl``: crawl sources now (or re-check flagged items), with a live progress display."""

from __future__ import annotations

import threading
from typing import Any

import click
from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.table import Table

from tocsin.cli.app import App, check_source_names, main, pass_app, stopped_cleanly, table_console
from tocsin.terminal import terminal_safe

STATUS_STYLE = {"ok": "green", "partial": "yellow", "failed": "bold red", "running": "cyan"}


class ProgressBoard:
    """Live per-source counters fed by the crawl process's progress lines (from another thread)."""

    def __init__(self, names: list[str], title: str):
        self.title = title
        self.rows: dict[str, dict[str, Any]] = {n: {"pages": 0, "items": 0, "new_items": 0, "errors": 0} for n in names}
        self.lock = threading.Lock()

    def update(self, line: dict[str, Any]) -> None:
        with self.lock:
            self.rows.setdefault(line["source"], {}).update({k: line.get(k, 0) for k in ("pages", "items", "new_items", "errors")})

    def __rich__(self) -> Table:
        table = Table("source", "pages", "items", "new", "errors", title=self.title)
        with self.lock:
            for name, row in self.rows.items():
                table.add_row(escape(name), str(row.get("pages", 0)), str(row.get("items", 0)), str(row.get("new_items", 0)),
                              f"[red]{row.get('errors', 0)}[/red]" if row.get("errors") else "0")
        return table


def summary_table(results: list[Any], title: str) -> Table:
    table = Table("source", "status", "pages", "items", "new", "errors", "note", title=title)
    for r in results:
        style = STATUS_STYLE.get(r.status, "")
        table.add_row(escape(r.source), f"[{style}]{r.status}[/{style}]" if style else r.status, str(r.pages), str(r.items),
                      str(r.new_items), str(r.errors), escape((r.message or "")[:80]))
    return table


@main.command()
@click.option("--source", "-s", "names", multiple=True, metavar="NAME",
              help="Crawl only this source (repeat for several); default: every enabled source.")
@click.option("--recheck", is_flag=True, help="Re-visit flagged items due for a re-check (records edits and deletions) instead of crawling.")
@click.option("--timeout", "timeout_s", type=click.IntRange(1, 7 * 24 * 3600), default=None,
              help="Stop each source after this many seconds, at most a week (default: crawl.crawl_timeout_s).")
@click.option("--no-progress", is_flag=True, help="No live display; print the summary only (for cron and logs).")
@pass_app
def crawl(app: App, names: tuple[str, ...], recheck: bool, timeout_s: int | None, no_progress: bool) -> None:
    """Crawl sources now and store what is new; one line per source, errors named.

    Exits 1 when a source failed (nothing stored, errors recorded); details stay in the store
    (`tocsin status` shows the last outcome of every source).
    """
    from tocsin.crawler import crawl_sources
    from tocsin.crawler.runner import recheck_runs, select_sources

    settings = app.settings
    app.open_db()  # a clear error when the database does not exist yet
    console = table_console()
    live_ok = not no_progress and console.is_terminal
    if recheck:
        if settings.crawl.recheck_flagged_hours <= 0:
            raise click.ClickException("re-checks are off (crawl.recheck_flagged_hours = 0); set it to e.g. 24")
        results = recheck_runs(settings)
        console.print(f"re-checked {sum(r.items for r in results)} flagged item(s)")
        if results:
            console.print(summary_table(results, "re-check"))
        print_errors(console, results)
        return
    check_source_names(settings, names)
    sources = select_sources(settings, list(names))
    if not sources:
        raise click.ClickException("no enabled source to crawl; enable one in the config ([[sources]] enabled = true)")
    board = ProgressBoard([s.name for s in sources], "crawling")
    with stopped_cleanly():   # SIGTERM or a dropped session stops the crawl process too, its runs closed
        if live_ok:
            with Live(board, console=console, refresh_per_second=4, transient=True):
                results = crawl_sources(settings, [s.name for s in sources], timeout_s=timeout_s, on_progress=board.update)
        else:
            results = crawl_sources(settings, [s.name for s in sources], timeout_s=timeout_s)
    console.print(summary_table(results, "crawl"))
    print_errors(console, results)
    if any(r.status == "failed" for r in results):
        raise SystemExit(1)


def print_errors(console: Console, results: list[Any]) -> None:
    """The first errors of each source, one line each, with the page each was on."""
    for r in results:
        for err in r.first_errors[:3]:
            console.print(error_line(r.source, err), highlight=False)


def error_line(source: str, err: dict[str, Any]) -> str:
    """One crawl error as a console line (markup escaped): source, kind, message and the page it was on."""
    page = err.get("url") or ""
    where = f" [dim]({escape(page[:150])})[/dim]" if page and page not in err["message"] else ""
    return terminal_safe(f"  [red]{escape(source)}[/red] {escape(err['kind'])}: {escape(err['message'][:200])}{where}")
