"""``tocsin alert …``: list, show and acknowledge alerts; silences; deliver and evaluate by hand."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Callable

import click

from tocsin.cli.app import LIMIT, App, main, pass_app, plain_cell, table_console
from tocsin.terminal import json_terminal_safe, terminal_safe

DURATION_RE = re.compile(r"(\d+)\s*([smhdw])")
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
#: An alert or silence number as SQLite can store it.
ROW_ID = LIMIT


def not_found_is_an_error(command):
    """Turn an unknown alert or silence id into a clear one-line error (exit code 1)."""
    import functools

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from tocsin.store.alerting import AlertNotFound

        try:
            return command(*args, **kwargs)
        except AlertNotFound as e:
            raise click.ClickException(str(e)) from None

    return wrapper


#: The longest a silence may last: about ten years (a longer one is a typo, and past year 9999 no date exists).
LONGEST_SILENCE = timedelta(weeks=520)


def parse_duration(text: str) -> timedelta:
    """``90m``, ``2h``, ``1d12h``, ``1w`` → a timedelta."""
    cleaned = text.strip().lower()
    parts = DURATION_RE.findall(cleaned)
    if not parts or DURATION_RE.sub("", cleaned).strip():
        raise click.BadParameter(f"{text!r} is not a duration; write e.g. 30m, 2h, 1d12h or 1w", param_hint="--for")
    seconds = sum(int(n) * UNITS[u] for n, u in parts)
    if seconds < 60:
        raise click.BadParameter(f"{text!r} is {'under a minute' if seconds else 'no time at all'}; a silence lasts at "
                                 "least a minute (e.g. 30m)", param_hint="--for")
    if seconds > LONGEST_SILENCE.total_seconds():
        raise click.BadParameter(f"{text!r} is longer than a silence may last ({LONGEST_SILENCE.days // 7}w); "
                                 "silence for less and add another later", param_hint="--for")
    return timedelta(seconds=seconds)


def by_option(does: str) -> Callable[[Callable], Callable]:
    """The ``--by`` option of an action on alerts: who ``does`` it, a name the audit log records (not blank)."""
    def actor(ctx: click.Context, param: click.Parameter, value: str) -> str:
        if not value.strip():
            raise click.BadParameter("a blank name records no one in the audit log; say who acts, e.g. --by rita")
        return value.strip()

    return click.option("--by", default="operator", show_default=True, callback=actor,
                        help=f"Who {does} (recorded in the audit log).")


@main.group()
def alert() -> None:
    """Alerts: list, show, acknowledge, resolve, silence, deliver and evaluate."""


@alert.command("list")
@click.option("--status", type=click.Choice(["open", "acknowledged", "resolved", "all"]), default="all", show_default=True,
              help="Only alerts in this state.")
@click.option("--dead", is_flag=True, help="Only alerts with a dead-lettered delivery.")
@click.option("--rule", help="Only alerts of this rule.")
@click.option("--limit", type=LIMIT, default=50, show_default=True, help="Most alerts shown.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines instead of a table.")
@pass_app
def list_command(app: App, status: str, dead: bool, rule: str | None, limit: int, as_json: bool) -> None:
    """Newest alerts first, with their deliveries (sent, pending, dead, silenced)."""
    from rich.table import Table

    from tocsin.store import alerting

    rows = alerting.list_alerts(app.open_db(), status=None if status == "all" else status, rule=rule, dead_only=dead, limit=limit)
    if as_json:
        for row in rows:
            click.echo(json_terminal_safe(json.dumps(
                {k: row[k] for k in ("id", "rule", "kind", "key", "severity", "status", "title", "count", "created_at",
                                     "updated_at", "deliveries", "dead_letters") if k in row}, ensure_ascii=False)))
        return
    if not rows:
        click.echo("no alerts" + (" with dead deliveries" if dead else ""))
        return
    table = Table("id", "severity", "status", "rule", "title", "items", "updated (UTC)", "deliveries", title="alerts")
    for row in rows:
        deliveries = ", ".join(f"{k} {v}" for k, v in sorted(row["deliveries"].items())) or "-"
        style = "bold red" if row["deliveries"].get("dead") else None
        table.add_row(str(row["id"]), plain_cell(row["severity"]), plain_cell(row["status"]), plain_cell(row["rule"]),
                      plain_cell(row["title"]), str(row["count"]), str(row["updated_at"] or "")[:16].replace("T", " "),
                      deliveries, style=style)
    table_console().print(table)
    if dead:
        from tocsin.alerts.status import dead_letter_line

        click.echo("why (retry with 'tocsin alert deliver --retry-dead'):")
        for line in (dead_letter_line(d) for row in rows for d in row["dead_letters"]):
            click.echo(terminal_safe(line))


@alert.command()
@click.argument("alert_id", type=ROW_ID)
@pass_app
@not_found_is_an_error
def show(app: App, alert_id: int) -> None:
    """One alert's message, items and every delivery attempt."""
    from tocsin.store import alerting

    db = app.open_db()
    row = alerting.get_alert(db, alert_id)
    click.echo(terminal_safe(row["message"]))
    click.echo(f"\nstatus {row['status']} · {row['count']} item(s) · opened {row['created_at']} · updated {row['updated_at']}"
               + (f" · acknowledged by {row['acknowledged_by']} at {row['acknowledged_at']}" if row["acknowledged_by"] else ""))
    for item_id in row["item_ids"]:
        click.echo(f"  item {item_id}")
    click.echo("deliveries:")
    for d in alerting.deliveries_for_alert(db, alert_id):
        click.echo(f"  #{d['id']} → {d['sink']} [{d['status']}] notification {d['notification']}, key {d['idempotency_key']}, "
                   f"{len(d['attempt_log'])} attempt(s){', sent ' + d['sent_at'] if d['sent_at'] else ''}")
        for n, a in enumerate(d["attempt_log"], 1):   # numbered across retries (--retry-dead starts a fresh count)
            click.echo(f"     {a['started_at']} attempt {n}: {a['outcome']} ({a['duration_ms']} ms) {terminal_safe(a['error'])}")


