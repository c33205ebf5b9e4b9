"""Helpers for the distributed-mode tests, importable by their subprocesses (no tests here).

- :func:`make_analyser`: a small deterministic batch analyser (``--analyser test_distributed_fakes:make_analyser``)
  that records which process analysed which item, so tests can check "exactly once".
- :class:`PagesSpider`: a Scrapy spider over a local site, with the same shape as tocsin's spiders
  (one spider class, a source name per instance).
- :func:`publish_while_redis_hangs`: a crawler's item pipeline on a running reactor, with a Redis whose pushes
  hang until released (run in a subprocess: the reactor cannot restart).
"""

from __future__ import annotations

import json
import os
import threading
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


class HangingRedis:
    """The few calls a crawler's :class:`StreamPipeline` makes, answered at once, except each push (the XADD of
    its script), which hangs until ``release`` is set (a slow or unreachable Redis, up to its socket timeout)."""

    def __init__(self, hang_s: float):
        self.hang_s = hang_s
        self.release = threading.Event()
        self.pushes: list[tuple[str, bytes]] = []   # (thread, item url) of each push, in order

    def register_script(self, script: str) -> Any:
        def push(keys: list[Any], args: list[Any]) -> bytes:
            self.release.wait(self.hang_s)
            record = json.loads(args[args.index(b"record") + 1])
            self.pushes.append((threading.current_thread().name, record["url"]))
            return b"1-0"
        return push

    def xgroup_create(self, *args: Any, **kwargs: Any) -> None:
        pass

    def hset(self, *args: Any, **kwargs: Any) -> None:
        pass

    def pipeline(self, transaction: bool = True) -> Any:
        """For the backlog: empty streams."""
        from types import SimpleNamespace

        return SimpleNamespace(xlen=lambda stream: None, execute=lambda: [0, 0])


def publish_while_redis_hangs(reactor_name: str, hang_s: float = 5.0, ticks_before_release: int = 10) -> dict[str, Any]:
    """Pass two items through a crawler's pipeline on a running reactor while Redis hangs, release Redis after
    ``ticks_before_release`` ticks of a ``LoopingCall``; returns what happened (printed as JSON by ``__main__``)."""
    from types import SimpleNamespace
    from unittest import mock

    from scrapy.settings import Settings as ScrapySettings
    from scrapy.utils.reactor import install_reactor

    if reactor_name == "asyncio":
        install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
    from scrapy.utils.defer import deferred_from_coro
    from twisted.internet import reactor, task
    from twisted.internet.defer import Deferred, DeferredList, succeed

    from tocsin.config import load_settings
    from tocsin.distributed import crawling, scrapy_overrides

    settings = load_settings(None, env={})
    settings.distributed.redis_url = "redis://127.0.0.1:1/0"
    redis = HangingRedis(hang_s)
    with mock.patch.object(crawling, "connect_redis", lambda dist: redis):
        pipeline = crawling.StreamPipeline(SimpleNamespace(settings=ScrapySettings(scrapy_overrides(settings)), spider=None))
    spider = SimpleNamespace(name="spider", source_name="test")
    pipeline.open_spider(spider)
    report: dict[str, Any] = {"reactor_thread": threading.current_thread().name, "ticks": 0, "results": []}

    def tick() -> None:
        report["ticks"] += 1
        if report["ticks"] == ticks_before_release:
            report["done_before_release"] = len(report["results"])
            redis.release.set()

    def start() -> None:
        started = time.monotonic()
        outs = [deferred_from_coro(pipeline.process_item(item(n), spider)) for n in (1, 2)]
        report["process_item_s"] = time.monotonic() - started
        outs = [d if isinstance(d, Deferred) else succeed(d) for d in outs]   # returned done: pushed here
        for d in outs:
            d.addCallback(lambda out: report["results"].append([out.url, report["ticks"]]))
        done = DeferredList(outs, consumeErrors=True)
        task.LoopingCall(tick).start(0.02)
        done.addBoth(lambda _: reactor.callLater(0.1, reactor.stop))

    reactor.callWhenRunning(start)
    reactor.callLater(30, reactor.stop)   # a safety net
    reactor.run()
    report["pushes"] = redis.pushes
    return report


if __name__ == "__main__":
    import sys

    run_pages_crawl(*sys.argv[1:])
