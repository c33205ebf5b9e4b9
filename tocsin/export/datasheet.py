"""DATASHEET.md: what an export holds, how it was made and how it may be used.

:class:`DatasheetStats` is fed every exported record while the export streams, so the datasheet costs
no second pass over the data.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache, partial
from itertools import chain, combinations, compress, repeat
from operator import is_not, itemgetter
from typing import Any
from urllib.parse import urlsplit

from tocsin import __version__
from tocsin.export.redaction import site_without_person
from tocsin.export.schema import DECISIONS, FIELDS

INTENDED_USES = (
    "Research on ethnically targeted incitement and dangerous speech: prevalence, rhetoric, targets, spread.",
    "Training and evaluating classifiers that help monitors find incitement early, with per-group fairness checks.",
    "Auditing tocsin's own decisions against reviewers' decisions.",
)
FORBIDDEN_USES = (
    "Re-identifying authors, people mentioned or reviewers, or linking pseudonyms to other data to do so.",
    "Profiling, surveilling, reporting or prosecuting individuals, journalists, activists or communities.",
    "Producing, amplifying or optimising hateful or inciting content, or evading moderation with it.",
    "Republishing the texts outside the research purpose, or publishing them without the redaction applied here.",
    "Automated decisions about people without human review.",
)


_COUNTED = itemgetter("published_at", "first_seen", "source", "kind", "lang", "label", "label_source", "removed_at",
                      "retention_purged_at", "author",
                      "model_name", "model_version", "patterns_version", "threshold", "incitement", "targets", "hallmarks",
                      "review_count")
_REVIEW_COUNTS = itemgetter(*(f"review_{d}" for d in DECISIONS))
#: A target list as an iterator of its group ids.
_GROUPS_OF = partial(map, itemgetter("group"))


#: Scraped texts are written as they are, so that span offsets hold; a spreadsheet would run those that look
#: like formulas.
SPREADSHEET_WARNING = (
    "Texts and titles are exactly as scraped, so that span offsets hold. A field that starts with `=`, `+`, `-` "
    "or `@` is a formula to a spreadsheet program, and a hostile post can be written to be one (to fetch a "
    "web address when the file is opened, say). Do not open the CSV by double-clicking it: import it with "
    "every column typed as text (LibreOffice: tick *Format quoted field as text*; Excel: *Data → From "
    "Text/CSV*, *Transform*, every column *Text*), read the JSONL or Parquet file, or export again with "
    "`--format csv-excel` for spreadsheets.\n")


def spreadsheet_note(defused: int) -> str:
    """What the datasheet of a ``csv-excel`` export says about the ``'`` its text fields carry."""
    return (
        "This is the CSV for spreadsheet programs (`csv-excel`): it starts with a UTF-8 byte-order mark, so that "
        "Excel reads Cyrillic and Uzbek `oʻ` correctly, and every text field that starts with `=`, `+`, `-`, `@`, "
        "a tab or a carriage return, also after leading white space (a formula to a spreadsheet), has a `'` put before it, as OWASP advises "
        f"against CSV injection ({defused} fields here). Excel shows such a field as text and hides the `'`; "
        "other programs may show it. Numbers, booleans, lists and times are as in the plain CSV. The `'` is not "
        "part of the text and span offsets do not count it: for analysis in a program (pandas, R), use the plain "
        "`csv`, JSONL or Parquet export, which hold the texts exactly as scraped. Where Windows' list separator is "
        "`;` (Russian and many other regional settings), Excel splits a double-clicked file at semicolons, which "
        "texts contain too, and a piece after one can still be a formula: there, open the file with *Data → From "
        "Text/CSV* (delimiter *Comma*).\n")


def site_of(url: str) -> str:
    """The host of a source's start URL (``https://t.me/s/some_channel`` → ``t.me``), less a subdomain that
    names a person (``ivan.livejournal.com`` → ``livejournal.com``); ``-`` when there is none."""
    return site_without_person((urlsplit(url or "").hostname or "-").removeprefix("www."))


def _or(first: Any, second: Any) -> Any:
    return first or second


@lru_cache(maxsize=256)
def _coincidences(n: int, counts: tuple[int, ...]) -> tuple[tuple[tuple[str, str], float], ...]:
    """What one item with ``n`` reviewers and these counts per decision adds to the coincidence matrix, in order."""
    out = [((c, c), nc * (nc - 1) / (n - 1)) for c, nc in zip(DECISIONS, counts) if nc]
    for (c, nc), (k, nk) in combinations(zip(DECISIONS, counts), 2):
        if nc and nk:
            out += [((c, k), nc * nk / (n - 1)), ((k, c), nc * nk / (n - 1))]
    return tuple(out)


