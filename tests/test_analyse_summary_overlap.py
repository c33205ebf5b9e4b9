"""Two overlapping analyse runs: an analysis another run saved first (between this run's selection of pending
items and its save) is kept once in the store and is not counted by this run, neither returned nor printed."""

from __future__ import annotations

import pytest

import tocsin.analyse as analyse_module
from test_analyse import TEXTS, add_items
from tocsin.store import connect
from tocsin.store.analyses import save_analysis
from tocsin.store.sources import ensure_source


@pytest.fixture
def overlapping(db_path, monkeypatch):
    """A store of a flagged and a plain item where, once this run has analysed a batch, another run (another
    connection) saves the flagged item's analysis first."""
    db = connect(db_path)
    ensure_source(db, "test")
    add_items(db, TEXTS[:2])   # the first is flagged, the second not
    db.close()
    analyse_batch = analyse_module.analyse_batch

    def other_run_saves_first(analyser, items):
        records, errors = analyse_batch(analyser, items)
        other = connect(db_path)
        try:
            save_analysis(other, next(r for r in records if r.incitement))
        finally:
            other.close()
        return records, errors

    monkeypatch.setattr(analyse_module, "analyse_batch", other_run_saves_first)
    return db_path


def test_the_summary_counts_only_the_analyses_this_run_saved(overlapping):
    from tocsin.analyse import Analyser, analyse_pending
    from tocsin.config import Settings

    settings = Settings()
    settings.model.threads = 1
    db = connect(overlapping)
    try:
        summary = analyse_pending(db, settings, analyser=Analyser(settings))
        assert (summary.analysed, summary.flagged, summary.failed) == (1, 0, 0)
        assert db.execute("SELECT count(*) FROM analyses").fetchone()[0] == 2   # the store holds both, once each
    finally:
        db.close()


def test_the_analyse_command_prints_only_what_this_run_saved(overlapping, runner, monkeypatch):
    from tocsin.cli import main

    monkeypatch.setenv("TOCSIN_MODEL_THREADS", "1")
    result = runner.invoke(main, ["--db", str(overlapping), "analyse", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "analysed 1 items with" in result.stdout and "0 flagged, 0 failed" in result.stdout
