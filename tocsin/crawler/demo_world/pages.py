"""Markup of the demo world: news pages with navigation, ads and comments, feeds, sitemaps, channel
previews shaped like ``t.me/s/<channel>``, a forum listing and a JSON timeline. Pure functions."""

from __future__ import annotations

import gzip
import json
import random
from datetime import datetime
from email.utils import format_datetime
from html import escape
from typing import Any, Iterable
from urllib.parse import quote

from tocsin.crawler.demo_world.content import TelegramMessage, WorldState, article_path, load_data

NAV = {
    "osh_times": ["Главная", "Политика", "Общество", "Экономика", "Спорт", "Кыргызча", "English"],
    "vodiy": ["Bosh sahifa", "Jamiyat", "Iqtisodiyot", "Sport", "Ўзбекча", "Русский"],
}
ADS = [
    "Кредит на 0% для новых клиентов — только до конца месяца!",
    "Arzon aviachiptalar: O'sh — Moskva 9 900 so'mdan",
    "Ремонт телефонов за 1 час. Гарантия.",
]


def iso(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


def page(title: str, lang: str, body: str, *, head: str = "") -> str:
    """A complete HTML document."""
    return (f'<!DOCTYPE html>\n<html lang="{escape(lang)}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title>'
            f'{head}<link rel="stylesheet" href="/static/site.css"></head><body>{body}</body></html>')


def site_chrome(site: str, name: str, content: str) -> str:
    """Header with navigation, a banner ad, the content, a sidebar and a footer."""
    nav = "".join(f'<li><a href="/{site.replace("_", "-")}/section/{i}">{escape(n)}</a></li>' for i, n in enumerate(NAV[site]))
    ad = random.Random(len(content)).choice(ADS)
    return (f'<header class="site-header"><a class="logo" href="/">{escape(name)}</a><nav class="main-nav"><ul>{nav}</ul></nav>'
            f'<form class="search" action="/search"><input name="q" placeholder="Поиск"></form></header>'
            f'<div class="ad ad-banner"><span class="ad-label">Реклама</span><a href="/ads/click?id=7">{escape(ad)}</a></div>'
            f'<main class="container">{content}</main>'
            f'<aside class="sidebar"><h3>Популярное</h3><ul><li><a href="/{site.replace("_", "-")}/">Курсы валют</a></li>'
            f'<li><a href="/{site.replace("_", "-")}/">Погода</a></li></ul><div class="ad ad-side"><span class="ad-label">Реклама</span>'
            f'{escape(ADS[0])}</div></aside>'
            f'<footer class="site-footer"><p>© {escape(name)}. Все материалы вымышлены (демо).</p>'
            f'<p><a href="/about">О нас</a> · <a href="/contacts">Контакты</a> · <a href="/privacy">Конфиденциальность</a></p></footer>')


def article_html(site: str, article: dict[str, Any], state: WorldState) -> str:
    """A news article page: headline, byline, date, body, share buttons, related links, comments."""
    name = load_data(site)["site"]["name"]
    published = state.at(article["minutes_ago"])
    paras = "".join(f"<p>{escape(p)}</p>" for p in article["paragraphs"])
    comments = "".join(
        f'<div class="comment" id="comment-{c["id"]}"><span class="comment-author">{escape(c["author"])}</span> '
        f'<time datetime="{iso(state.at(c["minutes_ago"]))}">{state.at(c["minutes_ago"]):%d.%m.%Y %H:%M}</time>'
        f'<div class="comment-body"><p>{escape(c["text"])}</p></div>'
        f'<a class="comment-link" href="?replytocom={c["id"]}">Ответить</a></div>'
        for c in article.get("comments", [])
    )
    comment_block = (f'<section class="comments"><h3>Комментарии ({len(article.get("comments", []))})</h3>{comments}'
                     f'<form class="comment-form"><textarea name="c"></textarea><button>Отправить</button></form></section>')
    body = (f'<article class="post"><h1 class="entry-title">{escape(article["title"])}</h1>'
            f'<div class="byline">Автор: <span class="author" rel="author">{escape(article["author"])}</span> · '
            f'<time class="published" datetime="{iso(published)}">{published:%d.%m.%Y %H:%M}</time></div>'
            f'<div class="entry-content">{paras}</div>'
            f'<div class="share"><a href="/share/tg">Telegram</a> <a href="/share/fb">Facebook</a> <a href="/share/wa">WhatsApp</a></div>'
            f'<div class="ad ad-inline"><span class="ad-label">Реклама</span>{escape(ADS[2])}</div>'
            f'<section class="related"><h3>Читайте также</h3><ul><li><a href="/{site}/">Новости дня</a></li></ul></section>'
            f'</article>{comment_block}')
    head = (f'<meta property="og:title" content="{escape(article["title"])}">'
            f'<meta name="author" content="{escape(article["author"])}">'
            f'<meta property="article:published_time" content="{iso(published)}">')
    return page(f'{article["title"]} — {name}', article["lang"], site_chrome(site, name, body), head=head)


def rss_xml(base: str, state: WorldState) -> str:
    """Osh Times as RSS 2.0; links carry tracking parameters, as real feeds do."""
    data = load_data("osh_times")
    items = []
    for art in data["articles"]:
        link = f"{base}{article_path('osh_times', art['slug'])}?utm_source=rss&utm_medium=feed"
        items.append(
            f"<item><title>{escape(art['title'])}</title><link>{escape(link)}</link>"
            f"<guid isPermaLink=\"false\">osh-times-{art['slug']}</guid>"
            f"<pubDate>{format_datetime(state.at(art['minutes_ago']))}</pubDate>"
            f"<dc:creator>{escape(art['author'])}</dc:creator>"
            f"<description>{escape(art['paragraphs'][0])}</description></item>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f'<channel><title>Osh Times</title><link>{base}/osh-times/</link><description>{escape(data["site"]["tagline"])}</description>'
            f'<language>ru</language>{"".join(items)}</channel></rss>')


def atom_xml(base: str, state: WorldState) -> str:
    """Vodiy Xabarlari as Atom: only the newest articles, links with a fragment."""
    data = load_data("vodiy")
    arts = data["articles"][: data["site"]["feed_size"]]
    entries = "".join(
        f'<entry><title>{escape(a["title"])}</title><link rel="alternate" href="{base}{article_path("vodiy", a["slug"])}#top"/>'
        f'<id>tag:vodiy.demo,2026:{a["slug"]}</id><updated>{iso(state.at(a["minutes_ago"]))}</updated>'
        f'<author><name>{escape(a["author"])}</name></author><summary>{escape(a["paragraphs"][0])}</summary></entry>'
        for a in arts)
    return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            f'<title>Vodiy Xabarlari</title><id>tag:vodiy.demo,2026:feed</id><updated>{iso(state.started)}</updated>'
            f'<link rel="self" href="{base}/vodiy/atom.xml"/>{entries}</feed>')


