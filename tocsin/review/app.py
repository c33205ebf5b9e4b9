"""The review page's Flask app: sessions, CSRF, roles, security headers, one store connection per request."""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
import time
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from pathlib import Path
from typing import Any, Callable

from flask import Flask, Response, g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from tocsin.config import Settings
from tocsin.review.accounts import role_at_least
from tocsin.review.hosts import allowed_host_names, host_name
from tocsin.review.ratelimit import LoginLimiter
from tocsin.review.too_large import MAX_FORM_BYTES, form_too_large
from tocsin.store import connect, reviewing
from tocsin.store.db import is_locked_error
from tocsin.store.pseudonyms import get_secret
from tocsin.terminal import BIDI_CONTROLS

logger = logging.getLogger(__name__)

SESSION_SECRET = "session_key"
#: Endpoints anyone may reach without logging in.
PUBLIC_ENDPOINTS = {"review.login", "static"}

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


@dataclass
class ReviewContext:
    """What every request of one app shares."""

    settings: Settings
    db_path: str
    limiter: LoginLimiter
    #: The host names the page answers to; None: any (see :func:`tocsin.review.hosts.allowed_host_names`).
    hosts: frozenset[str] | None = None


def requires(role: str) -> Callable:
    """Mark a view as reachable by ``role`` and the roles above it (views without a mark are refused)."""

    def mark(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return view(*args, **kwargs)

        wrapper.min_role = role  # type: ignore[attr-defined]
        return wrapper

    return mark


def password_fingerprint(password_hash: str) -> str:
    """A short digest of the stored hash: a new password ends every session made with the old one."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


#: Bidirectional embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069).
_BIDI_CONTROLS = dict.fromkeys(BIDI_CONTROLS)


def without_bidi_controls(text: str) -> str:
    """``text`` without bidirectional controls: for the window title, where CSS cannot isolate them."""
    return str(text).translate(_BIDI_CONTROLS)


#: A language tag as HTML's ``lang`` takes it (``ru``, ``uz-Latn``); anything else is given as "" (unknown).
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")


def language_tag(lang: str | None) -> str:
    """``lang`` if it is a language tag, else "": for the ``lang`` attribute of scraped text, so that a screen
    reader reads it in its own language rather than the page's English."""
    return lang if lang and LANGUAGE_TAG.fullmatch(lang) else ""


def context() -> ReviewContext:
    """The running app's :class:`ReviewContext`."""
    from flask import current_app

    return current_app.extensions["tocsin_review"]


def create_app(settings: Settings | None, db_path: str | Path, *, listen_host: str | None = None) -> Flask:
    """Build the review app over the store at ``db_path`` (created and migrated if needed).

    :param settings: tocsin settings (``review`` section used); None for the defaults.
    :param listen_host: the address the page listens on (default ``review.host``), which decides the host names
        it answers to (see :func:`tocsin.review.hosts.allowed_host_names`).
    """
    settings = settings or Settings()
    hosts = allowed_host_names(settings, listen_host or settings.review.host)
    db = connect(db_path, busy_timeout_ms=settings.database.busy_timeout_ms)
    try:
        secret = get_secret(db, SESSION_SECRET)
    finally:
        db.close()
    app = Flask(__name__)
    app.response_class = Page
    app.config.update(
        SECRET_KEY=secret,
        SESSION_COOKIE_NAME="tocsin_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",   # a link to an alert from a mail or chat keeps the session; POSTs need the CSRF token
        SESSION_COOKIE_SECURE=settings.review.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.review.session_hours),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session, which expires by itself
        WTF_CSRF_SSL_STRICT=False,
        MAX_CONTENT_LENGTH=MAX_FORM_BYTES,
        SEND_FILE_MAX_AGE_DEFAULT=3600,
    )
    app.extensions["tocsin_review"] = ReviewContext(settings, str(db_path), LoginLimiter(settings.review.login_attempts_per_minute),
                                                    hosts)
    app.before_request(refuse_unknown_host)   # first, before the CSRF check and the store
    CSRFProtect(app)

    from tocsin.review.views import blueprint

    app.register_blueprint(blueprint)
    app.before_request(open_store)
    app.before_request(load_user)
    app.before_request(enforce_roles)
    app.teardown_request(close_store)
    app.after_request(add_security_headers)
    app.register_error_handler(CSRFError, csrf_refused)
    for code in (400, 403, 404, 405, 429):
        app.register_error_handler(code, error_page)
    app.register_error_handler(413, form_too_large)
    app.register_error_handler(sqlite3.OperationalError, store_busy)
    app.register_error_handler(500, server_error)
    app.jinja_env.globals.update(role_at_least=role_at_least)
    app.jinja_env.filters["no_bidi"] = without_bidi_controls
    app.jinja_env.filters["lang_tag"] = language_tag
    if settings.review.proxies:   # the monitors' own addresses, for the failed-login limit, from the proxy's headers
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.review.proxies, x_proto=settings.review.proxies)  # type: ignore[method-assign]
    return app


