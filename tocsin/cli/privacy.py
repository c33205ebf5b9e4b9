"""``tocsin export``, ``tocsin forget`` and ``tocsin retention``: datasets out, content erased, old content purged."""

from __future__ import annotations

import errno
import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click

from tocsin.cli.app import App, FiniteFloatRange, main, pass_app, stopped_cleanly
from tocsin.nlp.features import HALLMARKS
from tocsin.private_files import make_private_folder, make_private_folders

#: As :data:`tocsin.export.writers.FORMATS` (not imported here: it loads pyarrow).
FORMAT_CHOICES = ("csv", "csv-excel", "jsonl", "parquet")
LABEL_CHOICES = ("incitement", "not_incitement", "escalate", "unsure", "disputed", "unlabelled")


def redaction_option(rule: str, what: str):
    """``--redact-<rule>/--keep-<rule>``, defaulting to ``settings.export.redact_<rule>``."""
    flag = rule.replace("_", "-")
    return click.option(f"--redact-{flag}/--keep-{flag}", f"redact_{rule}", default=None,
                        help=f"Redact {what} inside exported text, or keep them (default: export.redact_{rule}).")


@main.command()
@click.option("--format", "fmt", type=click.Choice(FORMAT_CHOICES), default="jsonl", show_default=True,
              help="File format of the dataset. csv keeps texts byte-exact for programs (pandas, R); csv-excel is the "
                   "CSV for spreadsheets: a UTF-8 byte-order mark, and a ' before each text that starts with =, +, -, @, "
                   "tab or CR, so Excel or LibreOffice never runs it as a formula.")
@click.option("--out", type=click.Path(), default=None,
              help="Data file or folder (DATASHEET.md is written beside it); default: a new folder under export.out_dir.")
@click.option("--since", help="Only items published (else first seen) on or after this date or time, e.g. 2026-06-01.")
@click.option("--until", help="Only items published (else first seen) before the end of this date, or before this time.")
@click.option("--language", "languages", multiple=True, help="Only this language (ru, ky, uz, uz-Latn, en, …); repeatable.")
@click.option("--source", "sources", multiple=True, help="Only this source; repeatable.")
@click.option("--group", "groups", multiple=True, help="Only items targeting this group (uzbek, kyrgyz, …); repeatable.")
@click.option("--hallmark", "hallmarks", multiple=True, type=click.Choice(HALLMARKS), help="Only items with this hallmark; repeatable.")
@click.option("--label", "labels", multiple=True, type=click.Choice(LABEL_CHOICES),
              help="Only items with this label (reviewers' majority, else the model's decision); repeatable.")
@click.option("--reviewed-only", is_flag=True, help="Only items at least one reviewer decided on.")
@click.option("--min-score", type=FiniteFloatRange(0.0, 1.0), default=None, help="Only items whose latest analysis scored at least this.")
@redaction_option("handles", "@handles")
@redaction_option("phones", "phone numbers")
@redaction_option("emails", "e-mail addresses")
@redaction_option("profile_links", "links to personal profiles")
@click.option("--link-key", default="", metavar="NAME",
              help="Use the stored key NAME (created on first use) so exports made with it share pseudonyms; default: a fresh key per export.")
