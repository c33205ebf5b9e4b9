"""The shipped model, end to end (rules + classifier): long documents, evasions, hard negatives, a floor.

The full figures (and the goals they are measured against) are written into the model card by
``tocsin evaluate``; these tests keep the shipped model from silently getting worse.
"""

from __future__ import annotations


import pytest

from tocsin.models.corpus import LANGS
from tocsin.models.evaluate import HINTS, article_fillers, held_out_rows, long_document, score_examples, training_rows
from tocsin.models.metrics import evasion_flips, macro_f1


@pytest.fixture(scope="module")
def analyser(shipped_analyser):
    return shipped_analyser


@pytest.fixture(scope="module")
def held_out():
    return held_out_rows()


@pytest.fixture(scope="module")
def training():
    return training_rows()


@pytest.fixture(scope="module")
def sample_records(analyser, held_out):
    """Every fourth original test example and the evasion variants of those, scored once."""
    originals = [r for r in held_out if not r["base_id"]][::4]
    keep = {r["id"] for r in originals}
    variants = [r for r in held_out if r["base_id"] in keep]
    return score_examples(analyser, originals + variants)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["ru", "ky", "uz-Latn", "uz-Cyrl", "en"])
def test_a_hateful_sentence_is_found_anywhere_in_a_20000_token_article(analyser, held_out, training, lang):
    """A held-out call to violence the system flags on its own, in an article of neutral training sentences."""
    fillers = article_fillers(training, lang)
    calls = [r["text"] for r in held_out if r["lang"] == lang and r["category"] == "call_to_violence" and not r["base_id"]][:20]
    hint = [HINTS.get(lang, lang)]
    scored = sorted(zip(analyser.analyse_texts(calls, lang_hints=hint * len(calls)), calls), key=lambda p: -p[0].score)
    sentence = scored[0][1]
    assert scored[0][0].incitement
    for position in ("start", "middle", "end"):
        doc = long_document(analyser, fillers, sentence, position)
        assert len(analyser.classifier.tokenizer(doc)["input_ids"]) > 20_000
        a = analyser.analyse_texts([doc], lang_hints=hint)[0]
        assert a.incitement, (lang, position, a.score, a.explanation)
    plain = analyser.analyse_texts([long_document(analyser, fillers, sentence, "none")], lang_hints=hint)[0]
    assert not plain.incitement, (lang, plain.score, plain.explanation)


@pytest.mark.slow
def test_at_most_five_percent_of_decisions_flip_under_evasion(sample_records):
    flips = evasion_flips(sample_records)
    assert flips["pairs"] > 300
    assert flips["flip_rate"] <= 0.05, flips


@pytest.mark.slow
def test_held_out_quality_floor_per_language(sample_records):
    """A regression floor, not the goal: the goal (0.90) and the measured figures are in the model card."""
    for lang in LANGS:
        rows = [r for r in sample_records if r["lang"] == lang and not r["base_id"]]
        assert macro_f1([r["gold"] for r in rows], [r["pred"] for r in rows]) >= 0.65, lang


@pytest.mark.slow
def test_quoted_hate_and_reports_stay_unflagged(sample_records):
    for category in ("quoted_to_condemn", "reporting"):
        rows = [r for r in sample_records if r["category"] == category]
        assert sum(r["gold"] == r["pred"] for r in rows) / len(rows) >= 0.85, category


def test_hateful_examples_are_explained_with_their_evidence(analyser):
    texts = ["Надо выгнать узбеков из Оша!", "Kill the Uzbeks in Osh, spare no one!", "Qirg'izlarni O'shdan haydab chiqarish kerak!"]
    for a, text in zip(analyser.analyse_texts(texts), texts):
        assert a.incitement and a.hallmarks, text
        for span in a.spans:
            assert text[span["start"]:span["end"]] == span["text"]
        assert a.explanation.split(" against ")[0].replace(" ", "_") in a.hallmarks


def test_a_bare_group_name_or_tag_raises_no_flag(analyser):
    texts = ["узбеки", "Uzbeks", "#кыргыздар", "Oʻzbeklar!", "Ўзбеклар", "Uzbeks and Tajiks in Osh?"]
    flagged = [text for a, text in zip(analyser.analyse_texts(texts), texts) if a.incitement]
    assert flagged == []


def test_padding_or_a_passage_in_another_language_hides_no_call(analyser):
    call = "Надо выгнать узбеков из Оша!"
    texts = ["😀" * 3000 + " " + call, "." * 3000 + " " + call,
             "The market opened early today and the weather was fine. " * 40 + call,
             "Сегодня в городе хорошая погода. " * 100 + "We must drive the Uzbeks out of Osh!"]
    results = analyser.analyse_texts(texts)
    assert [a.incitement for a in results] == [True] * 4
    assert all("call_to_expulsion" in a.hallmarks for a in results)


def test_groups_called_brothers_or_neighbours_raise_no_flag_and_a_call_beside_it_still_does(analyser):
    peace = ["Узбеки и кыргызы — братья.", "Узбеки нам соседи.", "Кыргыздар менен өзбектер бир тууган.",
             "Uzbeks and Kyrgyz are brothers.", "Oʻzbeklar va qirgʻizlar qardosh xalqlar.", "Дружба народов: узбеки и таджики."]
    results = analyser.analyse_texts(peace)
    assert [text for a, text in zip(results, peace) if a.incitement] == []
    assert all("lowered by" in a.explanation for a in results)
    hostile = ["Узбеки нам не братья, гнать их!", "Uzbeks are not our brothers, drive them out!"]
    assert all(a.incitement for a in analyser.analyse_texts(hostile))
