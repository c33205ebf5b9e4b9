"""A user's labelled files for training (``--extra-files``), read and checked record by record.

A file ending in ``.csv`` is comma-separated with a header naming the columns ``text`` and ``incitement``
(optional: ``hallmarks``, ``lang``, ``category``); any other file is JSON Lines, one object per line with the
same keys. ``incitement`` is 0/1, true/false or yes/no; ``hallmarks`` a list of hallmark names, or in a CSV
(or a JSON string) names separated by ``;`` or ``,``; a hallmark implies incitement. ``lang`` is a language
code such as ``ru`` or ``uz-Latn``. Every problem is a :class:`TrainingDataError` that names the file, the
line a record starts on and the fix; a file with no records is refused too.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from tocsin.models.classifier import LABELS
from tocsin.text_files import NotUtf8, bounded_json_int, decode_utf8

logger = logging.getLogger(__name__)

#: The longest CSV field read, in characters: room for a long article (by default the crawler
#: accepts pages of up to 10 MB).
MAX_FIELD_CHARS = 16 * 1024 * 1024
REQUIRED_COLUMNS = ("text", "incitement")
#: A JSON integer of a labelled line; one too long to read is refused with the fix.
labelled_int = functools.partial(bounded_json_int, fix="write 0 or 1 for incitement, a string elsewhere")
OPTIONAL_COLUMNS = ("hallmarks", "lang", "category")
#: Whitespace around a JSON value; a line of nothing else is skipped.
JSON_WHITESPACE = " \t\r"
#: Scripts a ``lang`` code may name after the language (``uz-Latn``).
SCRIPT_SUBTAGS = ("Cyrl", "Latn")
BOOLEANS = {"1": 1, "true": 1, "yes": 1, "0": 0, "false": 0, "no": 0}


class TrainingError(ValueError):
    """Training cannot run as asked; the message names the problem and the fix."""


class TrainingDataError(TrainingError):
    """A labelled file given for training is malformed; the message names the file, line and fix."""


@dataclass
class Row:
    text: str
    labels: list[float]          # one per LABELS entry
    mask: list[float]            # 1 where the label is known
    weight: float = 1.0
    meta: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- one record


def labelled_row(raw: dict[str, Any], where: str, weight: float = 1.0) -> Row:
    """A row from a user's labelled record; hallmarks are masked out when the record has none."""
    text = record_text(raw, where)
    incitement = incitement_label(raw, where)
    hallmarks = hallmark_names(raw.get("hallmarks"), where)
    if hallmarks and not incitement:
        raise TrainingDataError(f"{where}: hallmarks {hallmarks} given for a text labelled incitement 0; a hallmark "
                                "implies incitement: set incitement to 1, or remove the hallmarks")
    known = hallmarks is not None
    labels = [float(incitement)] + [float(h in (hallmarks or [])) for h in LABELS[1:]]
    mask = [1.0] + [1.0 if known or not incitement else 0.0] * (len(LABELS) - 1)
    meta = {"lang": language_tag(raw.get("lang"), where), "category": raw.get("category") or "user"}
    return Row(text, labels, mask, weight, meta=meta)


def record_text(raw: dict[str, Any], where: str) -> str:
    """The record's text, stripped; refused when missing, empty or not a string."""
    text = raw.get("text")
    if text is not None and not isinstance(text, str):
        raise TrainingDataError(f"{where}: 'text' must be a string, got {json_type(text)}; write the text as one "
                                "JSON string")
    if not (text or "").strip():
        raise TrainingDataError(f"{where}: no 'text'; every record needs a text and an incitement label")
    return text.strip()


def incitement_label(raw: dict[str, Any], where: str) -> int:
    """The record's incitement label as 0 or 1 (from 0/1, true/false or yes/no)."""
    if raw.get("incitement") in (None, ""):
        raise TrainingDataError(f"{where}: no 'incitement' label; give every record incitement 0 or 1")
    value = raw["incitement"]
    if isinstance(value, str):
        value = BOOLEANS.get(value.strip().lower())
    if isinstance(value, (bool, int, float)) and value in (0, 1):
        return int(value)
    raise TrainingDataError(f"{where}: 'incitement' must be 0/1, true/false or yes/no, got {short(raw['incitement'])}")


