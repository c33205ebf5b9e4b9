"""A purged comment that the kept page writes with markup or character entities inside its sentences is masked as
a reader sees it, so the escalated article keeps its page (evidence) instead of losing it."""

from __future__ import annotations

import html
import re
import zlib

from test_export_support import add_item, add_reviews
from test_retention_snapshots import ARTICLE, ARTICLE_TEXT, LATER
from tocsin.config import Settings
from tocsin.export.erasure import MASK, markup_readings
from tocsin.export.page_masking import mask_as_read
from tocsin.export.retention import purge_expired
from tocsin.store import connect, item_versions

PURGED_TEXT = "Я там был, дрались из-за контейнера, национальность тут ни при чём."
KEPT_TEXT = "Все на площадь у Жайма-базара в 18:00! Их лавки закрыть."


def test_words_split_by_tags_are_masked_and_the_tags_stay():
    page = "<p>They must <b>leave</b> the&nbsp;town now</p>"
    masked = mask_as_read(page, re.compile(r"must\s+leave\s+the\s+town"), "#")
    # "must " and "leave" and " the", "&nbsp;" and "town": every character read, the space after "must" too
    assert masked == "<p>They #####<b>#####</b>" + "#" * len(" the&nbsp;town") + " now</p>"
    assert len(masked) == len(page)


def test_an_entity_is_masked_whole_and_a_page_without_a_match_is_unchanged():
    page = "caf&eacute; &#1054;&#1096;"
    assert mask_as_read(page, re.compile("Ош"), "#") == "caf&eacute; " + "#" * len("&#1054;&#1096;")
    assert mask_as_read(page, re.compile("Бишкек"), "#") is page


def page_with(comment_html: str) -> bytes:
    return (f'<html><head><meta charset="utf-8"><title>Драка</title></head><body><article><p>{ARTICLE_TEXT}</p>'
            f'</article><div class="comment">{comment_html}</div><div class="comment"><p>{KEPT_TEXT}</p></div>'
            f'</body></html>').encode()


def purge_with_page(db_path, comment_html: str) -> str:
    """Plant an escalated article whose page holds ``comment_html`` and an old unflagged comment of that text,
    purge, and return the article's page as kept."""
    db = connect(db_path)
    article = add_item(db, url=ARTICLE, title="Драка", text=ARTICLE_TEXT, lang="ru", score=0.1, raw=page_with(comment_html))
    add_reviews(db, article, [("rita", "escalate")])
    add_item(db, url=f"{ARTICLE}?replytocom=1", text=PURGED_TEXT, author="Бекзат", lang="ru", score=0.1)
    assert purge_expired(db, Settings(), now=LATER, trust_clock=True) == 1
    (version,) = item_versions(db, article)
    assert version["snapshot_sha256"], "the article keeps its page"
    body = db.execute("SELECT body FROM snapshots WHERE sha256 = ?", [version["snapshot_sha256"]]).fetchone()[0]
    db.close()
    return zlib.decompress(body).decode()


def test_a_purged_comment_split_by_markup_is_masked_not_the_page_dropped(db_path):
    split = PURGED_TEXT.replace("дрались", "<b>дрались</b>").replace("ни при чём", "<i>ни при</i> чём")
    page = purge_with_page(db_path, f"<p>{split}</p>")
    assert all(PURGED_TEXT not in reading for reading in markup_readings(page))
    assert "<b>" in page and MASK in page
    assert ARTICLE_TEXT in page and KEPT_TEXT in page, "the kept evidence stays"


def test_a_purged_comment_written_with_entities_is_masked(db_path):
    written = html.escape(PURGED_TEXT).replace(" ", "&nbsp;", 2).replace("ч", "&#1095;")
    page = purge_with_page(db_path, f"<p>{written}</p>")
    assert all(PURGED_TEXT not in reading.replace("\xa0", " ") for reading in markup_readings(page))
    assert ARTICLE_TEXT in page and KEPT_TEXT in page


def test_needles_with_a_pages_names_find_them_too_and_leave_the_batchs_needles_as_they_were():
    from tocsin.export.erasure import Needles

    batch = Needles(["Я там был, дрались из-за контейнера"], [])
    page = batch.narrowed(["Бекзат"])
    assert page.found_in("автор: Бекзат") and not batch.found_in("автор: Бекзат")
    assert page.found_in("я там  был, дрались из-за контейнера") and batch.found_in("Я там был, дрались из-за контейнера")
    assert not batch.narrowed([]).found_in("автор: Бекзат") and page.narrowed([]).found_in("автор: Бекзат")
