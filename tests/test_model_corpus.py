"""The training corpus: templates parse, splits are by template, labels follow categories, variants keep labels."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

from tocsin.models.corpus import (
    CATEGORIES, HARD_NEGATIVE_CATEGORIES, HATEFUL_CATEGORIES, LANGS, TEMPLATE_LANGS, CorpusError, assign_splits,
    build_corpus, fill, read_slots, read_templates,
)
from tocsin.models.evasion import generators


@pytest.fixture(scope="module")
def corpus():
    return build_corpus(per_template=6)


def test_every_template_line_parses_and_every_slot_fills():
    import random

    rng = random.Random(0)
    for lang in TEMPLATE_LANGS:
        slots = read_slots(lang)
        for t in read_templates(lang):
            text, group, place = fill(t.text, slots, rng, core="X")
            assert "{" not in text and "[" not in text, (t.id, text)
            assert not group or "{G." in t.text
            assert not place or "{P." in t.text
            if group:
                assert any(form.lower() in text.lower() for form in slots["G"][group].values()), (t.id, text)


def test_a_test_template_never_appears_in_training(corpus):
    splits_of = defaultdict(set)
    for e in corpus:
        splits_of[e.template].add("train" if e.split in ("train", "dev") else e.split)
    assert all(len(s) == 1 for s in splits_of.values()), [t for t, s in splits_of.items() if len(s) > 1]


def test_every_language_has_every_category_in_train_and_test(corpus):
    seen = {(e.lang, e.category, e.split) for e in corpus}
    for lang in LANGS:
        for category in CATEGORIES:
            assert (lang, category, "train") in seen, (lang, category)
            assert (lang, category, "test") in seen, (lang, category)


def test_labels_follow_categories(corpus):
    for e in corpus:
        base = e.category if not e.category.startswith("evasion_") else None
        if base in HATEFUL_CATEGORIES:
            assert e.incitement == 1 and e.hallmarks == [base]
        elif base in HARD_NEGATIVE_CATEGORIES:
            assert e.incitement == 0 and e.hallmarks == []


def test_uzbek_cyrillic_mirrors_latin(corpus):
    latin = {e.id: e for e in corpus if e.lang == "uz-Latn"}
    cyrillic = [e for e in corpus if e.lang == "uz-Cyrl" and not e.base_id]
    assert cyrillic
    for e in cyrillic[:50]:
        twin = latin[e.id.replace("uzc-", "uz-", 1)]
        assert (twin.incitement, twin.split, twin.category) == (e.incitement, e.split, e.category)
        assert not any("a" <= c <= "z" for c in e.text.lower()), e.text


def test_quoted_hate_embeds_a_hateful_template_of_the_same_split(corpus):
    quoted = [e for e in corpus if e.category == "quoted_to_condemn" and e.lang == "ru"]
    assert quoted and all("«" in e.text for e in quoted)
    assert all(e.incitement == 0 for e in quoted)


def test_evasion_variants_keep_labels_and_point_at_their_original(corpus):
    by_id = {e.id: e for e in corpus}
    variants = [e for e in corpus if e.base_id]
    assert len({e.category for e in variants}) >= 5
    assert {e.category for e in variants} <= {f"evasion_{k}" for k in generators()}
    for v in variants:
        base = by_id[v.base_id]
        assert (v.incitement, v.hallmarks, v.split, v.lang) == (base.incitement, base.hallmarks, base.split, base.lang)
        assert v.text != base.text


def test_splits_are_assigned_per_category_and_language():
    templates = [t for t in read_templates("ru") if t.category == "call_to_violence"]
    split = assign_splits(templates)
    assert sorted(split.values()).count("test") >= 1 and "train" in split.values()


def test_a_bad_template_line_names_file_and_line(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "ru.txt").write_text("ru-x-01 no_such_category: текст\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"ru\.txt:1: unknown category"):
        read_templates("ru", tmp_path)


def test_a_new_template_leaves_every_other_templates_texts_as_they_were(tmp_path):
    import shutil

    from tocsin.models.corpus import DATA_DIR

    for folder in ("templates", "slots"):
        shutil.copytree(DATA_DIR / folder, tmp_path / folder)
    before = build_corpus(per_template=4, data_dir=tmp_path)
    with (tmp_path / "templates" / "en.txt").open("a", encoding="utf-8") as f:
        f.write("en-zzzzzzzzz-01 call_to_violence: [Drive|Chase] the {G.pl} out of {P.nom} [tonight|now]!\n")
    after = build_corpus(per_template=4, data_dir=tmp_path)

    # A quoted hateful core is drawn from every hateful template of its split, so it may change.
    quoting = {e.template for e in before if e.category == "quoted_to_condemn"}

    def texts(corpus):
        return {(e.id, e.split, e.text) for e in corpus if e.template not in quoting and e.template != "en-zzzzzzzzz-01"}

    new = [e for e in after if e.template == "en-zzzzzzzzz-01"]
    assert new and all("{" not in e.text for e in new)
    assert texts(after) == texts(before)


SPLITS_RECORDED = Path(__file__).parent / "fixtures" / "corpus" / "template_splits.tsv"


def test_no_template_ever_changes_split():
    """The held-out figures compare over time only while every template keeps its split: a new round's ids must
    sort after the older ids of their language and category, and no template may be removed."""
    recorded = dict(line.split("\t") for line in SPLITS_RECORDED.read_text(encoding="utf-8").splitlines()
                    if line and not line.startswith("#"))
    now = assign_splits([t for lang in TEMPLATE_LANGS for t in read_templates(lang)])
    moved = {tid: (was, now.get(tid, "removed")) for tid, was in recorded.items() if now.get(tid) != was}
    assert not moved


def test_template_ids_are_lowercase_with_the_files_language_code():
    """An id such as "uz-Latn-…" would sort before every "uz-…" id and shift the splits of its whole category."""
    for lang in TEMPLATE_LANGS:
        code = lang.split("-")[0]
        wrong = [t.id for t in read_templates(lang) if not re.fullmatch(rf"{code}-[a-z0-9]+(-[a-z0-9]+)*", t.id)]
        assert not wrong, lang
