"""Hanweb xxgk catalogue module columns (信息公开目录; Hangzhou wsjkw, zj.gov.cn; PORTALS.md §2.2).

The column page names the catalogue query — an HTML form posting to `/module/xxgk/search.jsp`, or a
script that posts a `{infotypeId:…, jdid:…, area:…, divid:…}` object (or a query string) to it —
and the list itself is the HTML the module answers: rows `tr.tr_main_value_odd` /
`tr.tr_main_value_even` (index number, linked title, date cells) and a footer `共N页`.
Shandong's variant (Jinan, Zibo, …) is a GET of `/module/xxgk/search_custom.jsp?fieldConfigId=…
&currpage=N&…`, usually the src of an iframe on the column page, with `div.wip_lists` rows.

Not a family module: crawler.families.hanweb drives it.
"""
from __future__ import annotations

import re
from typing import Any, Iterable
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import scrapy
from parsel import Selector

from crawler.families._hanweb_rows import js_object_pairs, parse_record
from crawler.families.base import Family
from pipelines.records import ListingEntry

SEARCH = "/module/xxgk/search.jsp"
STEP = "parse_xxgk"
# The fields the module's own pager posts, in its order, with the values it uses by default.
FORM_DEFAULTS = {
    "infotypeId": "", "jdid": "", "area": "", "divid": "", "currpage": "1",
    "sortfield": ",createdate:0,orderid:0", "vc_title": "", "vc_filenumber": "", "vc_all": "",
    "texttype": "0", "fbtime": "-1",
}
SEARCH_URL_IN_SCRIPT = re.compile(r"""['"]([^'"\s]*/module/xxgk/search\.jsp[^'"\s]*)['"]""")
CUSTOM_URL = re.compile(r"""[^'"\s<>]*/module/xxgk/search_custom\.jsp\?[^'"\s<>]*""")
PARAM_OBJECT = re.compile(r"\{[^{}]*\binfotypeId\b[^{}]*\}", re.S)
TAG = re.compile(r"<[^>]+>")
TOTAL_PAGES = re.compile(r"共\s*(\d+)\s*页")
ROWS = "tr.tr_main_value_odd, tr.tr_main_value_even, div.wip_lists"


def find_query(html: str, page_url: str, options: dict[str, Any]) -> dict[str, Any] | None:
    """The catalogue query the column page posts; None when the page does not use the module."""
    selector = Selector(text=html)
    for form in selector.xpath("//form[contains(@action, 'xxgk/search')]"):
        fields = {field.attrib["name"]: field.attrib.get("value", "")
                  for field in form.xpath(".//input[@name]|.//select[@name]")}
        return _query(urljoin(page_url, form.attrib["action"]), fields, page_url)
    # The call and the parameter object are often in different scripts of the page.
    scripts = "\n".join(selector.xpath("//script/text()").getall())
    named = SEARCH_URL_IN_SCRIPT.search(scripts)
    if not named:
        return _custom_query(selector, scripts, page_url)
    split = urlsplit(named.group(1).replace("&amp;", "&"))
    fields = dict(parse_qsl(split.query, keep_blank_values=True))
    posted = PARAM_OBJECT.search(scripts)
    if posted:
        fields.update(js_object_pairs(posted.group(0)[1:-1]))
    if not (fields.get("infotypeId") or fields.get("jdid")):
        return None
    return _query(urljoin(page_url, split.path), fields, page_url)


def _custom_query(selector: Selector, scripts: str, page_url: str) -> dict[str, Any] | None:
    """Shandong's search_custom.jsp, named by an iframe or a script (a mere link is navigation):
    asked by GET with the page's own query string, only currpage changing."""
    candidates = selector.xpath("//iframe/@src").getall() + [scripts]
    for text in candidates:
        named = CUSTOM_URL.search(text.replace("&amp;", "&"))
        if named:
            split = urlsplit(named.group(0))
            fields = [(key, value) for key, value in parse_qsl(split.query, keep_blank_values=True) if key != "currpage"]
            return {"url": urljoin(page_url, split.path), "method": "GET", "fields": fields, "referer": page_url}
    return None


def _query(url: str, fields: dict[str, str], page_url: str) -> dict[str, Any]:
    form = dict(FORM_DEFAULTS)
    form.update({key: value for key, value in fields.items() if key != "currpage"})
    return {"url": url, "method": "POST", "form": form, "referer": page_url}


def page_request(query: dict[str, Any], page: int, seen: list[str]) -> scrapy.Request:
    headers = {"X-Requested-With": "XMLHttpRequest", "Referer": query["referer"]}
    meta = {"hanweb_xxgk": dict(query, page=page, seen=seen)}
    if query["method"] == "GET":
        url = f"{query['url']}?{urlencode(query['fields'] + [('currpage', str(page))])}"
        return Family.list_request(url, step=STEP, headers={"Referer": query["referer"]}, meta=meta)
    return Family.list_form_request(query["url"], formdata={**query["form"], "currpage": str(page)}, step=STEP,
                                    headers=headers, meta=meta)


def parse_rows(html: str, base_url: str) -> list[ListingEntry]:
    entries = []
    for row in Selector(text=html).css(ROWS):
        entry = parse_record(row.get(), base_url)
        if entry is not None:
            entries.append(entry)
    return entries


def parse_page(response) -> Iterable[scrapy.Request | ListingEntry]:
    """One catalogue page: its rows, then the next page while `共N页` says there are more."""
    query = response.meta["hanweb_xxgk"]
    seen = list(query["seen"])
    fresh = 0
    for entry in parse_rows(response.text, query["referer"]):
        if entry.url in seen:
            continue
        seen.append(entry.url)
        fresh += 1
        yield entry
    pages = TOTAL_PAGES.search(TAG.sub("", response.text).replace("&nbsp;", " "))
    # A module that ignores currpage answers page 1 again: nothing new means stop (also where
    # no page count is shown).
    if fresh == 0 or (pages is not None and query["page"] >= int(pages.group(1))):
        return
    yield page_request(query, query["page"] + 1, seen)
