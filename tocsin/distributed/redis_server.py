"""A throw-away local Redis server (Debian's ``redis-server``) for tests, benchmarks and trials.

Bound to 127.0.0.1 on a free port, no persistence, in its own folder; stopped on exit.
"""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from tocsin.distributed.connection import DistributedError
from tocsin.processes import stop_process

logger = logging.getLogger(__name__)

REDIS_SERVER = "redis-server"


def redis_server_path() -> str | None:
    """Where ``redis-server`` is, or None."""
    return shutil.which(REDIS_SERVER) or (f"/usr/bin/{REDIS_SERVER}" if Path(f"/usr/bin/{REDIS_SERVER}").exists() else None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def local_redis(folder: Path, *, start_timeout_s: float = 10.0) -> Iterator[str]:
    """Run ``redis-server`` in ``folder`` and yield its URL (``redis://127.0.0.1:PORT/0``).

    :raises DistributedError: redis-server is not installed or does not start.
    """
    binary = redis_server_path()
    if binary is None:
        raise DistributedError("redis-server is not installed: apt-get install redis-server")
    folder.mkdir(parents=True, exist_ok=True)
    for _ in range(5):
        port = free_port()
        log = folder / f"redis-{port}.log"
        proc = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(folder), "--logfile", str(log), "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + start_timeout_s
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                time.sleep(0.05)
        else:
            proc.kill()
            proc.wait()
            continue  # port taken meanwhile, or slow start: try another port
        try:
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            stop_process(proc, grace_s=5)
        return
    raise DistributedError(f"redis-server did not start; see the logs in {folder}")