def hallmark_names(value: Any, where: str) -> list[str] | None:
    """The record's hallmark names, or None when it gives none (empty or missing: not known)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = [h.strip() for h in value.replace(";", ",").split(",") if h.strip()]
    if not isinstance(value, list) or not all(isinstance(h, str) for h in value):
        raise TrainingDataError(f"{where}: 'hallmarks' must be a list of hallmark names or one string of names "
                                f"separated by ';' or ',', got {short(value)}")
    unknown = [h for h in value if h not in LABELS[1:]]
    if unknown:
        raise TrainingDataError(f"{where}: unknown hallmark(s) {unknown}; known: {', '.join(LABELS[1:])}")
    return value


def language_tag(value: Any, where: str) -> str:
    """The record's language code as tocsin writes it (``ru``, ``uz-Latn``), matched regardless of case; ''
    when it has none."""
    if value is None or value == "":
        return ""
    tags = language_tags()
    if isinstance(value, str) and value.strip().lower() in tags:
        return tags[value.strip().lower()]
    raise TrainingDataError(f"{where}: unknown 'lang' {short(value)}; use one of {', '.join(sorted(tags.values()))}, "
                            "or leave it empty")


@functools.cache
def language_tags() -> dict[str, str]:
    """Every language code a record may give, lower-cased, to its written form: a language tocsin detects,
    alone or with its script (``ky``, ``uz-Latn``, ``ru-Cyrl``)."""
    from tocsin.nlp.language import LANGUAGES

    tags = [*LANGUAGES, *(f"{lang}-{script}" for lang in LANGUAGES for script in SCRIPT_SUBTAGS)]
    return {tag.lower(): tag for tag in tags}


def json_type(value: Any) -> str:
    """What ``value`` is, in JSON's words (an array, an object, a number …)."""
    kinds = ((bool, "true/false"), (dict, "an object"), (list, "an array"), ((int, float), "a number"),
             (str, "a string"))
    return next((name for kind, name in kinds if isinstance(value, kind)), type(value).__name__)


def short(value: Any, limit: int = 60) -> str:
    """``value`` as it appears in a message, cut to ``limit`` characters."""
    shown = repr(value)
    return shown if len(shown) <= limit else shown[:limit] + "…"


# --------------------------------------------------------------------------- files


def read_labelled_files(paths: list[str]) -> list[Row]:
    """Rows from every file of ``--extra-files``, all read and checked before any is used."""
    return [row for path in paths for row in read_labelled_file(path)]


def read_labelled_file(path: str | Path, weight: float = 1.0) -> list[Row]:
    """Rows from a CSV (``.csv``: header with ``text`` and ``incitement``) or JSONL file; a file with no
    records is refused."""
    path = Path(path)
    text = file_text(path)
    records = csv_records(text, path) if path.suffix.lower() == ".csv" else jsonl_records(text, path)
    rows = [labelled_row(raw, f"{path}:{line}", weight) for line, raw in records]
    if not rows:
        problem = "the file is empty" if not text.strip() else "a header but no records below it"
        raise TrainingDataError(f"{path}: {problem}; add labelled records (text, incitement), or leave the file out "
                                "of --extra-files")
    logger.info("read %d labelled rows from %s", len(rows), path)
    return rows


def file_text(path: Path) -> str:
    """The file's text (UTF-8, a byte-order mark dropped); a folder, a missing or unreadable file is named."""
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise TrainingDataError(f"{path}: is a folder, not a file; give the labelled .csv or .jsonl files in "
                                "it") from None
    except FileNotFoundError:
        raise TrainingDataError(f"{path}: no such file; check the path given to --extra-files") from None
    except OSError as e:
        raise TrainingDataError(f"{path}: cannot read the file ({e.strerror or e}); check the path and its "
                                "permissions") from None
    try:
        return decode_utf8(data, str(path))
    except NotUtf8 as e:
        raise TrainingDataError(str(e)) from None


