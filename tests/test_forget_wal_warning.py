"""``forget`` with another process reading the store: the warning says where the erased content still is (the
database file, until its WAL is checkpointed) and what to do."""

from __future__ import annotations

import sqlite3

from test_export_support import add_item
from tocsin.store import connect


def test_a_reader_that_blocks_the_checkpoint_gets_a_warning_naming_the_database_file(runner, db_path):
    from tocsin.cli import main

    db = connect(db_path)
    add_item(db, url="https://news.example.kg/post-1", text="Короткий вымышленный пост для проверки.", author="Азамат")
    db.close()
    reader = sqlite3.connect(db_path)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM items").fetchone()   # a read transaction the checkpoint must wait for
    try:
        result = runner.invoke(main, ["--db", str(db_path), "forget", "--author", "Азамат", "--yes"])
    finally:
        reader.rollback()
        reader.close()
    assert result.exit_code == 0, result.output
    assert "erased content may remain in the database file until its WAL is checkpointed" in result.output
    assert "run 'tocsin forget' again" in result.output
