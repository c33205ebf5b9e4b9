"""Streaming dataset writers: CSV (plain, or defused for spreadsheets), JSONL and Parquet, fed records in
batches, written incrementally.

Each writer writes to ``<path>.partial`` and renames it into place on :meth:`DatasetWriter.close`, so
an interrupted export never leaves a file that looks complete.
"""

from __future__ import annotations

import codecs
import logging
import os
from operator import itemgetter
from pathlib import Path
from typing import Any, Iterable

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from tocsin.export.schema import BOOL_FIELDS, FIELD_NAMES, LIST_FIELDS, NULLABLE_FIELDS, SCHEMA, TIME_FIELDS
from tocsin.private_files import open_private, sync_to_disk

logger = logging.getLogger(__name__)

FORMATS = ("csv", "csv-excel", "jsonl", "parquet")

#: Bytes each text writer buffers before it writes to its file.
WRITE_BUFFER = 1 << 20


class DatasetWriter:
    """Base class: ``write(records)`` any number of times, then ``close()`` (or use ``with``)."""

    suffix = ""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.partial = partial_path(self.path)
        self.rows = 0

    def _open_partial(self, **kwargs: Any) -> Any:
        """A new private partial file for writing; whatever stood at its path (a stale file, a link) is removed
        first, never written through."""
        return open_private(self.partial, "wb", fresh=True, **kwargs)

    def write(self, records: Iterable[dict[str, Any]]) -> None:
        raise NotImplementedError

    def _finish(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """:meth:`finish`, then :meth:`publish`."""
        self.finish()
        self.publish()

    def finish(self) -> None:
        """Flush and close the partial file and have it on disk (:func:`~tocsin.private_files.sync_to_disk`), so
        that once renamed it holds its bytes after a power cut too; a file that cannot be finished (a full disk) is
        removed, not left half-written beside the export."""
        try:
            self._finish()
            sync_to_disk(self.partial)
        except BaseException:
            self.partial.unlink(missing_ok=True)
            raise

    def publish(self) -> None:
        """Move the finished partial file into place (a link at the final path is replaced, not followed)."""
        os.replace(self.partial, self.path)

    def abort(self) -> None:
        """Close and delete the partial file (after an error)."""
        try:
            self._finish()
        except Exception:  # the original error matters more
            logger.debug("closing a failed export raised", exc_info=True)
        self.partial.unlink(missing_ok=True)

    def __enter__(self) -> "DatasetWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


class JsonlWriter(DatasetWriter):
    """One JSON object per line, UTF-8, every field always present with one type (lists stay lists). Only the
    newline ends a line: U+2028, U+2029 and NEL inside texts are escaped (:func:`escape_line_separators`).

    Loaders that infer types from the start of a file (the Hugging Face ``datasets`` JSON loader reads
    10 MiB at a time and fixes each column's type from the first piece) fail when a field is null or an
    empty list all through that piece and typed later. So the writer remembers, for each field, the
    first line that gives it a type; on close, any such line past ``typed_prefix_bytes`` is moved to the
    top of the file (a streamed rewrite, constant memory; only row order changes).
    """

    suffix = ".jsonl"

    def __init__(self, path: Path, typed_prefix_bytes: int = 1 << 20):
        super().__init__(path)
        self.typed_prefix_bytes = typed_prefix_bytes
        self.file = self._open_partial(buffering=WRITE_BUFFER)
        self.offset = 0
        self.untyped = set(NULLABLE_FIELDS)
        self.first_typed: dict[str, tuple[int, int]] = {}  # field -> (line number, byte offset)

    def write(self, records: Iterable[dict[str, Any]]) -> None:
        chunk: list[bytes] = []
        for record in records:
            line = escape_line_separators(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE))
            if self.untyped:
                self._note_types(record)
            chunk.append(line)
            self.offset += len(line)
            self.rows += 1
        self.file.writelines(chunk)  # into the file's buffer: no large temporary per batch

    def _note_types(self, record: dict[str, Any]) -> None:
        for name in [n for n in self.untyped if record[n] is not None and record[n] != []]:
            self.first_typed[name] = (self.rows, self.offset)
            self.untyped.discard(name)

    def _finish(self) -> None:
        if self.file.closed:
            return
        self.file.close()
        late = sorted({line for line, offset in self.first_typed.values() if offset >= self.typed_prefix_bytes})
        if late:
            self._move_to_top(set(late))

    def _move_to_top(self, lines: set[int]) -> None:
        """Rewrite the file with the given lines first, the rest in their order."""
        with open(self.partial, "rb") as f:
            head = [line for number, line in enumerate(f) if number in lines]
        moved = self.partial.with_name(self.partial.name + ".sorted")
        try:
            with open(self.partial, "rb") as src, open_private(moved, "wb", fresh=True) as dst:
                dst.writelines(head)
                dst.writelines(line for number, line in enumerate(src) if number not in lines)
        except BaseException:   # a full disk: no second half-written copy of the texts is left behind
            moved.unlink(missing_ok=True)
            raise
        os.replace(moved, self.partial)
        logger.debug("moved %d rows to the top of the JSONL file so every field is typed early", len(lines))


