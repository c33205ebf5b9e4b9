"""Shared fixtures: a fresh migrated store in memory, a database path, the CLI runner."""

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


@pytest.fixture
def runner():
    """Click's runner, with stderr kept apart from stdout."""
    return CliRunner()
