"""``export_dataset``: stream matching items from the store into a dataset file and its datasheet."""

from __future__ import annotations

import fcntl
import gc
import hashlib
import logging
import os
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterator, Sequence

import sqlite_utils

from tocsin.config import Settings
from tocsin.export.datasheet import DatasheetContext, DatasheetStats, render_datasheet
from tocsin.export.keys import ExportKey, check_link_key_name
from tocsin.export.records import RecordBuilder
from tocsin.export.redaction import RedactionRules, Redactor
from tocsin.export.writers import FORMATS, WRITERS, open_writer, partial_path
from tocsin.private_files import file_in_the_way, make_private_folders, open_private, sync_to_disk
from tocsin.store.audit import log_event
from tocsin.store.db import utcnow
from tocsin.store.db import read_transaction
from tocsin.store.exporting import ExportQuery, count_export_rows, describe_sources, get_link_key, iter_export_chunks

logger = logging.getLogger(__name__)

DATASHEET_NAME = "DATASHEET.md"
#: The datasheet's row naming its data file (see :func:`tocsin.export.datasheet.render_datasheet`).
_DATASHEET_FILE_ROW = re.compile(r"^\| file \| `([^`/]+)` \(", re.MULTILINE)


class ExportError(RuntimeError):
    """An export cannot be made as asked; the message says why and what to do."""


@dataclass
class ExportOptions:
    """What to export, where, and how.

    :param fmt: csv, csv-excel (CSV defused for spreadsheets), jsonl or parquet.
    :param out: the data file, or a folder (the file is then ``tocsin-export.<fmt>`` inside it).
    :param labels: keep only items with one of these labels (see :data:`tocsin.export.schema.LABELS`).
    :param rules: redaction rules; ``None`` takes them from ``settings.export``.
    :param link_key: name of a stored link key; empty draws a fresh key for this export alone.
    :param force: overwrite an existing data file and datasheet.
    :param chunk_size: items read, built and written at a time (fewer where they hold more text and spans
        than :data:`~tocsin.store.exporting.CHUNK_CHARS`). Small chunks stay in the CPU's cache from one
        step to the next; with 1,000 items a chunk (about 5 MB of records) the export ran a third slower.
    """

    fmt: str
    out: Path
    query: ExportQuery = field(default_factory=ExportQuery)
    labels: tuple[str, ...] = ()
    rules: RedactionRules | None = None
    link_key: str = ""
    force: bool = False
    chunk_size: int = 64
    actor: str = "cli"


@dataclass
class ExportSummary:
    """What an export wrote."""

    data_path: Path
    datasheet_path: Path
    rows: int
    seconds: float
    link_key: str = ""
    link_key_created: bool = False
    redactions: dict[str, int] = field(default_factory=dict)


def parse_time_bound(value: str | None, *, end: bool = False) -> str | None:
    """A ``--since``/``--until`` value as an ISO UTC bound; a bare date given as ``until`` includes that day.

    :raises ExportError: for a value that is not an ISO 8601 date or time.
    """
    if not value:
        return None
    text = value.strip()
    try:
        if len(text) == 10 or (len(text) == 8 and text.isdigit()):   # 2026-06-01, or 20260601 (ISO basic)
            day = date.fromisoformat(text)
            if end and day == date.max:   # the last day there is: no end bound at all
                return None
            moment = datetime(day.year, day.month, day.day, tzinfo=timezone.utc) + (timedelta(days=1) if end else timedelta())
        else:
            moment = datetime.fromisoformat(text)
            moment = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise ExportError(f"{value!r} is not a date or time; write it as 2026-06-01 or 2026-06-01T12:00:00Z") from None
    return moment.isoformat(timespec="seconds")


