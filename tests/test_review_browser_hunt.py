"""The review page as a demanding monitor uses it, in Debian's Chromium: a store of Russian, Kyrgyz, Uzbek (Latin
and Cyrillic), Arabic-mixed and English items, a long article, scraped markup, unbroken strings and an edited item,
read on a phone, at 200 % zoom and with the keyboard alone.
"""

from __future__ import annotations

import json

import pytest

from test_review_browser import browser  # noqa: F401  (the fixture: one Chromium for these tests too)
from test_review_support import PASSWORD, add_corpus, add_flagged, add_role_users, login, served
from tocsin.config import Settings
from tocsin.review import create_app
from tocsin.store import ItemRecord, connect, transaction, upsert_item

pytestmark = pytest.mark.browser

ARTICLE_PARAGRAPH = "Вымышленная статья о рынке в Оше, о ценах и о погоде. " * 40
ARTICLE = "\n\n".join([ARTICLE_PARAGRAPH] * 25) + "\nНадо выгнать узбеков из Оша."
SCRAPED_MARKUP = ('Fictional: look <img src="http://evil.example/p.png"> and <a href="http://evil.example/x">click</a> '
                  '<iframe src="http://evil.example/f"></iframe> <link rel=stylesheet href="http://evil.example/c.css"> '
                  '<div style="background:url(http://evil.example/bg.png)"></div> <img srcset="http://evil.example/s.png 2x"> '
                  'the Uzbek families must go.')


def add_mixed_store(db) -> dict[str, str]:
    """The corpus and the items a real feed adds to it; returns their ids by name."""
    ids = dict(zip(("osh_call", "rumour", "forum", "comment", "short", "report"), add_corpus(db)))
    ids["article"] = add_flagged(db, source="osh-news", url="https://news.example/long", lang="ru", title="Длинная статья",
                                 text=ARTICLE, hallmarks=("call_to_expulsion",), targets=(("uzbek", "узбеков"),),
                                 cues=(("call_to_expulsion", "Надо выгнать"),), score=0.9)
    ids["kyrgyz"] = add_flagged(db, source="kg-forum", url="https://kg.example/1", lang="ky", title="Кыргызча пост",
                                text="Ойдон чыгарылган мисал: өзбектер Ошто бизге чыккынчылык кылып жатат.",
                                targets=(("uzbek", "өзбектер"),), score=0.77)
    ids["uzbek_cyrillic"] = add_flagged(db, source="uz-channel", url="https://uz.example/1", lang="uz-Cyrl",
                                        title="Ўзбекча пост", text="Тўқима мисол: қирғизлар Ўшда бизга хиёнат қилмоқда.",
                                        targets=(("kyrgyz", "қирғизлар"),), score=0.74)
    ids["markup"] = add_flagged(db, source="web", url="http://evil.example/post?utm=" + "x" * 300, title="<b>HTML</b> post",
                                text=SCRAPED_MARKUP, targets=(("uzbek", "Uzbek"),), score=0.8)
    ids["arabic"] = add_flagged(db, source="web", url="https://rtl.example/1", lang="ar", title="عنوان عربي mixed",
                                text="Fictional mixed: العرب in Osh said the Uzbek vendors يجب أن يرحلوا now.",
                                targets=(("uzbek", "Uzbek"),), score=0.7)
    ids["unbroken"] = add_flagged(db, source="web", url="https://long.example/" + "a" * 500, title="T" * 300,
                                  text="Fictional: " + "аааааааааа" * 60 + " https://very.example/" + "path/" * 80
                                  + " the Kyrgyz must leave.", targets=(("kyrgyz", "Kyrgyz"),), score=0.69)
    upsert_item(db, ItemRecord(source="valley-channel", url="https://t.example/s/valley/9", title="Short post",
                               text="Fictional: the Uzbek shops near Osh bazaar should burn tonight. Edited."))
    with transaction(db):
        db.execute("UPDATE items SET meta = ? WHERE id = ?",
                   [json.dumps({"forwarded_from": "someone", "images": ["http://evil.example/i.jpg"]}), ids["osh_call"]])
    return ids


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    path = tmp_path_factory.mktemp("review-hunt") / "review.db"
    db = connect(path)
    ids = add_mixed_store(db)
    add_role_users(db)
    with served(create_app(Settings(), path)) as base:
        yield base, db, ids, path
    db.close()


