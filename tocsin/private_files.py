"""Files that hold what must stay private (the store, exports, alert files): readable and writable by their
owner only, from the moment they exist, whatever the umask; the folders tocsin makes for them, likewise."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import IO, Any

#: Owner read and write, nobody else.
PRIVATE = 0o600
#: A folder only its owner can list, enter or change.
PRIVATE_FOLDER = 0o700


class LinkInTheWay(OSError):
    """A symbolic link stands where a private file is to be written."""


def open_private(path: str | Path, mode: str = "wb", *, permissions: int = PRIVATE, fresh: bool = False,
                 **kwargs: Any) -> IO[Any]:
    """Open ``path`` for writing (truncated; created if missing) with ``permissions``, set before a byte is
    written, also on a file that was already there. ``mode`` and ``kwargs`` are those of :func:`open`.

    Never writes through a symbolic link: one planted at a file's path could point at the store, which would be
    emptied. A link at ``path`` is :class:`LinkInTheWay`; with ``fresh`` (a temporary file of tocsin's own,
    ``….partial``) whatever is at ``path`` is removed first, a link as a link, and a new file made there.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW
    if fresh:
        Path(path).unlink(missing_ok=True)
        flags |= os.O_EXCL
    else:
        flags |= os.O_TRUNC
    try:
        fd = os.open(path, flags, permissions)
    except OSError as e:
        if e.errno == errno.ELOOP or os.path.islink(path):
            raise LinkInTheWay(f"{path} is a symbolic link, and private files are never written through one (it could "
                               "point at the store); remove the link or choose another path") from e
        raise
    try:
        os.fchmod(fd, permissions)
        return os.fdopen(fd, mode, **kwargs)
    except BaseException:
        os.close(fd)
        raise


def create_private(path: str | Path) -> None:
    """Create ``path`` as an empty private file if it is missing (a file already there is left alone)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE))
    except FileExistsError:
        pass


def make_private_folders(folder: str | Path) -> None:
    """Make ``folder`` and any missing folder above it, each owner-only (:data:`PRIVATE_FOLDER`) whatever the
    umask, so that nobody else can delete or replace the files put in them; folders already there are left as
    they are."""
    folder = Path(folder)
    missing = [f for f in (folder, *folder.parents) if not f.exists()]
    for f in reversed(missing):
        try:
            make_private_folder(f)
        except FileExistsError:   # made meanwhile by another process: left as it is
            continue


def make_private_folder(folder: str | Path) -> None:
    """Make one folder, owner-only (:data:`PRIVATE_FOLDER`) whatever the umask; ``FileExistsError`` when
    something is there already."""
    os.mkdir(folder, PRIVATE_FOLDER)
    os.chmod(folder, PRIVATE_FOLDER)


def sync_to_disk(path: str | Path) -> None:
    """Have the file or folder ``path`` on the disk itself, not only in the page cache: a file before it is renamed
    into place, so that a power cut never leaves its final name on a file whose bytes were lost, and a folder
    after its entries changed, so that the renames in it last."""
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if Path(path).is_dir() else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def file_in_the_way(path: str | Path) -> Path | None:
    """A file standing where a folder above ``path`` should be (``notes`` in ``notes/x.jsonl``), or None."""
    return next((p for p in Path(path).parents if p.exists() and not p.is_dir()), None)


def readable_by_others(path: str | Path) -> str:
    """How ``path`` can be read by other users of the machine ("group and others", "others"), or "" when it
    is private or missing."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return ""
    return " and ".join(who for who, bit in (("its group", 0o040), ("every user", 0o004)) if mode & bit)
