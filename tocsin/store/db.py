"""Opening the SQLite store: WAL, busy timeout, foreign keys, migrations."""

from __future__ import annotations

import logging
import shlex
import sqlite3
from contextlib import closing, contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, Sequence, Sized, TypeVar

import sqlite_utils

from tocsin.private_files import create_private, make_private_folders

logger = logging.getLogger(__name__)

T = TypeVar("T")


class StoreError(RuntimeError):
    """A store operation failed; the message says what to do."""


class DatabaseMissing(StoreError):
    """The database file does not exist and the caller asked not to create it."""


class DatabaseUnusable(StoreError):
    """The file given as the database cannot be tocsin's store: not SQLite, another program's, or unreadable."""


#: The columns of tocsin's ``migrations`` table (see :mod:`tocsin.store.migrations`), which mark a store as its own.
MIGRATIONS_COLUMNS = {"name", "applied_at"}
#: Most parameters one ``IN (...)`` list gets (SQLite's limit is far above; this keeps statements small).
CHUNK_SIZE = 500


def chunked(values: Sequence[T], size: int = CHUNK_SIZE) -> Iterator[Sequence[T]]:
    """``values`` in consecutive slices of at most ``size`` (for ``IN (...)`` lists)."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def marks(values: Sized) -> str:
    """``?,?,?``: one placeholder per parameter."""
    return ",".join("?" * len(values))


def utcnow() -> str:
    """The current time as an ISO 8601 UTC string with seconds, the store's one time format."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def connect(path: str | Path, *, busy_timeout_ms: int = 10_000, create: bool = True, migrate: bool = True) -> sqlite_utils.Database:
    """Open (and by default create and migrate) the store at ``path``.

    :param path: database file, or ``":memory:"``.
    :param busy_timeout_ms: how long to wait for another writer's lock.
    :param create: create the store if the file is missing or empty; otherwise raise :class:`DatabaseMissing`
        (:class:`DatabaseUnusable` for an empty file).
    :param migrate: apply pending migrations.
    """
    memory = str(path) == ":memory:"
    if not memory:
        path = Path(path)
        if not create:
            refuse_to_make(path)
    try:
        if not memory:
            make_private_folders(path.parent)
            create_private(path)   # SQLite gives its -wal and -shm files the database file's permissions
            with closing(read_only(path, busy_timeout_ms)) as checking:
                refuse_foreign_database(checking, path)
        conn = sqlite3.connect(str(path), timeout=busy_timeout_ms / 1000, isolation_level=None, check_same_thread=False)
    except (sqlite3.Error, OSError) as e:
        raise DatabaseUnusable(f"cannot open the database {path} ({e}); check that the file and its folder are "
                               "readable and writable, or pass another --db") from e
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute("PRAGMA foreign_keys = ON")
    if not memory:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    db = sqlite_utils.Database(conn)
    if migrate:
        from tocsin.store.migrations import apply_migrations

        try:
            apply_migrations(db)
        except BaseException:
            conn.close()
            raise
    return db


def read_only(path: Path, busy_timeout_ms: int) -> sqlite3.Connection:
    """A connection that cannot write ``path``: closing it checkpoints no write-ahead log into the file, so a
    store refused over it (a backup restored beside the old store's -wal) is left byte for byte as it was."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=busy_timeout_ms / 1000)


def refuse_to_make(path: Path) -> None:
    """For a caller that must not make a store (the daemon, ``status``, a crawl): raise :class:`DatabaseMissing`
    when ``path`` does not exist, :class:`DatabaseUnusable` when it is empty (SQLite would take it for a new
    database, and a new store with a new pseudonym key would be made in it)."""
    if not path.exists():
        raise DatabaseMissing(f"no database at {path}; make a new store there with 'tocsin --db {shlex.quote(str(path))} "
                              "init FOLDER' (FOLDER gets its config), or pass --db PATH to use an existing one")
    if is_empty_file(path):
        raise DatabaseUnusable(f"the database {path} is an empty file (0 bytes): a copy or restore into it failed, or "
                               "it was never written. Restore it from a backup, or delete it and make a new, empty "
                               "store with 'tocsin init FOLDER'; nothing was written to it")


def is_empty_file(path: Path) -> bool:
    """True for a file of 0 bytes with no write-ahead log beside it holding pages: no database at all."""
    wal = path.with_name(path.name + "-wal")
    return path.is_file() and path.stat().st_size == 0 and not (wal.is_file() and wal.stat().st_size > 0)


def is_locked_error(error: BaseException) -> bool:
    """True for SQLite's "database is locked" / "busy" errors (another program holds the write lock)."""
    return isinstance(error, sqlite3.OperationalError) and any(w in str(error).lower() for w in ("locked", "busy"))


#: Words of SQLite's errors about the database file or its disk rather than about the statement that met them.
_FILE_CONDITIONS = ("locked", "busy", "full", "readonly", "disk i/o", "unable to open", "malformed", "not a database")


