"""Reading an HTTP ``Retry-After`` header: shared by the crawler's retries and alert delivery, which each cap
the wait their own way (the crawler at 60 s, alert delivery at 6 hours)."""

from __future__ import annotations

from datetime import datetime, timezone
from email.utils import parsedate_to_datetime


def retry_after_s(header: str, now: datetime | None = None) -> float | None:
    """The seconds a ``Retry-After`` header asks to wait, in either form RFC 9110 allows: a number of seconds or
    an HTTP date (counted from ``now``; a date past is 0). None for an empty or unreadable header."""
    header = header.strip()
    if header.isdigit():
        return float(header)
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:   # "-0000": UTC, by RFC 5322
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())
