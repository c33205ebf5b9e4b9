"""Child processes tocsin starts (a crawl, a local Redis): stopped politely, then for sure."""

from __future__ import annotations

import subprocess


def stop_process(proc: subprocess.Popen, grace_s: float = 10.0) -> None:
    """Ask ``proc`` to stop (SIGTERM, which lets it close what it has open) and kill it after ``grace_s``."""
    proc.terminate()
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