def resolve_data_path(fmt: str, out: Path, protected: Sequence[Path] = ()) -> Path:
    """The data file: ``out`` itself when it names a file of the format's suffix, else a file in the folder
    ``out`` (``exports/v1.2`` is a folder), whose folders are made. Never a ``protected`` file (the store, its
    lock, an alert file) or one of another kind.
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    # Resolved first, so that "missing/../alerts.jsonl" is seen to be the alert file before "missing" is made.
    out = Path(os.path.realpath(Path(out).expanduser()))
    suffixes = {writer.suffix for writer in WRITERS.values()}
    if out.is_dir() or (not out.exists() and out.suffix.lower() not in suffixes):
        out = out / f"tocsin-export{WRITERS[fmt].suffix}"
    if out.suffix.lower() != WRITERS[fmt].suffix:
        raise ExportError(f"{out} is not a {fmt} file name; name it …{WRITERS[fmt].suffix}, or give a folder. A file of "
                          "another kind (the store, an alert file) is never overwritten")
    if out.exists() and any(_same_file(out, p) for p in protected):
        raise ExportError(f"{out} is the store or a file an alert sink appends to, and is never overwritten; "
                          "choose another --out")
    blocking = file_in_the_way(out)
    if blocking is not None:
        raise ExportError(f"{blocking} is a file, not a folder; give --out a folder (or a file in a folder) you can write to")
    make_private_folders(out.parent)
    return out


def claim_paths(out: Path, force: bool) -> Path:
    """The datasheet beside the data file ``out``, once sure this export may write both (call it with the
    folder locked): refused without ``force`` where either exists, and always where the folder's datasheet
    describes another data file still there."""
    datasheet = out.parent / DATASHEET_NAME
    other = described_file(datasheet)
    if other and other != out.name and (out.parent / other).exists():
        raise ExportError(f"{datasheet} describes {other}, another export in that folder, which would be left without "
                          "its datasheet; give this export a folder of its own")
    existing = [p for p in (out, datasheet) if p.exists()]
    if existing and not force:
        raise ExportError(f"{', '.join(map(str, existing))} already {'exist' if len(existing) > 1 else 'exists'}; "
                          "choose another --out folder or pass --force")
    return datasheet


@contextmanager
def folder_locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on the export's folder while an export writes into it, never waited for.

    :raises ExportError: when another export, in this process or another, is writing there.
    """
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ExportError(f"another export is writing to {folder} now; wait for it to end, or give this one "
                              "another --out folder") from None
        yield
    finally:
        os.close(fd)   # lets the lock go


def described_file(datasheet: Path) -> str | None:
    """The data file an existing datasheet describes (its "file" row), or None."""
    try:
        with datasheet.open(encoding="utf-8", errors="replace") as f:
            head = f.read(20_000)
    except OSError:
        return None
    found = _DATASHEET_FILE_ROW.search(head)
    return found.group(1) if found else None


def _same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file (also on a file system that ignores case, or through a link)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def store_files(db: sqlite_utils.Database, settings: Settings) -> list[Path]:
    """What an export must never overwrite: the store with its WAL, shared memory and lock, and the files
    alert sinks append to (with their rotated copies)."""
    from tocsin.daemon import lock_path_for
    from tocsin.export.erasure import alert_files

    main = next((Path(row[2]) for row in db.execute("PRAGMA database_list") if row[1] == "main" and row[2]), None)
    files = [main.with_name(main.name + suffix) for suffix in ("", "-wal", "-shm", "-journal")] if main else []
    return files + [lock_path_for(settings), *alert_files(settings, db)]


def export_dataset(db: sqlite_utils.Database, settings: Settings, options: ExportOptions,
                   progress: Callable[[int, int], None] | None = None) -> ExportSummary:
    """Write the matching items to ``options.out`` and a DATASHEET.md beside it, in constant memory.

    :param progress: called with (items read, items matching the query) after each chunk.
    """
    started = time.perf_counter()
    data_path = resolve_data_path(options.fmt, options.out, store_files(db, settings))
    with folder_locked(data_path.parent):
        datasheet_path = claim_paths(data_path, options.force)
        summary = write_export(db, settings, options, data_path, datasheet_path, progress)
    summary.seconds = time.perf_counter() - started
    logger.info("exported %d rows as %s in %.1f s", summary.rows, options.fmt, summary.seconds)
    return summary


