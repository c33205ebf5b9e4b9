"""Files that hold what must stay private (the store, exports, alert files): readable and writable by their
owner only, from the moment they exist, whatever the umask."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

#: Owner read and write, nobody else.
PRIVATE = 0o600


def open_private(path: str | Path, mode: str = "wb", *, permissions: int = PRIVATE, **kwargs: Any) -> IO[Any]:
    """Open ``path`` for writing (truncated; created if missing) with ``permissions``, set before a byte is
    written, also on a file that was already there. ``mode`` and ``kwargs`` are those of :func:`open`."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, permissions)
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


def readable_by_others(path: str | Path) -> str:
    """How ``path`` can be read by other users of the machine ("group and others", "others"), or "" when it
    is private or missing."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return ""
    return " and ".join(who for who, bit in (("its group", 0o040), ("every user", 0o004)) if mode & bit)
