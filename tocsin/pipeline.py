"""One cycle of tocsin: crawl → analyse (raising item alerts in the same transaction) → evaluate the
spike, spread and stale-source rules → deliver. ``tocsin run`` runs one; the daemon runs the same steps
on a schedule."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import sqlite_utils

from tocsin.config import Settings

logger = logging.getLogger(__name__)


@dataclass
class CycleSummary:
    """What one cycle did, step by step."""

    sources: int = 0
    pages: int = 0
    items: int = 0
    new_items: int = 0
    crawl_errors: int = 0
    failed_sources: list[str] = field(default_factory=list)
    analysed: int = 0
    flagged: int = 0
    analyse_failed: int = 0
    item_alerts: int = 0
    #: analyses whose item alerts failed to be raised, owed in the store (tried again at the next analyse)
    alerts_owed: int = 0
    rule_alerts: int = 0
    sent: int = 0
    retrying: int = 0
    dead: int = 0
    silenced: int = 0
    durations: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The summary as a few human lines."""
        d = self.durations
        return [
            f"crawl: {self.sources} sources, {self.pages} pages, {self.items} items ({self.new_items} new), "
            f"{self.crawl_errors} errors{' — failed: ' + ', '.join(self.failed_sources) if self.failed_sources else ''}"
            f" [{d.get('crawl', 0):.1f} s]",
            f"analyse: {self.analysed} analysed, {self.flagged} flagged, {self.analyse_failed} failed [{d.get('analyse', 0):.1f} s]",
            f"alerts: {self.item_alerts} from items, {self.rule_alerts} from spike/spread/stale rules"
            f"{f', {self.alerts_owed} analyses owe theirs (raising them failed, see the log)' if self.alerts_owed else ''}"
            f" [{d.get('evaluate', 0):.1f} s]",
            f"deliver: {self.sent} sent, {self.retrying} to retry, {self.dead} dead, {self.silenced} silenced [{d.get('deliver', 0):.1f} s]",
        ]


def run_cycle(settings: Settings, db: sqlite_utils.Database, *, names: list[str] | None = None, crawl: bool = True,
              analyser: Any = None, progress: Callable[[int, int], None] | None = None) -> CycleSummary:
    """Crawl the enabled sources (or ``names``), analyse what is new, raise and deliver alerts.

    :param crawl: False skips the crawl (analyse and alert what is already stored).
    :param analyser: a loaded :class:`tocsin.analyse.Analyser` to reuse.
    :param progress: passed to ``analyse_pending``.
    """
    from tocsin.alerts import deliver_due, evaluate_rules, raise_item_alerts
    from tocsin.analyse import analyse_pending, raise_owed_alerts
    from tocsin.store.alerts_owed import owed_alerts_summary
    from tocsin.store.sources import sync_sources

    summary = CycleSummary()
    sync_sources(db, settings.sources)
    if crawl and (names or settings.enabled_sources()):
        from tocsin.crawler import crawl_sources

        with timed(summary, "crawl"):
            for result in crawl_sources(settings, names, timeout_s=settings.crawl.crawl_timeout_s):
                summary.sources += 1
                summary.pages += result.pages
                summary.items += result.items
                summary.new_items += result.new_items
                summary.crawl_errors += result.errors
                if result.status == "failed":
                    summary.failed_sources.append(result.source)

    def on_batch_saved(batch_db: sqlite_utils.Database, rows: list[dict[str, Any]]) -> None:
        summary.item_alerts += raise_item_alerts(batch_db, settings, rows)

    with timed(summary, "analyse"):
        raise_owed_alerts(db, on_batch_saved)   # those an earlier run or the daemon failed to raise
        analysed = analyse_pending(db, settings, analyser=analyser, on_batch_saved=on_batch_saved, progress=progress)
        summary.analysed, summary.flagged, summary.analyse_failed = analysed.analysed, analysed.flagged, analysed.failed
        summary.alerts_owed = owed_alerts_summary(db)["count"]
    with timed(summary, "evaluate"):
        summary.rule_alerts = evaluate_rules(db, settings)
    with timed(summary, "deliver"):
        delivered = deliver_due(db, settings)
        summary.sent, summary.retrying, summary.dead, summary.silenced = (
            delivered.sent, delivered.retrying, delivered.dead, delivered.silenced)
    for line in summary.lines():
        logger.info("cycle %s", line)
    return summary


class timed:
    """Adds the duration of a block to ``summary.durations[step]``."""

    def __init__(self, summary: CycleSummary, step: str):
        self.summary, self.step = summary, step

    def __enter__(self) -> None:
        self.started = time.monotonic()

    def __exit__(self, *exc: Any) -> None:
        self.summary.durations[self.step] = time.monotonic() - self.started
