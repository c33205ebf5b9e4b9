"""A retention run scrubs each kept page once, whatever the number of batches, and pages stored during the run too."""

from __future__ import annotations

import html
import re
import zlib
from collections import Counter
from datetime import datetime, timedelta, timezone
from functools import partial

import pytest

from test_export_support import add_item
from tocsin.config import Settings
from tocsin.export.retention import purge_expired
from tocsin.store import connect, get_item
from tocsin.store import erasure as store

LATER = datetime.now(timezone.utc) + timedelta(days=400)
FORUM = "https://forum.example.kg/thread"
COMMENTS = 24
ARTICLES = 3
#: Comments per batch: the purge of the 24 comments runs in 6 batches.
BATCH = 4
WORDS = ("базар", "Ош", "соседи", "цены", "слух", "граница", "школа", "урожай", "дорога", "вода", "махалля", "хлеб")


def comment_text(n: int) -> str:
    """A distinct fictional comment."""
    return f"Комментарий {n}: " + " ".join(WORDS[(n * 7 + k) % len(WORDS)] for k in range(9)) + f" номер {n * 13}."


def author(n: int) -> str:
    return f"Посетитель {n}-й"


def thread_page(marker: str, quoted: list[int]) -> bytes:
    """A page holding the comments ``quoted`` under their bylines, one split by markup, one with an entity."""
    def body(n: int) -> str:
        text = html.escape(comment_text(n))
        if n % 3 == 0:
            text = text.replace(": ", ": <b>", 1).replace(" номер", "</b> номер", 1)
        return text.replace(" ", "&nbsp;", 1) if n % 3 == 1 else text
    comments = "".join(f'<div class="comment"><span class="author">{author(n)}</span><p>{body(n)}</p></div>'
                       for n in quoted)
    return (f'<html><head><meta charset="utf-8"><title>{marker}</title></head><body>'
            f'<article><p>Страница {marker}, которую форум показывает целиком.</p></article>'
            f"<section>{comments}</section></body></html>").encode("utf-8")


def plant(db) -> dict[str, str]:
    """Flagged articles keeping pages that quote every comment, and the unflagged comments, each with its own page
    quoting its neighbours."""
    ids = {}
    for a in range(ARTICLES):
        ids[f"article-{a}"] = add_item(db, url=f"{FORUM}/article-{a}", title=f"Статья номер {a} о базаре",
                                       text=f"Флагованная статья {a} о драке на базаре.", score=0.9,
                                       raw=thread_page(f"article-{a}", list(range(COMMENTS))))
    for n in range(COMMENTS):
        ids[n] = add_item(db, url=f"{FORUM}?comment={n}", text=comment_text(n), author=author(n), score=0.1,
                          raw=thread_page(f"comment-{n}", [n, (n + 1) % COMMENTS, (n + 2) % COMMENTS]))
    return ids


def as_read(raw: bytes) -> str:
    """A page's text as a reader sees it: without tags, entities read, whitespace squeezed."""
    return " ".join(html.unescape(re.sub(r"<[^<>]*>", " ", raw.decode("utf-8"))).split())


def pages(db) -> dict[str, str]:
    """Every stored page as read, by the marker in its title."""
    out = {}
    for (body,) in db.execute("SELECT body FROM snapshots"):
        raw = zlib.decompress(body)
        out[re.search(rb"<title>([^<]*)</title>", raw).group(1).decode()] = as_read(raw)
    return out


def purged_words_left(db, ids) -> list[str]:
    """The purged comments' texts and authors still in some stored page (only comments whose item is purged)."""
    purged = [n for n in range(COMMENTS) if get_item(db, ids[n])["text"] == ""]
    return [f"{marker}: {needle}" for marker, text in pages(db).items() for n in purged
            for needle in (comment_text(n), author(n)) if needle in text]


def batched(monkeypatch, batch: int = BATCH) -> None:
    monkeypatch.setattr(store, "purge_raw_content", partial(store.purge_raw_content, batch=batch))


