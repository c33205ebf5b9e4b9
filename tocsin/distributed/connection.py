"""The Redis connection of distributed mode and the names of tocsin's Redis keys.

``redis`` is imported only here and only when distributed mode is used: a single-machine install never
needs a Redis server (nor, strictly, the ``redis`` package).
"""

from __future__ import annotations

import importlib.util
import logging
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tocsin.config import ConfigError, DistributedSettings, Settings

logger = logging.getLogger(__name__)

REDIS_SCHEMES = ("redis", "rediss", "unix")


class DistributedError(RuntimeError):
    """Distributed mode cannot work as configured; the message says what to do."""


class RedisUnavailable(DistributedError):
    """The Redis server named by ``distributed.redis_url`` cannot be reached."""


def is_distributed(settings: Settings) -> bool:
    """True when ``distributed.redis_url`` is set (distributed mode), False on one machine."""
    return bool(settings.distributed.redis_url.strip())


def masked_url(url: str) -> str:
    """``url`` with any password replaced by ``***``, safe for logs and ``tocsin status``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, f"{user}:***@{host}", parts.path, parts.query, parts.fragment))


def check_redis_url(url: str) -> None:
    """Raise :class:`ConfigError` unless ``url`` is a Redis URL (``redis://``, ``rediss://``, ``unix://``)."""
    parts = urlsplit(url)
    if parts.scheme not in REDIS_SCHEMES or (parts.scheme != "unix" and not parts.hostname):
        raise ConfigError("distributed.redis_url", masked_url(url),
                          "expected redis://[:password@]host:6379/0 (rediss:// for TLS, unix:///path.sock); empty for one machine")


def require_package(module: str) -> None:
    """Raise :class:`DistributedError` naming the install command when ``module`` (``redis``,
    ``scrapy_redis``: the ``distributed`` extra) is not installed."""
    if importlib.util.find_spec(module) is None:
        raise DistributedError(f"distributed mode needs the '{module}' package, which is not installed here: "
                               "pip install 'tocsin[distributed]' (redis and scrapy-redis), or empty distributed.redis_url")


def connect_redis(settings: Settings | DistributedSettings, *, check: bool = True) -> Any:
    """A Redis client for ``distributed.redis_url`` (bytes in, bytes out).

    :param check: ping the server now, so a wrong address fails here with a clear message.
    :raises DistributedError: distributed mode is off, or the ``redis`` package is missing.
    :raises RedisUnavailable: the server does not answer.
    """
    dist = settings.distributed if isinstance(settings, Settings) else settings
    url = dist.redis_url.strip()
    if not url:
        raise DistributedError("distributed mode is off: set distributed.redis_url (or TOCSIN_DISTRIBUTED_REDIS_URL) to redis://host:6379/0")
    check_redis_url(url)
    require_package("redis")
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=10, socket_timeout=60, health_check_interval=30,
                                  retry_on_timeout=True, client_name=f"tocsin-{socket.gethostname()}")
    if check:
        try:
            client.ping()
        except redis.RedisError as e:
            raise RedisUnavailable(f"cannot reach Redis at {masked_url(url)} ({e}); start redis-server there "
                                   "or fix distributed.redis_url") from e
    return client


@dataclass(frozen=True)
class Keys:
    """Every Redis key tocsin uses, derived from the ``[distributed]`` settings."""

    stream: str
    group: str
    prefix: str

    @classmethod
    def of(cls, settings: Settings | DistributedSettings) -> "Keys":
        dist = settings.distributed if isinstance(settings, Settings) else settings
        return cls(stream=dist.stream, group=dist.group, prefix=dist.key_prefix)

    def analysed(self) -> "Keys":
        """The stream publishing workers fill with analysed items, read by ``tocsin worker store``."""
        return Keys(stream=f"{self.stream}:analysed", group="writers", prefix=self.prefix)

    @property
    def dead(self) -> str:
        """The dead-letter stream: entries no worker could take, with the reason."""
        return f"{self.stream}:dead"

    @property
    def workers(self) -> str:
        """Hash of heartbeats: worker name -> JSON."""
        return f"{self.prefix}:workers"

    @property
    def crawls(self) -> str:
        """Hash: source -> its last crawl (time, crawler, outcome), shared by every crawler."""
        return f"{self.prefix}:crawls"

    def lease(self, source: str) -> str:
        """The lease of the crawler crawling ``source`` now."""
        return f"{self.prefix}:lease:{source}"

    @property
    def stored(self) -> str:
        """Set of the item ids the central store holds (16-byte members), filled by the workers."""
        return f"{self.prefix}:stored"

    def claim(self, item_id: str) -> str:
        """One crawler process's claim on an item (expires after ``dedupe_ttl_s``)."""
        return f"{self.prefix}:claim:{item_id}"

    def seen(self, digest: str) -> str:
        """Marker that one item version was pushed recently (expires after ``dedupe_ttl_s``)."""
        return f"{self.prefix}:seen:{digest}"

    @property
    def requests_pattern(self) -> str:
        """scrapy-redis request queue of one source (``%(spider)s`` is the source name)."""
        return f"{self.prefix}:requests:%(spider)s"

    @property
    def dupefilter_pattern(self) -> str:
        """scrapy-redis duplicate filter of one source."""
        return f"{self.prefix}:dupefilter:%(spider)s"
