"""Pseudonyms that resist dictionary attacks and do not link across exports; redaction of identifiers."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

import pyarrow.parquet as pq
import pytest

from test_export_support import CANARIES, add_corpus, add_item
from tocsin.config import Settings
from tocsin.export.dataset import ExportOptions, export_dataset
from tocsin.export.keys import ExportKey, LinkKeyNameError, check_link_key_name
from tocsin.export.redaction import RedactionRules, Redactor
from tocsin.store.pseudonyms import AUTHOR_KEY, get_secret, pseudonymise_author

#: Pieces of the planted identifiers that must not survive in any form (bare handles, local parts, digits).
CANARY_PIECES = ("zqx_canary_handle", "Zqx_Canary_2010", "zqx_canary_profile", "id9988776655", "zqx.canary",
                 "canary+tag", "987 654", "345-67-89", "12-34-56", "zqx_author_profile", "Zqx Canary Author", "zqx_poster")


def export_text(db, tmp_path, fmt: str, name: str, **kwargs) -> tuple[str, list[dict]]:
    """Everything an export holds as one string, and its records."""
    summary = export_dataset(db, Settings(), ExportOptions(fmt=fmt, out=tmp_path / name, **kwargs))
    if fmt == "parquet":
        records = pq.read_table(summary.data_path).to_pylist()
        return json.dumps(records, ensure_ascii=False, default=str), records
    text = summary.data_path.read_text(encoding="utf-8")
    records = [json.loads(line) for line in text.splitlines()] if fmt == "jsonl" else []
    return text, records


def pseudonyms(records: list[dict]) -> set[str]:
    return {r[f] for r in records for f in ("id", "author", "author_profile") if r[f]}


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_planted_canaries_never_reach_an_export(fresh_db, tmp_path, fmt):
    add_corpus(fresh_db)
    text, _ = export_text(fresh_db, tmp_path, fmt, "default")
    assert "[handle]" in text and "[phone]" in text and "[email]" in text and "[profile]" in text
    for canary in (*CANARIES, *CANARY_PIECES):
        assert text.count(canary) == 0, canary
    # the search can fail: with every rule off, the planted identifiers are there
    kept, _ = export_text(fresh_db, tmp_path, fmt, "kept",
                          rules=RedactionRules(emails=False, profile_links=False, handles=False, phones=False))
    assert all(kept.count(canary) >= 1 for canary in CANARIES)


def test_each_redaction_rule_can_be_turned_off_alone(fresh_db, tmp_path):
    add_corpus(fresh_db)
    text, _ = export_text(fresh_db, tmp_path, "jsonl", "phones", rules=RedactionRules(phones=False))
    assert "+996 555 987 654" in text and "zqx.canary@example.org" not in text and "@zqx_canary_handle" not in text
    settings = Settings()
    settings.export.redact_emails = False
    summary = export_dataset(fresh_db, settings, ExportOptions(fmt="jsonl", out=tmp_path / "settings"))
    written = summary.data_path.read_text(encoding="utf-8")
    assert "zqx.canary@example.org" in written and "+996 555 987 654" not in written
    assert "| emails | no (turned off for this export) | 0 |" in summary.datasheet_path.read_text(encoding="utf-8")


def test_the_datasheet_names_a_sources_site_not_its_start_address(fresh_db, tmp_path):
    """A channel's start address names its owner, who is the author of every item of that source."""
    from tocsin.store.sources import ensure_source

    ensure_source(fresh_db, "tg-one", kind="telegram", url="https://t.me/s/zqx_private_channel")
    ensure_source(fresh_db, "news", kind="feed", url="https://www.news.example.kg/rss")
    add_item(fresh_db, url="https://t.me/s/zqx_private_channel/5", text="Market day in Osh.", source="tg-one")
    add_item(fresh_db, url="https://news.example.kg/a/1", text="Prices in Osh.", source="news")
    summary = export_dataset(fresh_db, Settings(), ExportOptions(fmt="jsonl", out=tmp_path / "out"))
    sheet = summary.datasheet_path.read_text(encoding="utf-8")
    assert "| tg-one | telegram | t.me | 1 |" in sheet and "| news | feed | news.example.kg | 1 |" in sheet
    assert "zqx_private_channel" not in sheet + summary.data_path.read_text(encoding="utf-8")


