"""Retention purges old unflagged comments from the page snapshot their flagged article keeps too."""

from __future__ import annotations

import zlib
from datetime import datetime, timedelta, timezone

import pytest

from test_export_support import add_item, add_reviews
from tocsin.config import Settings
from tocsin.export.retention import purge_expired
from tocsin.store import connect, get_item, item_versions

LATER = datetime.now(timezone.utc) + timedelta(days=400)
ARTICLE = "https://news.example.kg/jayma-bazaar-fight.html"
ARTICLE_TEXT = "Вечером во вторник на Жайма-базаре произошла драка между двумя группами торговцев."
#: (comment number, author, text, flagged?)
COMMENTS = [
    (101, "Бекзат", "Я там был, дрались из-за контейнера, национальность тут ни при чём.", False),
    (102, "patriot_osh_77", "Все на площадь у Жайма-базара в 18:00! Их лавки закрыть.", True),
    (103, "Нурия", "Берегите себя, там всегда тесно и жарко в такие дни.", False),
]
#: What the purged comments leave nowhere: their texts and their authors' names.
PURGED = [s for _, author, text, flagged in COMMENTS if not flagged for s in (author, text)]


def article_page(charset: str, declared: bool = True) -> bytes:
    """The article's page, as its site serves it, with the comments below the article (its charset in a
    ``<meta>`` tag, or not: an old site's Windows-1251 page often declares none)."""
    comments = "".join(f'<div class="comment" id="comment-{n}"><span class="comment-author">{author}</span>'
                       f'<div class="comment-body"><p>{text}</p></div></div>' for n, author, text, _ in COMMENTS)
    meta = f'<meta charset="{charset}">' if declared else ""
    page = (f'<html><head>{meta}<title>Драка на Жайма-базаре</title></head><body>'
            f'<article><p>{ARTICLE_TEXT}</p></article><section class="comments">{comments}</section></body></html>')
    return page.encode(charset)


def plant(db, charset: str, declared: bool = True) -> dict[str, str]:
    """The article (with its page's snapshot) escalated by a reviewer, and its comments (no snapshot of their own),
    the second one flagged."""
    ids = {"article": add_item(db, url=ARTICLE, title="Драка на Жайма-базаре", text=ARTICLE_TEXT, lang="ru", score=0.1,
                               raw=article_page(charset, declared))}
    add_reviews(db, ids["article"], [("rita", "escalate")])
    for n, author, text, flagged in COMMENTS:
        ids[n] = add_item(db, url=f"{ARTICLE}?replytocom={n}", text=text, author=author, lang="ru",
                          score=0.9 if flagged else 0.1)
    return ids


def article_snapshot(db, article_id: str) -> bytes:
    (version,) = item_versions(db, article_id)
    assert version["snapshot_sha256"], "the escalated article keeps its page"
    body = db.execute("SELECT body FROM snapshots WHERE sha256 = ?", [version["snapshot_sha256"]]).fetchone()[0]
    return zlib.decompress(body)


@pytest.mark.parametrize("charset, declared", [("utf-8", True), ("windows-1251", True), ("windows-1251", False)])
def test_purged_comments_leave_the_page_their_escalated_article_keeps(db_path, charset, declared):
    db = connect(db_path)
    ids = plant(db, charset, declared)

    assert purge_expired(db, Settings(), now=LATER, trust_clock=True) == 2

    assert get_item(db, ids[101])["text"] == "" and get_item(db, ids[103])["text"] == ""
    page = article_snapshot(db, ids["article"]).decode(charset)
    for purged in PURGED:
        assert purged not in page, f"{purged!r} was purged from its item but is still in the article's page"
    assert ARTICLE_TEXT in page and "patriot_osh_77" in page and COMMENTS[1][2] in page, "the kept evidence stays"
    assert "<span class=\"comment-author\">" in page, "the page is masked, not dropped"
    remaining = b"".join(zlib.decompress(bytes(b)) for (b,) in db.execute("SELECT body FROM snapshots"))
    assert not any(s.encode(charset) in remaining for s in PURGED), "no copy under the old snapshot's key"
    db.close()
