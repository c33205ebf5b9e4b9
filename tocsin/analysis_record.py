"""The record of one decision (an item version's analysis), shared by the model that makes it and the store
that keeps it; a module of its own so that classifying texts needs no database code."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class AnalysisRecord:
    """The decision for one item version, as stored (see the ``analyses`` table)."""

    item_id: str
    content_hash: str
    model_name: str
    model_version: str
    patterns_version: str
    threshold: float
    score: float
    incitement: bool
    lang: str = ""
    targets: list[dict[str, Any]] = field(default_factory=list)    # {group, text, start, end}
    places: list[dict[str, Any]] = field(default_factory=list)     # {place, text, start, end}
    hallmarks: list[str] = field(default_factory=list)
    spans: list[dict[str, Any]] = field(default_factory=list)      # {kind, label, text, start, end}
    explanation: str = ""
    error: str = ""
