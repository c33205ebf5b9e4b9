"""Feed entries without a link of their own lose nothing: they are stored from the feed under an address made
from the feed's, and a guid that is no web address is never made into one."""

from __future__ import annotations

from scrapy.http import XmlResponse

from test_crawl_parsing import BASE, make_spider, resp, split
from tocsin.crawler.spiders import FeedSpider
from tocsin.crawler.spiders.feed import parse_feed
from tocsin.crawler.spiders.paging import is_synthetic_url
from tocsin.store import upsert_item

FEED = f"{BASE}/rss"


def rss(*items: str) -> str:
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Ош</title>{"".join(items)}</channel></rss>'


def entry(title: str, text: str, extra: str = "") -> str:
    """An RSS item with no ``<link>``; ``extra`` adds a ``<guid>`` or other elements."""
    return f"<item><title>{title}</title>{extra}<description>{text}</description></item>"


def crawl(spider, body: str):
    """The requests and items of one fetch of the feed."""
    return split(spider.parse_feed(resp(FEED, body, XmlResponse)))


def test_an_entry_without_a_link_is_kept_under_an_address_made_from_the_feeds(tmp_path):
    spider = make_spider(FeedSpider, tmp_path)
    requests, items = crawl(spider, rss(entry("Митинг в Оше", "Сегодня на площади собрались люди.")))
    (record,) = items
    assert requests == [] and spider.notes == []   # nothing fetched, nothing skipped
    assert record.url.startswith(f"{FEED}?tocsin_item=") and is_synthetic_url(record.url)   # never re-checked
    assert (record.kind, record.title, record.text) == ("post", "Митинг в Оше", "Сегодня на площади собрались люди.")
    assert record.meta["no_link"] is True and record.meta["feed_url"] == FEED
    assert "page_url" not in record.meta   # there is no page


def test_the_same_entry_gets_the_same_address_on_each_crawl_and_is_stored_once(tmp_path):
    body = rss(entry("Митинг в Оше", "Сегодня на площади собрались люди."))
    first = make_spider(FeedSpider, tmp_path)
    _, (record,) = crawl(first, body)
    _, (again,) = crawl(make_spider(FeedSpider, tmp_path / "other"), body)
    assert again.url == record.url and again.id == record.id
    upsert_item(first.ledger.store, record)
    assert crawl(make_spider(FeedSpider, tmp_path), body) == ([], [])   # the next crawl: nothing new


def test_entries_without_links_get_addresses_of_their_own(tmp_path):
    body = rss(entry("Первая", "Текст первой."), entry("Вторая", "Текст второй."),
               entry("Третья", "Текст.", "<guid isPermaLink='false'>a-1</guid>"),
               entry("Четвёртая", "Текст.", "<guid isPermaLink='false'>a-2</guid>"))
    _, items = crawl(make_spider(FeedSpider, tmp_path), body)
    assert [i.title for i in items] == ["Первая", "Вторая", "Третья", "Четвёртая"]
    assert len({i.url for i in items}) == len({i.id for i in items}) == 4


def test_a_guid_that_is_no_web_address_is_not_made_into_one(tmp_path):
    spider = make_spider(FeedSpider, tmp_path)
    requests, (record,) = crawl(spider, rss(entry("Новость", "Текст новости.", "<guid>12345</guid>")))
    assert requests == [] and record.url.startswith(f"{FEED}?tocsin_item=")   # no request for /12345
    assert record.meta["guid"] == "12345"   # as the feed writes it
    _, (edited,) = crawl(make_spider(FeedSpider, tmp_path / "edited"),
                         rss(entry("Новость (исправлено)", "Текст новости.", "<guid>12345</guid>")))
    assert edited.id == record.id   # the guid names the entry, whatever its title says now
    (lead,), problem = parse_feed(rss(entry("Новость", "Текст.", "<guid>news/77</guid>")).encode(), FEED)
    assert lead.url == FEED and lead.meta["no_link"] and problem == ""


def test_a_guid_marked_as_no_permalink_is_not_followed_even_when_it_looks_like_one(tmp_path):
    guid = f"<guid isPermaLink=\"false\">{BASE}/a/1</guid>"
    requests, (record,) = crawl(make_spider(FeedSpider, tmp_path), rss(entry("Новость", "Текст новости.", guid)))
    assert requests == [] and record.url.startswith(f"{FEED}?tocsin_item=")


def test_a_guid_that_is_a_web_address_still_serves_as_the_link(tmp_path):
    requests, items = crawl(make_spider(FeedSpider, tmp_path), rss(entry("Новость", "Текст.", f"<guid>{BASE}/a/1</guid>")))
    assert [r.url for r in requests] == [f"{BASE}/a/1"] and items == []
    requests, _ = crawl(make_spider(FeedSpider, tmp_path / "atom"), "<feed xmlns='http://www.w3.org/2005/Atom'><title>t</title>"
                        f"<entry><title>Новость</title><id>{BASE}/a/2</id><summary>Текст.</summary></entry></feed>")
    assert [r.url for r in requests] == [f"{BASE}/a/2"]


def test_an_atom_entry_with_an_urn_id_and_no_link_is_kept(tmp_path):
    body = ("<feed xmlns='http://www.w3.org/2005/Atom'><title>t</title><entry><title>Новость</title>"
            "<id>urn:uuid:6a5c1b2e-0000-4000-8000-000000000001</id><summary>Текст новости.</summary></entry></feed>")
    requests, (record,) = crawl(make_spider(FeedSpider, tmp_path), body)
    assert requests == [] and record.url.startswith(f"{FEED}?tocsin_item=") and record.text == "Текст новости."


def test_an_entry_with_neither_link_nor_text_is_skipped_and_said_so():
    leads, problem = parse_feed(rss("<item><guid isPermaLink='false'>x-1</guid></item>",
                                    entry("Новость", "Текст.")).encode(), FEED)
    assert [lead.title for lead in leads] == ["Новость"]
    assert "1 of 2 entries skipped: no link that can be read and no text" in problem
