"""One store row in, one export record out: pseudonyms, redaction, exact spans, aggregated reviews."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

import orjson

from tocsin.analyse import item_text
from tocsin.export.keys import ExportKey
from tocsin.export.redaction import Redaction, Redactor
from tocsin.export.schema import DECISIONS
from tocsin.store.exporting import EXPORT_COLUMNS

#: Keys of an item's ``meta`` that may hold the author's profile link, in order of preference.
PROFILE_META_KEYS = ("author_url", "author_link", "profile_url", "author_profile")


def to_utc_iso(value: str | None) -> str | None:
    """An ISO 8601 time as UTC with an explicit offset (``…+00:00``); None when missing or unreadable, or when
    UTC has no such time (``0001-01-01T00:00:00+05:00`` falls before year 1).

    A time without a zone is taken as UTC (the store writes UTC); a bare date means its midnight.
    """
    if not value:
        return None
    if len(value) == 25 and value.endswith("+00:00") and value[10] == "T":
        return value
    try:
        parsed = datetime.fromisoformat(value.strip())
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        return parsed.astimezone(timezone.utc).replace(microsecond=0).isoformat()
    except (ValueError, OverflowError):
        return None


_UNREVIEWED: dict[str, Any] = {"review_count": 0, **{f"review_{d}": 0 for d in DECISIONS},
                               "review_majority": None, "review_agreement": None}


def aggregate_decisions(decisions: list[str]) -> dict[str, Any]:
    """Counts per decision, the majority ('disputed' on a tie) and the share agreeing with it."""
    if not decisions:
        return dict(_UNREVIEWED)
    counts = Counter(decisions)
    out: dict[str, Any] = {"review_count": len(decisions)}
    for decision in DECISIONS:
        out[f"review_{decision}"] = counts.get(decision, 0)
    ranked = counts.most_common()
    top = ranked[0][1]
    out["review_majority"] = ranked[0][0] if len(ranked) == 1 or ranked[1][1] < top else "disputed"
    out["review_agreement"] = round(top / len(decisions), 4) if len(decisions) >= 2 else None
    return out


@lru_cache(maxsize=1024)
def _aggregate_joined(decisions: str) -> dict[str, Any]:
    """:func:`aggregate_decisions` of comma-joined decisions (few distinct strings recur: cached, never mutated)."""
    return aggregate_decisions(decisions.split(","))


def profile_link(meta_json: str | None) -> str:
    """The author's profile link from an item's ``meta`` JSON, or ''."""
    return meta_value(meta_json, PROFILE_META_KEYS)


def retention_purged_at(meta_json: str | None) -> str:
    """When retention purged the item's content, from its ``meta`` JSON, or ''."""
    return meta_value(meta_json, ("retention_purged_at",))


def meta_value(meta_json: str | None, keys: tuple[str, ...]) -> str:
    """The first non-blank string among ``keys`` in an item's ``meta`` JSON, or '' (the JSON is parsed only
    when one of the keys occurs in it)."""
    if not meta_json or not any(f'"{key}"' in meta_json for key in keys):
        return ""
    try:
        meta = orjson.loads(meta_json)
    except ValueError:
        return ""
    for key in keys:
        value = meta.get(key) if isinstance(meta, dict) else None
        if isinstance(value, str) and value.strip():
            return value
    return ""


#: The keys of a target, place and span in the export, in order, by their naming keys. A span also has ``form``:
#: a cue's narrower form (``exclusion``, ``exclusivity``), or null; the store keeps it only where there is one.
_SHAPES = {("group",): ("group", "text", "start", "end"), ("place",): ("place", "text", "start", "end"),
           ("kind", "label"): ("kind", "label", "text", "start", "end", "form")}


#: Where each of :data:`~tocsin.store.exporting.EXPORT_COLUMNS` stands in a row.
_COLUMN = {name: i for i, name in enumerate(EXPORT_COLUMNS)}


def _label(reviews: dict[str, Any], analysed: bool, incitement: Any) -> tuple[str | None, str | None]:
    """An item's label and where it comes from: the reviewers' majority, else the model's decision, else none."""
    if reviews["review_count"]:
        return reviews["review_majority"], "review"
    if analysed:
        return ("incitement" if incitement else "not_incitement"), "model"
    return None, None