def refuse_unknown_host() -> tuple[str, int] | None:
    """A 400 for a request whose ``Host`` header names the page by a name it does not answer to (a hostile page's
    own name, pointed at this machine by DNS rebinding), saying how to allow the name if it is the page's own."""
    allowed = context().hosts
    name = host_name(request.host)
    if allowed is None or name in allowed:
        return None
    logger.warning("refused %s %s for the host name %r: not in review.allowed_hosts (nor localhost, 127.0.0.1, ::1, "
                   "the host of alerts.review_url or the listen address)", request.method, request.path, name)
    message = (f"This page does not answer to the name “{name[:100]}”. If that is its name, add it to "
               "review.allowed_hosts in tocsin.toml and restart tocsin serve.")
    return render_template("host_refused.html", code=400, message=message), 400


def open_store() -> None:
    ctx = context()
    g.db = connect(ctx.db_path, busy_timeout_ms=ctx.settings.database.busy_timeout_ms, create=False, migrate=False)
    g.db.conn.text_factory = lenient_text


def lenient_text(raw: bytes) -> str:
    """A stored text, any bytes in it that are not UTF-8 shown as U+FFFD: one text written by another tool or
    damaged on disk must not make the queue fail for every monitor."""
    return raw.decode("utf-8", "replace")


#: A UTF-16 surrogate on its own: what a JSON escape such as ``"\\ud800"`` in a stored analysis decodes to; it names
#: no character, and no UTF-8 page can hold it.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class Page(Response):
    """A response whose text is written to UTF-8 with each lone surrogate shown as U+FFFD (as :func:`lenient_text`
    reads bytes that are not UTF-8): a bad character in a stored value must not make the page fail."""

    def set_data(self, value: bytes | str) -> None:
        super().set_data(LONE_SURROGATE.sub("\ufffd", value) if isinstance(value, str) else value)


