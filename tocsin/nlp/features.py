"""What ``nlp/`` says about one text: language, script, and evidence spans in the original text."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

#: Kinds of evidence span.
SPAN_KINDS = ("target", "place", "cue", "context")

#: Dangerous-speech hallmarks (Dangerous Speech Project) plus calls to violence and expulsion.
HALLMARKS = (
    "dehumanization",
    "accusation_in_a_mirror",
    "threat_to_purity",
    "attack_on_women_and_girls",
    "questioning_ingroup_loyalty",
    "call_to_violence",
    "call_to_expulsion",
)
#: The hallmarks that call for a deed: violence or expulsion.
CALLS = ("call_to_violence", "call_to_expulsion")

#: Narrower forms of a hallmark that a cue may name (its lexicon entry's ``form``): a call to exclusion keeps a
#: group out of work, housing, trade, service, school or a place, rather than out of the land or their homes; a
#: claim of exclusivity ("Кыргызстан для кыргызов", "Russia for the Russians") keeps a land for the group it names,
#: and so every other group out of it: its group is the one the land is claimed for, not the one aimed at.
CUE_FORMS = {"call_to_expulsion": ("exclusion", "exclusivity")}
#: The forms of a call to expulsion that keep groups out of something rather than drive them out of their homes.
EXCLUSION_FORMS = frozenset(CUE_FORMS["call_to_expulsion"])
#: Narrower forms of a context marker that an entry may name: a forward's label ("Переслано из …:", "Forwarded
#: from …:") is an endorsement that passes on the words after it, across the name of their source; thanks to kin
#: ("Спасибо, братья!", "Thank you, brothers and sisters!") is an inclusion that addresses the group named before it.
CONTEXT_FORMS = {"endorsement": ("forward",), "inclusion": ("address",)}

#: Context markers that often flip a text's meaning, or (``own_view``) make a call the writer's own.
CONTEXT_MARKERS = ("negation", "quotation", "reported_speech", "condemnation", "counter_speech", "news_reporting",
                   "refusal", "endorsement", "inclusion", "own_view")


@dataclass(frozen=True)
class Span:
    """One piece of evidence: ``text == original[start:end]`` always holds."""

    kind: str    # target | place | cue | context
    label: str   # group id, place id, hallmark name or context marker
    text: str    # the surface form, as in the original text
    start: int   # character offsets into the original (not the normalised) text
    end: int
    form: str = ""   # a narrower form of a cue's hallmark or a marker (see CUE_FORMS, CONTEXT_FORMS), else ""

    def to_dict(self) -> dict[str, Any]:
        """The span as a dict; ``form`` only where there is one."""
        out = asdict(self)
        if not self.form:
            del out["form"]
        return out

    @property
    def exclusion(self) -> bool:
        """Whether the span is a cue calling to keep a group out of a part of life or a land (see :data:`CUE_FORMS`)."""
        return self.form in EXCLUSION_FORMS

    @property
    def exclusivity(self) -> bool:
        """Whether the span is a cue claiming a land for the group it names, against every other (see :data:`CUE_FORMS`)."""
        return self.form == "exclusivity"

    def overlaps(self, other: "Span") -> bool:
        """Whether the two spans share at least one character."""
        return self.start < other.end and other.start < self.end

    def within(self, other: "Span") -> bool:
        """Whether every character of this span is in ``other``."""
        return other.start <= self.start and self.end <= other.end


@dataclass
class Features:
    """The output of the nlp pipeline for one text."""

    text: str
    normalised: str = ""
    lang: str = "other"          # ru, ky, uz, en, kk, tg, other
    script: str = "none"         # Cyrl, Latn, mixed, none
    targets: list[Span] = field(default_factory=list)
    places: list[Span] = field(default_factory=list)
    cues: list[Span] = field(default_factory=list)
    context: list[Span] = field(default_factory=list)
    patterns_version: str = ""
    #: Whether a word for women or girls (wife, daughter, mother …: the lexicons' women word lists) occurs.
    speaks_of_women: bool = False

    @property
    def lang_tag(self) -> str:
        """``uz-Latn`` / ``uz-Cyrl`` for Uzbek, else the language code."""
        return f"uz-{self.script}" if self.lang == "uz" and self.script in ("Latn", "Cyrl") else self.lang

    @property
    def hallmarks(self) -> list[str]:
        """Hallmarks with at least one cue, in canonical order."""
        found = {c.label for c in self.cues}
        return [h for h in HALLMARKS if h in found]

    @property
    def groups(self) -> list[str]:
        """Target group ids, first mention first, each once."""
        return list(dict.fromkeys(t.label for t in self.targets))

    @property
    def spans(self) -> list[Span]:
        """All evidence, ordered by position."""
        return sorted([*self.targets, *self.places, *self.cues, *self.context], key=lambda s: (s.start, s.end, s.kind))
