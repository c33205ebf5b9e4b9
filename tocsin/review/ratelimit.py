"""A small in-process limiter of failed logins per account and address, and per address alone."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from typing import Callable

#: An address may fail this many times more than one account may (guessing across many names).
PER_ADDRESS_FACTOR = 4


class LoginLimiter:
    """Counts failed logins in a sliding one-minute window (an attempt :meth:`reserve` let through counts as
    failed until it succeeds)."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic):
        self.per_minute = max(1, int(per_minute))
        self.clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._swept_at = self.clock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures[key]
        while times and now - times[0] >= 60.0:
            times.popleft()
        if not times:
            self._failures.pop(key, None)
        return times

    def _wait(self, username: str, address: str, now: float) -> float:
        """Seconds until another attempt is allowed (0 when allowed now); the caller holds the lock."""
        waits = []
        for key, limit in (((username, address), self.per_minute), (("", address), self.per_minute * PER_ADDRESS_FACTOR)):
            times = self._recent(key, now)
            if len(times) >= limit:
                waits.append(60.0 - (now - times[0]))
        return max(waits, default=0.0)

    def _record(self, username: str, address: str, now: float) -> None:
        """Count one failed attempt; the caller holds the lock."""
        self._failures[(username, address)].append(now)
        self._failures[("", address)].append(now)
        if now - self._swept_at >= 60.0:
            self._sweep(now)

    def blocked_for(self, username: str, address: str) -> float:
        """Seconds until another attempt is allowed (0 when allowed now)."""
        now = self.clock()
        with self._lock:
            return self._wait(username, address, now)

    def reserve(self, username: str, address: str) -> float:
        """Check and count one attempt at once: the seconds to wait (nothing counted), or 0 and the attempt counted
        as failed until :meth:`succeeded` says otherwise, so guesses sent together cannot all pass the check."""
        now = self.clock()
        with self._lock:
            wait = self._wait(username, address, now)
            if wait <= 0:
                self._record(username, address, now)
            return wait

    def failed(self, username: str, address: str) -> None:
        """Record a failed attempt."""
        now = self.clock()
        with self._lock:
            self._record(username, address, now)

    def _sweep(self, now: float) -> None:
        """Forget names and addresses with no failure in the last minute (guesses from ever new addresses or
        names would otherwise be remembered for as long as the page runs)."""
        for key in [key for key, times in self._failures.items() if not times or now - times[-1] >= 60.0]:
            del self._failures[key]
        self._swept_at = now

    def __len__(self) -> int:
        """How many names and addresses with failures are remembered."""
        return len(self._failures)

    def succeeded(self, username: str, address: str) -> None:
        """Forget this account's failures from this address, and the address's count of the attempt
        :meth:`reserve` counted."""
        with self._lock:
            self._failures.pop((username, address), None)
            times = self._failures.get(("", address))
            if times:
                times.pop()
                if not times:
                    del self._failures[("", address)]