@click.option("--force", is_flag=True, help="Overwrite an existing data file and DATASHEET.md.")
@pass_app
def export(app: App, fmt: str, out: str | None, since: str | None, until: str | None, languages: tuple[str, ...],
           sources: tuple[str, ...], groups: tuple[str, ...], hallmarks: tuple[str, ...], labels: tuple[str, ...],
           reviewed_only: bool, min_score: float | None, redact_handles: bool | None, redact_phones: bool | None,
           redact_emails: bool | None, redact_profile_links: bool | None, link_key: str, force: bool) -> None:
    """Export items as a research dataset with pseudonymised authors, redacted text and a DATASHEET.md."""
    from rich.console import Console
    from rich.progress import Progress

    from tocsin.export.dataset import ExportError, ExportOptions, export_dataset, parse_time_bound
    from tocsin.export.keys import LinkKeyNameError
    from tocsin.export.redaction import RedactionRules
    from tocsin.store.exporting import ExportQuery

    settings = app.settings
    rules = RedactionRules.from_settings(settings.export)
    for name, value in (("handles", redact_handles), ("phones", redact_phones), ("emails", redact_emails),
                        ("profile_links", redact_profile_links)):
        if value is not None:
            setattr(rules, name, value)
    try:
        query = ExportQuery(since=parse_time_bound(since), until=parse_time_bound(until, end=True), languages=languages,
                            sources=sources, groups=groups, hallmarks=hallmarks, reviewed_only=reviewed_only, min_score=min_score)
        if query.since and query.until and query.since >= query.until:
            raise ExportError(f"--since {since} is not before --until {until}: nothing could match; swap them")
    except ExportError as e:
        raise click.BadParameter(str(e), param_hint="--since/--until") from None
    db = app.open_db()
    if out is None:
        parent = settings.resolve(settings.export.out_dir)
        try:
            out = str(new_export_folder(parent))
        except OSError as e:
            raise click.ClickException(f"cannot make an export folder in {parent} ({e.strerror or e}): set export.out_dir "
                                       "to a folder you can write to, or give --out") from None
    options = ExportOptions(fmt=fmt, out=Path(out), query=query, labels=labels, rules=rules, link_key=link_key, force=force)
    try:
        console = Console(stderr=True)
        with stopped_cleanly(), Progress(transient=True, console=console, disable=not console.is_terminal) as bar:
            task = bar.add_task("exporting", total=None)
            summary = export_dataset(db, settings, options, progress=lambda done, total: bar.update(task, completed=done, total=total))
    except (ExportError, LinkKeyNameError) as e:
        raise click.ClickException(str(e)) from None
    except OSError as e:
        if e.errno in (errno.ENOSPC, errno.EDQUOT):
            raise click.ClickException(disk_full_message(Path(out), e)) from None
        raise click.ClickException(f"cannot write the export to {out} ({e.strerror or e}); give --out a folder you "
                                   "can write to") from None
    if summary.link_key_created:
        click.echo(f"created link key '{summary.link_key}': later exports with --link-key {summary.link_key} share its pseudonyms")
        warn_if_other_link_keys(db, summary.link_key)
    click.echo(f"wrote {summary.rows} rows to {summary.data_path} in {summary.seconds:.1f} s")
    from tocsin.store.exporting import unmatched_filters

    if not summary.rows and (since or until or languages or sources or groups or hallmarks or labels or reviewed_only
                             or min_score is not None):
        click.echo("warning: no stored item matched the filters; check their spelling (languages as ru, ky, uz, en; "
                   "sources by name; groups as in the review page) and the dates, or run 'tocsin status'", err=True)
        for line in unmatched_filters(db, query):
            click.echo(f"  {line}", err=True)
    elif unmatched := unmatched_filters(db, query):   # a misspelt value beside one that matched
        click.echo("warning: some filter values matched no stored item, so the export holds only the others:", err=True)
        for line in unmatched:
            click.echo(f"  {line}", err=True)
    click.echo(f"wrote {summary.datasheet_path}")
    if any(summary.redactions.values()):
        click.echo("redacted: " + ", ".join(f"{k} {v}" for k, v in summary.redactions.items() if v))


def disk_full_message(out: Path, error: OSError) -> str:
    """What to say when an export filled the disk (or the quota) under ``out``: the folder, its free space when
    known, and what to do (the export left no file behind, and the store lost nothing)."""
    folder = out if out.is_dir() else out.parent
    full = "your disk quota there is used up" if error.errno == errno.EDQUOT else "its disk is full"
    try:
        free = f"; {shutil.disk_usage(folder).free / 1e6:,.1f} MB free now"
    except OSError:
        free = ""
    return (f"cannot write the export to {folder}: {full} ({error.strerror or error}{free}). Nothing was exported and "
            "the store lost nothing: free space there, or give --out a folder on another disk")


