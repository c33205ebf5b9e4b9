"""Crawler processes in distributed mode: scrapy-redis shares one request queue and one duplicate filter
per source between any number of crawler processes, and :class:`StreamPipeline` pushes items to the
Redis stream instead of the local SQLite store. See :func:`~tocsin.distributed.scrapy_settings.scrapy_overrides`.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import Any, Callable, NoReturn

from redis import RedisError
from scrapy.exceptions import DropItem
from scrapy.utils.misc import load_object
from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler

from tocsin.distributed.connection import Keys, connect_redis, redis_problem
from tocsin.distributed.heartbeat import Heartbeat, node_name
from tocsin.distributed.records import payload_of
from tocsin.distributed.scrapy_settings import distributed_settings_from, source_key
from tocsin.distributed.stream import StreamPusher
from tocsin.store.items import ItemRecord
from tocsin.store.sources import count_crawl_run

logger = logging.getLogger(__name__)

#: Seconds between two looks at the stream's length while the workers are behind.
BACKPRESSURE_POLL_S = 1.0
#: Pauses before each new try of a push Redis did not take (connection lost, Redis restarting or out of
#: memory); the item waits meanwhile. After the last one the item is counted as lost (see
#: :meth:`StreamPipeline.give_up`) and fetched again on the next crawl.
PUSH_RETRY_PAUSES_S = (0.5, 1.0, 2.0)
#: What a push to a Redis that cannot take it raises.
PUSH_ERRORS = (RedisError, OSError)


class ExpiringDupeFilter(RFPDupeFilter):
    """scrapy-redis's duplicate filter, one per source, whose fingerprints expire ``dedupe_ttl_s`` after
    the first request of a round: the processes of one round share it, the next round starts afresh."""

    def __init__(self, server: Any, key: str, debug: bool = False, ttl_s: int = 1800):
        super().__init__(server, key, debug)
        self.ttl_s = ttl_s

    @classmethod
    def from_spider(cls, spider: Any) -> "ExpiringDupeFilter":
        settings = spider.settings
        dist = distributed_settings_from(settings)
        key = settings.get("SCHEDULER_DUPEFILTER_KEY", Keys.of(dist).dupefilter_pattern) % {"spider": source_key(spider)}
        return cls(get_redis_from_settings(settings), key=key, debug=settings.getbool("DUPEFILTER_DEBUG"), ttl_s=dist.dedupe_ttl_s)

    def request_seen(self, request: Any) -> bool:
        fingerprint = self.request_fingerprint(request)
        pipe = self.server.pipeline(transaction=True)
        pipe.sadd(self.key, fingerprint)
        pipe.expire(self.key, max(1, self.ttl_s), nx=True)
        added, _ = pipe.execute()
        return added == 0

    def close(self, reason: str = "") -> None:
        """Keep the fingerprints: other processes of this round still use them (they expire)."""


class SourceScheduler(Scheduler):
    """scrapy-redis's scheduler with its queue keyed by source and spider class, shared by every crawler
    process of that source.

    A request that cannot travel through Redis (its callback or errback is a closure, not a spider
    method) is kept in a local queue of this process instead, so it is still crawled, only not shared.
    So are start requests (feeds, listings, sitemaps, channel pages), unless the spider sets
    ``shares_start_requests``: identical start requests of two processes would merge into one queue
    entry, and the process that did not take it would find nothing to do and stop at once. What the
    start pages lead to is shared and fetched once.
    """

    def open(self, spider: Any) -> None:
        self.local: deque[Any] = deque()
        self.unshareable_logged = False
        self.spider = spider
        self.queue = load_object(self.queue_cls)(
            server=self.server, spider=spider, key=self.queue_key % {"spider": source_key(spider)},
            serializer=self.serializer,
        )
        if not self.df:
            self.df = load_object(self.dupefilter_cls).from_spider(spider)
        if self.flush_on_start:
            self.flush()
        pending = len(self.queue)
        if pending:
            logger.info("%s: resuming %d requests queued by other crawlers", source_key(spider), pending)

    def __len__(self) -> int:
        return len(self.queue) + len(getattr(self, "local", ()))

    def enqueue_request(self, request: Any) -> bool:
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        if request.meta.get("is_start_request") and not getattr(self.spider, "shares_start_requests", False):
            self.local.append(request)
            return True
        try:
            self.queue.push(request)
        except ValueError as e:  # not serialisable: crawl it here rather than lose it
            if not self.unshareable_logged:
                logger.warning("%s: some requests cannot be shared through Redis and stay in this process (%s)",
                               source_key(self.spider), e)
                self.unshareable_logged = True
            self.local.append(request)
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Any:
        request = self.local.popleft() if self.local else self.queue.pop(self.idle_before_close)
        if request is not None and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request


class StreamPipeline:
    """Pushes each crawled item (and each re-check outcome) to the Redis stream.

    An item with neither text nor title is dropped as the store pipeline does. While the stream and the
    analysed stream hold more than ``max_stream_entries`` together (workers or the writer behind), the
    pipeline waits; nothing is dropped. A push Redis does not take is tried again
    (:data:`PUSH_RETRY_PAUSES_S`); an item that still cannot be pushed is counted as lost, as the store
    pipeline counts one the store refused.

    Every Redis call of a crawl in progress (push, backlog, heartbeat) runs on one publisher thread of its
    own (:meth:`off_reactor`), never on Scrapy's reactor thread: a slow or unreachable Redis (the client
    waits up to its socket timeout) holds only the items waiting to be pushed, while the downloads go on.
    :meth:`process_item` returns a coroutine that ends once Redis took the item (at least once: an item
    goes on down the pipeline, and is counted, only after that), and the one thread pushes in the order the
    items came.
    """

    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.dist = distributed_settings_from(crawler.settings)
        self.redis = connect_redis(self.dist)
        self.keys = Keys.of(self.dist)
        self.pusher: StreamPusher | None = None
        self.heartbeat: Heartbeat | None = None
        self.publisher: ThreadPoolExecutor | None = None
        self.last_backlog_check = 0.0
        self.uncounted = 0
        self.last_count = 0.0
        self.pushed_since_check = 0
        self.lost = 0

    @classmethod
    def from_crawler(cls, crawler: Any) -> "StreamPipeline":
        return cls(crawler)

    def open_spider(self, spider: Any = None) -> None:
        spider = spider or self.crawler.spider
        source = source_key(spider)
        name = node_name("crawl", source)
        self.pusher = StreamPusher(self.redis, self.dist, crawler=name)
        self.pusher.ensure_group()
        self.heartbeat = Heartbeat(self.redis, self.keys, name, "crawl", self.dist.heartbeat_s)
        self.heartbeat.beat("crawling", self.counters(), force=True)
        self.publisher = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"tocsin-publish-{source}")

    def count_in_crawl_run(self, ledger: Any, force: bool = False) -> None:
        """Add the items pushed to this crawl's run in the local store (at most once a second)."""
        now = time.monotonic()
        if ledger is None or not self.uncounted or (not force and now - self.last_count < 1.0):
            return
        self.last_count = now
        try:
            count_crawl_run(ledger.store, ledger.run_id, items=self.uncounted)
            self.uncounted = 0
        except Exception as e:  # bookkeeping only: the items themselves are safe in the stream
            logger.warning("could not count pushed items in the crawl run: %s", e)

    async def close_spider(self, spider: Any = None) -> None:
        self.count_in_crawl_run(getattr(spider or self.crawler.spider, "ledger", None), force=True)
        if self.heartbeat:
            await self.off_reactor(partial(self.heartbeat.beat, "finished", self.counters(), force=True))
        if self.publisher is not None:
            self.publisher.shutdown(wait=False)   # every item is done: nothing is left to push
            self.publisher = None

    def counters(self) -> dict[str, int]:
        p = self.pusher
        return {"pushed": p.pushed if p else 0, "skipped": p.skipped if p else 0, "lost": self.lost}

    def process_item(self, item: Any, spider: Any = None) -> Any:
        """Drop an item without text at once (:class:`DropItem`); otherwise return a coroutine that pushes
        it (waiting while the workers are behind, trying again while Redis does not take it) and returns it."""
        if self.pusher is None:
            self.open_spider(spider)
        assert self.pusher is not None and self.heartbeat is not None
        ledger = getattr(spider or self.crawler.spider, "ledger", None)
        try:
            payload = payload_of(item)
        except TypeError as e:
            raise DropItem(str(e)) from None
        if isinstance(payload, ItemRecord) and not (payload.text.strip() or payload.title.strip()):
            if ledger is not None:
                ledger.error("no_text", "the page has no text to store and no feed summary to fall back on", payload.url)
            raise DropItem(f"no text: {payload.url}")
        return self.publish(item, payload, ledger)

    async def publish(self, item: Any, payload: Any, ledger: Any) -> Any:
        """Push one item's payload, unless the workers are behind (then wait for them first); returns the item
        once pushed."""
        try:
            if await self.push(payload, ledger, look_at_backlog=self.backlog_due()):
                return item
            logger.warning("streams %s and %s hold more than %d entries together: pausing until the workers "
                           "(and the writer) catch up", self.keys.stream, self.keys.analysed().stream,
                           self.dist.max_stream_entries)
            return await self.push_once_caught_up(item, payload, ledger)
        except PUSH_ERRORS as e:
            return await self.push_with_retries(item, payload, ledger, e)

    async def push(self, payload: Any, ledger: Any, *, look_at_backlog: bool = False) -> bool:
        """Push one item's payload to the stream (on the publisher thread, after the payloads handed to it
        before); False, and nothing pushed, when ``look_at_backlog`` and the workers are behind."""
        pushed = await self.off_reactor(partial(self.push_now, payload, look_at_backlog))
        if pushed is None:
            return False
        if pushed and isinstance(payload, ItemRecord):
            self.uncounted += 1
        self.count_in_crawl_run(ledger)
        return True

    def push_now(self, payload: Any, look_at_backlog: bool = False) -> bool | None:
        """Push ``payload`` and beat the heartbeat: blocking Redis calls, for the publisher thread only. Returns
        whether it was pushed (False: another crawler pushed it recently), or None when ``look_at_backlog``
        and the streams hold more than ``max_stream_entries`` (then nothing was pushed). One call, so that
        the look and the push keep their place in the order of the items."""
        assert self.pusher is not None and self.heartbeat is not None
        if look_at_backlog and self.pusher.backlog() > self.dist.max_stream_entries:
            return None
        pushed = self.pusher.push(payload)
        self.heartbeat.beat("crawling", self.counters())
        return pushed

    async def off_reactor(self, call: Callable[[], Any]) -> Any:
        """Run ``call`` (blocking Redis calls) on the publisher thread, one call at a time in the order asked,
        and return its result (or raise its error) on the reactor thread, which goes on meanwhile."""
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet import reactor
        from twisted.internet.defer import Deferred

        if self.publisher is None:   # opened lazily, or used after close_spider
            self.publisher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tocsin-publish")
        done: Deferred[Any] = Deferred()

        def settle(future: Future[Any]) -> None:   # on the reactor thread
            error = future.exception()
            if error is not None:
                done.errback(error)
            else:
                done.callback(future.result())

        self.publisher.submit(call).add_done_callback(lambda future: reactor.callFromThread(settle, future))
        return await maybe_deferred_to_future(done)

    def backlog_due(self) -> bool:
        """Whether to look, before this push, whether the stream and the analysed stream hold more than
        ``max_stream_entries`` together (see :meth:`StreamPusher.backlog`): once a second, and after every 1 %
        of the limit pushed (so a burst cannot overshoot it by more than that)."""
        now = time.monotonic()
        self.pushed_since_check += 1
        if now - self.last_backlog_check < BACKPRESSURE_POLL_S and self.pushed_since_check < max(1, self.dist.max_stream_entries // 100):
            return False
        self.last_backlog_check, self.pushed_since_check = now, 0
        return True

    async def backlog(self) -> int:
        """:meth:`StreamPusher.backlog`, read on the publisher thread."""
        assert self.pusher is not None
        return await self.off_reactor(self.pusher.backlog)

    async def beat(self, state: str) -> None:
        """Report ``state`` in this crawler's heartbeat (on the publisher thread)."""
        assert self.heartbeat is not None
        await self.off_reactor(partial(self.heartbeat.beat, state, self.counters()))

    async def push_once_caught_up(self, item: Any, payload: Any, ledger: Any) -> Any:
        """Hold the item (and so, through Scrapy's scraper limits, the crawl) until the streams are back
        under ``max_stream_entries``, then push it."""
        try:
            while self.pusher is not None and await self.backlog() > self.dist.max_stream_entries:
                await self.beat("paused: workers or writer behind")
                await self.pause(BACKPRESSURE_POLL_S)
            await self.push(payload, ledger)
            return item
        except PUSH_ERRORS as e:
            return await self.push_with_retries(item, payload, ledger, e)

    async def push_with_retries(self, item: Any, payload: Any, ledger: Any, error: Exception) -> Any:
        """Try again a push that failed with ``error``, after each pause of :data:`PUSH_RETRY_PAUSES_S`,
        holding the item (and so the crawl) meanwhile as the back-pressure wait does; when every try fails,
        :meth:`give_up`."""
        for pause_s in PUSH_RETRY_PAUSES_S:
            logger.warning("%s; trying again in %.1f s", redis_problem(self.dist.redis_url, error), pause_s)
            await self.beat("paused: Redis unavailable")
            await self.pause(pause_s)
            try:
                await self.push(payload, ledger)
                return item
            except PUSH_ERRORS as e:
                error = e
        self.give_up(payload, ledger, error)

    def give_up(self, payload: Any, ledger: Any, error: Exception) -> NoReturn:
        """Count an item Redis would not take as lost, as the store pipeline counts one the store refused:
        the spider keeps its resume point (a feed its ETag) behind it, the run is not reported clean, and the
        item's claim is released, so the next crawl, on any machine, fetches it again."""
        self.lost += 1
        url = payload.url or getattr(payload, "item_id", "")
        why = (f"{redis_problem(self.dist.redis_url, error)}; tried {len(PUSH_RETRY_PAUSES_S) + 1} times, "
               "and the item is fetched again on the next crawl")
        if ledger is None:
            logger.error("item not pushed (%s): %s", why, url)
        else:
            ledger.lost(url, why)
            if isinstance(payload, ItemRecord):
                ledger.release(payload.id)
        raise DropItem(f"not pushed to Redis: {url}")

    async def pause(self, seconds: float) -> None:
        """Wait ``seconds`` without holding up Scrapy's event loop."""
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet import reactor
        from twisted.internet.task import deferLater

        await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))
