"""``tocsin users …`` and ``tocsin serve`` through click's runner."""

from __future__ import annotations

from tocsin.cli import main
from tocsin.review import accounts
from tocsin.store import connect


def run(runner, db_path, *args, input=None):
    """``tocsin --db DB_PATH ARGS…`` on a store made first (commands that write refuse a missing one)."""
    if not db_path.exists():
        connect(db_path).close()
    return runner.invoke(main, ["--db", str(db_path), *args], input=input)


def test_users_add_list_disable_enable_passwd(runner, db_path):
    result = run(runner, db_path, "users", "add", "Maria", "--role", "lead", input="first secret 1\nfirst secret 1\n")
    assert result.exit_code == 0, result.output
    assert "added lead maria" in result.output
    db = connect(db_path)
    assert accounts.authenticate(db, "maria", "first secret 1")["role"] == "lead"

    listed = run(runner, db_path, "users", "list")
    assert listed.exit_code == 0 and "maria" in listed.output and "lead" in listed.output and "active" in listed.output

    assert run(runner, db_path, "users", "disable", "maria").exit_code == 0
    assert accounts.authenticate(db, "maria", "first secret 1") is None
    assert "disabled" in run(runner, db_path, "users", "list").output
    assert run(runner, db_path, "users", "enable", "maria").exit_code == 0

    changed = run(runner, db_path, "users", "passwd", "maria", "--password-stdin", input="second secret 2\n")
    assert changed.exit_code == 0, changed.output
    assert accounts.authenticate(db, "maria", "first secret 1") is None
    assert accounts.authenticate(db, "maria", "second secret 2") is not None
    promoted = run(runner, db_path, "users", "role", "maria", "admin")
    assert promoted.exit_code == 0 and "now admin" in promoted.output
    assert accounts.authenticate(db, "maria", "second secret 2")["role"] == "admin"
    assert run(runner, db_path, "users", "role", "maria", "king").exit_code == 2
    actions = [(r[0], r[1]) for r in db.execute("SELECT actor, action FROM audit_log ORDER BY id")]
    assert actions == [("system", "user_add")] + [("cli", "user_change")] * 4


def test_users_errors_name_the_problem_and_change_nothing(runner, db_path):
    assert run(runner, db_path, "users", "add", "ann", "--password-stdin", input="long enough 1\n").exit_code == 0
    dup = run(runner, db_path, "users", "add", "ann", "--password-stdin", input="long enough 2\n")
    assert dup.exit_code == 1 and "exists" in dup.output and "tocsin users passwd ann" in dup.output
    short = run(runner, db_path, "users", "add", "bob", "--password-stdin", input="short\n")
    assert short.exit_code == 1 and "at least 8 visible characters" in short.output
    empty = run(runner, db_path, "users", "add", "bob", "--password-stdin", input="")
    assert empty.exit_code == 2 and "nothing came on stdin" in empty.output
    bad = run(runner, db_path, "users", "add", "b c", "--password-stdin", input="long enough 1\n")
    assert bad.exit_code == 1 and "bad username" in bad.output
    role = run(runner, db_path, "users", "add", "carl", "--role", "owner", "--password-stdin", input="long enough 1\n")
    assert role.exit_code == 2 and "owner" in role.output
    legacy = run(runner, db_path, "users", "add", "dora", "--password-stdin", input="пароль длинный 1\n".encode("cp1251"))
    assert legacy.exit_code == 2 and "not UTF-8 text" in legacy.output
    ghost = run(runner, db_path, "users", "passwd", "ghost", "--password-stdin", input="long enough 1\n")
    assert ghost.exit_code == 1 and "no user 'ghost'" in ghost.output
    assert run(runner, db_path, "users", "disable", "ghost").exit_code == 1
    mismatch = run(runner, db_path, "users", "add", "dora", input="long enough 1\nother words 1\nlong enough 1\nlong enough 1\n")
    assert mismatch.exit_code == 0 and "do not match" in mismatch.output.lower()
    db = connect(db_path)
    assert [u["username"] for u in accounts.list_users(db)] == ["ann", "dora"]
    assert accounts.authenticate(db, "ann", "long enough 1") is not None


def test_serve_help_and_bad_host(runner, db_path):
    result = runner.invoke(main, ["serve", "--help"])
    assert result.exit_code == 0 and "--host" in result.output and "--port" in result.output
    bad = run(runner, db_path, "serve", "--host", "http://x/")
    assert bad.exit_code == 2 and "--host" in bad.output
    assert run(runner, db_path, "serve", "--port", "70000").exit_code == 2


def test_serve_runs_waitress_on_the_configured_address(runner, db_path, monkeypatch):
    calls = {}

    def fake_waitress(app, **kwargs):
        calls.update(kwargs, app=app)

    import waitress

    monkeypatch.setattr(waitress, "serve", fake_waitress)
    missing = runner.invoke(main, ["--db", str(db_path), "serve"])
    assert missing.exit_code == 2 and "init FOLDER" in missing.output and not calls
    connect(db_path).close()
    result = run(runner, db_path, "serve", "--port", "9123")
    assert result.exit_code == 0, result.output
    assert calls["host"] == "127.0.0.1" and calls["port"] == 9123 and calls["threads"] == 4
    assert "no review accounts yet" in result.output
    client = calls["app"].test_client()
    assert client.get("/login").status_code == 200
