"""The review page in Debian's Chromium through Playwright: keyboard review, filters, search, screenshots,
and hostile content that must stay inert text.
"""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest

from test_review_support import (PASSWORD, ROLE_USERS, add_alert, add_corpus, add_flagged, add_role_users, served)
from tocsin.config import Settings
from tocsin.review import create_app
from tocsin.store import ItemRecord, connect, reviewing, transaction, upsert_item
from tocsin.store.sources import ensure_source

pytestmark = pytest.mark.browser

#: The screenshots of docs/monitor-guide.md, rewritten only when UPDATE_SCREENSHOTS=1 (else the test
#: takes them in its own folder, and a test run leaves the working tree as it was).
DOCS_SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]

#: Counts CSP violations and injected elements in the page; run before any page script.
WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__violations.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""
INJECTED = """() => document.querySelectorAll(
  'script:not([src]), script[src]:not([src^="/static/"]), img, iframe, frame, svg, math, object, embed, video, audio, '
  + 'base, style, link:not([rel="stylesheet"]):not([rel="icon"]), meta[http-equiv], [style], [onerror], [onload], [onclick], '
  + '[onmouseover], [onfocus], [onbegin], [srcdoc], a[href^="javascript"], a[href^="data"], form[action^="http"], '
  + 'iframe, marquee, details[ontoggle], input[onfocus], body[onload]').length"""


@pytest.fixture(scope="module")
def browser():
    playwright_sync = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    with playwright_sync.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def new_page(browser, base: str, seen: list[str], **context_args):
    context = browser.new_context(**context_args)
    context.add_init_script(WATCH)
    page = context.new_page()
    page.on("request", lambda request: seen.append(request.url))
    page.set_default_timeout(15_000)
    return page


def log_in(page, base: str, username: str) -> None:
    """Log in with the keyboard only: the name field has focus on load."""
    page.goto(base + "/login")
    # Type only once the name field has the focus (autofocus can land after the load event on a busy machine).
    page.wait_for_function("document.activeElement && document.activeElement.id === 'username'")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/")


# --------------------------------------------------------------------------- keyboard, filter, search


@pytest.fixture(scope="module")
def corpus_site(tmp_path_factory):
    path = tmp_path_factory.mktemp("review-browser") / "review.db"
    db = connect(path)
    ids = add_corpus(db)
    add_role_users(db)
    add_alert(db, rule="spread-rule", kind="spread", key="uzbek|osh", severity="high", item_ids=[ids[0], ids[4]],
              title="Same call in 2 sources")
    upsert_item(db, ItemRecord(source="osh-news", url="https://news.example/osh/3", title="Market report",
                               text="Fictional report: police in Osh say a quarrel at the market ended without injuries. (updated)"))
    with served(create_app(Settings(), path)) as base:
        yield base, db, ids
    db.close()


