"""Child processes tocsin starts (a crawl, a local Redis, a daemon's task): stopped politely, then for sure."""

from __future__ import annotations

import os
import signal
import subprocess


#: How long :func:`stop_process` gives a process to stop, unless told otherwise (a daemon's crawl is given the
#: daemon's ``stop_grace_s``, so that it is killed no sooner than the daemon says).
STOP_GRACE_S = 10.0


def stop_process(proc: subprocess.Popen, grace_s: float | None = None) -> None:
    """Ask ``proc`` to stop (SIGTERM, which lets it close what it has open) and kill it after ``grace_s``
    (default :data:`STOP_GRACE_S`)."""
    grace_s = STOP_GRACE_S if grace_s is None else grace_s
    proc.terminate()
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (possibly another user's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


#: ``prctl`` option: the signal this process gets when the thread that started it ends.
PR_SET_PDEATHSIG = 1


def stop_with_parent(parent_pid: int) -> None:
    """Have Linux send this process SIGTERM when its parent (``parent_pid``) dies, so that a parent killed
    outright (SIGKILL, the OOM killer) leaves nothing of its running on its own. Elsewhere a no-op.

    :param parent_pid: the parent's pid, read before the child ran anything: a parent already gone is noticed.
    """
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)
