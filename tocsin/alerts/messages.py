"""What an alert says: a title and a plain-text message with what, whom, where, how many, the top
evidence and links to the review page; and the frozen body each sink receives.

Alerts leave the store (e-mail, webhooks, chat), so their evidence names no one: excerpts and cues are
redacted as exports are (e-mail addresses, profile links, @handles, phone numbers), and an item is given by
its review-page link, not by its own URL, which on social sites names its author, nor by the store's id (a
hash of that URL): by a link id only the store can compute (:func:`tocsin.store.pseudonyms.item_link_ids`).
"""

from __future__ import annotations

import re
from typing import Any, Callable

from tocsin.export.redaction import RedactionRules, Redactor

#: How a canonical group id reads in a message.
GROUP_NAMES = {
    "uzbek": "Uzbeks", "kyrgyz": "Kyrgyz", "tajik": "Tajiks", "russian": "Russians", "dungan": "Dungans",
    "uyghur": "Uyghurs", "kazakh": "Kazakhs", "turk": "Turks", "jewish": "Jews", "muslim": "Muslims",
    "christian": "Christians", "chinese": "Chinese", "korean": "Koreans",
}
#: Evidence items shown in a message.
TOP_EVIDENCE = 3
EXCERPT_CHARS = 160


def group_name(group: str) -> str:
    """``uzbek`` → ``Uzbeks``; unknown ids are shown as they are."""
    return GROUP_NAMES.get(group, group or "a group")


def place_name(place: str) -> str:
    """``jalal-abad`` → ``Jalal-Abad``; empty or ``-`` → ``no named place``."""
    if not place or place == "-":
        return "no named place"
    return "-".join(part.capitalize() for part in place.replace("_", " ").split("-"))


def review_links(review_url: str, alert_id: int, link_ids: list[str]) -> dict[str, Any]:
    """Links to the alert and its items (by their link ids) on the review page."""
    base = review_url.rstrip("/")
    return {"alert": f"{base}/alerts/{alert_id}", "items": [item_link(base, alert_id, i) for i in link_ids]}


def item_link(review_url: str, alert_id: int, link_id: str) -> str:
    """The review page's address of one item of an alert, by its link id."""
    return f"{review_url.rstrip('/')}/alerts/{alert_id}/items/{link_id}"


def public_evidence(evidence: list[dict[str, Any]], link_id: Callable[[str], str]) -> list[dict[str, Any]]:
    """Evidence as it leaves the store: each item's link id in place of its store id."""
    return [{"item_link": link_id(ev["item_id"]), **{k: v for k, v in ev.items() if k != "item_id"}} for ev in evidence]


_SPACE = re.compile(r"\s")