def close_store(_exc: BaseException | None = None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


def load_user() -> None:
    """Set ``g.user`` from the session; end sessions of disabled users, changed passwords, old logins and
    sessions logged out (by the user's session generation: a copy of the cookie dies with its session)."""
    g.user = None
    name = session.get("user")
    if not name:
        return
    user = reviewing.get_user(g.db, name)
    max_age = context().settings.review.session_hours * 3600
    if (user is None or user["disabled"] or session.get("pw") != password_fingerprint(user["password_hash"])
            or session.get("gen") != user["session_generation"] or time.time() - float(session.get("at", 0)) > max_age):
        session.clear()
        g.ended_user = name   # whose decision a refused form may carry (see tocsin.review.carried)
        return
    g.user = {"username": user["username"], "role": user["role"]}


def enforce_roles() -> Any:
    """Anonymous users go to the login page; a view needs its role; unmarked views are refused; a URL that
    names no page is a 404 for a signed-in user (a 403 for anyone else, like every other page)."""
    endpoint = request.endpoint
    if endpoint in PUBLIC_ENDPOINTS:
        return None
    if g.user is None:
        if request.method == "GET" and endpoint is not None:
            return redirect(url_for("review.login", next=request.full_path if request.query_string else request.path))
        if endpoint == "review.decide":
            return unrecorded_decision("Your session had ended (you logged out elsewhere, it lasted its hours, or your "
                                       "password or account changed).")
        return error_page(403)
    if request.routing_exception is not None:   # no such page, for a signed-in user: the router's 404 (or 405)
        return None
    view = context_view(endpoint)
    needed = getattr(view, "min_role", None)
    if needed is None or not role_at_least(g.user["role"], needed):
        return error_page(403)
    return None


def context_view(endpoint: str | None) -> Callable | None:
    from flask import current_app

    return current_app.view_functions.get(endpoint) if endpoint else None


def add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response


def csrf_refused(error: CSRFError) -> tuple[str, int]:
    logger.info("refused %s %s: %s", request.method, request.path, error.description)
    if request.endpoint == "review.decide":
        return unrecorded_decision("The page's security token had expired or belonged to an ended session.")
    return render_template("error.html", code=403, message="The form was missing its security token or it had expired. "
                           "Go back, reload the page and try again."), 403


def unrecorded_decision(why: str) -> tuple[str, int]:
    """A decision that could not be recorded, shown back with its note so that neither is lost without notice;
    carried through the login form only when the request came with the monitor's own session (ended, or with
    an expired token), never for a form sent from another site (see :mod:`tocsin.review.carried`). A note too long
    to record is not carried either: it is shown back whole, with why."""
    from tocsin.review.carried import carried_decision, carry_token, kept_note, too_long
    from tocsin.review.views import DECISION_LABELS

    item_id = (request.view_args or {}).get("item_id", "")
    form, decision = request.form, request.form.get("decision", "")
    pending = carried_decision({"pending_item": item_id, "pending_decision": decision, "pending_note": form.get("note", ""),
                                "pending_seen_review": form.get("seen_review", ""),
                                "pending_version": form.get("content_hash", "")})
    owner = g.get("ended_user") or session.get("user")
    carry = {"pending": pending, "carry": carry_token(pending, owner)} if pending and owner else {}
    return render_template("unrecorded.html", why=why, decision=DECISION_LABELS.get(decision, decision),
                           note=form.get("note", ""), note_refused=too_long(kept_note(form.get("note", ""))),
                           next=url_for("review.item", item_id=item_id), **carry), 403


ERROR_MESSAGES = {
    400: "The request was not understood.",
    403: "You are not allowed to do that.",
    404: "There is nothing here.",
    405: "That method is not allowed here.",
    429: "Too many attempts. Wait a minute and try again.",
    500: "Something went wrong on the server (its log says what). Go back and try again; if it happens again, "
         "tell the operator.",
}
#: What a page says when another process (the daemon writing, a backup) kept the store locked past the busy timeout.
STORE_BUSY = ("The store was busy (another process, such as the daemon, was writing to it), so nothing was recorded. "
              "Try again in a moment.")
#: Seconds a client is asked to wait after the store was busy.
BUSY_RETRY_AFTER_S = 5


def error_page(error: Any) -> tuple[str, int]:
    code = error if isinstance(error, int) else getattr(error, "code", 500) or 500
    message = ERROR_MESSAGES.get(code, "Something went wrong.")
    if not isinstance(error, int) and code == 400 and getattr(error, "description", ""):
        message = str(error.description)
    return render_template("error.html", code=code, message=message), code


def store_busy(error: sqlite3.OperationalError) -> Any:
    """A 503 with ``Retry-After`` when the store stayed locked past its busy timeout: nothing was recorded, and a
    decision is shown back with its note to copy. Any other SQLite error goes on to :func:`server_error`."""
    if not is_locked_error(error):
        raise error
    logger.warning("store locked past database.busy_timeout_ms on %s %s: %s", request.method, request.path, error)
    if request.endpoint == "review.decide":
        from tocsin.review.carried import kept_note
        from tocsin.review.views import not_recorded

        body, _ = not_recorded(request.form.get("decision", ""), kept_note(request.form.get("note") or ""), STORE_BUSY, 503)
    else:
        body = render_template("error.html", code=503, message=STORE_BUSY)
    return body, 503, {"Retry-After": str(BUSY_RETRY_AFTER_S)}


def server_error(error: Any) -> tuple[str, int]:
    """The site's own page for an unexpected error (Flask has logged it with its traceback; none is shown): on a
    decision, with its note to copy."""
    from tocsin.review.carried import kept_note

    note = kept_note(request.form.get("note") or "") if request.endpoint == "review.decide" else ""
    return render_template("error.html", code=500, message=ERROR_MESSAGES[500], note=note), 500
