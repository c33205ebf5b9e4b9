"""``tocsin worker …``: distributed mode's processes (crawl, analyse, store) and their status."""

from __future__ import annotations

import logging
from typing import Any, Callable

import click

from tocsin.cli.app import LIMIT, App, FiniteFloatRange, check_source_names, main, pass_app

logger = logging.getLogger(__name__)

#: How long ``worker crawl --once`` and ``worker … --until-idle`` wait out failures in a row by default.
GIVE_UP_AFTER_S = 600.0


@main.group()
def worker() -> None:
    """Distributed mode (distributed.redis_url): crawler and analysis workers on several machines.

    Crawlers push items to a Redis stream; analysis workers store and analyse them in the SQLite store
    on the machine that holds it. See docs/scale-out.md.
    """


def require_distributed(app: App) -> None:
    from tocsin.distributed import is_distributed

    if not is_distributed(app.settings):
        raise click.ClickException("distributed mode is off: set distributed.redis_url in the config "
                                   "(or TOCSIN_DISTRIBUTED_REDIS_URL=redis://host:6379/0)")


def worker_options(f: Any) -> Any:
    """Options shared by ``worker analyse`` and ``worker store``."""
    f = click.option("--name", default="", help="Consumer name; keep it stable across restarts (e.g. host-1) so a "
                     "restarted worker resumes its own pending batch at once. Default: role@host/pid.")(f)
    f = click.option("--batch-size", type=click.IntRange(1, 10_000), help="Entries per batch (default: distributed.batch_size).")(f)
    f = click.option("--until-idle", "until_idle", type=FiniteFloatRange(0, 7 * 86_400), default=None,
                     help="Exit once the stream has been empty for this many seconds (default: run until stopped).")(f)
    f = click.option("--max-batches", type=click.IntRange(1), default=None, help="Exit after this many batches.")(f)
    f = give_up_option("--until-idle", "Redis or the store")(f)
    return f


def give_up_option(ending_flag: str, failing: str = "Redis") -> Callable[[Any], Any]:
    """``--give-up-after``: how long a run meant to end (``ending_flag``) waits out failures in a row."""
    return click.option("--give-up-after", "give_up_after", type=FiniteFloatRange(0, 7 * 86_400), default=GIVE_UP_AFTER_S,
                        show_default=True, help=f"With {ending_flag}: stop with an error naming the problem once {failing} "
                        "has failed for this many seconds in a row, so that a scheduled run does not wait forever.")


def run_worker(app: App, *, mode: str, make_analyser: Callable[[], Any] | None, name: str, batch_size: int | None,
               until_idle: float | None, max_batches: int | None, give_up_after: float | None = None) -> None:
    """Start a stream worker: open the store (if it needs one), wait for Redis, only then make the analyser
    (a model takes seconds to load: no restart loop reloads it while Redis is down), and run until stopped."""
    from tocsin.alerts import raise_item_alerts
    from tocsin.distributed import DistributedError
    from tocsin.distributed.connection import wait_for_redis
    from tocsin.distributed.worker import StreamWorker
    from tocsin.store.sources import sync_sources

    settings = app.settings
    db = None
    if mode != "publish":
        db = app.open_db()  # a missing store is an error, as for 'tocsin run': a typo must not start a new one
        sync_sources(db, settings.sources)
    redis = wait_for_redis(settings, patience_s=give_up_after if until_idle is not None else None)
    analyser = make_analyser() if make_analyser else None

    def on_batch_saved(batch_db: Any, rows: list[dict[str, Any]]) -> None:
        raise_item_alerts(batch_db, settings, rows)

    try:
        stream_worker = StreamWorker(settings, db, redis=redis, analyser=analyser, mode=mode, name=name,
                                     batch_size=batch_size,
                                     on_batch_saved=on_batch_saved if mode in ("analyse", "write") else None)
    except DistributedError as e:
        raise click.ClickException(str(e)) from e
    stream_worker.install_signal_handlers()
    target = f"{stream_worker.keys.stream}:analysed" if mode == "publish" else app.database_path
    click.echo(f"{stream_worker.name}: reading {stream_worker.keys.stream} into {target} (SIGTERM stops after the batch)", err=True)
    totals = stream_worker.run(until_idle_s=until_idle, max_batches=max_batches, give_up_after_s=give_up_after)
    click.echo(f"{stream_worker.name}: {totals.batches} batches, {totals.stored} items stored ({totals.new} new), "
               f"{totals.analysed} analysed, {totals.flagged} flagged, {totals.failed} failed, "
               f"{totals.claimed} claimed from other workers, {totals.dead} dead letters, {totals.errors} errors"
               + (f", {totals.erased} erased items not stored again" if totals.erased else ""))


