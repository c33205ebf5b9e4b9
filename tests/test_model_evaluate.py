"""``tocsin evaluate``: the report's parts, the Markdown, and the model card rewritten between its markers."""

from __future__ import annotations

import json

import pytest

from tocsin.cli import main
from tocsin.models import evaluate as ev
from tocsin.models.evaluate import CARD_END, CARD_START, render_markdown, write_card  # noqa: F401

BLIND = [
    {"id": "b1", "text": "Надо выгнать узбеков из Оша!", "lang": "ru", "incitement": 1, "hallmarks": ["call_to_expulsion"],
     "targets": ["uzbek"], "category": "incitement"},
    {"id": "b2", "text": "Узбеки — наши соседи, не верьте провокаторам.", "lang": "ru", "incitement": 0, "hallmarks": [],
     "targets": ["uzbek"], "category": "counter_speech"},
    {"id": "b3", "text": "Kill the Kyrgyz in Osh!", "lang": "en", "incitement": 1, "hallmarks": ["call_to_violence"],
     "targets": ["kyrgyz"], "category": "incitement"},
    {"id": "b4", "text": "Kyrgyz families opened a teahouse in Osh.", "lang": "en", "incitement": 0, "hallmarks": [],
     "targets": ["kyrgyz"], "category": "neutral_mention"},
]


@pytest.fixture
def small_sets(monkeypatch):
    rows = ev.held_out_rows()
    sample = [r for r in rows if not r["base_id"]][::40]
    keep = {r["id"] for r in sample}
    sample += [r for r in rows if r["base_id"] in keep]
    monkeypatch.setattr(ev, "held_out_rows", lambda seed=13: sample)
    monkeypatch.setattr(ev, "read_blind", lambda folder=ev.BLIND_DIR: BLIND)
    monkeypatch.setattr(ev, "read_validation", lambda folder=ev.VALIDATION_DIR: BLIND[:2])
    monkeypatch.setattr(ev, "long_document_check", lambda analyser, rows, fillers_from=None: {
        "ru": {"passed": True, "sentence": "x", **{p: {"flagged": p != "none", "score": 0.9 if p != "none" else 0.1}
                                                for p in ("start", "middle", "end", "none")}}})
    monkeypatch.setattr(ev, "hard_negative_articles", lambda analyser, rows, per_language=20, seed=5: {
        "ru": {"articles": 20, "flagged": 3 if len(rows) == len(sample) else 1}})
    monkeypatch.setattr(ev, "training_rows", lambda seed=13: [])
    monkeypatch.setenv("TOCSIN_MODEL_THREADS", "1")
    return sample


def test_evaluate_writes_json_and_a_given_card_only(runner, tmp_path, small_sets):
    card = tmp_path / "card.md"
    card.write_text(f"# Card\n\nintro\n\n{CARD_START}\nSTALE FIGURES\n{CARD_END}\n\n## Limits\nkept\n", encoding="utf-8")
    report_path = tmp_path / "r.json"
    result = runner.invoke(main, ["evaluate", "--card", str(card), "--json", str(report_path)])
    assert result.exit_code == 0, result.output
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert {"test", "test_model_only", "blind", "blind_model_only", "long_document", "blind_error_kinds",
            "hard_negative_articles"} <= set(report)
    assert report["hard_negative_articles"] == {"training": {"ru": {"articles": 20, "flagged": 1}},
                                                "test": {"ru": {"articles": 20, "flagged": 3}}}
    assert set(report["blind"]["per_language"]) == {"ru", "en"}
    assert set(report["validation"]["per_language"]) == {"ru"} and report["validation"]["n"] == 2
    assert {"subgroup_auc", "bpsn_auc", "bnsp_auc"} <= set(report["test"]["bias"]["uzbek"])
    assert report["test"]["evasion"]["pairs"] > 0
    text = card.read_text(encoding="utf-8")
    assert "STALE FIGURES" not in text and "intro" in text and "## Limits\nkept" in text
    assert "### Held-out test split" in text and "### Blind test set" in text and "| ru |" in text
    assert "### Long documents" in text and "### Validation set" in text
    assert "| training split (read right one by one) | 1 |" in text and "| held-out test split | 3 |" in text


def test_no_blind_leaves_the_embedded_card_alone(runner, small_sets, monkeypatch):
    written = []
    monkeypatch.setattr(ev, "write_card", lambda markdown, card=None: written.append(card))
    result = runner.invoke(main, ["evaluate", "--no-blind"])
    assert result.exit_code == 0, result.output
    assert written == [] and "### Held-out test split" in result.stdout and "Blind" not in result.stdout


def test_write_card_adds_an_evaluation_section_when_missing(tmp_path):
    card = tmp_path / "README.md"
    card.write_text("# A model\n", encoding="utf-8")
    write_card("figures", card)
    write_card("new figures", card)
    text = card.read_text(encoding="utf-8")
    assert text.count(CARD_START) == 1 and "new figures" in text and "\nfigures" not in text


def test_markdown_lists_hard_negatives_and_bias():
    record = lambda i, lang, cat, gold, pred, group: {  # noqa: E731
        "id": str(i), "lang": lang, "category": cat, "gold": gold, "pred": pred, "score": 0.9 if pred else 0.1,
        "targets": [group], "model_pred": pred, "model_score": 0.5}
    records = [record(1, "ru", "call_to_violence", 1, 1, "uzbek"), record(2, "ru", "negation", 0, 0, "uzbek"),
               record(3, "en", "counter_speech", 0, 1, "kyrgyz"), record(4, "en", "dehumanization", 1, 1, "kyrgyz")]
    rep = {"model": "m", "version": "v", "threshold": 0.5, "test": ev.report(records), "test_model_only": ev.model_only(records)}
    md = render_markdown(rep)
    assert "counter_speech (hard negative) | 0.000" in md and "| uzbek | 2 |" in md