def csv_records(text: str, path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line the record starts on, record) per CSV record after the header; blank lines are skipped."""
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD_CHARS))
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    header_line = 0
    for line, values in numbered_csv_rows(reader, path):
        if header is None:
            header, header_line = checked_header(values, f"{path}:{line}"), line
        elif values:
            if len(values) > len(header):
                raise TrainingDataError(f"{path}:{line}: {len(values)} fields, but the header on line {header_line} "
                                        f"has {len(header)} columns; put a text that holds a comma in double quotes")
            yield line, dict(zip(header, values))


def numbered_csv_rows(reader: Any, path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line the row starts on, values) per row of ``reader``, blank lines skipped; a row the csv module
    cannot read is named."""
    start = 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            raise TrainingDataError(f"{path}:{start}: {csv_problem(e)}") from None
        if values:
            yield start, values
        start = reader.line_num + 1


def csv_problem(error: csv.Error) -> str:
    """What a csv module error means for the user, and the fix."""
    if "field limit" in str(error):
        return (f"a field longer than {MAX_FIELD_CHARS:,} characters; shorten the text, or close the double quote "
                "opened on this line")
    return f"cannot read the CSV ({error}); save the file as comma-separated UTF-8 text"


def checked_header(values: list[str], where: str) -> list[str]:
    """The CSV header's column names (stripped); refused when a name repeats or a needed column is missing."""
    names = [v.strip() for v in values]
    repeated = sorted({n for n in names if n and names.count(n) > 1})
    if repeated:
        raise TrainingDataError(f"{where}: the header names the column(s) {', '.join(map(repr, repeated))} more "
                                "than once; keep one column of each name")
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        found = ",".join(values)
        hint = next((f"; the header holds {shown}: separate the columns with commas"
                     for mark, shown in ((";", "';'"), ("\t", "a tab")) if mark in found), "")
        raise TrainingDataError(f"{where}: the header {short(found)} has no {' or '.join(map(repr, missing))} column; "
                                f"a CSV needs the columns {', '.join(REQUIRED_COLUMNS)} (optional: "
                                f"{', '.join(OPTIONAL_COLUMNS)}){hint}")
    return names


def jsonl_records(text: str, path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line, record) per non-blank line; lines end at "\\n" only, since a JSON string may hold U+2028."""
    for line, content in enumerate(text.split("\n"), 1):
        if content.strip(JSON_WHITESPACE):
            yield line, json_record(content, f"{path}:{line}")


def json_record(content: str, where: str) -> dict[str, Any]:
    """One JSONL line as an object; a line that is not one is named with the fix."""
    fix = "one JSON object per line (only files ending in .csv are read as CSV)"
    try:
        record = json.loads(content, parse_int=labelled_int, object_pairs_hook=unique_keys)
    except json.JSONDecodeError as e:
        raise TrainingDataError(f"{where}: not valid JSON ({e.msg} at column {e.colno}); {fix}") from None
    except ValueError as e:
        raise TrainingDataError(f"{where}: {e}") from None
    except RecursionError:
        raise TrainingDataError(f"{where}: JSON nested too deeply to read; write the record as one flat object "
                                "(text, incitement, hallmarks, lang)") from None
    if not isinstance(record, dict):
        raise TrainingDataError(f"{where}: expected a JSON object with 'text' and 'incitement', got "
                                f"{json_type(record)}; {fix}")
    return record


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object from its pairs; a key given twice is refused (JSON would keep the last silently)."""
    record = dict(pairs)
    if len(record) < len(pairs):
        repeated = sorted({k for k, _ in pairs if [p[0] for p in pairs].count(k) > 1})
        raise ValueError(f"the key(s) {', '.join(map(repr, repeated))} appear more than once in the object; keep one")
    return record
