"""A text's sentences and the cues of each, worked out once per text for the decision's rules."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from itertools import accumulate

from tocsin.nlp.chunking import sentence_bounds
from tocsin.nlp.features import Features, Span


class Layout:
    """A text's sentences (see :func:`tocsin.nlp.chunking.sentence_bounds`), which sentence holds a position, and the cues of each
    sentence: worked out once per text, so that a long text's hundreds of spans cost a lookup each."""

    def __init__(self, features: Features):
        self.text = features.text
        self.bounds = sentence_bounds(features.text)
        self._starts = [a for a, _ in self.bounds]
        self.cues: dict[int, list[Span]] = {}
        for c in features.cues:
            self.cues.setdefault(self.sentence_of(c.start), []).append(c)
        by_start = sorted(features.cues, key=lambda c: c.start)
        self._cue_starts = [c.start for c in by_start]
        self._cue_reach = list(accumulate((c.end for c in by_start), max))   # the farthest end of a cue so far
        self._break_ends: dict[tuple[int, re.Pattern[str]], list[int]] = {}

    def sentence_of(self, position: int) -> int:
        """The index of the sentence that holds character ``position`` (the last one past the end)."""
        return max(0, bisect_right(self._starts, position) - 1)

    def overlaps_a_cue(self, span: Span) -> bool:
        """Whether ``span`` shares at least one character with a cue of the text (a lookup, not a scan of the cues)."""
        before_end = bisect_left(self._cue_starts, span.end)   # the cues that start before the span ends
        return before_end > 0 and self._cue_reach[before_end - 1] > span.start

    def break_ends(self, k: int, pattern: re.Pattern[str]) -> list[int]:
        """Where each match of ``pattern`` ends in sentence ``k``, the sentence scanned whole, in order (worked out
        once per sentence and pattern)."""
        key = (k, pattern)
        if key not in self._break_ends:
            start, end = self.bounds[k]
            self._break_ends[key] = [m.end() for m in pattern.finditer(self.text, start, end)]
        return self._break_ends[key]