def write_export(db: sqlite_utils.Database, settings: Settings, options: ExportOptions, data_path: Path,
                 datasheet_path: Path, progress: Callable[[int, int], None] | None) -> ExportSummary:
    """Write the data file and its datasheet, each as ``.partial`` synced to disk and renamed into place once both
    are complete and the export is in the audit log; an earlier datasheet is removed first, so no datasheet ever
    sits beside data it does not describe, whenever the process dies or the power goes."""
    rules = options.rules or RedactionRules.from_settings(settings.export)
    created = False
    if options.link_key:
        check_link_key_name(options.link_key)
        secret, created = get_link_key(db, options.link_key)
        key = ExportKey(secret, options.link_key)
    else:
        key = ExportKey.fresh()
    redactor = Redactor(rules)
    builder = RecordBuilder(key, redactor)
    stats = DatasheetStats()
    labels = set(options.labels)
    scanned = 0
    sheet_partial = partial_path(datasheet_path)
    writer = open_writer(options.fmt, data_path)
    try:
        with read_transaction(db), cyclic_gc_paused():
            expected = count_export_rows(db, options.query)
            for chunk in iter_export_chunks(db, options.query, options.chunk_size):
                scanned += len(chunk)
                records = [builder.build(row) for row in chunk if not labels or builder.label(row) in labels]
                stats.add_many(records)
                writer.write(records)
                if progress:
                    progress(scanned, expected)
            sources = describe_sources(db, sorted(stats.sources))
        writer.finish()
        os.chmod(writer.partial, 0o600)   # the texts are sensitive: the exporting user's alone until shared on purpose
        ctx = DatasheetContext(
            data_file=data_path.name, fmt=options.fmt, created_at=utcnow(), sha256=file_sha256(writer.partial),
            filters=describe_filters(options), link_key=options.link_key,
            redaction={rule: getattr(rules, rule) for rule in ("handles", "phones", "emails", "profile_links")},
            redaction_counts=dict(redactor.totals), sources=sources, unmatched_spans=builder.unmatched_spans,
            unreadable_times=builder.unreadable_times, retention_days=settings.retention.retention_days,
            defused_fields=getattr(writer, "defused", 0),
            link_key_fingerprint=key.fingerprint if key.linked else "", link_key_created=created,
        )
        # As private as the data (it names sources and counts), and complete before either file takes its name:
        # a full disk leaves no export that looks finished without its datasheet or its line in the audit log.
        with open_private(sheet_partial, "w", encoding="utf-8", fresh=True) as sheet:
            sheet.write(render_datasheet(stats, ctx))
        sync_to_disk(sheet_partial)
        log_event(db, options.actor, "export", options.fmt, rows=stats.rows, filters=ctx.filters,
                  link_key=options.link_key or None, redaction=ctx.redaction, sha256=ctx.sha256)
        datasheet_path.unlink(missing_ok=True)   # an earlier export's (with --force): never beside the new data
        writer.publish()
        os.replace(sheet_partial, datasheet_path)
        sync_to_disk(data_path.parent)   # the renames too, so that both names last a power cut
    except BaseException:
        writer.abort()
        sheet_partial.unlink(missing_ok=True)
        raise
    return ExportSummary(data_path, datasheet_path, stats.rows, 0.0, options.link_key, created, dict(redactor.totals))


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while records stream (they hold no reference cycles).

    Each chunk allocates many short-lived dicts and lists, which set off collections that each walk
    every object in the process; reference counting alone frees the records, so memory stays flat.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def describe_filters(options: ExportOptions) -> dict[str, object]:
    """The filters of an export, for the datasheet and the audit log (only those set)."""
    q = options.query
    raw = {"since": q.since, "until": q.until, "language": list(q.languages), "source": list(q.sources),
           "group": list(q.groups), "hallmark": list(q.hallmarks), "label": list(options.labels),
           "reviewed_only": q.reviewed_only or None, "min_score": q.min_score}
    return {k: v for k, v in raw.items() if v not in (None, [], "")}


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
