"""The one layout of an exported row, shared by the CSV, JSONL and Parquet writers and the datasheet."""

from __future__ import annotations

import pyarrow as pa

TARGET = pa.struct([("group", pa.string()), ("text", pa.string()), ("start", pa.int64()), ("end", pa.int64())])
PLACE = pa.struct([("place", pa.string()), ("text", pa.string()), ("start", pa.int64()), ("end", pa.int64())])
SPAN = pa.struct([("kind", pa.string()), ("label", pa.string()), ("text", pa.string()),
                  ("start", pa.int64()), ("end", pa.int64()), ("form", pa.string())])
TIMESTAMP = pa.timestamp("ms", tz="UTC")  # Parquet has no seconds unit

#: (name, Parquet type, description). JSONL and CSV carry the same fields in this order.
FIELDS: list[tuple[str, pa.DataType, str]] = [
    ("id", pa.string(), "Pseudonymous item id: HMAC-SHA256 of the store's id under the export key ('i_' + 20 hex)."),
    ("source", pa.string(), "Name of the monitored source (an outlet or a public channel)."),
    ("kind", pa.string(), "article, post or comment."),
    ("lang", pa.string(), "Language as analysed (ru, ky, uz-Latn, uz-Cyrl, en, …), else the crawl's hint; '' when unknown."),
    ("author", pa.string(), "Author pseudonym under the export key ('a_' + 20 hex); null when the source names no author."),
    ("author_profile", pa.string(), "Pseudonym of the author's profile link under the export key ('p_' + 20 hex), or null."),
    ("title", pa.string(), "Title, redacted."),
    ("text", pa.string(), "The text as analysed (the title, a blank line, the body; the body alone when it starts with the title), redacted; the offsets of targets, places and spans point into it."),
    ("published_at", TIMESTAMP, "Publication time given by the source (UTC), or null."),
    ("first_seen", TIMESTAMP, "When tocsin first collected the item (UTC)."),
    ("removed_at", TIMESTAMP, "When tocsin found the item removed from its source (UTC), or null."),
    ("retention_purged_at", TIMESTAMP, "When retention purged the item's content (UTC): its title, text and explanation are then empty and its spans keep their offsets with empty text; null otherwise."),
    ("score", pa.float64(), "Incitement score of the latest analysis in [0, 1]; null when not analysed."),
    ("incitement", pa.bool_(), "The model's decision (score >= threshold); null when not analysed."),
    ("threshold", pa.float64(), "Threshold the decision used; null when not analysed."),
    ("hallmarks", pa.list_(pa.string()), "Dangerous-speech hallmarks found (names)."),
    ("targets", pa.list_(TARGET), "Target group mentions: group id, surface text, start, end."),
    ("places", pa.list_(PLACE), "Place mentions: place id, surface text, start, end."),
    ("spans", pa.list_(SPAN), "All evidence spans: kind (target, place, cue, context), label, text, start, end; form (exclusion: a call to keep a group out of work, housing, trade or a place; exclusivity: a land, a home or work claimed for the one group named) on a cue of a narrower form, else null."),
    ("explanation", pa.string(), "Why the model decided as it did, redacted."),
    ("model_name", pa.string(), "Classifier name of the latest analysis, or null."),
    ("model_version", pa.string(), "Classifier version of the latest analysis, or null."),
    ("patterns_version", pa.string(), "Version of the lexicons and rules used, or null."),
    ("review_count", pa.int64(), "Reviewers who decided on the text exported (each reviewer's latest decision on it counts once; decisions on other versions of an edited item are left out)."),
    ("review_incitement", pa.int64(), "Reviewers whose decision is incitement."),
    ("review_not_incitement", pa.int64(), "Reviewers whose decision is not_incitement."),
    ("review_escalate", pa.int64(), "Reviewers whose decision is escalate."),
    ("review_unsure", pa.int64(), "Reviewers whose decision is unsure."),
    ("review_majority", pa.string(), "The decision most reviewers took; 'disputed' on a tie; null when not reviewed."),
    ("review_agreement", pa.float64(), "Share of reviewers who took the majority decision; null with fewer than two reviewers."),
    ("label", pa.string(), "The item's label: the reviewers' majority when reviewed, else the model's incitement/not_incitement; null when neither."),
    ("label_source", pa.string(), "review or model; null when unlabelled."),
]

FIELD_NAMES = [name for name, _, _ in FIELDS]
SCHEMA = pa.schema([pa.field(name, tp) for name, tp, _ in FIELDS])

#: Fields holding lists (JSON strings in CSV) and timestamps (ISO 8601 strings in CSV and JSONL).
LIST_FIELDS = tuple(name for name, tp, _ in FIELDS if pa.types.is_list(tp))
TIME_FIELDS = tuple(name for name, tp, _ in FIELDS if pa.types.is_timestamp(tp))
BOOL_FIELDS = tuple(name for name, tp, _ in FIELDS if pa.types.is_boolean(tp))

#: Fields that can be null or an empty list, so a reader inferring types may see no type for a while.
NULLABLE_FIELDS = tuple(name for name, tp, _ in FIELDS if pa.types.is_list(tp) or name not in (
    "id", "source", "kind", "lang", "title", "text", "first_seen", "review_count", "review_incitement",
    "review_not_incitement", "review_escalate", "review_unsure"))

DECISIONS = ("incitement", "not_incitement", "escalate", "unsure")
LABELS = (*DECISIONS, "disputed")
