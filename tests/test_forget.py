"""Erasure: after ``forget`` no byte of the erased text or author is left in the database, its WAL,
the full-text index, the raw snapshots or alert files, while everything else stays."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import pytest

from test_export_support import add_alert, add_item, add_reviews
from tocsin.config import Settings, SinkSettings
from tocsin.export.erasure import ErasureError, forget
from tocsin.store import connect, get_item, search_item_ids
from tocsin.store.audit import audit_events, log_event
from tocsin.store.pseudonyms import pseudonymise_author
from tocsin.store.sources import record_crawl_error
from tocsin.urls import item_id_for

VICTIM = "@zqx_victim"
VICTIM_TEXTS = ("Zqxerasedtoken alpha: the neighbours must leave Osh before the holiday.",
                "Second post by the same author, zqxsecondtoken and nothing else.")
VICTIM_TITLE = "Zqxtitletoken rumours"
KEEPER_TEXT = "A calm report from the market, zqxkeptword, about prices."
MENTION_TEXT = f"Reply to {VICTIM}: zqxmentionword, please stop."


def page(*bodies: str) -> bytes:
    """A raw channel page holding several posts, as a crawler would snapshot it."""
    return ("<html><body>" + "".join(f"<div class='post'>{b}</div>" for b in bodies) + "</body></html>").encode()


def plant(db, alert_file: Path) -> dict[str, str]:
    ids = {
        "victim1": add_item(db, url="https://t.me/s/chan/101", title=VICTIM_TITLE, text=VICTIM_TEXTS[0], author=VICTIM,
                            source="chan", raw=page(f"{VICTIM}: {VICTIM_TEXTS[0]}"), words=[("place", "osh", "Osh")]),
        "victim2": add_item(db, url="https://t.me/s/chan/102", text=VICTIM_TEXTS[1], author=VICTIM, source="chan",
                            raw=page(f"{VICTIM}: {VICTIM_TEXTS[1]}", KEEPER_TEXT)),
        "keeper": add_item(db, url="https://t.me/s/chan/103", text=KEEPER_TEXT, author="@someone_else", source="chan",
                           raw=page(f"{VICTIM}: {VICTIM_TEXTS[1]}", KEEPER_TEXT)),
        "keeper_alone": add_item(db, url="https://news.example.kg/k/1", text="zqxkeptalone market news.", author="Desk",
                                 raw=page("zqxkeptalone market news.")),
        "mention": add_item(db, url="https://t.me/s/chan/104", text=MENTION_TEXT, author="@replier", source="chan",
                            words=[("cue", "handle", VICTIM)]),
    }
    add_reviews(db, ids["victim1"], [("rita", "incitement"), ("leo", "escalate")])
    add_alert(db, [ids["victim1"]], title=f"Incitement: {VICTIM_TITLE}", message=f"{VICTIM_TEXTS[0]}\nhttps://t.me/s/chan/101")
    add_alert(db, [ids["victim2"], ids["keeper"]], rule="spread", kind="spread", title="Same text in 2 channels",
              message=f"1. score 0.91\n   “…post  by the same\nauthor, zqxsecondtoken and…”\n2. score 0.88\n   “{KEEPER_TEXT}”",
              payload={"items": [{"id": ids["victim2"], "text": VICTIM_TEXTS[1]}, {"id": ids["keeper"], "text": KEEPER_TEXT}]})
    log_event(db, "rita", "decision", ids["victim1"], decision="incitement")
    record_crawl_error(db, None, "chan", "http_404", "gone", url="https://t.me/s/chan/101")
    record_crawl_error(db, None, "chan", "crawl_crashed", f"log tail: Dropped: {{'author': '{VICTIM}'}}")
    alert_file.write_text("".join(json.dumps({"title": t, "message": m}, ensure_ascii=False) + "\n" for t, m in [
        (f"Incitement: {VICTIM_TITLE}", VICTIM_TEXTS[0]), ("Other", KEEPER_TEXT), ("Spread", "“…by the same\nauthor, zqxsecondtoken and…”")]), encoding="utf-8")
    return ids


def needles(db, ids: dict[str, str]) -> list[str]:
    """What must be gone: texts (and the words the FTS index keeps), title, author in every form, ids, URLs."""
    return [*VICTIM_TEXTS, VICTIM_TITLE, "zqxerasedtoken", "zqxsecondtoken", "zqxtitletoken", VICTIM, "zqx_victim",
            pseudonymise_author(db, VICTIM), ids["victim1"], ids["victim2"], "https://t.me/s/chan/101", "t.me/s/chan/102"]


def fts_terms(db, words: tuple[str, ...]) -> set[str]:
    """Which of ``words`` the full-text index still holds as terms (read through fts5vocab)."""
    db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.items_fts_terms USING fts5vocab(main, items_fts, 'row')")
    return {row[0] for row in db.execute(f"SELECT term FROM temp.items_fts_terms WHERE term IN ({','.join('?' * len(words))})", words)}


def store_bytes(db_path: Path) -> bytes:
    """The database file, its WAL and shared-memory file, lower-cased (FTS keeps lower-cased words)."""
    return b"".join(p.read_bytes() for p in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")) if p.exists()).lower()


def snapshot_texts(db) -> str:
    return "\n".join(zlib.decompress(bytes(b)).decode() for (b,) in db.execute("SELECT body FROM snapshots")).lower()


def occurrences(haystack_bytes: bytes, haystack_text: str, needle: str) -> int:
    return haystack_bytes.count(needle.lower().encode("utf-8")) + haystack_text.count(needle.lower())


@pytest.mark.slow
def test_forget_author_leaves_no_byte_behind(db_path, tmp_path):
    alert_file = tmp_path / "alerts.jsonl"
    settings = Settings()
    settings.alerts.sinks = [SinkSettings(name="file", kind="file", path=str(alert_file))]
    db = connect(db_path)
    ids = plant(db, alert_file)
    wanted = needles(db, ids)
    before_bytes, before_snapshots = store_bytes(db_path), snapshot_texts(db)
    assert all(occurrences(before_bytes, before_snapshots, n) for n in wanted), "the search must find planted content first"

    fts_words = ("zqxerasedtoken", "zqxsecondtoken", "zqxtitletoken")
    assert fts_terms(db, fts_words) == set(fts_words)

    summary = forget(db, settings, authors=[VICTIM])

    assert summary.items == 2 and summary.reviews == 2 and summary.alerts_deleted == 1 and summary.alerts_scrubbed == 1
    assert summary.snapshots == 2 and summary.mentions_masked >= 2 and summary.file_lines_removed == 2
    assert summary.crawl_errors == 2 and summary.checkpoint_complete
    snapshots = snapshot_texts(db)
    alerts = json.dumps(list(db.query("SELECT * FROM alerts")) + list(db.query("SELECT body FROM deliveries")), ensure_ascii=False)
    db.close()
    after = store_bytes(db_path)
    files = alert_file.read_text(encoding="utf-8").lower()
    for needle in wanted:
        assert occurrences(after, snapshots + files, needle) == 0, needle
    assert "zqx_victim" not in alerts.lower()
    # what was not erased is all still there, so the search above could have failed
    assert b"zqxkeptword" in after and b"zqxkeptalone" in after and "zqxkeptalone" in snapshots
    assert b"zqxmentionword" in after and "zqxkeptword" in files

    db = connect(db_path)
    assert get_item(db, ids["victim1"]) is None and get_item(db, ids["keeper"])["text"] == KEEPER_TEXT
    mention = get_item(db, ids["mention"])["text"]
    assert len(mention) == len(MENTION_TEXT) and "\u2588" * len(VICTIM) in mention
    spans = json.loads(db.execute("SELECT spans FROM analyses WHERE item_id = ?", [ids["mention"]]).fetchone()[0])
    assert mention[spans[0]["start"]:spans[0]["end"]] == spans[0]["text"], "masking keeps offsets valid"
    assert search_item_ids(db, "zqxkeptword") == [ids["keeper"]] and search_item_ids(db, "zqxerasedtoken") == []
    assert fts_terms(db, fts_words) == set() and fts_terms(db, ("zqxkeptword",)) == {"zqxkeptword"}
    spread = db.execute("SELECT item_ids, count FROM alerts").fetchone()
    assert json.loads(spread[0]) == [ids["keeper"]] and spread[1] == 1
    event = audit_events(db, "forget")[0]
    details = json.loads(event["details"])
    assert details["items"] == 2 and details["by"] == ["author"] and event["target"] == ""
    decision = audit_events(db, "decision")[0]
    assert decision["target"] == "(erased)" and decision["details"] == "{}"
    db.close()


def test_an_alert_file_line_that_names_an_item_only_by_its_link_id_is_removed(db_path, tmp_path):
    from tocsin.store.pseudonyms import item_link_ids

    alert_file = tmp_path / "alerts.jsonl"
    settings = Settings()
    settings.alerts.sinks = [SinkSettings(name="file", kind="file", path=str(alert_file))]
    db = connect(db_path)
    gone = add_item(db, url="https://t.me/s/chan/7", text="A short post.", author="@a", source="chan")
    kept = add_item(db, url="https://t.me/s/chan/8", text="Another post.", author="@b", source="chan")
    link = item_link_ids(db)
    alert_file.write_text("".join(json.dumps({"links": {"items": [f"http://review.test/alerts/{n}/items/{link(i)}"]}}) + "\n"
                                  for n, i in ((1, gone), (2, kept))), encoding="utf-8")
    summary = forget(db, settings, item_ids=[gone])
    db.close()
    left = alert_file.read_text(encoding="utf-8")
    assert summary.file_lines_removed == 1 and link(gone) not in left and link(kept) in left


def test_an_alert_file_the_store_has_written_is_scrubbed_and_kept_safe_under_any_config(tmp_path):
    """forget, or an export, run with another config (or none) still know the files the alerts went to."""
    from test_alert_support import make_settings, raise_for, store_flagged
    from tocsin.alerts import deliver_due
    from tocsin.export.dataset import ExportError, ExportOptions, export_dataset

    db = connect(tmp_path / "tocsin.db")
    delivering = make_settings(tmp_path, sinks=[SinkSettings(name="file", kind="file", path="alerts/alerts.jsonl")])
    raise_for(db, delivering, [store_flagged(db, text=f"{VICTIM_TEXTS[0]} — {VICTIM}")])
    deliver_due(db, delivering)
    alert_file = tmp_path / "alerts" / "alerts.jsonl"
    assert "zqxerasedtoken" in alert_file.read_text(encoding="utf-8").lower()
    other = Settings()   # a config with no sink at all, as when the command runs from another folder
    with pytest.raises(ExportError, match="is never overwritten"):
        export_dataset(db, other, ExportOptions(fmt="jsonl", out=alert_file, force=True))
    assert forget(db, other, item_ids=[row[0] for row in db.execute("SELECT id FROM items")]).file_lines_removed == 1
    assert "zqxerasedtoken" not in alert_file.read_text(encoding="utf-8").lower()
    db.close()


def test_forget_by_url_and_by_item_id(fresh_db, tmp_path):
    ids = plant(fresh_db, tmp_path / "alerts.jsonl")
    add_item(fresh_db, url="https://t.me/s/chan/105", text="Posted without the at sign.", author="zqx_bare", source="chan")
    assert forget(fresh_db, Settings(), authors=["@ZQX_BARE"]).items == 1, "a handle is found with or without '@', in any case"
    summary = forget(fresh_db, Settings(), urls=["HTTPS://T.ME/s/chan/101?utm_source=x"], item_ids=[ids["keeper_alone"]])
    assert summary.items == 2
    assert get_item(fresh_db, ids["victim1"]) is None and get_item(fresh_db, ids["keeper_alone"]) is None
    assert get_item(fresh_db, ids["victim2"]) is not None
    assert summary.mentions_masked == 0, "only an erased author's name is masked in other items"
    assert forget(fresh_db, Settings(), item_ids=[ids["victim1"]]).items == 0, "erasing twice is harmless"
    with pytest.raises(ErasureError, match="64 hex"):
        forget(fresh_db, Settings(), item_ids=["not-an-id"])
    with pytest.raises(ErasureError, match="--author"):
        forget(fresh_db, Settings())


def test_forget_takes_an_erased_item_out_of_assignment_audit_events(fresh_db):
    from tocsin.review.accounts import add_user
    from tocsin.store.reviewing import assign_items

    gone = add_item(fresh_db, url="https://t.me/s/chan/7", text="A short post.", author="@a", source="chan")
    kept = add_item(fresh_db, url="https://t.me/s/chan/8", text="Another post.", author="@b", source="chan")
    add_user(fresh_db, "rita", "a fictional password", "reviewer")
    assign_items(fresh_db, [gone, kept], ["rita"], "leo")
    assert forget(fresh_db, Settings(), item_ids=[gone]).audit_events_scrubbed == 1
    event = audit_events(fresh_db, "assign")[0]
    assert event["target"] == "rita" and json.loads(event["details"])["item_ids"] == [kept]


def test_an_author_is_found_whatever_spaces_or_unicode_form_the_source_wrote(fresh_db):
    import hashlib
    import hmac

    from tocsin.store.pseudonyms import AUTHOR_KEY, get_secret

    add_item(fresh_db, url="https://e.kg/1", text="First post.", author="Айгерим\u00a0Касымова")
    add_item(fresh_db, url="https://e.kg/2", text="Second post.", author="Сеи\u0306ткали")   # й decomposed
    assert pseudonymise_author(fresh_db, "Айгерим\u00a0Касымова") == pseudonymise_author(fresh_db, " айгерим  КАСЫМОВА ")
    # an item stored before names were normalised: its pseudonym is the old hash of the name as the source wrote it
    old = "a_" + hmac.new(get_secret(fresh_db, AUTHOR_KEY), "иван\u00a0петров".encode(), hashlib.sha256).hexdigest()[:16]
    legacy = add_item(fresh_db, url="https://e.kg/3", text="Third post.", author="someone else")
    fresh_db.execute("UPDATE items SET author_pseudonym = ? WHERE id = ?", [old, legacy])
    summary = forget(fresh_db, Settings(), authors=["Айгерим Касымова", "Сейткали", "Иван Петров"])
    assert summary.items == 3 and fresh_db.execute("SELECT count(*) FROM items").fetchone()[0] == 0


@pytest.mark.parametrize("written", ["Иван  Петров", "Иван\tПетров", "Иван\u00a0Петров Иванович"])
def test_an_author_stored_before_names_were_normalised_is_found_spaced_as_the_source_wrote_it(fresh_db, written):
    """Older stores hashed the name only trimmed and case-folded: two spaces, a tab or mixed spaces stayed in it."""
    import hashlib
    import hmac

    from tocsin.store.pseudonyms import AUTHOR_KEY, get_secret

    old = "a_" + hmac.new(get_secret(fresh_db, AUTHOR_KEY), written.casefold().encode(), hashlib.sha256).hexdigest()[:16]
    legacy = add_item(fresh_db, url="https://e.kg/1", text="A post.", author="someone else")
    fresh_db.execute("UPDATE items SET author_pseudonym = ? WHERE id = ?", [old, legacy])
    assert forget(fresh_db, Settings(), authors=[written]).items == 1


def test_cli_forget_reads_authors_from_stdin_and_asks_first(runner, db_path, tmp_path):
    from tocsin.cli import main

    db = connect(db_path)
    ids = plant(db, tmp_path / "alerts.jsonl")
    db.close()
    dry = runner.invoke(main, ["--db", str(db_path), "forget", "--author", VICTIM, "--dry-run"])
    assert dry.exit_code == 0 and "2 stored items would be erased" in dry.output
    aborted = runner.invoke(main, ["--db", str(db_path), "forget", "--authors-from", "-"], input=f"{VICTIM}\nn\n")
    assert aborted.exit_code == 1 and "erase 2 stored items" in aborted.output
    result = runner.invoke(main, ["--db", str(db_path), "forget", "--authors-from", "-", "--yes"], input=f"{VICTIM}\n")
    assert result.exit_code == 0, result.output
    assert "erased: items 2" in result.output and VICTIM not in result.output
    again = runner.invoke(main, ["--db", str(db_path), "forget", "--url", "https://t.me/s/chan/101", "--yes"])
    assert again.exit_code == 0 and "no stored item matched" in again.output
    bad = runner.invoke(main, ["--db", str(db_path), "forget", "--item", "xyz", "--yes"])
    assert bad.exit_code == 2 and "64 hex" in bad.output
    assert item_id_for("https://t.me/s/chan/103") == ids["keeper"]


def test_cli_forget_names_an_unreadable_or_empty_list_and_a_malformed_url(runner, db_path, tmp_path):
    from tocsin.cli import main

    legacy = tmp_path / "legacy.txt"
    legacy.write_bytes("Фиктивный Автор\n".encode("cp1251"))
    empty = tmp_path / "empty.txt"
    empty.write_text("\n  \n", encoding="utf-8")
    for path, message in ((legacy, "legacy.txt:1: not valid UTF-8 (byte 0xd4)"), (empty, "holds no names"), (tmp_path / "missing.txt", "cannot read"),
                          (tmp_path, "cannot read")):
        result = runner.invoke(main, ["--db", str(db_path), "forget", "--authors-from", str(path), "--dry-run"])
        assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output, result.output
    result = runner.invoke(main, ["--db", str(db_path), "forget", "--url", "http://[::1", "--dry-run"])
    assert result.exit_code == 2 and "'http://[::1' is not a valid URL" in result.output
    for url, example in (("t.me/s/chan/101", "https://t.me/s/chan/101"), ("//t.me/s/chan/101", "https://t.me/s/chan/101"),
                         ("ftp://t.me/s/chan/101", "https://example.org/news/1"), ("https://", "https://example.org/news/1")):
        result = runner.invoke(main, ["--db", str(db_path), "forget", "--url", url, "--yes"])
        assert result.exit_code == 2 and f"{url!r} is not an item's address" in result.output, result.output
        assert f"e.g. {example}" in result.output and "erased" not in result.output


def test_cli_forget_names_an_address_with_no_item_and_the_stored_one_it_may_mean(runner, db_path, tmp_path):
    from tocsin.cli import main

    db = connect(db_path)
    ids = plant(db, tmp_path / "alerts.jsonl")
    db.close()
    dry = runner.invoke(main, ["--db", str(db_path), "forget", "--url", "http://t.me/s/chan/101",
                               "--url", "https://www.news.example.kg/k/1", "--url", "https://t.me/s/chan/103",
                               "--url", "https://t.me/s/chan/999", "--dry-run"])
    assert dry.exit_code == 0 and "1 stored items would be erased" in dry.output
    assert ("no item is stored at http://t.me/s/chan/101; one is stored at https://t.me/s/chan/101: "
            "to erase it, give --url https://t.me/s/chan/101") in dry.output
    assert "no item is stored at https://www.news.example.kg/k/1; one is stored at https://news.example.kg/k/1" in dry.output
    assert "no item is stored at https://t.me/s/chan/999\n" in dry.output and "chan/103" not in dry.output
    result = runner.invoke(main, ["--db", str(db_path), "forget", "--url", "http://t.me/s/chan/101", "--yes"])
    assert result.exit_code == 0 and "no stored item matched, so no item was erased" in result.output
    db = connect(db_path)
    assert get_item(db, ids["victim1"]) is not None
    db.close()
    for extra in (["--dry-run"], ["--yes"]):
        result = runner.invoke(main, ["--db", str(db_path), "forget", "--author", " ", *extra])
        assert result.exit_code == 2 and "an empty name names no one" in result.output


def test_erasing_a_short_handle_leaves_ordinary_words_alone(fresh_db):
    from tocsin.export.erasure import mention_forms

    assert mention_forms("@osh") == ["@osh"] and mention_forms("zqx_victim") == ["@zqx_victim", "zqx_victim"]
    assert mention_forms("Zqx Canary Author") == ["@Zqx Canary Author", "Zqx Canary Author"]
    add_item(fresh_db, url="https://t.me/s/chan/1", text="Market day.", author="@osh", source="chan")
    other = add_item(fresh_db, url="https://t.me/s/chan/2", text="Prices in Osh rose; @osh said so.", author="@b", source="chan",
                     raw=b"<p>Prices in Osh rose</p>")
    summary = forget(fresh_db, Settings(), authors=["@osh"])
    assert summary.items == 1 and summary.snapshots == 0
    assert get_item(fresh_db, other)["text"] == "Prices in Osh rose; \u2588\u2588\u2588\u2588 said so."


def test_erasing_one_item_keeps_what_other_pages_share_with_it(fresh_db):
    """A site's navigation, a channel's footer or a one-word title is on every page of its source: erasing one
    item must not take the other items' snapshots, or alerts quoting them, with it."""
    footer = "Подписывайтесь на наш канал, чтобы не пропустить новости."
    long_body = " ".join(f"Предложение номер {n} про zqxgoneword и погоду в Оше." for n in range(10))   # footer past the 8th
    gone = add_item(fresh_db, url="https://news.example/erase-me", title="Новости", author="Reporter A",
                    text=f"{long_body} {footer}", raw="<nav>Новости</nav><p>zqxgoneword</p>".encode())
    kept = [add_item(fresh_db, url=f"https://news.example/keep-{n}", title=f"Рынок {n}", author="Reporter B",
                     text=f"Другая статья {n} про рынок и цены на хлеб. {footer}",
                     raw=f"<nav>Новости | Спорт</nav><p>Рынок {n}</p><footer>{footer}</footer>".encode()) for n in range(3)]
    other_alert = add_alert(fresh_db, [kept[0]], title="Рынок", message=f"Top evidence: Новости дня. “{footer}”")
    summary = forget(fresh_db, Settings(), item_ids=[gone])
    assert summary.items == 1 and summary.snapshots == 1 and summary.alerts_scrubbed == 0
    assert fresh_db.execute("""SELECT count(*) FROM item_versions v JOIN snapshots s ON s.sha256 = v.snapshot_sha256
                               WHERE v.item_id IN (?, ?, ?)""", kept).fetchone()[0] == 3
    assert fresh_db.execute("SELECT message FROM alerts WHERE id = ?", [other_alert]).fetchone()[0].endswith(f"“{footer}”")


