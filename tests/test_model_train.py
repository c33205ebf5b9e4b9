"""Training: user files and review decisions become labels; the fine-tune path works on a tiny model made here."""

from __future__ import annotations

import itertools
import json
import re
import time

import pytest

from tocsin.models.classifier import LABELS, Classifier
from tocsin.models.labelled_files import TrainingDataError, read_labelled_file
from tocsin.models.lexical import LEXICAL_FILE
from tocsin.models.train import (
    LEXICAL_WEIGHT_PRETRAINED, DataArguments, ModelArguments, TrainingArguments, review_rows, train, train_tokenizer,
    user_rows,
)
from tocsin.store import ItemRecord, connect, transaction, upsert_item


def test_csv_and_jsonl_files_become_rows_with_masked_unknown_hallmarks(tmp_path):
    csv_path = tmp_path / "l.csv"
    csv_path.write_text("text,incitement,hallmarks\nВыгнать их всех,1,call_to_expulsion\nДобрый день,0,\nБейте их,yes,\n",
                        encoding="utf-8")
    rows = read_labelled_file(csv_path)
    assert [r.labels[0] for r in rows] == [1.0, 0.0, 1.0]
    assert rows[0].labels[LABELS.index("call_to_expulsion")] == 1.0 and all(rows[0].mask)
    assert all(rows[1].mask)                      # a negative has no hallmarks: all known
    assert rows[2].mask[1:] == [0.0] * (len(LABELS) - 1)   # hateful, hallmarks not given: masked
    jsonl = tmp_path / "l.jsonl"
    jsonl.write_text(json.dumps({"text": "x", "incitement": True, "hallmarks": ["dehumanization"]}) + "\n\n", encoding="utf-8")
    assert read_labelled_file(jsonl)[0].labels[LABELS.index("dehumanization")] == 1.0


@pytest.mark.parametrize("content,message", [
    ("{bad json\n", r"l\.jsonl:1: not valid JSON"),
    ('{"text": "x"}\n', r"l\.jsonl:1: no 'incitement' label; give every record incitement 0 or 1"),
    ('{"text": "x", "incitement": 2}\n', r"l\.jsonl:1: 'incitement' must be 0/1, true/false or yes/no, got 2"),
    ('{"incitement": 1}\n', r"l\.jsonl:1: no 'text'"),
    ('{"text": "x", "incitement": 1, "hallmarks": ["rudeness"]}\n', r"unknown hallmark"),
])
def test_bad_training_files_name_the_line_and_the_fix(tmp_path, content, message):
    path = tmp_path / "l.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TrainingDataError, match=message):
        read_labelled_file(path)


def test_a_spreadsheets_byte_order_mark_is_read_and_another_encoding_names_the_line(tmp_path):
    excel = tmp_path / "excel.csv"
    excel.write_bytes("\ufefftext,incitement\r\nВыгнать их всех,1\r\nДобрый день,0\r\n".encode("utf-8"))
    assert [(r.text, r.labels[0]) for r in read_labelled_file(excel)] == [("Выгнать их всех", 1.0), ("Добрый день", 0.0)]
    legacy = tmp_path / "legacy.csv"
    legacy.write_bytes("text,incitement\nДобрый день,0\n".encode("cp1251"))
    with pytest.raises(TrainingDataError, match=r"legacy\.csv:2: not valid UTF-8 \(byte 0xc4\); save the file as UTF-8"):
        read_labelled_file(legacy)
    mixed = tmp_path / "mixed.csv"      # a spreadsheet's mark, then a row pasted from a Windows-1251 file
    mixed.write_bytes("\ufefftext,incitement\r\n".encode("utf-8") + "Добрый день,0\r\n".encode("cp1251"))
    with pytest.raises(TrainingDataError, match=r"mixed\.csv:2: not valid UTF-8 \(byte 0xc4\)"):
        read_labelled_file(mixed)


def store_with_reviews(db_path, texts: list[str], decisions: list[tuple[int, str]]) -> str:
    """A store holding ``texts`` as items and ``decisions`` as (index of the text, decision) reviews, in order."""
    from tocsin.store.sources import ensure_source

    db = connect(db_path)
    ensure_source(db, "test")
    for i, text in enumerate(texts):
        upsert_item(db, ItemRecord(source="test", url=f"https://e.org/{i}", text=text))
    ids = [r[0] for r in db.execute("SELECT id FROM items ORDER BY seq")]
    with transaction(db):
        for index, decision in decisions:
            db.execute("INSERT INTO reviews (item_id, reviewer, decision, at) VALUES (?, 'r', ?, '2026-01-01')", [ids[index], decision])
    db.close()
    return str(db_path)


