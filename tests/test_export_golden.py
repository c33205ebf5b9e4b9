"""A known store exports to exactly known rows in every format; the fast paths equal their plain versions."""

from __future__ import annotations

import csv
import hmac
import io
import json
import random
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from test_export_support import TRICKY_TEXT, add_corpus
from tocsin.config import Settings
from tocsin.export.dataset import ExportOptions, export_dataset
from tocsin.export.keys import ExportKey, normalise_profile_url
from tocsin.export.redaction import _PHONE, _phone_spans
from tocsin.export.schema import FIELD_NAMES, LIST_FIELDS, TIME_FIELDS
from tocsin.export.writers import CsvWriter
from tocsin.store.exporting import get_link_key

_COMMON = {"kind": "article", "removed_at": None, "retention_purged_at": None, "model_name": "tocsin-test", "model_version": "1", "patterns_version": "p1",
           "threshold": 0.5, "review_unsure": 0}
_UNREVIEWED = {"review_count": 0, "review_incitement": 0, "review_not_incitement": 0, "review_escalate": 0, "review_unsure": 0,
               "review_majority": None, "review_agreement": None}

#: The records of :func:`add_corpus`, in store order, without id, author, author_profile and first_seen.
EXPECTED = {
    "flagged": {**_COMMON, "source": "test", "lang": "en", "title": "Rumours from [handle]",
                "text": "Rumours from [handle]\n\nCall [phone] or write [email]: the uzbek neighbours in Osh are vermin, "
                        "says [handle] (see [profile]).",
                "published_at": "2026-06-01T10:00:00+00:00", "score": 0.9, "incitement": True, "hallmarks": ["dehumanization"],
                "targets": [{"group": "uzbek", "text": "uzbek", "start": 58, "end": 63}],
                "places": [{"place": "osh", "text": "Osh", "start": 78, "end": 81}],
                "spans": [{"kind": "target", "label": "uzbek", "text": "uzbek", "start": 58, "end": 63, "form": None},
                          {"kind": "place", "label": "osh", "text": "Osh", "start": 78, "end": 81, "form": None},
                          {"kind": "cue", "label": "dehumanization", "text": "vermin", "start": 86, "end": 92, "form": None},
                          {"kind": "cue", "label": "handle", "text": "[handle]", "start": 99, "end": 107, "form": None}],
                "explanation": "dehumanising word; quoted by [handle]", "review_count": 3, "review_incitement": 2,
                "review_not_incitement": 0, "review_escalate": 1, "review_majority": "incitement", "review_agreement": 0.6667,
                "label": "incitement", "label_source": "review"},
    "counter": {**_COMMON, "source": "chan", "lang": "ru", "title": "",
                "text": "Контакт [phone], [email], [profile]; кыргыз жана өзбек достор.",
                "published_at": "2026-06-01T10:00:00+00:00", "score": 0.2, "incitement": False, "hallmarks": [],
                "targets": [{"group": "kyrgyz", "text": "кыргыз", "start": 37, "end": 43},
                            {"group": "uzbek", "text": "өзбек", "start": 49, "end": 54}],
                "places": [],
                "spans": [{"kind": "target", "label": "kyrgyz", "text": "кыргыз", "start": 37, "end": 43, "form": None},
                          {"kind": "target", "label": "uzbek", "text": "өзбек", "start": 49, "end": 54, "form": None}],
                "explanation": "flagged for nothing", "review_count": 2, "review_incitement": 1, "review_not_incitement": 1,
                "review_escalate": 0, "review_majority": "disputed", "review_agreement": 0.5, "label": "disputed",
                "label_source": "review"},
    "tricky": {**_COMMON, **_UNREVIEWED, "source": "test", "lang": "uz-Latn", "title": 'A "quoted", title',
               "text": f'A "quoted", title\n\n{TRICKY_TEXT}', "published_at": None, "score": 0.1, "incitement": False,
               "hallmarks": [], "targets": [], "places": [], "spans": [], "explanation": "flagged for nothing",
               "label": "not_incitement", "label_source": "model"},
    "unanalysed": {**_UNREVIEWED, "source": "test", "kind": "article", "lang": "en", "title": "", "text": "Ring [phone] today.",
                   "published_at": "2026-07-15T02:00:00+00:00", "removed_at": None, "retention_purged_at": None, "score": None, "incitement": None,
                   "threshold": None, "hallmarks": [], "targets": [], "places": [], "spans": [], "explanation": None,
                   "model_name": None, "model_version": None, "patterns_version": None, "label": None, "label_source": None},
}


def expected_records(db, ids: dict[str, str], link_key: str) -> list[dict]:
    """:data:`EXPECTED` with the pseudonyms the link key gives and the stored first_seen, in export order."""
    key = ExportKey(get_link_key(db, link_key)[0], link_key)
    out = []
    for name, store_id in ids.items():
        author, first_seen, meta = db.execute("SELECT author_pseudonym, first_seen, meta FROM items WHERE id = ?", [store_id]).fetchone()
        profile = json.loads(meta).get("author_url", "")
        record = {"id": key.item(store_id), "author": key.author(author), "author_profile": key.profile(profile),
                  "first_seen": first_seen, **EXPECTED[name]}
        out.append({field: record[field] for field in FIELD_NAMES})
    return out