def test_the_datasheet_names_a_personal_blogs_host_not_its_owner(fresh_db, tmp_path):
    """A blog's subdomain is its owner's name: the datasheet gives the host it is under."""
    from tocsin.store.sources import ensure_source

    ensure_source(fresh_db, "blog", kind="feed", url="https://zqx-blogger.livejournal.com/data/rss")
    add_item(fresh_db, url="https://zqx-blogger.livejournal.com/1.html", text="Market day in Osh.", source="blog")
    summary = export_dataset(fresh_db, Settings(), ExportOptions(fmt="jsonl", out=tmp_path / "out"))
    sheet = summary.datasheet_path.read_text(encoding="utf-8")
    assert "| blog | feed | livejournal.com | 1 |" in sheet and "zqx-blogger" not in sheet


def test_two_default_exports_share_no_pseudonym(fresh_db, tmp_path):
    add_corpus(fresh_db)
    _, first = export_text(fresh_db, tmp_path, "jsonl", "one")
    _, second = export_text(fresh_db, tmp_path, "jsonl", "two")
    assert len(pseudonyms(first)) == 7  # 4 items, 2 authors, 1 profile
    assert pseudonyms(first).isdisjoint(pseudonyms(second))
    assert not fresh_db.execute("SELECT 1 FROM secrets WHERE name LIKE 'link_key:%'").fetchone(), "fresh keys are never stored"


def test_a_link_key_links_exports_and_is_stored(fresh_db, tmp_path):
    add_corpus(fresh_db)
    _, first = export_text(fresh_db, tmp_path, "jsonl", "one", link_key="study-2026")
    _, second = export_text(fresh_db, tmp_path, "parquet", "two", link_key="study-2026")
    _, other = export_text(fresh_db, tmp_path, "jsonl", "three", link_key="other")
    assert pseudonyms(first) == pseudonyms(second)
    assert pseudonyms(first).isdisjoint(pseudonyms(other))
    stored = fresh_db.execute("SELECT count(*) FROM secrets WHERE name IN ('link_key:study-2026', 'link_key:other')").fetchone()[0]
    assert stored == 2
    with pytest.raises(LinkKeyNameError):
        check_link_key_name("../etc")


def test_link_keys_can_be_listed_and_deleted(runner, db_path, tmp_path):
    from tocsin.cli import main
    from tocsin.store import connect

    db = connect(db_path)
    add_corpus(db)
    db.close()
    assert "no link keys" in runner.invoke(main, ["--db", str(db_path), "link-key", "list"]).output
    runner.invoke(main, ["--db", str(db_path), "export", "--link-key", "study", "--out", str(tmp_path / "a")])
    listed = runner.invoke(main, ["--db", str(db_path), "link-key", "list"])
    assert listed.exit_code == 0 and listed.output.startswith("study\tcreated ")
    assert runner.invoke(main, ["--db", str(db_path), "link-key", "delete", "study"]).exit_code == 0
    missing = runner.invoke(main, ["--db", str(db_path), "link-key", "delete", "study"])
    assert missing.exit_code == 1 and "no link key named 'study'" in missing.output


def test_same_author_same_pseudonym_within_one_export(fresh_db, tmp_path):
    for n in range(3):
        add_item(fresh_db, url=f"https://news.example.kg/s/{n}", text=f"Story {n}", author="Zqx Same Author" if n < 2 else "Other")
    _, records = export_text(fresh_db, tmp_path, "jsonl", "one")
    authors = [r["author"] for r in records]
    assert authors[0] == authors[1] != authors[2]


