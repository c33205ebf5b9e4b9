"""Research exports (CSV, JSONL, Parquet) with pseudonyms, redaction and a datasheet; erasure; retention.

- :func:`tocsin.export.dataset.export_dataset` streams items into a dataset file and DATASHEET.md.
- :func:`tocsin.export.erasure.forget` erases an author's or an item's content from the whole store.
- :func:`tocsin.export.retention.purge_expired` purges raw content past ``retention.retention_days``.

Names are imported on first use, so ``tocsin.export.retention`` does not load pyarrow.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ExportError": "dataset", "ExportOptions": "dataset", "ExportSummary": "dataset", "export_dataset": "dataset",
    "ErasureError": "erasure", "ErasureSummary": "erasure", "forget": "erasure", "purge_expired": "retention",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"tocsin.export.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'tocsin.export' has no attribute {name!r}")
