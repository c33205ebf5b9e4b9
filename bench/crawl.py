"""Crawl throughput: pages per minute through fetch + extract + store, against a scaled-up local demo world.

The world is served on several loopback addresses (127.0.0.1, 127.0.0.2, …), one "domain" each, so the
crawl runs as it does across many sites: at most 2 requests in flight per domain, politeness delays off
(as when many domains share the crawl, each domain's own delay is hidden by the others), robots.txt
obeyed. Every page is a realistic article (navigation, ads, ~6 paragraphs) extracted with trafilatura
and stored with its compressed snapshot.

    python -m bench.crawl [PAGES] [DOMAINS]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from tocsin.config import Settings, SourceSettings
from tocsin.crawler import crawl_sources
from tocsin.crawler.demo_world import serve_demo_world
from tocsin.crawler.runner import last_process
from tocsin.store import connect


def main(pages: int = 3000, domains: int = 8) -> dict[str, float]:
    """Crawl ``pages`` generated articles spread over ``domains`` local hosts; return the figures."""
    per_domain = max(pages // domains, 1)
    with tempfile.TemporaryDirectory(prefix="tocsin-bench-crawl-") as tmp, ExitStack() as stack:
        bases = [stack.enter_context(serve_demo_world(scale=per_domain, host=f"127.0.0.{i + 1}")) for i in range(domains)]
        settings = Settings()
        settings.database.path = str(Path(tmp) / "bench.db")
        settings.crawl.download_delay_s = 0
        settings.crawl.autothrottle = False
        settings.crawl.concurrent_per_domain = 2
        settings.crawl.retry_backoff_s = 0
        settings.sources = [
            SourceSettings(name=f"bench-{i + 1}", kind="sitemap", urls=[f"{base}/bench/sitemap.xml"], allow_private_networks=True,
                           max_pages=per_domain + 10, since_days=3650)
            for i, base in enumerate(bases)
        ]
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        results = crawl_sources(settings, timeout_s=1800)
        wall = time.perf_counter() - started
        db = connect(settings.database_path)
        stored = db.execute("SELECT count(*) FROM items").fetchone()[0]
        db.close()
    fetched = sum(r.pages for r in results)
    engine_s = float(last_process.get("elapsed_s") or wall)
    figures = {
        "pages_fetched": float(fetched),
        "items_stored": float(stored),
        "errors": float(sum(r.errors for r in results)),
        "engine_seconds": round(engine_s, 2),
        "pages_per_min": round(fetched / engine_s * 60, 1),
        "pages_per_min_with_startup": round(fetched / wall * 60, 1),
        "peak_rss_mb": round(float(last_process.get("max_rss_mb") or 0), 1),
        "load_avg_before": round(load_before, 2),
        "cpu_count": float(os.cpu_count() or 0),
    }
    for key, value in figures.items():
        print(f"{key:28s} {value:,.1f}")
    return figures


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    main(*args)
