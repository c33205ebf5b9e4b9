"""``tocsin run`` (one cycle) and ``tocsin daemon`` (the scheduled loop)."""

from __future__ import annotations

import click

from tocsin.cli.app import App, check_source_names, main, pass_app, stopped_cleanly
from tocsin.terminal import terminal_safe


@main.command()
@click.option("--source", "-s", "sources", multiple=True, help="Crawl only this source (repeatable); default: all enabled.")
@click.option("--no-crawl", is_flag=True, help="Skip the crawl: analyse, alert and deliver what is stored.")
@pass_app
def run(app: App, sources: tuple[str, ...], no_crawl: bool) -> None:
    """One cycle: crawl → analyse → alert → deliver, then exit.

    Exits 1 when a source failed (the rest of the cycle still ran), as `tocsin crawl` does, or when alert
    messages could not be delivered (dead-lettered, or waiting for a retry while none got through), so that
    cron and monitoring notice; `tocsin status` names the errors.
    """
    from tocsin.alerts.delivery import undelivered
    from tocsin.alerts.status import nowhere_to_send
    from tocsin.daemon import DaemonAlreadyRunning, InstanceLock, lock_path_for
    from tocsin.pipeline import run_cycle

    settings = app.settings
    check_source_names(settings, sources)
    db = app.open_db()   # a missing store is refused, not made afresh (a cron job in the wrong folder)
    try:
        with stopped_cleanly(), InstanceLock(lock_path_for(settings)):   # SIGTERM stops the crawl too, then the lock goes
            summary = run_cycle(settings, db, names=list(sources) or None, crawl=not no_crawl)
    except DaemonAlreadyRunning as e:
        raise click.ClickException(str(e)) from None
    except Exception as e:
        from tocsin.models.folder import ModelLoadError

        if isinstance(e, ModelLoadError):  # says what to fix; no traceback needed
            raise click.ClickException(str(e)) from None
        raise
    for line in summary.lines():
        click.echo(terminal_safe(line))
    warning = nowhere_to_send(settings)
    if warning:
        click.echo(f"warning: {warning}", err=True)
    not_delivered = undelivered(summary)
    if not_delivered:
        click.echo(f"alert messages not delivered ({summary.dead} dead, {summary.retrying} to retry): "
                   "tocsin alert list --dead, tocsin alert test", err=True)
    if summary.failed_sources:
        click.echo(f"{len(summary.failed_sources)} source(s) failed; their errors: tocsin status, or tocsin crawl -s NAME", err=True)
    if summary.failed_sources or not_delivered:
        raise SystemExit(1)


@main.command()
@pass_app
def daemon(app: App) -> None:
    """Run the scheduled loop until SIGTERM, SIGINT or SIGHUP: crawl each source at its interval, analyse,
    evaluate rules, deliver alerts, re-check flagged items, apply retention. One per database.

    The config is read once, at start: restart the daemon to apply a change (it logs when the file changes,
    and whether it would start with it)."""
    import logging

    from tocsin.daemon import DaemonAlreadyRunning, run_daemon

    root = logging.getLogger()
    if root.level > logging.INFO:
        root.setLevel(logging.INFO)  # the daemon's one line per step is its output
    app.open_db()   # a store comes from tocsin init: a deleted one is not made again empty by a restart
    try:
        code = run_daemon(app.settings)
    except DaemonAlreadyRunning as e:
        raise click.ClickException(str(e)) from None
    raise SystemExit(code)
