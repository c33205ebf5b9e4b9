"""Exports that last a power cut, and times the sources gave that UTC cannot hold."""

from __future__ import annotations

import json
import os

import pytest

from test_export_support import add_item
from tocsin.config import Settings
from tocsin.export.dataset import DATASHEET_NAME, ExportOptions, export_dataset


def export(db, tmp_path, fmt="jsonl", **kwargs):
    return export_dataset(db, Settings(), ExportOptions(fmt=fmt, out=tmp_path / "out", **kwargs))


@pytest.fixture
def disk_events(monkeypatch):
    """What reaches the disk, in order: ``("fsync", path)`` for each file or folder synced and ``("rename", source,
    target)`` for each ``os.replace``."""
    events: list[tuple[str, ...]] = []
    fsync, replace = os.fsync, os.replace

    def recorded_fsync(fd):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        fsync(fd)

    def recorded_replace(source, target):
        events.append(("rename", os.fspath(source), os.fspath(target)))
        replace(source, target)

    monkeypatch.setattr(os, "fsync", recorded_fsync)
    monkeypatch.setattr(os, "replace", recorded_replace)
    return events


@pytest.mark.parametrize("fmt", ["csv", "csv-excel", "jsonl", "parquet"])
def test_the_data_and_the_datasheet_are_on_disk_before_they_take_their_names(fresh_db, tmp_path, disk_events, fmt):
    """A power cut right after an export never leaves a finished-looking file whose bytes were lost: each file is
    synced before it is renamed into place, and the folder after both renames."""
    add_item(fresh_db, url="https://news.example.kg/sync/1", text="Fictional story about the bazaar")
    summary = export(fresh_db, tmp_path, fmt)
    renames = [e for e in disk_events if e[0] == "rename"]
    assert [target for _, _, target in renames] == [str(summary.data_path), str(summary.datasheet_path)]
    for _, source, _ in renames:
        assert disk_events.index(("fsync", source)) < disk_events.index(next(e for e in renames if e[1] == source))
    assert disk_events[-1] == ("fsync", str(summary.data_path.parent))


@pytest.mark.parametrize("published_at", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00"])
def test_a_time_before_or_after_what_utc_can_hold_is_exported_as_null(fresh_db, tmp_path, published_at):
    """A source's date shifted past year 1 or 9999 by its zone stops no export: it is null and the datasheet counts it."""
    add_item(fresh_db, url="https://news.example.kg/old/1", text="Fictional story from long ago", published_at=published_at)
    add_item(fresh_db, url="https://news.example.kg/old/2", text="Fictional story of today")
    summary = export(fresh_db, tmp_path)
    rows = [json.loads(line) for line in summary.data_path.read_text(encoding="utf-8").splitlines()]
    assert [row["published_at"] for row in rows] == [None, "2026-06-01T10:00:00+00:00"]
    assert "1 times given by sources could not be read and are null" in (summary.data_path.parent / DATASHEET_NAME).read_text()
