"""The hand-written blind and validation sets: well-formed, labelled consistently, and apart from the corpus."""

from __future__ import annotations

import re

import pytest

from tocsin.models.corpus import build_corpus
from tocsin.models.evaluate import BLIND_DIR, LANGS, VALIDATION_DIR, read_blind, read_validation

GROUPS = {"uzbek", "kyrgyz", "tajik", "russian", "dungan", "uyghur", "kazakh", "turk", "jewish", "muslim", "christian"}
HALLMARKS = {"dehumanization", "accusation_in_a_mirror", "threat_to_purity", "attack_on_women_and_girls",
             "questioning_ingroup_loyalty", "call_to_violence", "call_to_expulsion"}


def words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


@pytest.mark.parametrize("name, rows, per_language", [("blind", read_blind(), 74), ("validation", read_validation(), 200)])
def test_each_set_is_well_formed_and_labelled_consistently(name, rows, per_language):
    assert {r["lang"] for r in rows} == set(LANGS), name
    for lang in LANGS:
        assert sum(r["lang"] == lang for r in rows) >= per_language, (name, lang)
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert r["text"].strip() and r["style"] in {"news", "telegram", "comment"}, r["id"]
        assert bool(r["incitement"]) == (r["category"] == "incitement") == bool(r["hallmarks"]), r["id"]
        assert set(r["hallmarks"]) <= HALLMARKS and set(r["targets"]) <= GROUPS, r["id"]
        assert not r["incitement"] or r["targets"], r["id"]


@pytest.mark.slow
def test_no_hand_written_text_is_in_the_training_corpus():
    corpus = {words(e.text) for e in build_corpus(evasions=False)}
    for folder in (BLIND_DIR, VALIDATION_DIR):
        rows = read_blind(folder)
        assert rows
        assert not [r["id"] for r in rows if words(r["text"]) in corpus], folder
