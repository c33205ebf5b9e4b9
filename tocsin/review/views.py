"""The review page's routes: login, queue, item pages and decisions, assignments, stats, alerts, users."""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from tocsin.alerts.silences import MATCHER_NAMES, unknown_values
from tocsin.review import accounts
from tocsin.review.agreement import cohen_kappa, describe_kappa
from tocsin.review.app import context, password_fingerprint, requires
from tocsin.review.carried import MAX_NOTE, carried_for, kept_note, too_long
from tocsin.analyse import item_text
from tocsin.review.highlight import highlight_item
from tocsin.store import analyses, audit, get_item, item_versions, reviewing
from tocsin.store.db import is_locked_error
from tocsin.store.pseudonyms import item_link_ids
from tocsin.store.reviewing import DECISIONS, QueueFilters
from tocsin.terminal import has_controls

logger = logging.getLogger(__name__)

blueprint = Blueprint("review", __name__)

EVIDENCE_LISTED = 200   #: evidence spans listed beside an item (all stay marked in its text)
DECISION_LABELS = {"incitement": "Incitement", "not_incitement": "Not incitement", "escalate": "Escalate", "unsure": "Unsure"}
MAX_MATCHER = 200
SILENCE_HOURS = (1, 4, 12, 24, 72, 168)
BULK_ASSIGN_MAX = 200
#: Below this many double-reviewed items a kappa is shown with a warning.
FEW_PAIRS = 20
#: The largest row id SQLite stores; a larger number in a URL is no alert (not a server error).
SQLITE_MAX_INT = 2 ** 63 - 1


def me() -> str:
    return g.user["username"]


def filters_from(form_value: str) -> QueueFilters:
    """Queue filters carried through a form as a query string."""
    return QueueFilters.from_mapping(dict(parse_qsl(form_value or "", keep_blank_values=False)))


def queue_url(f: QueueFilters, **extra: Any) -> str:
    return url_for("review.queue", **f.as_params(), **extra)


def item_url(item_id: str, f: QueueFilters) -> str:
    return url_for("review.item", item_id=item_id, **f.as_params())


def encode_filters(f: QueueFilters) -> str:
    from urllib.parse import urlencode

    return urlencode(f.as_params())


@blueprint.app_context_processor
def template_helpers() -> dict[str, Any]:
    return {"DECISION_LABELS": DECISION_LABELS, "DECISIONS": DECISIONS, "EVIDENCE_LISTED": EVIDENCE_LISTED,
            "item_url": item_url, "queue_url": queue_url, "encode_filters": encode_filters}


# --------------------------------------------------------------------------- login


def safe_next(target: str | None) -> str:
    """A local path to go to after login; anything else becomes the queue. Browsers drop tabs and line
    breaks from a URL ("/\t/evil.example" is "//evil.example", another site), so a path with any control
    character is refused too."""
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and not any(ord(c) < 32 or ord(c) == 127 for c in target)):
        return target
    return url_for("review.queue")


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Log in with a name and password (failed attempts are limited per account and address)."""
    if request.method == "GET":
        if g.user:
            return redirect(url_for("review.queue"))
        return render_template("login.html", next=request.args.get("next", ""))
    ctx = context()
    username = accounts.folded_username(request.form.get("username"))[:64]
    password = request.form.get("password") or ""
    address = request.remote_addr or "?"
    wait = ctx.limiter.reserve(username, address)   # counted as failed until it succeeds: no guess slips past
    if wait > 0:
        audit.log_event(g.db, username if accounts.user_exists(g.db, username) else "anonymous", "login_blocked")
        flash(f"Too many attempts for this name: wait {int(wait) + 1} s and try again.", "error")
        body = render_template("login.html", next=request.form.get("next", ""),   # the way back to the page kept
                               **still_carried(request.form))
        return Response(body, 429, headers={"Retry-After": str(int(wait) + 1)}, content_type="text/html; charset=utf-8")
    user = authenticated(username, password, address)
    if user is None:
        known = accounts.user_exists(g.db, username)
        audit.log_event(g.db, username if known else "anonymous", "login_failed")
        flash("Wrong name or password, or the account is disabled.", "error")
        return render_template("login.html", next=request.form.get("next", ""), **still_carried(request.form)), 401
    ctx.limiter.succeeded(username, address)
    audit.log_event(g.db, user["username"], "login")   # before the session: a busy store leaves nobody logged in
    session.clear()
    session.permanent = True
    session.update(user=user["username"], pw=password_fingerprint(user["password_hash"]), at=time.time(),
                   gen=user["session_generation"])
    pending, owner = carried_for(request.form.get("pending"))
    if pending and request.form.get("pending_keep"):
        if owner == user["username"]:
            g.user = {"username": user["username"], "role": user["role"]}
            record_carried_decision(pending)
        else:
            flash(f"The decision carried from {owner}'s ended session was not recorded under your name.", "error")
    return redirect(safe_next(request.form.get("next")))


def authenticated(username: str, password: str, address: str) -> dict[str, Any] | None:
    """The account that ``username`` and ``password`` match, or None (see :func:`accounts.authenticate`). When the
    store is busy while they are checked, the attempt the limiter counted is taken back (nobody typed anything
    wrong) and the error goes on to the page that says the store was busy."""
    try:
        return accounts.authenticate(g.db, username, password)
    except sqlite3.OperationalError as error:
        if is_locked_error(error):
            context().limiter.withdraw(username, address)
        raise


def still_carried(form: Any) -> dict[str, Any]:
    """The login form's carried decision, for showing the form again (a mistyped password keeps it)."""
    pending, _ = carried_for(form.get("pending"))
    return {"pending": pending, "carry": form.get("pending", "")} if pending else {}


