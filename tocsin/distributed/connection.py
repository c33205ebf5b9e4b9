"""The Redis connection of distributed mode and the names of tocsin's Redis keys.

``redis`` is imported only here and only when distributed mode is used: a single-machine install never
needs a Redis server (nor, strictly, the ``redis`` package).
"""

from __future__ import annotations

import importlib.util
import logging
import socket
import time
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlsplit

from tocsin.config import ConfigError, DistributedSettings, Settings, masked_secrets

logger = logging.getLogger(__name__)

REDIS_SCHEMES = ("redis", "rediss", "unix")
#: The pause after a first failure of Redis, doubled after each failure in a row up to the longest.
FIRST_RETRY_S = 1.0
LONGEST_RETRY_S = 60.0


class DistributedError(RuntimeError):
    """Distributed mode cannot work as configured; the message says what to do."""


class RedisUnavailable(DistributedError):
    """The Redis server named by ``distributed.redis_url`` cannot be reached, or refuses its password."""


def is_distributed(settings: Settings) -> bool:
    """True when ``distributed.redis_url`` is set (distributed mode), False on one machine."""
    return bool(settings.distributed.redis_url.strip())


def masked_url(url: str) -> str:
    """``url`` safe for logs and ``tocsin status``: whatever stands between ``://`` and the last ``@`` is
    masked, a user name kept (``redis://tocsin:***@hub:6379/0``). Read from the raw text, not parsed, so
    that a password holding ``/``, ``?`` or ``#`` is masked too; so is a ``?password=`` in the query."""
    credentials, at, address = url.rpartition("@")
    if not at:
        return masked_secrets(url)
    scheme, sep, userinfo = credentials.partition("://")
    if not sep:
        scheme, userinfo = "", credentials
    user, colon, _ = userinfo.partition(":")
    return masked_secrets(f"{scheme}{sep}{user}{colon}***@{address}" if colon else f"{scheme}{sep}***@{address}")


def check_redis_url(url: str) -> None:
    """Raise :class:`ConfigError` unless ``url`` is a Redis URL (``redis://``, ``rediss://``, ``unix://``)
    whose password, if any, can be read from it."""
    if misread_credentials(url):
        raise ConfigError("distributed.redis_url", masked_url(url),
                          "the password (or user name) holds '/', '?' or '#', which end the address part of a URL: "
                          "percent-encode them (/ as %2F, ? as %3F, # as %23)")
    parts = urlsplit(url)
    if parts.scheme not in REDIS_SCHEMES or (parts.scheme != "unix" and not parts.hostname):
        raise ConfigError("distributed.redis_url", masked_url(url),
                          "expected redis://[:password@]host:6379/0 (rediss:// for TLS, unix:///path.sock); empty for one machine")


def misread_credentials(url: str) -> bool:
    """Whether ``url`` has an ``@`` that a URL parser does not read as the end of a user name and password
    (they hold ``/``, ``?`` or ``#``); an ``@`` in a socket path (``unix:///run/redis@1.sock``) is no such."""
    after_scheme = url.partition("://")[2]
    return "@" in after_scheme and not after_scheme.startswith("/") and "@" not in urlsplit(url).netloc


def refused_password(error: Exception) -> bool:
    """Whether ``error`` is Redis refusing the URL's credentials (a wrong or missing password, an unknown user)."""
    import redis

    return isinstance(error, redis.AuthenticationError) or str(error).startswith(("NOAUTH", "WRONGPASS"))


def redis_problem(url: str, error: Exception) -> str:
    """What went wrong with the Redis at ``url`` (``error``) and what to do about it, the password masked."""
    import redis

    where = masked_url(url)
    if refused_password(error):
        return (f"Redis at {where} refused the password ({error}); check the password in the URL "
                "(distributed.redis_url or TOCSIN_DISTRIBUTED_REDIS_URL) against the server's requirepass or ACL user")
    if isinstance(error, redis.exceptions.OutOfMemoryError):
        return (f"Redis at {where} is out of memory ({error}); raise its maxmemory, or lower "
                "distributed.max_stream_entries so that crawlers pause sooner")
    if isinstance(error, (redis.ConnectionError, redis.TimeoutError, OSError)):
        return f"cannot reach Redis at {where} ({error}); start redis-server there or fix distributed.redis_url"
    return f"Redis at {where} answered with an error ({type(error).__name__}: {error}); see the Redis server's log"


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
    :raises RedisUnavailable: the server does not answer, or refuses the password.
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
            raise RedisUnavailable(redis_problem(url, e)) from e
    return client


def will_pass(error: BaseException) -> bool:
    """Whether waiting can cure ``error``: Redis cannot be reached, refuses the connection, is still loading or
    is out of memory. A malformed URL, a missing package or a refused password needs a fix instead."""
    import redis

    cause = error.__cause__ if isinstance(error, RedisUnavailable) else error
    if cause is None or refused_password(cause):
        return False
    return isinstance(cause, (redis.ConnectionError, redis.TimeoutError, redis.exceptions.OutOfMemoryError, OSError))


class GaveUp(DistributedError):
    """A run meant to end (``worker crawl --once``, ``worker … --until-idle``) met failures for longer than
    it was told to wait (``--give-up-after``); nothing is lost, the run can be started again."""


class Backoff:
    """The pauses after failures in a row: :data:`FIRST_RETRY_S`, doubled each time up to
    :data:`LONGEST_RETRY_S`; :meth:`reset` after a success.

    :param patience_s: give up (:class:`GaveUp`) instead of pausing once the pauses in a row would add up to
        more than this; None: never.
    """

    def __init__(self, patience_s: float | None = None) -> None:
        self.patience_s = patience_s
        self.failures = 0
        self.waited_s = 0.0

    def next_pause(self, problem: str = "") -> float:
        """The pause after one more failure (``problem``, named when giving up)."""
        pause = min(LONGEST_RETRY_S, FIRST_RETRY_S * 2 ** min(self.failures, 16))
        if self.patience_s is not None and self.waited_s + pause > self.patience_s:
            raise GaveUp(f"{problem or 'failures in a row'}; gave up after {self.failures} tries in {self.waited_s:.0f} s "
                         "(--give-up-after); nothing was lost: run it again once that is mended")
        self.failures += 1
        self.waited_s += pause
        return pause

    def reset(self) -> None:
        self.failures = 0
        self.waited_s = 0.0


def wait_for_redis(settings: Settings | DistributedSettings, *, stopped: Callable[[], bool] = lambda: False,
                   sleep: Callable[[float], Any] = time.sleep, patience_s: float | None = None) -> Any:
    """:func:`connect_redis`, tried again with :class:`Backoff` (a log line each time) while waiting can cure
    the failure (:func:`will_pass`), until Redis answers or ``stopped()``; None when stopped first.

    :param patience_s: give up after this many seconds of pauses (default: wait as long as it takes).
    :raises DistributedError: what waiting cannot cure (distributed mode off, a missing package, a refused
        password), or :class:`GaveUp`; a malformed URL raises :class:`ConfigError`.
    """
    backoff = Backoff(patience_s)
    while not stopped():
        try:
            return connect_redis(settings)
        except RedisUnavailable as e:
            if not will_pass(e):
                raise
            pause = backoff.next_pause(str(e))
            logger.error("%s; trying again in %.0f s", e, pause)
            sleep(pause)
    return None


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