def csv_module_text(records: list[dict]) -> str:
    """The records as the ``csv`` module writes them (QUOTE_MINIMAL, CRLF), lists as compact JSON."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(FIELD_NAMES)
    for record in records:
        writer.writerow([json.dumps(v, ensure_ascii=False, separators=(",", ":")) if isinstance(v, list) else
                         ("true" if v else "false") if isinstance(v, bool) else v for v in record.values()])
    return buffer.getvalue()


def test_known_store_exports_exactly_these_rows_in_every_format(fresh_db, tmp_path):
    ids = add_corpus(fresh_db)
    runs = {fmt: export_dataset(fresh_db, Settings(), ExportOptions(fmt=fmt, out=tmp_path / fmt, link_key="golden", chunk_size=3))
            for fmt in ("jsonl", "csv", "parquet")}
    expected = expected_records(fresh_db, ids, "golden")
    assert expected[0]["author"].startswith("a_") and expected[0]["author_profile"].startswith("p_")
    assert expected[2]["author"] is None and expected[1]["author_profile"] is None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", expected[0]["first_seen"])

    jsonl = runs["jsonl"].data_path.read_bytes()
    assert [json.loads(line) for line in jsonl.splitlines()] == expected
    for line, record in zip(jsonl.splitlines(), expected):  # compact, UTF-8, keys in schema order
        assert line.decode("utf-8") == json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    assert runs["csv"].data_path.read_bytes() == csv_module_text(expected).encode("utf-8")
    rows = pq.read_table(runs["parquet"].data_path).to_pylist()
    for row in rows:
        for name in TIME_FIELDS:
            row[name] = row[name].isoformat() if row[name] is not None else None
    assert rows == expected


def test_csv_writer_quotes_as_the_csv_module_does(tmp_path):
    values = ["plain", "", None, 'a "quote"', "comma, here", "line\nfeed", "cr\ronly", "tab\tonly", "кириллица", " lead"]
    records = []
    for n, value in enumerate(values):
        record = {name: [] if name in LIST_FIELDS else None for name in FIELD_NAMES}
        record.update({name: value for name in ("source", "title", "text", "explanation", "label")})
        record.update({"id": f"i_{n}", "score": 1 / (n + 1) if n % 3 else None, "incitement": (None, True, False)[n % 3],
                       "review_count": n, "hallmarks": [value] if n % 2 else [], "spans": [{"kind": value, "start": n}]})
        records.append(record)
    writer = CsvWriter(tmp_path / "t.csv")
    with writer:
        writer.write(records[:4])
        writer.write([])
        writer.write(records[4:])
    assert (tmp_path / "t.csv").read_bytes() == csv_module_text(records).encode("utf-8")
    assert writer.rows == len(values)


@pytest.mark.parametrize("size", [0, 16, 32, 64, 65, 200])
def test_pseudonyms_are_truncated_hmac_sha256(size):
    secret = bytes(range(size % 256)) * (size // 256 + 1)
    secret = secret[:size]
    key = ExportKey(secret)

    def reference(domain: bytes, value: str) -> str:
        return hmac.digest(secret, domain + b"\x00" + value.encode("utf-8", "surrogatepass"), "sha256").hex()[:20]

    for value in ("a" * 64, "автор", "\ud800", "x"):
        assert key.item(value) == "i_" + reference(b"item", value)
        assert key.author(value) == "a_" + reference(b"author", value)
        assert key.profile(value) == "p_" + reference(b"profile", normalise_profile_url(value))
    assert key.author("") is None and key.item("x") != ExportKey(secret + b"!").item("x")


def test_phone_runs_find_what_the_whole_pattern_finds():
    rng = random.Random(11)
    pieces = [*"0123456789" * 3, *"+() \t\u00a0-./@_,:x", "٣", "١", "Ы", "00", "+7", "(0", "2026-06-01", "12:30", "\n", "²"]
    found = 0
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        expected = [m.span() for m in _PHONE.finditer(text)]
        assert list(_phone_spans(text)) == expected, text
        found += len(expected)
    assert found > 500


def test_export_output_does_not_depend_on_chunk_size(fresh_db, tmp_path: Path):
    add_corpus(fresh_db)
    outputs = set()
    for size in (1, 2, 1000):
        summary = export_dataset(fresh_db, Settings(), ExportOptions(fmt="csv", out=tmp_path / str(size), link_key="k", chunk_size=size))
        outputs.add(summary.data_path.read_bytes())
    assert len(outputs) == 1


def test_parquet_row_groups_are_whole_whatever_the_batches(fresh_db, tmp_path):
    from tocsin.export.writers import ParquetWriter

    add_corpus(fresh_db)
    summary = export_dataset(fresh_db, Settings(), ExportOptions(fmt="jsonl", out=tmp_path / "j"))
    records = [json.loads(line) for line in summary.data_path.read_text(encoding="utf-8").splitlines()] * 4
    writer = ParquetWriter(tmp_path / "p.parquet", row_group_size=5, batch_size=3)
    with writer:
        for start in range(0, len(records), 2):
            writer.write(records[start:start + 2])
    parquet = pq.ParquetFile(tmp_path / "p.parquet")
    assert [parquet.metadata.row_group(i).num_rows for i in range(parquet.metadata.num_row_groups)] == [5, 5, 5, 1]
    rows = parquet.read().to_pylist()
    for row in rows:
        for name in TIME_FIELDS:
            row[name] = row[name].isoformat() if row[name] is not None else None
    assert rows == records and writer.rows == 16
