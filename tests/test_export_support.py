"""Fictional items, analyses and reviews shared by the export, privacy and erasure tests (no tests here).

Every name, handle, phone number and address below is invented; the canaries are strings that must
never appear in an export or survive an erasure.
"""

from __future__ import annotations

import json
from typing import Any

from tocsin.analyse import item_text
from tocsin.store import ItemRecord, upsert_item
from tocsin.store.analyses import AnalysisRecord, save_analysis
from tocsin.store.db import utcnow
from tocsin.store.exporting import bulk_insert
from tocsin.store.sources import ensure_source

CANARY_HANDLES = ("@zqx_canary_handle", "@Zqx_Canary_2010")
CANARY_PHONES = ("+996 555 987 654", "+7 (912) 345-67-89", "0777 12-34-56")
CANARY_EMAILS = ("zqx.canary@example.org", "canary+tag@mail.example.kg")
CANARY_PROFILES = ("https://t.me/zqx_canary_profile", "vk.com/id9988776655")
CANARIES = (*CANARY_HANDLES, *CANARY_PHONES, *CANARY_EMAILS, *CANARY_PROFILES)

#: A tricky text for CSV: quotes, commas, newlines (LF and CRLF), a tab and non-Latin scripts.
TRICKY_TEXT = 'He said "go, now",\nthen left;\r\nтекст, "кавычки"\tи o\'zbekcha matn'


def spans_for(text: str, words: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """Evidence spans (kind, label, text, start, end) for each (kind, label, word) found in ``text``."""
    out = []
    for kind, label, word in words:
        start = text.index(word)
        out.append({"kind": kind, "label": label, "text": word, "start": start, "end": start + len(word)})
    return out


def add_item(db, *, url: str, text: str, title: str = "", author: str = "", source: str = "test",
             lang: str = "en", published_at: str | None = "2026-06-01T10:00:00+00:00", meta: dict | None = None,
             raw: bytes | None = None, analyse: bool = True, score: float = 0.9, incitement: bool | None = None,
             words: list[tuple[str, str, str]] | None = None, hallmarks: list[str] | None = None,
             explanation: str = "", spans: list[dict[str, Any]] | None = None) -> str:
    """Store one item (author pseudonymised by the store) with an analysis whose spans match its text: those of
    ``words``, or ``spans`` as given."""
    ensure_source(db, source)
    record = ItemRecord(source=source, url=url, title=title, text=text, author=author, lang=lang.split("-")[0],
                        published_at=published_at, meta=meta or {}, raw=raw, content_type="text/html" if raw else "")
    upsert_item(db, record)
    if analyse:
        if spans is None:
            spans = spans_for(item_text({"title": title, "text": text}), words or [])  # offsets into the analysed text
        save_analysis(db, AnalysisRecord(
            item_id=record.id, content_hash=record.content_hash, model_name="tocsin-test", model_version="1",
            patterns_version="p1", threshold=0.5, score=score, incitement=score >= 0.5 if incitement is None else incitement,
            lang=lang, hallmarks=hallmarks or [],
            targets=[{"group": s["label"], "text": s["text"], "start": s["start"], "end": s["end"]} for s in spans if s["kind"] == "target"],
            places=[{"place": s["label"], "text": s["text"], "start": s["start"], "end": s["end"]} for s in spans if s["kind"] == "place"],
            spans=spans, explanation=explanation or f"flagged for {', '.join(hallmarks or []) or 'nothing'}",
        ))
    return record.id


def add_reviews(db, item_id: str, decisions: list[tuple[str, str]]) -> None:
    """Append (reviewer, decision) reviews of an item, in order."""
    bulk_insert(db, "reviews", [{"item_id": item_id, "reviewer": r, "decision": d, "note": f"note by {r}", "at": utcnow()}
                                for r, d in decisions])


def add_alert(db, item_ids: list[str], *, title: str, message: str, payload: dict | None = None,
              rule: str = "item", kind: str = "item") -> int:
    """An alert about some items, with one delivery whose frozen body repeats the message."""
    now = utcnow()
    bulk_insert(db, "alerts", [{"rule": rule, "kind": kind, "key": "uzbek|osh", "severity": "high", "title": title,
                                "message": message, "payload": json.dumps(payload or {}, ensure_ascii=False),
                                "item_ids": json.dumps(item_ids), "count": len(item_ids), "created_at": now, "updated_at": now}])
    alert_id = db.execute("SELECT max(id) FROM alerts").fetchone()[0]
    bulk_insert(db, "deliveries", [{"alert_id": alert_id, "sink": "file", "idempotency_key": f"k{alert_id}",
                                    "next_attempt_at": now, "created_at": now,
                                    "body": json.dumps({"title": title, "message": message}, ensure_ascii=False)}])
    return alert_id


def add_corpus(db) -> dict[str, str]:
    """A small corpus: flagged and unflagged items, canaries in text, tricky CSV text, reviews."""
    ids = {}
    text1 = (f"Call {CANARY_PHONES[0]} or write {CANARY_EMAILS[0]}: the uzbek neighbours in Osh are vermin, "
             f"says {CANARY_HANDLES[0]} (see {CANARY_PROFILES[0]}).")
    ids["flagged"] = add_item(
        db, url="https://news.example.kg/a/1", title=f"Rumours from {CANARY_HANDLES[1]}", text=text1,
        author="Zqx Canary Author", meta={"author_url": "https://t.me/zqx_author_profile"},
        words=[("target", "uzbek", "uzbek"), ("place", "osh", "Osh"), ("cue", "dehumanization", "vermin"),
               ("cue", "handle", CANARY_HANDLES[0])],
        hallmarks=["dehumanization"], explanation=f"dehumanising word; quoted by {CANARY_HANDLES[0]}", lang="en")
    text2 = f"Контакт {CANARY_PHONES[1]}, {CANARY_EMAILS[1]}, {CANARY_PROFILES[1]}; кыргыз жана өзбек достор."
    ids["counter"] = add_item(
        db, url="https://t.me/s/chan/2", text=text2, author="@zqx_poster", source="chan", lang="ru",
        score=0.2, words=[("target", "kyrgyz", "кыргыз"), ("target", "uzbek", "өзбек")])
    ids["tricky"] = add_item(db, url="https://news.example.kg/a/3", title='A "quoted", title', text=TRICKY_TEXT,
                             author="", score=0.1, lang="uz-Latn", published_at=None)
    ids["unanalysed"] = add_item(db, url="https://news.example.kg/a/4", text=f"Ring {CANARY_PHONES[2]} today.",
                                 analyse=False, published_at="2026-07-15T08:00:00+06:00")
    # reviewer names with letters beyond a–f, so that no hex digest in an export can contain one by chance
    add_reviews(db, ids["flagged"], [("rita", "not_incitement"), ("rita", "incitement"), ("leo", "incitement"), ("zoya", "escalate")])
    add_reviews(db, ids["counter"], [("rita", "not_incitement"), ("leo", "incitement")])
    return ids