def sitemap_index_xml(base: str, state: WorldState) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f'<sitemap><loc>{base}/vodiy/sitemap-news.xml</loc><lastmod>{iso(state.started)}</lastmod></sitemap>'
            f'<sitemap><loc>{base}/vodiy/sitemap-archive.xml.gz</loc></sitemap></sitemapindex>')


def urlset(entries: Iterable[str], news: bool = False) -> str:
    ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{ns}>{"".join(entries)}</urlset>'


def sitemap_news_xml(base: str, state: WorldState) -> str:
    """Google News sitemap of the articles of the last two days."""
    entries = []
    for a in load_data("vodiy")["articles"]:
        if a["minutes_ago"] > 2 * 24 * 60:
            continue
        entries.append(
            f'<url><loc>{base}{article_path("vodiy", a["slug"])}</loc><news:news><news:publication>'
            f'<news:name>Vodiy Xabarlari</news:name><news:language>{a["lang"].split("-")[0]}</news:language></news:publication>'
            f'<news:publication_date>{iso(state.at(a["minutes_ago"]))}</news:publication_date>'
            f'<news:title>{escape(a["title"])}</news:title></news:news></url>')
    return urlset(entries, news=True)


def sitemap_archive_gz(base: str, state: WorldState) -> bytes:
    """The older articles, as a gzipped sitemap with ``lastmod``."""
    entries = [
        f'<url><loc>{base}{article_path("vodiy", a["slug"])}</loc><lastmod>{iso(state.at(a["minutes_ago"]))}</lastmod></url>'
        for a in load_data("vodiy")["articles"] if a["minutes_ago"] > 2 * 24 * 60
    ]
    return gzip.compress(urlset(entries).encode("utf-8"), mtime=0)


