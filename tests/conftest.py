"""Shared fixtures: a fresh migrated store in memory, a database path, the CLI runner, the shipped analyser."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from tocsin.store import connect
from tocsin.store.sources import ensure_source


@pytest.fixture
def fresh_db():
    """An in-memory store with every migration applied and one source, ``test``."""
    db = connect(":memory:")
    ensure_source(db, "test")
    yield db
    db.close()


@pytest.fixture
def db_path(tmp_path):
    """A path for an on-disk store (not created)."""
    return tmp_path / "tocsin.db"


@pytest.fixture(scope="session")
def analyser():
    """The rules alone (bundled lexicons, every language), built once for all the tests that read features."""
    from tocsin.nlp import TextAnalyser

    return TextAnalyser()


@pytest.fixture(scope="session")
def shipped_analyser():
    """The shipped model and the bundled lexicons on one thread, built once for every test of the whole decision."""
    from tocsin.analyse import Analyser
    from tocsin.config import Settings

    settings = Settings()
    settings.model.threads = 1
    return Analyser(settings)


@pytest.fixture(scope="session")
def decide_texts(shipped_analyser):
    """A function: texts (and optional language hints) -> {text: (features, analysis)} through the rules and the
    shipped classifier."""
    def decide(texts, hints=None):
        feats = shipped_analyser.features(texts, hints)
        analyses = shipped_analyser.decide_all(feats, shipped_analyser.probabilities(texts, feats))
        return {t: (f, a) for t, f, a in zip(texts, feats, analyses)}

    return decide


@pytest.fixture
def runner():
    """Click's runner, with stderr kept apart from stdout."""
    return CliRunner()


@pytest.fixture(scope="session")
def save_tiny_model():
    """A function writing a tiny one-layer, 32-wide BERT with tocsin's labels, a tokenizer trained on ``texts``
    and its ``tocsin_model.json`` (name 'tiny', version 't1') into ``folder``; returns the folder."""
    def save(folder, texts):
        import json

        import torch

        from tocsin.models.train import ModelArguments, build_scratch_model, train_tokenizer

        torch.manual_seed(0)
        tokenizer = train_tokenizer(texts, vocab_size=200, max_length=64)
        model = build_scratch_model(ModelArguments(hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64,
                                                   max_position=64), len(tokenizer), tokenizer.pad_token_id)
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
        (folder / "tocsin_model.json").write_text(json.dumps({"name": "tiny", "version": "t1"}), encoding="utf-8")
        return folder

    return save
