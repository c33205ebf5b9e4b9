"""Export edge cases: line separators inside JSONL texts, Telegram deep links and other identifying links, phone
numbers written with typographic spaces and dashes, and whether two linked exports really share their key."""

from __future__ import annotations

import json

import pytest

from test_export_support import add_item
from tocsin.config import Settings
from tocsin.export.dataset import ExportOptions, export_dataset
from tocsin.export.redaction import RedactionRules, Redactor
from tocsin.store.exporting import delete_link_key


def export(db, tmp_path, name: str, fmt: str = "jsonl", **kwargs):
    return export_dataset(db, Settings(), ExportOptions(fmt=fmt, out=tmp_path / name, **kwargs))


def redact(text: str) -> str:
    return Redactor(RedactionRules()).redact_text(text)


def test_jsonl_lines_split_only_at_record_ends(fresh_db, tmp_path):
    """U+2028, U+2029 and NEL are line breaks to ``str.splitlines`` (and to many editors): escaped, each record
    stays on one line by any reader's count, and loads back to the same text."""
    text = "Fictional post:\u2028first line\u2029second\x85third"
    add_item(fresh_db, url="https://news.example.kg/ls/1", text=text)
    add_item(fresh_db, url="https://news.example.kg/ls/2", text="A plain second post")
    data = export(fresh_db, tmp_path, "ls").data_path.read_text(encoding="utf-8")
    lines = data.splitlines()
    assert len(lines) == 2
    assert json.loads(lines[0])["text"] == text


@pytest.mark.parametrize("link", [
    "tg://user?id=1234567",
    "tg://openmessage?user_id=7654321",
    "tg://resolve?phone=99655598765",
    "tg://resolve?domain=some_one&start=x",
])
def test_telegram_deep_links_naming_a_user_are_redacted(link):
    assert redact(f"write to {link} today") == "write to [profile] today"


@pytest.mark.parametrize("link", ["vkontakte.ru/id123", "https://odnoklassniki.ru/profile/575123",
                                  "https://www.threads.com/some_one"])
def test_profile_links_on_a_platforms_other_domains_are_redacted(link):
    assert redact(f"see {link}.") == "see [profile]."


@pytest.mark.parametrize("phone", [
    "+996\u202f555\u202f987\u202f654",   # narrow no-break spaces, as word processors group digits
    "+996\u2009555\u2009987\u2009654",   # thin spaces
    "+996\u2007555\u2007987\u2007654",   # figure spaces
    "0555\u201312\u201334\u201356",      # en dashes, as autocorrect writes '-'
    "0555\u201112\u201134\u201156",      # non-breaking hyphens
    "+996\u2212555\u2212987\u2212654",   # minus signs
])
def test_phones_written_with_typographic_spaces_and_dashes_are_redacted(phone):
    assert redact(f"Звоните {phone} сегодня") == "Звоните [phone] сегодня"


@pytest.mark.parametrize("text", ["в 2010\u20132015 годах", "1\u202f000 сомов", "01.06.2026\u201305.06.2026 18\u202f00",
                                  "в 2019 \u2014 2020 \u2014 2021 годах"])
def test_years_amounts_and_date_ranges_with_typographic_marks_stay(text):
    assert redact(text) == text


def test_the_datasheet_tells_whether_linked_exports_share_their_key(fresh_db, tmp_path):
    """Exports made with one stored key show one fingerprint; a key deleted and made again under the same name
    (or a misspelt name) shows another, and the datasheet of the export that made a key says so."""
    add_item(fresh_db, url="https://news.example.kg/k/1", text="A fictional post", author="Zqx Key Author")
    sheets = []
    for name in ("one", "two"):
        sheets.append(export(fresh_db, tmp_path, name, link_key="study").datasheet_path.read_text(encoding="utf-8"))
    delete_link_key(fresh_db, "study")
    sheets.append(export(fresh_db, tmp_path, "three", link_key="study").datasheet_path.read_text(encoding="utf-8"))
    fingerprints = [sheet.split("fingerprint `", 1)[1][:16] for sheet in sheets]
    assert fingerprints[0] == fingerprints[1] != fingerprints[2]
    assert "made by this export" in sheets[0] and "made by this export" not in sheets[1]
    assert "made by this export" in sheets[2]
    secret = fresh_db.execute("SELECT value FROM secrets WHERE name = 'link_key:study'").fetchone()[0]
    assert bytes(secret).hex()[:8] not in sheets[2]
    fresh = export(fresh_db, tmp_path, "fresh").datasheet_path.read_text(encoding="utf-8")
    assert "fingerprint" not in fresh


@pytest.mark.parametrize("text, expected", [
    ("write zqx.sample＠mail.example.kg today", "write [email] today"),   # a full-width at sign, as posters hide addresses
    ("zqx.one＠mail.example.kg, zqx.two@mail.example.kg", "[email], [email]"),
])
def test_addresses_written_with_a_full_width_at_sign_are_redacted_whole(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("fmt", ["csv", "csv-excel", "jsonl", "parquet"])
def test_one_store_and_one_link_key_give_the_same_bytes(fresh_db, tmp_path, fmt):
    """Exports are reproducible: only the datasheet's creation time differs (a default export draws a new key)."""
    for n in range(3):
        add_item(fresh_db, url=f"https://news.example.kg/rb/{n}", text=f"Fictional story {n}\u2028with a break",
                 author=f"Zqx Writer {n % 2}", analyse=n != 1)
    first, second = (export(fresh_db, tmp_path, name, fmt, link_key="study").data_path.read_bytes() for name in ("a", "b"))
    assert first == second


@pytest.mark.parametrize("text, expected", [
    ("Files at dropbox.com/s/zqx and inbox.com/zqx", "Files at dropbox.com/s/zqx and inbox.com/zqx"),
    ("Watch netflix.com/title/1 tonight", "Watch netflix.com/title/1 tonight"),
    ("mobile.twitter.com/zqxname", "mobile.[profile]"),
    ("Подписывайтесьt.me/zqxchan", "Подписывайтесь[profile]"),
    ("go to https://m.facebook.com/zqx now", "go to [profile] now"),
])
def test_a_host_that_only_ends_like_a_social_one_is_left_alone(text, expected):
    assert redact(text) == expected


def test_a_link_key_made_while_others_exist_is_warned_of_as_a_possible_misspelling(runner, db_path, tmp_path):
    from tocsin.cli import main
    from tocsin.store import connect

    db = connect(db_path)
    add_item(db, url="https://news.example.kg/lk/1", text="A calm fictional market report.")
    db.close()

    def export_with(key: str, name: str):
        return runner.invoke(main, ["--db", str(db_path), "export", "--format", "jsonl", "--out", str(tmp_path / name),
                                    "--link-key", key])

    first = export_with("study-1", "a")
    assert first.exit_code == 0 and "warning" not in first.stderr
    again = export_with("study-1", "b")
    assert again.exit_code == 0 and "created link key" not in again.output and "warning" not in again.stderr
    typo = export_with("studdy-1", "c")
    assert typo.exit_code == 0 and "created link key 'studdy-1'" in typo.stdout
    assert "shares no pseudonyms with exports made under 'study-1'" in typo.stderr
    assert "tocsin link-key delete studdy-1" in typo.stderr
