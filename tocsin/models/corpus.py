"""The project's own training corpus: templates × groups × places × phrasings, split by template.

Templates live in ``data/templates/<lang>.txt`` (one per line: ``ID CATEGORY: TEXT``) and slot values in
``data/slots/<lang>.json``. ``[a|b]`` picks one phrasing, ``{G.acc}`` a target group in a case,
``{P.loc}`` a place, ``{CORE}`` (quoted_to_condemn only) embeds a hateful template of the same split in
quotation marks. Uzbek Cyrillic is transliterated from Uzbek Latin, so both scripts share templates
and splits. Every example carries its template id, and a template goes to exactly one split, so no
test sentence's template is ever seen in training.
"""

from __future__ import annotations

import json
import logging
import random
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from tocsin.nlp.features import HALLMARKS

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).parent / "data"
TEMPLATE_LANGS = ("ru", "ky", "uz-Latn", "en")
#: Languages/scripts of the corpus (Uzbek Cyrillic is derived from Uzbek Latin).
LANGS = ("ru", "ky", "uz-Latn", "uz-Cyrl", "en")
LABELS = ("incitement", *HALLMARKS)

#: Functional categories (HateCheck-style). Hateful ones are the hallmarks themselves.
HATEFUL_CATEGORIES = HALLMARKS
HARD_NEGATIVE_CATEGORIES = (
    "counter_speech", "quoted_to_condemn", "negation", "reporting",
    "neutral_mention", "positive_mention", "non_group_target", "abuse_no_group",
)
CATEGORIES = (*HATEFUL_CATEGORIES, *HARD_NEGATIVE_CATEGORIES)
SPLITS = ("train", "dev", "test")

_LINE = re.compile(r"^(?P<id>[\w-]+)\s+(?P<category>\w+):\s*(?P<text>.+)$")
_CHOICE = re.compile(r"\[([^\[\]]*)\]")
_SLOT = re.compile(r"\{(?P<name>[A-Z]+)(?:\.(?P<form>\w+))?\}")


class CorpusError(ValueError):
    """A template or slot file is malformed; the message names the file and line."""


@dataclass(frozen=True)
class Template:
    id: str
    lang: str
    category: str
    text: str

    @property
    def incitement(self) -> bool:
        return self.category in HATEFUL_CATEGORIES

    @property
    def hallmarks(self) -> tuple[str, ...]:
        return (self.category,) if self.incitement else ()


@dataclass
class Example:
    """One labelled text."""

    id: str
    text: str
    lang: str
    incitement: int
    hallmarks: list[str]
    category: str
    template: str
    split: str
    targets: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    base_id: str = ""          # for evasion variants: the example they were made from

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_templates(lang: str, data_dir: Path = DATA_DIR) -> list[Template]:
    """Parse ``templates/<lang>.txt``."""
    path = data_dir / "templates" / f"{lang}.txt"
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _LINE.match(line.strip())
        if not m:
            raise CorpusError(f"{path}:{number}: expected 'ID CATEGORY: TEXT'")
        if m["category"] not in CATEGORIES:
            raise CorpusError(f"{path}:{number}: unknown category {m['category']!r}; known: {', '.join(CATEGORIES)}")
        out.append(Template(m["id"], lang, m["category"], m["text"]))
    ids = [t.id for t in out]
    if len(ids) != len(set(ids)):
        raise CorpusError(f"{path}: duplicate template ids")
    return out


@lru_cache(maxsize=None)
def read_slots(lang: str, data_dir: Path = DATA_DIR) -> dict[str, Any]:
    """Slot values of one language (``slots/<lang>.json``)."""
    return json.loads((data_dir / "slots" / f"{lang}.json").read_text(encoding="utf-8"))


#: Within each (language, category), one template in this many is held out for the test split.
TEST_EVERY = 5


def assign_splits(templates: Iterable[Template]) -> dict[str, str]:
    """Template id -> ``train`` or ``test``: within each (language, category), ordered by id, every
    :data:`TEST_EVERY`-th template from the second on is test, the rest train. Every category with two or
    more templates has a test template. (``dev`` is a slice of the training templates' examples, see
    :func:`build_corpus`.)"""
    groups: dict[tuple[str, str], list[str]] = {}
    for t in templates:
        groups.setdefault((t.lang, t.category), []).append(t.id)
    split = {}
    for ids in groups.values():
        for k, tid in enumerate(sorted(ids)):
            split[tid] = "test" if k % TEST_EVERY == 1 else "train"
    return split


