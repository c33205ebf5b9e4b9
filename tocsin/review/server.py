"""Serving the review page with waitress (a production WSGI server, pure Python)."""

from __future__ import annotations

import logging
from pathlib import Path

from tocsin.config import Settings
from tocsin.review.app import create_app

logger = logging.getLogger(__name__)


def serve(settings: Settings | None, db_path: str | Path, *, host: str | None = None, port: int | None = None) -> None:
    """Serve the review page over the store at ``db_path`` until interrupted.

    :param host: address to listen on (default ``review.host``, 127.0.0.1).
    :param port: port (default ``review.port``).
    """
    from waitress import serve as waitress_serve

    settings = settings or Settings()
    app = create_app(settings, db_path)
    host = host or settings.review.host
    port = settings.review.port if port is None else port
    if host not in ("127.0.0.1", "localhost", "::1"):
        logger.warning("the review page listens on %s: put it behind HTTPS and set review.secure_cookies = true", host)
    logger.info("review page on http://%s:%s/ over %s", host, port, db_path)
    waitress_serve(app, host=host, port=port, threads=max(1, settings.review.threads), ident="tocsin",
                   clear_untrusted_proxy_headers=True, max_request_body_size=1_048_576)
