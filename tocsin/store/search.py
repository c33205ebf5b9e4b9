"""Full-text search over item titles and texts that accepts any string a user types."""

from __future__ import annotations

import re
from itertools import islice
from typing import Any, Collection

import sqlite_utils

#: Word characters as FTS5's unicode61 tokenizer sees them (letters, digits, marks).
_TOKEN = re.compile(r"[\w\u0300-\u036f]+", re.UNICODE)


def fts_query(user_query: str, max_terms: int = 32) -> str:
    """Turn free text into a safe FTS5 query: each word quoted, all words required.

    Operators, quotes, brackets and column filters typed by the user are treated as plain text, so no
    input can raise a syntax error. Returns ``""`` when nothing searchable is left.
    """
    terms = _TOKEN.findall(user_query.replace("\x00", " "))[:max_terms]
    return " ".join('"' + t.replace('"', '""') + '"' for t in terms)


def search_item_ids(db: sqlite_utils.Database, user_query: str, limit: int = 1000) -> list[str]:
    """Ids of items whose title or text match every word of ``user_query``, best first."""
    query = fts_query(user_query)
    if not query:
        return []
    sql = """SELECT items.id FROM items_fts JOIN items ON items.seq = items_fts.rowid
             WHERE items_fts MATCH ? ORDER BY rank LIMIT ?"""
    return [row[0] for row in db.execute(sql, [query, limit])]


def search_items(db: sqlite_utils.Database, user_query: str, limit: int = 100) -> list[dict[str, Any]]:
    """Matching items (id, source, title, url, snippet), best first."""
    query = fts_query(user_query)
    if not query:
        return []
    sql = """SELECT items.id, items.source, items.title, items.url,
                    snippet(items_fts, 1, '[', ']', '…', 12) AS snippet
             FROM items_fts JOIN items ON items.seq = items_fts.rowid
             WHERE items_fts MATCH ? ORDER BY rank LIMIT ?"""
    return list(db.query(sql, [query, limit]))


def phrase_elsewhere(db: sqlite_utils.Database, phrase: str, exclude: Collection[str]) -> bool:
    """Whether an item not in ``exclude`` holds ``phrase`` in its title or text (case-folded): found through the
    index as a phrase of words, then checked in the text itself. Pass a set when ``exclude`` is large (a retention
    run excludes every item it purges)."""
    terms = _TOKEN.findall(phrase)
    if not terms:
        return False
    query = '"' + " ".join(t.replace('"', '""') for t in terms) + '"'
    folded = phrase.casefold()
    excluded = exclude if isinstance(exclude, (set, frozenset)) else set(exclude)
    rows = db.execute("""SELECT items.id, items.title, items.text FROM items_fts JOIN items ON items.seq = items_fts.rowid
                         WHERE items_fts MATCH ?""", [query])
    others = ((title, text) for item_id, title, text in rows if item_id not in excluded)
    return any(folded in (title or "").casefold() or folded in (text or "").casefold()
               for title, text in islice(others, 50))