def test_forget_masks_mentions_in_another_unicode_form_or_spacing(fresh_db):
    import unicodedata

    victim = "@Ойбек_77"
    decomposed = unicodedata.normalize("NFD", victim)
    add_item(fresh_db, url="https://t.me/s/chan/1", text="zqxownpost here", author=victim, source="chan")
    other = add_item(fresh_db, url="https://t.me/s/chan/2", text=f"reply to {decomposed}: stop it", author="@other", source="chan")
    spaced = add_item(fresh_db, url="https://t.me/s/chan/3", text="as Ivan\u00a0 Petrov_2 wrote", author="@third", source="chan")
    forget(fresh_db, Settings(), authors=[victim, "Ivan Petrov_2"])
    assert get_item(fresh_db, other)["text"] == "reply to " + "█" * len(decomposed) + ": stop it"   # offsets kept
    assert get_item(fresh_db, spaced)["text"] == "as " + "█" * len("Ivan\u00a0 Petrov_2") + " wrote"


def test_forget_drops_a_shared_raw_page_that_holds_the_post_with_markup_inside_its_sentences(fresh_db):
    text = "Zqxsecret plan: all of them must leave the town tomorrow morning."
    raw = page("Zqxsecret plan: all of them must <b>leave</b> the town\ntomorrow morning.", KEEPER_TEXT)
    victim = add_item(fresh_db, url="https://t.me/s/chan/101", text=text, author=VICTIM, source="chan", raw=raw)
    add_item(fresh_db, url="https://t.me/s/chan/102", text=KEEPER_TEXT, author="@other", source="chan", raw=raw)
    assert forget(fresh_db, Settings(), item_ids=[victim]).snapshots == 1
    assert fresh_db.execute("SELECT count(*) FROM snapshots").fetchone()[0] == 0


