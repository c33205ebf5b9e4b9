"""Silences in the manner of Alertmanager: matchers on an alert's labels that mute its messages for a time."""

from __future__ import annotations

import fnmatch
from typing import Any

#: Labels a silence can match, as in ``tocsin alert silence add group=uzbek place=osh``.
MATCHER_NAMES = ("rule", "kind", "key", "severity", "group", "place", "source")


class BadMatcher(ValueError):
    """A silence matcher is malformed or names an unknown label."""


def parse_matchers(args: list[str]) -> dict[str, str]:
    """Turn ``name=value`` arguments into matchers; values may use ``*`` and ``?`` wildcards."""
    matchers: dict[str, str] = {}
    for arg in args:
        name, sep, value = arg.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            raise BadMatcher(f"matcher {arg!r} is not name=value; e.g. group=uzbek place=osh rule=burst")
        if name not in MATCHER_NAMES:
            raise BadMatcher(f"unknown matcher {name!r}; use one of: {', '.join(MATCHER_NAMES)}")
        matchers[name] = value
    if not matchers:
        raise BadMatcher("a silence needs at least one matcher, e.g. group=uzbek (use rule=* to mute everything)")
    return matchers


def matches(matchers: dict[str, str], labels: dict[str, Any]) -> bool:
    """Whether every matcher matches the alert's labels (a list label matches when any element does)."""
    for name, pattern in matchers.items():
        value = labels.get(name)
        values = value if isinstance(value, list) else [value]
        if not any(v is not None and fnmatch.fnmatchcase(str(v), pattern) for v in values):
            return False
    return True


def matching_silence(silences: list[dict[str, Any]], labels: dict[str, Any]) -> dict[str, Any] | None:
    """The first silence (as stored, matchers decoded) that matches ``labels``, or None."""
    for silence in silences:
        if matches(silence["matchers"], labels):
            return silence
    return None