#: Characters that are valid raw in a JSON string but end a line for ``str.splitlines`` and many editors
#: (U+2028, U+2029, NEL), as UTF-8, with the JSON escape each is written as.
_LINE_SEPARATORS = {"\u2028".encode(): b"\\u2028", "\u2029".encode(): b"\\u2029", "\x85".encode(): b"\\u0085"}


def escape_line_separators(line: bytes) -> bytes:
    """A JSON line with U+2028, U+2029 and NEL escaped, so that every reader sees one record per line (the text
    loads back the same). Each is a whole UTF-8 sequence that only that character can make."""
    for raw, escaped in _LINE_SEPARATORS.items():
        if raw in line:
            line = line.replace(raw, escaped)
    return line


class CsvWriter(DatasetWriter):
    """RFC 4180 CSV with a header row: quoted where needed, CRLF line ends, UTF-8 without BOM.

    Lists are JSON strings; booleans are ``true``/``false``; null is the empty field. Fields are quoted
    exactly as the ``csv`` module quotes them with ``QUOTE_MINIMAL`` and its default dialect: a field
    holding a comma, a double quote, CR or LF is quoted, its double quotes doubled. Texts are written as
    they are, byte for byte, for programs (pandas, R); :class:`SpreadsheetCsvWriter` is the variant for
    spreadsheets.

    Each batch is formatted a column at a time (see :func:`csv_column`), which is several times faster
    than the ``csv`` module's writer or formatting field by field.
    """

    suffix = ".csv"
    #: Bytes written before the header row.
    preamble = b""
    #: Whether text fields a spreadsheet would read as a formula get a leading ``'`` (see :func:`defuse_formulas`).
    defuse = False

    def __init__(self, path: Path):
        super().__init__(path)
        #: Text fields given a leading ``'`` so far (always 0 unless :attr:`defuse`).
        self.defused = 0
        self.file = self._open_partial(buffering=WRITE_BUFFER)
        self.file.write(self.preamble + (",".join(FIELD_NAMES) + "\r\n").encode("utf-8"))

    def write(self, records: Iterable[dict[str, Any]]) -> None:
        records = list(records)
        if not records:
            return
        columns = [self._column(kind, column) for kind, column in zip(_CSV_KINDS, zip(*map(_FIELD_VALUES, records)))]
        # one line at a time into the file's buffer: a batch joined into one string and encoded at once
        # makes large short-lived allocations, which cost more than the calls they save
        self.file.writelines([(",".join(row) + "\r\n").encode("utf-8") for row in zip(*columns)])
        self.rows += len(records)

    def _column(self, kind: str, values: tuple[Any, ...]) -> list[str]:
        if not self.defuse or kind != "text":
            return csv_column(kind, values)
        fields, defused = defuse_formulas(_text_fields(values))
        self.defused += defused
        return quote_fields(fields)

    def _finish(self) -> None:
        if not self.file.closed:
            self.file.close()


class SpreadsheetCsvWriter(CsvWriter):
    """The CSV of :class:`CsvWriter` made safe to open in Excel or LibreOffice (format ``csv-excel``).

    Two differences: a UTF-8 byte-order mark first, without which Excel reads the file in the system's
    legacy code page (mangling Cyrillic and Uzbek ``oʻ``); and every text field a spreadsheet would take
    for a formula starts with ``'`` (:func:`defuse_formulas`). Numbers, booleans, lists and times are
    written as in the plain CSV, so a negative number stays a number.
    """

    preamble = codecs.BOM_UTF8
    defuse = True


