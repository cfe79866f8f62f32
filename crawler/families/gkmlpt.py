"""Guangdong gkmlpt (政府信息公开目录管理平台; see shared/PORTALS.md §3).

`/gkmlpt/index` (sometimes under a prefix) embeds `window._CONFIG = {SID: '…', TREE: […], …}`;
the catalogue's rows come from `GET {prefix}/gkmlpt/api/all/{category}?page=N&sid={SID}` as JSON
(`total`, `classify.post_count`, `articles[]` with identifier / publisher / document_number /
date / display_publish_time / attachment). Page 0 answers the same as page 1, so pages count
from 1 and articles are deduplicated by id. Detail pages `/gkmlpt/content/…/post_{id}.html`
show a label/value table (索引号, 分类, 发布机构, 成文日期, 名称, 文号, 发布日期, 主题词), the body,
and `a.nfw-cms-attachment` links; some carry the body only in `window._CONFIG.DETAIL.content`.

The registry picks the category with `options: {category: N}` or a start URL fragment
(`/gkmlpt/index#721`); otherwise the 年报 category is looked up by name in TREE. A start URL
may also be the list API itself; `options: {sid: …}` overrides the SID read from the page.
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Iterable
from urllib.parse import parse_qsl, unquote, urldefrag, urljoin, urlsplit

import scrapy

from pipelines.detail import iso_date as detail_date
from crawler.families.base import Family
from pipelines.records import ListingEntry

if TYPE_CHECKING:
    from crawler.registry import Portal

CHINA_TIME = timezone(timedelta(hours=8))
API_URL = re.compile(r"^([^?#]*/gkmlpt/api/all/\d+)")
SID = re.compile(r"""\bSID\s*:\s*['"]?(\d+)""")
TREE_START = re.compile(r"\bTREE\s*:\s*\[")
JS_ESCAPE = re.compile(r"%u([0-9a-fA-F]{4})|%([0-9a-fA-F]{2})")
# How a 年报 category is named; the first pattern a category matches ranks it (lower is better).
REPORT_CATEGORY_NAMES = [
    re.compile(r"信息公开.*(年报|年度报告)"),
    re.compile(r"^(年报|年度报告)$|公开年报"),
]


class CategoryNotFound(ValueError):
    pass


def unescape_js(text: str) -> str:
    """Undo JavaScript escape() (`%u5E7F%u4E1C`), which some catalogues send titles in."""
    if "%u" not in text:
        return text
    return JS_ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def api_date(value: Any) -> str | None:
    """A list-API date: epoch seconds (China time) or a date string → YYYY-MM-DD."""
    if isinstance(value, (int, float)) and value > 0:
        return datetime.fromtimestamp(value, CHINA_TIME).strftime("%Y-%m-%d")
    if isinstance(value, str) and value.strip().isdigit():
        return api_date(int(value.strip()))
    if isinstance(value, str):
        return detail_date(value)
    return None


def read_tree(html: str) -> list[dict]:
    """window._CONFIG.TREE: the bracketed JSON after `TREE:`, found by matching brackets."""
    found = TREE_START.search(html)
    if not found:
        return []
    start = found.end() - 1
    depth, in_string, escaped = 0, False, False
    for position in range(start, len(html)):
        char = html[position]
        if in_string:
            escaped = not escaped and char == "\\"
            if char == '"' and not escaped:
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                try:
                    return json.loads(html[start:position + 1])
                except json.JSONDecodeError:
                    return []
    return []


def walk_tree(nodes: list[dict]) -> Iterable[dict]:
    for node in nodes or []:
        if isinstance(node, dict):
            yield node
            yield from walk_tree(node.get("children") or [])


def report_category(tree: list[dict]) -> int | None:
    """The category whose name says 信息公开年报; links to other sites (jump_url) are not lists."""
    ranked = []
    for node in walk_tree(tree):
        if node.get("jump_url") or node.get("id") is None:
            continue
        name = str(node.get("name") or "")
        for rank, pattern in enumerate(REPORT_CATEGORY_NAMES):
            if pattern.search(name):
                ranked.append((rank, -int(node.get("post_count") or 0), int(node["id"])))
                break
    return min(ranked)[2] if ranked else None


def article_entry(article: dict, api_url: str) -> ListingEntry | None:
    link = article.get("url") or article.get("post_url")
    title = unescape_js(str(article.get("title") or "")).strip()
    if not link or not title:
        return None
    extra = {
        "gkmlpt_id": article.get("id"),
        "index_no": article.get("identifier") or None,
        "publisher": article.get("publisher") or None,
        "doc_no": article.get("document_number") or None,
        # [I] `date` is the document's own date (成文日期), display_publish_time its publication.
        "written": api_date(article.get("date")),
        "published": api_date(article.get("display_publish_time")) or api_date(article.get("created_at")),
        "category": article.get("classify_main_name") or None,
        "keywords": article.get("keywords") or None,
        "attachments": [
            {"url": urljoin(api_url, a["url"]), "filename": a.get("name") or unquote(a["url"].rsplit("/", 1)[-1])}
            for a in article.get("attachment") or [] if isinstance(a, dict) and a.get("url")
        ],
    }
    return ListingEntry(url=urljoin(api_url, link), title=title, date=extra["published"],
                        extra={k: v for k, v in extra.items() if v not in (None, [])})


class GkmlptFamily(Family):
    name = "gkmlpt"
    markup_signs = (re.compile(r"gkmlpt"), re.compile(r"_CONFIG|post_\d+\.html"))
    specificity = 3

    def start(self, portal: "Portal") -> Iterable[scrapy.Request]:
        for url in portal.start_urls:
            page_url, fragment = urldefrag(url)
            category = portal.options.get("category") or (fragment if fragment.isdigit() else None)
            api = API_URL.match(page_url)
            if api:  # the registry points straight at the list API
                query = dict(parse_qsl(urlsplit(page_url).query))
                page = max(int(query["page"]) if query.get("page", "").isdigit() else 1, 1)
                yield self._api_request(api.group(1), query.get("sid", ""), page=page, seen=[])
            else:
                yield self.list_request(page_url, step="parse_index", meta={"gkmlpt_category": category})

    # --- the catalogue index ------------------------------------------------------------
    def parse_index(self, response, portal: "Portal") -> Iterable[scrapy.Request]:
        html = response.text
        sid = str(portal.options.get("sid") or "") or (SID.search(html).group(1) if SID.search(html) else "")
        if not sid:
            raise ValueError("no SID in window._CONFIG: not a gkmlpt index page?")
        category = response.meta.get("gkmlpt_category") or report_category(read_tree(html))
        if category is None:
            raise CategoryNotFound("no 年报 category in window._CONFIG.TREE; set options.category")
        api = urljoin(response.url, f"api/all/{int(category)}")
        # Page 0 repeats page 1 on these catalogues, so the walk starts at 1.
        yield self._api_request(api, sid, page=1, seen=[])

    def _api_request(self, api: str, sid: str, page: int, seen: list) -> scrapy.Request:
        return self.list_request(f"{api}?page={page}&sid={sid}", step="parse_api",
                                 headers={"Accept": "application/json, text/plain, */*"},
                                 meta={"gkmlpt": {"api": api, "sid": sid, "page": page, "seen": seen}})

    # --- the list API -------------------------------------------------------------------
    def parse_api(self, response, portal: "Portal") -> Iterable[scrapy.Request | ListingEntry]:
        state = response.meta["gkmlpt"]
        data = json.loads(response.text)
        if not isinstance(data, dict) or not isinstance(data.get("articles"), list):
            raise ValueError(f"gkmlpt API answered no article list: {response.text[:200]!r}")
        seen = list(state["seen"])
        fresh = 0
        for article in data["articles"]:
            if not isinstance(article, dict):
                continue
            key = article.get("id") or article.get("url")
            entry = article_entry(article, response.url)
            if entry is None or key in seen:
                continue
            seen.append(key)
            fresh += 1
            yield entry
        total = int(data.get("total") or (data.get("classify") or {}).get("post_count") or 0)
        # Stop when the category is complete, or a page brings nothing new (past the end, or a
        # catalogue that answers every page number with the same rows).
        if fresh == 0 or (total and len(seen) >= total):
            return
        yield self._api_request(state["api"], state["sid"], state["page"] + 1, seen)

    # --- detail pages -------------------------------------------------------------------


FAMILY = GkmlptFamily()