def record_carried_decision(pending: dict[str, str]) -> None:
    """Record a carried decision for the user who just logged in, and say so (or why not)."""
    found = get_item(g.db, pending["item"])
    if found is None or not record_and_report(found, pending["decision"], pending["note"], review_id(pending["seen_review"]),
                                              version_sent(pending["version"]),
                                              ", the decision you made before logging in again,"):
        flash("The item of the decision you made before logging in is no longer in the store (erased?); "
              "that decision was not recorded.", "error")


@blueprint.route("/logout", methods=["POST"])
@requires("reviewer")
def logout() -> Any:
    """End the session, and every other of this user's (a copied cookie included)."""
    audit.log_event(g.db, me(), "logout")
    reviewing.end_sessions(g.db, me())
    session.clear()
    return redirect(url_for("review.login"))


# --------------------------------------------------------------------------- queue


@blueprint.route("/")
@requires("reviewer")
def queue() -> Any:
    """Flagged items by severity and score, with filters and their counts."""
    f = QueueFilters.from_mapping(request.args)
    size = max(1, context().settings.review.page_size)
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 100_000))
    with reviewing.read_transaction(g.db):  # the counts and the rows agree while the daemon writes
        view = reviewing.QueueView(g.db, f, me())
        facets = view.facets()
        total = dict(facets["status"])[f.status]
        pages = max(1, -(-total // size))
        page = min(page, pages)   # past the end (a bookmark, a queue that shrank): the last page
        rows = view.items(limit=size, offset=(page - 1) * size)
        seen_review = reviewing.latest_review_id(g.db)
    from tocsin.nlp.features import HALLMARKS

    return render_template("queue.html", f=f, rows=rows, facets=facets, total=total, page=page, pages=pages,
                           offset=(page - 1) * size, hallmarks=HALLMARKS, statuses=reviewing.STATUSES,
                           seen_review=seen_review,
                           reviewers=reviewing.active_usernames(g.db))


# --------------------------------------------------------------------------- item page


@blueprint.route("/items/<item_id>")
@requires("reviewer")
def item(item_id: str) -> Any:
    """One item with its evidence, history, decisions and neighbours in the queue."""
    found = get_item(g.db, item_id)
    if found is None:
        abort(404)
    f = QueueFilters.from_mapping(request.args)
    analysis = analyses.latest_analysis(g.db, item_id)
    versions = item_versions(g.db, item_id)
    shown_hash = reviewing.shown_version(g.db, item_id)
    shown = next((v for v in versions if v["content_hash"] == shown_hash), found)
    analysed_current = shown_hash == found["content_hash"]
    spans = analysis["spans"] if analysis and isinstance(analysis.get("spans"), list) else []
    title_segments, text = highlight_item(shown["title"], shown["text"], item_text(shown), spans)
    where = reviewing.queue_position(g.db, f, me(), item_id)
    blind = reviewing.pending_assignment(g.db, item_id, me())
    reviews = reviewing.item_reviews(g.db, item_id)
    seen_review = reviewing.latest_review_id(g.db)
    hidden_reviews = 0
    if blind:
        hidden_reviews = sum(1 for r in reviews if r["reviewer"] != me())
        reviews = [r for r in reviews if r["reviewer"] == me()]
    for r in reviews:
        r["other_version"] = other_version(r, shown_hash, shown.get("current_rank") or 0)
    meta = displayed_meta(found["meta"])
    return render_template(
        "item.html", item=found, analysis=analysis, title_segments=title_segments, text=text, analysed_current=analysed_current,
        versions=versions, reviews=reviews, hidden_reviews=hidden_reviews, blind=blind, shown_hash=shown_hash,
        assignments=reviewing.item_assignments(g.db, item_id), alerts=reviewing.item_alerts(g.db, item_id),
        cluster=reviewing.spread_cluster(g.db, item_id), history=reviewing.analysis_history(g.db, item_id),
        f=f, position=where.position, queue_length=where.length, previous_id=where.previous_id, next_id=where.next_id,
        meta=meta, seen_review=seen_review,
        reviewers=reviewing.active_usernames(g.db),
    )


def other_version(review: dict[str, Any], shown_hash: str | None, shown_rank: int) -> str:
    """What the decisions list says of a decision made on another version of the item than the one shown ('' for
    one on the version shown, or on an unknown version: made before versions were recorded).

    :param shown_rank: the place of the version shown in the item's edit history (``current_rank``).
    """
    if not review.get("content_hash") or review["content_hash"] == shown_hash:
        return ""
    which = "a later" if (review.get("version_rank") or 0) > shown_rank else "an earlier"
    seen = review.get("version_seen_at")
    when = f" (first seen at {str(seen)[:16].replace('T', ' ')} UTC)" if seen else ""
    return f"decided on {which} version of this text{when}"


def displayed_meta(meta: Any, limit: int = 500) -> dict[str, str]:
    """An item's metadata as short strings (lists and numbers as JSON), for display."""
    if not isinstance(meta, dict):
        return {}
    return {str(k): (v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))[:limit] for k, v in meta.items()}


def form_text(name: str, limit: int, what: str) -> str:
    """A form field, stripped; a 400 naming ``what`` when it is longer than ``limit`` or holds control characters
    (stored, they could drive the terminal of whoever lists them)."""
    value = (request.form.get(name) or "").strip()
    if len(value) > limit:
        abort(400, description=f"The {what} is longer than {limit} characters; shorten it.")
    if has_controls(value.replace("\r\n", "\n")):
        abort(400, description=f"The {what} holds control characters; type it again without them.")
    return value


@blueprint.route("/items/<item_id>/decide", methods=["POST"])
@requires("reviewer")
def decide(item_id: str) -> Any:
    """Append a decision; go on to the next item of the queue (or back to the queue)."""
    decision = request.form.get("decision", "")
    if decision not in DECISIONS:
        abort(400, description=f"Unknown decision; use one of {', '.join(DECISIONS)}.")
    note = kept_note(request.form.get("note") or "")
    if too_long(note):
        return not_recorded(decision, note, too_long(note), 400)
    found = get_item(g.db, item_id)
    if found is None:
        return item_gone(decision, note)
    f = filters_from(request.form.get("filters", ""))
    following = reviewing.queue_position(g.db, f, me(), item_id).next_id  # before the decision moves the item
    if not record_and_report(found, decision, note, review_id(request.form.get("seen_review")),
                             version_sent(request.form.get("content_hash"))):
        return item_gone(decision, note)
    if request.form.get("return_to") == "item" and following:
        return redirect(item_url(following, f))
    page = request.form.get("page", 1, type=int) or 1
    row = request.form.get("row", type=int)
    # back to the page the decision was made on, the selection kept (see review.js rowAfterDecision)
    where = f"#row-{row}-{item_id}" if row is not None and 0 <= row < 10_000 else ""
    return redirect(queue_url(f, **({"page": page} if page > 1 else {})) + where)


def review_id(value: str | None) -> int | None:
    """The review id a page sent back (``seen_review``); None for anything else (absent, altered, not ASCII digits,
    past SQLite's integers), which then warns of nothing rather than failing after the decision is stored."""
    if value and value.isascii() and value.isdigit() and len(value) <= 19 and int(value) <= SQLITE_MAX_INT:
        return int(value)
    return None


def version_sent(value: str | None) -> str | None:
    """The version hash a page sent back (``content_hash``, the version it showed) when it is one: 64 lowercase hex
    digits; None for anything else, which the store replaces with the version the page shows now."""
    if value and len(value) == 64 and all(c in "0123456789abcdef" for c in value):
        return value
    return None


def item_gone(decision: str, note: str) -> tuple[str, int]:
    """The answer to a decision on an item that is not in the store (erased while its page was open)."""
    return not_recorded(decision, note, "This item is no longer in the store (it was erased, or the address is wrong).", 404)


def not_recorded(decision: str, note: str, why: str, code: int) -> tuple[str, int]:
    """The answer to a decision that was not recorded: ``why``, said plainly, with the note shown back to copy (a
    ``decision`` that is none of :data:`DECISION_LABELS`, sent by a script, is shown as sent)."""
    label = DECISION_LABELS.get(decision, decision[:40])
    message = f"{why} Your decision{f' “{label}”' if label else ''} was not recorded."
    return render_template("error.html", code=code, message=message, note=note), code


def record_and_report(found: dict[str, Any], decision: str, note: str, seen: int | None, version: str | None,
                      which: str = "") -> bool:
    """Record the user's decision on version ``version`` of item ``found`` (the one the page showed; see
    :func:`~tocsin.store.reviewing.record_decision`) and say so, and what was decided since review ``seen`` (the
    newest when the page the decision came from was shown). False, with nothing recorded, when the item was erased
    meanwhile."""
    try:
        recorded = reviewing.record_decision(g.db, found["id"], me(), decision, note, version)
    except reviewing.UnknownItem:
        return False
    what = (found["title"] or found["text"])[:80]
    flash(f"Recorded “{DECISION_LABELS[decision]}”{which} on: {what}", "ok")
    if seen is not None:
        warn_of_decisions_since(found["id"], what, seen, recorded)
    if version and version != reviewing.shown_version(g.db, found["id"]):
        flash(f"“{what}” changed while you had it open: your decision is recorded on the text you read. Its page now "
              "shows another version, which your decision does not cover.", "warning")
    return True


def warn_of_decisions_since(item_id: str, what: str, seen: int, recorded: int) -> None:
    """Say which decisions others made on the item after the page the decision came from was shown (unless the user
    still owes it a blind review), and which of the user's own (in another tab or on another device) the decision just ``recorded`` now follows."""
    since = reviewing.decisions_since(g.db, item_id, seen)
    # while the user still owes a blind review of the item (a decision on an earlier text settles none), others'
    # decisions stay hidden, here as on its page
    blind = reviewing.pending_assignment(g.db, item_id, me())
    others = [] if blind else [r for r in since if r["reviewer"] != me()]
    mine = [r for r in since if r["reviewer"] == me() and r["id"] < recorded]
    if others:
        flash(f"While you had “{what}” open, others decided it too — {described(others)}. Both decisions are kept; "
              "the item's Decisions list shows them.", "warning")
    if mine:
        flash(f"While you had “{what}” open, you decided it elsewhere too (another tab or device) — {described(mine)}. "
              "The decision you just sent is the one that counts now; both are kept in the item's Decisions list.",
              "warning")


def described(reviews: list[dict[str, Any]]) -> str:
    """The last three of ``reviews`` as 'name: “Decision” at time UTC', and how many more."""
    said = "; ".join(f"{r['reviewer']}: “{DECISION_LABELS.get(r['decision'], r['decision'])}” at "
                     f"{str(r['at'])[:16].replace('T', ' ')} UTC" for r in reviews[-3:])
    return said + (f" and {len(reviews) - 3} more" if len(reviews) > 3 else "")


@blueprint.route("/items/<item_id>/assign", methods=["POST"])
@requires("lead")
def assign(item_id: str) -> Any:
    """Assign one item to reviewers for double review."""
    if get_item(g.db, item_id) is None:
        abort(404)
    names = [accounts.folded_username(n) for n in request.form.getlist("reviewer") if n.strip()][:20]
    if not names:
        abort(400, description="Choose at least one reviewer.")
    made = assign_or_refuse([item_id], names)
    flash(f"{made} new assignment(s).", "ok")
    return redirect(item_url(item_id, filters_from(request.form.get("filters", ""))))


@blueprint.route("/assign", methods=["POST"])
@requires("lead")
def assign_queue() -> Any:
    """Assign the first N items of the filtered queue to a reviewer (a double-review sample)."""
    f = filters_from(request.form.get("filters", ""))
    name = accounts.folded_username(request.form.get("reviewer"))
    count = request.form.get("count", type=int)
    if count is None or not 1 <= count <= BULK_ASSIGN_MAX:
        abort(400, description=f"Give how many items to assign: a whole number from 1 to {BULK_ASSIGN_MAX}.")
    made = assign_or_refuse(reviewing.queue_ids(g.db, f, me(), limit=count), [name])
    flash(f"Assigned {made} item(s) to {name} for double review.", "ok")
    return redirect(queue_url(f))


def assign_or_refuse(item_ids: list[str], names: list[str]) -> int:
    """Assign items to reviewers (how many new assignments), or a 400 saying why nothing was: a reviewer unknown
    or disabled, or an item erased since the page was shown."""
    try:
        return reviewing.assign_items(g.db, item_ids, names, me())
    except reviewing.UnknownItem:
        abort(400, description="An item was erased meanwhile, so nothing was assigned. Reload the page and try again.")
    except reviewing.UnknownUser as e:
        abort(400, description=str(e))


# --------------------------------------------------------------------------- stats


@blueprint.route("/stats")
@requires("lead")
def stats() -> Any:
    """Volume, decisions and inter-reviewer agreement per language."""
    counts, pairs = reviewing.decisions(g.db)
    langs = sorted({r["lang"] for r in counts} | set(pairs))
    table = {lang: {d: 0 for d in DECISIONS} for lang in langs}
    for row in counts:
        table[row["lang"]][row["decision"]] = row["n"]
    agreement = []
    for lang in langs:
        kappa = cohen_kappa(pairs.get(lang, []))
        same = sum(a == b for a, b in pairs.get(lang, []))
        words = describe_kappa(kappa) + (" (too few items to rely on)" if 0 < len(pairs.get(lang, [])) < FEW_PAIRS else "")
        agreement.append({"lang": lang, "pairs": len(pairs.get(lang, [])), "agree": same, "kappa": kappa, "words": words})
    every = [p for v in pairs.values() for p in v]
    overall = cohen_kappa(every)
    volume, languages = reviewing.volume(g.db)
    overall_words = describe_kappa(overall) + (" (too few items to rely on)" if 0 < len(every) < FEW_PAIRS else "")
    return render_template("stats.html", volume=volume, volume_max=max([v["seen"] for v in volume] or [1]), table=table,
                           agreement=agreement, overall=overall, overall_words=overall_words, overall_pairs=len(every),
                           reviewers=reviewing.reviewer_counts(g.db), languages=languages)


# --------------------------------------------------------------------------- alerts


@blueprint.route("/alerts")
@requires("reviewer")
def alerts() -> Any:
    """Open alerts with their items; silences in force."""
    listed = reviewing.open_alerts(g.db)
    for alert in listed:
        alert["silence"] = silence_matchers(alert)
    return render_template("alerts.html", alerts=listed, silences=reviewing.active_silences(g.db), hours=SILENCE_HOURS)


@blueprint.route(f"/alerts/<int(max={SQLITE_MAX_INT}):alert_id>")
@requires("reviewer")
def alert(alert_id: int) -> Any:
    """One alert, whatever its status (the link in alert messages)."""
    found = reviewing.get_alert(g.db, alert_id)
    if found is None:
        abort(404)
    found["items"] = reviewing.alert_items(g.db, found)
    found["silence"] = silence_matchers(found)
    return render_template("alerts.html", alerts=[found], silences=[], hours=SILENCE_HOURS, single=True)


@blueprint.route(f"/alerts/<int(max={SQLITE_MAX_INT}):alert_id>/items/<link_id>")
@requires("reviewer")
def alert_item(alert_id: int, link_id: str) -> Any:
    """An item of an alert, by the link id its messages give (they never carry the store's id)."""
    found = reviewing.get_alert(g.db, alert_id)
    if found is None:
        abort(404)
    link = item_link_ids(g.db)
    item_id = next((i for i in found["item_ids"] if link(i) == link_id), None)
    if item_id is None:   # not of this alert, or erased since
        abort(404)
    return redirect(url_for("review.item", item_id=item_id))


def literal_pattern(value: str) -> str:
    """An fnmatch pattern matching exactly ``value`` (silences match labels with wildcards)."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in value)


def silence_matchers(alert: dict[str, Any]) -> dict[str, str]:
    """Matchers that silence alerts like this one: its rule and its group, place or source labels."""
    payload = alert.get("payload") if isinstance(alert.get("payload"), dict) else {}
    labels = payload.get("labels") if isinstance(payload.get("labels"), dict) else {}
    matchers = {"rule": literal_pattern(str(alert.get("rule", "")))}
    for name in ("group", "place", "source"):
        if isinstance(labels.get(name), str) and labels[name]:
            matchers[name] = literal_pattern(labels[name])
    return matchers


@blueprint.route(f"/alerts/<int(max={SQLITE_MAX_INT}):alert_id>/ack", methods=["POST"])
@requires("lead")
def acknowledge(alert_id: int) -> Any:
    """Acknowledge an open alert."""
    if reviewing.get_alert(g.db, alert_id) is None:
        abort(404)
    if reviewing.acknowledge_alert(g.db, alert_id, me()):
        flash(f"Alert {alert_id} acknowledged.", "ok")
    else:
        flash(f"Alert {alert_id} was not open.", "error")
    return redirect(url_for("review.alerts"))


@blueprint.route("/silences", methods=["POST"])
@requires("lead")
def silence() -> Any:
    """Silence alerts matching a rule and key for some hours."""
    hours = request.form.get("hours", 0, type=int)
    if hours not in SILENCE_HOURS:
        abort(400, description=f"Choose a duration of {', '.join(map(str, SILENCE_HOURS))} hours.")
    matchers = {k: form_text(k, MAX_MATCHER, f"{k} matcher") for k in MATCHER_NAMES}
    comment = form_text("comment", MAX_NOTE, "comment")
    start = datetime.now(timezone.utc)
    try:
        silence_id = reviewing.create_silence(
            g.db, matchers, created_by=me(), comment=comment, starts_at=start.isoformat(timespec="seconds"),
            ends_at=(start + timedelta(hours=hours)).isoformat(timespec="seconds"))
    except reviewing.ReviewError as e:
        abort(400, description=str(e))
    flash(f"Silence {silence_id} set for {hours} h.", "ok")
    for warning in unknown_values({k: v for k, v in matchers.items() if v}, context().settings):
        flash(f"Silence {silence_id}: {warning}. Expire it if that is not what you meant.", "error")
    return redirect(url_for("review.alerts"))


# --------------------------------------------------------------------------- admin


@blueprint.route("/users")
@requires("admin")
def users() -> Any:
    """Accounts, their roles and activity."""
    return render_template("users.html", users=accounts.list_users(g.db), roles=reviewing.ROLES)


@blueprint.route("/users", methods=["POST"])
@requires("admin")
def add_user() -> Any:
    """Create an account."""
    try:
        name = accounts.add_user(g.db, request.form.get("username", ""), request.form.get("password", ""),
                                 request.form.get("role", "reviewer"), actor=me())
    except accounts.AccountError as e:
        flash(str(e), "error")
        return redirect(url_for("review.users"))
    flash(f"User {name} added.", "ok")
    return redirect(url_for("review.users"))


@blueprint.route("/users/<username>/disable", methods=["POST"])
@requires("admin")
def disable_user(username: str) -> Any:
    """Disable an account (its sessions end at once)."""
    if accounts.folded_username(username) == me():
        abort(400, description="You cannot disable your own account.")
    return change_user(username, disabled=True)


@blueprint.route("/users/<username>/enable", methods=["POST"])
@requires("admin")
def enable_user(username: str) -> Any:
    """Enable a disabled account."""
    return change_user(username, disabled=False)


def change_user(username: str, disabled: bool) -> Any:
    try:
        accounts.set_disabled(g.db, username, disabled, actor=me())
    except accounts.AccountError:
        abort(404)
    flash(f"User {username} {'disabled' if disabled else 'enabled'}.", "ok")
    return redirect(url_for("review.users"))


@blueprint.route("/audit")
@requires("admin")
def audit_log() -> Any:
    """The newest audit events."""
    return render_template("audit.html", events=reviewing.recent_audit(g.db))