def test_review_decisions_are_labels_latest_wins(tmp_path):
    database = store_with_reviews(tmp_path / "t.db", ["Надо выгнать их", "Хороший день", "Спорный текст"],
                                  [(0, "not_incitement"), (0, "incitement"), (1, "not_incitement"), (2, "unsure")])
    rows = review_rows(database, weight=3.0)
    assert sorted((r.text, r.labels[0]) for r in rows) == [("Надо выгнать их", 1.0), ("Хороший день", 0.0)]
    assert all(r.weight == 3.0 for r in rows)


def test_reviewed_texts_are_redacted_before_training(tmp_path):
    """The tokenizer and the model ship: a handle, phone number or blog address must not reach their vocabulary."""
    database = store_with_reviews(tmp_path / "t.db", ["Пишите @zqx_poster или +996 555 987 654, zqx-blog.livejournal.com"],
                                  [(0, "incitement")])
    assert [r.text for r in review_rows(database, weight=3.0)] == ["Пишите [handle] или [phone], [profile]"]


def test_texts_of_the_users_labelled_files_are_redacted_before_training(tmp_path):
    """Like reviewed texts: a handle, e-mail address or phone number in --extra-files must not reach the vocabulary."""
    extra = tmp_path / "l.jsonl"
    extra.write_text(json.dumps({"text": "Пишите @zqx_poster, zqx@mail.kg или +996 555 987 654", "incitement": 1},
                                ensure_ascii=False) + "\n", encoding="utf-8")
    rows = user_rows(DataArguments(extra_files=[str(extra)]))
    assert [r.text for r in rows] == ["Пишите [handle], [email] или [phone]"]


@pytest.fixture
def base_model(tmp_path):
    """A tiny pretrained-style model folder with its own head (3 labels) and tokenizer."""
    from transformers import BertConfig, BertForSequenceClassification

    base = tmp_path / "base"
    tokenizer = train_tokenizer(["узбеков надо выгнать", "hello world", "qirg'izlar", "кыргыздар"] * 10, 300, 64)
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=64, num_labels=3)
    BertForSequenceClassification(config).save_pretrained(base)
    tokenizer.save_pretrained(base)
    return base


