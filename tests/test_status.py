"""The figures of ``tocsin status`` (store/status.py): an item is counted by the analysis that speaks for it."""

from __future__ import annotations

import pytest

from tocsin.store import ItemRecord, upsert_item
from tocsin.store.analyses import AnalysisRecord, save_analysis
from tocsin.store.sources import ensure_source
from tocsin.store.status import flagged_breakdown, items_per_source_and_language, language_counts

FLAGGED = dict(score=0.9, incitement=True, targets=[{"group": "uzbek", "text": "Uzbeks", "start": 0, "end": 6}],
               places=[{"place": "osh", "text": "Osh", "start": 10, "end": 13}], hallmarks=["dehumanization"])
CALM = dict(score=0.1, incitement=False)
EMPTY = {"group": {}, "place": {}, "hallmark": {}}


def store_version(db, text: str, lang: str, verdict: dict, *, analyse: bool = True) -> None:
    """Store the fictional item with ``text`` (a new version, or one it showed before) and, when ``analyse``,
    an analysis of that version that detected ``lang``."""
    ensure_source(db, "test")
    record = ItemRecord(source="test", url="https://e.kg/status-aba", text=text, lang="en")
    upsert_item(db, record)
    if analyse:
        save_analysis(db, AnalysisRecord(item_id=record.id, content_hash=record.content_hash, model_name="m",
                                         model_version="1", patterns_version="p", threshold=0.5, lang=lang, **verdict))


@pytest.mark.parametrize("a_flagged", [True, False])
def test_an_item_edited_back_is_counted_by_the_analysis_of_the_text_it_shows(fresh_db, a_flagged):
    store_version(fresh_db, "Fictional text A.", "ky", FLAGGED if a_flagged else CALM)
    store_version(fresh_db, "Fictional text B.", "ru", CALM if a_flagged else FLAGGED)
    assert language_counts(fresh_db) == {"ru": 1}
    assert (flagged_breakdown(fresh_db) == EMPTY) == a_flagged
    store_version(fresh_db, "Fictional text A.", "", {}, analyse=False)   # back to A: not analysed again
    assert language_counts(fresh_db) == {"ky": 1}
    assert items_per_source_and_language(fresh_db) == [("test", "ky", 1)]
    breakdown = flagged_breakdown(fresh_db)
    if a_flagged:
        assert breakdown == {"group": {"uzbek": 1}, "place": {"osh": 1}, "hallmark": {"dehumanization": 1}}
    else:
        assert breakdown == EMPTY
