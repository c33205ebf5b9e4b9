"""Evidence spans laid over an item's text as plain segments the template escapes and marks, and listed
one by one with a link to where each starts (reachable by keyboard and screen reader, not only by hover)."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

#: Span kinds with a colour of their own; anything else is shown as ``other``.
KNOWN_KINDS = ("target", "cue", "place", "context")
MAX_SPANS = 1000


@dataclass
class Segment:
    """A run of text covered by the same evidence spans (none for plain text)."""

    text: str
    kinds: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    start: int = 0   #: where the segment starts in the analysed text (its mark's anchor)

    @property
    def css(self) -> str:
        return " ".join(f"ev-{k}" for k in self.kinds)

    @property
    def tooltip(self) -> str:
        return "; ".join(self.labels)


@dataclass
class Evidence:
    """One placed span as the page lists it: its kind, description, words, and the segment it starts in."""

    kind: str
    label: str
    text: str
    anchor: int | None


@dataclass
class Highlighted:
    """The segments, the spans placed on them in text order, and the spans that could not be placed."""

    segments: list[Segment]
    unplaced: list[dict[str, Any]]
    evidence: list[Evidence] = field(default_factory=list)


def locate(text: str, span: dict[str, Any]) -> tuple[int, int] | None:
    """Where ``span`` lies in ``text``: its offsets if they hold its text, else the nearest occurrence of its text."""
    start, end, surface = span.get("start"), span.get("end"), span.get("text")
    valid = isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)
    if valid and (not isinstance(surface, str) or not surface or text[start:end] == surface):
        return start, end
    if not isinstance(surface, str) or not surface:
        return None
    anchor = start if isinstance(start, int) else 0
    best, pos = None, text.find(surface)
    while pos != -1:
        if best is None or abs(pos - anchor) < abs(best - anchor):
            best = pos
        pos = text.find(surface, pos + 1)
    return (best, best + len(surface)) if best is not None else None


def highlight(text: str, spans: list[dict[str, Any]]) -> Highlighted:
    """Cut ``text`` into segments by the spans covering each piece; overlapping spans share a segment."""
    placed: list[tuple[int, int, str, str]] = []
    unplaced: list[dict[str, Any]] = []
    for span in spans[:MAX_SPANS]:
        if not isinstance(span, dict):
            continue
        where = locate(text, span)
        if where is None:
            unplaced.append(span)
            continue
        kind = span.get("kind") if span.get("kind") in KNOWN_KINDS else "other"
        form = f" ({span['form']})" if span.get("form") else ""
        placed.append((where[0], where[1], kind, f"{span.get('label', '')}{form}"))
    cuts = sorted({0, len(text), *(s for s, _, _, _ in placed), *(e for _, e, _, _ in placed)})
    segments: list[Segment] = []
    for left, right in zip(cuts, cuts[1:]):
        covering = [p for p in placed if p[0] <= left and right <= p[1]]
        kinds = sorted({p[2] for p in covering}, key=_kind_order)
        labels = sorted({f"{p[2]}: {p[3]}" for p in covering})
        if segments and segments[-1].kinds == kinds and segments[-1].labels == labels:
            segments[-1].text += text[left:right]
        else:
            segments.append(Segment(text[left:right], kinds, labels, left))
    return Highlighted(segments, unplaced, listed_evidence(text, placed, segments))


def _kind_order(kind: str) -> int:
    return (KNOWN_KINDS + ("other",)).index(kind)


def listed_evidence(text: str, placed: list[tuple[int, int, str, str]], segments: list[Segment]) -> list[Evidence]:
    """The placed spans in text order, each anchored at the start of the segment its first character is in."""
    starts = [s.start for s in segments]
    return [Evidence(kind, description, text[start:end], starts[bisect_right(starts, start) - 1])
            for start, end, kind, description in sorted(set(placed), key=lambda p: (p[0], _kind_order(p[2]), p[1], p[3]))]


def split_segments(segments: list[Segment], at: int) -> tuple[list[Segment], list[Segment]]:
    """Cut segments at character ``at`` of the text they cover: the pieces before and from there on."""
    before: list[Segment] = []
    after: list[Segment] = []
    position = 0
    for segment in segments:
        end = position + len(segment.text)
        if end <= at:
            before.append(segment)
        elif position >= at:
            after.append(segment)
        else:
            cut = at - position
            before.append(Segment(segment.text[:cut], segment.kinds, segment.labels, segment.start))
            after.append(Segment(segment.text[cut:], segment.kinds, segment.labels, segment.start + cut))
        position = end
    return before, after


def highlight_item(title: str, text: str, analysed: str, spans: list[dict[str, Any]]) -> tuple[list[Segment], Highlighted]:
    """Evidence over an item whose analysed text is its title and body joined (see ``tocsin.analyse.item_text``).

    Returns the title's segments (plain when the title was not part of the analysed text) and the body's
    highlighted segments with the spans that could not be placed and every placed span listed (anchored
    in the title or the body; unanchored when the piece it starts in is not shown).
    """
    marked = highlight(analysed, spans)
    body = text.strip()
    start = len(analysed) - len(body) if body and analysed.endswith(body) else (0 if body else len(analysed))
    title_part, body_part = split_segments(marked.segments, start)
    if start == 0 or not title.strip():
        title_part = [Segment(title)]
    else:
        while title_part and not title_part[-1].kinds and title_part[-1].text.strip() == "":
            title_part.pop()
        if title_part and not title_part[-1].kinds:
            title_part[-1] = Segment(title_part[-1].text.rstrip(), [], [], title_part[-1].start)
    shown = {s.start for s in title_part + body_part if s.kinds}
    evidence = [Evidence(e.kind, e.label, e.text, e.anchor if e.anchor in shown else None) for e in marked.evidence]
    return title_part, Highlighted(body_part, marked.unplaced, evidence)
