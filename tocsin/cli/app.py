"""The root ``tocsin`` group, its global options and the shared :class:`App` context."""

from __future__ import annotations

import errno
import logging
import math
import os
import re
import signal
import sqlite3
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import click

from tocsin import __version__
from tocsin.config import CONFIG_ENV, ConfigError, Settings, load_settings
from tocsin.terminal import TerminalSafeFormatter, terminal_safe

logger = logging.getLogger(__name__)

DEFAULT_CONFIG = "tocsin.toml"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
EXIT_CONFIG = 2
#: How many rows to show or take: at least one, and no more than SQLite's integers hold.
LIMIT = click.IntRange(1, 2**63 - 1)
#: A port to listen on; 0 ("any free port") is not offered where the address is printed for people to open.
PORT = click.IntRange(1, 65535)


class FiniteFloatRange(click.FloatRange):
    """A :class:`click.FloatRange` that also refuses ``nan`` and ``inf`` (NaN passes every comparison)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number


@dataclass
class App:
    """What every command needs: the settings (read on first use) and the store (opened on first use)."""

    config_path: str | None = None
    db_path: str | None = None
    #: what gave ``config_path``: ``--config`` or ``TOCSIN_CONFIG``
    config_named_by: str = "--config"
    _settings: Settings | None = field(default=None, repr=False)
    _db: Any = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config_path, named_by=self.config_named_by)
            if self.db_path:
                self._settings.database.path = str(Path(self.db_path).resolve())
        return self._settings

    @property
    def database_path(self) -> Path:
        return self.settings.database_path

    def open_db(self, create: bool = False):
        """The store, migrated. Without ``create``, a missing database is an error."""
        if self._db is None:
            from tocsin.store import DatabaseMissing, connect

            try:
                self._db = connect(self.database_path, busy_timeout_ms=self.settings.database.busy_timeout_ms, create=create)
            except DatabaseMissing as e:
                if self.config_path or self.db_path:
                    raise
                raise DatabaseMissing(f"{e}. No config was read ({DEFAULT_CONFIG} is not in {Path.cwd()} and TOCSIN_CONFIG is "
                                      "not set), so this is the default path: to use a monitor's store, pass --config "
                                      "PATH/tocsin.toml or run the command in that folder") from None
        return self._db


@contextmanager
def stopped_cleanly() -> Iterator[None]:
    """SIGTERM and SIGHUP (a dropped SSH session) raise ``SystemExit`` inside the block instead of ending the
    process where it stands, so that its ``with`` and ``finally`` clauses clean up (a half-written export
    file is removed, not left behind)."""
    def leave(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)

    # a signal ignored on purpose (SIGHUP under nohup) stays ignored
    previous = {sig: signal.signal(sig, leave) for sig in (signal.SIGTERM, signal.SIGHUP)
                if signal.getsignal(sig) is not signal.SIG_IGN}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def plain_cell(text: object) -> Any:
    """A table cell showing stored or scraped ``text`` as it is: no rich markup read in it (a title holding
    "[/x]" or "[link=…]"), no control character that could drive the terminal."""
    from rich.text import Text

    return Text(terminal_safe(text))


def table_console(stderr: bool = False) -> Any:
    """A rich console for tables: the terminal's width, and no shortening when the output is a pipe, a file, cron
    or the journal (rich would assume 80 columns there and cut names and times to "demo-t…")."""
    from rich.console import Console

    console = Console(stderr=stderr)
    return console if console.is_terminal else Console(stderr=stderr, width=400)


def check_source_names(settings: Settings, names: tuple[str, ...] | list[str]) -> None:
    """``--source`` names that the config does not know are a usage error listing the names it does know
    (:meth:`Settings.source`'s message)."""
    for name in names:
        try:
            settings.source(name)
        except ConfigError as e:
            raise click.BadParameter(e.fix, param_hint="'--source'") from None


def config_from_env_or_cwd(value: str | None) -> tuple[str | None, str]:
    """The config file and what gave it: ``--config``, else ``TOCSIN_CONFIG``, else ``./tocsin.toml`` if it exists,
    else None (the defaults)."""
    if value:
        return value, "--config"
    if os.environ.get(CONFIG_ENV):
        return os.environ[CONFIG_ENV], CONFIG_ENV
    return (DEFAULT_CONFIG if Path(DEFAULT_CONFIG).is_file() else None), "--config"


def configure_logging(verbose: int) -> None:
    """Log to stderr; ``-v`` for info, ``-vv`` for debug (or ``TOCSIN_LOG_LEVEL``)."""
    level = (os.environ.get("TOCSIN_LOG_LEVEL") or ("DEBUG" if verbose > 1 else "INFO" if verbose == 1 else "WARNING")).upper()
    if level not in logging.getLevelNamesMapping() and not level.isdigit():
        raise click.UsageError(f"TOCSIN_LOG_LEVEL={level!r} is not a log level; use one of {', '.join(LOG_LEVELS)}, "
                               "or unset it")
    level = int(level) if level.isdigit() else level
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(TerminalSafeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])


