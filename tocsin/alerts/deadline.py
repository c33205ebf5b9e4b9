"""A send that may hang, run with a deadline and cut off when it passes or the daemon stops.

``timeout_s`` bounds each wait for a byte, so a server answering one byte at a time could hold a send for
hours. :func:`run_within` runs the send in a worker thread, waits for it no longer than its deadline, and
returns at once when ``should_stop`` says the daemon is stopping. A send it gives up on is not left
behind: every socket the send opened (through :func:`tracked_opener`, or one passed to :func:`track`) is
shut down, so the worker's blocked read returns and its thread ends.
"""

from __future__ import annotations

import functools
import socket
import threading
import time
import urllib.request
from typing import Callable

#: How often a waiting send looks at ``should_stop``.
STOP_POLL_S = 0.1
#: How long a send whose sockets were cut may take to end before it is left to the operating system.
CUT_GRACE_S = 2.0

_current = threading.local()


class SendAbandoned(Exception):
    """The send passed its deadline, or the daemon is stopping (``stopping``); its sockets were cut."""

    def __init__(self, stopping: bool):
        super().__init__("stopping" if stopping else "deadline passed")
        self.stopping = stopping


class Sockets:
    """The sockets one send has opened, so that they can all be shut down from another thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.open: list[socket.socket] = []
        self.cut_off = False

    def add(self, sock: socket.socket) -> None:
        with self.lock:
            self.open.append(sock)
            if self.cut_off:   # opened after the cut: it goes the same way
                shut(sock)

    def cut(self) -> None:
        with self.lock:
            self.cut_off = True
            for sock in self.open:
                shut(sock)


def shut(sock: socket.socket) -> None:
    """Shut a socket down both ways, which wakes a thread blocked reading it (closing it would not)."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:   # already closed, or handed over to a TLS wrapper that is tracked itself
        pass


def track(sock: socket.socket | None) -> None:
    """Count ``sock`` among the current send's sockets (a no-op outside :func:`run_within`)."""
    sockets = getattr(_current, "sockets", None)
    if sockets is not None and sock is not None:
        sockets.add(sock)


@functools.cache
def tracked_connection(connection_class: type) -> type:
    """``connection_class`` (an ``http.client`` connection) whose socket is tracked once connected."""

    class Tracked(connection_class):   # type: ignore[valid-type, misc]
        def connect(self) -> None:
            super().connect()
            track(self.sock)

    Tracked.__name__ = f"Tracked{connection_class.__name__}"
    return Tracked


class TrackedHandlerMixin:
    """An urllib handler whose connections track their sockets."""

    def do_open(self, http_class, req, **kwargs):  # noqa: D102 - urllib API
        return super().do_open(tracked_connection(http_class), req, **kwargs)  # type: ignore[misc]


class TrackedHTTPHandler(TrackedHandlerMixin, urllib.request.HTTPHandler):
    pass


class TrackedHTTPSHandler(TrackedHandlerMixin, urllib.request.HTTPSHandler):
    pass


def tracked_opener(*handlers: urllib.request.BaseHandler | type) -> urllib.request.OpenerDirector:
    """``urllib.request.build_opener(*handlers)`` whose HTTP and HTTPS sockets are tracked."""
    return urllib.request.build_opener(TrackedHTTPHandler, TrackedHTTPSHandler, *handlers)


def run_within(seconds: float, send: Callable[[], None], should_stop: Callable[[], bool] | None = None) -> None:
    """Run ``send`` in a worker thread for at most ``seconds``; its own errors are raised here.

    :raises SendAbandoned: the deadline passed or ``should_stop()`` turned true first; the send's sockets
        were shut down, so its thread ends too.
    """
    sockets, outcome = Sockets(), []

    def run() -> None:
        _current.sockets = sockets
        try:
            send()
            outcome.append(None)
        except BaseException as e:  # noqa: BLE001 - handed to the caller
            outcome.append(e)

    worker = threading.Thread(target=run, name="alert send", daemon=True)
    deadline = time.monotonic() + seconds
    worker.start()
    while worker.is_alive():
        left = deadline - time.monotonic()
        stopping = bool(should_stop and should_stop())
        if left <= 0 or stopping:
            sockets.cut()
            worker.join(CUT_GRACE_S)
            raise SendAbandoned(stopping)
        worker.join(min(left, STOP_POLL_S) if should_stop else left)
    if outcome and outcome[0] is not None:
        raise outcome[0]