def new_export_folder(parent: Path) -> Path:
    """A new folder ``export-<UTC time>`` in ``parent`` (``-2``, ``-3``… after it when exports start in the same
    second), made here so that two exports never share one."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    make_private_folders(parent)
    for n in range(1, 1000):
        folder = parent / (f"export-{stamp}" if n == 1 else f"export-{stamp}-{n}")
        try:
            make_private_folder(folder)
            return folder
        except FileExistsError:
            continue
    raise click.ClickException(f"{parent} already holds 999 exports made this second; give --out")


def read_names(path: str) -> list[str]:
    """One name per line from a UTF-8 file ('-' for standard input), blank lines skipped; a file that cannot
    be read, is not UTF-8 or names no one is a usage error saying so."""
    from tocsin.text_files import NotUtf8, decode_utf8

    try:
        with click.open_file(path, "rb") as stream:
            names = [line.strip() for line in decode_utf8(stream.read(), path).splitlines() if line.strip()]
    except NotUtf8 as e:
        raise click.BadParameter(str(e), param_hint="--authors-from") from None
    except OSError as e:
        raise click.BadParameter(f"cannot read {path}: {e.strerror or e}", param_hint="--authors-from") from None
    if not names:
        raise click.BadParameter(f"{path} holds no names; put one author name or handle per line",
                                 param_hint="--authors-from")
    return names


def check_urls(urls: tuple[str, ...]) -> None:
    """A usage error naming the first ``--url`` value that no item can have: one that cannot be parsed, or
    that is not a whole http(s) address (items are stored under theirs, ``https://`` included)."""
    from urllib.parse import urlsplit

    from tocsin.urls import canonical_url, is_web_address

    for url in urls:
        try:
            canonical_url(url)
        except ValueError as e:
            raise click.BadParameter(f"{url!r} is not a valid URL ({e})", param_hint="--url") from None
        if not is_web_address(url):
            example = "https://" + url.strip().lstrip("/") if not urlsplit(url.strip()).scheme else "https://example.org/news/1"
            raise click.BadParameter(f"{url!r} is not an item's address: write it whole, as stored, e.g. {example}",
                                     param_hint="--url")


def warn_unmatched_urls(db: Any, urls: tuple[str, ...]) -> None:
    """Say which ``--url`` values name no stored item, and the stored address each may have meant."""
    from tocsin.export.erasure import unmatched_urls

    for url, meant in unmatched_urls(db, urls).items():
        hint = f"; one is stored at {meant}: to erase it, give --url {meant}" if meant else ""
        click.echo(f"warning: no item is stored at {url}{hint}", err=True)


def collateral(counted: Any) -> str:
    """What an erasure (a :class:`tocsin.export.erasure.Preview`) does beyond its own items, in words: " (also 1 other
    items' raw snapshots quoting them dropped; the names masked in 3 other items)", or "" for nothing."""
    extra = [f"{counted.other_snapshots} other items' raw snapshots quoting them dropped"] if counted.other_snapshots else []
    extra += [f"the names masked in {counted.other_items_mentioning} other items"] if counted.other_items_mentioning else []
    extra += [blocked(counted.unstored_urls)] if counted.unstored_urls else []
    return f" (also {'; '.join(extra)})" if extra else ""


def blocked(addresses: int) -> str:
    """What a tombstone for addresses at which no item is stored does, in words."""
    return (f"{addresses} {'address' if addresses == 1 else 'addresses'} at which no item is stored blocked by a "
            "tombstone, so that a later crawl does not store an item there")


@main.command()
@click.option("--author", "authors", multiple=True, metavar="NAME",
              help="An author's name or handle as the source shows it; repeatable (it lands in your shell history: prefer --authors-from).")
@click.option("--authors-from", type=click.Path(allow_dash=True), default=None,
              help="A file with one author name or handle per line ('-' reads standard input).")
@click.option("--url", "urls", multiple=True,
              help="An item's address; repeatable. One at which no item is stored is blocked for later crawls.")
@click.option("--item", "item_ids", multiple=True, metavar="ID", help="An item id (64 hex characters); repeatable.")
@click.option("--keep-mentions", is_flag=True, help="Do not mask the authors' names where other items mention them.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--dry-run", is_flag=True,
              help="Only count what would be erased: items, other items' snapshots quoting them, mentions masked, "
                   "addresses blocked.")
@pass_app
def forget(app: App, authors: tuple[str, ...], authors_from: str | None, urls: tuple[str, ...], item_ids: tuple[str, ...],
           keep_mentions: bool, yes: bool, dry_run: bool) -> None:
    """Erase authors' or items' content from every table, the search index, snapshots and alert files, for good."""
    from tocsin.export.erasure import ErasureError, forget as erase, preview

    if any(not name.strip() for name in authors):
        raise click.BadParameter("an empty name names no one; give the author's name or handle", param_hint="--author")
    names = list(authors) + (read_names(authors_from) if authors_from else [])
    check_urls(urls)
    db = app.open_db()
    try:
        if not (names or urls or item_ids):
            raise ErasureError("name what to erase: --author NAME, --authors-from FILE, --url URL or --item ID")
        # counted only for someone to read (it reads every snapshot once, as the erasure does)
        counted = preview(db, authors=names, urls=urls, item_ids=item_ids,
                          mask_mentions=not keep_mentions) if dry_run or not yes else None
        warn_unmatched_urls(db, urls)
        if counted is not None and dry_run:
            click.echo(f"{counted.items} stored items would be erased{collateral(counted)}; nothing erased (dry run)")
            return
        if counted is not None:
            click.confirm(f"erase {counted.items} stored items{collateral(counted)} and every trace of them? "
                          "This cannot be undone", abort=True)
        summary = erase(db, app.settings, authors=names, urls=urls, item_ids=item_ids, mask_mentions=not keep_mentions)
    except ErasureError as e:
        raise click.UsageError(str(e)) from None
    if not summary.items:
        click.echo("no stored item matched, so no item was erased")
    told_apart = ("checkpoint_complete", "unstored_urls_blocked")
    counts = {k: v for k, v in summary.as_dict().items() if k not in told_apart and v}
    click.echo("erased: " + (", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items()) or "nothing"))
    if summary.unstored_urls_blocked:
        click.echo(blocked(summary.unstored_urls_blocked))
    if not summary.checkpoint_complete:
        click.echo("warning: another process held the database open, so the erased content may remain in the database "
                   "file until its WAL is checkpointed; "
                   "stop the daemon and review page and run 'tocsin forget' again", err=True)


@main.command()
@click.option("--dry-run", is_flag=True, help="Only count the items whose raw content would be purged.")
@click.option("--yes", "trust_clock", is_flag=True,
              help="Purge even when the newest item collected is past retention (the clock is right, the store old).")
@pass_app
def retention(app: App, dry_run: bool, trust_clock: bool) -> None:
    """Purge now the raw content of unflagged items older than retention.retention_days (in distributed mode
    also the dead letters Redis has held that long)."""
    from tocsin.distributed.connection import DistributedError, is_distributed
    from tocsin.export.retention import ClockDoubt, run_retention

    settings = app.settings
    days = settings.retention.retention_days
    if days <= 0:
        click.echo("retention.retention_days is 0: everything is kept, nothing purged")
        return
    if dry_run:
        retention_dry_run(app)
        return
    try:
        done = run_retention(app.open_db(), settings, trust_clock=trust_clock)
    except ClockDoubt as e:
        raise click.ClickException(str(e)) from None
    except DistributedError as e:
        raise click.ClickException(f"{e}. The store's content past retention was purged; run 'tocsin retention' "
                                   "again once Redis answers") from None
    click.echo(f"purged the raw content of {done['purged']} unflagged items collected more than {days} days ago")
    if is_distributed(settings):
        click.echo(f"trimmed {done['dead_letters']} dead letters older than {days} days from Redis")


def retention_dry_run(app: App) -> None:
    """``tocsin retention --dry-run``: count what a real run would purge (and trim), and say whether it would refuse."""
    from tocsin.distributed.connection import DistributedError, is_distributed
    from tocsin.export.retention import clock_doubt, count_expired, trim_dead_letters

    settings, db = app.settings, app.open_db()
    days = settings.retention.retention_days
    click.echo(f"{count_expired(db, settings)} unflagged items hold raw content collected more than {days} days ago; "
               "nothing purged (dry run)")
    if is_distributed(settings):
        try:
            old = trim_dead_letters(settings, dry_run=True)
        except DistributedError as e:
            raise click.ClickException(str(e)) from None
        click.echo(f"{old} dead letters in Redis are older than {days} days; none trimmed (dry run)")
    doubt = clock_doubt(db, settings)
    if doubt:
        click.echo(f"warning: a real run would refuse: {doubt}", err=True)


def warn_if_other_link_keys(db, created: str) -> None:
    """Warn, on stderr, that a link key was just made while others exist: a misspelt name links nothing."""
    from tocsin.store.exporting import link_keys

    others = [k["name"] for k in link_keys(db) if k["name"] != created]
    if others:
        click.echo(f"warning: no link key named '{created}' existed, so this export shares no pseudonyms with exports "
                   f"made under {', '.join(repr(name) for name in others)}; if the name is misspelt, run 'tocsin "
                   f"link-key delete {created}', then export again with the right name", err=True)


@main.group("link-key")
def link_key() -> None:
    """Stored keys that link exports (see tocsin export --link-key)."""


@link_key.command("list")
@pass_app
def link_key_list(app: App) -> None:
    """Names and creation times of the stored link keys (never the keys)."""
    from tocsin.store.exporting import link_keys

    keys = link_keys(app.open_db())
    if not keys:
        click.echo("no link keys stored (an export without --link-key uses a fresh key of its own)")
    for key in keys:
        click.echo(f"{key['name']}\tcreated {key['created_at']}")


@link_key.command("delete")
@click.argument("name")
@pass_app
def link_key_delete(app: App, name: str) -> None:
    """Delete link key NAME for good: exports made with it can no longer be extended or re-linked."""
    from tocsin.store.audit import log_event
    from tocsin.store.exporting import delete_link_key

    db = app.open_db()
    if not delete_link_key(db, name):
        raise click.ClickException(f"no link key named {name!r}; see 'tocsin link-key list'")
    log_event(db, "cli", "link_key_delete", name)
    click.echo(f"deleted link key '{name}'")