@pytest.mark.slow
def test_fine_tuning_a_pretrained_model_from_a_folder(tmp_path, base_model, monkeypatch):
    """The path a user takes with e.g. a local XLM-R: its head is replaced by one for our labels."""
    extra = tmp_path / "mine.jsonl"
    extra.write_text(json.dumps({"text": "Гоните их всех", "incitement": 1}, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    metrics = train(DataArguments(per_template=2, extra_files=[str(extra)]), ModelArguments(base_model=str(base_model)),
                    TrainingArguments(output_dir=str(out), epochs=1, batch_size=16, max_length=48))
    assert metrics["name"] == "base-tocsin" and metrics["rows"]["train"] > 0
    assert metrics["stopped_by"] == "epochs" and metrics["epochs_run"] == 1
    assert {"macro_f1", "per_language", "bias", "evasion"} <= set(metrics["test"])
    saved = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert saved["version"] == metrics["version"]
    for name in ("tokenizer.json", "tokenizer_config.json"):   # as the base has them, with no keys of the loading
        assert (out / name).read_bytes() == (base_model / name).read_bytes()
    clf = Classifier.load(out, max_length=48, stride=8)
    assert clf.labels == list(LABELS) and clf.name == "base-tocsin" and clf.version == metrics["version"]
    assert len(clf.predict(["Гоните их всех"])[0]) == len(LABELS)
    assert clf.lexical is not None and clf.lexical.weight == LEXICAL_WEIGHT_PRETRAINED   # the n-gram companion
    # Seeded: the same data, base and seed give the same weights, however slow the machine, since by default
    # no time budget cuts the run short (here each look at the clock finds an hour gone).
    again = tmp_path / "again"
    hours = itertools.count(time.perf_counter(), 3600)
    monkeypatch.setattr(time, "perf_counter", lambda: next(hours))
    slow = train(DataArguments(per_template=2, extra_files=[str(extra)]), ModelArguments(base_model=str(base_model)),
                 TrainingArguments(output_dir=str(again), epochs=1, batch_size=16, max_length=48))
    monkeypatch.undo()
    assert slow["stopped_by"] == "epochs" and slow["train_seconds"] > 3600
    for weights in ("model.safetensors", LEXICAL_FILE):
        assert (out / weights).read_bytes() == (again / weights).read_bytes()
    # Without the companion the folder has none, and the classifier reads the transformer alone.
    bare = tmp_path / "bare"
    # With a budget spent by the first batch, that batch ends training, and the metrics say why.
    cut = train(DataArguments(per_template=2), ModelArguments(base_model=str(base_model), lexical_weight=0.0),
                TrainingArguments(output_dir=str(bare), epochs=2, batch_size=16, max_length=48, max_minutes=1e-9))
    assert cut["stopped_by"] == "time budget" and cut["epochs_run"] == 1
    assert not (bare / LEXICAL_FILE).exists() and Classifier.load(bare, max_length=48, stride=8).lexical is None


def test_the_training_device_is_the_gpu_when_there_is_one_and_a_missing_gpu_is_a_clear_error():
    import torch

    from tocsin.models.train import TrainingError, training_device

    assert training_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    assert training_device("cpu").type == "cpu"
    with pytest.raises(TrainingError, match="unknown --device 'gpu please'.*cpu, cuda"):
        training_device("gpu please")
    if not torch.cuda.is_available():
        with pytest.raises(TrainingError, match="torch sees none; use --device cpu"):
            training_device("cuda:0")


@pytest.fixture
def no_data(monkeypatch):
    """Reading the corpus fails the test: what is checked must be checked before any data is read."""
    import tocsin.models.train as training

    def read(data, extra=None):
        raise AssertionError("the corpus was read before the arguments were checked")

    monkeypatch.setattr(training, "collect_rows", read)


def test_tocsin_train_names_a_bad_device_before_it_reads_any_data(runner, tmp_path, no_data):
    from tocsin.cli import main

    result = runner.invoke(main, ["train", "--device", "quantum", "--output-dir", str(tmp_path / "out")])
    assert result.exit_code != 0 and "unknown --device 'quantum'" in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("option, value, message", [
    ("--batch-size", "0", "--batch-size must be at least 1, got 0"),
    ("--epochs", "-2", "--epochs must be at least 1, got -2"),
    ("--max-minutes", "-5", "--max-minutes must be at least 0, got -5.0"),
    ("--learning-rate", "nan", "--learning-rate must be at least 0, got nan"),
    ("--token-dropout", "1", "--token-dropout must be a share from 0 up to (not including) 1, got 1.0"),
    ("--review-weight", "0", "--review-weight must be more than 0, got 0.0"),
    ("--lexical-weight", "1.5", "--lexical-weight must be from 0 to 1, or -1 for the default, got 1.5"),
    ("--num-heads", "3", "--hidden-size (128) must be a multiple of --num-heads (3)"),
])
def test_tocsin_train_names_an_argument_out_of_range_before_it_reads_any_data(runner, tmp_path, no_data,
                                                                              option, value, message):
    from tocsin.cli import main

    result = runner.invoke(main, ["train", option, value, "--output-dir", str(tmp_path / "out")])
    assert result.exit_code != 0 and message in result.output and "tocsin train --help" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


def test_every_argument_out_of_range_is_named_at_once_and_the_defaults_are_in_range():
    from tocsin.models.train import argument_problems

    assert argument_problems(DataArguments(), ModelArguments(), TrainingArguments()) == []
    assert argument_problems(DataArguments(per_template=0), ModelArguments(lexical_c=-1),
                             TrainingArguments(patience=0)) == [
        "--per-template must be at least 1, got 0", "--patience must be at least 1, got 0",
        "--lexical-c must be more than 0, got -1"]


def test_tocsin_train_names_a_missing_store_before_it_reads_any_data(runner, tmp_path, no_data):
    from tocsin.cli import main

    result = runner.invoke(main, ["train", "--database", str(tmp_path / "none.db"), "--output-dir", str(tmp_path / "out")])
    assert result.exit_code == 1 and f"--database: no database at {tmp_path / 'none.db'}" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


def test_tocsin_train_refuses_a_bad_labelled_file_before_it_reads_any_data(runner, tmp_path, no_data):
    from tocsin.cli import main

    header_only = tmp_path / "mine.csv"
    header_only.write_text("text,incitement\n", encoding="utf-8")
    result = runner.invoke(main, ["train", "--extra-files", str(header_only), "--output-dir", str(tmp_path / "out")])
    assert result.exit_code != 0 and f"{header_only}: a header but no records below it" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


def test_a_bad_labelled_file_is_refused_before_torch_is_loaded(tmp_path):
    """Loading torch and building the corpus take half a minute: a bad file must not wait for them."""
    import subprocess
    import sys

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": ["a", "b"], "incitement": 1}\n', encoding="utf-8")
    script = ("import sys\nfrom tocsin.models.train import *\n"
              f"try:\n    train(DataArguments(extra_files=[{str(bad)!r}]), ModelArguments(),"
              f" TrainingArguments(output_dir={str(tmp_path / 'out')!r}))\n"
              "except TrainingError as e:\n    print(e)\nprint('torch loaded' if 'torch' in sys.modules else 'no torch')\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.stdout.splitlines() == [f"{bad}:1: 'text' must be a string, got an array; write the text as one JSON "
                                        "string", "no torch"], done.stderr


@pytest.mark.parametrize("a_file, output_dir, message", [
    ("out", "out", r"--output-dir \S+/out is a file; give a folder \(it is made when missing\)"),
    ("plain", "plain/out", r"--output-dir \S+/plain/out cannot be made: \S+/plain is a file; give a folder"),
])
def test_an_output_dir_that_cannot_be_a_folder_is_named_before_training(runner, tmp_path, no_data, a_file, output_dir,
                                                                        message):
    from tocsin.cli import main

    (tmp_path / a_file).write_text("not a folder", encoding="utf-8")
    result = runner.invoke(main, ["train", "--output-dir", str(tmp_path / output_dir)])
    assert result.exit_code != 0 and re.search(message, result.output) and "Traceback" not in result.output


def test_an_output_dir_is_checked_for_writing_without_being_made(tmp_path, monkeypatch):
    import tempfile

    from tocsin.models.train import TrainingError, check_output_dir

    check_output_dir(tmp_path / "new" / "model")
    assert not (tmp_path / "new").exists()

    def refuse(**kw):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    with pytest.raises(TrainingError, match=rf"--output-dir {tmp_path}/model: cannot write in {tmp_path} "
                                            r"\(Permission denied\); give a folder you can write to"):
        check_output_dir(tmp_path / "model")


def test_a_review_keeps_the_language_the_store_gives_it():
    from tocsin.models.train import review_row

    row = review_row({"item_id": "i1", "text": "Merhaba", "incitement": 0, "lang": "tr"}, 3.0)
    assert row.meta == {"lang": "tr", "category": "review"} and row.weight == 3.0


@pytest.mark.slow
def test_refitting_the_companion_keeps_the_transformer_and_learns_the_new_rows(tmp_path, base_model):
    """`--refit-companion`: the transformer, tokenizer, name and companion share stay; the companion learns the new
    labelled rows; the new version is tied to the one it came from."""
    first, second = tmp_path / "first", tmp_path / "second"
    trained = train(DataArguments(per_template=2), ModelArguments(base_model=str(base_model)),
                    TrainingArguments(output_dir=str(first), epochs=1, batch_size=16, max_length=48))
    text = "Жёлтые чемоданы пусть катятся за реку"
    extra = tmp_path / "mine.jsonl"
    extra.write_text("".join(json.dumps({"text": text, "incitement": 1}, ensure_ascii=False) + "\n"
                             for _ in range(30)), encoding="utf-8")
    refit = train(DataArguments(per_template=2, extra_files=[str(extra)]), ModelArguments(base_model=str(first)),
                  TrainingArguments(output_dir=str(second), refit_companion=True, max_length=48))
    assert refit["stopped_by"] == "companion refit" and refit["epochs_run"] == 0
    assert refit["refit_of"] == trained["version"] != refit["version"] and refit["name"] == trained["name"]
    assert refit["transformer"]["history"] == trained["history"]
    assert (second / "model.safetensors").read_bytes() == (first / "model.safetensors").read_bytes()
    assert (second / LEXICAL_FILE).read_bytes() != (first / LEXICAL_FILE).read_bytes()
    for name in ("tokenizer.json", "tokenizer_config.json"):
        assert (second / name).read_bytes() == (first / name).read_bytes()
    before, after = (Classifier.load(folder, max_length=48, stride=8) for folder in (first, second))
    assert after.version == refit["version"]
    assert after.lexical.weight == before.lexical.weight == LEXICAL_WEIGHT_PRETRAINED
    assert after.lexical.logits([text])[0] > before.lexical.logits([text])[0] + 1.0
    # Trained on from a model tocsin made: the metrics name that version and how its transformer was trained.
    onward = train(DataArguments(per_template=2), ModelArguments(base_model=str(second)),
                   TrainingArguments(output_dir=str(tmp_path / "onward"), epochs=1, batch_size=16, max_length=48))
    assert onward["trained_from"]["version"] == refit["version"]
    assert onward["trained_from"]["transformer"]["history"] == trained["history"]
    assert "trained_from" not in trained   # the base fixture is no folder of tocsin's


def test_refitting_the_companion_of_a_folder_tocsin_did_not_make_names_the_fix(tmp_path, base_model):
    from tocsin.models.train import TrainingError

    with pytest.raises(TrainingError, match=r"--refit-companion needs a model folder made by tocsin train.*base has"):
        train(DataArguments(per_template=2), ModelArguments(base_model=str(base_model)),
              TrainingArguments(output_dir=str(tmp_path / "out"), refit_companion=True))