@worker.command("analyse")
@worker_options
@click.option("--publish", is_flag=True, help="Do not write the store: push analysed items to '<stream>:analysed' "
              "for 'tocsin worker store' (for machines without the database).")
@click.option("--analyser", "analyser_spec", default="", metavar="MODULE:FACTORY",
              help="Another batch analyser: FACTORY(settings) returns it (default: tocsin's own model and rules).")
@pass_app
def worker_analyse(app: App, name: str, batch_size: int | None, until_idle: float | None, max_batches: int | None,
                   give_up_after: float, publish: bool, analyser_spec: str) -> None:
    """Analyse crawled items from the stream: beside the database, store them with their analyses and item
    alerts (M of these); with --publish, on any machine, for one 'tocsin worker store' to write."""
    from tocsin.distributed import DistributedError
    from tocsin.distributed.analysis import analyser_factory

    require_distributed(app)
    try:
        factory = analyser_factory(analyser_spec)
    except DistributedError as e:
        raise click.ClickException(str(e)) from e
    run_worker(app, mode="publish" if publish else "analyse", make_analyser=lambda: factory(app.settings), name=name,
               batch_size=batch_size, until_idle=until_idle, max_batches=max_batches, give_up_after=give_up_after)


@worker.command("store")
@worker_options
@click.option("--unanalysed", is_flag=True, help="Read the crawled items themselves and store them unanalysed "
              "('tocsin analyse' or the daemon analyses them), instead of what 'worker analyse --publish' analysed.")
@pass_app
def worker_store(app: App, name: str, batch_size: int | None, until_idle: float | None, max_batches: int | None,
                 give_up_after: float, unanalysed: bool) -> None:
    """The single writer: store what publishing workers analysed (items, analyses, item alerts)."""
    require_distributed(app)
    run_worker(app, mode="store" if unanalysed else "write", make_analyser=None, name=name, batch_size=batch_size,
               until_idle=until_idle, max_batches=max_batches, give_up_after=give_up_after)


@worker.command("crawl")
@click.option("--source", "sources", multiple=True, help="Crawl only this source (repeatable; default: all enabled).")
@click.option("--once", is_flag=True, help="Crawl the sources due now (those no other crawler holds), then exit.")
@click.option("--parallel", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Most sources this process crawls at the same time (in one Scrapy process).")
@give_up_option("--once")
@pass_app
def worker_crawl(app: App, sources: tuple[str, ...], once: bool, parallel: int, give_up_after: float) -> None:
    """Crawl sources as they fall due, sharing them with the crawlers on other machines.

    Each source is crawled by one crawler at a time, once per its interval_minutes fleet-wide; items go
    to the Redis stream. SIGTERM to this process alone stops it after the running crawl; sent to the whole
    process group (systemd's KillMode=control-group) it stops the crawl too, whose run is closed as interrupted.
    """
    from tocsin.distributed.fleet import run_crawler

    require_distributed(app)
    names = list(sources) or None
    check_source_names(app.settings, names or [])
    totals = run_crawler(app.settings, names, once=once, parallel=parallel, report=click.echo, give_up_after_s=give_up_after)
    click.echo(f"{totals['crawls']} crawls, {totals['pushed']} items pushed")


@worker.command("status")
@pass_app
def worker_status(app: App) -> None:
    """The stream, pending entries, request queues and the workers seen recently; exits 1 when Redis cannot be
    read or a warning is shown (an entry has waited or been pending longer than claim_idle_s), so a monitoring
    check notices."""
    from tocsin.distributed.status import read_status

    require_distributed(app)
    lines, healthy = read_status(app.settings)
    for line in lines:
        click.echo(line)
    if not healthy:
        raise SystemExit(1)


@worker.command("dead")
@click.option("--requeue", is_flag=True, help="Push every dead letter back onto the stream (after fixing the cause).")
@click.option("--limit", type=LIMIT, default=50, show_default=True, help="Most dead letters listed.")
@pass_app
def worker_dead(app: App, requeue: bool, limit: int) -> None:
    """List the dead letters (entries no worker could take, with their age and reason), or put them back.

    The retention job deletes those older than retention.retention_days."""
    from tocsin.distributed import connect_redis
    from tocsin.distributed.deadletters import list_dead, requeue_dead

    require_distributed(app)
    redis = connect_redis(app.settings)
    if requeue:
        n = requeue_dead(redis, app.settings)
        click.echo(f"{n} dead letters pushed back onto their streams")
        return
    rows = list_dead(redis, app.settings, limit)
    if not rows:
        click.echo("no dead letters")
    for row in rows:
        click.echo(f"{row['stream']}  {row['id']}  {row['age']} old  {row['type']}  {row['url']}  — {row['reason']}")
