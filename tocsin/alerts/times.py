"""Times as the store keeps them (ISO 8601 UTC strings) and as the rules compute with them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone


def as_datetime(now: datetime | str | None = None) -> datetime:
    """``now`` (a datetime, an ISO string or None for the current time) as an aware UTC datetime."""
    if now is None:
        return datetime.now(timezone.utc).replace(microsecond=0)
    if isinstance(now, str):
        parsed = parse_time(now)
        if parsed is None:
            raise ValueError(f"not an ISO 8601 time: {now!r}")
        return parsed
    return now.replace(tzinfo=timezone.utc) if now.tzinfo is None else now.astimezone(timezone.utc)


def iso(moment: datetime) -> str:
    """The store's time format: ISO 8601, UTC, seconds."""
    return as_datetime(moment).isoformat(timespec="seconds")


def parse_time(value: str | None) -> datetime | None:
    """Parse an ISO 8601 time (``Z`` or an offset; naive means UTC); None when empty or unreadable."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed.astimezone(timezone.utc)


def minutes(n: float) -> timedelta:
    """A timedelta of ``n`` minutes."""
    return timedelta(minutes=n)