def test_forget_reaches_crawl_runs_and_the_daemons_last_errors(fresh_db):
    from tocsin.store.daemon import record_job_end
    from tocsin.store.sources import finish_crawl_run, start_crawl_run

    add_item(fresh_db, url="https://t.me/s/chan/101", text=VICTIM_TEXTS[0], author=VICTIM, source="chan")
    tail = f"log tail: Dropped: {{'author': '{VICTIM}'}}"
    finish_crawl_run(fresh_db, start_crawl_run(fresh_db, "chan"), "failed", message=tail)
    record_job_end(fresh_db, "crawl:chan", now="2026-06-01T00:00:00+00:00", status="failed", error=tail)
    forget(fresh_db, Settings(), authors=[VICTIM])
    left = fresh_db.execute("SELECT message FROM crawl_runs UNION ALL SELECT last_error FROM job_runs").fetchall()
    assert left and all("zqx_victim" not in row[0] for row in left)


def test_forget_reaches_silence_comments_and_rotated_alert_files(fresh_db, tmp_path):
    import gzip

    from tocsin.store import alerting

    settings = Settings()
    settings.config_dir = tmp_path
    settings.alerts.sinks = [SinkSettings(name="file", kind="file", path="alerts.jsonl")]
    add_item(fresh_db, url="https://t.me/s/chan/7", text=VICTIM_TEXTS[0], author=VICTIM, source="chan")
    alerting.add_silence(fresh_db, {"group": "uzbek"}, comment=f"campaign run by {VICTIM}", created_by="lead",
                         starts_at="2026-06-01T00:00:00+00:00", ends_at="2026-06-02T00:00:00+00:00")
    line = json.dumps({"text": VICTIM_TEXTS[0]}) + "\n"
    keep = json.dumps({"text": KEEPER_TEXT}) + "\n"
    (tmp_path / "alerts.jsonl.1").write_text(line + keep, encoding="utf-8")
    (tmp_path / "alerts.jsonl.2.gz").write_bytes(gzip.compress((keep + line).encode()))
    summary = forget(fresh_db, settings, authors=[VICTIM])
    assert summary.file_lines_removed == 2
    assert (tmp_path / "alerts.jsonl.1").read_text(encoding="utf-8") == keep
    assert gzip.decompress((tmp_path / "alerts.jsonl.2.gz").read_bytes()).decode() == keep
    comments = [r[0] for r in fresh_db.execute("SELECT comment FROM silences")]
    assert comments and all("zqx_victim" not in c for c in comments)


