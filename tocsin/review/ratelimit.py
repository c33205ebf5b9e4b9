"""A small in-process limiter of failed logins per account and address, per address alone, and per account
from every address it has not logged in from."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from typing import Callable

#: An address may fail this many times more than one account may (guessing across many names).
PER_ADDRESS_FACTOR = 4
#: An account may fail this many times more, summed over every address, than from one address (guessing one
#: monitor's password from many addresses); the addresses it logged in from are spared (see :data:`TRUSTED_S`).
PER_ACCOUNT_FACTOR = 4
#: How long an address an account logged in from is spared that account's limit over all addresses, so that
#: guesses sent from elsewhere cannot lock the monitor out of their own machine.
TRUSTED_S = 24 * 3600.0
#: The key of the count of an address (any name), and of an account (any address): no name or address is None, so
#: an empty name ("") has a count of its own and is not counted twice in its address's.
ANY = None
#: A count's key: (name, address), (ANY, address) or (name, ANY).
Key = tuple[str | None, str | None]


class LoginLimiter:
    """Counts failed logins in a sliding one-minute window (an attempt :meth:`reserve` let through counts as
    failed until it succeeds). Nothing is stored: addresses live in memory only."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic):
        self.per_minute = max(1, int(per_minute))
        self.clock = clock
        self._failures: dict[Key, deque[float]] = defaultdict(deque)
        self._trusted: dict[Key, float] = {}
        #: The times of the attempts :meth:`reserve` counted in the last minute, per (name, address), oldest first.
        self._reserved: dict[Key, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._swept_at = self.clock()

    def _recent(self, key: Key, now: float) -> deque[float]:
        times = self._failures[key]
        while times and now - times[0] >= 60.0:
            times.popleft()
        if not times:
            self._failures.pop(key, None)
        return times

    def _limits(self, username: str, address: str, now: float) -> list[tuple[Key, int]]:
        """The counts an attempt is checked against and counted in, with their limits."""
        limits = [((username, address), self.per_minute), ((ANY, address), self.per_minute * PER_ADDRESS_FACTOR)]
        if now - self._trusted.get((username, address), -TRUSTED_S) >= TRUSTED_S:
            limits.append(((username, ANY), self.per_minute * PER_ACCOUNT_FACTOR))
        return limits

    def _wait(self, username: str, address: str, now: float) -> float:
        """Seconds until another attempt is allowed (0 when allowed now); the caller holds the lock."""
        waits = []
        for key, limit in self._limits(username, address, now):
            times = self._recent(key, now)
            if len(times) >= limit:
                waits.append(60.0 - (now - times[0]))
        return max(waits, default=0.0)

    def _record(self, username: str, address: str, now: float) -> None:
        """Count one failed attempt; the caller holds the lock."""
        for key in ((username, address), (ANY, address), (username, ANY)):
            self._failures[key].append(now)
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
                self._reserved[(username, address)].append(now)
            return wait

    def failed(self, username: str, address: str) -> None:
        """Record a failed attempt."""
        now = self.clock()
        with self._lock:
            self._record(username, address, now)

    def _sweep(self, now: float) -> None:
        """Forget names and addresses with no failure in the last minute, and addresses trusted too long ago
        (guesses from ever new addresses or names would otherwise be remembered for as long as the page runs)."""
        for table in (self._failures, self._reserved):
            for key in [key for key, times in table.items() if not times or now - times[-1] >= 60.0]:
                del table[key]
        for key in [key for key, at in self._trusted.items() if now - at >= TRUSTED_S]:
            del self._trusted[key]
        self._swept_at = now

    def __len__(self) -> int:
        """How many names and addresses with failures are remembered."""
        return len(self._failures)

    def succeeded(self, username: str, address: str) -> None:
        """Forget this account's failures from this address, take back the attempt :meth:`reserve` counted for the
        address and the account, and spare the address the account's limit over all addresses for a day."""
        with self._lock:
            self._failures.pop((username, address), None)
            self._take_back(username, address, ((ANY, address), (username, ANY)))
            self._reserved.pop((username, address), None)   # its earlier attempts were failures, counted as such
            self._trusted[(username, address)] = self.clock()

    def withdraw(self, username: str, address: str) -> None:
        """Take back the attempt :meth:`reserve` counted, for an attempt that was never judged (the store was busy):
        nobody typed anything wrong."""
        with self._lock:
            self._take_back(username, address, ((username, address), (ANY, address), (username, ANY)))

    def _take_back(self, username: str, address: str, keys: tuple[Key, ...]) -> None:
        """Drop the latest attempt :meth:`reserve` counted for ``username`` at ``address`` from each of ``keys``,
        by its own time, so that the attempts of other names or addresses keep theirs; the caller holds the
        lock."""
        pending = self._reserved.get((username, address))
        if not pending:
            return
        at = pending.pop()
        if not pending:
            del self._reserved[(username, address)]
        for key in keys:
            times = self._failures.get(key)
            if times and at in times:
                times.remove(at)
                if not times:
                    del self._failures[key]