def fill(text: str, slots: dict[str, Any], rng: random.Random, core: str = "") -> tuple[str, str, str]:
    """Expand one template text: pick phrasings, then fill slots. Returns (text, group id, place id)."""
    text = _CHOICE.sub(lambda m: rng.choice(m.group(1).split("|")), text)
    group = rng.choice(sorted(slots["G"])) if "{G." in text else ""
    place = rng.choice(sorted(slots["P"])) if "{P." in text else ""
    picks: dict[str, Any] = {}

    def slot(m: re.Match) -> str:
        name, form = m["name"], m["form"]
        if name == "CORE":
            return core
        if name == "G":
            return slots["G"][group][form]
        if name == "P":
            return slots["P"][place][form]
        if name not in slots:
            raise CorpusError(f"unknown slot {{{name}}} in {text!r}")
        value = picks.setdefault(name, rng.choice(slots[name]))
        return value[form] if form else value

    filled = _SLOT.sub(slot, text)
    filled = re.sub(r"\s+([,.!?:])", r"\1", re.sub(r"\s{2,}", " ", filled)).strip()
    return filled[:1].upper() + filled[1:], group, place


class TemplateStreams:
    """One random stream per template for one purpose (phrasings, dev share, context, evasions), seeded by
    the corpus seed, the purpose and the template id: adding a template leaves every other template's draws
    as they were, so figures before and after a new template round compare text for text. (Texts that
    draw from a pool of other templates, a quoted hateful core or a neutral sentence of context, can
    still change when a template joins that pool.)"""

    def __init__(self, seed: int, purpose: str) -> None:
        self.seed, self.purpose = seed, purpose
        self._streams: dict[str, random.Random] = {}

    def __call__(self, template_id: str) -> random.Random:
        stream = self._streams.get(template_id)
        if stream is None:
            stream = self._streams[template_id] = random.Random(f"{self.seed}/{self.purpose}/{template_id}")
        return stream


def pick(rng: random.Random, pool: list[Any]) -> Any:
    """One item of a pool of other templates' texts, for exactly one draw of the stream (``rng.choice`` takes
    more draws for some pool sizes than others), so that a pool grown by a new template shifts none of the
    stream's later draws."""
    return pool[int(rng.random() * len(pool))]


def strip_end(core: str) -> str:
    """A hateful sentence as it sits inside quotation marks."""
    return core.strip()


