"""``tocsin serve`` and ``tocsin users …``: the review page and its accounts."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Iterator

import click

from tocsin.cli.app import PORT, App, main, pass_app, table_console
from tocsin.config import check_host, ConfigError

ROLE_CHOICE = click.Choice(["reviewer", "lead", "admin"])


@contextmanager
def account_errors() -> Iterator[None]:
    """Turn a refused account change into a one-line CLI error."""
    from tocsin.review.accounts import AccountError

    try:
        yield
    except AccountError as e:
        raise click.ClickException(str(e)) from e


@main.command()
@click.option("--host", help="Address to listen on (default: review.host, 127.0.0.1).")
@click.option("--port", type=PORT, help="Port to listen on (default: review.port, 8765).")
@pass_app
def serve(app: App, host: str | None, port: int | None) -> None:
    """Serve the review page for monitors (Ctrl-C stops it)."""
    from tocsin.review.server import serve as serve_review
    from tocsin.store.reviewing import active_usernames

    if host:
        try:
            check_host("--host", host)
        except ConfigError as e:
            raise click.BadParameter(str(e), param_hint="--host") from e
    settings = app.settings
    db = app.open_db()
    if not active_usernames(db):
        click.echo("no review accounts yet: add one with 'tocsin users add NAME --role admin'", err=True)
    shown_host = host or settings.review.host
    shown_port = settings.review.port if port is None else port
    click.echo(f"review page: http://{shown_host}:{shown_port}/  (Ctrl-C stops it)")
    serve_review(settings, app.database_path, host=host, port=port)


@main.group()
def users() -> None:
    """Review-page accounts: add, list, disable, enable, change roles and passwords."""


def read_password(from_stdin: bool) -> str:
    """A new password from stdin (one line) or an interactive prompt with confirmation."""
    if from_stdin:
        try:
            line = sys.stdin.readline()
            line.encode("utf-8")   # bytes that are not UTF-8 may arrive as lone surrogates
        except UnicodeError:
            raise click.BadParameter("the password on stdin is not UTF-8 text; type it in a UTF-8 terminal or file",
                                     param_hint="--password-stdin") from None
        if not line:
            raise click.BadParameter("nothing came on stdin; pipe the password in, e.g. from a password manager, "
                                     "or leave out --password-stdin to be asked for it", param_hint="--password-stdin")
        return line.rstrip("\r\n")
    return click.prompt("password", hide_input=True, confirmation_prompt=True)


@users.command("add")
@click.argument("username")
@click.option("--role", type=ROLE_CHOICE, default="reviewer", show_default=True, help="What the user may do.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin instead of prompting.")
@pass_app
def users_add(app: App, username: str, role: str, password_stdin: bool) -> None:
    """Create an account USERNAME (reviewer: decide; lead: also assign, stats, alerts; admin: also accounts)."""
    from tocsin.review.accounts import add_user, check_username

    with account_errors():
        check_username(username)
        name = add_user(app.open_db(), username, read_password(password_stdin), role)
    click.echo(f"added {role} {name}")


@users.command("list")
@pass_app
def users_list(app: App) -> None:
    """List accounts with role, status, decisions and last login."""
    from rich.table import Table

    from tocsin.review.accounts import list_users

    table = Table("user", "role", "status", "decisions", "last login", "created")
    for u in list_users(app.open_db()):
        table.add_row(u["username"], u["role"], "disabled" if u["disabled"] else "active", str(u["decisions"]),
                      u["last_login"] or "-", u["created_at"])
    table_console().print(table)


@users.command("disable")
@click.argument("username")
@pass_app
def users_disable(app: App, username: str) -> None:
    """Disable USERNAME: it can no longer log in and its open sessions end."""
    change(app, username, disabled=True)


@users.command("enable")
@click.argument("username")
@pass_app
def users_enable(app: App, username: str) -> None:
    """Enable USERNAME again."""
    change(app, username, disabled=False)


def change(app: App, username: str, disabled: bool) -> None:
    from tocsin.review.accounts import set_disabled

    with account_errors():
        set_disabled(app.open_db(), username, disabled, actor="cli")
    click.echo(f"{'disabled' if disabled else 'enabled'} {username.lower()}")


@users.command("role")
@click.argument("username")
@click.argument("role", type=ROLE_CHOICE)
@pass_app
def users_role(app: App, username: str, role: str) -> None:
    """Give USERNAME another ROLE (reviewer, lead or admin)."""
    from tocsin.review.accounts import set_role

    with account_errors():
        set_role(app.open_db(), username, role, actor="cli")
    click.echo(f"{username.lower()} is now {role}")


@users.command("passwd")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the new password from the first line of stdin instead of prompting.")
@pass_app
def users_passwd(app: App, username: str, password_stdin: bool) -> None:
    """Set a new password for USERNAME (its open sessions end)."""
    from tocsin.review.accounts import set_password, user_exists

    db = app.open_db()
    if not user_exists(db, username):
        raise click.ClickException(f"no user {username!r}; list them with 'tocsin users list'")
    with account_errors():
        set_password(db, username, read_password(password_stdin), actor="cli")
    click.echo(f"password of {username.lower()} changed")
