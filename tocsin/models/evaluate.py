"""Evaluate the whole decision (rules + classifier) and write the figures into the model card.

Sets: the corpus's held-out ``test`` split (templates never seen in training, with evasion variants),
the long-document check (a hateful sentence at the start, middle and end of a ~20,000-token article,
and the same article without it), the blind set in ``data/blind/<lang>.jsonl`` when present
(written apart from the corpus; never used for training or thresholds), and the validation set in
``data/validation/<lang>.jsonl`` (written apart from the corpus in the same way; the rules may be tuned on it,
the model is never trained on it).
"""

from __future__ import annotations

import json
import logging
import random
from collections import Counter
from pathlib import Path
from typing import Any, Sequence

from tocsin.models.corpus import DATA_DIR, HARD_NEGATIVE_CATEGORIES, LANGS, build_corpus
from tocsin.models.metrics import report

logger = logging.getLogger(__name__)

BLIND_DIR = DATA_DIR / "blind"
VALIDATION_DIR = DATA_DIR / "validation"
CARD_START = "<!-- evaluation:start -->"
CARD_END = "<!-- evaluation:end -->"
LONG_DOC_TOKENS = 20_000
#: Language hint given to the rules for each corpus language tag.
HINTS = {"uz-Latn": "uz", "uz-Cyrl": "uz"}


def score_examples(analyser: Any, rows: Sequence[dict[str, Any]], batch_size: int = 256) -> list[dict[str, Any]]:
    """Run the analyser over labelled rows; one record per row for :func:`tocsin.models.metrics.report`."""
    records = []
    for start in range(0, len(rows), batch_size):
        chunk = rows[start:start + batch_size]
        texts = [r["text"] for r in chunk]
        hints = [HINTS.get(r.get("lang", ""), r.get("lang", "")) for r in chunk]
        feats = analyser.features(texts, hints)
        probs = analyser.probabilities(texts, feats)
        for row, p, a in zip(chunk, probs, analyser.decide_all(feats, probs)):
            records.append({
                "id": row.get("id", ""), "base_id": row.get("base_id", ""), "lang": row.get("lang", ""),
                "category": row.get("category", ""), "targets": list(row.get("targets") or []),
                "gold": int(bool(row.get("incitement"))), "pred": int(a.incitement), "score": a.score,
                "model_score": p.get("incitement", 0.0), "model_pred": int(p.get("incitement", 0.0) >= analyser.threshold),
                "hallmarks_gold": list(row.get("hallmarks") or []), "hallmarks_pred": list(a.hallmarks),
                "text": row["text"], "explanation": a.explanation, "style": row.get("style", ""),
            })
    return records


