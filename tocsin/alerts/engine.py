"""Alerts from findings: grouping by rule and key, repeat interval, escalation, silences and the outbox.

In the manner of Alertmanager: every event of one rule and key joins the same open alert. The first
event notifies at once; items that join later are announced in one update no sooner than
``group_interval_minutes`` after the last notification, unless the severity rises (then at once). A
message not yet sent carries everything that joined before its first attempt (it is rendered again
then), so a batch of items makes one message, not one per item. A condition that keeps firing with
nothing new (a stale source) is re-sent after ``repeat_interval_minutes``. An alert without new events
for a repeat interval is resolved (its due update enqueued first); the next event opens a new one. An item
raises a rule once: one that an alert of the rule holds (open or resolved) raises it again only at a higher
severity than that alert's. A notification is one ``deliveries``
row per sink with an idempotency key, written in the same transaction as the alert (and, for item
alerts, as the analysis that raised it).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlite_utils

from tocsin.alerts import messages, rules, severity as sev
from tocsin.alerts.silences import matching_silence
from tocsin.alerts.times import as_datetime, iso, minutes, parse_time
from tocsin.config import AlertRuleSettings, Settings
from tocsin.store import alerting as store
from tocsin.store.db import transaction
from tocsin.store.pseudonyms import item_link_ids

logger = logging.getLogger(__name__)

#: Evidence entries kept on an alert (the message shows the first few).
KEEP_EVIDENCE = 10


@dataclass
class Event:
    """One occurrence for a rule: the key it groups by, its labels, items and evidence."""

    key: str
    severity: str
    labels: dict[str, Any]
    item_ids: list[str] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    hallmarks: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    times: list[str] = field(default_factory=list)
    #: every target group named (the key has the first)
    groups: list[str] = field(default_factory=list)
    #: stale sources: repeat while the condition holds, even with nothing new.
    repeat_while_firing: bool = False
    #: spike/spread: every item of the finding, also those already alerted (a spread cluster keeps the open
    #: alert that holds any of them).
    cluster: list[str] = field(default_factory=list)


def rule_sinks(settings: Settings, rule: AlertRuleSettings) -> list[str]:
    """The sinks a rule sends to: its own list, or every configured sink."""
    return list(rule.sinks) or [s.name for s in settings.alerts.sinks]


def sink_slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name) or "sink"


def idempotency_key(instance: str, alert_id: int, notification: int, sink: str) -> str:
    """The key of one message to one sink: the same on every retry, unique across alerts and installs."""
    return f"tocsin-{instance}-{alert_id}-{notification}-{sink_slug(sink)}"


def merge_payload(old: dict[str, Any] | None, event: Event, rule: AlertRuleSettings) -> dict[str, Any]:
    """An alert's payload after ``event`` joined it: labels, best evidence, sources, hallmarks, times."""
    old = old or {}
    labels = {**old.get("labels", {}), **event.labels, "rule": rule.name, "kind": rule.kind}
    sources = sorted(set(old.get("sources", [])) | set(event.sources))
    labels["source"] = sources if rule.kind != "stale_source" else event.labels.get("source")
    evidence = {e["item_id"]: e for e in old.get("evidence", [])}
    for e in event.evidence:
        evidence.setdefault(e["item_id"], e)
    best = sorted(evidence.values(), key=lambda e: (-e["score"], e["item_id"]))[:KEEP_EVIDENCE]
    times = sorted(t for t in [old.get("first_at"), old.get("last_at"), *event.times] if t)
    return {
        "labels": labels,
        "sources": sources,
        "hallmarks": sorted(set(old.get("hallmarks", [])) | set(event.hallmarks)),
        "groups": list(dict.fromkeys([*old.get("groups", []), *event.groups])),
        "reasons": list(dict.fromkeys([*old.get("reasons", []), *event.reasons]))[:5],
        "evidence": best,
        "stats": event.stats or old.get("stats", {}),
        "first_at": times[0] if times else "",
        "last_at": times[-1] if times else "",
    }


