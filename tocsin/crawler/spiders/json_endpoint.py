"""A generic spider for JSON endpoints (public timelines, APIs), driven by the field mapping in the
source's config: ``items``, ``id``, ``text``, ``author``, ``date``, ``url``, ``title``, ``next_cursor``
(dotted paths), and ``pagination = {mode = 'cursor'|'page', param = ..., start = ...}``."""

from __future__ import annotations

import json
import logging
import re
from typing import Any, Iterable, Iterator

from scrapy import Request
from scrapy.http import Response

from tocsin.config import PAGINATION_MODES
from tocsin.crawler.extract import normalise_date
from tocsin.crawler.items import ItemRecord
from tocsin.crawler.spiders.base import SourceSpider
from tocsin.crawler.spiders.paging import all_known, synthetic_url
from tocsin.urls import item_addresses, item_id_for, with_query

logger = logging.getLogger(__name__)


def get_path(data: Any, path: str) -> Any:
    """The value at a dotted path (``data.posts``, ``items.0.id``); None when absent. '' is ``data`` itself."""
    if not path:
        return data
    for part in path.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.lstrip("-").isdigit() and -len(data) <= int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


#: A UTF-16 surrogate on its own ("\\ud800" in JSON) names no character, and no UTF-8 text can hold it.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def as_text(value: Any) -> str:
    """A JSON value as text (objects and lists as JSON), each lone surrogate made U+FFFD."""
    if value is None:
        return ""
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else str(value).strip()
    return _LONE_SURROGATE.sub("\ufffd", text)


class JsonSpider(SourceSpider):
    """Reads posts from JSON pages and follows the cursor or page number."""

    kind = "json"

    def check_config(self) -> None:
        fields, pagination = self.source.fields, self.source.pagination
        if not fields.get("text"):
            raise ValueError(f"source {self.source.name!r}: fields need text (e.g. fields = {{ items = 'data', text = 'body' }})")
        mode = pagination.get("mode", "")
        if mode and mode not in PAGINATION_MODES:
            raise ValueError(f"source {self.source.name!r}: pagination.mode = {mode!r}; use one of {', '.join(PAGINATION_MODES)}")
        if mode == "cursor" and not fields.get("next_cursor"):
            raise ValueError(f"source {self.source.name!r}: pagination by cursor needs fields.next_cursor")

    def start_requests_for(self) -> Iterable[Request]:
        mode = self.source.pagination.get("mode", "")
        for url in self.source.urls:
            page = int(self.source.pagination.get("start", "1")) if mode == "page" else None
            first = with_query(url, **{self.param: str(page)}) if page is not None else url
            req = self.request(first, self.parse_json, dont_filter=True, cb_kwargs={"endpoint": url, "page": page})
            if req is not None:
                yield req

    @property
    def param(self) -> str:
        mode = self.source.pagination.get("mode", "")
        return self.source.pagination.get("param", "cursor" if mode == "cursor" else "page")

    def parse_json(self, response: Response, endpoint: str, page: int | None) -> Iterator:
        try:
            data = json.loads(response.body)
        except ValueError as e:
            self.ledger.error("parse", f"not JSON: {e}", response.url)
            return
        except RecursionError:
            self.ledger.error("parse", "JSON nested too deeply to read", response.url)
            return
        fields = self.source.fields
        rows = get_path(data, fields.get("items", ""))
        if not isinstance(rows, list):
            self.ledger.error("parse", f"fields.items {fields.get('items', '')!r} is not a list in the response", response.url)
            return
        found = [r for r in (self.record(row, response, endpoint) for row in rows if isinstance(row, dict)) if r]
        records = [record for record, _ in found]
        # addresses of the page as a whole: a link that several records share is the permalink of none
        urls = item_addresses(response.url, [record.url for record in records], [fallback for _, fallback in found])
        for record, url in zip(records, urls):
            record.url = url
        known = self.ledger.known([item_id_for(r.url) for r in records])
        yield from records
        if all_known([r.url for r in records], known):
            return
        dates = [r.published_at for r in records if r.published_at]
        if dates and max(dates) < self.since().isoformat(timespec="seconds"):
            return
        nxt = self.next_url(data, response, endpoint, page, bool(rows))
        if nxt:
            req = self.request(nxt, self.parse_json, cb_kwargs={"endpoint": endpoint, "page": (page or 0) + 1})
            if req is not None:
                yield req

    def record(self, row: dict[str, Any], response: Response, endpoint: str) -> tuple[ItemRecord, str] | None:
        """A record as an item, its ``url`` the link it gives (see :func:`item_addresses`), with the address it is
        stored under when that link is none of its own; None when it has no text."""
        fields = self.source.fields
        value = get_path(row, fields["text"])
        if value is not None and not isinstance(value, str):   # a number, object or list is no post's text
            self.note_once(f"fields.text {fields['text']!r} is not a string in some records; those were skipped")
            return None
        text = as_text(value)
        if not text:
            return None
        item_id = as_text(get_path(row, fields.get("id", "id")))
        author = as_text(get_path(row, fields["author"])) if fields.get("author") else ""
        published_at = normalise_date(as_text(get_path(row, fields["date"])), self.zone, response.url) if fields.get("date") else None
        url_spec = fields.get("url", "")
        if "{" in url_spec and item_id:
            url = url_spec.format(id=item_id)
        else:   # no link, or a record without the id its link is made of
            url = as_text(get_path(row, url_spec)) if url_spec and "{" not in url_spec else ""
        fallback = synthetic_url(endpoint, *([item_id] if item_id else [author, published_at or "", text]))
        return ItemRecord(
            source=self.source.name, url=url, kind="post", title=as_text(get_path(row, fields.get("title", ""))) if fields.get("title") else "",
            text=text, author=author, published_at=published_at,
            lang=self.source.language, meta={"endpoint": endpoint, **({"post_id": item_id} if item_id else {})},
            raw=_LONE_SURROGATE.sub("\ufffd", json.dumps(row, ensure_ascii=False, sort_keys=True)).encode("utf-8"),
            content_type="application/json",
        ), fallback

    def next_url(self, data: Any, response: Response, endpoint: str, page: int | None, had_rows: bool) -> str | None:
        mode = self.source.pagination.get("mode", "")
        if mode == "cursor":
            cursor = as_text(get_path(data, self.source.fields["next_cursor"]))
            return with_query(endpoint, **{self.param: cursor}) if cursor else None
        if mode == "page" and had_rows:
            return with_query(endpoint, **{self.param: str((page or 0) + 1)})
        return None
