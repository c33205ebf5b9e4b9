"""Research exports: the three formats round-trip with the right types, filters, reviews, spans, datasheet."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from test_export_support import TRICKY_TEXT, add_corpus, add_item
from tocsin.config import Settings, SinkSettings
from tocsin.export.dataset import ExportError, ExportOptions, export_dataset, parse_time_bound
from tocsin.export.schema import FIELD_NAMES, SCHEMA, TIME_FIELDS
from tocsin.export.writers import JsonlWriter
from tocsin.store.audit import audit_events
from tocsin.store.exporting import ExportQuery


@pytest.fixture
def corpus(fresh_db):
    return fresh_db, add_corpus(fresh_db)


def run_export(db, tmp_path: Path, fmt: str, name: str = "out", **kwargs):
    options = ExportOptions(fmt=fmt, out=tmp_path / name, **kwargs)
    return export_dataset(db, Settings(), options)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def by_text(records: list[dict], needle: str) -> dict:
    return next(r for r in records if needle in r["text"])


def test_jsonl_has_every_field_with_one_type_each(corpus, tmp_path):
    db, ids = corpus
    summary = run_export(db, tmp_path, "jsonl")
    records = read_jsonl(summary.data_path)
    assert summary.rows == len(records) == 4
    assert all(list(r) == FIELD_NAMES for r in records)
    for name in FIELD_NAMES:
        kinds = {type(r[name]).__name__ for r in records if r[name] is not None}
        assert len(kinds) <= 1, f"{name} has mixed types {kinds}"
    for name in ("hallmarks", "targets", "places", "spans"):
        assert all(isinstance(r[name], list) for r in records)
    assert not any(r["id"] in ids.values() for r in records), "store ids (hashes of public URLs) must not be exported"
    assert all(r["id"].startswith("i_") and len(r["id"]) == 22 for r in records)


def test_reviews_are_aggregated_per_item_without_names(corpus, tmp_path):
    db, _ = corpus
    path = run_export(db, tmp_path, "jsonl").data_path
    records = read_jsonl(path)
    flagged = by_text(records, "vermin")
    # rita changed her mind: only her latest decision counts
    assert (flagged["review_count"], flagged["review_incitement"], flagged["review_escalate"], flagged["review_not_incitement"]) == (3, 2, 1, 0)
    assert flagged["review_majority"] == "incitement" and flagged["label"] == "incitement" and flagged["label_source"] == "review"
    assert flagged["review_agreement"] == pytest.approx(2 / 3, abs=1e-3)
    counter = by_text(records, "кыргыз")
    assert counter["review_majority"] == "disputed" and counter["review_agreement"] == 0.5
    unreviewed = by_text(records, "quoted") if any("quoted" in r["text"] for r in records) else by_text(records, "zbekcha")
    assert unreviewed["review_count"] == 0 and unreviewed["review_majority"] is None and unreviewed["label_source"] == "model"
    assert unreviewed["label"] == "not_incitement"
    raw = path.read_text(encoding="utf-8")
    for reviewer in ("rita", "leo", "zoya", "note by"):
        assert reviewer not in raw


def test_unanalysed_items_have_nulls_and_empty_lists(corpus, tmp_path):
    db, _ = corpus
    record = by_text(read_jsonl(run_export(db, tmp_path, "jsonl").data_path), "Ring")
    assert record["score"] is None and record["incitement"] is None and record["model_name"] is None
    assert record["hallmarks"] == [] and record["spans"] == [] and record["label"] is None
    assert record["published_at"] == "2026-07-15T02:00:00+00:00", "times are exported in UTC"


def test_span_offsets_point_into_the_redacted_text(corpus, tmp_path):
    db, _ = corpus
    records = read_jsonl(run_export(db, tmp_path, "jsonl").data_path)
    checked = 0
    for record in records:
        for name in ("targets", "places", "spans"):
            for span in record[name]:
                assert record["text"][span["start"]:span["end"]] == span["text"]
                checked += 1
    assert checked >= 8
    flagged = by_text(records, "vermin")
    assert [s["text"] for s in flagged["spans"]] == ["uzbek", "Osh", "vermin", "[handle]"]
    assert flagged["targets"] == [{"group": "uzbek", "text": "uzbek", "start": flagged["text"].index("uzbek"),
                                   "end": flagged["text"].index("uzbek") + 5}]


def test_parquet_round_trips_with_the_typed_schema(corpus, tmp_path):
    db, _ = corpus
    jsonl = read_jsonl(run_export(db, tmp_path, "jsonl", name="j", link_key="same").data_path)
    path = run_export(db, tmp_path, "parquet", name="p", link_key="same").data_path
    table = pq.read_table(path)
    assert table.schema.equals(SCHEMA)
    assert table.schema.field("first_seen").type == pa.timestamp("ms", tz="UTC")
    assert table.schema.field("targets").type == pa.list_(pa.struct([("group", pa.string()), ("text", pa.string()),
                                                                     ("start", pa.int64()), ("end", pa.int64())]))
    rows = {r["id"]: r for r in table.to_pylist()}
    assert len(rows) == len(jsonl) == 4
    for record in jsonl:
        row = rows[record["id"]]
        for name in FIELD_NAMES:
            value = row[name]
            if name in TIME_FIELDS:
                value = value.isoformat() if value is not None else None
            assert value == record[name], name


def test_csv_opens_with_the_csv_module_and_pyarrow(corpus, tmp_path):
    db, _ = corpus
    path = run_export(db, tmp_path, "csv").data_path
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 4 and list(rows[0]) == FIELD_NAMES
    tricky = next(r for r in rows if "zbekcha" in r["text"])
    assert tricky["text"] == f'A "quoted", title\n\n{TRICKY_TEXT}' and tricky["title"] == 'A "quoted", title'
    assert json.loads(tricky["spans"]) == [] and tricky["published_at"] == ""
    flagged = next(r for r in rows if "vermin" in r["text"])
    assert flagged["incitement"] == "true" and json.loads(flagged["hallmarks"]) == ["dehumanization"]
    table = pacsv.read_csv(path, parse_options=pacsv.ParseOptions(newlines_in_values=True))
    assert table.num_rows == 4
    assert f'A "quoted", title\n\n{TRICKY_TEXT}' in table.column("text").to_pylist()


def test_chunked_streaming_gives_the_same_rows(corpus, tmp_path):
    db, _ = corpus
    whole = read_jsonl(run_export(db, tmp_path, "jsonl", name="a", link_key="k").data_path)
    chunked = read_jsonl(run_export(db, tmp_path, "jsonl", name="b", link_key="k", chunk_size=1).data_path)
    assert chunked == whole


@pytest.mark.parametrize("query, labels, expected", [
    (ExportQuery(languages=("uz",)), (), {"zbekcha"}),
    (ExportQuery(languages=("ru",)), (), {"кыргыз"}),
    (ExportQuery(languages=("u_",)), (), set()),  # '_' and '%' are letters here, not LIKE wildcards
    (ExportQuery(languages=("%",)), (), set()),
    (ExportQuery(sources=("chan",)), (), {"кыргыз"}),
    (ExportQuery(groups=("uzbek",)), (), {"vermin", "кыргыз"}),
    (ExportQuery(groups=("kyrgyz",), hallmarks=("dehumanization",)), (), set()),
    (ExportQuery(hallmarks=("dehumanization",)), (), {"vermin"}),
    (ExportQuery(reviewed_only=True), (), {"vermin", "кыргыз"}),
    (ExportQuery(min_score=0.5), (), {"vermin"}),
    (ExportQuery(), ("disputed",), {"кыргыз"}),
    (ExportQuery(), ("unlabelled",), {"Ring"}),
    (ExportQuery(since=parse_time_bound("2026-07-01")), (), {"Ring", "zbekcha"}),
    (ExportQuery(until=parse_time_bound("2026-06-01", end=True)), (), {"vermin", "кыргыз"}),
    (ExportQuery(since=parse_time_bound("2026-07-15T03:00:00Z"), until=parse_time_bound("2026-07-16")), (), set()),
    (ExportQuery(since=parse_time_bound("2026-07-15T01:59:00Z"), until=parse_time_bound("2026-07-15T02:01:00Z")), (), {"Ring"}),
])
def test_filters(corpus, tmp_path, query, labels, expected):
    db, _ = corpus
    records = read_jsonl(run_export(db, tmp_path, "jsonl", query=query, labels=labels).data_path)
    markers = ("vermin", "кыргыз", "zbekcha", "Ring")
    assert {m for r in records for m in markers if m in r["text"]} == expected


@pytest.mark.parametrize("value, end, bound", [
    ("20260601", True, "2026-06-02T00:00:00+00:00"),        # ISO basic: the whole day, as 2026-06-01 is
    ("20260601", False, "2026-06-01T00:00:00+00:00"),
    ("9999-12-31", True, None),                             # the last day there is: no end bound
    ("2026-06-01T12:00:00+06:00", True, "2026-06-01T06:00:00+00:00"),
])
def test_time_bounds(value, end, bound):
    assert parse_time_bound(value, end=end) == bound


@pytest.mark.parametrize("labels", [("disputed",), ("unlabelled",), ("incitement", "not_incitement")])
def test_an_export_by_label_counts_only_the_rows_it_writes(corpus, tmp_path, labels):
    db, _ = corpus
    summary = run_export(db, tmp_path, "jsonl", name="_".join(labels), labels=labels)
    records = read_jsonl(summary.data_path)
    assert {r["label"] or "unlabelled" for r in records} <= set(labels)
    written = {rule: sum((r["text"] + r["title"] + (r["explanation"] or "")).count(token) for r in records)
               for rule, token in (("handles", "[handle]"), ("emails", "[email]"), ("phones", "[phone]"))}
    assert {rule: summary.redactions.get(rule, 0) for rule in written} == written
    assert f"| rows | {len(records)} |" in summary.datasheet_path.read_text(encoding="utf-8")


def test_datasheet_describes_the_export(corpus, tmp_path):
    db, _ = corpus
    summary = run_export(db, tmp_path, "parquet", query=ExportQuery(min_score=0.0))
    sheet = summary.datasheet_path.read_text(encoding="utf-8")
    assert summary.datasheet_path == summary.data_path.parent / "DATASHEET.md"
    for expected in ("Content warning", "| rows | 3 |", "| uzbek | 2 |", "| dehumanization | 1 |", "tocsin-test 1",
                     "fresh random key", "| handles | yes |", "Krippendorff", "Forbidden", "| en | 1 |",
                     "| uz-Latn | 1 |", "min_score=0.0", "text[start:end]", "is a formula to a spreadsheet"):
        assert expected in sheet, expected
    assert "| phones | yes | 2 |" in sheet
    event = audit_events(db, "export")[0]
    assert json.loads(event["details"])["rows"] == 3
    assert json.loads(event["details"])["sha256"] in sheet, "the audit log names the file the datasheet describes"
    assert summary.data_path.stat().st_mode & 0o777 == 0o600


def test_existing_output_is_not_overwritten_without_force(corpus, tmp_path):
    db, _ = corpus
    first = run_export(db, tmp_path, "csv")
    with pytest.raises(ExportError, match="--force"):
        run_export(db, tmp_path, "csv")
    run_export(db, tmp_path, "csv", force=True)
    assert first.data_path.exists() and not list(tmp_path.rglob("*.partial"))


def test_failed_export_leaves_no_file(corpus, tmp_path, monkeypatch):
    db, _ = corpus

    def broken(self, row):
        raise RuntimeError("boom")

    monkeypatch.setattr("tocsin.export.records.RecordBuilder.build", broken)
    with pytest.raises(RuntimeError):
        run_export(db, tmp_path, "parquet")
    assert list((tmp_path / "out").iterdir()) == []
    assert not db.conn.in_transaction


def test_time_bounds_are_checked():
    assert parse_time_bound("2026-06-30", end=True) == "2026-07-01T00:00:00+00:00"
    assert parse_time_bound("2026-06-30T12:00:00+06:00") == "2026-06-30T06:00:00+00:00"
    with pytest.raises(ExportError, match="2026-06-01"):
        parse_time_bound("last tuesday")


def test_cli_export_writes_data_and_datasheet(runner, db_path, tmp_path):
    from tocsin.cli import main
    from tocsin.store import connect

    db = connect(db_path)
    add_corpus(db)
    db.close()
    out = tmp_path / "ds"
    result = runner.invoke(main, ["--db", str(db_path), "export", "--format", "csv", "--out", str(out), "--label", "incitement",
                                  "--keep-phones", "--link-key", "study-1"])
    assert result.exit_code == 0, result.output
    assert "wrote 1 rows" in result.output and "created link key 'study-1'" in result.output
    assert (out / "tocsin-export.csv").exists() and (out / "DATASHEET.md").exists()
    assert "+996 555 987 654" in (out / "tocsin-export.csv").read_text(encoding="utf-8")
    bad = runner.invoke(main, ["--db", str(db_path), "export", "--since", "yesterday", "--out", str(tmp_path / "x")])
    assert bad.exit_code == 2 and "2026-06-01" in bad.output
    bad_key = runner.invoke(main, ["--db", str(db_path), "export", "--link-key", "no spaces", "--out", str(tmp_path / "y")])
    assert bad_key.exit_code == 1 and "letters, digits" in bad_key.output
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    unwritable = runner.invoke(main, ["--db", str(db_path), "export", "--out", str(blocked / "ds")])
    assert unwritable.exit_code == 1 and "a-file is a file, not a folder" in unwritable.output and "Traceback" not in unwritable.output
    typo = runner.invoke(main, ["--db", str(db_path), "export", "--language", "zz", "--out", str(tmp_path / "z")])
    assert typo.exit_code == 0 and "wrote 0 rows" in typo.output and "no stored item matched the filters" in typo.output
    assert "--language zz: no stored item has it" in typo.output
    half = runner.invoke(main, ["--db", str(db_path), "export", "--language", "ru", "--language", "zz", "--out", str(tmp_path / "h")])
    assert half.exit_code == 0 and "wrote 1 rows" in half.output and "some filter values matched no stored item" in half.output
    assert "--language zz: no stored item has it" in half.output and "--language ru" not in half.output


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP"])
def test_an_export_stopped_by_a_signal_leaves_no_partial_file(db_path, tmp_path, signame):
    """``kill`` (or an SSH session that drops) in the middle of an export: the half-written file goes."""
    import signal
    import subprocess
    import sys

    from tocsin.store import connect

    db = connect(db_path)
    add_corpus(db)
    db.close()
    out = tmp_path / "ds"
    script = f"""