def is_file_condition(error: BaseException) -> bool:
    """True for a failure of the database file or its disk (locked, full, read-only, failing, damaged): it says
    nothing about the statement that met it, and the statement can succeed once the file is fixed."""
    return isinstance(error, sqlite3.DatabaseError) and any(w in str(error).lower() for w in _FILE_CONDITIONS)


def database_file(db: sqlite_utils.Database) -> str:
    """The path of the store's database file (``:memory:`` for a store in memory), for messages."""
    return next((r[2] for r in db.execute("PRAGMA database_list") if r[1] == "main" and r[2]), ":memory:")


def refuse_foreign_database(conn: sqlite3.Connection, path: str | Path) -> None:
    """Raise :class:`DatabaseUnusable` before anything is written when ``path`` is not SQLite, or is the
    database of another program (tables, but no ``migrations`` table of tocsin's shape)."""
    try:
        tables = sorted(r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))
    except (sqlite3.DatabaseError, UnicodeDecodeError) as e:
        message = unreadable_database(path, e)   # first: closing the last connection removes the -wal file
        conn.close()
        raise DatabaseUnusable(message) from e
    ours = "migrations" in tables and {r[1] for r in conn.execute("PRAGMA table_info(migrations)")} == MIGRATIONS_COLUMNS
    if tables and not ours:
        conn.close()
        shown = ", ".join(tables[:5]) + (", …" if len(tables) > 5 else "")
        raise DatabaseUnusable(f"{path} is another program's SQLite database (tables: {shown}); tocsin leaves it "
                               "untouched: pass the right --db, or start a new store elsewhere with 'tocsin init FOLDER'")


def unreadable_database(path: str | Path, error: sqlite3.DatabaseError | UnicodeDecodeError) -> str:
    """What to say, and to do, about a database file whose list of tables SQLite could not read."""
    if isinstance(error, UnicodeDecodeError):   # bytes flipped in a table's name
        return damaged_database(path, "database disk image is malformed: its schema holds text that is not UTF-8")
    if "malformed" in str(error):
        return damaged_database(path, str(error))
    if "not a database" in str(error):
        return (f"{path} is not a tocsin database ({error}); pass the right --db. If it is your store, its first "
                "bytes are damaged, or it is a backup still encrypted: restore it from a backup, decrypted. Or "
                "start a new store elsewhere with 'tocsin init FOLDER'")
    return (f"cannot read the database {path} ({error}): is its disk full, read-only or failing, or are its -wal "
            "and -shm files left from another copy? Fix that and run the command again; the store itself is left as it is")


def rescue_command(path: str | Path | None = None) -> str:
    """The shell command that copies what a damaged store holds into a new file, ``recovered.db`` (``tocsin.db``
    standing for the file where its path is not known)."""
    name = shlex.quote(str(path)) if path else "tocsin.db"
    return (f"sqlite3 {name} .recover | sqlite3 recovered.db (with .dump in place of .recover where your sqlite3 has "
            "no .recover)")


def damaged_database(path: str | Path, problem: str) -> str:
    """The message for a damaged database file: restore it, or rescue what it holds. A write-ahead log left
    beside a file restored over the old store is named: it belongs to the old store, and once it is moved away
    the restored file, left untouched by the refusal (see :func:`read_only`), opens as it is."""
    message = f"the database {path} is damaged ({problem}): restore it from a backup, or rescue what it holds with: {rescue_command(path)}"
    if Path(f"{path}-wal").exists():
        message += (f". If this file was just restored or copied over the old store, its {Path(path).name}-wal and "
                    f"{Path(path).name}-shm are the old store's: move them away and the restored file opens as it is")
    return message


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """Run a block in one write transaction (``BEGIN IMMEDIATE``), committed or rolled back whole.

    Nested use joins the outer transaction.
    """
    conn = db.conn
    if conn.in_transaction:
        yield db
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


@contextmanager
def savepoint(db: sqlite_utils.Database, name: str = "block") -> Iterator[sqlite_utils.Database]:
    """Run a block inside the current transaction so that, when it raises, only its own writes are undone and
    the transaction's earlier writes stay; the exception goes on. Where SQLite already rolled the whole
    transaction back (a full disk, an I/O error), there is nothing left to undo.

    :param name: the savepoint's name (an SQL identifier).
    """
    db.execute(f"SAVEPOINT {name}")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.execute(f"ROLLBACK TO {name}")
            db.execute(f"RELEASE {name}")
        raise
    else:
        db.execute(f"RELEASE {name}")


@contextmanager
def read_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """Run several reads in one read transaction, so that they all see the store as of the first (a page's
    rows and its counts agree, an export is one state of the store, while the daemon writes; WAL keeps
    writers going). Nested use joins the outer transaction. If SQLite ended the transaction after a
    failure, that failure comes through rather than a failed COMMIT."""
    if db.conn.in_transaction:
        yield db
        return
    db.execute("BEGIN DEFERRED")
    try:
        db.execute("SELECT 1 FROM items LIMIT 1").fetchall()  # takes the read snapshot now
        yield db
    finally:
        if db.conn.in_transaction:
            db.execute("COMMIT")
