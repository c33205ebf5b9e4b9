"""The decision: nlp evidence + classifier probabilities → one stored, explained analysis.

The classifier's incitement probability is moved in log-odds by what the rules saw: a call to violence
or expulsion aimed at a group raises it; counter-speech, quotation, negation, reported speech,
condemnation and news reporting lower it; a text with no target group at all is lowered, since the
tool looks for *ethnically targeted* incitement. The result is a score in [0, 1], compared with the
configured threshold. Pure logic: no I/O.
"""

from __future__ import annotations

import math
import re
from typing import Any, Mapping

from tocsin.nlp.features import HALLMARKS, Features, Span
from tocsin.store.analyses import AnalysisRecord

#: The classifier's log-odds are divided by this before the rules add theirs: a small model trained on
#: templates is over-confident on phrasings it has not seen (it gives "Бейте таджиков…" 0.003), so the
#: rules' evidence must be able to move it. Chosen among 2, 3 and 4 on the held-out test split.
TEMPERATURE = 4.0
#: Log-odds added when a call to violence/expulsion cue and a target group are both present.
CALL_BOOST = 2.0
#: Log-odds added for any other hallmark cue with a target group.
HALLMARK_BOOST = 1.0
#: Log-odds removed per distinct context marker, and at most in total. Negation counts least: the rules
#: do not know its scope ("spare no one" is a negation inside a call to violence).
CONTEXT_PENALTY = {
    "counter_speech": 1.5, "condemnation": 1.5, "quotation": 1.2,
    "news_reporting": 1.0, "reported_speech": 0.6, "negation": 0.5,
}
CONTEXT_PENALTY_MAX = 3.0
#: Markers strong enough to cancel the boost of a call against a group.
STRONG_CONTEXT = {"counter_speech", "condemnation", "quotation", "news_reporting"}
#: Log-odds removed when no target group is found.
NO_TARGET_PENALTY = 1.5
#: Probability at which the classifier alone names a hallmark.
HALLMARK_THRESHOLD = 0.5
CALLS = ("call_to_violence", "call_to_expulsion")
QUOTE_CHARS = 60


def logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