def recounted(db: sqlite_utils.Database, alert: dict[str, Any], members: list[dict[str, Any]],
              settings: Settings) -> dict[str, Any]:
    """``alert`` after some of its items were erased, told again from ``members``, the items it keeps (rows
    with source, times, text and the analysis that speaks for each): sources, hallmarks, groups and times, a
    spread's copies and sources and a burst's count, an item alert's severity and its reasons, then title and
    message. Its evidence is left as it is."""
    payload = alert["payload"]
    sources = sorted({m.get("source", "") for m in members})
    named = {t.get("group") for m in members for t in m.get("targets") or []}
    times = sorted(iso(t) for t in (rules.item_time(m) for m in members) if t)
    labels = {**payload.get("labels", {}), "source": sources}
    stats = dict(payload.get("stats") or {})
    if alert["kind"] == "spread":
        stats.update(copies=len(members), sources=len(sources), source_names=sources)
    elif alert["kind"] == "spike" and "count" in stats:
        stats["count"] = min(int(stats["count"]), len(members))
    alert["payload"] = {**payload, "labels": labels, "sources": sources, "stats": stats,
                        "hallmarks": sorted({h for m in members for h in m.get("hallmarks") or []}),
                        "groups": [g for g in payload.get("groups", []) if g in named],
                        "first_at": times[0] if times else "", "last_at": times[-1] if times else ""}
    rule = next((r for r in settings.alerts.rules if r.name == alert["rule"]), None)
    if rule is not None and rule.kind == "item" and members:
        graded = [sev.item_severity(rule.severity, m, m.get("text") or "") for m in members]
        alert["severity"] = max((level for level, _ in graded), key=sev.rank)
        alert["payload"]["reasons"] = list(dict.fromkeys(r for _, reasons in graded for r in reasons))[:5]
    return refreshed(db, alert, settings)


def alert_labels(alert: dict[str, Any]) -> dict[str, Any]:
    """What silences match on: the payload's labels (group, place, source) with rule, kind, key and severity."""
    return {**alert["payload"].get("labels", {}), "rule": alert["rule"], "kind": alert["kind"], "key": alert["key"],
            "severity": alert["severity"]}


def notify(db: sqlite_utils.Database, settings: Settings, rule: AlertRuleSettings, alert: dict[str, Any],
           reason: str, now: str) -> int:
    """Enqueue one notification of ``alert`` to each of the rule's sinks; returns the messages enqueued
    (silenced ones are recorded as ``silenced`` and not counted)."""
    number = int(alert.get("notifications") or 0) + 1
    silence = matching_silence(store.list_silences(db, active_at=now), alert_labels(alert))
    instance = store.instance_id(db)
    link_id = item_link_ids(db)
    enqueued = 0
    for sink in rule_sinks(settings, rule):
        key = idempotency_key(instance, alert["id"], number, sink)
        body = messages.render_body(alert, idempotency_key=key, notification=number, reason=reason,
                                    review_url=settings.alerts.review_url, link_id=link_id,
                                    thread=idempotency_key(instance, alert["id"], 1, sink))
        status = "silenced" if silence else "pending"
        store.insert_delivery(db, alert_id=alert["id"], sink=sink, idempotency_key=key, notification=number, body=body,
                              status=status, now=now, last_error=f"silenced by #{silence['id']}" if silence else "")
        enqueued += 0 if silence else 1
    store.update_alert(db, alert["id"], notifications=number, notified_count=alert["count"],
                       notified_severity=alert["severity"], last_sent_at=now)
    logger.info("alert #%s %s (%s): %s, %d message(s)%s", alert["id"], alert["title"], alert["severity"], reason,
                enqueued, f", silenced by #{silence['id']}" if silence else "")
    return enqueued