def test_keyboard_review_filter_search_and_screenshots(browser, corpus_site, tmp_path):
    base, db, ids = corpus_site
    seen: list[str] = []
    page = new_page(browser, base, seen, viewport={"width": 1400, "height": 900})
    log_in(page, base, ROLE_USERS["reviewer"])
    assert page.locator("#total").inner_text() == "6"
    shots = DOCS_SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "queue.png"), full_page=True)
    order = reviewing.queue_ids(db, reviewing.QueueFilters(), "rita")
    assert order[0] == ids[0]

    # the first row is selected: Enter opens it; 1, 2, 3 decide and move on to the next item
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/items/{order[0]}")
    assert page.locator("mark.ev-target").first.inner_text() == "узбеков"
    page.screenshot(path=str(shots / "item.png"), full_page=True)
    # the evidence list reaches each mark from the keyboard: Enter on its link moves the focus to the words
    link = page.locator("ol.evidence a").first
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement.tagName === 'MARK'")
    assert "#" + page.evaluate("document.activeElement.id") == link.get_attribute("href")
    page.keyboard.press("1")
    page.keyboard.press("1")  # a double press records one decision
    page.wait_for_url(f"{base}/items/{order[1]}")
    for key, item_id in zip("23", order[2:4]):
        page.keyboard.press(key)
        page.wait_for_url(f"{base}/items/{item_id}")
    # after c (copy the link) the shortcuts work at once: no Esc needed
    page.keyboard.press("c")
    for _ in range(50):   # the copy may finish a moment later (the clipboard answers asynchronously)
        if page.evaluate("document.activeElement.id") != "url":
            break
        page.wait_for_timeout(100)
    assert page.evaluate("document.activeElement.id") != "url"
    # a note typed after 'n' does not trigger shortcuts; Esc leaves it, 4 decides
    page.keyboard.press("n")
    page.keyboard.type("unclear 1234 jk")
    page.keyboard.press("Escape")
    page.keyboard.press("4")
    page.wait_for_url(f"{base}/items/{order[4]}")
    # back to the queue with u; j moves the selection; 2 decides from the queue itself
    page.keyboard.press("u")
    page.wait_for_url(base + "/")
    page.keyboard.press("j")
    assert page.locator("tr.qrow.selected a.open").inner_text() == "Market report"
    with page.expect_navigation():
        page.keyboard.press("2")

    stored = [(r["item_id"], r["reviewer"], r["decision"], r["note"]) for r in
              db.query("SELECT item_id, reviewer, decision, note FROM reviews ORDER BY id")]
    assert stored == [
        (order[0], "rita", "incitement", ""),
        (order[1], "rita", "not_incitement", ""),
        (order[2], "rita", "escalate", ""),
        (order[3], "rita", "unsure", "unclear 1234 jk"),
        (order[5], "rita", "not_incitement", ""),
    ]
    assert page.locator("#total").inner_text() == "1"
    # Enter on a focused tab follows the tab, not the selected row
    page.focus("nav.tabs a.tab >> text=All flagged")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "status=all" in page.url
    # a decision from the queue comes back to the same page with the row after the decided one selected, since in
    # All flagged the decided item stays in view
    page.keyboard.press("j")
    with page.expect_navigation():
        page.keyboard.press("4")
    assert "#row-1-" in page.url
    selected = "Array.prototype.indexOf.call(document.querySelectorAll('tr.qrow'), document.querySelector('tr.qrow.selected'))"
    assert page.evaluate(selected) == 2

    # a filter: all flagged items in Russian
    page.goto(base + "/?status=all")
    page.select_option("#f-lang", "ru")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**lang=ru**")
    assert page.locator("#total").inner_text() == "2"
    assert sorted(page.locator("tr.qrow td:nth-child(4)").all_inner_texts()) == ["ru", "ru"]
    # the search: '/' focuses it, Enter submits (the language filter stays)
    page.keyboard.press("/")
    page.keyboard.type("Баткене")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#q").input_value() == "Баткене" and page.locator("#f-lang").input_value() == "ru"
    assert page.locator("#total").inner_text() == "1"
    assert page.locator("tr.qrow a.open").inner_text() == "Комментарий к статье"

    assert [url for url in seen if not url.startswith(base + "/")] == []
    assert page.evaluate("window.__violations") == []
    page.context.close()
    assert (shots / "queue.png").stat().st_size > 10_000 and (shots / "item.png").stat().st_size > 10_000


# --------------------------------------------------------------------------- hostile content