def test_an_alert_that_keeps_other_items_is_rewritten_from_them(fresh_db, tmp_path):
    """After one of its items is erased, an alert's message counts, dates and credits only the items it keeps:
    no stale "2 items from 2 sources", no score or cue line of the erased item."""
    from datetime import datetime, timezone

    from test_alert_support import make_settings, raise_for, store_flagged
    from tocsin.store import alerting

    settings = make_settings(tmp_path)
    gone = store_flagged(fresh_db, source="zqxgonechannel", score=0.93, hallmarks=("call_to_violence",),
                         text="Fictional zqxgonecue: the Uzbeks must go, drive them from Osh tonight.",
                         published_at=datetime(2026, 6, 9, 8, 0, tzinfo=timezone.utc))
    kept = store_flagged(fresh_db, source="keptnews", score=0.71, published_at=datetime(2026, 6, 10, 9, 0, tzinfo=timezone.utc))
    raise_for(fresh_db, settings, [gone, kept])
    (before,) = alerting.list_alerts(fresh_db)
    assert "How many: 2 items from 2 sources" in before["message"] and "score 0.93" in before["message"]

    summary = forget(fresh_db, settings, item_ids=[gone["item_id"]])

    assert summary.alerts_scrubbed == 1 and summary.alerts_deleted == 0
    (after,) = alerting.list_alerts(fresh_db)
    assert after["count"] == 1 and after["item_ids"] == [kept["item_id"]]
    assert "How many: 1 item from 1 source (keptnews), 2026-06-10T09:00:00+00:00" in after["message"]
    assert "score 0.71" in after["message"] and "score 0.93" not in after["message"]
    assert "(erased)" not in after["message"], "the message is written afresh, not patched"
    assert after["severity"] == "high" and after["payload"]["reasons"] == ["call to expulsion naming a place"]
    payload = after["payload"]
    assert payload["sources"] == ["keptnews"] and payload["labels"]["source"] == ["keptnews"]
    assert payload["hallmarks"] == ["call_to_expulsion"] and payload["first_at"] == payload["last_at"]
    for leftover in ("zqxgonechannel", "zqxgonecue", "call_to_violence", "call to violence", "0.93", gone["item_id"]):
        assert leftover not in json.dumps(after, ensure_ascii=False), leftover