@alert.command()
@click.argument("alert_id", type=ROW_ID)
@by_option("acknowledges")
@pass_app
@not_found_is_an_error
def ack(app: App, alert_id: int, by: str) -> None:
    """Acknowledge an alert: it keeps collecting items but sends no repeats unless it escalates."""
    from tocsin.store import alerting
    from tocsin.store.audit import log_event

    db = app.open_db()
    if not alerting.acknowledge_alert(db, alert_id, by):
        raise click.ClickException(f"alert #{alert_id} is {alerting.get_alert(db, alert_id)['status']}, not open; nothing to acknowledge")
    log_event(db, by, "alert_ack", f"alert:{alert_id}")
    click.echo(f"alert #{alert_id} acknowledged by {by}")


@alert.command()
@click.argument("alert_id", type=ROW_ID)
@by_option("resolves it")
@pass_app
@not_found_is_an_error
def resolve(app: App, alert_id: int, by: str) -> None:
    """Close an alert by hand; the next event of its rule and key opens a new one."""
    from tocsin.alerts.times import as_datetime, iso
    from tocsin.store import alerting
    from tocsin.store.audit import log_event

    db = app.open_db()
    if alerting.get_alert(db, alert_id)["status"] == "resolved":
        raise click.ClickException(f"alert #{alert_id} is already resolved")
    alerting.resolve_alert(db, alert_id, iso(as_datetime()))
    log_event(db, by, "alert_resolve", f"alert:{alert_id}")
    click.echo(f"alert #{alert_id} resolved by {by}")


@alert.group()
def silence() -> None:
    """Mute matching alerts for a time (add, list, expire)."""


@silence.command("add")
@click.argument("matchers", nargs=-1, required=True)
@click.option("--for", "duration", default="2h", show_default=True, help="How long: 30m, 2h, 1d, 1w.")
@click.option("--comment", default="", help="Why (shown in lists and the audit log).")
@by_option("adds it")
@pass_app
def silence_add(app: App, matchers: tuple[str, ...], duration: str, comment: str, by: str) -> None:
    """Add a silence. MATCHERS are name=value (wildcards * and ?): rule, kind, key, severity, group,
    place, source. Example: tocsin alert silence add group=uzbek place=osh --for 6h --comment "known campaign"."""
    from tocsin.alerts.silences import BadMatcher, parse_matchers, unknown_values
    from tocsin.alerts.times import as_datetime, iso
    from tocsin.store import alerting
    from tocsin.store.audit import log_event

    try:
        parsed = parse_matchers(list(matchers))
    except BadMatcher as e:
        raise click.BadParameter(str(e), param_hint="MATCHERS") from None
    length = parse_duration(duration)
    now = as_datetime()
    db = app.open_db()
    silence_id = alerting.add_silence(db, parsed, starts_at=iso(now), ends_at=iso(now + length), comment=comment, created_by=by)
    # the comment stays with the silence (where forget masks names), not in the audit log
    log_event(db, by, "silence", f"silence:{silence_id}", matchers=parsed, ends_at=iso(now + length), with_comment=bool(comment))
    click.echo(f"silence #{silence_id} until {iso(now + length)}: {' '.join(f'{k}={v}' for k, v in parsed.items())}")
    for warning in unknown_values(parsed, app.settings):
        click.echo(f"warning: {warning} (expire it with 'tocsin alert silence expire {silence_id}')", err=True)


