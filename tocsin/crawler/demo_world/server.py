"""A tiny threaded HTTP server for the demo world, on 127.0.0.1 only.

Besides the demo sites it serves ``/hostile/...``: pages that misbehave the way real servers do (broken
feeds, empty pages, errors, slow answers, redirect loops, a redirect to loopback, a gzip bomb, a 50 MB
page), so tests can show the crawler records each failure and goes on.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import threading
import time
from collections import Counter
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator
from urllib.parse import parse_qs, urlsplit

from tocsin.crawler.demo_world import pages
from tocsin.crawler.demo_world.content import WorldState, load_data

logger = logging.getLogger(__name__)

ROBOTS_TXT = "User-agent: *\nDisallow: /private/\nDisallow: /forum/ucp.php\n\nSitemap: {base}/vodiy/sitemap.xml\n"
#: Size of the hostile gzip bomb once decompressed, and of the hostile huge page.
BOMB_BYTES = 64 * 1024 * 1024
HUGE_BYTES = 50 * 1024 * 1024

_bomb_cache: dict[int, bytes] = {}


def gzip_bomb(size: int = BOMB_BYTES) -> bytes:
    """A small gzip body that expands to ``size`` bytes of HTML-ish zeros (built once)."""
    if size not in _bomb_cache:
        _bomb_cache[size] = gzip.compress(b"<html><body>" + b"0" * size, compresslevel=9, mtime=0)
    return _bomb_cache[size]


class DemoURL(str):
    """The base URL of a running demo world (a ``str``), with the world itself at ``.world``."""

    world: "DemoWorld"


class DemoWorld:
    """A running demo world: its state, request counters and base URL."""

    def __init__(self, server: ThreadingHTTPServer, state: WorldState):
        self.server = server
        self.state = state
        self.hits: Counter[str] = Counter()
        self.requests: list[str] = []
        self.user_agents: set[str] = set()
        self.not_modified = 0
        self.lock = threading.Lock()
        self.slow_s = 5.0

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def count(self, target: str, user_agent: str = "") -> None:
        with self.lock:
            self.user_agents.add(user_agent)
            self.requests.append(target)
            self.hits[urlsplit(target).path] += 1

    def fetched(self, prefix: str) -> list[str]:
        """Paths (with query) requested so far that start with ``prefix``."""
        with self.lock:
            return [r for r in self.requests if r.startswith(prefix)]

    def reset_counts(self) -> None:
        with self.lock:
            self.hits.clear()
            self.requests.clear()


class Handler(BaseHTTPRequestHandler):
    """Routes requests to the demo pages."""

    protocol_version = "HTTP/1.1"
    server_version = "DemoWorld/1.0"
    world: DemoWorld  # set on the subclass made per server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        logger.debug("demo world: " + format, *args)

    # ------------------------------------------------------------------ plumbing

    def send(self, status: int, body: bytes | str, content_type: str = "text/html; charset=utf-8", headers: dict[str, str] | None = None) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            try:
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

    def send_cacheable(self, body: bytes | str, content_type: str) -> None:
        """200 with an ETag, or 304 when the client already has this version (feeds, sitemaps)."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.world.not_modified += 1
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send(200, data, content_type, headers={"ETag": etag})

    def redirect(self, location: str, status: int = 302) -> None:
        self.send(status, "", headers={"Location": location})

    def not_found(self) -> None:
        self.send(404, pages.page("Not found", "en", "<h1>404</h1><p>Nothing here.</p>"))

    def do_HEAD(self) -> None:  # noqa: N802 - http.server's naming
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.world.count(self.path, self.headers.get("User-Agent", ""))
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        base = self.world.base_url
        state = self.world.state
        try:
            if state.is_removed(path) or state.is_removed(self.path):
                return self.send(410, pages.page("Gone", "en", "<h1>410 Gone</h1>"))
            if path == "/robots.txt":
                return self.send(200, ROBOTS_TXT.format(base=base), "text/plain; charset=utf-8")
            if path.startswith("/hostile/"):
                return self.hostile(path, query)
            route = ROUTES.get(path)
            if route:
                return route(self, query, base, state)
            return self.dynamic(path, query, base, state)
        except (BrokenPipeError, ConnectionResetError):
            return None

    # ------------------------------------------------------------------ pages

    def dynamic(self, path: str, query: dict[str, list[str]], base: str, state: WorldState) -> None:
        segs = path.strip("/").split("/")
        if path.startswith("/osh-times/news/") and path.endswith(".html"):
            return self.article("osh_times", segs[-1][: -len(".html")], state)
        if path.startswith("/vodiy/article/"):
            return self.article("vodiy", segs[-1], state)
        if len(segs) == 3 and segs[0] == "t.me" and segs[1] == "s":
            return self.channel(segs[2], query, base, state)
        if len(segs) == 3 and segs[0] == "t.me" and segs[2].isdigit():
            msg = next((m for m in state.messages(segs[1]) if m.id == int(segs[2])), None)
            return self.send(200, pages.telegram_post_html(segs[1], msg, base)) if msg else self.not_found()
        if path.startswith("/bench/news/") and path.endswith(".html"):
            n = segs[-1][: -len(".html")]
            if n.isdigit() and int(n) < state.scale:
                return self.send(200, pages.bench_article_html(int(n), state))
        if len(segs) == 4 and segs[0] == "chirp" and segs[2] == "status":
            post = next((p for p in load_data("microblog")["posts"] if p["id"] == segs[3]), None)
            if post:
                return self.send(200, pages.page(post["user"], "en", f'<article class="status">{pages.escape(post["text"])}</article>'))
        return self.not_found()

    def article(self, site: str, slug: str, state: WorldState) -> None:
        art = next((a for a in load_data(site)["articles"] if a["slug"] == slug), None)
        if art is None:
            return self.not_found()
        self.send(200, pages.article_html(site, state.article(art), state))

    def channel(self, channel: str, query: dict[str, list[str]], base: str, state: WorldState) -> None:
        if channel not in state.channels:
            return self.redirect(f"/t.me/{channel}")
        before = query.get("before", [""])[0]
        spec = load_data("telegram")["channels"][channel]
        html = pages.telegram_page_html(channel, state.messages(channel), int(before) if before.isdigit() else None, spec["page_size"], base)
        self.send(200, html)

    # ------------------------------------------------------------------ hostile server

    def hostile(self, path: str, query: dict[str, list[str]]) -> None:
        name = path[len("/hostile/"):]
        if name == "feed.xml":
            return self.send(200, hostile_feed(f"http://localhost:{self.server.server_address[1]}"), "application/rss+xml")
        if name == "malformed.xml":
            return self.send(200, "<?xml version='1.0'?><rss><channel><item><title>broken <<<</ite", "application/rss+xml")
        if name == "good.html":
            return self.send(200, pages.article_html("osh_times", load_data("osh_times")["articles"][2], self.world.state))
        if name in ("empty.html", "blank.html"):
            return self.send(200, "<html><head><title></title></head><body><div id='app'></div><script>var x=1;</script></body></html>")
        if name == "404.html":
            return self.not_found()
        if name == "500.html":
            return self.send(500, "<h1>Internal Server Error</h1>")
        if name == "slow.html":
            time.sleep(float(query.get("s", [self.world.slow_s])[0]))
            return self.send(200, "<html><body><p>too late</p></body></html>")
        if name == "loop.html":
            return self.redirect("/hostile/loop.html")
        if name == "to-loopback.html":
            return self.redirect(f"http://127.0.0.1:{self.server.server_address[1]}/osh-times/news/water-schedule.html")
        if name == "to-file.html":
            return self.redirect("file:///etc/passwd")
        if name == "bomb.html":
            return self.send(200, gzip_bomb(), headers={"Content-Encoding": "gzip"})
        if name == "huge.html":
            return self.stream_huge()
        return self.not_found()

    def stream_huge(self) -> None:
        """50 MB of HTML, streamed without a Content-Length (the client must cut it off)."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        chunk = b"<p>" + b"x" * (1024 * 1024 - 7) + b"</p>\n"
        sent = 0
        try:
            while sent < HUGE_BYTES:
                self.wfile.write(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass


def hostile_feed(base: str) -> str:
    """An RSS feed whose entries lead to each kind of misbehaving page."""
    entries = [
        ("good.html", "A good article", "Summary of the good article."),
        ("empty.html", "A page without text", "The feed's summary survives when the page is empty."),
        ("blank.html", "No text anywhere", ""),
        ("404.html", "Missing", ""), ("500.html", "Broken", ""), ("slow.html", "Slow", ""),
        ("loop.html", "Redirect loop", ""), ("to-loopback.html", "Redirect to loopback", ""),
        ("to-file.html", "Redirect to a file URL", ""), ("bomb.html", "Gzip bomb", ""), ("huge.html", "Huge page", ""),
        ("/private/notes.html", "Forbidden by robots.txt", ""),
    ]
    items = "".join(f"<item><title>{t}</title><link>{base}{p if p.startswith('/') else '/hostile/' + p}</link>"
                    f"<description>{d}</description></item>" for p, t, d in entries)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Hostile</title><link>{base}/</link>{items}</channel></rss>'


def route_static(render, content_type: str):
    return lambda h, q, base, state: h.send_cacheable(render(base, state), content_type)


ROUTES = {
    "/osh-times/rss.xml": route_static(pages.rss_xml, "application/rss+xml; charset=utf-8"),
    "/vodiy/atom.xml": route_static(pages.atom_xml, "application/atom+xml; charset=utf-8"),
    "/vodiy/sitemap.xml": route_static(pages.sitemap_index_xml, "application/xml"),
    "/vodiy/sitemap-news.xml": route_static(pages.sitemap_news_xml, "application/xml"),
    "/vodiy/sitemap-archive.xml.gz": route_static(pages.sitemap_archive_gz, "application/x-gzip"),
    "/bench/sitemap.xml": route_static(pages.bench_sitemap_xml, "application/xml"),
    "/forum/": lambda h, q, base, state: h.send(200, pages.forum_page_html(int(q.get("page", ["1"])[0] or 1), state)),
    "/forum/viewtopic.php": lambda h, q, base, state: forum_post(h, q, state),
    "/api/timeline.json": lambda h, q, base, state: h.send(200, pages.timeline_json(q.get("cursor", [""])[0], state, base, q.get("page", [""])[0]), "application/json"),
    "/": lambda h, q, base, state: h.send(200, pages.page("Demo world", "en", '<ul><li><a href="/osh-times/rss.xml">Osh Times</a></li>'
                                                           '<li><a href="/vodiy/atom.xml">Vodiy</a></li><li><a href="/forum/">Forum</a></li></ul>')),
}


def forum_post(h: Handler, query: dict[str, list[str]], state: WorldState) -> None:
    pid = query.get("p", [""])[0]
    if state.is_removed(f"/forum/viewtopic.php?p={pid}"):
        return h.send(410, "<h1>410 Gone</h1>")
    post = next((p for p in load_data("forum")["posts"] if str(p["id"]) == pid), None)
    return h.send(200, pages.forum_post_html(post, state)) if post else h.not_found()


@contextmanager
def serve_demo_world(port: int = 0, *, scale: int = 0, host: str = "127.0.0.1") -> Iterator[DemoURL]:
    """Serve the demo world from a background thread; yields its base URL (``http://127.0.0.1:PORT``).

    :param port: the port; 0 picks a free one.
    :param scale: number of generated articles under ``/bench/`` (for benchmarks).
    :param host: the address to listen on; keep the default outside tests of your own.
    """
    state = WorldState(scale=scale)
    handler = type("BoundHandler", (Handler,), {})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    world = DemoWorld(server, state)
    handler.world = world
    thread = threading.Thread(target=server.serve_forever, name="demo-world", daemon=True)
    thread.start()
    url = DemoURL(world.base_url)
    url.world = world
    logger.info("demo world serving on %s", url)
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()