class RecordBuilder:
    """Turns store rows (from :func:`tocsin.store.exporting.iter_export_chunks`) into export records."""

    def __init__(self, key: ExportKey, redactor: Redactor):
        self.key = key
        self.redactor = redactor
        # authors and profiles recur across items: cache their pseudonyms (bounded, so memory stays flat)
        self._author = lru_cache(maxsize=1 << 16)(key.author)
        self._profile = lru_cache(maxsize=1 << 16)(key.profile)
        #: Spans whose offsets did not match the item's text (their text was redacted on its own).
        self.unmatched_spans = 0
        #: Times that could not be read as ISO 8601 and were exported as null.
        self.unreadable_times = 0

    def build(self, row: tuple[Any, ...]) -> dict[str, Any]:
        """The export record (see :data:`tocsin.export.schema.FIELDS`) of one row of :data:`tocsin.store.exporting.EXPORT_COLUMNS`."""
        (item_id, source, kind, title, body, author, published_at, first_seen, removed_at, lang, meta,
         score, incitement, threshold, lists, explanation, model_name, model_version, patterns_version, decisions) = row
        original = item_text({"title": title, "text": body})
        text = self.redactor.redact(original)
        analysed = lists is not None
        hallmarks, targets, places, spans = _load_lists(lists) if analysed else ((), (), (), ())
        record: dict[str, Any] = {
            "id": self.key.item(item_id),
            "source": source,
            "kind": kind,
            "lang": lang or "",
            "author": self._author(author or ""),
            "author_profile": self._profile(profile_link(meta)),
            "title": self.redactor.redact_text(title),
            "text": text.text,
            "published_at": self._time(published_at),
            "first_seen": self._time(first_seen),
            "removed_at": self._time(removed_at),
            "retention_purged_at": self._time(retention_purged_at(meta) or None),
            "score": float(score) if analysed else None,
            "incitement": bool(incitement) if analysed else None,
            "threshold": float(threshold) if analysed else None,
            "hallmarks": [str(h) for h in hallmarks],
            "targets": self._spans(targets, ("group",), original, text),
            "places": self._spans(places, ("place",), original, text),
            "spans": self._spans(spans, ("kind", "label"), original, text),
            "explanation": self.redactor.redact_text(explanation) if analysed else None,
            "model_name": model_name,
            "model_version": model_version,
            "patterns_version": patterns_version,
        }
        record.update(_aggregate_joined(decisions) if decisions else _UNREVIEWED)
        record["label"], record["label_source"] = _label(record, analysed, incitement)
        return record

    @staticmethod
    def label(row: tuple[Any, ...]) -> str:
        """The label :meth:`build` gives a row, ``"unlabelled"`` for none: an export filtered by label drops rows
        before they are built, so its redaction and datasheet counts are those of the rows it writes."""
        lists, incitement, decisions = (row[_COLUMN[name]] for name in ("lists", "incitement", "decisions"))
        label, _ = _label(_aggregate_joined(decisions) if decisions else _UNREVIEWED, lists is not None, incitement)
        return label or "unlabelled"

    def _time(self, value: str | None) -> str | None:
        if value is None or (len(value) == 25 and value[10] == "T" and value.endswith("+00:00")):
            return value  # already UTC in the store's own format (the common case), or missing
        out = to_utc_iso(value)
        if value and out is None:
            self.unreadable_times += 1
        return out

    def _spans(self, spans: list[Any], labels: tuple[str, ...], original: str, text: Redaction) -> list[dict[str, Any]]:
        """The spans of one list with offsets into the redacted text (see :meth:`_span`).

        Where nothing was redacted, a span that already fits ``original`` and has the export's shape (a span
        stored without its ``form`` given it as null) is kept as it is, checked here without a call per span
        (most spans of most items).
        """
        if not spans:
            return []
        if text.replacements:
            return [self._span(s, labels, original, text) for s in spans]
        shape = _SHAPES[labels]
        formless = shape[:-1] if labels == ("kind", "label") else None
        first, second = labels[0], labels[-1]
        out = []
        for span in spans:
            keys = tuple(span)
            if keys == shape or keys == formless:
                start, end, surface = span["start"], span["end"], span["text"]
                if (type(start) is int and type(end) is int and 0 <= start <= end and type(surface) is str
                        and original[start:end] == surface and type(span[first]) is str and type(span[second]) is str
                        and (formless is None or keys == formless or type(span["form"]) is str and span["form"])):
                    if keys == formless:
                        span["form"] = None   # the row's own dict, parsed for it alone: no copy per span
                    out.append(span)  # already exact and in the export's shape
                    continue
            out.append(self._span(span, labels, original, text))
        return out

    def _span(self, span: dict[str, Any], labels: tuple[str, ...], original: str, text: Redaction) -> dict[str, Any]:
        """A span with offsets into the redacted text and its text cut from there.

        :param labels: the span's naming keys, e.g. ``("group",)`` or ``("kind", "label")``.
        """
        out: dict[str, Any] = {}
        for name in labels:
            value = span.get(name)
            out[name] = value if type(value) is str else str(value or "")
        start, end, surface = span.get("start"), span.get("end"), str(span.get("text") or "")
        if type(start) is int and type(end) is int and 0 <= start <= end and original[start:end] == surface:
            if text.replacements:
                start, end = text.map_span(start, end)
                surface = text.text[start:end]
        else:
            self.unmatched_spans += 1
            start, end = text.map_span(max(0, _int(start)), max(0, _int(end)))
            surface = self.redactor.redact_text(surface)
        out["text"], out["start"], out["end"] = surface, start, end
        if "form" in _SHAPES[labels]:
            out["form"] = str(span["form"]) if span.get("form") else None
        return out


def _load_lists(lists: str) -> list[list[Any]]:
    """The analysis' hallmarks, targets, places and spans from their one JSON array (the ``lists`` column)."""
    return [v if isinstance(v, list) else [] for v in orjson.loads(lists)]


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1
