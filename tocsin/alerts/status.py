"""Lines about alerts and deliveries for ``tocsin status``."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from tocsin.store import alerting as store
from tocsin.store.alerts_owed import owed_alerts_summary


def nowhere_to_send(settings: Any) -> str:
    """A warning when alert rules are set but no sink is ('' otherwise): alerts would be raised and kept,
    and reach nobody."""
    if settings.alerts.rules and not settings.alerts.sinks:
        return ("alerts are raised but sent nowhere: no [[alerts.sinks]] is configured; add one (a file, e-mail or "
                "webhook sink) to tocsin.toml. Alerts raised until then are kept ('tocsin alert list'), not sent later")
    return ""


def unsigned_webhooks(settings: Any) -> str:
    """A warning naming the webhook sinks with no ``secret`` ('' when there are none): their messages carry no
    signature, so a receiver cannot tell them from forged ones."""
    from tocsin.config import sink_env_name

    unsigned = [sink.name for sink in settings.alerts.sinks if sink.kind == "webhook" and not sink.secret]
    if not unsigned:
        return ""
    return (f"webhook sink(s) {', '.join(unsigned)} send unsigned messages that a receiver cannot tell from forged "
            f"ones: give each a secret (e.g. {sink_env_name(unsigned[0], 'secret')}) and check the signature on receipt")


def status_lines(db: sqlite_utils.Database, daemon_pid: str | None = "") -> list[str]:
    """Alerts per status, the delivery queue, dead letters (with the newest few), active silences and the
    daemon's steps.

    :param daemon_pid: the pid of the daemon or run holding the store's lock, None when none does (a step
        left unfinished then is one whose process died), ``""`` when unknown.
    """
    from tocsin.alerts.times import as_datetime, iso

    now = iso(as_datetime())
    alerts = store.alert_counts(db)
    deliveries = store.delivery_status_counts(db)
    lines = [
        "alerts: " + (", ".join(f"{k} {v}" for k, v in sorted(alerts.items())) or "none"),
        "delivery queue: " + ", ".join(f"{k} {deliveries.get(k, 0)}" for k in ("pending", "sending", "sent", "silenced", "dead")),
    ]
    owed = owed_alerts_summary(db)
    if owed["count"]:
        lines.append(f"alerts owed: {owed['count']} analyses since {owed['since']} (raising their alerts failed: "
                     f"{owed['error'][:120]}); tried again at the next analyse step")
    due = store.next_due_delivery(db)
    if due:
        lines.append(f"next delivery attempt: {due}")
    dead = store.recent_dead_deliveries(db)
    if dead:
        lines.append(f"dead letters: {deliveries.get('dead', 0)} (retry with 'tocsin alert deliver --retry-dead')")
        lines += [dead_letter_line(row) for row in dead]
    silences = store.list_silences(db, active_at=now)
    if silences:
        lines.append(f"active silences: {len(silences)}")
        for s in silences:
            lines.append(f"  #{s['id']} {' '.join(f'{k}={v}' for k, v in s['matchers'].items())} until {s['ends_at']}")
    from tocsin.store.daemon import job_runs

    if daemon_pid:
        lines.append(f"daemon: running (pid {daemon_pid})")
    elif daemon_pid is None:
        lines.append("daemon: not running (start it with 'tocsin daemon', or schedule 'tocsin run')")
    unfinished = ("its process is gone: closed as interrupted when the daemon next starts" if daemon_pid is None
                  else "running, or waiting for a crawl slot")
    for job in job_runs(db):
        finished = job["finished"]
        state = (f"{job['last_status']} at {job['last_finished_at']}" if finished
                 else f"started at {job['last_started_at']}, not finished ({unfinished})")
        why = f" — {job['last_error'][:100]}" if finished and job["last_status"] in ("failed", "interrupted") else ""
        lines.append(f"job {job['name']}: {state} ({job['runs']} runs, {job['failures']} failed){why}")
    return lines


def dead_letter_line(row: dict[str, Any]) -> str:
    """One dead-lettered delivery: its alert, sink, attempts (since it was last queued), when its message first
    failed (``failing_since``, kept when it is queued again) and why it failed."""
    since = f", failing since {row['failing_since'][:16].replace('T', ' ')} UTC" if row.get("failing_since") else ""
    return f"  alert #{row['alert_id']} → {row['sink']} after {row['attempts']} attempt(s){since}: {row['last_error'][:120]}"
