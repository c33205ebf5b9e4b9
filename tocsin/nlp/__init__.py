"""nlp: normalisation, language and script, and the rule pipelines that find evidence in a text.

``from tocsin.nlp import TextAnalyser, patterns_version`` — imported lazily so that importing
``tocsin.nlp.features`` (or the CLI) does not load spaCy.
"""

from __future__ import annotations

from typing import Any

__all__ = ["TextAnalyser", "patterns_version"]


def patterns_version(extra_lexicons: list[str] | None = None) -> str:
    """Short hash of the bundled pattern files plus ``extra_lexicons`` (recorded with each analysis)."""
    from tocsin.nlp.lexicon import patterns_version as _version

    return _version(extra_lexicons or [])


def __getattr__(name: str) -> Any:
    if name == "TextAnalyser":
        from tocsin.nlp.analyser import TextAnalyser

        return TextAnalyser
    raise AttributeError(f"module 'tocsin.nlp' has no attribute {name!r}")
