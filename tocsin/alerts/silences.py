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


def unknown_values(matchers: dict[str, str], settings: Any) -> list[str]:
    """Warnings for matchers without wildcards whose value no alert can carry: a group tocsin does not name
    (``uzbeks`` for ``uzbek``), a source or a rule the config lacks, a severity or kind of alert that does not
    exist. A silence that matches nothing mutes nothing."""
    import difflib

    from tocsin.alerts.messages import GROUP_NAMES
    from tocsin.config import RULE_KINDS, SEVERITIES

    known = {"group": list(GROUP_NAMES), "source": [s.name for s in settings.sources],
             "rule": [r.name for r in settings.alerts.rules], "severity": list(SEVERITIES), "kind": list(RULE_KINDS)}
    warnings = []
    for name, value in matchers.items():
        if name not in known or any(ch in value for ch in "*?[") or value.casefold() in {k.casefold() for k in known[name]}:
            continue
        close = difflib.get_close_matches(value, known[name], n=1, cutoff=0.7)
        warnings.append(f"no {name} is called {value!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
                        + f"; this silence mutes only alerts whose {name} is {value!r}")
    return warnings


def matches(matchers: dict[str, str], labels: dict[str, Any]) -> bool:
    """Whether every matcher matches the alert's labels (a list label matches when any element does), in any
    case: ``place=Osh``, as titles write it, matches the label ``osh``."""
    for name, pattern in matchers.items():
        value = labels.get(name)
        values = value if isinstance(value, list) else [value]
        if not any(v is not None and fnmatch.fnmatchcase(str(v).casefold(), pattern.casefold()) for v in values):
            return False
    return True


def matching_silence(silences: list[dict[str, Any]], labels: dict[str, Any]) -> dict[str, Any] | None:
    """The first silence (as stored, matchers decoded) that matches ``labels``, or None."""
    for silence in silences:
        if matches(silence["matchers"], labels):
            return silence
    return None
