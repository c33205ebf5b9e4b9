"""Crawl logs name items by URL only: no author, title or text."""

from __future__ import annotations

from scrapy.exceptions import DropItem
from scrapy import Spider
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from tocsin.crawler.logformat import PrivateLogFormatter
from tocsin.crawler import settings as crawl_settings
from tocsin.store import ItemRecord


def rendered(entry: dict) -> str:
    return entry["msg"] % entry["args"]


def test_item_lines_carry_no_content():
    item = ItemRecord(source="s", url="https://news.example.kg/1", title="SECRET-TITLE", text="SECRET-TEXT", author="@secret_author")
    response = HtmlResponse("https://news.example.kg/1", body=b"<html></html>")
    spider = Spider(name="t")
    spider.crawler = get_crawler(Spider)
    formatter = PrivateLogFormatter()
    lines = [rendered(formatter.scraped(item, response, spider)),
             rendered(formatter.dropped(item, DropItem("no text"), response, spider)),
             rendered(formatter.item_error(item, ValueError("x"), response, spider))]
    for line in lines:
        assert "https://news.example.kg/1" in line
        assert "SECRET" not in line and "secret_author" not in line


def test_the_crawler_uses_it():
    assert crawl_settings.LOG_FORMATTER == "tocsin.crawler.logformat.PrivateLogFormatter"