def excerpt(text: str, spans: list[dict[str, Any]], limit: int = EXCERPT_CHARS) -> str:
    """A one-line excerpt of ``text`` of at most ``limit`` characters around its first cue (hallmark
    evidence), else its start."""
    text = text or ""
    cues = [s for s in spans or [] if s.get("kind") == "cue"] or list(spans or [])
    centre = 0
    if cues:
        cue = cues[0]
        start = cue.get("start")
        if isinstance(start, int) and text[start:cue.get("end", start)] == cue.get("text"):
            centre = start
        elif cue.get("text") and cue["text"] in text:
            centre = text.index(cue["text"])
    begin = max(0, centre - limit // 3)
    if begin and not text[begin - 1].isspace():   # start at a word, not in the middle of one
        space = _SPACE.search(text, begin, min(centre, begin + 20))
        begin = space.end() if space else begin
    piece = " ".join(text[begin:begin + limit].split())
    return ("…" if begin > 0 else "") + piece + ("…" if begin + limit < len(text) else "")


def evidence_entry(row: dict[str, Any]) -> dict[str, Any]:
    """One piece of evidence from an analysis joined with its item, with no personal identifier in it."""
    redactor = Redactor(RedactionRules())
    original = row.get("text") or row.get("title") or ""
    redacted = redactor.redact(original)
    spans = [_mapped(span, original, redacted) for span in row.get("spans") or []]
    return {
        "item_id": row["item_id"],
        "score": round(float(row.get("score") or 0), 3),
        "source": row.get("source", ""),
        "hallmarks": list(row.get("hallmarks") or []),
        "cues": [f"{s.get('label')}: “{redactor.redact_text(s.get('text') or '')}”" for s in spans if s.get("kind") == "cue"][:3],
        "excerpt": excerpt(redacted.text, spans),
        "at": row.get("published_at") or row.get("first_seen") or "",
    }


def _mapped(span: dict[str, Any], original: str, redacted: Any) -> dict[str, Any]:
    """A span of ``original`` moved onto its redacted text (see :meth:`Redaction.map_span`). A span whose
    offsets point elsewhere (they count from the title of an article, and ``original`` is its body) is left
    as it is: :func:`excerpt` then finds its words by their text."""
    start, end = span.get("start"), span.get("end")
    if not (isinstance(start, int) and isinstance(end, int)) or original[start:end] != span.get("text"):
        return span
    new_start, new_end = redacted.map_span(start, end)
    return {**span, "start": new_start, "end": new_end, "text": redacted.text[new_start:new_end]}


def what_line(payload: dict[str, Any], closing: bool = False) -> str:
    """What happened, in one line; ``closing``: for the message that says the alert resolved."""
    kind = payload["labels"]["kind"]
    if kind == "stale_source" and closing:
        return crawled_again_line(payload)
    if kind == "stale_source":
        stats = payload.get("stats", {})
        state = "its latest crawl failed" if stats.get("last_status") == "failed" else "its latest crawl is still running"
        return (f"no successful crawl of source {payload['labels'].get('source')} since "
                f"{stats.get('last_success_at') or 'it was added'} ({stats.get('silent_minutes')} min; it should run every "
                f"{stats.get('interval_minutes')} min); {state}; 'tocsin status' and 'tocsin crawl --source "
                f"{payload['labels'].get('source')}' show why")
    hallmarks = payload.get("hallmarks") or []
    shown = ", ".join(h.replace("_", " ") for h in hallmarks) or "incitement"
    if kind == "spike":
        s = payload.get("stats", {})
        return (f"burst of flagged items ({shown}): {s.get('count')} in {s.get('window_minutes')} min where "
                f"{s.get('expected', 0):.2g} were expected from {s.get('baseline_items', 0)} in the "
                f"{s.get('baseline_days', '?')} days before (p = {s.get('p_value', 0):.1e})")
    if kind == "spread":
        s = payload.get("stats", {})
        return f"one text spreading ({shown}): {s.get('copies')} copies in {s.get('sources')} sources"
    return shown


def crawled_again_line(payload: dict[str, Any]) -> str:
    """What the resolved message of a stale source says: it crawled successfully again (at ``crawled_again_at``
    when known), rather than the failure it reported."""
    source = payload["labels"].get("source")
    again = payload.get("stats", {}).get("crawled_again_at")
    if again:
        return f"source {source} crawled successfully again at {again}; the alert is resolved"
    return f"source {source} is no longer stale (it crawled successfully again, or is no longer crawled); the alert is resolved"


def render_title(payload: dict[str, Any]) -> str:
    """A one-line title: what, against whom, where."""
    labels = payload["labels"]
    kind = labels["kind"]
    if kind == "stale_source":
        return f"Source {labels.get('source')} has not been crawled successfully"
    whom, where = group_name(labels.get("group", "")), place_name(labels.get("place", ""))
    what = {"item": "Incitement", "spike": "Burst of incitement", "spread": "Spreading incitement"}.get(kind, "Incitement")
    place = f" in {where}" if labels.get("place") not in ("", "-", None) else ""
    return f"{what} against {whom}{place}"


def render_text(alert_id: int, rule: str, severity: str, count: int, payload: dict[str, Any], review_url: str,
                link_id: Callable[[str], str], reason: str = "", status: str = "open") -> str:
    """The plain-text message: what, whom, where, how many, top evidence and review links (items by
    ``link_id``, see :func:`tocsin.store.pseudonyms.item_link_ids`)."""
    labels = payload["labels"]
    links = review_links(review_url, alert_id, [])
    # an update sent after its alert resolved (items that joined while it went quiet) still heads with its
    # severity: only the message that says the condition ended reads RESOLVED
    closing = status == "resolved" and reason in ("", "resolved")
    lines = [f"[{'RESOLVED' if closing else severity.upper()}] {render_title(payload)}"]
    lines.append(f"What: {what_line(payload, closing)}")
    if labels["kind"] != "stale_source":
        others = [g for g in payload.get("groups", []) if g != labels.get("group")]
        lines.append(f"Whom: {group_name(labels.get('group', ''))}"
                     + (f" (also named: {', '.join(group_name(g) for g in others)})" if others else ""))
        lines.append(f"Where: {place_name(labels.get('place', ''))}")
        sources = payload.get("sources") or []
        first, last = payload.get("first_at", ""), payload.get("last_at", "")
        span = f", {first} to {last}" if first and last != first else (f", {first}" if first else "")
        lines.append(f"How many: {count} item{'s' if count != 1 else ''} from {len(sources)} source"
                     f"{'s' if len(sources) != 1 else ''} ({', '.join(sources)}){span}")
        if payload.get("reasons"):
            lines.append(f"Severity raised by: {'; '.join(payload['reasons'])}")
        evidence = payload.get("evidence") or []
        if evidence:
            lines.append("Top evidence:")
            for n, ev in enumerate(evidence[:TOP_EVIDENCE], 1):
                lines.append(f"  {n}. score {ev['score']:.2f} · {ev['source']} · {ev.get('at', '')}")
                if ev.get("cues"):
                    lines.append(f"     {'; '.join(ev['cues'])}")
                lines.append(f"     “{ev['excerpt']}”")
                lines.append(f"     {item_link(review_url, alert_id, link_id(ev['item_id']))}")
    lines.append(f"Review: {links['alert']}")
    lines.append(f"Rule {rule} · alert #{alert_id}" + (f" · {reason}" if reason else "")
                 + (" · the alert has since resolved" if status == "resolved" and not closing else ""))
    return "\n".join(lines)


def render_body(alert: dict[str, Any], *, idempotency_key: str, notification: int, reason: str,
                review_url: str, link_id: Callable[[str], str], thread: str = "") -> dict[str, Any]:
    """The message every sink receives for one notification (frozen in the outbox row).

    :param link_id: gives each item id its link id (:func:`tocsin.store.pseudonyms.item_link_ids`).
    :param thread: the key of this alert's first message to the same sink (threads repeats in e-mail).
    """
    payload = alert["payload"]
    evidence = public_evidence((payload.get("evidence") or [])[:TOP_EVIDENCE], link_id)
    return {
        "id": idempotency_key,
        "type": f"alert.{alert['kind']}",
        "alert_id": alert["id"],
        "notification": notification,
        "thread": thread or idempotency_key,
        "reason": reason,
        "rule": alert["rule"],
        "kind": alert["kind"],
        "key": alert["key"],
        "severity": alert["severity"],
        "status": alert["status"],
        "title": alert["title"],
        "text": render_text(alert["id"], alert["rule"], alert["severity"], alert["count"], payload, review_url, link_id,
                            reason, alert["status"]),
        "count": alert["count"],
        "labels": {**payload["labels"], "rule": alert["rule"], "kind": alert["kind"], "key": alert["key"],
                   "severity": alert["severity"]},
        "stats": payload.get("stats", {}),
        "evidence": evidence,
        "links": review_links(review_url, alert["id"], [e["item_link"] for e in evidence]),
        "created_at": alert["created_at"],
        "updated_at": alert["updated_at"],
    }
