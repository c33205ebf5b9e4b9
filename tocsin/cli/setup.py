"""``tocsin init`` and ``tocsin status``."""

from __future__ import annotations

import shlex
import tomllib
from importlib import resources
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from tocsin.cli.app import App, main, pass_app, table_console
from tocsin.config import Settings, load_settings


def starter_config_text() -> str:
    """The commented starter config shipped with tocsin."""
    return resources.files("tocsin").joinpath("starter.toml").read_text(encoding="utf-8")


@main.command()
@click.argument("directory", type=click.Path(file_okay=False), default=".")
@click.option("--force", is_flag=True, help="Replace an existing tocsin.toml with the starter (the old one is kept beside "
                                             "it as tocsin.toml.bak-TIME).")
@pass_app
def init(app: App, directory: str, force: bool) -> None:
    """Write a commented starter config and an empty database into DIRECTORY.

    A folder that already has a tocsin.toml keeps it: init then only makes the database that config names,
    when it is missing (a store lost and started afresh). The global --db (or TOCSIN_DB) makes the database
    there instead, as every other command then reads it."""
    from tocsin.store import connect
    from tocsin.store.sources import sync_sources

    folder = Path(directory)
    config_path = folder / "tocsin.toml"
    keep_config = config_path.exists() and not force
    kept = load_settings(config_path, env={}) if keep_config else None
    database = init_database_path(app, kept, folder)
    existed = database.exists()
    if existed:
        connect(database, migrate=False).close()   # refuses a file that is not a tocsin store before anything is written
        if keep_config:
            raise click.ClickException(f"{folder} already holds {config_path.name} and its database {database}; nothing was "
                                       "written (--force replaces the config with the starter, keeping the old one beside it)")
    if not keep_config:
        write_starter_config(config_path)
    settings = kept or load_settings(config_path, env={})
    db = connect(database)
    if not existed:   # a store kept under --force keeps its sources until its monitor's config runs again
        sync_sources(db, settings.sources)
    config_done = f"kept {config_path}" if keep_config else f"wrote {config_path}"
    click.echo(f"{config_done}; {'kept' if existed else 'made'} the database {database}")
    click.echo(f"next: tocsin {f'--db {shlex.quote(str(database))} ' if app.db_path else ''}"
               f"--config {shlex.quote(str(config_path))} status")


def init_database_path(app: App, kept: Settings | None, folder: Path) -> Path:
    """The store ``tocsin init`` makes: the global --db when given, else the one the kept config (or the
    starter written into ``folder``) names."""
    if app.db_path:
        return Path(app.db_path).resolve()
    if kept:
        return kept.database_path
    return (folder / tomllib.loads(starter_config_text())["database"]["path"]).resolve()


def write_starter_config(config_path: Path) -> None:
    """The starter config at ``config_path``, private from the first byte; a config already there is kept
    beside it as ``tocsin.toml.bak-<time>``."""
    from datetime import datetime, timezone

    from tocsin.private_files import make_private_folders, open_private

    try:
        make_private_folders(config_path.parent)
        if config_path.exists():
            stamp = f"{config_path.name}.bak-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}"
            names = (config_path.with_name(stamp + (f"-{n}" if n else "")) for n in range(1000))
            backup = next(name for name in names if not name.exists())
            config_path.replace(backup)
            click.echo(f"kept the old config as {backup}")
        with open_private(config_path, "w", encoding="utf-8") as f:   # it will hold secrets
            f.write(starter_config_text())
    except OSError as e:
        raise click.ClickException(f"cannot write {config_path} ({e.strerror or e}); choose a folder you can write to") from None


def sources_table(settings, stored: list[dict]) -> Table:
    """The sources of the config (enabled or not, as the config says now) and those the store still has from
    an earlier config ("not in config"), with each one's items and last crawl."""
    configured = {src.name: src for src in settings.sources}
    table = Table("source", "kind", "enabled", "items", "last crawl", "last success", "last run", "errors", title="sources")
    rows = {row["name"]: row for row in stored}
    for name in sorted(configured.keys() | rows.keys()):
        row, src = rows.get(name, {}), configured.get(name)
        enabled = "not in config" if src is None else "yes" if src.enabled else "no"
        table.add_row(name, src.kind if src else row["kind"], enabled, str(row.get("items") or 0), row.get("last_crawl_at") or "-",
                      row.get("last_success_at") or "-", row.get("last_status") or "-", str(row.get("last_errors") or 0))
    return table


@main.command()
@pass_app
def status(app: App) -> None:
    """Counts per table, per source and per language; delivery failures. Names the classifier and checks its
    folder and the extra lexicons too."""
    from tocsin.alerts import status_lines as alert_status_lines
    from tocsin.alerts.status import nowhere_to_send, unsigned_webhooks
    from tocsin.cli.crawl import error_line
    from tocsin.daemon import lock_holder, lock_path_for
    from tocsin.distributed import status_lines as distributed_status_lines
    from tocsin.models.folder import identify
    from tocsin.private_files import readable_by_others
    from tocsin.store.status import language_counts, last_run_errors, source_summary, table_counts, unanalysed_count

    if app.settings.nlp.extra_lexicons:   # a bad entry is a clear error here, not at the daemon's first analysis
        from tocsin.nlp.lexicon import load_lexicons

        load_lexicons(app.settings.nlp.extra_lexicons)
    model = identify(app.settings.model.path)   # a broken model.path is a clear error here, not in the daemon
    db = app.open_db()
    console = table_console()
    console.print(f"[bold]database[/bold] {app.database_path}")
    console.print(f"[bold]model[/bold] {model.name} {model.version} ({model.source})", markup=True, highlight=False)
    counts = Table("table", "rows", title="tables")
    for name, n in table_counts(db).items():
        counts.add_row(name, str(n))
    console.print(counts)
    console.print(f"items waiting for analysis: {unanalysed_count(db)}")
    exposed = readable_by_others(app.database_path)
    warnings = [nowhere_to_send(app.settings), unsigned_webhooks(app.settings), exposed and (
        f"the store can be read by {exposed} of this machine, and it holds the key that pseudonymises authors: "
        f"chmod 600 {app.database_path}")]
    for warning in filter(None, warnings):
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}", highlight=False, soft_wrap=True)
    daemon_pid = lock_holder(lock_path_for(app.settings))
    for line in [*alert_status_lines(db, daemon_pid), *distributed_status_lines(app.settings)]:
        console.print(line, markup=False, highlight=False)
    console.print(sources_table(app.settings, source_summary(db)))
    for err in last_run_errors(db):   # why each source's last crawl failed, not only how often
        console.print(error_line(err["source"], err), highlight=False)
    langs = Table("language", "items", title="languages")
    for lang, n in language_counts(db).items():
        langs.add_row(lang, str(n))
    console.print(langs)