def test_profile_links_that_name_their_person_in_the_query_stay_apart():
    """``tg://resolve?domain=…`` and ``profile.php?id=…`` links of different people are different profiles."""
    key = ExportKey.fresh()
    people = ["tg://resolve?domain=some_one", "tg://resolve?domain=other_one", "tg://resolve?phone=996555123456",
              "https://www.facebook.com/profile.php?id=1001", "https://facebook.com/profile.php?id=1002"]
    assert len({key.profile(url) for url in people}) == len(people)
    assert key.profile("https://m.facebook.com/profile.php?ref=bookmarks&id=1001#top") == key.profile(people[3])
    assert key.profile("tg://resolve?domain=Some_One") == key.profile(people[0])
    # a post keeps its number, as on the web: the app link to post 5 is t.me/some_one/5, not the channel
    assert key.profile("tg://resolve?domain=Some_One&post=5") == key.profile("https://t.me/s/some_one/5") != key.profile(people[0])


def test_an_export_key_does_not_show_its_secret_in_repr():
    key = ExportKey(b"\x01secret-bytes-of-one-export\x02", "study")
    assert "secret-bytes" not in repr(key) and "secret-bytes" not in str(key)
    assert "study" in repr(key)
    key.author("p1")  # the derived HMAC states, once cached, stay out of it too
    assert "secret-bytes" not in repr(key)


@pytest.mark.slow
def test_dictionary_attack_of_a_million_handles_matches_no_author(fresh_db, tmp_path, monkeypatch):
    """An attacker holds the export and a list of 1,000,000 candidate handles that includes every real author.

    Without the export key (a fresh key is discarded after the export) nothing the attacker can compute
    matches an exported pseudonym: not plain hashes of the handles, not the store's own pseudonyms even
    with the real store key (a stolen database), not those re-keyed with a guessed export key (a guessed
    store key is weaker still). With both real keys the same loop finds every author: the protection is
    the keys, nothing else.
    """
    planted = [f"@u{n:07d}" for n in (17, 4242, 99999, 123456, 500000, 777777, 999999)]
    for n, handle in enumerate(planted):
        add_item(fresh_db, url=f"https://t.me/s/chan/{n}", text=f"Post number {n}", author=handle, source="chan")
    used: list[ExportKey] = []
    real_fresh = ExportKey.fresh

    def spy() -> ExportKey:
        used.append(real_fresh())
        return used[-1]

    monkeypatch.setattr(ExportKey, "fresh", staticmethod(spy))
    _, records = export_text(fresh_db, tmp_path, "jsonl", "attacked")
    exported = {r["author"] for r in records}
    assert len(exported) == len(planted)

    store_key = get_secret(fresh_db, AUTHOR_KEY)
    export_key = used[0].key
    guessed_export_key = hashlib.sha256(b"a guess").digest()
    exported_raw = {bytes.fromhex(a[2:]) for a in exported}  # the bytes behind each 'a_' + hex pseudonym
    (width,) = {len(raw) for raw in exported_raw}
    digest, sha256 = hmac.digest, hashlib.sha256

    def store_digest(handle: bytes) -> bytes:  # the store's scheme (tocsin.store.pseudonyms.keyed_hash)
        return digest(store_key, handle, "sha256")

    assert "a_" + store_digest(planted[0].encode()).hex()[:16] == pseudonymise_author(fresh_db, planted[0])
    hits = {"plain sha256": 0, "store pseudonyms as such": 0, "stolen store key, guessed export key": 0}
    found_with_both_keys = set()
    for n in range(1_000_000):
        handle = b"@u%07d" % n  # already stripped and case-folded, as the store's scheme does
        hits["plain sha256"] += sha256(handle).digest()[:width] in exported_raw
        store = store_digest(handle)
        hits["store pseudonyms as such"] += store[:width] in exported_raw
        name = b"a_" + store.hex()[:16].encode()
        hits["stolen store key, guessed export key"] += digest(guessed_export_key, b"author\x00" + name, "sha256")[:width] in exported_raw
        if digest(export_key, b"author\x00" + name, "sha256")[:width] in exported_raw:
            found_with_both_keys.add(handle.decode())
    assert hits == dict.fromkeys(hits, 0)
    assert found_with_both_keys == set(planted)


