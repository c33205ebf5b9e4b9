"""``tocsin export`` on a full disk (or a used-up quota): the error says so, names the folder and what to do,
leaves no data file or datasheet behind, and the store keeps everything it held."""

from __future__ import annotations

import errno

import pytest

from test_export_support import add_corpus
from tocsin.cli import main
from tocsin.export import writers
from tocsin.store import connect
from tocsin.store.audit import audit_events


def store_counts(db_path) -> tuple[int, int, int]:
    db = connect(db_path)
    try:
        return tuple(db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("items", "analyses", "reviews"))
    finally:
        db.close()


@pytest.mark.parametrize("code, said", [(errno.ENOSPC, "its disk is full"), (errno.EDQUOT, "disk quota")])
def test_a_full_disk_while_writing_says_so_and_leaves_nothing(runner, db_path, tmp_path, monkeypatch, code, said):
    db = connect(db_path)
    add_corpus(db)
    db.close()
    before = store_counts(db_path)
    written = writers.JsonlWriter.write

    def write_then_fill(self, records):   # some bytes land in the partial file, then the disk is full
        written(self, records)
        self.file.flush()
        raise OSError(code, "No space left on device" if code == errno.ENOSPC else "Disk quota exceeded")

    monkeypatch.setattr(writers.JsonlWriter, "write", write_then_fill)
    out = tmp_path / "ds"
    result = runner.invoke(main, ["--db", str(db_path), "export", "--out", str(out)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert said in result.output and str(out) in result.output and "MB free now" in result.output
    assert "free space there, or give --out a folder on another disk" in result.output
    assert "folder you can write to" not in result.output
    assert list(out.iterdir()) == []   # no data file, no datasheet, no .partial
    assert store_counts(db_path) == before
    db = connect(db_path)
    try:
        assert [e for e in audit_events(db) if e["action"] == "export"] == []
    finally:
        db.close()