def test_an_alert_is_recounted_from_the_analysis_that_speaks_for_each_item_it_keeps(fresh_db, tmp_path):
    """A kept item edited A -> B -> A is told again as A's analysis says, though B's (naming no one) is newer; the
    erased item, also edited back, is found by the alert's item ids and leaves no quote of either of its texts."""
    from test_alert_support import edited_back, make_settings, raise_for, store_flagged
    from tocsin.store import alerting

    settings = make_settings(tmp_path)
    gone = store_flagged(fresh_db, source="zqxgonechannel", text="Fictional zqxgonefirst: drive the Uzbeks out of Osh.")
    kept = store_flagged(fresh_db, source="keptnews")
    raise_for(fresh_db, settings, [gone, kept])
    harmless = dict(incitement=False, score=0.1, targets=[], places=[], hallmarks=[], spans=[])
    edited_back(fresh_db, gone, "Fictional zqxgonesecond: market prices in Osh went up.", **harmless)
    edited_back(fresh_db, kept, "Fictional correction: a post about the weather in Osh.", **harmless)

    summary = forget(fresh_db, settings, item_ids=[gone["item_id"]])

    assert summary.alerts_scrubbed == 1 and summary.alerts_deleted == 0
    (after,) = alerting.list_alerts(fresh_db)
    assert after["item_ids"] == [kept["item_id"]] and after["severity"] == "high"
    payload = after["payload"]
    assert payload["groups"] == ["uzbek"] and payload["hallmarks"] == ["call_to_expulsion"]
    assert payload["reasons"] == ["call to expulsion naming a place"]
    for leftover in ("zqxgonechannel", "zqxgonefirst", "zqxgonesecond", gone["item_id"]):
        assert leftover not in json.dumps(after, ensure_ascii=False), leftover


