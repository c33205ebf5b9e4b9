"""``tocsin classify``: stdin or file, plain lines or JSONL with pass-through, one object per line, in order."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tocsin.cli import main
from tocsin.cli.classify_input import read_inputs

FIELDS = {"lang", "incitement", "score", "targets", "places", "hallmarks", "spans", "explanation", "model"}


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("TOCSIN_MODEL_THREADS", "1")


def lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_plain_lines_from_stdin(runner, env):
    text = "Надо выгнать узбеков из Оша!\nВ Оше открылся новый рынок.\n\nKill the Uzbeks in Osh, spare no one!\n"
    result = runner.invoke(main, ["classify"], input=text)
    assert result.exit_code == 0, result.output
    out = lines(result.stdout)
    assert len(out) == 3
    assert all(FIELDS <= set(o) for o in out)
    assert [o["incitement"] for o in out] == [True, False, True]
    assert out[0]["lang"] == "ru" and out[2]["lang"] == "en"
    assert out[0]["targets"][0]["group"] == "uzbek" and out[0]["places"][0]["place"] == "osh"
    assert "call_to_expulsion" in out[0]["hallmarks"]
    assert any(s["kind"] == "cue" for s in out[0]["spans"])
    assert out[0]["explanation"].startswith("call to expulsion against uzbek in Osh")
    assert 0 <= out[1]["score"] < 0.5 <= out[0]["score"] <= 1


def test_a_link_in_a_post_changes_neither_its_language_nor_its_score(runner, env):
    post = "Узбеков надо выгнать из Оша"
    link = " https://example.com/news/2026/11/some-long-article-slug-here"
    out = lines(runner.invoke(main, ["classify"], input=f"{post}\n{post}{link}\n{post} www.example.org/p?id=5 #Ош\n").stdout)
    assert [o["lang"] for o in out] == ["ru", "ru", "ru"] and all(o["incitement"] for o in out)
    assert out[1]["score"] == pytest.approx(out[0]["score"], abs=0.02) and out[1]["hallmarks"] == out[0]["hallmarks"]


def test_jsonl_file_passes_fields_through_and_reports_bad_lines(runner, env, tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(
        json.dumps({"id": 7, "text": "Qirg'izlarni O'shdan haydab chiqarish kerak!", "source": "tg"}, ensure_ascii=False) + "\n"
        + "{not json\n"
        + json.dumps({"id": 8, "body": "no text field"}) + "\n"
        + json.dumps({"id": 9, "text": "Өзбектер биздин коңшуларыбыз."}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    result = runner.invoke(main, ["classify", str(path)])
    assert result.exit_code == 0, result.output
    out = lines(result.stdout)
    assert len(out) == 4
    assert out[0]["id"] == 7 and out[0]["source"] == "tg" and out[0]["lang"] == "uz-Latn" and out[0]["incitement"]
    assert "line 2" in out[1]["error"] and "JSON" in out[1]["error"]
    assert "line 3" in out[2]["error"] and "'text'" in out[2]["error"]
    assert out[3]["id"] == 9 and out[3]["incitement"] is False


def test_dash_means_stdin(runner, env):
    result = runner.invoke(main, ["classify", "-"], input='{"text": "hello", "k": 1}\n')
    assert result.exit_code == 0 and lines(result.stdout)[0]["k"] == 1


def test_broken_encoding_and_lone_surrogates_yield_errors_or_escapes_and_the_rest_go_on(runner, env):
    raw = ("\ufeff{\"id\": 1, \"text\": \"Надо выгнать узбеков из Оша!\"}\n".encode("utf-8")
           + "Узбеки — наши соседи.\n".encode("cp1251")                       # a line saved in Windows-1251
           + b'{"id": 3, "text": "hello", "note": "\\ud800"}\n'             # a JSON escape of a lone surrogate
           + "Kill the Uzbeks in Osh, spare no one!\n".encode("utf-8"))
    result = runner.invoke(main, ["classify"], input=raw)
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout_bytes.decode("utf-8").splitlines()]
    assert len(out) == 4
    assert out[0]["id"] == 1 and out[0]["incitement"] is True                 # the byte-order mark is dropped
    assert out[1] == {"error": "line 2: not valid UTF-8 (byte 0xd3 at byte 1); save the input as UTF-8", "line": 2}
    assert out[2]["id"] == 3 and out[2]["note"] == "\ud800" and "lang" in out[2]
    assert out[3]["incitement"] is True and out[3]["lang"] == "en"


def test_json_that_cannot_be_written_back_or_read_at_all_is_a_bad_line():
    import io

    deep = '{"x": ' + "[" * 100_000 + "]" * 100_000 + ', "text": "a"}'
    lines = [deep, '{"text": "a", "x": NaN}', '{"text": "a", "id": 1e999}', '{"text": "a", "id": 1.5}']
    got = list(read_inputs(io.StringIO("\n".join(lines) + "\n")))
    assert [e for _, _, e in got] == [
        "line 1: JSON nested too deeply to read; flatten the record",
        "line 2: not valid JSON (NaN is not a JSON number; write it as a string or null)",
        "line 3: not valid JSON (1e999 is too large for a JSON number; write it as a string)",
        "",
    ]
    assert got[3][1] == {"text": "a", "id": 1.5}


def test_read_inputs_numbers_lines():
    import io

    got = list(read_inputs(io.StringIO("a\n\n{\"text\": \"b\"}\n[1]\n")))
    assert [(n, r, bool(e)) for n, r, e in got] == [(1, {"text": "a"}, False), (3, {"text": "b"}, False), (4, {"text": "[1]"}, False)]


def entries(data: bytes) -> list[tuple[int, dict | None, str]]:
    import io

    return list(read_inputs(io.BytesIO(data)))


def test_every_line_end_counts_and_utf16_is_read_or_named():
    # LF, CRLF and a lone CR each end a line; two CRs leave a blank line between
    assert [(n, r["text"]) for n, r, _ in entries(b"one\r\ntwo\rthree\r\rfive\nsix\r")] == [
        (1, "one"), (2, "two"), (3, "three"), (5, "five"), (6, "six")]
    text = "Надо выгнать узбеков из Оша!\r\nhello\n"
    for encoding in ("utf-16-le", "utf-16-be"):
        with_mark = entries(("\ufeff" + text).encode(encoding))
        assert [(n, r["text"]) for n, r, _ in with_mark] == [(1, "Надо выгнать узбеков из Оша!"), (2, "hello")]
        without = entries(text.encode(encoding))   # no byte-order mark: named, never read as text
        assert without and all(r is None and "looks like UTF-16" in e and "iconv -f UTF-16" in e for _, r, e in without), without


def test_a_bad_line_in_utf16_costs_only_itself(runner, env, tmp_path):
    lone_surrogate = b"\x00\xd8"
    path = tmp_path / "broken.txt"
    path.write_bytes("hello\n".encode("utf-16") + lone_surrogate + "\nKill the Uzbeks in Osh!\n".encode("utf-16-le")
                     + lone_surrogate)   # the file breaks off inside a character
    result = runner.invoke(main, ["classify", str(path)])
    assert result.exit_code == 0, result.output
    out = lines(result.stdout)
    assert [o.get("line") for o in out] == [None, 2, None, 4]
    assert out[0]["lang"] == "en" and out[2]["incitement"] is True
    assert out[1]["error"].startswith("line 2: not valid UTF-16 (") and "correct or remove that line" in out[1]["error"]


def test_utf16_lines_are_found_wherever_the_input_is_cut():
    data = ("\ufeffЊ\u0a0a\r\n{\"text\": \"b\"}\rc\n\nd").encode("utf-16-be")   # Њ and U+0A0A hold a 0x0A byte
    for size in (1, 3, 4, 7):
        chunks = [data[:2]] + [data[i:i + size] for i in range(2, len(data), size)]
        got = list(read_inputs(chunks))
        assert [(n, r["text"]) for n, r, _ in got] == [(1, "Њ\u0a0a"), (2, "b"), (3, "c"), (5, "d")], size


def test_a_line_that_is_a_json_string_is_read_as_that_text():
    data = ('"Надо выгнать узбеков из Оша!"\n"\\u0443збеков\\nиз Оша"\n"quoted" he said\n"\n'
            '42\nnull\n[{"text": "a"}]\n["a", "b"]\n')
    got = entries(data.encode("utf-8"))
    assert [r for _, r, _ in got] == [
        {"text": "Надо выгнать узбеков из Оша!"}, {"text": "узбеков\nиз Оша"},   # what jq prints without -r
        {"text": '"quoted" he said'}, {"text": '"'}, {"text": "42"}, {"text": "null"}, None, {"text": '["a", "b"]'}]
    assert got[6][2] == 'line 7: a JSON array; write one {"text": …} object per line'


def test_invisible_characters_around_a_json_object_are_not_part_of_it():
    data = ('\u200b{"id": 1, "text": "a"}\n\u00a0{"id": 2, "text": "b"}\u2060\n\u2060\ufeff {"id": 3, "text": "c"}\n'
            '\u200b"d"\n\u3000[{"text": "e"}]\n\u200bplain {text}\n')
    got = entries(data.encode("utf-8"))
    assert [r for _, r, _ in got] == [{"id": 1, "text": "a"}, {"id": 2, "text": "b"}, {"id": 3, "text": "c"},
                                      {"text": "d"}, None, {"text": "\u200bplain {text}"}]


def test_a_json_string_line_is_scored_as_its_text(runner, env):
    text = "Надо выгнать узбеков из Оша!"
    result = runner.invoke(main, ["classify"], input=f"{text}\n{json.dumps(text)}\n{json.dumps(text, ensure_ascii=False)}\n")
    assert result.exit_code == 0, result.output
    plain, escaped, quoted = lines(result.stdout)
    assert plain == escaped == quoted and plain["incitement"] is True


@pytest.mark.parametrize("charset", ["cp1251", "ascii"])
def test_output_is_utf8_whatever_the_stdout_encoding(env, charset):
    texts = ["Oʻzbeklar 😀", "Надо выгнать узбеков из Оша!"]
    result = CliRunner(charset=charset).invoke(main, ["classify"], input="\n".join(texts).encode("utf-8"))
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout_bytes.decode("utf-8").splitlines()]
    assert [o["targets"][0]["text"] for o in out] == ["Oʻzbeklar", "узбеков"]


def test_exit_status_is_1_only_when_nothing_could_be_classified(runner, env):
    failed = runner.invoke(main, ["classify"], input='{"id": 1}\n\n[{"text": "a"}]\n')
    assert failed.exit_code == 1
    assert [o["line"] for o in lines(failed.stdout)] == [1, 3]
    assert "no line could be classified" in failed.stderr and "Traceback" not in failed.stderr
    assert runner.invoke(main, ["classify"], input="\n \n").exit_code == 0    # nothing to classify is no failure
    assert runner.invoke(main, ["classify"], input="{bad\nhello\n").exit_code == 0


def test_an_input_that_breaks_off_says_what_was_written(runner, env, monkeypatch):
    import tocsin.cli.analyse as commands

    def breaks_off(_stream):
        yield 1, {"text": "hello"}, ""
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(commands, "read_inputs", breaks_off)
    result = runner.invoke(main, ["classify"], input="")
    assert result.exit_code == 1 and len(lines(result.stdout)) == 1
    assert "cannot read the input (Input/output error); 1 output line written before it" in result.stderr


def test_a_closed_stdin_is_a_usage_error_naming_the_fix():
    code = "from tocsin.cli import main; main(['classify'])"
    proc = subprocess.run([sys.executable, "-c", code], preexec_fn=lambda: os.close(0), capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "standard input is closed; give the texts as FILE" in proc.stderr and "Traceback" not in proc.stderr


def test_records_that_would_be_misread_are_bad_lines_or_read_as_meant():
    data = ('{"text": "a"}\n\ufeff{"id": 2, "text": "b"}\n[{"id": 3, "text": "Kill the Uzbeks in Osh"}]\n[1] footnote\n'
            '{шутка} надо\n{"text": "c", "x": ' + "[" * 101 + "]" * 101 + '}\n{"text": "d", "id": ' + "9" * 5000 + "}\n")
    got = entries(data.encode("utf-8"))
    assert got[1][1] == {"id": 2, "text": "b"}                        # a byte-order mark mid-file (files joined with cat)
    assert got[2][2] == 'line 3: a JSON array; write one {"text": …} object per line'
    assert got[3][1] == {"text": "[1] footnote"}                       # plain text that starts with a bracket
    assert got[4][2].startswith("line 5: not valid JSON") and 'write it as {"text": "…"}' in got[4][2]
    assert got[5][2] == "line 6: JSON nested more than 100 deep; flatten the record"
    assert got[6][2] == "line 7: not valid JSON (a number of 5000 digits is too long; write it as a string)"


def test_output_fields_and_error_are_not_passed_through_and_separators_are_escaped(runner, env):
    record = {"id": 1, "text": "hello\u2028world", "note": "\u202e", "error": "x", "line": 77, "score": 5, "spans": "x", "lang": "en"}
    result = runner.invoke(main, ["classify"], input=json.dumps(record, ensure_ascii=False) + "\n")
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 1                      # U+2028 went out as \u2028
    assert "\u202e" not in result.stdout and "\\u202e" in result.stdout   # a right-to-left override, escaped
    (out,) = lines(result.stdout)
    assert out["id"] == 1 and "error" not in out and "line" not in out and out["lang"] == "en"
    assert isinstance(out["score"], float) and isinstance(out["spans"], list)


@pytest.mark.slow
def test_classify_runs_offline_in_a_fresh_process(tmp_path):
    """The installed command, with every network route to the hub closed, from an empty folder."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf"),
           "TOCSIN_MODEL_THREADS": "1", "NO_PROXY": "*", "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"}
    exe = Path(sys.executable).with_name("tocsin")
    proc = subprocess.run([str(exe), "classify"], input="Uzbeks must be driven out of Osh!\n", capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["incitement"] is True and out["model"].startswith("tocsin-embedded")


@pytest.mark.slow
def test_classify_loads_no_database_code_and_no_transformers(tmp_path):
    """What keeps it quick to start: sqlite-utils (which imports pandas when it is installed) and transformers stay out."""
    code = ("import atexit, sys; from tocsin.cli import main; "
            "atexit.register(lambda: print(sorted(m for m in ('sqlite_utils', 'pandas', 'transformers') if m in sys.modules), "
            "file=sys.stderr)); main(['classify'])")
    proc = subprocess.run([sys.executable, "-c", code], input="Uzbeks must be driven out of Osh!\n", capture_output=True,
                          text=True, cwd=tmp_path, timeout=300, env={**os.environ, "TOCSIN_MODEL_THREADS": "1"})
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["incitement"] is True
    assert proc.stderr.strip().splitlines()[-1] == "[]", proc.stderr[-500:]
