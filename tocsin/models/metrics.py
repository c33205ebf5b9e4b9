"""Metrics: F1, per-category accuracy, confusion matrices, evasion flips and per-group bias metrics.

Bias metrics follow the Jigsaw / detoxify definitions (``model_eval/compute_bias_metric.py``):
subgroup AUC (only texts mentioning the group), BPSN (background positive, subgroup negative: hateful
texts about other groups with harmless texts about this one) and BNSP (the reverse). Pure Python.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable, Sequence

from tocsin.models.classifier import LABELS


def f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def confusion(gold: Sequence[int], pred: Sequence[int]) -> dict[str, int]:
    """Binary confusion counts: tp, fp, fn, tn."""
    c = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
    for g, p in zip(gold, pred):
        c["tp" if g and p else "fp" if p else "fn" if g else "tn"] += 1
    return c


def macro_f1(gold: Sequence[int], pred: Sequence[int]) -> float:
    """Mean of the F1 of the positive and of the negative class (defined when one class is absent too)."""
    c = confusion(gold, pred)
    pos = f1(c["tp"], c["fp"], c["fn"]) if c["tp"] + c["fn"] else float(c["fp"] == 0)
    neg = f1(c["tn"], c["fn"], c["fp"]) if c["tn"] + c["fp"] else float(c["fn"] == 0)
    return (pos + neg) / 2


def auc(scores: Sequence[float], gold: Sequence[int]) -> float | None:
    """ROC AUC by ranks (ties averaged); None when one class is missing."""
    pos = sum(1 for g in gold if g)
    neg = len(gold) - pos
    if not pos or not neg:
        return None
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    rank_sum = sum(r for r, g in zip(ranks, gold) if g)
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg)


def bias_metrics(records: Sequence[dict[str, Any]], groups: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
    """Per group: subgroup AUC, BPSN AUC, BNSP AUC and the count of texts that mention it.

    :param records: dicts with ``score`` (float), ``gold`` (0/1) and ``targets`` (group ids mentioned).
    """
    groups = sorted(groups or {g for r in records for g in r.get("targets", [])})
    out = {}
    for group in groups:
        inside = [r for r in records if group in r.get("targets", [])]
        outside = [r for r in records if group not in r.get("targets", [])]
        bpsn = [r for r in outside if r["gold"]] + [r for r in inside if not r["gold"]]
        bnsp = [r for r in outside if not r["gold"]] + [r for r in inside if r["gold"]]
        out[group] = {
            "n": len(inside),
            "subgroup_auc": auc([r["score"] for r in inside], [r["gold"] for r in inside]),
            "bpsn_auc": auc([r["score"] for r in bpsn], [r["gold"] for r in bpsn]),
            "bnsp_auc": auc([r["score"] for r in bnsp], [r["gold"] for r in bnsp]),
        }
    return out


def evasion_flips(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Share of evasion variants whose decision differs from their original's, overall and per kind."""
    by_id = {r["id"]: r for r in records}
    per_kind: dict[str, list[int]] = defaultdict(list)
    for r in records:
        base = by_id.get(r.get("base_id") or "")
        if base is not None:
            per_kind[r["category"]].append(int(base["pred"] != r["pred"]))
    flips = [x for xs in per_kind.values() for x in xs]
    return {"pairs": len(flips), "flip_rate": sum(flips) / len(flips) if flips else 0.0,
            "per_kind": {k: {"pairs": len(v), "flip_rate": sum(v) / len(v)} for k, v in sorted(per_kind.items())}}


def report(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The full report over scored records.

    :param records: dicts with ``id``, ``lang``, ``category``, ``gold`` (0/1), ``pred`` (0/1), ``score``,
        ``targets`` and optionally ``base_id``, ``hallmarks_gold`` and ``hallmarks_pred`` (lists of names).
    """
    out: dict[str, Any] = {"n": len(records)}
    gold = [r["gold"] for r in records]
    pred = [r["pred"] for r in records]
    out["macro_f1"] = macro_f1(gold, pred)
    out["confusion"] = confusion(gold, pred)
    out["auc"] = auc([r["score"] for r in records], gold)
    langs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        langs[r["lang"]].append(r)
    out["per_language"] = {
        lang: {"n": len(rs), "macro_f1": macro_f1([r["gold"] for r in rs], [r["pred"] for r in rs]),
               "confusion": confusion([r["gold"] for r in rs], [r["pred"] for r in rs]),
               "per_category": per_category(rs)}
        for lang, rs in sorted(langs.items())
    }
    out["per_category"] = per_category(records)
    with_hallmarks = [r for r in records if "hallmarks_gold" in r]
    if with_hallmarks:
        out["hallmark_f1"] = {}
        for h in LABELS[1:]:
            c = confusion([int(h in r["hallmarks_gold"]) for r in with_hallmarks],
                          [int(h in r["hallmarks_pred"]) for r in with_hallmarks])
            if c["tp"] + c["fn"]:
                out["hallmark_f1"][h] = f1(c["tp"], c["fp"], c["fn"])
    out["evasion"] = evasion_flips(records)
    out["bias"] = bias_metrics(records)
    return out


def per_category(records: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Accuracy of the yes/no decision per functional category."""
    cats: dict[str, list[int]] = defaultdict(list)
    for r in records:
        cats[r["category"]].append(int(r["gold"] == r["pred"]))
    return {c: {"n": len(v), "accuracy": sum(v) / len(v)} for c, v in sorted(cats.items())}


def split_report(rows: Sequence[Any], probs: Sequence[Sequence[float]], threshold: float = 0.5) -> dict[str, Any]:
    """A report on training rows (``train.Row``) and the model's raw probabilities (no decision rules)."""
    records = []
    for i, (row, p) in enumerate(zip(rows, probs)):
        meta = row.meta or {}
        records.append({
            "id": meta.get("id", str(i)), "base_id": meta.get("base_id", ""), "lang": meta.get("lang", ""),
            "category": meta.get("category", ""), "targets": meta.get("targets", []),
            "gold": int(row.labels[0]), "pred": int(p[0] >= threshold), "score": p[0],
            "hallmarks_gold": [h for h, g in zip(LABELS[1:], row.labels[1:]) if g],
            "hallmarks_pred": [h for h, q in zip(LABELS[1:], p[1:]) if q >= threshold],
        })
    return report(records)
