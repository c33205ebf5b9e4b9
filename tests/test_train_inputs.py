"""A user's labelled files for training: every problem is named with its file, line and fix, never a traceback,
and a file that gives no rows is refused."""

from __future__ import annotations

import json
import logging

import pytest

from tocsin.models.classifier import LABELS
from tocsin.models.labelled_files import MAX_FIELD_CHARS, TrainingDataError, read_labelled_file, read_labelled_files


def write(tmp_path, name, content):
    """``content`` written as UTF-8 to ``tmp_path/name``; its path."""
    path = tmp_path / name
    path.write_text(content, encoding="utf-8", newline="")
    return path


@pytest.mark.parametrize("name, content, message", [
    ("l.csv", "", r"l\.csv: the file is empty; add labelled records \(text, incitement\), or leave the file out of "
                  r"--extra-files"),
    ("l.csv", "text,incitement\n\n", r"l\.csv: a header but no records below it; add labelled records"),
    ("l.jsonl", "", r"l\.jsonl: the file is empty"),
    ("l.jsonl", "\n \r\n\n", r"l\.jsonl: the file is empty"),
])
def test_a_file_that_gives_no_rows_is_refused(tmp_path, name, content, message):
    with pytest.raises(TrainingDataError, match=message):
        read_labelled_file(write(tmp_path, name, content))


def test_the_rows_read_from_each_file_are_logged(tmp_path, caplog):
    first = write(tmp_path, "a.csv", "text,incitement\nОдин,0\nДва,1\n")
    second = write(tmp_path, "b.jsonl", '{"text": "Три", "incitement": 0}\n')
    with caplog.at_level(logging.INFO, logger="tocsin.models.labelled_files"):
        rows = read_labelled_files([str(first), str(second)])
    assert [r.text for r in rows] == ["Один", "Два", "Три"]
    assert f"read 2 labelled rows from {first}" in caplog.text and f"read 1 labelled rows from {second}" in caplog.text


DEEP = '{"text": "a", "incitement": 1, "x": ' + "[" * 3000 + "]" * 3000 + "}"


@pytest.mark.parametrize("record, message", [
    ({"text": "a", "incitement": 1, "hallmarks": 5}, r"'hallmarks' must be a list of hallmark names or one string of "
                                                      r"names separated by ';' or ',', got 5"),
    ({"text": "a", "incitement": 1, "hallmarks": True}, r"'hallmarks' must be a list .*, got True"),
    ({"text": "a", "incitement": 1, "hallmarks": {"call_to_violence": 1}}, r"'hallmarks' must be a list"),
    ({"text": "a", "incitement": 1, "hallmarks": [1]}, r"'hallmarks' must be a list"),
    ({"text": ["a", "b"], "incitement": 1}, r"'text' must be a string, got an array; write the text as one JSON string"),
    ({"text": {"ru": "a"}, "incitement": 1}, r"'text' must be a string, got an object"),
    ({"text": 5, "incitement": 1}, r"'text' must be a string, got a number"),
    ({"text": "a", "incitement": 0, "hallmarks": ["call_to_violence"]},
     r"hallmarks \['call_to_violence'\] given for a text labelled incitement 0; a hallmark implies incitement: set "
     r"incitement to 1, or remove the hallmarks"),
    ({"text": "a", "incitement": [1]}, r"'incitement' must be 0/1, true/false or yes/no, got \[1\]"),
    ({"text": "a", "incitement": 1, "lang": "xx"}, r"unknown 'lang' 'xx'; use one of .*uz-Latn.*, or leave it empty"),
    ({"text": "a", "incitement": 1, "lang": ["ru"]}, r"unknown 'lang' \['ru'\]"),
])
def test_a_wrong_json_record_is_named_with_its_line_and_the_fix(tmp_path, record, message):
    path = write(tmp_path, "l.jsonl", '{"text": "fine", "incitement": 0}\n' + json.dumps(record) + "\n")
    with pytest.raises(TrainingDataError, match=r"l\.jsonl:2: " + message):
        read_labelled_file(path)


@pytest.mark.parametrize("line, message", [
    ('{"text": "a", "incitement": ' + "1" * 5000 + "}", r"a number of 5000 digits is too long"),
    (DEEP, r"JSON nested too deeply to read; write the record as one flat object"),
    ('{"text": "a", "incitement": 0, "incitement": 1}', r"the key\(s\) 'incitement' appear more than once"),
    ("[1, 2]", r"expected a JSON object with 'text' and 'incitement', got an array"),
    ("{bad", r"not valid JSON \(.* at column 2\); one JSON object per line \(only files ending in \.csv are read as CSV\)"),
])
def test_a_line_json_cannot_read_is_named_without_a_traceback(tmp_path, line, message):
    path = write(tmp_path, "l.jsonl", "\n" + line + "\n")
    with pytest.raises(TrainingDataError, match=r"l\.jsonl:2: " + message):
        read_labelled_file(path)