@dataclass
class DatasheetStats:
    """Counts gathered from the records of one export."""

    rows: int = 0
    first_time: str | None = None
    last_time: str | None = None
    sources: Counter = field(default_factory=Counter)
    kinds: Counter = field(default_factory=Counter)
    languages: Counter = field(default_factory=Counter)
    labels: Counter = field(default_factory=Counter)
    label_sources: Counter = field(default_factory=Counter)
    groups: Counter = field(default_factory=Counter)
    hallmarks: Counter = field(default_factory=Counter)
    models: Counter = field(default_factory=Counter)
    patterns: Counter = field(default_factory=Counter)
    thresholds: Counter = field(default_factory=Counter)
    decisions: Counter = field(default_factory=Counter)
    flagged: int = 0
    analysed: int = 0
    removed: int = 0
    purged: int = 0
    with_author: int = 0
    reviewed: int = 0
    multi_reviewed: int = 0
    agreement_sum: float = 0.0
    #: Krippendorff's alpha (nominal): coincidences between decisions of different reviewers of one item.
    coincidence: Counter = field(default_factory=Counter)

    def add(self, record: dict[str, Any]) -> None:
        """Count one exported record."""
        self.add_many([record])

    def add_many(self, records: list[dict[str, Any]]) -> None:
        """Count a chunk of exported records (columns transposed and counted in C, a chunk at a time)."""
        if not records:
            return
        self.rows += len(records)
        (published, first_seen, sources, kinds, langs, labels, label_sources, removed, purged, authors, model_names,
         model_versions, patterns, thresholds, incitements, targets, hallmarks, review_counts) = zip(*map(_COUNTED, records))
        times = [t for t in map(_or, published, first_seen) if t]
        if times:
            low, high = min(times), max(times)
            self.first_time = low if self.first_time is None else min(self.first_time, low)
            self.last_time = high if self.last_time is None else max(self.last_time, high)
        self.sources.update(sources)
        self.kinds.update(kinds)
        self.languages.update([lang or "unknown" for lang in langs])
        self.labels.update([label or "unlabelled" for label in labels])
        self.label_sources.update([source or "none" for source in label_sources])
        self.removed += len(removed) - removed.count(None)
        self.purged += len(purged) - purged.count(None)
        self.with_author += len(authors) - authors.count(None)
        analysed = list(map(is_not, model_names, repeat(None)))
        self.analysed += sum(analysed)
        self.flagged += sum(map(bool, compress(incitements, analysed)))
        for (name, version), n in Counter(compress(zip(model_names, model_versions), analysed)).items():
            self.models[f"{name} {version}"] += n
        self.patterns.update(compress(patterns, analysed))
        self.thresholds.update(compress(thresholds, analysed))
        # each group and hallmark counts once per item
        self.groups.update(chain.from_iterable(map(set, map(_GROUPS_OF, filter(None, compress(targets, analysed))))))
        self.hallmarks.update(chain.from_iterable(map(set, filter(None, compress(hallmarks, analysed)))))
        reviewed = list(compress(records, review_counts))
        if reviewed:
            self.decisions.update(dict(zip(DECISIONS, map(sum, zip(*map(_REVIEW_COUNTS, reviewed))))))
            for record in reviewed:
                self._add_reviews(record)

    def _add_reviews(self, record: dict[str, Any]) -> None:
        n = record["review_count"]
        self.reviewed += 1
        if n >= 2:
            self.multi_reviewed += 1
            self.agreement_sum += record["review_agreement"] or 0.0
            coincidence = self.coincidence
            for pair, value in _coincidences(n, _REVIEW_COUNTS(record)):
                coincidence[pair] += value

    @property
    def mean_agreement(self) -> float | None:
        return self.agreement_sum / self.multi_reviewed if self.multi_reviewed else None

    @property
    def krippendorff_alpha(self) -> float | None:
        """Krippendorff's alpha for nominal data over items with two or more reviewers; None if undefined."""
        totals: Counter = Counter()
        for (c, _k), value in self.coincidence.items():
            totals[c] += value
        n = sum(totals.values())
        if n <= 1:
            return None
        observed = sum(v for (c, k), v in self.coincidence.items() if c != k)
        expected = sum(totals[c] * totals[k] for c in totals for k in totals if c != k) / (n - 1)
        if expected == 0:
            return None
        return 1.0 - observed / expected