def test_no_kept_page_keeps_a_purged_comment_as_read(db_path, monkeypatch):
    batched(monkeypatch)
    db = connect(db_path)
    ids = plant(db)

    assert purge_expired(db, Settings(), now=LATER, trust_clock=True) == COMMENTS

    kept = pages(db)
    assert sorted(kept) == [f"article-{a}" for a in range(ARTICLES)], "the comments' own pages are gone"
    assert purged_words_left(db, ids) == []
    for a in range(ARTICLES):
        assert f"Страница article-{a}, которую форум показывает целиком." in kept[f"article-{a}"], "the rest stays"
    db.close()


def count_reads(monkeypatch) -> Counter:
    """Count the reads of each stored page (by its title's marker) made through ``read_stored_snapshot``."""
    reads: Counter = Counter()
    read = store.read_stored_snapshot

    def counting(db, sha):
        stored = read(db, sha)
        if stored is not None:
            reads[re.search(rb"<title>([^<]*)</title>", zlib.decompress(stored[1])).group(1).decode()] += 1
        return stored

    monkeypatch.setattr(store, "read_stored_snapshot", counting)
    return reads


@pytest.mark.parametrize("batch", [BATCH, 1000])
def test_each_page_is_read_once_whatever_the_batches(tmp_path, monkeypatch, batch):
    batched(monkeypatch, batch)
    reads = count_reads(monkeypatch)
    db = connect(tmp_path / f"batch-{batch}.db")
    plant(db)

    assert purge_expired(db, Settings(), now=LATER, trust_clock=True) == COMMENTS

    assert {reads[f"article-{a}"] for a in range(ARTICLES)} == {1}, "each kept page is read once"
    assert max(reads.values()) == 1 and sum(reads.values()) <= ARTICLES + COMMENTS, dict(reads)
    db.close()


def test_a_page_stored_during_the_run_is_scrubbed_too(db_path, monkeypatch):
    db = connect(db_path)
    ids = plant(db)
    purge = partial(store.purge_raw_content, batch=BATCH)

    def crawl_then_purge(*args, **kwargs):
        """A crawl stores a flagged page quoting every comment after the pages were scrubbed, before the purge."""
        ids["late"] = add_item(db, url=f"{FORUM}/late", text="Поздняя флагованная статья о базаре.", score=0.9,
                               raw=thread_page("late", list(range(COMMENTS))))
        return purge(*args, **kwargs)

    monkeypatch.setattr(store, "purge_raw_content", crawl_then_purge)
    assert purge_expired(db, Settings(), now=LATER, trust_clock=True) == COMMENTS

    assert "late" in pages(db), "the late page is kept (its item is flagged), masked"
    assert purged_words_left(db, ids) == []
    db.close()


def test_a_run_killed_midway_leaves_no_purged_words_and_the_next_run_finishes(db_path, monkeypatch):
    db = connect(db_path)
    ids = plant(db)
    purge = store.purge_raw_content

    def killed_in_third_batch(db, cutoff, batch=1000, scrub_shared=None):
        calls = []

        def scrub_then_die(content):
            calls.append(content)
            if len(calls) == 3:
                raise KeyboardInterrupt("killed")
            scrub_shared(content)
        return purge(db, cutoff, batch=BATCH, scrub_shared=scrub_then_die)

    monkeypatch.setattr(store, "purge_raw_content", killed_in_third_batch)
    with pytest.raises(KeyboardInterrupt):
        purge_expired(db, Settings(), now=LATER, trust_clock=True)
    purged = [n for n in range(COMMENTS) if get_item(db, ids[n])["text"] == ""]
    assert len(purged) == 2 * BATCH, "two batches were committed, the third rolled back"
    assert purged_words_left(db, ids) == []

    monkeypatch.setattr(store, "purge_raw_content", purge)
    assert purge_expired(db, Settings(), now=LATER, trust_clock=True) == COMMENTS - 2 * BATCH
    assert all(get_item(db, ids[n])["text"] == "" for n in range(COMMENTS))
    assert purged_words_left(db, ids) == []
    db.close()
