"""Scrapy project settings for tocsin's crawler.

The module-level names are the project's fixed defaults (``SCRAPY_SETTINGS_MODULE`` may point here);
:func:`scrapy_settings` adds what comes from tocsin's ``[crawl]`` config: politeness, limits, identity.
"""

from __future__ import annotations

from typing import Any

from tocsin.config import CrawlSettings

BOT_NAME = "tocsin"
SPIDER_MODULES = ["tocsin.crawler.spiders"]
NEWSPIDER_MODULE = "tocsin.crawler.spiders"

ROBOTSTXT_OBEY = True
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
#: Scrapy's remote control runs Python code sent over HTTP to the crawl process: never in tocsin.
REMOTE_CONTROL_ENABLED = False
CONCURRENT_REQUESTS = 32
#: Items handled in parallel per response; ours are stored synchronously, so more only costs tasks.
CONCURRENT_ITEMS = 10
CONCURRENT_REQUESTS_PER_DOMAIN = 2
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
REDIRECT_MAX_TIMES = 10
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
HTTPERROR_ALLOW_ALL = False
LOG_LEVEL = "WARNING"
LOG_FORMATTER = "tocsin.crawler.logformat.PrivateLogFormatter"
LOG_INSTALL_ROOT_HANDLER = True
FEED_EXPORT_ENCODING = "utf-8"
DNS_TIMEOUT = 20
TWISTED_DNS_RESOLVER = "tocsin.crawler.resolver.GuardedResolver"

DOWNLOADER_MIDDLEWARES = {
    # Before robots.txt (100): a blocked address is never contacted, not even for its robots.txt.
    "tocsin.crawler.middlewares.PrivateNetworkGuard": 50,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "tocsin.crawler.middlewares.BackoffRetryMiddleware": 550,
}
ITEM_PIPELINES = {"tocsin.crawler.pipelines.StorePipeline": 300}
EXTENSIONS = {"scrapy.extensions.telnet.TelnetConsole": None}


def project_defaults() -> dict[str, Any]:
    """The module-level settings above as a dict."""
    return {k: v for k, v in globals().items() if k.isupper()}


def scrapy_settings(crawl: CrawlSettings, *, retry_backoff_s: float | None = None) -> dict[str, Any]:
    """Scrapy settings for a crawl under tocsin's ``[crawl]`` config.

    :param crawl: the ``[crawl]`` section.
    :param retry_backoff_s: first retry delay (doubles per retry); default ``crawl.retry_backoff_s``.
    """
    values = project_defaults()
    values.update({
        "USER_AGENT": crawl.user_agent,
        "ROBOTSTXT_OBEY": crawl.obey_robots_txt,
        "ROBOTSTXT_USER_AGENT": crawl.user_agent,
        "AUTOTHROTTLE_ENABLED": crawl.autothrottle,
        "AUTOTHROTTLE_START_DELAY": max(crawl.download_delay_s, 0.0),
        "DOWNLOAD_DELAY": crawl.download_delay_s,
        "DOWNLOAD_DELAY_JITTER": 0.5 if crawl.download_delay_s > 0 else 0.0,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrent_per_domain,
        "CONCURRENT_REQUESTS": max(CONCURRENT_REQUESTS, crawl.concurrent_per_domain * 4),
        "DOWNLOAD_TIMEOUT": crawl.timeout_s,
        "DNS_TIMEOUT": min(crawl.timeout_s, 60),
        "RETRY_ENABLED": crawl.retries > 0,
        "RETRY_TIMES": crawl.retries,
        "RETRY_BACKOFF_S": crawl.retry_backoff_s if retry_backoff_s is None else retry_backoff_s,
        # Scrapy enforces the limit on the bytes received and, in HttpCompressionMiddleware, on the
        # decompressed body as it is inflated (a gzip bomb stops at the limit).
        "DOWNLOAD_MAXSIZE": crawl.max_page_bytes,
        "DOWNLOAD_WARNSIZE": 0,
        "TOCSIN_ALLOW_PRIVATE_NETWORKS": crawl.allow_private_networks,
    })
    return values