class Visit:
    """A logged-in page that records every request it makes and the bytes each brought back."""

    def __init__(self, browser, base: str, username: str = "rita", **context_args):
        self.base = base
        self.context = browser.new_context(**context_args)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.requested: list[str] = []
        self.transferred: dict[str, int] = {}
        self.page.on("request", lambda request: self.requested.append(request.url))
        self.page.on("requestfinished", self.count_bytes)
        self.page.goto(base + "/login")
        self.page.fill("#username", username)
        self.page.fill("#password", PASSWORD)
        with self.page.expect_navigation():
            self.page.press("#password", "Enter")

    def count_bytes(self, request) -> None:
        sizes = request.sizes()
        self.transferred[request.url] = sizes["responseHeadersSize"] + sizes["responseBodySize"]

    def open(self, path: str) -> None:
        self.page.goto(self.base + path)
        self.page.wait_for_load_state("networkidle")

    def foreign_requests(self) -> list[str]:
        return [url for url in self.requested if not url.startswith(self.base + "/")]

    def close(self) -> None:
        self.context.close()


OVERFLOWING = """() => Array.from(document.querySelectorAll('body *'))
  .filter(e => { const box = e.getBoundingClientRect(); return box.width > 0 && box.right > window.innerWidth + 1; })
  .map(e => e.tagName + '.' + e.className)"""
#: Cells taking more lines than they have words (a hyphen may end a line): their words were cut into pieces.
BROKEN_CELLS = """selector => Array.from(document.querySelectorAll(selector)).filter(cell => {
  const range = document.createRange(); range.selectNodeContents(cell);
  const lines = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top))).size;
  return lines > cell.innerText.trim().split(/[\\s-]+/).length; }).map(cell => cell.innerText)"""


@pytest.mark.parametrize("width, scale", [(360, 1), (640, 2), (1280, 1)], ids=["phone", "zoom-200", "laptop"])
def test_the_queue_fits_a_phone_and_a_zoomed_screen_with_words_whole(browser, site, width, scale):
    base, _db, _ids, _path = site
    visit = Visit(browser, base, viewport={"width": width, "height": 800}, device_scale_factor=scale)
    visit.open("/?status=all")
    page = visit.page
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate(OVERFLOWING) == []
    # severities, scores, languages, sources and groups are never cut into letters
    for selector in (".sev", "td.num", "td[data-label=lang]", "td[data-label=source]", "td[data-label=targets]"):
        assert page.evaluate(BROKEN_CELLS, selector) == [], selector
    # each excerpt shows whole lines, never a line cut through the middle
    for ratio in page.evaluate("""Array.from(document.querySelectorAll('.excerpt')).map(e =>
            e.clientHeight / parseFloat(getComputedStyle(e).lineHeight))"""):
        assert abs(ratio - round(ratio)) < 0.05
    # every row still opens with the keyboard: j moves the selection, Enter opens it
    page.keyboard.press("j")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/items/" in page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    visit.close()


@pytest.mark.parametrize("item", ["unbroken", "article", "markup", "arabic"])
def test_item_pages_fit_a_phone(browser, site, item):
    base, _db, ids, _path = site
    visit = Visit(browser, base, viewport={"width": 360, "height": 740})
    visit.open(f"/items/{ids[item]}?status=all")
    assert visit.page.evaluate("document.documentElement.scrollWidth") <= 360
    assert visit.page.evaluate(OVERFLOWING) == []
    visit.close()


