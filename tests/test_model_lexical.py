"""The character n-gram companion: chunks, fitting, long texts, saving without pickle, blending in the classifier."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from tocsin.models.lexical import CHUNK_CHARS, LEXICAL_FILE, N_FEATURES, LexicalModel, chunks, ngram_buckets

HATEFUL = ["drive the {g} out of town", "burn the {g} houses tonight", "the {g} are rats, drive them out",
           "beat every {g} you meet", "kick the {g} out, burn their shops"]
PLAIN = ["the {g} sell apples at the market", "our {g} neighbours came to the wedding", "a {g} choir sang on sunday",
         "the {g} teacher won a prize", "prices at the {g} bazaar fell"]
GROUPS = ["uzbek", "kyrgyz", "tajik", "dungan"]


@pytest.fixture(scope="module")
def fitted():
    texts = [t.format(g=g) for t in HATEFUL + PLAIN for g in GROUPS]
    labels = [1] * (len(HATEFUL) * len(GROUPS)) + [0] * (len(PLAIN) * len(GROUPS))
    return LexicalModel.fit(texts, labels, c=10.0, weight=0.5, scale=2.0)


def test_chunks_cover_the_text_overlap_and_stay_short():
    text = " ".join(f"word{i}" for i in range(600))
    parts = chunks(text)
    assert len(parts) > 1 and all(len(p) <= CHUNK_CHARS for p in parts)
    assert parts[0].startswith("word0 ") and parts[-1].endswith("word599")
    for a, b in zip(parts, parts[1:]):
        assert b.split()[0] in a.split(), "consecutive chunks overlap"
    assert chunks("short text") == ["short text"]
    sentences = " ".join(f"Sentence number {i} is here." for i in range(30))
    assert chunks(sentences)[:2] == ["Sentence number 0 is here.", "Sentence number 1 is here."]
    assert len(chunks(sentences)) == 30
    assert chunks("x" * 2000)[0] == "x" * CHUNK_CHARS     # no space: cut at the size


def test_ngrams_are_those_of_the_usual_within_word_analyser():
    from zlib import crc32

    from sklearn.feature_extraction.text import CountVectorizer

    analyse = CountVectorizer(analyzer="char_wb", ngram_range=(2, 5)).build_analyzer()
    for text in ["Надо выгнать  их", "O'zbeklar\tqo'shni", "a bb ccc dddd", "Кыргыздар 2010", "", "x"]:
        expected = [crc32(g.encode("utf-8")) & (N_FEATURES - 1) for g in analyse(text)]
        assert sorted(ngram_buckets(text)) == sorted(expected), text
    assert ngram_buckets("broken \ud800 surrogate")     # broken Unicode is hashed, not an error


def test_unseen_phrasings_of_learnt_words_score_on_the_right_side(fitted):
    hateful, plain = fitted.logits(["burn out the uyghur, drive them away", "uyghur neighbours at the wedding market"])
    assert hateful > 0 > plain


def test_chunks_read_together_score_as_each_read_alone(fitted, monkeypatch):
    from tocsin.models import lexical

    texts = ["burn the uzbek houses tonight", "", "the kyrgyz sell apples", "drive drive drive the tajik out", "x",
             "broken \ud800 surrogate", "our dungan neighbours came to the wedding"]
    monkeypatch.setattr(lexical, "COUNT_BLOCK", 3)    # blocks of three chunks: the boundaries are crossed too

    def by_hand(text):
        buckets, counts = np.unique(np.array(ngram_buckets(text), dtype=np.int64), return_counts=True)
        weights = (1 + np.log(counts)) * fitted.idf[buckets]
        norm = np.sqrt(weights @ weights)
        return float((weights / norm) @ fitted.coef[buckets]) + fitted.intercept if norm else fitted.intercept

    together = fitted.chunks_logits(texts)
    assert together.tolist() == pytest.approx([fitted.chunk_logit(t) for t in texts], abs=1e-12)
    assert together.tolist() == pytest.approx([by_hand(t) for t in texts], abs=1e-9)
    assert fitted.chunks_logits([]).shape == (0,)


def test_a_hateful_sentence_deep_in_a_long_text_is_found(fitted):
    filler = " ".join(PLAIN[i % len(PLAIN)].format(g="kyrgyz") + "." for i in range(300))
    with_it = filler[: len(filler) // 2] + " Burn the uzbek houses tonight, drive them out. " + filler[len(filler) // 2:]
    assert len(with_it) > 15 * CHUNK_CHARS
    found, plain, first = fitted.logits([with_it, filler, with_it], first_only=[False, False, True])
    # The chunk holding the sentence stands out of the article's other chunks; scored whole, in one piece, the
    # article would read almost as plain as the one without it.
    whole = fitted.chunk_logit(with_it)
    assert found > plain + 1.0 and found > whole + 1.0
    assert first < found      # the cheap path reads only the first chunk, where there is nothing hateful


def test_blend_mixes_log_odds_by_weight_and_scale(fitted):
    p = fitted.blend(0.9, 1.5)
    expected = 1 / (1 + math.exp(-(0.5 * math.log(9) + 0.5 * 2.0 * 1.5)))
    assert p == pytest.approx(expected)
    fitted.weight = 0.0
    try:
        assert fitted.blend(0.9, -50.0) == pytest.approx(0.9)
    finally:
        fitted.weight = 0.5
    assert 0.0 < fitted.blend(1.0, 1e9) <= 1.0 and 0.0 <= fitted.blend(0.0, -1e9) < 1.0


def test_saved_without_pickle_and_loaded_with_the_same_scores(fitted, tmp_path):
    path = fitted.save(tmp_path)
    assert path.name == LEXICAL_FILE and b"pickle" not in path.read_bytes()[:2000]
    again = LexicalModel.load(tmp_path)
    texts = ["burn the kazakh shops", "kazakh wedding at the bazaar"]
    assert np.allclose(again.logits(texts), fitted.logits(texts), atol=0.05)
    assert (again.weight, again.scale) == (0.5, 2.0)
    assert LexicalModel.load(tmp_path / "nowhere") is None


def test_a_companion_made_with_other_settings_is_refused_with_the_fix(fitted, tmp_path):
    from safetensors.numpy import save_file

    meta = {"n_features": "10", "ngram_range": "1,3", "analyzer": "char_wb", "intercept": "0", "weight": "0.5", "scale": "1"}
    save_file({"idf": fitted.idf[:10], "coef": fitted.coef[:10]}, str(tmp_path / LEXICAL_FILE),
              metadata={"tocsin_lexical": json.dumps(meta)})
    with pytest.raises(ValueError, match="retrain it with `tocsin train`"):
        LexicalModel.load(tmp_path)


def test_the_classifier_blends_the_companion_into_incitement_only(fitted, tmp_path, save_tiny_model):
    from tocsin.models.classifier import Classifier

    save_tiny_model(tmp_path, [t.format(g=g) for t in HATEFUL + PLAIN for g in GROUPS])
    alone = Classifier.load(tmp_path, max_length=32, stride=8)
    assert alone.lexical is None
    fitted.save(tmp_path)
    blended = Classifier.load(tmp_path, max_length=32, stride=8)
    sample = ["burn the tajik houses tonight", "the tajik choir sang"]
    before, after = alone.predict(sample), blended.predict(sample)
    logits = blended.lexical.logits(sample)
    for b, a, logit in zip(before, after, logits):
        assert a["incitement"] == pytest.approx(blended.lexical.blend(b["incitement"], logit), abs=1e-6)
        assert {k: v for k, v in a.items() if k != "incitement"} == pytest.approx(
            {k: v for k, v in b.items() if k != "incitement"}, abs=1e-6)
    assert after[0]["incitement"] > after[1]["incitement"]


def test_a_long_texts_best_sentence_is_discounted_by_how_high_chance_would_reach():
    from tocsin.models.lexical import expected_maximum

    assert expected_maximum(1) == 0.0
    values = [expected_maximum(n) for n in (2, 10, 100, 1000)]
    assert values == sorted(values) and 1.2 < values[1] < 1.7 and 2.9 < values[3] < 3.4
    # Simulated: the largest of n standard normal draws averages close to (a little above) the estimate.
    rng = np.random.default_rng(0)
    for n in (10, 100):
        assert abs(rng.standard_normal((2000, n)).max(axis=1).mean() - expected_maximum(n)) < 0.25


def test_the_discount_is_the_measured_tail_of_ordinary_sentences(fitted, tmp_path):
    from tocsin.models.lexical import TAIL_SIZES, expected_maximum, upper_tail

    assert fitted.tail is not None and len(fitted.tail) == len(TAIL_SIZES)
    assert list(fitted.tail) == sorted(fitted.tail) and fitted.discount(1) == 0.0
    assert fitted.discount(10) == pytest.approx(fitted.tail[TAIL_SIZES.index(10)])
    assert fitted.discount(2) < fitted.discount(7) < fitted.discount(10) < fitted.discount(10 ** 6) == fitted.tail[-1]
    # A heavy upper tail (a few ordinary sentences that score like hate) is discounted more than a normal
    # curve of the same spread would be, for long texts.
    rng = np.random.default_rng(1)
    ordinary = np.concatenate([rng.standard_normal(20_000), rng.normal(6.0, 1.0, 100)])
    heavy = LexicalModel(idf=fitted.idf, coef=fitted.coef, intercept=0.0, noise_sd=float(ordinary.std()),
                         tail=upper_tail(ordinary))
    normal_curve = LexicalModel(idf=fitted.idf, coef=fitted.coef, intercept=0.0, noise_sd=float(ordinary.std()))
    assert heavy.discount(1000) > normal_curve.discount(1000) + 1.5
    # saved with the weights; a file saved without a tail keeps the normal-curve discount
    fitted.save(tmp_path)
    assert np.allclose(LexicalModel.load(tmp_path).tail, fitted.tail, atol=1e-5)
    LexicalModel(idf=fitted.idf, coef=fitted.coef, intercept=fitted.intercept, noise_sd=1.3).save(tmp_path)
    old = LexicalModel.load(tmp_path)
    assert old.tail is None and old.discount(100) == pytest.approx(1.3 * expected_maximum(100))


def test_n_grams_of_too_few_templates_are_not_learnt():
    # Each template (group) is filled with every target group; "zyx" words occur in one template only.
    texts, labels, groups = [], [], []
    for k, t in enumerate(HATEFUL + PLAIN):
        for g in GROUPS:
            texts.append(t.format(g=g) + (" qzyxw" if k == 0 else ""))
            labels.append(int(k < len(HATEFUL)))
            groups.append(f"t{k}")
    plain = LexicalModel.fit(texts, labels, c=10.0)
    shared = LexicalModel.fit(texts, labels, c=10.0, groups=groups, min_groups=2)
    rare = np.array(sorted(set(ngram_buckets("qzyxw")) - set(ngram_buckets(" ".join(texts[4:])))))
    assert len(rare) and (plain.coef[rare] != 0).any()
    assert (shared.idf[rare] == 0).all() and (shared.coef[rare] == 0).all()
    # a text made only of such n-grams tells the model nothing: it scores the intercept
    assert shared.logits(["qzyxw"])[0] == pytest.approx(shared.intercept, abs=1e-6)
    # words shared by templates are still learnt
    assert shared.logits(["drive them out, burn"])[0] > shared.logits(["apples at the wedding"])[0] + 1.0

