"""The rule pipelines of an analyser's languages, each built the first time it is asked for."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, Callable, Iterator


class Pipelines(Mapping[str, Any]):
    """A read-only mapping from language to its spaCy pipeline; ``recipes`` build each one, at most once.

    Building one takes a second or two (its lexicon compiled into matchers), so a command that reads texts of
    one language need not pay for the others. Safe to share between threads.
    """

    def __init__(self, recipes: dict[str, Callable[[], Any]]):
        self._recipes = dict(recipes)
        self._built: dict[str, Any] = {}
        self._lock = threading.Lock()

    def __getitem__(self, lang: str) -> Any:
        nlp = self._built.get(lang)
        if nlp is None:
            recipe = self._recipes[lang]        # KeyError for a language not configured, as a dict would
            with self._lock:
                nlp = self._built.get(lang)
                if nlp is None:
                    nlp = self._built[lang] = recipe()
        return nlp

    def __iter__(self) -> Iterator[str]:
        return iter(self._recipes)

    def __len__(self) -> int:
        return len(self._recipes)

    def __contains__(self, lang: object) -> bool:
        return lang in self._recipes

    @property
    def built(self) -> list[str]:
        """The languages whose pipelines exist so far."""
        return [lang for lang in self._recipes if lang in self._built]

    def build_all(self) -> None:
        """Build every pipeline not built yet."""
        for lang in self:
            self[lang]          # built as it is looked up