def telegram_message_html(channel: str, title: str, msg: TelegramMessage, base: str) -> str:
    """One message of a channel preview, with the classes of the real ``t.me/s`` markup."""
    text = escape(msg.text).replace("\n", "<br/>")
    links = "".join(f' <a href="{escape(u)}" target="_blank" rel="noopener">{escape(u)}</a>' for u in msg.links)
    forwarded = (f'<div class="tgme_widget_message_forwarded_from accent_color">Forwarded from '
                 f'<a class="tgme_widget_message_forwarded_from_name" href="https://t.me/example"><span dir="auto">'
                 f'{escape(msg.forwarded_from)}</span></a></div>') if msg.forwarded_from else ""
    views = f"{msg.views / 1000:.1f}K" if msg.views >= 1000 else str(msg.views)
    return (f'<div class="tgme_widget_message_wrap js-widget_message_wrap"><div class="tgme_widget_message text_not_supported_wrap js-widget_message" '
            f'data-post="{channel}/{msg.id}" data-view="{msg.id * 7919}"><div class="tgme_widget_message_user">'
            f'<a href="{base}/t.me/{channel}"><i class="tgme_widget_message_user_photo bgcolor1" data-content="S"></i></a></div>'
            f'<div class="tgme_widget_message_bubble"><i class="tgme_widget_message_bubble_tail"></i>'
            f'<div class="tgme_widget_message_author accent_color"><a class="tgme_widget_message_owner_name" href="{base}/t.me/{channel}">'
            f'<span dir="auto">{escape(title)}</span></a></div>{forwarded}'
            f'<div class="tgme_widget_message_text js-message_text" dir="auto">{text}{links}</div>'
            f'<div class="tgme_widget_message_footer compact js-message_footer"><div class="tgme_widget_message_info short js-message_info">'
            f'<span class="tgme_widget_message_views">{views}</span><span class="copyonclick">'
            f'<a class="tgme_widget_message_date" href="{base}/t.me/{channel}/{msg.id}"><time datetime="{iso(msg.at)}" class="time">'
            f'{msg.at:%H:%M}</time></a></span></div></div></div></div></div>')


def telegram_page_html(channel: str, messages: list[TelegramMessage], before: int | None, page_size: int, base: str) -> str:
    """A ``t.me/s/<channel>`` page: up to ``page_size`` messages before ``before``, oldest first, with a
    "load more" link (``?before=<oldest id>``) when older messages exist."""
    spec = load_data("telegram")["channels"][channel]
    older = [m for m in messages if before is None or m.id < before]
    shown = older[-page_size:]
    more = ""
    if shown and len(older) > len(shown):
        oldest = shown[0].id
        more = (f'<div class="tgme_widget_message_centered js-messages_more_wrap"><a href="/t.me/s/{channel}?before={oldest}" '
                f'class="tme_messages_more js-messages_more" data-before="{oldest}"></a></div>')
    body = "".join(telegram_message_html(channel, spec["title"], m, base) for m in shown)
    html = (f'<header class="tgme_header search_collapsed"><div class="tgme_header_title"><span dir="auto">{escape(spec["title"])}</span></div></header>'
            f'<main class="tgme_main"><div class="tgme_channel_info"><div class="tgme_channel_info_header_title">{escape(spec["title"])}</div>'
            f'<div class="tgme_channel_info_description">{escape(spec["description"])}</div></div>'
            f'<section class="tgme_channel_history js-message_history">{more}{body}</section></main>')
    head = f'<link rel="canonical" href="{base}/t.me/s/{channel}"><meta property="og:title" content="{escape(spec["title"])}">'
    return page(f'{spec["title"]} – Telegram', "en", html, head=head)


def telegram_post_html(channel: str, msg: TelegramMessage, base: str) -> str:
    """The single-post page ``t.me/<channel>/<id>`` (meta tags, as Telegram serves them)."""
    spec = load_data("telegram")["channels"][channel]
    head = (f'<meta property="og:title" content="{escape(spec["title"])}"><meta property="og:description" content="{escape(msg.text)}">'
            f'<meta property="og:url" content="{base}/t.me/{channel}/{msg.id}">')
    return page(spec["title"], "en", f'<div class="tgme_page_widget">{escape(msg.text)}</div>', head=head)


