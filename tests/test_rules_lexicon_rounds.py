"""The lines of the lexicon rounds, read through the whole pipeline: each line written to need a cue carries one of
its hallmark, and each friendly, neutral or news line with the same words carries none of it; likewise for context
markers, where a line names a ``marker`` instead of a ``hallmark``.

The lines live in ``tests/fixtures/rules/lexicon_rounds.jsonl``, labelled with the round that added their entries
(``cue_round_en``, ``probe_round_ky``, ``probe_round2_uz`` …), whether the cue or marker must be ``found``, and its
hallmark or marker.
What each entry is for is said by its ``meaning`` and ``why`` in ``tocsin/nlp/patterns``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

LINES = [json.loads(line) for line in
         (Path(__file__).parent / "fixtures" / "rules" / "lexicon_rounds.jsonl").read_text(encoding="utf-8").splitlines()
         if line.strip()]


def _ids(lines: list[dict]) -> list[str]:
    return [f"{line['round']}-{number}" for number, line in enumerate(lines)]


FOUND = [line for line in LINES if line["found"]]
NOT_FOUND = [line for line in LINES if not line["found"]]


@pytest.fixture(scope="module")
def decided(decide_texts):
    return decide_texts(list(dict.fromkeys(line["text"] for line in LINES)))


def _found(decided, line: dict) -> tuple[str, set[str], list[tuple[str, str]]]:
    """The label the line is about, the labels of that kind in its text (cues, or context markers), and the spans."""
    features, _ = decided[line["text"]]
    spans = features.context if "marker" in line else features.cues
    return line.get("marker") or line["hallmark"], {s.label for s in spans}, [(s.label, s.text) for s in spans]


@pytest.mark.parametrize("line", FOUND, ids=_ids(FOUND))
def test_the_line_carries_a_cue_of_its_hallmark(decided, line):
    label, labels, spans = _found(decided, line)
    assert label in labels, (line["text"], spans)


@pytest.mark.parametrize("line", NOT_FOUND, ids=_ids(NOT_FOUND))
def test_the_same_words_in_plain_use_carry_no_such_cue(decided, line):
    label, labels, spans = _found(decided, line)
    assert label not in labels, (line["text"], spans)


def test_every_round_has_lines_of_both_kinds():
    rounds = {line["round"] for line in LINES}
    assert rounds == {line["round"] for line in FOUND} == {line["round"] for line in NOT_FOUND}
    assert len(rounds) >= 10
