"""The demo: the bundled fictional world crawled, analysed and alerted on, end to end, on this machine."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tocsin.config import AlertRuleSettings, Settings, SinkSettings, load_settings

logger = logging.getLogger(__name__)

DEMO_USER = "demo"


@dataclass
class DemoReport:
    """What the demo did, for the summary it prints."""

    database: Path
    alerts_file: Path
    review_url: str
    username: str
    password: str
    cycle: Any = None
    items: list[tuple[str, str, int]] = field(default_factory=list)
    flagged: dict[str, dict[str, int]] = field(default_factory=dict)
    deliveries: dict[str, int] = field(default_factory=dict)
    #: The first errors of each source's crawl (source, kind, message, url): why a source brought little.
    crawl_errors: list[dict[str, Any]] = field(default_factory=list)


def demo_settings(base_url: str, workdir: Path, database: Path, review_port: int = 8765) -> Settings:
    """Settings for the demo world at ``base_url``: its sources, console and JSONL alerts, fast politeness."""
    from tocsin.crawler.demo_world import demo_sources

    settings = load_settings(None, env={})
    settings.config_dir = workdir
    settings.database.path = str(database)
    settings.sources = demo_sources(base_url)
    settings.crawl.download_delay_s = 0.0
    settings.crawl.autothrottle = False
    settings.crawl.timeout_s = 10
    settings.review.port = review_port
    settings.alerts.review_url = f"http://127.0.0.1:{review_port}"
    settings.alerts.backoff_s = 1.0
    settings.alerts.sinks = [
        SinkSettings(name="console", kind="console"),
        SinkSettings(name="file", kind="file", path=str(workdir / "alerts.jsonl")),
    ]
    settings.alerts.rules = [
        AlertRuleSettings(name="incitement", kind="item", severity="warning"),
        AlertRuleSettings(name="burst", kind="spike", severity="high", window_minutes=24 * 60, min_count=3),
        AlertRuleSettings(name="spread", kind="spread", severity="high", window_minutes=7 * 24 * 60, min_sources=3),
    ]
    return settings


class NotADemoStore(RuntimeError):
    """The demo was pointed at a store that holds a real monitor's data; the message says what to do."""


def refuse_a_real_store(settings: Settings, db: Any) -> None:
    """Raise :class:`NotADemoStore` when the store holds sources, items or review accounts other than the
    demo's (a monitor's store, even one just made with ``tocsin init``): the demo would mix fictional posts
    into it and open a lead account."""
    from tocsin.store.db import marks

    demo = [s.name for s in settings.sources]
    sources = db.execute(f"SELECT count(*) FROM sources WHERE name NOT IN ({marks(demo)})", demo).fetchone()[0]
    items = db.execute(f"SELECT count(*) FROM items WHERE source NOT IN ({marks(demo)})", demo).fetchone()[0]
    accounts = db.execute("SELECT count(*) FROM users WHERE username != ?", [DEMO_USER]).fetchone()[0]
    if sources or items or accounts:
        raise NotADemoStore(
            f"{settings.database_path} is a monitor's own store ({sources} sources, {items} items and {accounts} review "
            "accounts that are not the demo's): the demo would add fictional posts and a 'demo' lead account to it. "
            "Run the demo without --db (and without TOCSIN_DB), or give it a new file")


def run_demo(settings: Settings, db: Any) -> DemoReport:
    """One full cycle over the demo world, a demo login, and the figures for the summary."""
    from tocsin.pipeline import run_cycle
    from tocsin.review.accounts import add_user, user_exists
    from tocsin.store.status import delivery_counts, flagged_breakdown, items_per_source_and_language, last_run_errors

    refuse_a_real_store(settings, db)
    cycle = run_cycle(settings, db)
    password = secrets.token_urlsafe(9)
    if user_exists(db, DEMO_USER):
        from tocsin.review.accounts import set_password

        set_password(db, DEMO_USER, password)
    else:
        add_user(db, DEMO_USER, password, "lead")
    return DemoReport(
        database=settings.database_path,
        alerts_file=Path(next(s.path for s in settings.alerts.sinks if s.kind == "file")),
        review_url=f"http://{settings.review.host}:{settings.review.port}/",
        username=DEMO_USER,
        password=password,
        cycle=cycle,
        items=items_per_source_and_language(db),
        flagged=flagged_breakdown(db),
        deliveries=delivery_counts(db),
        crawl_errors=last_run_errors(db),
    )