@pytest.mark.parametrize("text, expected", [
    ("Call +996 555 123 456 now", "Call [phone] now"),
    ("Звоните 8 (3222) 5-55-55.", "Звоните [phone]."),
    ("Tel: 90 123 45 67", "Tel: [phone]"),
    ("June 2010, 275,000 people; on 2010-06-10 at 12:30", "June 2010, 275,000 people; on 2010-06-10 at 12:30"),
    # Kyrgyz numbers grouped like dates are phones; real dates, with a time after them, are not
    ("Тел. 0555-12-34-56, 0555.12.34.56 или 0312-66-12-34", "Тел. [phone], [phone] или [phone]"),
    ("on 2010-06-10 12 30 and 01.06.2026 18 00", "on 2010-06-10 12 30 and 01.06.2026 18 00"),
    ("write to a.b-c@mail.example.kg.", "write to [email]."),
    ("ask @osh_voice or @Ali.", "ask [handle] or [handle]."),
    ("Конец.@second_handle спасибо@osh_voice_1, ＠osh_voice_2 @\u200bhidden_3 @ivan-petrov",
     "Конец.[handle] спасибо[handle], [handle] [handle] [handle]"),
    ("fb.me/some.one instagr.am/some_one vk.me/some_one", "[profile] [profile] [profile]"),
    ("open tg://resolve?domain=some_one&post=5 now", "open [profile] now"),
    ("Пишите ＠osh_voice_2 сегодня", "Пишите [handle] сегодня"),   # a full-width at sign and nothing else
    ("see t.me/osh_voice, https://www.facebook.com/some.one?x=1 and https://kloop.kg/news/1",
     "see [profile], [profile] and https://kloop.kg/news/1"),
    # decomposed letters (и + U+0306 is й, е + U+0308 is ё): the combining mark belongs to the name
    ("пишите @и\u0306ван_ос\u0308л сегодня", "пишите [handle] сегодня"),
    ("почта и\u0306ван@почта.рф.", "почта [email]."),
    ("канал t.me/и\u0306ван_ош!", "канал [profile]!"),
    # non-Latin names as browsers copy them, percent-encoded; more platforms of the region's readers
    ("https://www.youtube.com/@%D0%98%D0%B2%D0%B0%D0%BD and vk.com/%D0%B8%D0%B2%D0%B0%D0%BD.", "[profile] and [profile]."),
    ("dzen.ru/some_one bsky.app/profile/some.one reddit.com/user/some_one max.ru/some_one",
     "[profile] [profile] [profile] [profile]"),
    ("blog https://some-one.livejournal.com/1234.html, not www.livejournal.com/", "blog [profile], not www.livejournal.com/"),
    # a blog's bare address, with no '/' after the host, and no other '/' or '@' in the text
    ("Читайте some-one.livejournal.com каждый день", "Читайте [profile] каждый день"),
    ("blog: https://some.LiveJournal.com.", "blog: [profile]."),
    # a handle is redacted whole: however long, with an invisible character inside, or right before another
    ("write @" + "a" * 70 + " now", "write [handle] now"),
    ("cc @some_one@other_one, @some\u200bone", "cc [handle][handle], [handle]"),
    ("some.one@mail.example.kg@other_one", "[email][handle]"),
])
def test_redaction_rules(text, expected):
    assert Redactor(RedactionRules()).redact_text(text) == expected


def test_offsets_map_through_redactions():
    text = "@abc_def says uzbek and +996 555 123 456 then Osh"
    red = Redactor(RedactionRules()).redact(text)
    for word in ("uzbek", "then Osh", "says"):
        start = text.index(word)
        new_start, new_end = red.map_span(start, start + len(word))
        assert red.text[new_start:new_end] == word
    start = text.index("555")  # a span inside a redacted phone covers the token
    new_start, new_end = red.map_span(start, start + 3)
    assert red.text[new_start:new_end] == "[phone]"


def test_log_lines_carry_no_content(fresh_db, tmp_path, caplog):
    from tocsin.export.erasure import forget

    caplog.set_level(logging.DEBUG)
    ids = add_corpus(fresh_db)
    export_text(fresh_db, tmp_path, "parquet", "logged")
    forget(fresh_db, Settings(), authors=["Zqx Canary Author"], item_ids=[ids["counter"]])
    assert "exported" in caplog.text and "erasure done" in caplog.text
    for piece in (*CANARIES, *CANARY_PIECES, "vermin", "кыргыз"):
        assert piece not in caplog.text
