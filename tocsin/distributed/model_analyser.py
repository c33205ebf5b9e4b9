"""tocsin's own analysis (rules, classifier, decision) as a worker's batch analyser."""

from __future__ import annotations

import logging
from typing import Any

from tocsin.config import Settings
from tocsin.analysis_record import AnalysisRecord

logger = logging.getLogger(__name__)


class ModelBatchAnalyser:
    """Loads :class:`tocsin.analyse.Analyser` once; analyses a batch as ``tocsin analyse`` does
    (a failing item is logged and returned as None, the rest of the batch goes on)."""

    def __init__(self, settings: Settings, analyser: Any = None):
        from tocsin.analyse import Analyser

        self.analyser = analyser or Analyser(settings)
        self.model_name: str = self.analyser.model_name
        self.model_version: str = self.analyser.model_version

    def analyse(self, rows: list[dict[str, Any]]) -> list[AnalysisRecord | None]:
        from tocsin.analyse import analyse_batch

        records, _ = analyse_batch(self.analyser, rows)
        return records