def test_a_file_not_ending_in_csv_is_read_as_json_lines_and_the_error_says_so(tmp_path):
    path = write(tmp_path, "labels.txt", "text,incitement\nДобрый день,0\n")
    with pytest.raises(TrainingDataError, match=r"labels\.txt:1: not valid JSON .*only files ending in \.csv are read"):
        read_labelled_file(path)


def test_json_lines_end_at_newline_only_so_a_line_separator_in_a_string_is_text(tmp_path):
    texts = ["первый\u2028второй", "one\x85two", "crlf"]
    content = "".join(json.dumps({"text": t, "incitement": 0}, ensure_ascii=False) + "\r\n" for t in texts)
    assert [r.text for r in read_labelled_file(write(tmp_path, "l.jsonl", content))] == texts


@pytest.mark.parametrize("content, message", [
    ("text,incitement,incitement\na,1\n", r"l\.csv:1: the header names the column\(s\) 'incitement' more than once; "
                                         r"keep one column of each name"),
    ("text;incitement\na;1\n", r"l\.csv:1: the header 'text;incitement' has no 'text' or 'incitement' column; a CSV "
                               r"needs the columns text, incitement \(optional: hallmarks, lang, category\); the "
                               r"header holds ';': separate the columns with commas"),
    ("text\tincitement\na\t1\n", r"l\.csv:1: the header .* has no 'text' or 'incitement' column.*holds a tab"),
    ("body,incitement\na,1\n", r"l\.csv:1: the header 'body,incitement' has no 'text' column; a CSV needs"),
    ("text,label\na,1\n", r"l\.csv:1: the header 'text,label' has no 'incitement' column"),
    ("text,incitement\nHello, world,0\n", r"l\.csv:2: 3 fields, but the header on line 1 has 2 columns; put a text "
                                          r"that holds a comma in double quotes"),
    ("text,incitement,lang\na,1,klingon\n", r"l\.csv:2: unknown 'lang' 'klingon'"),
])
def test_a_wrong_csv_header_or_row_is_named(tmp_path, content, message):
    with pytest.raises(TrainingDataError, match=message):
        read_labelled_file(write(tmp_path, "l.csv", content))


def test_a_csv_header_with_a_semicolon_only_mentions_the_delimiter_when_it_holds_one(tmp_path):
    with pytest.raises(TrainingDataError) as error:
        read_labelled_file(write(tmp_path, "l.csv", "body,incitement\na,1\n"))
    assert "separate the columns" not in str(error.value)


def test_csv_problems_are_named_by_the_line_the_record_starts_on(tmp_path):
    content = 'text,incitement\n\n"a text\nof two lines",1\n\n"another\none",maybe\n'
    with pytest.raises(TrainingDataError, match=r"l\.csv:6: 'incitement' must be 0/1, true/false or yes/no, got 'maybe'"):
        read_labelled_file(write(tmp_path, "l.csv", content))


def test_a_long_article_in_a_csv_is_read_and_a_field_past_the_limit_is_named(tmp_path):
    article = "Длинная статья. " * 20_000           # 320,000 characters: past the csv module's default limit
    rows = read_labelled_file(write(tmp_path, "long.csv", f'text,incitement\n"{article}",0\n'))
    assert rows[0].text == article.strip()
    huge = write(tmp_path, "huge.csv", 'text,incitement\nshort,0\n"' + "x" * (MAX_FIELD_CHARS + 1) + '",1\n')
    with pytest.raises(TrainingDataError, match=rf"huge\.csv:3: a field longer than {MAX_FIELD_CHARS:,} characters; "
                                                r"shorten the text, or close the double quote opened on this line"):
        read_labelled_file(huge)


def test_a_folder_or_a_missing_file_is_named_as_such(tmp_path):
    with pytest.raises(TrainingDataError, match=r": is a folder, not a file; give the labelled \.csv or \.jsonl files"):
        read_labelled_file(tmp_path)
    with pytest.raises(TrainingDataError, match=r"gone\.csv: no such file; check the path given to --extra-files"):
        read_labelled_file(tmp_path / "gone.csv")


def test_lang_codes_are_written_as_tocsin_writes_them_and_hallmark_strings_still_split(tmp_path):
    content = "text,incitement,hallmarks,lang\nOʻzbeklar,1,call_to_violence; dehumanization,UZ-latn\nСалам,0,,ky\nHi,0,,\n"
    rows = read_labelled_file(write(tmp_path, "l.csv", content))
    assert [r.meta["lang"] for r in rows] == ["uz-Latn", "ky", ""]
    assert rows[0].labels[LABELS.index("call_to_violence")] == rows[0].labels[LABELS.index("dehumanization")] == 1.0