@dataclass
class DatasheetContext:
    """What the datasheet says about how the export was made (beyond the counts)."""

    data_file: str
    fmt: str
    created_at: str
    sha256: str
    filters: dict[str, Any]
    link_key: str
    redaction: dict[str, bool]
    redaction_counts: dict[str, int]
    sources: list[dict[str, Any]]
    unmatched_spans: int = 0
    unreadable_times: int = 0
    retention_days: int = 0
    #: Text fields a ``csv-excel`` export put a ``'`` before.
    defused_fields: int = 0
    #: The link key's :attr:`~tocsin.export.keys.ExportKey.fingerprint`, and whether this export made the key.
    link_key_fingerprint: str = ""
    link_key_created: bool = False


def render_datasheet(stats: DatasheetStats, ctx: DatasheetContext) -> str:
    """The DATASHEET.md text."""
    out: list[str] = []
    add = out.append
    add(f"# Datasheet: {ctx.data_file}\n")
    add("> **Content warning.** This dataset contains texts flagged as, or reviewed for, ethnically targeted "
        "incitement: dehumanising language, slurs, threats and calls to violence or expulsion against "
        "ethnic and religious groups. Read it with care, and do not expose people to it without warning.\n")
    add("## Summary\n")
    add(_table(["", ""], [
        ["file", f"`{ctx.data_file}` ({ctx.fmt})"],
        ["rows", str(stats.rows)],
        ["SHA-256 of the file", f"`{ctx.sha256}`"],
        ["created", ctx.created_at],
        ["made by", f"tocsin {__version__}"],
        ["period (published, else first seen)", f"{stats.first_time or '-'} to {stats.last_time or '-'}"],
        ["filters", ", ".join(f"{k}={v}" for k, v in ctx.filters.items()) or "none (every stored item)"],
    ]))
    add("## Collection\n")
    add("Items were collected by tocsin's crawler from the sources below (public news sites, feeds and "
        "public Telegram channels), politely (robots.txt obeyed, throttled, identified User-Agent). "
        "Each item is one article, post or comment; edits are kept as versions in the store and deletions "
        f"at the source are recorded (`removed_at`: {stats.removed} items here).\n")
    by_name = {s["name"]: s for s in ctx.sources}
    add("A source is given by its site only: its start address can name a person (a channel's `t.me/s/<name>`, "
        "a blog's `<name>.livejournal.com`), and every item of that source would then name its author.\n")
    add(_table(["source", "kind", "site", "items"],
               [[name, by_name.get(name, {}).get("kind", "?"), site_of(by_name.get(name, {}).get("url", "")), str(n)]
                for name, n in sorted(stats.sources.items())]))
    add(_table(["item kind", "items"], _rows(stats.kinds)))
    add("## Languages and scripts\n")
    add("`lang` is the language found by analysis (`uz-Latn` / `uz-Cyrl` give Uzbek's script), else the "
        "source's hint.\n")
    add(_table(["language", "items"], _rows(stats.languages)))
    add("## Labels\n")
    add(f"{stats.analysed} of {stats.rows} items were analysed; {stats.flagged} of those were flagged by the model. "
        f"{stats.reviewed} items were reviewed by monitors. `label` is the reviewers' majority where there is one, "
        "else the model's decision.\n")
    add(_table(["label", "items"], _rows(stats.labels)))
    add(_table(["label source", "items"], _rows(stats.label_sources)))
    add(_table(["target group", "items"], _rows(stats.groups)) if stats.groups else "No target groups found.\n")
    add(_table(["hallmark", "items"], _rows(stats.hallmarks)) if stats.hallmarks else "No hallmarks found.\n")
    add("### How labels were made\n")
    add("**Model.** Each item's text was analysed by rule pipelines (targets, places, hallmark cues, context "
        "markers such as negation or reporting; lexicon and rule versions in `patterns_version`) and scored by "
        "tocsin's classifier (`model_name`, `model_version`); `incitement` is `score >= threshold`. The "
        "export carries the latest successful analysis of each item.\n")
    add(_table(["model", "items"], _rows(stats.models)) if stats.models else "No item was analysed.\n")
    add(_table(["patterns version", "items"], _rows(stats.patterns)) if stats.patterns else "")
    add(_table(["threshold", "items"], _rows(stats.thresholds)) if stats.thresholds else "")
    add("**Review.** Monitors review flagged items in tocsin's review page, seeing the highlighted evidence, "
        "and decide `incitement`, `not_incitement`, `escalate` or `unsure`. Reviews are append-only; the latest "
        "decision of each reviewer counts once. Reviewers' names are not in the export.\n")
    agreement = stats.mean_agreement
    alpha = stats.krippendorff_alpha
    add(_table(["", ""], [
        ["items reviewed", str(stats.reviewed)],
        ["items with two or more reviewers", str(stats.multi_reviewed)],
        ["mean agreement with the majority (2+ reviewers)", "-" if agreement is None else f"{agreement:.3f}"],
        ["Krippendorff's alpha, nominal (2+ reviewers)", "-" if alpha is None else f"{alpha:.3f}"],
        *[[f"decisions: {d}", str(stats.decisions.get(d, 0))] for d in DECISIONS],
    ]))
    add("## Pseudonymisation and redaction\n")
    if ctx.link_key:
        add(link_key_note(ctx))
    else:
        add("Pseudonyms were made with a **fresh random key drawn for this export alone and then discarded**: no "
            "other export shares a pseudonym with this one, and no one, the operator included, can reverse a "
            "pseudonym by trying names.\n")
    add("- `id`: HMAC-SHA256 of the item's store id (itself a hash of its public URL, which could be guessed).\n"
        "- `author`: HMAC-SHA256 of the store's author pseudonym (an HMAC of the name under a key that never "
        f"leaves the store). {stats.with_author} items name an author.\n"
        "- `author_profile`: HMAC-SHA256 of the author's profile link.\n"
        "- URLs, reviewers' names, reviewers' notes and raw pages are not exported.\n")
    add("Inside `title`, `text`, `explanation` and every span's `text`, these identifiers were replaced by a token:\n")
    add(_table(["rule", "applied", "replacements"],
               [[rule, "yes" if on else "no (turned off for this export)", str(ctx.redaction_counts.get(rule, 0))]
                for rule, on in ctx.redaction.items()]))
    offsets = ("Offsets (`start`, `end`, in Unicode code points) of `targets`, `places` and `spans` were recomputed "
               "for the redacted `text`: `text[start:end]` equals each span's `text`. A span that touches a redacted "
               "identifier covers the whole token.")
    if ctx.unmatched_spans:
        offsets += (f" {ctx.unmatched_spans} spans did not match their item's text in the store; their offsets are "
                    "approximate.")
    add(offsets + "\n")
    if ctx.unreadable_times:
        add(f"{ctx.unreadable_times} times given by sources could not be read and are null.\n")
    add("Redaction is pattern-based: names written without `@`, nicknames and descriptions of people are not "
        "removed. Read texts before quoting them.\n")
    add("## Fields\n")
    add(_table(["field", "type", "meaning"], [[name, f"`{tp}`", doc] for name, tp, doc in FIELDS]))
    add("In CSV, lists are JSON strings, booleans `true`/`false` and null an empty field; in JSONL and CSV "
        "times are ISO 8601 strings in UTC.\n")
    add(spreadsheet_note(ctx.defused_fields) if ctx.fmt == "csv-excel" else SPREADSHEET_WARNING)
    add("## Uses\n")
    add("Intended:\n\n" + "".join(f"- {u}\n" for u in INTENDED_USES))
    add("Forbidden:\n\n" + "".join(f"- {u}\n" for u in FORBIDDEN_USES))
    add("## Erasure and retention\n")
    add("tocsin erases an author's or an item's content from its store on request (`tocsin forget`), and "
        "purges the raw content of unflagged items after "
        f"{ctx.retention_days or 'an unlimited number of'} days. Neither reaches copies of this file: when the "
        "operator asks, delete or re-export your copy. An item whose content retention has purged keeps its "
        "source, times, pseudonymous author, score, labels and span offsets, with empty title, text and "
        f"explanation (`retention_purged_at`: {stats.purged} items here).\n")
    return "\n".join(out)


def link_key_note(ctx: DatasheetContext) -> str:
    """What the datasheet of a linked export says about its key: name, fingerprint, and whether it is new."""
    note = (f"Pseudonyms were made with the stored link key **`{ctx.link_key}`**, fingerprint `{ctx.link_key_fingerprint}`: "
            "other exports whose datasheet shows this fingerprint share item, author and profile pseudonyms with this "
            "one, so they can be joined; one made with a key of the same name deleted and made again shows another "
            "fingerprint and shares none. Whoever holds the database holds this key.")
    if ctx.link_key_created:
        note += (" The key was made by this export: no earlier export shares its pseudonyms (if this export was to "
                 "extend an earlier one, check the key's name with `tocsin link-key list`).")
    return note + "\n"


def _rows(counter: Counter) -> list[list[str]]:
    return [[str(k), str(v)] for k, v in sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0])))]


def _table(header: list[str], rows: list[list[str]]) -> str:
    def cell(value: str) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"