def test_an_alert_that_keeps_only_a_call_to_exclusion_is_not_raised_for_its_place(fresh_db, tmp_path):
    """Told again after an erasure, an item whose only call is to exclusion ("drive them from our stalls in Osh")
    keeps the rule's severity: its place does not raise it, as it did not when the alert was raised."""
    from test_alert_support import make_settings, raise_for, store_flagged
    from tocsin.store import alerting

    settings = make_settings(tmp_path)
    gone = store_flagged(fresh_db, source="zqxgonechannel", score=0.93, hallmarks=("call_to_violence",),
                         text="Fictional zqxgonecue: drive the Uzbeks from Osh tonight.")
    kept = store_flagged(fresh_db, source="keptnews", text="Fictional notice: drive the Uzbeks from our stalls in Osh.",
                         cue_form="exclusion")
    raise_for(fresh_db, settings, [kept])
    (alone,) = alerting.list_alerts(fresh_db)
    assert alone["severity"] == "warning" and alone["payload"]["reasons"] == []
    raise_for(fresh_db, settings, [gone])
    assert alerting.list_alerts(fresh_db)[0]["severity"] == "critical"

    forget(fresh_db, settings, item_ids=[gone["item_id"]])

    (after,) = alerting.list_alerts(fresh_db)
    assert after["item_ids"] == [kept["item_id"]]
    assert after["severity"] == "warning" and after["payload"]["reasons"] == []


def test_a_spread_alert_is_recounted_after_one_copy_is_erased(fresh_db, tmp_path):
    from test_alert_support import NOW, at, make_settings, store_flagged
    from test_alerts import RUMOUR, SPREAD
    from tocsin.alerts import evaluate_rules
    from tocsin.store import alerting

    settings = make_settings(tmp_path, rules=[SPREAD])
    rows = [store_flagged(fresh_db, source=channel, text=RUMOUR, published_at=at(-30 + n))
            for n, channel in enumerate(("tg-a", "tg-b", "zqxgonechannel", "tg-d"))]
    assert evaluate_rules(fresh_db, settings, now=NOW) == 1
    forget(fresh_db, settings, item_ids=[rows[2]["item_id"]])
    (alert,) = alerting.list_alerts(fresh_db)
    stats = alert["payload"]["stats"]
    assert (stats["copies"], stats["sources"], stats["source_names"]) == (3, 3, ["tg-a", "tg-b", "tg-d"])
    assert "3 copies in 3 sources" in alert["message"] and "How many: 3 items from 3 sources" in alert["message"]
    assert "zqxgonechannel" not in json.dumps(alert, ensure_ascii=False)