class MarkerHandler(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        MarkerHandler.hits.append(self.path)
        self.send_response(204)
        self.end_headers()

    do_POST = do_GET

    def log_message(self, *args):
        pass


VECTORS = [
    "<script>window.__xss=1</script>",
    "<script src='{M}/s.js'></script>",
    "<img src=x onerror=\"window.__xss=1\">",
    "<img src='{M}/img.png'>",
    "<svg onload=\"fetch('{M}/svg')\">",
    "<svg><script>window.__xss=1</script></svg>",
    "<iframe src='{M}/frame'></iframe>",
    "<iframe srcdoc=\"<script>parent.__xss=1</script>\"></iframe>",
    "<body onload=\"window.__xss=1\">",
    "<input autofocus onfocus=\"window.__xss=1\">",
    "<details open ontoggle=\"window.__xss=1\">",
    "<a href=\"javascript:window.__xss=1\">click</a>",
    "<link rel=stylesheet href='{M}/x.css'>",
    "<style>@import '{M}/imp.css';</style>",
    "<meta http-equiv=\"refresh\" content=\"0;url={M}/refresh\">",
    "<base href='{M}/'>",
    "<object data='{M}/obj'></object>",
    "<embed src='{M}/embed'>",
    "<video><source onerror=\"window.__xss=1\"></video>",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1>",
    "<div style=\"background:url('{M}/bg')\">x</div>",
    "<form action='{M}/form'><button>go</button></form>",
    "<marquee onstart=\"window.__xss=1\">",
    "<audio src=x onerror=\"alert(1)\">",
]
BREAKERS = ["", "\">", "'>", "</textarea>", "</title>"]
EXTRA = [
    "javascript:window.__xss=1",
    "data:text/html,<script>window.__xss=1</script>",
    "{M}/plain-url",
    "{{7*7}}{% raw %}${alert(1)}",
    "\"><!--<script>window.__xss=1</script>-->",
    "\u202e<script>window.__xss=1</script>",
    "&lt;script&gt;window.__xss=1&lt;/script&gt;",
    "<scr<script>ipt>window.__xss=1</script>",
    "%3Cscript%3Ewindow.__xss=1%3C/script%3E",
    "`-alert(1)-`",
]


def payloads(marker: str) -> list[str]:
    made = [breaker + vector.replace("{M}", marker) for vector in VECTORS for breaker in BREAKERS]
    made += [extra.replace("{M}", marker) for extra in EXTRA]
    return list(dict.fromkeys(made))


PER_ITEM = 6


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    """Items, analyses, alerts and notes full of payloads; a marker server that counts any fetch."""
    MarkerHandler.hits = []
    marker_server = ThreadingHTTPServer(("127.0.0.1", 0), MarkerHandler)
    threading.Thread(target=marker_server.serve_forever, daemon=True).start()
    marker = f"http://127.0.0.1:{marker_server.server_port}"
    planted = payloads(marker)
    path = tmp_path_factory.mktemp("review-hostile") / "review.db"
    db = connect(path)
    add_role_users(db)
    ids = []
    chunks = [[planted[(start + k) % len(planted)] for k in range(PER_ITEM)] for start in range(0, len(planted), PER_ITEM)]
    for n, chunk in enumerate(chunks):
        joined = " ".join(chunk)
        text = f"Fictional hostile text {n}: {joined} the Uzbek people of Osh {joined}"
        source = chunk[0] if n % 3 == 0 else "hostile-source"
        ensure_source(db, source)
        item = add_flagged(db, source=source, url=f"https://hostile.example/{n}", title=joined, text=text,
                           score=0.6 + (n % 4) / 10, hallmarks=(chunk[1], "call_to_violence"),
                           targets=((chunk[2], "Uzbek"),), places=((chunk[3], "Osh"),), cues=((chunk[4], "people"),),
                           explanation=joined, lang=chunk[5] if n % 2 else "en", published_at="2026-11-2" + str(n % 9))
        upsert_item(db, ItemRecord(source=source, url=f"https://hostile.example/{n}", title=joined, text=text + " (edited)"))
        with transaction(db):
            db.execute("UPDATE items SET url = ?, author_pseudonym = ?, meta = ? WHERE id = ?",
                       [chunk[n % PER_ITEM], chunk[(n + 1) % PER_ITEM],
                        json.dumps({"forwarded_from": joined, chunk[0]: chunk[1], "links": chunk}), item])
            db.execute("UPDATE analyses SET model_name = ?, patterns_version = ? WHERE item_id = ?", [chunk[2], chunk[3], item])
        reviewing.record_decision(db, item, "leo", "unsure", note=joined)
        add_alert(db, rule=chunk[0], kind="spread", key=chunk[1], severity=chunk[2], item_ids=[item, ids[-1] if ids else item],
                  title=joined, message=joined, labels={"group": chunk[3], "place": chunk[4], "rule": chunk[0]})
        ids.append(item)
    reviewing.create_silence(db, {"rule": planted[7], "group": planted[8]}, created_by="leo", comment=planted[9],
                             starts_at="2026-01-01T00:00:00+00:00", ends_at="2099-01-01T00:00:00+00:00")
    settings = Settings()
    settings.review.page_size = 500
    with served(create_app(settings, path)) as base:
        yield base, db, ids, planted
    db.close()
    marker_server.shutdown()


def test_hostile_content_never_runs_and_never_fetches(browser, hostile_site):
    base, db, ids, planted = hostile_site
    assert len(planted) >= 100
    seen: list[str] = []
    dialogs: list[str] = []
    page = new_page(browser, base, seen, viewport={"width": 1200, "height": 800})
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, base, ROLE_USERS["admin"])

    urls = ["/?status=all", "/?status=reviewed", "/alerts", "/stats", "/users", "/audit"]
    urls += [f"/items/{item}?status=all" for item in ids]
    for sample in planted[::11]:
        q = quote(sample, safe="")
        urls += [f"/?status=all&q={q}&lang={q}&source={q}&group={q}&place={q}&hallmark={q}&date_from={q}",
                 f"/items/{ids[0]}?q={q}&source={q}&status={q}"]
    checked = 0
    for url in urls:
        page.goto(base + url)
        assert page.evaluate(INJECTED) == 0, url
        assert page.evaluate("window.__xss") is None, url
        assert page.evaluate("window.__violations") == [], url
        if url.startswith("/items/"):
            page.keyboard.press("c")  # copying a hostile link must not open it
        checked += 1
    # the planted strings are shown as text
    page.goto(f"{base}/items/{ids[0]}")
    assert planted[0] in page.locator("h1.itemtitle").inner_text()
    assert page.locator("#url").input_value() == planted[0]
    # a hostile login 'next' and user name stay inert too
    page.context.clear_cookies()
    page.goto(f"{base}/login?next={quote(planted[2], safe='')}")
    page.keyboard.type(planted[3][:60])
    page.keyboard.press("Tab")
    page.keyboard.type("wrong password")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Wrong name or password" in page.content()
    assert page.evaluate(INJECTED) == 0 and page.evaluate("window.__xss") is None

    foreign = [url for url in seen if not url.startswith(base + "/")]
    assert foreign == [], foreign[:5]
    assert MarkerHandler.hits == []
    assert dialogs == []
    assert checked == len(urls) and len(ids) * PER_ITEM >= len(planted)
    page.context.close()
