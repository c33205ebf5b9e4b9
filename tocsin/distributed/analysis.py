"""What a worker analyses a batch with: anything with a model name, a version and ``analyse(rows)``.

The default is tocsin's own analysis (:class:`tocsin.analyse.Analyser`: rules, classifier, decision),
loaded once per worker. ``--analyser MODULE:FACTORY`` plugs in another one (``FACTORY(settings)`` must
return a :class:`BatchAnalyser`).
"""

from __future__ import annotations

import importlib
import logging
from typing import Any, Callable, Protocol

from tocsin.config import Settings
from tocsin.distributed.connection import DistributedError
from tocsin.analysis_record import AnalysisRecord

logger = logging.getLogger(__name__)


class BatchAnalyser(Protocol):
    """Analyses item rows (``id, source, kind, title, text, lang, content_hash, published_at``)."""

    model_name: str
    model_version: str

    def analyse(self, rows: list[dict[str, Any]]) -> list[AnalysisRecord | None]:
        """One record per row, in order; ``None`` where that item failed (logged by the analyser)."""
        ...


def analyser_factory(spec: str = "") -> Callable[[Settings], BatchAnalyser]:
    """What makes the analyser named by ``spec`` (``module:factory``), or tocsin's own when empty. The spec is
    checked now; the analyser (tocsin's own loads a model: seconds of CPU) is made only when it is called."""
    if not spec:
        from tocsin.distributed.model_analyser import ModelBatchAnalyser

        return ModelBatchAnalyser
    module_name, _, factory_name = spec.partition(":")
    if not module_name or not factory_name:
        raise DistributedError(f"--analyser {spec!r}: expected MODULE:FACTORY, e.g. mypackage.analysis:build")
    try:
        return getattr(importlib.import_module(module_name), factory_name)
    except (ImportError, AttributeError) as e:
        raise DistributedError(f"--analyser {spec!r}: cannot load it ({e}); check the module is importable") from e
