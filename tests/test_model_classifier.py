"""Loading and running classifiers: a tiny model made here, saved in HF format, loaded by path."""

from __future__ import annotations

import shutil

import pytest

from tocsin.config import ModelSettings
from tocsin.models import Classifier
from tocsin.models.classifier import EMBEDDED_DIR, LABELS, ModelLoadError

TEXTS = ["узбеков надо выгнать из оша", "o'zbeklar qo'shnilarimiz", "the uzbeks are our neighbours", "кыргыздар"] * 20


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory, save_tiny_model):
    """A two-layer, 32-wide BERT with our labels and a tokenizer trained on a few words."""
    return save_tiny_model(tmp_path_factory.mktemp("tiny"), TEXTS)


def test_from_settings_loads_a_folder_with_its_name_version_and_labels(tiny_model_dir):
    clf = Classifier.from_settings(ModelSettings(path=str(tiny_model_dir), batch_size=4, max_length=32, stride=8))
    assert (clf.name, clf.version) == ("tiny", "t1")
    assert clf.labels == list(LABELS)
    out = clf.predict(["Надо выгнать узбеков", "", "hello"])
    assert len(out) == 3
    for probs in out:
        assert set(probs) == set(LABELS)
        assert all(0.0 <= p <= 1.0 for p in probs.values())
    # Same text, same answer, whatever the batch around it.
    alone = clf.predict(["Надо выгнать узбеков"])[0]
    assert alone == pytest.approx(out[0], abs=1e-5)


def test_long_texts_are_split_into_overlapping_windows(tiny_model_dir):
    clf = Classifier.load(tiny_model_dir, batch_size=8, max_length=32, stride=8)
    long_text = " ".join(["узбеков надо выгнать из оша"] * 200)
    windows = clf.windows([long_text, "short"])
    long_windows = [w for w in windows if w.text_index == 0]
    assert len(long_windows) > 10
    assert all(len(w.ids) <= 32 for w in windows)
    # Consecutive windows share `stride` tokens (minus the [CLS]/[SEP] of each).
    first, second = long_windows[0].ids[1:-1], long_windows[1].ids[1:-1]
    assert first[-8:] == second[:8]
    assert len([w for w in clf.windows([long_text], first_only=[True])]) == 1


def test_each_label_takes_its_maximum_over_the_windows(tiny_model_dir):
    import torch

    clf = Classifier.load(tiny_model_dir, batch_size=8, max_length=32, stride=8)
    text = " ".join(["кыргыздар"] * 100 + ["узбеков надо выгнать из оша"] * 3)
    windows = clf.windows([text])
    with torch.inference_mode():
        per_window = [torch.sigmoid(clf.model(input_ids=torch.tensor([w.ids])).logits)[0].tolist() for w in windows]
    full = clf.predict([text])[0]
    for k, label in enumerate(clf.raw_labels):
        assert full[label] == pytest.approx(max(row[k] for row in per_window), abs=1e-4)
    first = clf.predict([text], first_only=[True])[0]
    assert first["incitement"] == pytest.approx(per_window[0][0], abs=1e-4)


def test_a_foreign_binary_classifier_gets_an_incitement_label(tmp_path):
    from transformers import BertConfig, BertForSequenceClassification

    from tocsin.models.train import train_tokenizer

    tokenizer = train_tokenizer(TEXTS, vocab_size=200, max_length=64)
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=64, num_labels=2,
                        id2label={0: "neutral", 1: "hate"}, label2id={"neutral": 0, "hate": 1})
    BertForSequenceClassification(config).save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    clf = Classifier.load(tmp_path, max_length=32, stride=8)
    assert clf.labels == ["incitement", "neutral", "hate"]
    probs = clf.predict(["узбеков"])[0]
    assert probs["incitement"] == probs["hate"]
    assert probs["neutral"] + probs["hate"] == pytest.approx(1.0, abs=1e-5)


def test_missing_or_broken_models_say_what_to_do(tmp_path):
    with pytest.raises(ModelLoadError, match="no config.json"):
        Classifier.load(tmp_path)
    with pytest.raises(ModelLoadError, match="leave it empty"):
        Classifier.load("no-such-org/no-such-model-here", offline=True)
    saved = tmp_path / "saved"
    shutil.copytree(EMBEDDED_DIR, saved)
    (saved / "tocsin_model.json").write_text('{"name": "x", ', encoding="utf-8")
    with pytest.raises(ModelLoadError, match="tocsin_model.json: cannot be read as JSON"):
        Classifier.load(saved)
