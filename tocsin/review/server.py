"""Serving the review page with waitress (a production WSGI server, pure Python)."""

from __future__ import annotations

import logging
from pathlib import Path

from tocsin.config import Settings
from tocsin.review.app import create_app
from tocsin.review.hosts import allowed_host_names, is_loopback

logger = logging.getLogger(__name__)

#: The largest request body waitress takes in (it holds each whole, on disk past 512 KiB, before the page runs):
#: well above the page's own limit, so that a form over that limit gets the page's 413 naming it, not waitress's.
MAX_BODY_BYTES = 4 * 1024 * 1024


def listening_warnings(settings: Settings, host: str) -> list[str]:
    """What to warn of when the page listens on ``host`` (the setting, or ``--host``) beyond this machine."""
    if is_loopback(host):
        return []
    warnings = [f"the review page listens on {host}: put it behind HTTPS and set review.secure_cookies = true"]
    if settings.review.proxies:
        warnings.append(f"review.proxies = {settings.review.proxies} trusts X-Forwarded-For, but the page listens on "
                        f"{host}, where anyone can send that header and slip past the failed-login limit: listen on "
                        "127.0.0.1 behind the proxy")
    if allowed_host_names(settings, host) is None:
        warnings.append(f"review.allowed_hosts is empty, so the page answers to any host name on {host}: set it to the "
                        "names monitors open it by (e.g. allowed_hosts = ['review.example.org']), against DNS rebinding")
    return warnings


def serve(settings: Settings | None, db_path: str | Path, *, host: str | None = None, port: int | None = None) -> None:
    """Serve the review page over the store at ``db_path`` until interrupted.

    :param host: address to listen on (default ``review.host``, 127.0.0.1).
    :param port: port (default ``review.port``).
    """
    from waitress import serve as waitress_serve

    settings = settings or Settings()
    host = host or settings.review.host
    app = create_app(settings, db_path, listen_host=host)
    port = settings.review.port if port is None else port
    for warning in listening_warnings(settings, host):
        logger.warning(warning)
    logger.info("review page on http://%s:%s/ over %s", host, port, db_path)
    waitress_serve(app, host=host, port=port, **waitress_options(settings))


def waitress_options(settings: Settings) -> dict[str, object]:
    """waitress's settings for the review page. Behind trusted proxies (``review.proxies``) their
    ``X-Forwarded-*`` headers are passed on to the page, which reads them for as many proxies as trusted;
    otherwise waitress drops them, so that nobody can claim another address. A body of :data:`MAX_BODY_BYTES` or
    more is refused by waitress itself, with its plain 413."""
    return {"threads": max(1, settings.review.threads), "ident": "tocsin", "max_request_body_size": MAX_BODY_BYTES,
            "clear_untrusted_proxy_headers": not settings.review.proxies}
