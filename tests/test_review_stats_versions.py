"""The Stats page counts decisions as the rest of the page does: Decisions per language holds each reviewer's current
decision on the text an item is queued with, Reviewers every decision made; and an analysis whose stored JSON holds
a lone surrogate leaves its item's page readable."""

from __future__ import annotations

import json
import re

from test_review_support import login
from test_review_versions import TEXT_A, TEXT_B, analyse, app, show  # noqa: F401 - app: the fixture
from tocsin.store import reviewing


def cells(html: str, table: str) -> list[list[str]]:
    """The body rows of the table whose id is ``table``, as lists of cell texts."""
    body = re.search(rf'<table class="grid" id="{table}">.*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


def test_decisions_per_language_count_each_reviewers_current_decision_and_reviewers_count_every_decision(app):
    app, db, item_id = app
    reviewing.record_decision(db, item_id, "rita", "not_incitement")   # on A
    show(db, TEXT_B)
    analyse(db, TEXT_B)
    reviewing.record_decision(db, item_id, "leo", "incitement")        # on B
    reviewing.record_decision(db, item_id, "rita", "unsure")           # on B, then she changes her mind
    reviewing.record_decision(db, item_id, "rita", "escalate")
    client = app.test_client()
    login(client, "leo")
    html = client.get("/stats").get_data(as_text=True)
    assert cells(html, "decisions") == [["en", "1", "0", "1", "0"]], "leo's and rita's latest decisions on B"
    assert cells(html, "agreement")[0][:3] == ["en", "1", "0"]
    assert [row[:2] for row in cells(html, "reviewers")] == [["rita", "3"], ["leo", "1"]], "all the work each did"
    assert "Every decision each reviewer made" in html


def test_an_item_page_shows_an_analysis_whose_json_holds_a_lone_surrogate(app):
    app, db, item_id = app
    bad = "Uzbek \ud800"
    start = TEXT_A.index("Uzbek")
    db.execute(
        """INSERT INTO analyses (item_id, content_hash, model_name, model_version, patterns_version, threshold, score,
                                 incitement, lang, targets, places, hallmarks, spans, explanation, analysed_at)
           SELECT item_id, content_hash, model_name, 'old', patterns_version, threshold, score, incitement, lang,
                  ?, ?, ?, ?, 'stored by an old version', '2099-01-01T00:00:00+00:00' FROM analyses""",
        [json.dumps([{"group": bad, "text": bad}]), json.dumps([{"place": bad, "text": bad}]), json.dumps([bad]),
         json.dumps([{"kind": "target", "label": bad, "text": "Uzbek", "start": start, "end": start + 5}])])
    db.conn.commit()
    assert "\\ud800" in db.execute("SELECT spans FROM analyses WHERE model_version = 'old'").fetchone()[0]
    client = app.test_client()
    login(client, "rita")
    page = client.get(f"/items/{item_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "stored by an old version" in html and "Uzbek \ufffd" in html and "\ud800" not in html
    assert client.get("/").status_code == 200
