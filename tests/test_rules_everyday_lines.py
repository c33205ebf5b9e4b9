"""Fresh lines, written apart from the lexicons and templates by someone who saw neither, read through the whole
decision (rules + the shipped classifier): Telegram posts, comments, classifieds and news lines in every language,
most of them harmless lines that name groups (mourners at one funeral, job notices, sports, recipes, border queues,
rebuttals), some hateful in words the lexicons were not written from (hints, sarcasm, slogans). They came in five
rounds: 520 lines in four, then 310 more (50 harmless and 12 hateful per language and script) in a fifth, each round
read through the decision before any entry was written from it.

A guard against false alarms and misses coming back, not a benchmark: a changed rule or model may move a line or
two, but not the share. The lines live in ``tests/fixtures/rules/everyday_lines.jsonl``, labelled; later rounds,
read once each, in ``everyday_lines_round6.jsonl`` to ``everyday_lines_round11.jsonl``."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tocsin.models.evaluate import HINTS

FIXTURES = Path(__file__).parent / "fixtures" / "rules"


def read_lines(name: str) -> list[dict]:
    return [json.loads(line) for line in (FIXTURES / name).read_text(encoding="utf-8").splitlines() if line.strip()]


LINES = read_lines("everyday_lines.jsonl")
HARMLESS = [line for line in LINES if not line["incitement"]]
HATEFUL = [line for line in LINES if line["incitement"]]
#: A sixth round (50 harmless and 12 hateful lines per language and script), kept apart as the measure of wording
#: the lexicons were not written from: read once, it gave 3 false alarms of 250 and missed 19 of 60; the entries
#: written after it brought the misses to 16. Most of those are the classifier's (conspiracy stories, veiled threats,
#: Koreans, whom it never saw in training).
#: A seventh round (34 harmless and 14 hateful lines per language and script, two of each hallmark), kept apart the
#: same way: read once, it gave 2 false alarms of 170 and missed 14 of 70; the entries written after it (revenge,
#: a mixed marriage shamed) brought the misses to 11. Most of those are veiled (a threat to women "if something
#: happens", "another June", a mine "nobody will cry over"), or the classifier is sure of a harmless reading.
#: An eighth round, made the same way: read once, 9 false alarms of 170 and 7 misses of 70; after the entries written
#: from it (shame words, "все тут живут", "для рода умерла", "тажик деген … чегиртке"), 7 and 5. The false alarms
#: left are lines the classifier is sure of with no cue (a blood bank, a road closure, a sports chant).
#: A ninth and a tenth round weigh the hateful lines toward the hallmarks the held-out split finds hardest, in everyday
#: and then veiled wording (26 and 30 hateful, 14 and 10 harmless per language and script): read once, 3 false alarms
#: of 70 and 26 misses of 130, then none of 50 and 42 misses of 150; after the entries written from them (shop signs,
#: "no different from animals", blood and faith spoiled, June 2010 held over a group, "nobody invited them", …), 16
#: and 35 misses. Most misses left are veiled threats and rumours no lexicon entry could name.
#: An eleventh round turns to the harmless lines (30 harmless per language and script: praise, statistics, ads,
#: weddings, blood drives, rebuttals; 10 hateful): read once, 31 false alarms of 150 and 2 misses of 50, nearly all
#: lines with no cue at all that the classifier alone is sure of (0.99–1.00). No entry was written from it: it
#: measures the classifier's false alarms on friendly lines that name several groups, which the rules cannot lower
#: without losing the hateful texts that name as many.
#: The n-gram companion refitted on the grown corpus (with friendly lines that name three or more groups, model
#: ``2026.12.07-f604d1f570``) brought the eleventh round's false alarms to 17 and the tenth round's misses to 38; the
#: bounds follow (the eleventh's tightened to guard the gain). The transformer trained two more epochs on the corpus
#: with the eleventh template round (model ``2026.12.07-2e0601fe22``) brought round 9's misses to 12, round 10's to 36
#: and round 11's false alarms to 16; the bounds follow again.
ROUNDS_READ_ONCE = {
    "everyday_lines_round6.jsonl": {"harmless": 250, "hateful": 60, "false_alarms": 5, "missed": 18},
    "everyday_lines_round7.jsonl": {"harmless": 170, "hateful": 70, "false_alarms": 4, "missed": 13},
    "everyday_lines_round8.jsonl": {"harmless": 170, "hateful": 70, "false_alarms": 9, "missed": 7},
    "everyday_lines_round9.jsonl": {"harmless": 70, "hateful": 130, "false_alarms": 5, "missed": 14},
    "everyday_lines_round10.jsonl": {"harmless": 50, "hateful": 150, "false_alarms": 2, "missed": 38},
    "everyday_lines_round11.jsonl": {"harmless": 150, "hateful": 50, "false_alarms": 17, "missed": 3},
}
ROUNDS = {name: read_lines(name) for name in ROUNDS_READ_ONCE}


@pytest.fixture(scope="module")
def flagged(decide_texts) -> dict[str, bool]:
    lines = LINES + [line for lines in ROUNDS.values() for line in lines]
    decided = decide_texts([line["text"] for line in lines], [HINTS.get(line["lang"], line["lang"]) for line in lines])
    return {text: analysis.incitement for text, (_, analysis) in decided.items()}


def test_the_lines_cover_every_language_with_both_kinds():
    assert {line["lang"] for line in HARMLESS} == {line["lang"] for line in HATEFUL} == {"ru", "ky", "uz-Latn", "uz-Cyrl", "en"}
    assert len(HARMLESS) >= 650 and len(HATEFUL) >= 150


def test_harmless_lines_that_name_groups_are_seldom_flagged(flagged):
    false_alarms = [line for line in HARMLESS if flagged[line["text"]]]
    assert len(false_alarms) <= 0.05 * len(HARMLESS), [line["text"] for line in false_alarms]
    per_language = Counter(line["lang"] for line in false_alarms)
    assert all(n <= 6 for n in per_language.values()), per_language


def test_hateful_lines_in_unseen_words_are_mostly_found(flagged):
    missed = [line for line in HATEFUL if not flagged[line["text"]]]
    assert len(missed) <= 0.1 * len(HATEFUL), [line["text"] for line in missed]


@pytest.mark.parametrize("name", ROUNDS_READ_ONCE)
def test_a_round_read_once_keeps_its_false_alarms_rare_and_its_misses_from_growing(flagged, name):
    bounds = ROUNDS_READ_ONCE[name]
    harmless = [line for line in ROUNDS[name] if not line["incitement"]]
    hateful = [line for line in ROUNDS[name] if line["incitement"]]
    assert len(harmless) == bounds["harmless"] and len(hateful) == bounds["hateful"]
    false_alarms = [line["text"] for line in harmless if flagged[line["text"]]]
    missed = [line["text"] for line in hateful if not flagged[line["text"]]]
    assert len(false_alarms) <= bounds["false_alarms"], false_alarms
    assert len(missed) <= bounds["missed"], missed
