"""Helpers for the distributed-mode tests, importable by their subprocesses (no tests here).

- :func:`make_analyser`: a small deterministic batch analyser (``--analyser test_distributed_fakes:make_analyser``)
  that records which process analysed which item, so tests can check "exactly once".
- :class:`PagesSpider`: a Scrapy spider over a local site, with the same shape as tocsin's spiders
  (one spider class, a source name per instance).
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from tocsin.store.analyses import AnalysisRecord
from tocsin.store.items import ItemRecord

#: Requests one fake crawler process keeps in flight (Scrapy's CONCURRENT_REQUESTS).
PER_CRAWLER_CONCURRENCY = 4

#: Words that make the fake analyser flag a text.
FLAG_WORDS = ("expel", "drive out")


class KeywordAnalyser:
    """Flags texts with one of :data:`FLAG_WORDS`. ``TOCSIN_TEST_ANALYSE_DELAY_S`` slows each batch down
    (so a test can kill a worker in the middle of one); ``TOCSIN_TEST_ANALYSE_LOG`` names a file that gets
    one JSON line per analysed item: ``{"pid", "item_id"}``."""

    model_name = "keyword-test"
    model_version = "1"

    def __init__(self, settings: Any = None):
        self.threshold = settings.model.threshold if settings is not None else 0.5
        self.delay_s = float(os.environ.get("TOCSIN_TEST_ANALYSE_DELAY_S", "0") or 0)
        self.log = os.environ.get("TOCSIN_TEST_ANALYSE_LOG", "")

    def analyse(self, rows: list[dict[str, Any]]) -> list[AnalysisRecord | None]:
        if self.delay_s:
            time.sleep(self.delay_s)
        out: list[AnalysisRecord | None] = []
        for row in rows:
            if "FAIL" in row["text"]:
                out.append(None)
                continue
            hit = any(w in row["text"].lower() for w in FLAG_WORDS)
            score = 0.9 if hit else 0.1
            out.append(AnalysisRecord(
                item_id=row["id"], content_hash=row["content_hash"], model_name=self.model_name,
                model_version=self.model_version, patterns_version="test", threshold=self.threshold, score=score,
                incitement=score >= self.threshold, lang=row.get("lang") or "en",
                targets=[{"group": "uzbek", "text": row["text"][:10], "start": 0, "end": min(10, len(row["text"]))}] if hit else [],
                explanation="keyword found" if hit else "no keyword"))
        if self.log:
            with open(self.log, "a", encoding="utf-8") as f:
                for row in rows:
                    f.write(json.dumps({"pid": os.getpid(), "item_id": row["id"]}) + "\n")
        return out


def make_analyser(settings: Any) -> KeywordAnalyser:
    """Factory for ``tocsin worker analyse --analyser test_distributed_fakes:make_analyser``."""
    return KeywordAnalyser(settings)


def item(n: int, *, source: str = "test", text: str = "", raw: bytes | None = None) -> ItemRecord:
    """A small fictional item number ``n``."""
    return ItemRecord(source=source, url=f"https://news.example.org/a/{n}", kind="article", title=f"Story {n}",
                      text=text or f"Fictional market news number {n}.", author=f"Reporter {n % 3}",
                      published_at="2026-11-01T10:00:00+00:00", lang="en", meta={"n": n}, raw=raw,
                      content_type="text/html")


def _spider_class() -> type:
    import scrapy

    class PagesSpider(scrapy.Spider):
        """Follows the links of an index page; one item per article page. ``source_name`` names the source."""

        name = "pages"

        def __init__(self, source_name: str = "", start: str = "", log_path: str = "", **kwargs: Any):
            super().__init__(**kwargs)
            self.source_name = source_name
            self.start_urls = [start]
            self.log_path = log_path

        def parse(self, response: Any) -> Any:
            self.note(response.url)
            for href in response.css("a::attr(href)").getall():
                yield response.follow(href, callback=self.parse_article)

        def parse_article(self, response: Any) -> Any:
            self.note(response.url)
            for href in response.css("a.more::attr(href)").getall():
                yield response.follow(href, callback=self.parse_article)
            yield ItemRecord(source=self.source_name, url=response.url, kind="article",
                             title=response.css("h1::text").get(""), text=" ".join(response.css("p::text").getall()),
                             raw=response.body, content_type="text/html")

        def note(self, url: str) -> None:
            with open(self.log_path, "a", encoding="utf-8") as f:
                f.write(json.dumps({"pid": os.getpid(), "url": url}) + "\n")

    return PagesSpider


def run_pages_crawl(settings_json: str, start: str, source: str, log_path: str) -> None:
    """Crawl the local site with :class:`PagesSpider` under the distributed Scrapy settings (a subprocess)."""
    from scrapy.crawler import CrawlerProcess

    from tocsin.config import load_settings
    from tocsin.distributed import scrapy_overrides

    settings = load_settings(None, env={})
    for key, value in json.loads(settings_json).items():
        setattr(settings.distributed, key, value)
    values = {"LOG_LEVEL": "WARNING", "ROBOTSTXT_OBEY": False, "TELNETCONSOLE_ENABLED": False,
              "CONCURRENT_REQUESTS": PER_CRAWLER_CONCURRENCY, "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7"}
    values.update(scrapy_overrides(settings))
    process = CrawlerProcess(values)
    process.crawl(_spider_class(), source_name=source, start=start, log_path=log_path)
    process.start()


if __name__ == "__main__":
    import sys

    run_pages_crawl(*sys.argv[1:])
