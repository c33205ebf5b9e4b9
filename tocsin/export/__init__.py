"""Research exports (CSV, JSONL, Parquet) with pseudonyms, redaction and a datasheet; erasure; retention.

- :func:`tocsin.export.dataset.export_dataset` streams items into a dataset file and DATASHEET.md.
- :func:`tocsin.export.erasure.forget` erases an author's or an item's content from the whole store.
- :func:`tocsin.export.retention.purge_expired` purges raw content past ``retention.retention_days``.
"""

from tocsin.export.dataset import ExportError, ExportOptions, ExportSummary, export_dataset
from tocsin.export.erasure import ErasureError, ErasureSummary, forget
from tocsin.export.retention import purge_expired

__all__ = ["ErasureError", "ErasureSummary", "ExportError", "ExportOptions", "ExportSummary", "export_dataset",
           "forget", "purge_expired"]