def forum_page_html(page_no: int, state: WorldState) -> str:
    """One page of the forum's "latest posts" listing, newest first, with permalinks and a next link."""
    data = load_data("forum")
    size = data["site"]["page_size"]
    posts = data["posts"][(page_no - 1) * size : page_no * size]
    rows = "".join(
        f'<div class="post" id="p{p["id"]}"><div class="postprofile"><span class="author">{escape(p["author"])}</span></div>'
        f'<div class="postbody"><h3><a class="permalink" href="/forum/viewtopic.php?p={p["id"]}#p{p["id"]}">Re: {escape(p["thread"])}</a></h3>'
        f'<p class="postdate"><time datetime="{iso(state.at(p["minutes_ago"]))}">{state.at(p["minutes_ago"]):%d.%m.%Y %H:%M}</time></p>'
        f'<div class="post-body">{escape(p["text"])}</div><div class="signature">— отправлено с телефона</div></div></div>'
        for p in posts if not state.is_removed(f"/forum/viewtopic.php?p={p['id']}"))
    nxt = f'<a class="next" rel="next" href="/forum/?page={page_no + 1}">Следующая »</a>' if page_no * size < len(data["posts"]) else ""
    body = (f'<div id="wrap"><div class="headerbar"><h1>{escape(data["site"]["name"])}</h1><ul class="navbar"><li><a href="/forum/">Форумы</a></li>'
            f'<li><a href="/forum/search.php">Поиск</a></li><li><a href="/forum/ucp.php?mode=login">Вход</a></li></ul></div>'
            f'<div class="ad"><span class="ad-label">Реклама</span>{escape(ADS[1])}</div>'
            f'<h2>Новые сообщения — страница {page_no}</h2>{rows}<div class="pagination">{nxt}</div></div>')
    return page(f'{data["site"]["name"]} — страница {page_no}', "ru", body)


def forum_post_html(post: dict[str, Any], state: WorldState) -> str:
    """A forum post's permalink page."""
    return page(post["thread"], "ru", f'<div class="post" id="p{post["id"]}"><span class="author">{escape(post["author"])}</span>'
                f'<time datetime="{iso(state.at(post["minutes_ago"]))}"></time><div class="post-body">{escape(post["text"])}</div></div>')


def timeline_json(cursor: str, state: WorldState, base: str, page_no: str = "") -> str:
    """The microblog's public timeline: ``{"data": {"posts": [...]}, "meta": {"next_cursor": ...}}``;
    pages by ``cursor`` or by ``page`` (1, 2, …)."""
    data = load_data("microblog")
    posts = [p for p in data["posts"] if not state.is_removed(f"/chirp/{p['user']}/status/{p['id']}")]
    size = data["site"]["page_size"]
    start = int(cursor) if cursor.isdigit() else 0
    if page_no.isdigit():
        start = (int(page_no) - 1) * size
    chunk = posts[start : start + size]
    out = {
        "data": {"posts": [
            {"id": p["id"], "user": {"handle": p["user"]}, "created_at": iso(state.at(p["minutes_ago"])), "body": {"text": p["text"]},
             "permalink": f"{base}/chirp/{quote(p['user'])}/status/{p['id']}"}
            for p in chunk]},
        "meta": {"next_cursor": str(start + size) if start + size < len(posts) else None},
    }
    return json.dumps(out, ensure_ascii=False)


def bench_article_html(n: int, state: WorldState) -> str:
    """A generated article for the scaled-up world (bench): real-looking, text drawn from the demo news."""
    pool = [a for site in ("osh_times", "vodiy") for a in load_data(site)["articles"] if a["expected"] == "ok"]
    rng = random.Random(n)
    base_art = pool[n % len(pool)]
    paragraphs = [p for a in rng.sample(pool, 3) for p in a["paragraphs"]]
    article = {**base_art, "title": f"{base_art['title']} ({n})", "paragraphs": paragraphs[:6], "comments": [],
               "minutes_ago": n % (3 * 24 * 60)}
    return article_html("osh_times", article, state)


def bench_sitemap_xml(base: str, state: WorldState) -> str:
    """A sitemap of ``state.scale`` generated articles."""
    return urlset(f"<url><loc>{base}/bench/news/{n}.html</loc><lastmod>{iso(state.at(n % 1440))}</lastmod></url>"
                  for n in range(state.scale))