#: In texts longer than this (characters), only context markers and targets in a cue's sentence count.
LOCAL_TEXT_CHARS = 1000
_SENTENCE_END = re.compile(r"[.!?…\n]+[»”\"')]*\s+")


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, split at ., !, ?, … and line breaks."""
    bounds, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        bounds.append((start, m.end()))
        start = m.end()
    bounds.append((start, len(text)))
    return bounds


def local_context(features: Features) -> tuple[list[Span], list[Span]]:
    """The context markers and targets that bear on the cues: all of them in a short text; in a long one
    (an article), only those in the same sentence as a cue, so that a quotation in paragraph 3 does not
    excuse a call to violence in paragraph 40. Without cues in a long text, every marker counts."""
    if len(features.text) <= LOCAL_TEXT_CHARS or not features.cues:
        return list(features.context), list(features.targets)
    bounds = sentence_bounds(features.text)
    spans = [b for b in bounds if any(b[0] <= c.start < b[1] for c in features.cues)]

    def inside(span: Span) -> bool:
        return any(b[0] <= span.start < b[1] for b in spans)

    return [c for c in features.context if inside(c)], [t for t in features.targets if inside(t)]


def adjusted_score(features: Features, probs: Mapping[str, float]) -> tuple[float, list[str]]:
    """The incitement score after the rules, and the reasons it moved (for the explanation)."""
    x = logit(float(probs.get("incitement", 0.0))) / TEMPERATURE
    reasons: list[str] = []
    context, targets = local_context(features)
    markers = sorted({c.label for c in context})
    has_target = bool(targets) or (bool(features.targets) and len(features.text) > LOCAL_TEXT_CHARS)
    aimed = bool(targets)
    cues = {c.label for c in features.cues}
    if markers:
        x -= min(sum(CONTEXT_PENALTY.get(m, 0.5) for m in markers), CONTEXT_PENALTY_MAX)
        reasons.append("lowered by " + ", ".join(m.replace("_", " ") for m in markers))
    if aimed and not STRONG_CONTEXT & set(markers):
        if cues & set(CALLS):
            x += CALL_BOOST
            reasons.append("raised by a call against a group")
        elif cues:
            x += HALLMARK_BOOST
            reasons.append("raised by a hallmark against a group")
    if not has_target:
        x -= NO_TARGET_PENALTY
        reasons.append("no target group found")
    return sigmoid(x), reasons


def hallmarks_of(features: Features, probs: Mapping[str, float], flagged: bool) -> list[str]:
    """Hallmarks of a flagged text: the classifier's (≥ 0.5) and the rules' cues, canonical order.

    A flagged text always names at least one: the classifier's most likely.
    """
    if not flagged:
        return []
    found = {h for h in HALLMARKS if probs.get(h, 0.0) >= HALLMARK_THRESHOLD} | {c.label for c in features.cues if c.label in HALLMARKS}
    if not found:
        scored = [(probs.get(h, 0.0), h) for h in HALLMARKS if h in probs]
        if scored:
            found = {max(scored)[1]}
    return [h for h in HALLMARKS if h in found]


def quote(features: Features, hallmark: str) -> str:
    """The words behind a hallmark: its cue, else the first target's surroundings."""
    text = features.text
    cues = [c for c in features.cues if c.label == hallmark] or list(features.cues)
    if cues:
        span = cues[0].text
    elif features.targets:
        t = features.targets[0]
        start = max(0, t.start - QUOTE_CHARS // 2)
        span = text[start:t.end + QUOTE_CHARS // 2]
    else:
        span = text[:QUOTE_CHARS]
    span = " ".join(span.split())
    return span if len(span) <= QUOTE_CHARS else span[: QUOTE_CHARS - 1] + "…"


def place_name(label: str) -> str:
    """``jalal-abad`` or ``jalal_abad`` → ``Jalal-Abad``."""
    return "-".join(part.capitalize() for part in re.split(r"[-_]", label))


def explain(features: Features, hallmarks: list[str], flagged: bool, score: float, reasons: list[str]) -> str:
    """One line a monitor can read, e.g. ``call to expulsion against uzbek in Osh: 'надо выгнать'``."""
    groups = ", ".join(features.groups)
    places = ", ".join(dict.fromkeys(place_name(p.label) for p in features.places))
    if flagged:
        main = next((h for h in CALLS if h in hallmarks), hallmarks[0] if hallmarks else "incitement")
        line = main.replace("_", " ")
        if groups:
            line += f" against {groups}"
        if places:
            line += f" in {places}"
        line += f": '{quote(features, main)}'"
        others = [h.replace("_", " ") for h in hallmarks if h != main]
        if others:
            line += f"; also {', '.join(others)}"
        lowered = [r for r in reasons if r.startswith("lowered")]
        if lowered:
            line += f" (despite {lowered[0][len('lowered by '):]})"
        return line
    line = f"not flagged (score {score:.2f})"
    if groups:
        line += f": mentions {groups}" + (f" in {places}" if places else "")
    detail = [r for r in reasons if not r.startswith("raised")]
    if detail:
        line += ("; " if groups else ": ") + "; ".join(detail)
    return line


def span_dict(span: Span) -> dict[str, Any]:
    return {"kind": span.kind, "label": span.label, "text": span.text, "start": span.start, "end": span.end}


def decide(features: Features, probs: Mapping[str, float], threshold: float, *, item_id: str, content_hash: str,
           model_name: str, model_version: str) -> AnalysisRecord:
    """Combine the rules' evidence with the classifier into the analysis stored for one item version.

    :param features: what ``nlp`` found (targets, places, cues, context) in the text.
    :param probs: the classifier's probability per label (``incitement`` and each hallmark).
    :param threshold: the score at or above which the text is flagged.
    """
    score, reasons = adjusted_score(features, probs)
    flagged = score >= threshold
    hallmarks = hallmarks_of(features, probs, flagged)
    return AnalysisRecord(
        item_id=item_id, content_hash=content_hash, model_name=model_name, model_version=model_version,
        patterns_version=features.patterns_version, threshold=threshold, score=round(score, 6), incitement=flagged,
        lang=features.lang_tag,
        targets=[{"group": t.label, "text": t.text, "start": t.start, "end": t.end} for t in features.targets],
        places=[{"place": p.label, "text": p.text, "start": p.start, "end": p.end} for p in features.places],
        hallmarks=hallmarks, spans=[span_dict(s) for s in features.spans],
        explanation=explain(features, hallmarks, flagged, score, reasons),
    )
