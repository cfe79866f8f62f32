"""Hanweb jpaas publish-server columns (newer Hanweb: Zhejiang departments, Hangzhou; PORTALS.md §2.4).

The column page carries a pager element with `count`, `rows`, `pageNo` and a `queryData`
attribute naming the column (`{'webId':…,'pageId':…,'tagId':…,'tplSetId':…}`). Every list page
comes from `GET /api-gateway/jpaas-publish-server/front/page/build/unit?…&pageNo=N` as JSON
`{"success":true,"data":{"html":"<li…>"}}`, whose item markup varies from site to site.

Not a family module: crawler.families.hanweb drives it.
"""
from __future__ import annotations

import json
import re
from typing import Any, Iterable
from urllib.parse import urlencode, urljoin, urlsplit

import scrapy
from parsel import Selector

from crawler.families._hanweb_rows import js_object_pairs, parse_item_html
from crawler.families.base import Family
from pipelines.records import ListingEntry

API = "/api-gateway/jpaas-publish-server/front/page/build/unit"
STEP = "parse_jpaas"
DEFAULT_ROWS = 15
COLUMN_ID_IN_URL = re.compile(r"/col/col(\d+)/")


def _number(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


def find_query(html: str, page_url: str, options: dict[str, Any]) -> dict[str, Any] | None:
    """The column's list query, read from the page's pager element; None when the page has none.
    Where sidebars have pagers of their own, the one naming the column of the page's URL wins."""
    pagers = []
    for pager in Selector(text=html).xpath("//*[@querydata]"):  # lxml lowercases attribute names
        data = js_object_pairs(pager.attrib["querydata"])
        if data.get("pageId"):
            pagers.append((pager, data))
    column = COLUMN_ID_IN_URL.search(urlsplit(page_url).path)
    wanted = str(options.get("columnid") or (column.group(1) if column else ""))
    if not pagers:
        return None
    pagers.sort(key=lambda found: found[1]["pageId"] != wanted)  # stable: otherwise the first pager
    pager, data = pagers[0]
    return {
        "api": urljoin(page_url, str(options.get("jpaas_api") or API)),
        "params": {"webId": data.get("webId", ""), "pageId": data["pageId"], "parseType": "bulidstatic",
                   "pageType": "column", "tagId": data.get("tagId", ""), "tplSetId": data.get("tplSetId", "")},
        "rows": int(options.get("perpage") or _number(pager.attrib.get("rows")) or DEFAULT_ROWS),
        "count": _number(pager.attrib.get("count")),
        "referer": page_url,
    }


def page_request(query: dict[str, Any], page_no: int, seen: list[str]) -> scrapy.Request:
    params = {**query["params"], "rows": query["rows"], "pageNo": page_no}
    return Family.list_request(
        f"{query['api']}?{urlencode(params)}", step=STEP,
        headers={"X-Requested-With": "XMLHttpRequest", "Referer": query["referer"],
                 "Accept": "application/json, text/javascript, */*; q=0.01"},
        meta={"hanweb_jpaas": dict(query, page_no=page_no, seen=seen)},
    )


def parse_page(response) -> Iterable[scrapy.Request | ListingEntry]:
    """One API page: its items, then the next page unless the count is reached or nothing was new."""
    query = response.meta["hanweb_jpaas"]
    try:
        answer = json.loads(response.text)
    except ValueError as error:
        raise ValueError(f"jpaas list API answered no JSON: {response.text[:80]!r}") from error
    data = answer.get("data") if isinstance(answer, dict) else None
    if not answer.get("success") or not isinstance(data, dict):
        raise ValueError(f"jpaas list API refused the query: {response.text[:120]!r}")
    seen = list(query["seen"])
    fresh = 0
    for entry in parse_item_html(data.get("html") or "", response.url):
        if entry.url in seen:
            continue
        seen.append(entry.url)
        fresh += 1
        yield entry
    page_no = query["page_no"]
    count = query["count"]
    # A server that ignores pageNo answers page 1 again: nothing new means stop.
    if fresh == 0 or (count is not None and page_no * query["rows"] >= count):
        return
    yield page_request(query, page_no + 1, seen)