def expand_language(lang: str, templates: list[Template], split_of: dict[str, str], seed: int,
                    per_template: int, data_dir: Path = DATA_DIR) -> list[Example]:
    """All examples of one template language, each template's from its own random stream."""
    slots = read_slots(lang, data_dir)
    hateful = {s: [t for t in templates if t.incitement and split_of[t.id] == s] for s in ("train", "test")}
    streams, core_streams = TemplateStreams(seed, "phrasing"), TemplateStreams(seed, "core")
    out: list[Example] = []
    for t in templates:
        rng, core_rng = streams(t.id), core_streams(t.id)
        split = split_of[t.id]
        wanted = per_template if split == "train" else max(8, per_template // 2)
        seen: set[str] = set()
        attempts = 0
        while len(seen) < wanted and attempts < wanted * 6:
            attempts += 1
            core = core_group = core_place = ""
            if "{CORE}" in t.text:
                source = pick(core_rng, hateful[split] or hateful["train"])
                core, core_group, core_place = fill(source.text, slots, core_rng)
            text, group, place = fill(t.text, slots, rng, core=strip_end(core))
            if text in seen:
                continue
            seen.add(text)
            out.append(Example(
                id=f"{t.id}-{len(seen):03d}", text=text, lang=lang, incitement=int(t.incitement),
                hallmarks=list(t.hallmarks), category=t.category, template=t.id, split=split,
                targets=[g for g in (group, core_group) if g], places=[p for p in (place, core_place) if p],
            ))
    return out


def to_uz_cyrl(examples: list[Example]) -> list[Example]:
    """Uzbek Latin examples transliterated to Uzbek Cyrillic (same templates, same splits)."""
    from tocsin.nlp.translit import UZ_OKINA, uz_latn_to_cyrl

    out = []
    for e in examples:
        latin = re.sub(r"([oOgG])['’‘`]", lambda m: m.group(1) + UZ_OKINA, e.text)
        text, _ = uz_latn_to_cyrl(latin)
        out.append(Example(**{**e.to_dict(), "id": e.id.replace("uz-", "uzc-", 1), "text": text, "lang": "uz-Cyrl",
                              "template": e.template.replace("uz-", "uzc-", 1)}))
    return out


def add_context(examples: list[Example], seed: int, share: float = 0.25, long_share: float = 0.0,
                most: int = 5) -> list[Example]:
    """Give some examples neutral sentences around them (as in real posts and articles), keeping labels:
    one sentence before or after for ``share`` of them, and 2 to ``most`` sentences, with the example at
    a random place among them, for ``long_share`` (off by default: it did not help the shipped model).
    The neutral sentences come from templates of the same language and split."""
    streams = TemplateStreams(seed, "context")
    fillers: dict[tuple[str, str], list[str]] = {}
    for e in examples:
        if e.category in ("neutral_mention", "positive_mention", "reporting"):
            fillers.setdefault((e.lang, e.split), []).append(e.text)
    out = []
    for e in examples:
        pool = fillers.get((e.lang, e.split))
        if not pool:
            continue
        rng = streams(e.template)
        if rng.random() < share:
            other = pick(rng, pool)
            text = f"{other} {e.text}" if rng.random() < 0.5 else f"{e.text} {other}"
            out.append(Example(**{**e.to_dict(), "id": e.id + "-ctx", "text": text}))
        if long_share and rng.random() < long_share:
            sentences = [pick(rng, pool) for _ in range(rng.randint(2, most))]
            sentences.insert(rng.randint(0, len(sentences)), e.text)
            out.append(Example(**{**e.to_dict(), "id": e.id + "-long", "text": " ".join(sentences)}))
    return out


def build_corpus(seed: int = 13, per_template: int = 60, data_dir: Path = DATA_DIR,
                 evasions: bool = True, dev_share: float = 0.1) -> list[Example]:
    """The whole corpus, deterministic for a seed: every language, split, category; evasion variants too.
    Every template draws from streams of its own (:class:`TemplateStreams`).

    ``dev`` (for early stopping) is a random ``dev_share`` of the training templates' examples; ``test``
    holds whole templates never seen in training.
    """
    dev_draws = TemplateStreams(seed, "dev")
    examples: list[Example] = []
    for lang in TEMPLATE_LANGS:
        templates = read_templates(lang, data_dir)
        split_of = assign_splits(templates)
        part = expand_language(lang, templates, split_of, seed, per_template, data_dir)
        for e in part:
            if e.split == "train" and dev_draws(e.template).random() < dev_share:
                e.split = "dev"
        examples.extend(part)
        if lang == "uz-Latn":
            examples.extend(to_uz_cyrl(part))
    examples.extend(add_context(examples, seed))
    if evasions:
        from tocsin.models.evasion import evasion_examples

        examples.extend(evasion_examples(examples, seed))
    return examples


def split_corpus(examples: list[Example]) -> dict[str, list[Example]]:
    """Examples by split name."""
    out: dict[str, list[Example]] = {s: [] for s in SPLITS}
    for e in examples:
        out[e.split].append(e)
    return out


def write_jsonl(examples: Iterable[Example | dict[str, Any]], path: Path) -> int:
    """Write examples as JSON lines; returns the count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", encoding="utf-8") as f:
        for e in examples:
            f.write(json.dumps(e.to_dict() if isinstance(e, Example) else e, ensure_ascii=False) + "\n")
            n += 1
    return n


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Read JSON lines (blank lines skipped)."""
    with Path(path).open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main() -> None:  # pragma: no cover - a convenience for inspecting the corpus
    """Write the generated splits to ``data/generated/<split>.jsonl`` and print counts."""
    corpus = build_corpus()
    for split, rows in split_corpus(corpus).items():
        n = write_jsonl(rows, DATA_DIR / "generated" / f"{split}.jsonl")
        print(split, n)


if __name__ == "__main__":  # pragma: no cover
    main()
