"""Scraped text printed to a terminal or a log cannot drive it: escape sequences are shown, not obeyed, and
rich markup in a title is shown as written."""

from __future__ import annotations

import io
import json
import logging

from test_export_support import add_alert, add_item
from tocsin.config import Settings, SinkSettings
from tocsin.store import connect
from tocsin.terminal import TerminalSafeFormatter, json_terminal_safe, terminal_safe

#: A window title set (OSC), a colour (CSI), a C1 CSI, a carriage return that would overwrite the line, a bell,
#: and a right-to-left override and isolate that would show "exe.txt" as "txt.exe".
HOSTILE = ("Срочно\x1b]0;owned\x07 [/x] [link=http://evil.example]click[/link]\x1b[8mhidden\x9b2J\rfake\x7f"
           " \u202eexe.txt\u2067")
CONTROLS = ("\x1b", "\x07", "\x9b", "\r", "\x7f", "\u202e", "\u2067")
#: Every bidirectional control: embeddings and overrides, isolates, and the direction marks.
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def test_every_control_but_tab_and_line_feed_is_written_out():
    shown = terminal_safe(HOSTILE + "\ttab\nline")
    assert not any(c in shown for c in CONTROLS)
    assert "\\x1b]0;owned\\x07" in shown and "\\x9b2J\\x0dfake\\x7f" in shown and shown.endswith("\ttab\nline")
    assert "\\u202eexe.txt\\u2067" in shown
    assert terminal_safe("Ошская ярмарка, oʻzbek — “quoted”") == "Ошская ярмарка, oʻzbek — “quoted”"
    document = json.dumps({"title": HOSTILE}, ensure_ascii=False)
    assert "\x9b" in document and "\x7f" in document          # what json.dumps leaves raw
    escaped = json_terminal_safe(document)
    assert not any(c in escaped for c in CONTROLS) and json.loads(escaped) == {"title": HOSTILE}


def test_bidirectional_controls_are_written_out_and_escaped_in_json():
    shown = terminal_safe(f"a{BIDI}b")
    assert not any(c in shown for c in BIDI)
    assert shown == "a" + "".join(f"\\u{ord(c):04x}" for c in BIDI) + "b"
    escaped = json_terminal_safe(json.dumps({"title": BIDI}, ensure_ascii=False))
    assert not any(c in escaped for c in BIDI) and json.loads(escaped) == {"title": BIDI}


def test_alert_commands_show_a_hostile_title_and_message_as_text(runner, db_path):
    from tocsin.cli import main

    db = connect(db_path)
    item = add_item(db, url="https://t.me/s/chan/1", text="text", title=HOSTILE)
    alert_id = add_alert(db, [item], title=f"Incitement: {HOSTILE}", message=f"{HOSTILE}\nhttps://t.me/s/chan/1")
    db.close()
    for args in (["alert", "list"], ["alert", "show", str(alert_id)]):
        result = runner.invoke(main, ["--db", str(db_path), *args])
        assert result.exit_code == 0, result.output
        assert not any(c in result.output for c in CONTROLS), args
        assert "[/x] [link=http://evil.example]click[/link]" in result.output and "\\x1b]0;owned" in result.output
    listed = runner.invoke(main, ["--db", str(db_path), "alert", "list", "--json"])
    assert not any(c in listed.output for c in CONTROLS)
    assert json.loads(listed.output)["title"] == f"Incitement: {HOSTILE}"   # the exact text, escaped only as JSON


def test_the_console_sink_and_the_log_write_controls_out():
    from tocsin.alerts.transports import ConsoleTransport

    stream = io.StringIO()
    ConsoleTransport(SinkSettings(name="screen", kind="console"), Settings(), stream=stream).notify({"text": HOSTILE})
    assert not any(c in stream.getvalue() for c in CONTROLS) and "\\x1b[8mhidden" in stream.getvalue()
    record = logging.LogRecord("tocsin.crawler", logging.WARNING, __file__, 1, "page %s failed", (HOSTILE,), None)
    line = TerminalSafeFormatter("%(levelname)s %(message)s").format(record)
    assert line.startswith("WARNING page Срочно\\x1b]0;owned") and not any(c in line for c in CONTROLS)