def model_only(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The report of the classifier alone (no rules), for comparison."""
    return report([{**r, "pred": r["model_pred"], "score": r["model_score"]} for r in records])


def held_out_rows(seed: int = 13) -> list[dict[str, Any]]:
    """The corpus's test split (unseen templates and their evasion variants)."""
    return [e.to_dict() for e in build_corpus(seed=seed) if e.split == "test"]


def training_rows(seed: int = 13) -> list[dict[str, Any]]:
    """The corpus's training split."""
    return [e.to_dict() for e in build_corpus(seed=seed, evasions=False) if e.split == "train"]


def read_validation(folder: Path = VALIDATION_DIR) -> list[dict[str, Any]]:
    """The validation set's rows, every language file found."""
    return read_blind(folder)


def read_blind(folder: Path = BLIND_DIR) -> list[dict[str, Any]]:
    """The blind set's rows (or another hand-written set's in the same format), every language file found."""
    rows = []
    for lang in LANGS:
        path = folder / f"{lang}.jsonl"
        if not path.is_file():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                row = json.loads(line)
                row.setdefault("lang", lang)
                row.setdefault("id", f"{lang}:{number}")
                rows.append(row)
    return rows


def long_document(analyser: Any, fillers: Sequence[str], hateful: str, position: str, tokens: int = LONG_DOC_TOKENS) -> str:
    """An article of about ``tokens`` tokens of neutral sentences with ``hateful`` at start/middle/end (or none)."""
    tokenizer = analyser.classifier.tokenizer
    rng = random.Random(7)
    sentences: list[str] = []
    count = 0
    while count < tokens:
        s = rng.choice(fillers)
        sentences.append(s)
        count += len(tokenizer(s, add_special_tokens=False)["input_ids"])
    if position == "start":
        sentences.insert(0, hateful)
    elif position == "middle":
        sentences.insert(len(sentences) // 2, hateful)
    elif position == "end":
        sentences.append(hateful)
    return " ".join(sentences)


def article_fillers(rows: Sequence[dict[str, Any]], lang: str) -> list[str]:
    """Plain neutral and positive mentions of groups in ``lang`` (no evasions, no added context)."""
    return [r["text"] for r in rows if r["lang"] == lang and r["category"] in ("neutral_mention", "positive_mention")
            and not r.get("base_id") and not r["id"].endswith(("-ctx", "-long"))]


def long_document_check(analyser: Any, rows: Sequence[dict[str, Any]], fillers_from: Sequence[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Per language: is a hateful sentence found at the start, middle and end of a long article, and is the
    article without it left alone?

    The hateful sentence is a held-out call to violence that the system flags on its own; the article is
    made of neutral and positive mentions of groups (from ``fillers_from``, default the training split, whose
    sentences the model reads correctly), so the check isolates the windowing from the model's accuracy
    on unseen sentences, which the test-split figures measure."""
    out: dict[str, Any] = {}
    fillers_from = fillers_from if fillers_from is not None else training_rows()
    for lang in LANGS:
        fillers = article_fillers(fillers_from, lang)
        hateful = [r["text"] for r in rows if r["lang"] == lang and r["category"] == "call_to_violence" and not r.get("base_id")]
        # A sentence the system flags on its own: the check is about where it sits, not about the sentence.
        alone = analyser.analyse_texts(hateful[:20], lang_hints=[HINTS.get(lang, lang)] * len(hateful[:20]))
        found = [text for a, text in sorted(zip(alone, hateful), key=lambda p: -p[0].score) if a.incitement]
        if not fillers or not found:
            continue
        results = {}
        for position in ("start", "middle", "end", "none"):
            doc = long_document(analyser, fillers, found[0], position)
            a = analyser.analyse_texts([doc], lang_hints=[HINTS.get(lang, lang)])[0]
            results[position] = {"flagged": a.incitement, "score": round(a.score, 3)}
        passed = all(results[p]["flagged"] for p in ("start", "middle", "end")) and not results["none"]["flagged"]
        out[lang] = {"passed": passed, "sentence": found[0], **results}
    return out


def hard_negative_articles(analyser: Any, rows: Sequence[dict[str, Any]], per_language: int = 20,
                           seed: int = 5) -> dict[str, dict[str, int]]:
    """Per language: of ``per_language`` articles of 10, 30 or 100 hard negatives drawn at random from
    ``rows`` (counter-speech, negation, quotation, reporting, neutral and positive mentions, non-group targets),
    how many are flagged. No sentence of them is incitement: this is the false-alarm cost of finding one call
    in a long article (see :mod:`tocsin.models.passages`)."""
    rng = random.Random(seed)
    out = {}
    for lang in LANGS:
        pool = [r["text"] for r in rows if r["lang"] == lang and r["category"] in HARD_NEGATIVE_CATEGORIES
                and r["category"] != "abuse_no_group" and not r.get("base_id")]
        if not pool:
            continue
        articles = [" ".join(rng.choice(pool) for _ in range(rng.choice((10, 30, 100)))) for _ in range(per_language)]
        analyses = analyser.analyse_texts(articles, lang_hints=[HINTS.get(lang, lang)] * len(articles))
        out[lang] = {"articles": len(articles), "flagged": sum(a.incitement for a in analyses)}
    return out


def errors(records: Sequence[dict[str, Any]], limit: int = 40) -> list[dict[str, Any]]:
    """Misclassified records, for reading."""
    wrong = [r for r in records if r["gold"] != r["pred"]]
    return [{k: r[k] for k in ("lang", "category", "gold", "score", "text", "explanation")} for r in wrong[:limit]]


def score_set(out: dict[str, Any], name: str, analyser: Any, rows: Sequence[dict[str, Any]],
              error_limit: int = 200) -> list[dict[str, Any]]:
    """Score one labelled set into ``out``: its report (``name``), the classifier's alone (``name_model_only``)
    and its errors (``name_errors``); returns the records."""
    records = score_examples(analyser, rows)
    out[name] = report(records)
    out[f"{name}_model_only"] = model_only(records)
    out[f"{name}_errors"] = errors(records, limit=error_limit)
    return records


def evaluate_all(settings: Any, *, blind: bool = True, analyser: Any = None, long_docs: bool = True) -> dict[str, Any]:
    """The full evaluation of the configured model: held-out test split, long documents, blind set."""
    from tocsin.analyse import Analyser

    analyser = analyser or Analyser(settings)
    out: dict[str, Any] = {"model": analyser.model_name, "version": analyser.model_version, "threshold": analyser.threshold}
    rows = held_out_rows()
    score_set(out, "test", analyser, rows, error_limit=40)
    if long_docs:
        out["long_document"] = long_document_check(analyser, rows)
        out["hard_negative_articles"] = {"training": hard_negative_articles(analyser, training_rows()),
                                         "test": hard_negative_articles(analyser, rows)}
    validation_rows = read_validation() if blind else []
    if validation_rows:
        score_set(out, "validation", analyser, validation_rows)
    blind_rows = read_blind() if blind else []
    if blind_rows:
        blind_records = score_set(out, "blind", analyser, blind_rows)
        out["blind_error_kinds"] = dict(Counter(
            f"{'missed' if r['gold'] else 'false alarm'}: {r['category'] or 'uncategorised'}"
            for r in blind_records if r["gold"] != r["pred"]).most_common())
    return out


# --------------------------------------------------------------------------- the card


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def render_markdown(rep: dict[str, Any]) -> str:
    """The evaluation as Markdown tables for the model card."""
    lines = [f"Model `{rep['model']}` version `{rep['version']}`, threshold {rep['threshold']}.", ""]
    for key, title in (("test", "Held-out test split (templates never seen in training)"),
                       ("validation", "Validation set (hand-written apart from the corpus; the rules were tuned on it)"),
                       ("blind", "Blind test set")):
        if key not in rep:
            continue
        r, alone = rep[key], rep[f"{key}_model_only"]
        lines += [f"### {title}", "", f"{r['n']} texts. Macro-F1 overall {_pct(r['macro_f1'])} (classifier alone "
                  f"{_pct(alone['macro_f1'])}), ROC AUC {_pct(r['auc'])}.", "",
                  "| language | n | macro-F1 | classifier alone | tp | fp | fn | tn |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
        for lang, v in r["per_language"].items():
            c = v["confusion"]
            lines.append(f"| {lang} | {v['n']} | {_pct(v['macro_f1'])} | {_pct(alone['per_language'][lang]['macro_f1'])} "
                         f"| {c['tp']} | {c['fp']} | {c['fn']} | {c['tn']} |")
        cats = sorted(r["per_category"])
        langs = list(r["per_language"])
        lines += ["", "Accuracy per category × language (hard negatives must stay unflagged):", "",
                  "| category | all | " + " | ".join(langs) + " |", "| --- | --- | " + " | ".join("---" for _ in langs) + " |"]
        for cat in cats:
            cells = []
            for lang in langs:
                v = r["per_language"][lang]["per_category"].get(cat)
                cells.append(f"{v['accuracy']:.2f} ({v['n']})" if v else "–")
            marker = " (hard negative)" if cat in HARD_NEGATIVE_CATEGORIES else ""
            lines.append(f"| {cat}{marker} | {r['per_category'][cat]['accuracy']:.3f} | " + " | ".join(cells) + " |")
        ev = r["evasion"]
        if ev["pairs"]:
            lines += ["", f"Evasion variants: {ev['pairs']} pairs, {ev['flip_rate']:.1%} change their decision "
                      + "(" + ", ".join(f"{k.removeprefix('evasion_')} {v['flip_rate']:.1%}" for k, v in ev["per_kind"].items()) + ")."]
        if r.get("hallmark_f1"):
            lines += ["", "Hallmark F1: " + ", ".join(f"{k} {v:.2f}" for k, v in r["hallmark_f1"].items()) + "."]
        if r["bias"]:
            lines += ["", "Per-group bias metrics (ROC AUC; 1.0 is ideal):", "",
                      "| group | n | subgroup AUC | BPSN AUC | BNSP AUC |", "| --- | --- | --- | --- | --- |"]
            for g, v in r["bias"].items():
                lines.append(f"| {g} | {v['n']} | {_pct(v['subgroup_auc'])} | {_pct(v['bpsn_auc'])} | {_pct(v['bnsp_auc'])} |")
        lines.append("")
    if rep.get("long_document"):
        lines += ["### Long documents (~20,000 tokens)", "", "| language | start | middle | end | without it | passed |",
                  "| --- | --- | --- | --- | --- | --- |"]
        for lang, v in rep["long_document"].items():
            cell = lambda p: f"{'flagged' if v[p]['flagged'] else 'not flagged'} ({v[p]['score']:.2f})"  # noqa: E731
            lines.append(f"| {lang} | {cell('start')} | {cell('middle')} | {cell('end')} | {cell('none')} | {'yes' if v['passed'] else 'NO'} |")
        lines.append("")
    if rep.get("hard_negative_articles"):
        split = rep["hard_negative_articles"]
        langs = list(split.get("test") or split.get("training") or {})
        lines += ["### Articles made only of hard negatives", "",
                  "Flagged, of 20 articles of 10–100 hard-negative sentences drawn at random (none is incitement):", "",
                  "| sentences from | " + " | ".join(langs) + " |", "| --- | " + " | ".join("---" for _ in langs) + " |"]
        for name, title in (("training", "training split (read right one by one)"), ("test", "held-out test split")):
            cells = [str(split.get(name, {}).get(lang, {}).get("flagged", "–")) for lang in langs]
            lines.append(f"| {title} | " + " | ".join(cells) + " |")
        lines.append("")
    if rep.get("blind_error_kinds"):
        lines += ["### Blind-set errors by kind", "", "| kind | count |", "| --- | --- |"]
        lines += [f"| {k} | {n} |" for k, n in rep["blind_error_kinds"].items()]
        lines.append("")
    return "\n".join(lines)


def default_card() -> Path:
    """The embedded model's card."""
    from tocsin.models.folder import EMBEDDED_DIR

    return EMBEDDED_DIR / "README.md"


def write_card(markdown: str, card: str | Path | None = None) -> Path:
    """Replace the evaluation section of a model card (between the markers) with ``markdown``."""
    path = Path(card) if card else default_card()
    text = path.read_text(encoding="utf-8") if path.is_file() else f"# Model card\n\n## Evaluation\n\n{CARD_START}\n{CARD_END}\n"
    if CARD_START not in text or CARD_END not in text:
        text = text.rstrip() + f"\n\n## Evaluation\n\n{CARD_START}\n{CARD_END}\n"
    head, rest = text.split(CARD_START, 1)
    _, tail = rest.split(CARD_END, 1)
    path.write_text(f"{head}{CARD_START}\n{markdown.strip()}\n{CARD_END}{tail}", encoding="utf-8")
    return path