class TocsinGroup(click.Group):
    """Turns an error whose message already names the problem and the fix (a bad config, lexicon or model; a
    missing or unusable database; distributed mode without its packages or its Redis) into that one message and exit code 2, without a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as e:
            message = stated_problem(e)
            if message is None:
                raise
            click.echo(f"tocsin: {message}", err=True)
            ctx.exit(EXIT_CONFIG)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Refuse an argument that is not UTF-8 (a terminal set to CP1251 sends such bytes): it could match no
        stored name or address, and would fail later where it is written."""
        for arg in args:
            if _NOT_UTF8.search(arg):
                shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
                raise click.UsageError(f"the argument '{shown}' is not UTF-8 text: set the terminal (or the script) to "
                                       "UTF-8 and give it again; rename a file whose name is in another encoding", ctx)
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self.commands)


#: What Python makes of bytes that are not UTF-8 in a command line (``surrogateescape``).
_NOT_UTF8 = re.compile("[\udc80-\udcff]")


def stated_problem(error: Exception) -> str | None:
    """The message to show for an error that names its own fix (see :class:`TocsinGroup`); None for others."""
    from tocsin.daemon import LockFileUnusable
    from tocsin.distributed.connection import DistributedError
    from tocsin.models.folder import ModelLoadError
    from tocsin.nlp.lexicon import LexiconError
    from tocsin.private_files import LinkInTheWay
    from tocsin.store.db import DatabaseMissing, DatabaseUnusable, is_locked_error, rescue_command

    if isinstance(error, ConfigError):
        return f"bad config: {error}"
    if isinstance(error, LexiconError):
        return f"bad lexicon: {error}"
    if isinstance(error, (DatabaseMissing, DatabaseUnusable, ModelLoadError, DistributedError, LinkInTheWay, LockFileUnusable)):
        return str(error)
    if is_locked_error(error):
        return ("the database is locked by another program (the daemon, a crawl, an export or a forget) for longer "
                "than database.busy_timeout_ms; run the command again when it is done, or raise that setting")
    if isinstance(error, sqlite3.OperationalError) and "readonly" in str(error):
        logger.debug("stated as a read-only store", exc_info=error)
        return (f"the store cannot be written ({error}): make the database file, and its -wal and -shm files beside "
                "it, writable by the user tocsin runs as (their mode or owner: chmod u+w, chown), make its folder "
                "writable, and check that its disk is not mounted read-only; then run the command again; what the "
                "store had committed before is kept")
    if isinstance(error, sqlite3.OperationalError) and "disk is full" in str(error):
        logger.debug("stated as a full disk", exc_info=error)
        return (f"the store cannot be written ({error}): free space on its disk and run the command again; what the "
                "store had committed before is kept")
    if isinstance(error, sqlite3.DatabaseError) and "malformed" in str(error):   # damage found after the store opened
        logger.debug("stated as a damaged store", exc_info=error)
        return (f"the store is damaged ({error}): stop the daemon, copy the database file aside, then restore it "
                f"from a backup, or rescue what it holds with: {rescue_command()} (your database file in place of "
                "tocsin.db)")
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EROFS):
        logger.debug("stated as a full or read-only disk", exc_info=error)
        return f"cannot write {error.filename or 'a file'} ({error.strerror}): free space on its disk or make it writable, and run again"
    return None


@click.group(cls=TocsinGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--db", "db_path", envvar="TOCSIN_DB", type=click.Path(dir_okay=False), help="SQLite database (overrides database.path; env TOCSIN_DB).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file (default ./tocsin.toml; env TOCSIN_CONFIG).")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.version_option(__version__, prog_name="tocsin")
@click.pass_context
def main(ctx: click.Context, db_path: str | None, config_path: str | None, verbose: int) -> None:
    """tocsin: early warning of ethnically targeted incitement in news and social media.

    Crawl sources, analyse texts, raise alerts, review flagged items, export datasets.
    """
    configure_logging(verbose)
    config_path, named_by = config_from_env_or_cwd(config_path)
    ctx.obj = App(config_path=config_path, db_path=db_path, config_named_by=named_by)


pass_app: Callable = click.make_pass_decorator(App)