#: A record's values in :data:`FIELD_NAMES` order, fetched in C.
_FIELD_VALUES = itemgetter(*FIELD_NAMES)
#: How :func:`csv_column` formats each field, in :data:`FIELD_NAMES` order.
_CSV_KINDS = ["list" if name in LIST_FIELDS else "bool" if name in BOOL_FIELDS else
              "number" if pa.types.is_integer(SCHEMA.field(name).type) or pa.types.is_floating(SCHEMA.field(name).type) else
              "text" for name in FIELD_NAMES]
#: The characters that make a CSV field need quotes.
_SPECIAL = ('"', ",", "\n", "\r")


#: First characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection"): ``=``, ``+``,
#: ``-``, ``@``, tab (0x09) and carriage return (0x0D).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula: it starts with one of :data:`FORMULA_STARTS`,
    also after leading white space (a tab or carriage return there counts itself)."""
    return text.startswith(FORMULA_STARTS) or text.lstrip().startswith(FORMULA_STARTS)


def csv_column(kind: str, values: tuple[Any, ...]) -> list[str]:
    """One column of a batch as CSV fields; ``kind`` is text, number, bool or list (see :data:`_CSV_KINDS`).

    None is the empty field. Numbers are written with ``str`` (a float as its shortest repr), which
    never needs quotes; text and lists (as JSON) are quoted where they must be (:func:`quote_fields`).
    """
    if kind == "number":
        return ["" if v is None else str(v) for v in values]
    if kind == "bool":
        return ["" if v is None else "true" if v else "false" for v in values]
    if kind == "list":
        return quote_fields([orjson.dumps(v).decode("utf-8") for v in values])
    return quote_fields(_text_fields(values))


def _text_fields(values: tuple[Any, ...]) -> list[str]:
    return [v if type(v) is str else "" if v is None else str(v) for v in values]


def quote_fields(fields: list[str]) -> list[str]:
    """Fields quoted where they must be, a whole column first being checked at once since most columns of
    most batches need no quotes at all."""
    joined = "\x00".join(fields)
    if not any(map(joined.__contains__, _SPECIAL)):
        return fields
    return [('"' + v.replace('"', '""') + '"') if ('"' in v or "," in v or "\n" in v or "\r" in v) else v for v in fields]


def defuse_formulas(fields: list[str]) -> tuple[list[str], int]:
    """Text fields with ``'`` put before each that starts with one of :data:`FORMULA_STARTS`, and how many got it.

    This is OWASP's advice for CSV injection: the spreadsheet then shows the field as text (Excel hides the
    ``'``) instead of running it (``=HYPERLINK(…)``, ``=WEBSERVICE(…)``, DDE). The first character after any
    leading white space (spaces, no-break spaces, line breaks) counts, since a spreadsheet may trim those on import.
    """
    if not any(looks_like_formula(v) for v in fields):
        return fields, 0
    out = ["'" + v if looks_like_formula(v) else v for v in fields]
    return out, sum(len(a) != len(b) for a, b in zip(out, fields))


#: Columns whose values repeat, dictionary-encoded in Parquet. The others (ids, texts, offsets) have
#: mostly distinct values, where building a dictionary costs time and saves no space.
DICTIONARY_FIELDS = ("source", "kind", "lang", "hallmarks", "model_name", "model_version", "patterns_version",
                     "review_majority", "label", "label_source")

#: The schema records arrive in: times as ISO strings (``…+00:00``), cast to timestamps before writing.
_WIRE_SCHEMA = pa.schema([pa.field(f.name, pa.string()) if f.name in TIME_FIELDS else f for f in SCHEMA])


#: Rough bytes a target, place or span takes as a Python dict (see :func:`record_bytes`).
_ENTRY_BYTES = 500


def record_bytes(record: dict[str, Any]) -> int:
    """Roughly how many bytes a record holds in memory: its text, and its targets, places and spans."""
    return len(record["text"]) + _ENTRY_BYTES * (len(record["targets"]) + len(record["places"]) + len(record["spans"]))


class ParquetWriter(DatasetWriter):
    """Parquet with the typed schema of :data:`tocsin.export.schema.SCHEMA`, zstd, in row groups."""

    suffix = ".parquet"

    def __init__(self, path: Path, row_group_size: int = 10_000, batch_size: int = 512,
                 row_group_bytes: int = 32 << 20, batch_bytes: int = 16 << 20):
        """
        :param batch_size: records converted to Arrow at a time; small enough that they are still in the
            CPU's cache from being built, and Arrow holds the rest of a row group far more compactly.
        :param row_group_bytes: Arrow bytes that end a row group before ``row_group_size`` rows.
        :param batch_bytes: bytes of records (:func:`record_bytes`) converted before ``batch_size`` records.
            Where items carry thousands of spans, memory follows these two, not the number of spans. Posts
            reach neither (about 1 kB each in Arrow, 4 kB of record bytes), so their files are as before.
        """
        super().__init__(path)
        self.row_group_size = row_group_size
        self.batch_size = batch_size
        self.row_group_bytes = row_group_bytes
        self.batch_bytes = batch_bytes
        self.buffer: list[dict[str, Any]] = []  # records not yet converted
        self.buffered_bytes = 0  # record_bytes of self.buffer
        self.batches: list[pa.RecordBatch] = []  # converted, not yet written
        self.pending = 0  # rows in self.batches
        self.pending_bytes = 0  # Arrow bytes of self.batches
        self._open_partial().close()   # private before pyarrow writes into it
        self.writer = pq.ParquetWriter(self.partial, SCHEMA, compression="zstd", use_dictionary=list(DICTIONARY_FIELDS))

    def write(self, records: Iterable[dict[str, Any]]) -> None:
        start = len(self.buffer)
        self.buffer.extend(records)
        self.buffered_bytes += sum(map(record_bytes, self.buffer[start:]))
        if len(self.buffer) >= self.batch_size or self.buffered_bytes >= self.batch_bytes:
            self._convert()
            if self.pending >= self.row_group_size:
                self._write_row_groups(everything=False)
            elif self.pending_bytes >= self.row_group_bytes:
                self._write_row_groups(everything=True)

    def _convert(self) -> None:
        """Turn the buffered records into one record batch of the typed schema."""
        if self.buffer:
            # column-wise: transpose the records in C, then convert each column to Arrow in one call
            columns = zip(*map(_FIELD_VALUES, self.buffer))
            arrays = [pa.array(column, type=f.type) for column, f in zip(columns, _WIRE_SCHEMA)]
            batch = pa.RecordBatch.from_arrays(arrays, schema=_WIRE_SCHEMA).cast(SCHEMA)
            self.batches.append(batch)
            self.pending += len(self.buffer)
            self.pending_bytes += batch.nbytes
            self.buffer, self.buffered_bytes = [], 0

    def _write_row_groups(self, everything: bool) -> None:
        """Write whole row groups of ``row_group_size`` rows (and, when ``everything``, the rest)."""
        table = pa.Table.from_batches(self.batches, schema=SCHEMA)
        size = table.num_rows if everything else table.num_rows - table.num_rows % self.row_group_size
        if size:
            self.writer.write_table(table.slice(0, size), row_group_size=self.row_group_size)
            self.rows += size
        rest = table.slice(size)
        self.batches, self.pending, self.pending_bytes = rest.to_batches(), rest.num_rows, rest.nbytes

    def _finish(self) -> None:
        if self.writer is not None:
            try:
                self._convert()
                self._write_row_groups(everything=True)
            finally:
                self.writer.close()
                self.writer = None


WRITERS: dict[str, type[DatasetWriter]] = {"csv": CsvWriter, "csv-excel": SpreadsheetCsvWriter, "jsonl": JsonlWriter,
                                           "parquet": ParquetWriter}


def partial_path(path: Path) -> Path:
    """Where a file is written before it is complete: ``….partial`` beside it."""
    return path.with_name(path.name + ".partial")


def open_writer(fmt: str, path: Path) -> DatasetWriter:
    """A writer for ``fmt`` (one of :data:`FORMATS`) to ``path``; one that cannot start (a full disk) leaves no
    partial file behind."""
    if fmt not in WRITERS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    try:
        return WRITERS[fmt](path)
    except BaseException:
        partial_path(Path(path)).unlink(missing_ok=True)
        raise