import os, signal
from tocsin.export import writers
from tocsin.cli import main
original = writers.JsonlWriter.write
def write_then_signal(self, records):
    original(self, records)
    assert self.partial.exists()
    os.kill(os.getpid(), signal.{signame})
writers.JsonlWriter.write = write_then_signal
main(["--db", {str(db_path)!r}, "export", "--format", "jsonl", "--out", {str(out)!r}])
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 128 + getattr(signal, signame), proc.stderr[-2000:]
    assert not out.exists() or not any(out.iterdir()), sorted(p.name for p in out.iterdir())


def test_an_export_under_nohup_survives_a_hangup(db_path, tmp_path):
    """SIGHUP ignored on purpose (nohup) stays ignored: the export finishes."""
    import subprocess
    import sys

    from tocsin.store import connect

    db = connect(db_path)
    add_corpus(db)
    db.close()
    out = tmp_path / "ds"
    script = f"""
import os, signal
from tocsin.export import writers
from tocsin.cli import main
signal.signal(signal.SIGHUP, signal.SIG_IGN)   # as nohup leaves it
original = writers.JsonlWriter.write
def write_then_hang_up(self, records):
    original(self, records)
    os.kill(os.getpid(), signal.SIGHUP)
writers.JsonlWriter.write = write_then_hang_up
main(["--db", {str(db_path)!r}, "export", "--format", "jsonl", "--out", {str(out)!r}])
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (out / "tocsin-export.jsonl").is_file() and not list(out.glob("*.partial"))


@pytest.mark.slow
def test_jsonl_loads_with_hugging_face_datasets(corpus, tmp_path):
    datasets = pytest.importorskip("datasets")
    db, _ = corpus
    path = run_export(db, tmp_path, "jsonl").data_path
    ds = datasets.load_dataset("json", data_files=str(path), split="train", cache_dir=str(tmp_path / "cache"))
    assert ds.num_rows == 4 and ds.column_names == FIELD_NAMES
    assert ds.features["score"].dtype == "float64" and ds.features["review_count"].dtype == "int64"
    assert ds.features["incitement"].dtype == "bool"
    flagged = next(r for r in ds if "vermin" in r["text"])
    assert flagged["hallmarks"] == ["dehumanization"] and flagged["spans"][0]["text"] == "uzbek"

    # A big export whose first rows are all unanalysed: the loader types columns from its first piece
    # (chunksize bytes), so the writer must move a typed row of each field to the top.
    records = read_jsonl(path)
    typed, untyped = by_text(records, "vermin"), by_text(records, "Ring")
    rows = [dict(untyped, id=f"i_{n:020d}") for n in range(400)] + [typed]

    def load(typed_prefix_bytes: int, name: str):
        writer = JsonlWriter(tmp_path / f"{name}.jsonl", typed_prefix_bytes=typed_prefix_bytes)
        with writer:
            writer.write(rows)
        return datasets.load_dataset("json", data_files=str(writer.path), split="train", chunksize=4096,
                                     cache_dir=str(tmp_path / f"cache-{name}"))

    with pytest.raises(Exception):  # the failure the reordering prevents
        load(1 << 40, "unsorted")
    big = load(1024, "sorted")
    assert big.num_rows == 401 and big[0]["id"] == typed["id"] and big.features["score"].dtype == "float64"


@pytest.mark.parametrize("items, alpha", [
    ([["incitement", "incitement"], ["not_incitement", "not_incitement"]], 1.0),
    ([["incitement", "not_incitement"], ["incitement", "not_incitement"]], -0.5),
    ([["incitement", "incitement", "escalate"], ["not_incitement", "incitement"]], 1 - 16 / 14),
    ([["incitement"], ["incitement", "incitement"]], None),  # one category only: no expected disagreement
])
def test_krippendorff_alpha(items, alpha):
    from tocsin.export.datasheet import DatasheetStats
    from tocsin.export.records import aggregate_decisions

    stats = DatasheetStats()
    for decisions in items:
        record = {**dict.fromkeys(FIELD_NAMES), "first_seen": "2026-06-01T00:00:00+00:00", "source": "s", "kind": "post",
                  "lang": "ru", "targets": [], "hallmarks": [], **aggregate_decisions(decisions)}
        stats.add(record)
    assert stats.krippendorff_alpha == (pytest.approx(alpha) if alpha is not None else None)


def test_text_is_the_version_the_latest_analysis_read(fresh_db, tmp_path):
    from test_export_support import add_item
    from tocsin.store import ItemRecord, upsert_item

    add_item(fresh_db, url="https://news.example.kg/v/1", title="First title", text="They are vermin, says the post.",
             words=[("cue", "dehumanization", "vermin")])
    upsert_item(fresh_db, ItemRecord(source="test", url="https://news.example.kg/v/1", title="Edited",
                                     text="Edited text, not analysed yet."))
    record = read_jsonl(run_export(fresh_db, tmp_path, "jsonl").data_path)[0]
    assert record["text"] == "First title\n\nThey are vermin, says the post." and record["title"] == "First title"
    span = record["spans"][0]
    assert record["text"][span["start"]:span["end"]] == "vermin"



def test_an_item_edited_back_is_exported_with_the_analysis_of_the_text_it_shows(fresh_db, tmp_path):
    from test_export_support import add_item
    from tocsin.store import ItemRecord, upsert_item

    url = "https://news.example.kg/v/aba"
    add_item(fresh_db, url=url, text="They are vermin, says the post.", score=0.9, words=[("cue", "dehumanization", "vermin")])
    add_item(fresh_db, url=url, text="A calm correction.", score=0.1)   # edited, analysed again
    upsert_item(fresh_db, ItemRecord(source="test", url=url, text="They are vermin, says the post.", lang="en",
                                     published_at="2026-06-01T10:00:00+00:00"))   # and back: not analysed again
    record = read_jsonl(run_export(fresh_db, tmp_path, "jsonl").data_path)[0]
    assert record["text"] == "They are vermin, says the post." and (record["score"], record["incitement"]) == (0.9, True)
    span = record["spans"][0]
    assert record["text"][span["start"]:span["end"]] == "vermin"

def test_spans_that_do_not_fit_are_counted_in_the_datasheet(fresh_db, tmp_path):
    from test_export_support import add_item

    item = add_item(fresh_db, url="https://news.example.kg/v/2", text="Call @zqx_x now, they are vermin.")
    fresh_db.execute("UPDATE analyses SET spans = ? WHERE item_id = ?",
                     [json.dumps([{"kind": "cue", "label": "x", "text": "@zqx_x", "start": 0, "end": 6}]), item])
    summary = run_export(fresh_db, tmp_path, "jsonl")
    record = read_jsonl(summary.data_path)[0]
    assert record["spans"][0]["text"] == "[handle]", "a span that does not fit is still redacted"
    assert "1 spans did not match" in summary.datasheet_path.read_text(encoding="utf-8")


@pytest.mark.parametrize("text", ["No Uzbeks served at our stalls.", "Call @zqx_x: No Uzbeks served at our stalls."])
def test_a_cues_form_is_exported_in_every_format_and_null_where_it_has_none(fresh_db, tmp_path, text):
    from test_export_support import add_item

    add_item(fresh_db, url="https://news.example.kg/v/3", text=text,
             words=[("target", "uzbek", "Uzbeks"), ("cue", "call_to_expulsion", "No Uzbeks served")])
    spans = json.loads(fresh_db.execute("SELECT spans FROM analyses").fetchone()[0])
    spans[1]["form"] = "exclusion"   # as the analyser stores a call to exclusion; the target has none
    fresh_db.execute("UPDATE analyses SET spans = ?", [json.dumps(spans)])
    jsonl = read_jsonl(run_export(fresh_db, tmp_path, "jsonl", name="j").data_path)[0]["spans"]
    parquet = pq.read_table(run_export(fresh_db, tmp_path, "parquet", name="p").data_path).to_pylist()[0]["spans"]
    assert [s["form"] for s in jsonl] == [s["form"] for s in parquet] == [None, "exclusion"]
    assert jsonl == parquet   # a redacted text ("[handle]") or not, the same spans in both formats


def store_beside_an_alert_file(folder: Path, store_name: str):
    """A store holding the test corpus in ``folder``, and settings whose file sink appends to ``alerts.jsonl`` there."""
    from tocsin.store import connect

    db = connect(folder / store_name)
    add_corpus(db)
    settings = Settings()
    settings.config_dir = folder
    settings.alerts.sinks = [SinkSettings(name="file", kind="file", path="alerts.jsonl")]
    (folder / "alerts.jsonl").write_text("{}\n", encoding="utf-8")
    return db, settings


def test_an_export_never_overwrites_the_store_an_alert_file_or_another_kind_of_file(tmp_path, runner):
    from tocsin.cli import main

    store = tmp_path / "tocsin.db"
    db, settings = store_beside_an_alert_file(tmp_path, store.name)
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    for target, fmt in ((store, "jsonl"), (tmp_path / "alerts.jsonl", "jsonl"), (tmp_path / "notes.txt", "csv")):
        before = target.read_bytes()
        with pytest.raises(ExportError, match="is never overwritten"):
            export_dataset(db, settings, ExportOptions(fmt=fmt, out=target, force=True))
        assert target.read_bytes() == before
    folder = run_export(db, tmp_path / "exports", "csv", name="v1.2").data_path
    assert folder == tmp_path / "exports" / "v1.2" / "tocsin-export.csv"   # a dotted name is a folder
    (tmp_path / "link.jsonl").symlink_to(tmp_path / "alerts.jsonl")   # the sink's file under another name
    with pytest.raises(ExportError, match="is the store or a file an alert sink appends to"):
        export_dataset(db, settings, ExportOptions(fmt="jsonl", out=tmp_path / "link.jsonl", force=True))
    again = tmp_path / "again" / "data.JSONL"
    for _ in range(2):   # an earlier export of the same format is overwritten with --force, whatever the case
        assert export_dataset(db, settings, ExportOptions(fmt="jsonl", out=again, force=True)).data_path == again
    swapped = runner.invoke(main, ["--db", str(store), "export", "--since", "2026-07-01", "--until", "2026-06-01"])
    assert swapped.exit_code == 2 and "is not before --until" in swapped.output
    far = runner.invoke(main, ["--db", str(store), "export", "--until", "9999-12-31", "--out", str(tmp_path / "far")])
    assert far.exit_code == 0 and "wrote 4 rows" in far.output, "the last day there is bounds nothing"
    db.close()


def test_a_path_through_a_missing_folder_cannot_reach_a_protected_file(tmp_path):
    store = tmp_path / "store.jsonl"   # a store whose name a JSONL export could take
    db, settings = store_beside_an_alert_file(tmp_path, store.name)
    for target in (tmp_path / "missing" / ".." / "alerts.jsonl", tmp_path / "missing" / ".." / "store.jsonl"):
        with pytest.raises(ExportError, match="is never overwritten"):
            export_dataset(db, settings, ExportOptions(fmt="jsonl", out=target, force=True))
    assert (tmp_path / "alerts.jsonl").read_text(encoding="utf-8") == "{}\n"
    assert store.read_bytes().startswith(b"SQLite format 3") and not (tmp_path / "missing").exists()
    db.close()


def test_links_planted_where_an_export_writes_are_replaced_never_followed(tmp_path):
    store = tmp_path / "tocsin.db"
    db, settings = store_beside_an_alert_file(tmp_path, store.name)
    before = store.read_bytes()
    for n, planted in enumerate(("tocsin-export.jsonl.partial", "DATASHEET.md", "DATASHEET.md.partial")):
        folder = tmp_path / f"e{n}"
        folder.mkdir()
        (folder / planted).symlink_to(store)
        summary = export_dataset(db, settings, ExportOptions(fmt="jsonl", out=folder, force=True))
        assert store.read_bytes() == before and not (folder / planted).is_symlink()
        assert summary.datasheet_path.read_text(encoding="utf-8").startswith("#")
        assert sorted(p.name for p in folder.iterdir()) == ["DATASHEET.md", "tocsin-export.jsonl"]
    db.close()


def test_an_export_whose_datasheet_cannot_be_written_leaves_nothing_and_logs_nothing(corpus, tmp_path, monkeypatch):
    import errno

    from tocsin.export import dataset

    db, _ = corpus

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(dataset, "render_datasheet", full_disk)
    with pytest.raises(OSError, match="No space left"):
        run_export(db, tmp_path, "parquet", name="full")
    assert list((tmp_path / "full").iterdir()) == []
    assert [e for e in audit_events(db) if e["action"] == "export"] == []


def test_a_writer_that_cannot_start_leaves_no_partial_file(tmp_path, monkeypatch):
    import errno

    from tocsin.export import writers

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(writers.pq, "ParquetWriter", full_disk)
    with pytest.raises(OSError, match="No space left"):
        writers.open_writer("parquet", tmp_path / "out.parquet")
    assert list(tmp_path.iterdir()) == []


def test_each_export_keeps_its_datasheet(corpus, tmp_path):
    db, _ = corpus
    csv = run_export(db, tmp_path, "csv", name="both/data.csv")
    for force in (False, True):
        with pytest.raises(ExportError, match="describes data.csv, another export in that folder"):
            run_export(db, tmp_path, "parquet", name="both/data.parquet", force=force)
    assert "`data.csv` (csv)" in csv.datasheet_path.read_text(encoding="utf-8")
    (tmp_path / "notes").write_text("mine", encoding="utf-8")
    with pytest.raises(ExportError, match="notes is a file, not a folder"):
        run_export(db, tmp_path, "jsonl", name="notes/x.jsonl")


def test_exports_started_in_the_same_second_get_folders_of_their_own(tmp_path):
    from tocsin.cli.privacy import new_export_folder

    folders = [new_export_folder(tmp_path / "exports") for _ in range(3)]
    assert len(set(folders)) == 3 and all(f.is_dir() and f.name.startswith("export-") for f in folders)


def test_filters_take_any_case_and_name_what_matched_nothing(corpus, tmp_path, runner):
    from tocsin.store.exporting import unmatched_filters

    db, _ = corpus
    for query in (ExportQuery(languages=("UZ",)), ExportQuery(languages=("uz-latn",)), ExportQuery(groups=("Uzbek",))):
        assert read_jsonl(run_export(db, tmp_path, "jsonl", query=query, force=True).data_path), query
    lines = unmatched_filters(db, ExportQuery(sources=("chan", "chann"), languages=("RU", "xx"), groups=("martian",)))
    assert [line.split(":")[0] for line in lines] == ["--source chann", "--language xx", "--group martian"]
    assert "chan" in lines[0] and "uz-Latn" in lines[1] and "uzbek" in lines[2]


#: A sentence that long posts repeat, a target span in each (as :func:`long_posts` stores them).
_SENTENCE = "the uzbek neighbours "


@pytest.fixture
def long_posts(fresh_db):
    """Six posts of 3,000 target spans each (about 0.5 MB of text and span lists a post)."""
    spans = [{"kind": "target", "label": "uzbek", "text": "uzbek", "start": at, "end": at + 5}
             for at in range(4, 3000 * len(_SENTENCE), len(_SENTENCE))]
    for n in range(6):
        add_item(fresh_db, url=f"https://example.org/long/{n}", text=_SENTENCE * 3000, spans=spans)
    return fresh_db


def test_items_with_many_spans_are_read_a_few_at_a_time(long_posts, tmp_path, monkeypatch):
    """A chunk is bounded by the text and span lists it holds, not only by its number of items: each span
    takes hundreds of bytes once decoded and built, so 64 items of thousands of spans took gigabytes."""
    from tocsin.export import dataset
    from tocsin.store.exporting import EXPORT_COLUMNS, iter_export_chunks

    sized = [EXPORT_COLUMNS.index(name) for name in ("title", "text", "lists", "explanation")]
    chunks: list[tuple[int, int]] = []   # (rows, characters) of each chunk the export read

    def spy(*args, **kwargs):
        for chunk in iter_export_chunks(*args, **kwargs):
            chunks.append((len(chunk), sum(len(row[i] or "") for row in chunk for i in sized)))
            yield chunk

    monkeypatch.setattr(dataset, "iter_export_chunks", spy)
    summary = run_export(long_posts, tmp_path, "jsonl", name="chunked", link_key="k")
    assert sum(rows for rows, _ in chunks) == summary.rows == 6
    assert len(chunks) > 1 and max(chars for _, chars in chunks) <= 1 << 20
    monkeypatch.undo()
    one_by_one = run_export(long_posts, tmp_path, "jsonl", name="one", link_key="k", chunk_size=1)
    assert summary.data_path.read_bytes() == one_by_one.data_path.read_bytes()
    assert len(read_jsonl(summary.data_path)[0]["spans"]) == 3000


def test_parquet_buffers_and_row_groups_are_bounded_by_bytes(long_posts, tmp_path):
    """Records of many spans are converted and written in row groups by their size, not only by their count;
    the table read back is the same."""
    from tocsin.export.writers import ParquetWriter

    records = read_jsonl(run_export(long_posts, tmp_path, "jsonl", link_key="k").data_path)
    whole = ParquetWriter(tmp_path / "whole.parquet")
    bounded = ParquetWriter(tmp_path / "bounded.parquet", row_group_bytes=200_000, batch_bytes=2_000_000)
    with whole, bounded:
        for record in records:
            whole.write([record])
            bounded.write([record])
            assert bounded.buffered_bytes < bounded.batch_bytes and bounded.pending_bytes < bounded.row_group_bytes
    assert pq.ParquetFile(whole.path).metadata.num_row_groups == 1
    assert pq.ParquetFile(bounded.path).metadata.num_row_groups > 1
    assert pq.read_table(bounded.path).equals(pq.read_table(whole.path))
