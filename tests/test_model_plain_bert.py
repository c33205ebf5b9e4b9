"""BERT classifier folders run in plain PyTorch: the same tokens and probabilities as through ``transformers``."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from tocsin.models import plain_bert
from tocsin.models.classifier import EMBEDDED_DIR, Classifier, ModelLoadError, load_with_transformers

TEXTS = ["узбеков надо выгнать из оша", "o'zbeklar qo'shnilarimiz", "the uzbeks are our neighbours", "кыргыздар"] * 20
#: Short posts, a long article of several windows, and texts that are empty, blank or odd Unicode.
SAMPLES = ["Надо выгнать узбеков из Оша!", "Kyrgyzlar bizning qo'shnilarimiz, ularni hurmat qilamiz.",
           "Кыргыздар менен өзбектер тынч жашашат.", "Drive the Dungans out of the city tonight!",
           " ".join(["Жители Оша вышли на субботник и убрали парк."] * 120 + ["Надо выгнать узбеков из Оша!"]),
           "", "   ", "e\u0301 😀 \u200b ﷽ \x00"]


def _classifiers(folder, **options):
    """The folder's classifier in plain PyTorch, and the same folder through ``transformers``."""
    plain = Classifier.load(folder, **options)
    tokenizer, model = load_with_transformers(str(folder), local_files_only=True)
    reference = Classifier(model, tokenizer, name=plain.name, version=plain.version, lexical=plain.lexical, **options)
    return plain, reference


def test_the_embedded_model_runs_without_transformers_and_scores_as_through_it():
    plain, reference = _classifiers(EMBEDDED_DIR, max_length=128, stride=32)
    assert isinstance(plain.model, plain_bert.PlainBert)
    assert [w.ids for w in plain.windows(SAMPLES)] == [w.ids for w in reference.windows(SAMPLES)]
    assert len([w for w in plain.windows(SAMPLES) if w.text_index == 4]) > 3
    for ours, theirs in zip(plain.predict(SAMPLES), reference.predict(SAMPLES)):
        assert ours.keys() == theirs.keys()
        assert ours == pytest.approx(theirs, abs=1e-5)
    assert plain.predict(SAMPLES[:1])[0]["incitement"] > 0.9


def test_the_tokenizer_answers_as_the_transformers_one(tmp_path, save_tiny_model):
    folder = save_tiny_model(tmp_path, TEXTS)
    ours, _ = plain_bert.load(folder)
    theirs, _ = load_with_transformers(str(folder), local_files_only=True)
    assert (len(ours), ours.pad_token_id) == (len(theirs), theirs.pad_token_id)
    assert ours(SAMPLES[0], add_special_tokens=False)["input_ids"] == theirs(SAMPLES[0], add_special_tokens=False)["input_ids"]
    windowed = dict(truncation=True, max_length=16, stride=4, return_overflowing_tokens=True, padding=False)
    a, b = ours(SAMPLES, **windowed), theirs(SAMPLES, **windowed)
    assert a["input_ids"] == list(b["input_ids"]) and a["overflow_to_sample_mapping"] == list(b["overflow_to_sample_mapping"])
    assert ours(SAMPLES, truncation=True, max_length=16)["input_ids"] == list(theirs(SAMPLES, truncation=True, max_length=16)["input_ids"])
    with pytest.raises(ValueError, match="pads its batches itself"):
        ours(SAMPLES, padding=True)


def test_a_tiny_model_made_here_scores_asload_with_transformers(tmp_path, save_tiny_model):
    folder = save_tiny_model(tmp_path, TEXTS)
    plain, reference = _classifiers(folder, batch_size=3, max_length=32, stride=8)
    assert isinstance(plain.model, plain_bert.PlainBert) and not isinstance(reference.model, plain_bert.PlainBert)
    assert (plain.labels, plain.multi_label, plain.max_length) == (reference.labels, reference.multi_label, reference.max_length)
    for ours, theirs in zip(plain.predict(SAMPLES), reference.predict(SAMPLES)):
        assert ours == pytest.approx(theirs, abs=1e-5)


@pytest.mark.parametrize("change", [{"hidden_act": "relu"}, {"position_embedding_type": "relative_key"},
                                    {"architectures": ["BertForMaskedLM"]}, {"hidden_size": 64}])
def test_other_models_goload_with_transformers(tmp_path, save_tiny_model, change):
    folder = save_tiny_model(tmp_path, TEXTS)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    (folder / "config.json").write_text(json.dumps({**config, **change}), encoding="utf-8")
    assert plain_bert.load(folder) is None
    if "hidden_size" not in change and "architectures" not in change:
        assert not isinstance(Classifier.load(folder, max_length=32, stride=8).model, plain_bert.PlainBert)


def test_a_folder_without_a_tokenizer_file_goesload_with_transformers(tmp_path, save_tiny_model):
    folder = save_tiny_model(tmp_path, TEXTS)
    (folder / "tokenizer.json").unlink()
    assert plain_bert.load(folder) is None


@pytest.mark.parametrize("damaged, message", [("model.safetensors", "cannot be read as safetensors"),
                                              ("tokenizer.json", "cannot be read as a tokenizer")])
def test_damaged_files_say_which_and_what_to_do(tmp_path, damaged, message):
    saved = tmp_path / "saved"
    shutil.copytree(EMBEDDED_DIR, saved)
    (saved / damaged).write_bytes(b"\x00not what it should be")
    with pytest.raises(ModelLoadError, match=f"{damaged} {message}.*copy the model folder again"):
        Classifier.load(saved)


def test_loading_the_embedded_model_imports_no_transformers():
    code = ("import sys; from tocsin.models.classifier import Classifier, EMBEDDED_DIR; "
            "clf = Classifier.load(EMBEDDED_DIR); clf.predict(['Надо выгнать узбеков']); "
            "print('transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    assert out.stdout.strip() == "False"
