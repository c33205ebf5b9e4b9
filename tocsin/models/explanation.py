"""The hallmarks a flagged text is given and the one line that explains a decision to a monitor."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from typing import Mapping

from tocsin.nlp.features import CALLS, HALLMARKS, Features, Span

#: The reason given when an approval cancelled the excuse of quoted or reported words (:mod:`tocsin.models.endorsement`).
ENDORSED = "the quoted or reported words approved"
#: Probability at which the classifier alone names a hallmark.
HALLMARK_THRESHOLD = 0.5
#: The most characters of the text an explanation quotes.
QUOTE_CHARS = 60
#: The hallmark the classifier may suggest only for a text that speaks of women (see :func:`hallmarks_of`).
WOMEN_HALLMARK = "attack_on_women_and_girls"
#: Unicode categories :func:`readable` leaves out of a quotation: control, format and surrogate characters
#: (white space is made one space instead).
_UNREADABLE = frozenset({"Cc", "Cf", "Cs"})
#: Cues on each side of a target (by position) looked at to find the group a call is aimed at.
AIM_NEIGHBOURS = 3


def hallmarks_of(features: Features, probs: Mapping[str, float], flagged: bool) -> list[str]:
    """Hallmarks of a flagged text: the classifier's (≥ 0.5) and the rules' cues, canonical order.

    A flagged text always names at least one: the classifier's most likely. The classifier names an attack
    on women and girls only in a text with a word for them (``features.speaks_of_women``: alone it gave 0.8 to
    short Uzbek calls such as "Oʻzbeklar bu yerdan ketsin!"); a rule's cue always counts.
    """
    if not flagged:
        return []
    suggested = [h for h in HALLMARKS if h in probs and (features.speaks_of_women or h != WOMEN_HALLMARK)]
    found = {h for h in suggested if probs[h] >= HALLMARK_THRESHOLD} | {c.label for c in features.cues if c.label in HALLMARKS}
    if not found:
        scored = [(probs[h], h) for h in suggested]
        if scored:
            found = {max(scored)[1]}
    return [h for h in HALLMARKS if h in found]


def main_cue(features: Features, hallmark: str | None) -> Span | None:
    """The cue that stands for a hallmark in the explanation: its first, a call to expulsion before a call to
    exclusion (the graver form)."""
    cues = [c for c in features.cues if c.label == hallmark]
    return min(cues, key=lambda c: c.exclusion) if cues else None


def hallmark_name(hallmark: str, cue: Span | None) -> str:
    """``call_to_expulsion`` → "call to expulsion", or "call to exclusion" when its cue is of that form or claims a
    land for one group."""
    if hallmark == "call_to_expulsion" and cue is not None and cue.exclusion:
        return "call to exclusion"
    return hallmark.replace("_", " ")


def quote(features: Features, cue: Span | None) -> str:
    """The words behind a hallmark: its cue (:func:`main_cue`), else (no cue for it) the first target's
    surroundings."""
    text = features.text
    if cue:
        span = cue.text
    elif features.targets:
        t = features.targets[0]
        span = whole_words(text, max(0, t.start - QUOTE_CHARS // 2), t.end + QUOTE_CHARS // 2, (t.start, t.end))
    else:
        span = text[:QUOTE_CHARS]
    span = " ".join(readable(span).split())
    return span if len(span) <= QUOTE_CHARS else span[: QUOTE_CHARS - 1] + "…"


def whole_words(text: str, start: int, end: int, keep: tuple[int, int]) -> str:
    """``text[start:end]`` less a word cut at either edge ("тынч жашашы ке"), never less than ``text[keep[0]:keep[1]]``."""
    if 0 < start < len(text) and text[start - 1].isalnum() and text[start].isalnum():
        space = text.find(" ", start, keep[0])
        start = keep[0] if space < 0 else space + 1
    if 0 < end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
        space = text.rfind(" ", keep[1], end)
        end = keep[1] if space < 0 else space
    return text[start:end]


def readable(text: str) -> str:
    """``text`` without the characters a reader cannot see or that change how the rest of a line is shown:
    controls other than white space (NUL …), format characters (zero-width, soft hyphen, bidirectional
    controls such as U+202E, which would show the rest of the explanation reversed) and lone surrogates.
    The spans keep the text as it is."""
    return "".join(ch for ch in text if ch.isspace() or unicodedata.category(ch) not in _UNREADABLE)


def place_name(label: str) -> str:
    """``jalal-abad`` or ``jalal_abad`` → ``Jalal-Abad``."""
    return "-".join(part.capitalize() for part in re.split(r"[-_]", label))


def groups_by_aim(features: Features) -> list[str]:
    """Target groups, the one the text's calls (else its other cues) are aimed at first: the group named
    inside a cue, else nearest one, ties to the first mentioned; then the others in order of first mention.
    In "Kyrgyz must drive the Uzbeks out" and "Кыргызы, выгоним узбеков!" the Uzbeks are the target and the
    Kyrgyz the ones called on; in "Кыргызстан для кыргызов, узбеки — на выход" the Uzbeks too, the Kyrgyz being
    those the land is claimed for (a group named only in such a claim comes last)."""
    groups = features.groups
    cues = [c for c in features.cues if c.label in CALLS] or list(features.cues)
    if len(groups) < 2 or not cues:
        return groups
    claimed_for = set(groups_claimed_for(features))

    def gap(target: Span, cue: Span) -> float:   # -1 inside the cue ("выгоним узбеков"), 0 touching it
        if target.label in claimed_for:
            return float("inf")
        if target.within(cue):
            return -1
        return max(0, cue.start - target.end, target.start - cue.end)

    cues.sort(key=lambda c: c.start)
    starts = [c.start for c in cues]

    def nearby(target: Span) -> list[Span]:   # the cues around it by position: a long text has thousands of each
        i = bisect_right(starts, target.start)
        return cues[max(0, i - AIM_NEIGHBOURS):i + AIM_NEIGHBOURS]

    nearest = {g: min(gap(t, c) for t in features.targets if t.label == g for c in nearby(t)) for g in groups}
    first = min(groups, key=lambda g: (nearest[g], groups.index(g)))
    return [first, *(g for g in groups if g != first)]


def groups_claimed_for(features: Features) -> list[str]:
    """The groups a land is claimed for and named nowhere else: each mention the first group word of a cue of the
    form ``exclusivity`` ("Кыргызстан для кыргызов"; "… для кыргызов, узбеки — на выход" names the Uzbeks after
    it). Such a claim is aimed at every other group."""
    claims = [c for c in features.cues if c.exclusivity]
    if not claims:
        return []
    firsts = {min((t for t in features.targets if t.within(c)), key=lambda t: t.start, default=None) for c in claims}
    return [g for g in features.groups if all(t in firsts for t in features.targets if t.label == g)]



def explain(features: Features, hallmarks: list[str], flagged: bool, score: float, reasons: list[str]) -> str:
    """One line a monitor can read, e.g. ``call to expulsion against uzbek in Osh: 'надо выгнать'``.

    A hallmark is named as found only with a cue in the text; one the classifier alone reports is
    given as suggested (``incitement against uzbek: '…'; no cue words found, the classifier suggests
    dehumanization``)."""
    aimed, *also = groups_by_aim(features) or [""]
    if aimed in groups_claimed_for(features):   # "Кыргызстан для кыргызов": aimed at every other group
        aimed = f"all but {aimed}"
    groups = aimed + (f" (also named: {', '.join(also)})" if also else "")
    places = ", ".join(dict.fromkeys(place_name(p.label) for p in features.places))
    if flagged:
        # Only a hallmark with a cue in the text is named as found; the classifier's others are "suggested".
        cued = [h for h in hallmarks if h in {c.label for c in features.cues}]
        main = next((h for h in CALLS if h in cued), cued[0] if cued else None)
        cue = main_cue(features, main)
        line = hallmark_name(main, cue) if main else "incitement"
        if groups:
            line += f" against {groups}"
        if places:
            line += f" in {places}"
        line += f": '{quote(features, cue)}'"
        others = [hallmark_name(h, main_cue(features, h)) for h in cued if h != main]
        if others:
            line += f"; also {', '.join(others)}"
        suggested = [h.replace("_", " ") for h in hallmarks if h not in cued]
        if suggested:
            line += ("; no cue words found, " if not cued else "; ") + f"the classifier suggests {', '.join(suggested)}"
        if ENDORSED in reasons:
            line += f"; {ENDORSED}"
        lowered = [r for r in reasons if r.startswith("lowered")]
        if lowered:
            line += f" (despite {lowered[0][len('lowered by '):]})"
        return line
    line = f"not flagged (score {score:.2f})"
    if groups:
        line += f": mentions {', '.join(features.groups)}" + (f" in {places}" if places else "")
    detail = [r for r in reasons if not r.startswith("raised")]
    if detail:
        line += ("; " if groups else ": ") + "; ".join(detail)
    return line
