"""The rules' pure logic: bursts against a baseline, near-duplicate texts across sources, stale sources.

Nothing here reads or writes the store; :mod:`tocsin.alerts.engine` feeds these functions and turns their
findings into alerts.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any, Callable, Iterable

from tocsin.alerts.times import parse_time

NO_PLACE = "-"
#: The time of a (time, item id) entry of a timeline.
TIME_OF = itemgetter(0)


@dataclass
class Finding:
    """One thing a rule found: its key, the items behind it and figures for the message."""

    key: str
    item_ids: list[str]
    labels: dict[str, Any] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)


def item_time(row: dict[str, Any]) -> datetime | None:
    """When an item happened: its publication time, or when it was first seen when that is missing,
    unreadable or in the future of the crawl (a bad clock)."""
    seen = parse_time(row.get("first_seen"))
    published = parse_time(row.get("published_at"))
    if published and (seen is None or published <= seen + timedelta(minutes=10)):
        return published
    return seen


def pairs_of(row: dict[str, Any]) -> list[tuple[str, str]]:
    """The (target group, place) pairs an analysis speaks of; ``-`` when it names no place."""
    groups = list(dict.fromkeys(t.get("group", "") for t in row.get("targets") or [] if t.get("group")))
    places = list(dict.fromkeys(p.get("place", "") for p in row.get("places") or [] if p.get("place"))) or [NO_PLACE]
    return [(g, p) for g in groups for p in places]


# --------------------------------------------------------------------------- spike


def poisson_tail(count: int, expected: float) -> float:
    """P(X ≥ count) for X ~ Poisson(expected), summed directly so tiny tails keep their precision."""
    if count <= 0:
        return 1.0
    if expected <= 0:
        return 0.0
    log_pmf = count * math.log(expected) - expected - math.lgamma(count + 1)
    total, k, term = 0.0, count, math.exp(log_pmf)
    while term > 1e-300 and k < count + 10_000:
        total += term
        k += 1
        term *= expected / k
        if term < total * 1e-16:
            break
    return min(1.0, total)


@dataclass
class Window:
    """The items of one pair in one window, and how unlikely so many are under the baseline before it."""

    item_ids: list[str]
    expected: float
    p_value: float
    baseline_items: int


def find_spikes(rows: Iterable[dict[str, Any]], now: datetime, *, window: timedelta, baseline: timedelta,
                min_count: int, max_p_value: float, late: timedelta = timedelta(0)) -> list[Finding]:
    """(group, place) pairs with a burst of flagged items in a ``window``: at least ``min_count`` items, and a
    Poisson tail probability of at most ``max_p_value`` given the pair's rate over the ``baseline`` before
    that window (with one pseudo-count, so a pair never seen before still needs ``min_count`` items).

    A window ends now and, so that a burst reaching tocsin late (crawl lag, downtime, an analysis backlog) is
    still counted together, also at the time of each item of the last ``late``. A finding holds the items of
    every window that is a burst, with the figures of the least likely one."""
    history_start = now - late - window - baseline
    times: dict[tuple[str, str], dict[str, datetime]] = {}
    hallmarks: dict[str, list[str]] = {}
    for row in rows:
        at = item_time(row)
        if at is None or at > now or at < history_start:
            continue
        hallmarks[row["item_id"]] = row.get("hallmarks") or []
        for pair in pairs_of(row):
            times.setdefault(pair, {}).setdefault(row["item_id"], at)
    findings = []
    for pair, by_id in sorted(times.items()):
        if len(by_id) < min_count:
            continue
        timeline = sorted((at, item_id) for item_id, at in by_id.items())
        windows = [window_ending(timeline, end, window, baseline, min_count) for end in window_ends(timeline, now, late)]
        bursts = [w for w in windows if w.p_value <= max_p_value]
        if not bursts:
            continue
        best = min(bursts, key=lambda w: w.p_value)  # of windows as unlikely, the latest
        ids = sorted({i for w in bursts for i in w.item_ids}, key=lambda i: (by_id[i], i))
        group, place = pair
        findings.append(Finding(
            key=f"{group}|{place}", item_ids=ids, labels={"group": group, "place": place},
            stats={"count": len(best.item_ids), "expected": round(best.expected, 4), "p_value": best.p_value,
                   "baseline_items": best.baseline_items, "baseline_days": f"{baseline.total_seconds() / 86400:g}",
                   "window_minutes": int(window.total_seconds() // 60),
                   "hallmarks": sorted({h for i in ids for h in hallmarks[i]})}))
    return findings


def window_ends(timeline: list[tuple[datetime, str]], now: datetime, late: timedelta) -> list[datetime]:
    """The ends of the windows a rule tests on ``timeline`` ((time, item id) entries by time), latest first: now
    and, so that items reaching tocsin late (crawl lag, downtime, an analysis backlog) are still counted together
    with those they came with, the time of each entry of the last ``late``."""
    return sorted({now, *(at for at, _ in timeline if at > now - late)}, reverse=True)


def window_span(timeline: list[tuple[datetime, str]], end: datetime, window: timedelta) -> tuple[int, int]:
    """``(first, last)``: ``timeline[first:last]`` are the entries of the ``window`` ending at ``end`` (after
    ``end - window``, up to ``end``)."""
    return bisect_right(timeline, end - window, key=TIME_OF), bisect_right(timeline, end, key=TIME_OF)


def window_ending(timeline: list[tuple[datetime, str]], end: datetime, window: timedelta, baseline: timedelta,
                  min_count: int) -> Window:
    """The ``window`` ending at ``end`` in ``timeline`` (one pair's items by time), tested against the items of the
    ``baseline`` before it; fewer than ``min_count`` items are no burst (p = 1)."""
    first, last = window_span(timeline, end, window)
    before = first - bisect_left(timeline, end - window - baseline, key=TIME_OF)
    expected = (before + 1) / (baseline / window)
    count = last - first
    return Window(item_ids=[i for _, i in timeline[first:last]], expected=expected, baseline_items=before,
                  p_value=poisson_tail(count, expected) if count >= min_count else 1.0)


# --------------------------------------------------------------------------- spread

URL_RE = re.compile(r"https?://\S+|t\.me/\S+|@\w+")
NON_WORD_RE = re.compile(r"[\W_]+", re.UNICODE)
SHINGLE = 5
NUM_PERM = 128


def normalise_for_matching(text: str) -> str:
    """Lower case, without links, handles, punctuation and repeated spaces: what copies share."""
    return " ".join(NON_WORD_RE.sub(" ", URL_RE.sub(" ", text.lower())).split())


def shingles(text: str, size: int = SHINGLE) -> set[bytes]:
    """Character ``size``-grams of a normalised text (robust to inflection and small edits)."""
    if len(text) <= size:
        return {text.encode("utf-8")} if text else set()
    return {text[i:i + size].encode("utf-8") for i in range(len(text) - size + 1)}


def jaccard(a: set[bytes], b: set[bytes]) -> float:
    """|a ∩ b| / |a ∪ b| (0 for two empty sets)."""
    return len(a & b) / len(a | b) if a or b else 0.0


def find_spread(rows: Iterable[dict[str, Any]], now: datetime, *, window: timedelta, similarity: float,
                min_sources: int, key_of: Callable[[str], str], late: timedelta = timedelta(0)) -> list[Finding]:
    """Clusters of the same or nearly the same text carried by at least ``min_sources`` distinct sources
    within a ``window``. MinHash LSH (tuned for recall, below ``similarity``) proposes pairs; the exact
    Jaccard similarity of their character 5-grams decides. A cluster's key is ``text:`` and ``key_of`` its
    first item (alert keys leave the store: not the store's id, a hash anyone can compute from a URL).

    As for spikes, a window ends now and also at the time of each copy of the last ``late`` (:func:`window_ends`),
    so copies reaching tocsin late still count with those they came with; a finding holds the copies of every
    window carried by enough sources."""
    from datasketch import MinHash, MinHashLSH

    start = now - late - window
    docs: dict[str, dict[str, Any]] = {}
    # Exact copies (after normalising) share one entry in the index: a campaign's thousand identical
    # copies are one text to compare, joined to it at once.
    first_with_text: dict[str, str] = {}
    copy_of: dict[str, str] = {}
    for row in rows:
        at = item_time(row)
        if at is None or not (start < at <= now) or row["item_id"] in docs:
            continue
        norm = normalise_for_matching(f"{row.get('title') or ''} {row.get('text') or ''}")
        if norm in first_with_text:
            copy_of[row["item_id"]] = first_with_text[norm]
            docs[row["item_id"]] = {"row": row, "at": at}
            continue
        grams = shingles(norm)
        if len(norm) < 20 or not grams:
            continue  # too short to tell a copy from a coincidence
        mh = MinHash(num_perm=NUM_PERM, seed=1)
        mh.update_batch(list(grams))
        first_with_text[norm] = row["item_id"]
        docs[row["item_id"]] = {"row": row, "minhash": mh, "at": at, "grams": grams}
    if len(docs) < min_sources:
        return []
    indexed = {item_id: doc for item_id, doc in docs.items() if item_id not in copy_of}
    lsh = MinHashLSH(threshold=max(0.3, similarity - 0.15), num_perm=NUM_PERM, weights=(0.2, 0.8))
    for item_id, doc in indexed.items():
        lsh.insert(item_id, doc["minhash"])
    parent = {item_id: copy_of.get(item_id, item_id) for item_id in docs}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for item_id, doc in indexed.items():
        for other in lsh.query(doc["minhash"]):
            # texts already joined need no exact comparison: near copies of a campaign would cost k² of them
            if root(other) != root(item_id) and jaccard(doc["grams"], docs[other]["grams"]) >= similarity:
                parent[root(other)] = root(item_id)
    clusters: dict[str, list[str]] = {}
    for item_id in docs:
        clusters.setdefault(root(item_id), []).append(item_id)
    findings = []
    for cluster in clusters.values():
        members = spread_members(sorted((docs[m]["at"], m) for m in cluster), now, window, late, min_sources,
                                 source_of=lambda m: docs[m]["row"].get("source", ""))
        if not members:
            continue
        sources = sorted({docs[m]["row"].get("source", "") for m in members})
        first = docs[members[0]]["row"]
        groups = [t.get("group") for t in first.get("targets") or [] if t.get("group")]
        places = [p.get("place") for p in first.get("places") or [] if p.get("place")]
        findings.append(Finding(
            key=f"text:{key_of(members[0])}", item_ids=members,
            labels={"group": groups[0] if groups else "", "place": places[0] if places else NO_PLACE},
            stats={"copies": len(members), "sources": len(sources), "source_names": sources,
                   "window_minutes": int(window.total_seconds() // 60)}))
    return findings


def spread_members(timeline: list[tuple[datetime, str]], now: datetime, window: timedelta, late: timedelta,
                   min_sources: int, source_of: Callable[[str], str]) -> list[str]:
    """The copies of one cluster (``timeline``: its (time, item id) entries by time) in a window carried by at
    least ``min_sources`` distinct sources, of every window tested (:func:`window_ends`), in time order."""
    if len({source_of(i) for _, i in timeline}) < min_sources:
        return []  # not even all its copies together
    held: set[str] = set()
    for end in window_ends(timeline, now, late):
        first, last = window_span(timeline, end, window)
        inside = [item_id for _, item_id in timeline[first:last]]
        if len({source_of(i) for i in inside}) >= min_sources:
            held.update(inside)
    return [item_id for _, item_id in timeline if item_id in held]


# --------------------------------------------------------------------------- stale sources


def find_stale_sources(rows: Iterable[dict[str, Any]], now: datetime, factor: float = 2.0) -> list[Finding]:
    """Enabled sources with no successful crawl for more than ``factor`` × their interval (counted from
    when the source was added if it never succeeded) that tocsin has tried to crawl since: their latest
    run after the last success failed, or has been running longer than one interval. A source nobody
    tried (the daemon was stopped) is not stale yet: restarting after a pause does not raise an alert
    for every source before their first crawls end."""
    findings = []
    for row in rows:
        interval = timedelta(minutes=int(row.get("interval_minutes") or 60))
        success = parse_time(row.get("last_success_at"))
        last = success or parse_time(row.get("created_at"))
        if last is None or now - last <= factor * interval:
            continue
        started = parse_time(row.get("last_started_at"))
        if started is None or (success is not None and started < success):
            continue
        status = row.get("last_status")
        if not (status == "failed" or (status == "running" and now - started > interval)):
            continue
        findings.append(Finding(
            key=row["name"], item_ids=[], labels={"source": row["name"]},
            stats={"last_success_at": row.get("last_success_at") or "", "last_crawl_at": row.get("last_crawl_at") or "",
                   "last_status": status, "interval_minutes": int(interval.total_seconds() // 60),
                   "silent_minutes": int((now - last).total_seconds() // 60)}))
    return findings
