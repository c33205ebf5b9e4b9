"""``tocsin init`` and ``tocsin status``."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tocsin.cli.app import App, main, pass_app
from tocsin.config import load_settings


def starter_config_text() -> str:
    """The commented starter config shipped with tocsin."""
    return resources.files("tocsin").joinpath("starter.toml").read_text(encoding="utf-8")


@main.command()
@click.argument("directory", type=click.Path(file_okay=False), default=".")
@click.option("--force", is_flag=True, help="Overwrite an existing tocsin.toml.")
def init(directory: str, force: bool) -> None:
    """Write a commented starter config and an empty database into DIRECTORY."""
    from tocsin.private_files import open_private
    from tocsin.store import connect
    from tocsin.store.sources import sync_sources

    folder = Path(directory)
    config_path = folder / "tocsin.toml"
    if config_path.exists() and not force:
        raise click.ClickException(f"{config_path} exists; use --force to overwrite it")
    starter = starter_config_text()
    database = folder / tomllib.loads(starter)["database"]["path"]
    if database.exists():
        connect(database, migrate=False).close()   # refuses a file that is not a tocsin store before anything is written
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open_private(config_path, "w", encoding="utf-8") as f:   # it will hold secrets
            f.write(starter)
    except OSError as e:
        raise click.ClickException(f"cannot write {config_path} ({e.strerror or e}); choose a folder you can write to") from None
    settings = load_settings(config_path, env={})
    db = connect(settings.database_path)
    sync_sources(db, settings.sources)
    click.echo(f"wrote {config_path} and {settings.database_path}")
    click.echo(f"next: tocsin --config {config_path} status")


@main.command()
@pass_app
def status(app: App) -> None:
    """Counts per table, per source and per language; delivery failures. Names the classifier and checks its
    folder and the extra lexicons too."""
    from tocsin.alerts import status_lines as alert_status_lines
    from tocsin.alerts.status import nowhere_to_send
    from tocsin.cli.crawl import error_line
    from tocsin.distributed import status_lines as distributed_status_lines
    from tocsin.models.folder import identify
    from tocsin.store.status import language_counts, last_run_errors, source_summary, table_counts, unanalysed_count

    if app.settings.nlp.extra_lexicons:   # a bad entry is a clear error here, not at the daemon's first analysis
        from tocsin.nlp.lexicon import load_lexicons

        load_lexicons(app.settings.nlp.extra_lexicons)
    model = identify(app.settings.model.path)   # a broken model.path is a clear error here, not in the daemon
    db = app.open_db()
    console = Console()
    console.print(f"[bold]database[/bold] {app.database_path}")
    console.print(f"[bold]model[/bold] {model.name} {model.version} ({model.source})", markup=True, highlight=False)
    counts = Table("table", "rows", title="tables")
    for name, n in table_counts(db).items():
        counts.add_row(name, str(n))
    console.print(counts)
    console.print(f"items waiting for analysis: {unanalysed_count(db)}")
    warning = nowhere_to_send(app.settings)
    if warning:
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}", highlight=False, soft_wrap=True)
    for line in [*alert_status_lines(db), *distributed_status_lines(app.settings)]:
        console.print(line, markup=False, highlight=False)
    sources = Table("source", "kind", "enabled", "items", "last crawl", "last success", "last run", "errors", title="sources")
    for row in source_summary(db):
        sources.add_row(row["name"], row["kind"], "yes" if row["enabled"] else "no", str(row["items"]),
                        row["last_crawl_at"] or "-", row["last_success_at"] or "-", row["last_status"] or "-",
                        str(row["last_errors"] or 0))
    console.print(sources)
    for err in last_run_errors(db):   # why each source's last crawl failed, not only how often
        console.print(error_line(err["source"], err), highlight=False)
    langs = Table("language", "items", title="languages")
    for lang, n in language_counts(db).items():
        langs.add_row(lang, str(n))
    console.print(langs)
