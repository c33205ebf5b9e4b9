"""A text's sentences and the cues of each, worked out once per text for the decision's rules."""

from __future__ import annotations

from bisect import bisect_right

from tocsin.nlp.chunking import sentence_bounds
from tocsin.nlp.features import Features, Span


class Layout:
    """A text's sentences (see :func:`tocsin.nlp.chunking.sentence_bounds`), which sentence holds a position, and the cues of each
    sentence: worked out once per text, so that a long text's hundreds of spans cost a lookup each."""

    def __init__(self, features: Features):
        self.bounds = sentence_bounds(features.text)
        self._starts = [a for a, _ in self.bounds]
        self.cues: dict[int, list[Span]] = {}
        for c in features.cues:
            self.cues.setdefault(self.sentence_of(c.start), []).append(c)

    def sentence_of(self, position: int) -> int:
        """The index of the sentence that holds character ``position`` (the last one past the end)."""
        return max(0, bisect_right(self._starts, position) - 1)