@silence.command("list")
@click.option("--all", "show_all", is_flag=True, help="Also expired silences.")
@pass_app
def silence_list(app: App, show_all: bool) -> None:
    """Silences in force (or all)."""
    from tocsin.alerts.times import as_datetime, iso
    from tocsin.store import alerting

    now = iso(as_datetime())
    rows = alerting.list_silences(app.open_db(), active_at=None if show_all else now)
    for s in rows:
        state = "active" if s["starts_at"] <= now < s["ends_at"] else "expired"
        click.echo(terminal_safe(f"#{s['id']} [{state}] {' '.join(f'{k}={v}' for k, v in s['matchers'].items())} "
                                 f"from {s['starts_at']} until {s['ends_at']} by {s['created_by'] or '-'}"
                                 + (f" — {s['comment']}" if s["comment"] else "")))
    if not rows:
        click.echo("no silences" if show_all else "no active silences")


@silence.command("expire")
@click.argument("silence_id", type=ROW_ID)
@by_option("ends it")
@pass_app
@not_found_is_an_error
def silence_expire(app: App, silence_id: int, by: str) -> None:
    """End a silence now."""
    from tocsin.alerts.times import as_datetime, iso
    from tocsin.store import alerting
    from tocsin.store.audit import log_event

    db = app.open_db()
    alerting.expire_silence(db, silence_id, iso(as_datetime()))
    log_event(db, by, "silence_expire", f"silence:{silence_id}")
    click.echo(f"silence #{silence_id} expired")


@alert.command()
@click.option("--retry-dead", is_flag=True, help="First put dead-lettered deliveries back in the queue.")
@pass_app
def deliver(app: App, retry_dead: bool) -> None:
    """Send the deliveries that are due now. Exits 1 when messages went dead, or waited for a retry while none
    got through (as `tocsin run` does), so a script notices."""
    from tocsin.alerts import deliver_due
    from tocsin.alerts.delivery import undelivered
    from tocsin.alerts.times import as_datetime, iso
    from tocsin.store import alerting

    db = app.open_db()
    if retry_dead:
        click.echo(f"{alerting.retry_dead_deliveries(db, iso(as_datetime()))} dead deliveries queued again")
    s = deliver_due(db, app.settings)
    click.echo(f"{s.sent} sent, {s.retrying} to retry, {s.dead} dead, {s.silenced} silenced"
               + (f"; {s.revived} dead-lettered while their sink was down queued again" if s.revived else ""))
    for error in s.errors[:10]:
        click.echo(f"  {terminal_safe(error)}", err=True)
    if undelivered(s):
        raise SystemExit(1)


@alert.command("test")
@click.option("--sink", "sink_names", multiple=True, help="Only this sink (repeatable); default: every sink.")
@pass_app
def test_sinks(app: App, sink_names: tuple[str, ...]) -> None:
    """Send a test message to each sink now (not through the queue) and say whether it arrived."""
    from tocsin.alerts.transports import TransportError, build_transport, sample_message

    known = [s.name for s in app.settings.alerts.sinks]
    unknown = sorted(set(sink_names) - set(known))
    if unknown:   # a usage error, as an unknown --source is
        raise click.BadParameter(f"no sink named {', '.join(unknown)} in the config. Known: {', '.join(known) or 'none'}",
                                 param_hint="'--sink'")
    sinks = [s for s in app.settings.alerts.sinks if not sink_names or s.name in sink_names]
    if not sinks:
        raise click.ClickException("no sinks configured; add [[alerts.sinks]] to the config")
    failed = 0
    for sink in sinks:
        try:
            build_transport(sink, app.settings).notify(sample_message(sink.name, app.settings.alerts.review_url))
        except TransportError as e:
            failed += 1
            click.echo(f"{sink.name} ({sink.kind}): FAILED — {terminal_safe(str(e))} "
                       f"({'permanent' if e.permanent else 'transient'})")
        except Exception as e:  # noqa: BLE001 - a bug or a library error: reported for this sink, the others still tried
            failed += 1
            click.echo(f"{sink.name} ({sink.kind}): FAILED — unexpected {type(e).__name__}: {terminal_safe(str(e))}")
        else:
            click.echo(f"{sink.name} ({sink.kind}): ok")
    if failed:
        raise SystemExit(1)


@alert.command()
@pass_app
def evaluate(app: App) -> None:
    """Evaluate the spike, spread and stale-source rules now (and send due repeats to the outbox)."""
    from tocsin.alerts import evaluate_rules

    click.echo(f"{evaluate_rules(app.open_db(), app.settings)} alert(s) opened, changed or repeated")