def test_evidence_kinds_differ_by_more_than_colour(browser, site):
    base, _db, ids, _path = site
    visit = Visit(browser, base, viewport={"width": 1280, "height": 800})
    visit.open(f"/items/{ids['osh_call']}")
    lines = visit.page.evaluate("""Array.from(document.querySelectorAll('.legend mark')).map(m => {
        const style = getComputedStyle(m); return style.textDecorationLine + ' ' + style.textDecorationStyle; })""")
    assert len(lines) == 4 and len(set(lines)) == 4
    assert all(line.startswith("underline") for line in lines)
    visit.close()


def test_right_to_left_titles_take_their_own_direction(browser, site):
    base, _db, ids, _path = site
    visit = Visit(browser, base, viewport={"width": 1280, "height": 800})
    direction = "selector => getComputedStyle(document.querySelector(selector)).direction"
    visit.open(f"/items/{ids['arabic']}")
    assert visit.page.evaluate(direction, "h1.itemtitle span[lang=ar]") == "rtl"
    assert visit.page.evaluate(direction, "#item-text") == "ltr"   # it starts with English words
    visit.open("/?status=all&lang=ar")
    assert visit.page.evaluate(direction, "a.open[lang=ar]") == "rtl"
    visit.close()


def test_pages_are_light_and_load_nothing_from_elsewhere(browser, site):
    base, _db, ids, _path = site
    visit = Visit(browser, base, viewport={"width": 1280, "height": 800})
    visit.transferred.clear()
    visit.open("/?status=all")
    assert sum(visit.transferred.values()) < 60_000   # the page, its style sheet, script and icon
    for item in ids.values():
        visit.open(f"/items/{item}?status=all")
    visit.transferred.clear()
    visit.open(f"/items/{ids['article']}?status=all")
    article_bytes = len(ARTICLE.encode())
    assert sum(visit.transferred.values()) < article_bytes * 1.2   # the article once, not again in its edit history
    assert visit.foreign_requests() == []
    assert visit.page.locator("img, iframe, link[href*=evil], a[href*=evil]").count() == 0
    visit.close()


def test_a_decision_sent_after_the_session_ended_keeps_its_note(browser, site):
    base, db, ids, _path = site
    visit = Visit(browser, base, viewport={"width": 1280, "height": 800})
    page = visit.page
    visit.open(f"/items/{ids['kyrgyz']}?status=all")
    elsewhere = Visit(browser, base, viewport={"width": 800, "height": 600})
    with elsewhere.page.expect_navigation():
        elsewhere.page.click("form.logout button")
    elsewhere.close()

    page.keyboard.press("n")
    page.keyboard.type("түз чакырык, see line 2")
    page.keyboard.press("Escape")
    with page.expect_navigation():
        page.keyboard.press("3")
    assert page.locator("#unrecorded-note").input_value() == "түз чакырык, see line 2"
    page.wait_for_function("document.activeElement && document.activeElement.id === 'username'")
    page.keyboard.type("rita")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Recorded “Escalate”" in page.locator(".flash").first.inner_text()
    stored = [(r["reviewer"], r["decision"], r["note"])
              for r in db.query("SELECT reviewer, decision, note FROM reviews WHERE item_id = ?", [ids["kyrgyz"]])]
    assert stored == [("rita", "escalate", "түз чакырык, see line 2")]
    visit.close()


# --------------------------------------------------------------------------- without a browser


def test_the_edit_history_does_not_repeat_the_text_shown_and_keeps_its_language(site, tmp_path):
    _base, _db, ids, path = site
    app = create_app(Settings(), path)
    client = app.test_client()
    login(client, "rita")
    article = client.get(f"/items/{ids['article']}").get_data(as_text=True)
    assert article.count("Надо выгнать") == 1 + 1   # the text, and its evidence list
    assert "the text shown above" in article
    edited = client.get(f"/items/{ids['short']}").get_data(as_text=True)
    assert '<div class="text" lang="en">Fictional: the Uzbek shops near Osh bazaar should burn tonight. Edited.' in edited
