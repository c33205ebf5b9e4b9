"""The demo world: fictional regional news sites, Telegram-style channels, a forum and a microblog,
served by a tiny local HTTP server so that the demo and the tests crawl something real.

    with serve_demo_world(port=0) as base_url:
        settings.sources = demo_sources(base_url)
        crawl_sources(settings)

``expected_texts()`` lists every labelled text (``expected`` = ``incitement`` or ``ok``) with its URL path.
"""

from tocsin.crawler.demo_world.content import DemoText, WorldState, all_texts as expected_texts
from tocsin.crawler.demo_world.server import DemoURL, DemoWorld, serve_demo_world
from tocsin.crawler.demo_world.sources import demo_sources

__all__ = ["DemoText", "DemoURL", "DemoWorld", "WorldState", "demo_sources", "expected_texts", "serve_demo_world"]