def refreshed(db: sqlite_utils.Database, alert: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """``alert`` with its title and message rendered from its payload."""
    alert["title"] = messages.render_title(alert["payload"])
    alert["message"] = messages.render_text(alert["id"], alert["rule"], alert["severity"], alert["count"],
                                            alert["payload"], settings.alerts.review_url, item_link_ids(db))
    return alert


def fire(db: sqlite_utils.Database, settings: Settings, rule: AlertRuleSettings, event: Event, now: datetime) -> bool:
    """Apply one event: open an alert or join the current one, and notify when due.

    Returns True when an alert was opened or changed.
    """
    stamp = iso(now)
    repeat = minutes(rule.repeat_interval_minutes)
    with transaction(db):
        alert = None
        if rule.kind == "spread":
            alert = store.current_alert_with_items(db, rule.name, event.cluster or event.item_ids)
        alert = alert or store.current_alert(db, rule.name, event.key)
        if alert and not event.repeat_while_firing and parse_time(alert["updated_at"]) <= now - repeat:
            resolve_quiet(db, settings, rule, alert, now)  # quiet for a whole repeat interval: a new episode
            alert = None
        if alert is None:
            payload = merge_payload(None, event, rule)
            alert_id = store.insert_alert(db, rule=rule.name, kind=rule.kind, key=event.key, severity=event.severity,
                                          title=messages.render_title(payload), message="", payload=payload,
                                          item_ids=event.item_ids, now=stamp)
            alert = refreshed(db, store.get_alert(db, alert_id), settings)
            store.update_alert(db, alert_id, message=alert["message"])
            notify(db, settings, rule, alert, "new", stamp)
            return True
        new_ids = [i for i in event.item_ids if i not in alert["item_ids"]]
        escalated = sev.rank(event.severity) > sev.rank(alert["severity"])
        if not new_ids and not escalated:
            if event.repeat_while_firing:
                alert["payload"] = merge_payload(alert["payload"], event, rule)
                alert["updated_at"] = stamp
                refreshed(db, alert, settings)
                store.update_alert(db, alert["id"], updated_at=stamp, payload=alert["payload"], message=alert["message"])
                if (alert["status"] == "open" and not store.has_unsent_delivery(db, alert["id"])
                        and parse_time(alert["last_sent_at"] or alert["created_at"]) <= now - repeat):
                    notify(db, settings, rule, alert, "repeat", stamp)
            return False
        alert["item_ids"] = alert["item_ids"] + new_ids
        alert["count"] = len(alert["item_ids"]) if alert["item_ids"] else alert["count"]
        alert["severity"] = event.severity if escalated else alert["severity"]
        alert["payload"] = merge_payload(alert["payload"], event, rule)
        alert["updated_at"] = stamp
        if escalated and alert["status"] == "acknowledged":
            alert["status"] = "open"
        refreshed(db, alert, settings)
        store.update_alert(db, alert["id"], item_ids=alert["item_ids"], count=alert["count"], severity=alert["severity"],
                           payload=alert["payload"], updated_at=stamp, title=alert["title"], message=alert["message"],
                           status=alert["status"])
        announce(db, settings, rule, alert, now)
        return True


def announce(db: sqlite_utils.Database, settings: Settings, rule: AlertRuleSettings, alert: dict[str, Any],
             now: datetime, *, closing: bool = False) -> bool:
    """Notify about a changed alert when due: at once when its severity rose above what was last sent,
    else once ``group_interval_minutes`` have passed since the last notification, or at once when
    ``closing`` (the alert is about to be resolved: its last chance). Nothing is enqueued while a message
    of this alert waits for its first attempt (it will carry the change)."""
    if alert["status"] != "open" or store.has_unsent_delivery(db, alert["id"]):
        return False
    if sev.rank(alert["severity"]) > sev.rank(alert["notified_severity"]):
        notify(db, settings, rule, alert, f"escalated to {alert['severity']}", iso(now))
        return True
    last = parse_time(alert["last_sent_at"] or alert["created_at"])
    if alert["count"] > alert["notified_count"] and (closing or last <= now - minutes(rule.group_interval_minutes)):
        notify(db, settings, rule, alert, "update", iso(now))
        return True
    return False


def resolve_quiet(db: sqlite_utils.Database, settings: Settings, rule: AlertRuleSettings, alert: dict[str, Any],
                  now: datetime) -> bool:
    """Resolve an alert quiet for a repeat interval, first enqueueing the update it is due (items that joined
    after its last message, when no evaluation ran between their arrival and now); True when one was."""
    announced = announce(db, settings, rule, alert, now, closing=True)
    store.resolve_alert(db, alert["id"], iso(now))
    return announced


def fresh_items(db: sqlite_utils.Database, rule: AlertRuleSettings, item_ids: list[str], severity: str) -> list[str]:
    """Those of ``item_ids`` that may raise ``rule`` at ``severity``: those no alert of the rule holds yet (open or
    resolved), and those it holds only at a lower severity (an item re-analysed or edited into something worse).
    An item already told is not told again when its alert resolved, a new model analysed it, or it was edited."""
    held = store.alert_severities_of_items(db, rule.name, item_ids)
    return [i for i in item_ids if sev.rank(severity) > max(map(sev.rank, held.get(i, [])), default=-1)]


# --------------------------------------------------------------------------- item rule


def item_event(rule: AlertRuleSettings, row: dict[str, Any], text: str) -> Event | None:
    """The event an analysis raises under an item rule, or None when it does not qualify."""
    if row.get("error") or not row.get("incitement") or float(row.get("score") or 0) < rule.min_score:
        return None
    pairs = rules.pairs_of(row)
    if not pairs:
        return None  # no target group: not ethnically targeted
    group, place = pairs[0]
    level, reasons = sev.item_severity(rule.severity, row, text)
    entry = messages.evidence_entry({**row, "text": text})
    when = rules.item_time(row)
    return Event(key=f"{group}|{place}", severity=level, labels={"group": group, "place": place},
                 item_ids=[row["item_id"]], evidence=[entry], sources=[row.get("source", "")],
                 hallmarks=list(row.get("hallmarks") or []), reasons=reasons, times=[iso(when)] if when else [],
                 groups=list(dict.fromkeys(g for g, _ in pairs)))


def raise_item_alerts(db: sqlite_utils.Database, settings: Settings, rows: list[dict[str, Any]],
                      now: datetime | str | None = None) -> int:
    """Raise item alerts for freshly saved analyses; usable as ``analyse_pending(on_batch_saved=…)``.

    Runs in the caller's transaction (the outbox): the alerts and their deliveries commit with the
    analyses or not at all. Returns how many analyses opened or joined an alert.

    :param rows: decoded analyses with their item's source, kind, url, title, first_seen, published_at.
    """
    item_rules = [r for r in settings.alerts.rules if r.enabled and r.kind == "item"]
    if not item_rules or not rows:
        return 0
    moment = as_datetime(now)
    from tocsin.store import get_item

    raised = 0
    with transaction(db):
        for row in rows:
            if not row.get("incitement"):
                continue
            item = get_item(db, row["item_id"]) or {}
            text = row.get("text") or item.get("text") or ""
            full = {**item, **{k: v for k, v in row.items() if v is not None}, "item_id": row["item_id"]}
            for rule in item_rules:
                event = item_event(rule, full, text)
                if event is None or not fresh_items(db, rule, event.item_ids, event.severity):
                    continue
                if fire(db, settings, rule, event, moment):
                    raised += 1
    return raised


# --------------------------------------------------------------------------- evaluated rules


def evidence_for(rows_by_id: dict[str, dict[str, Any]], item_ids: list[str]) -> list[dict[str, Any]]:
    return [messages.evidence_entry(rows_by_id[i]) for i in item_ids if i in rows_by_id]


def aggregate_event(finding: rules.Finding, rule: AlertRuleSettings, rows_by_id: dict[str, dict[str, Any]],
                    item_ids: list[str]) -> Event:
    """An event for a spike or spread finding that raises ``item_ids`` (those of its items not yet alerted),
    with their evidence."""
    members = [rows_by_id[i] for i in item_ids if i in rows_by_id]
    times = [iso(t) for t in (rules.item_time(r) for r in members) if t]
    return Event(key=finding.key, severity=rule.severity, labels=finding.labels, item_ids=item_ids,
                 evidence=evidence_for(rows_by_id, item_ids), sources=sorted({r.get("source", "") for r in members}),
                 hallmarks=sorted({h for r in members for h in r.get("hallmarks") or []}), stats=finding.stats, times=times,
                 cluster=finding.item_ids)


def fire_findings(db: sqlite_utils.Database, settings: Settings, rule: AlertRuleSettings, findings: list[rules.Finding],
                  rows: list[dict[str, Any]], now: datetime) -> int:
    """Fire each spike or spread finding with its items not yet alerted under ``rule`` (a burst or a cluster
    still in the window after its alert resolved raises nothing again); returns the alerts opened or changed."""
    by_id = {r["item_id"]: r for r in rows}
    changed = 0
    for finding in findings:
        with transaction(db):
            fresh = fresh_items(db, rule, finding.item_ids, rule.severity)
            if fresh and fire(db, settings, rule, aggregate_event(finding, rule, by_id, fresh), now):
                changed += 1
    return changed


def evaluate_spike(db: sqlite_utils.Database, settings: Settings, rule: AlertRuleSettings, now: datetime) -> int:
    window, baseline = minutes(rule.window_minutes), minutes(rule.baseline_days * 24 * 60)
    late = minutes(rule.late_minutes)
    only_flagged = rule.min_score <= 0
    rows = store.scored_analyses_since(db, iso(now - late - window - baseline), min_score=rule.min_score,
                                       only_flagged=only_flagged)
    findings = rules.find_spikes(rows, now, window=window, baseline=baseline, min_count=rule.min_count,
                                 max_p_value=rule.max_p_value, late=late)
    return fire_findings(db, settings, rule, findings, rows, now)


def evaluate_spread(db: sqlite_utils.Database, settings: Settings, rule: AlertRuleSettings, now: datetime) -> int:
    window, late = minutes(rule.window_minutes), minutes(rule.late_minutes)
    rows = store.scored_analyses_since(db, iso(now - late - window), min_score=rule.min_score, only_flagged=True)
    link_id = item_link_ids(db)
    findings = rules.find_spread(rows, now, window=window, similarity=rule.similarity, min_sources=rule.min_sources,
                                 key_of=lambda item_id: link_id(item_id)[:16], late=late)
    return fire_findings(db, settings, rule, findings, rows, now)


def evaluate_stale(db: sqlite_utils.Database, settings: Settings, rule: AlertRuleSettings, now: datetime) -> int:
    configured = {s.name for s in settings.enabled_sources()}
    rows = [r for r in store.source_freshness(db) if not configured or r["name"] in configured]
    findings = {f.key: f for f in rules.find_stale_sources(rows, now)}
    last_success = {r["name"]: parse_time(r["last_success_at"]) for r in rows}
    changed = 0
    for finding in findings.values():
        event = Event(key=finding.key, severity=rule.severity, labels=finding.labels, stats=finding.stats,
                      repeat_while_firing=True)
        changed += fire(db, settings, rule, event, now)
    for alert in store.unresolved_alerts(db, rule.name):
        # resolved once the source has crawled well since the alert (or is no longer crawled), not while a retry
        # of a failing source merely runs
        succeeded = last_success.get(alert["key"])
        if alert["key"] not in findings and (alert["key"] not in last_success
                                             or (succeeded is not None and succeeded >= parse_time(alert["created_at"]))):
            with transaction(db):
                alert = crawled_again(db, alert, succeeded)
                store.resolve_alert(db, alert["id"], iso(now))
                logger.info("alert #%s resolved: source %s crawls again", alert["id"], alert["key"])
                if alert["notifications"] and alert["status"] == "open":  # tell those who were told it stopped
                    notify(db, settings, rule, {**alert, "status": "resolved", "updated_at": iso(now)}, "resolved", iso(now))
            changed += 1
    return changed


def crawled_again(db: sqlite_utils.Database, alert: dict[str, Any], succeeded: datetime | None) -> dict[str, Any]:
    """``alert`` of a stale source with when the source crawled successfully again (``crawled_again_at`` in its
    stats, "" when it is no longer crawled) stored in its payload, which its ``[RESOLVED]`` message is rendered
    from."""
    stats = {**alert["payload"].get("stats", {}), "crawled_again_at": iso(succeeded) if succeeded else ""}
    payload = {**alert["payload"], "stats": stats}
    store.update_alert(db, alert["id"], payload=payload)
    return {**alert, "payload": payload}


def sweep(db: sqlite_utils.Database, settings: Settings, now: datetime) -> int:
    """Send due updates of alerts that gathered items since their last notification; resolve quiet ones (with
    the update they are due)."""
    by_name = {r.name: r for r in settings.alerts.rules if r.enabled}
    sent = 0
    for alert in store.unresolved_alerts(db):
        rule = by_name.get(alert["rule"])
        if rule is None or rule.kind == "stale_source":
            continue
        repeat = minutes(rule.repeat_interval_minutes)
        with transaction(db):
            if parse_time(alert["updated_at"]) <= now - repeat:
                sent += resolve_quiet(db, settings, rule, alert, now)
            elif announce(db, settings, rule, alert, now):
                sent += 1
    return sent


EVALUATORS = {"spike": evaluate_spike, "spread": evaluate_spread, "stale_source": evaluate_stale}


def evaluate_rules(db: sqlite_utils.Database, settings: Settings, now: datetime | str | None = None) -> int:
    """Evaluate the spike, spread and stale-source rules and send due repeats; returns alerts opened,
    changed or repeated. A rule that fails is logged and the others still run."""
    moment = as_datetime(now)
    total = 0
    for rule in settings.alerts.rules:
        evaluator = EVALUATORS.get(rule.kind)
        if not rule.enabled or evaluator is None:
            continue
        try:
            total += evaluator(db, settings, rule, moment)
        except Exception:
            logger.exception("alert rule %s (%s) failed; the other rules go on", rule.name, rule.kind)
    return total + sweep(db, settings, moment)
