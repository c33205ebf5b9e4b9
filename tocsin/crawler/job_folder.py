"""The private folder a crawl's job file and result pass through, and the sweep of folders left by killed crawls.

The job file names every source of the crawl and, for re-checks, the flagged items' addresses: it must not
outlive its crawl. The crawl process deletes it as soon as it has read it, and a folder whose parent was
killed (SIGKILL gives no chance to clean up) is removed by the next crawl of the same user.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

from tocsin.processes import process_alive

logger = logging.getLogger(__name__)

PREFIX = "tocsin-crawl-"
#: Folders named before they carried their owner's process id are removed once this old.
UNOWNED_MAX_AGE_S = 24 * 3600


def job_folder(root: str | Path | None = None) -> tempfile.TemporaryDirectory:
    """A new private folder (mode 0700) named after this process, after sweeping orphaned ones in ``root``
    (default: the system's temporary folder)."""
    sweep_orphaned(root)
    return tempfile.TemporaryDirectory(prefix=f"{PREFIX}{os.getpid()}-", dir=root)


def sweep_orphaned(root: str | Path | None = None) -> int:
    """Remove this user's crawl folders whose owning process is gone; returns how many were removed."""
    removed = 0
    for path in Path(root or tempfile.gettempdir()).glob(f"{PREFIX}*"):
        try:
            if not path.is_dir() or path.is_symlink() or path.stat().st_uid != os.getuid() or not orphaned(path):
                continue
            shutil.rmtree(path)
            removed += 1
        except OSError as exc:   # another sweep got there first, or it is not ours to remove
            logger.debug("could not remove %s: %s", path, exc)
    if removed:
        logger.info("removed %d crawl folder(s) left by killed crawls", removed)
    return removed


def orphaned(path: Path) -> bool:
    """Whether ``path``'s owning process is gone (or, for a folder with no owner in its name, it is a day old)."""
    owner = path.name[len(PREFIX):].split("-", 1)[0]
    if not owner.isdigit():
        return time.time() - path.stat().st_mtime > UNOWNED_MAX_AGE_S
    pid = int(owner)
    return pid == 0 or not process_alive(pid)   # pid 0 names no process (to os.kill, it is our own group)
