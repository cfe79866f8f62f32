"""Hanweb 大汉 JCMS columns (see shared/PORTALS.md §2): the classic "jpage" list here, the jpaas
publish-server list (crawler.families._hanweb_jpaas) and the xxgk catalogue module
(crawler.families._hanweb_xxgk), chosen by what the column page names.

A column page `/col/col{COLID}/index.html` carries its first group of rows inline, as XML in a
`<script type="text/xml"><datastore>…<recordset><record><![CDATA[<li>…]]></record>…`, next to
`var param_{unitid}={…}` and `$('#{unitid}').jpage({totalRecord:N, perPage:P, …})`. Later groups
(three pages each) come from a POST to `/module/web/jpage/dataproxy.jsp?startrecord=S&endrecord=E
&perpage=P`, which wants the column's own columnid/unitid/webid, an XMLHttpRequest header and a
Referer. Groups after the first repeat the previous group's last row, so rows are deduplicated.
Detail pages are `/art/YYYY/M/D/art_{COLID}_{ID}.html` with a `table.xxgk_table` and the body
inside `#zoom` between the ContentStart / ContentEnd markers.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Iterable
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import scrapy

from crawler.families import _hanweb_jpaas as jpaas
from crawler.families import _hanweb_xxgk as xxgk
from crawler.families._hanweb_rows import js_object_pairs, parse_record
from crawler.families.base import Family
from pipelines.records import ListingEntry

if TYPE_CHECKING:
    from crawler.registry import Portal

DEFAULT_PROXY = "/module/web/jpage/dataproxy.jsp"
DEFAULT_GROUP_PAGES = 3  # jpage's groupSize: one dataproxy answer holds three pages
# The form fields jpage posts, in its order, with the values it uses when the page names none.
FORM_DEFAULTS = {
    "col": "1",
    "appid": "1",
    "webid": "1",
    "path": "/",
    "columnid": "",
    "sourceContentType": "1",
    "unitid": "",
    "webname": "",
    "permissiontype": "0",
}
# Keys of the page's param object that are paging state, not column identity.
NOT_FORM_KEYS = {"page", "startrecord", "endrecord", "perpage", "pagenum", "uid"}

XML_SCRIPT = re.compile(r"<script[^>]*type\s*=\s*['\"]?text/xml['\"]?[^>]*>(.*?)</script>", re.S | re.I)
ELEMENT_ID = re.compile(r"""\bid\s*=\s*['"]?([\w-]+)['"]?[^<>]*>\s*$""")
RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S | re.I)
NEXTGROUP_HREF = re.compile(r"<nextgroup>.*?href\s*=\s*['\"]([^'\"]+)['\"]", re.S | re.I)
TOTAL_RECORD_XML = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.I)
PARAM_VAR = re.compile(r"var\s+param_([\w-]+)\s*=\s*\{(.*?)\}", re.S)
JPAGE_CALL = re.compile(r"""\$\(\s*['"]#([\w-]+)['"]\s*\)\s*\.jpage\(\s*\{(.*?)\}\s*\)""", re.S)
COLUMN_ID_IN_URL = re.compile(r"/col/col(\d+)/")


def parse_records(xml_text: str, base_url: str) -> list[ListingEntry]:
    entries = []
    for fragment in RECORD.findall(xml_text):
        entry = parse_record(fragment, base_url)
        if entry is not None:
            entries.append(entry)
    return entries


class HanwebFamily(Family):
    name = "hanweb"
    markup_signs = (re.compile(r"<datastore>|\.jpage\(|/module/web/jpage/|/col/col\d+/|art_\d+_\d+\.html|name=\"?ContentStart"),)
    specificity = 2

    # --- the column page ----------------------------------------------------------------
    def parse_list(self, response, portal: "Portal") -> Iterable[scrapy.Request | ListingEntry]:
        html = response.text
        stores = self._datastores(html)
        if not self._paged_units(html) & set(stores):
            # No paged jpage datastore: newer columns name a list API instead (PORTALS.md §2.4,
            # §2.2). A paged datastore wins over, say, a catalogue search box in the page header.
            first = self._api_request(html, response.url, portal)
            if first is not None:
                yield first
                return
        unitid = str(portal.options.get("unitid") or "") or self._list_unit(html, stores)
        store_xml = stores.get(unitid, "")
        entries = parse_records(store_xml, response.url)
        seen: list[str] = []
        for entry in entries:
            if entry.url not in seen:
                seen.append(entry.url)
                yield entry
        paging = self._paging(html, store_xml, unitid, response.url, portal)
        if paging is None:
            return
        inline_rows = len(RECORD.findall(store_xml))  # rows, parsed or not, count for the proxy's offsets
        total = paging["total"]
        if total is not None and inline_rows >= total:
            return
        if total is None and inline_rows and not paging["next_group"]:
            return  # neither a pager nor a next group: everything the column shows is inline
        paging["seen"] = seen
        yield self._proxy_request(paging, start=inline_rows + 1)

    @staticmethod
    def _api_request(html: str, page_url: str, portal: "Portal") -> scrapy.Request | None:
        """The first list request of a jpaas or xxgk catalogue column; None if the page names neither."""
        query = jpaas.find_query(html, page_url, portal.options)
        if query is not None:
            return jpaas.page_request(query, 1, [])
        query = xxgk.find_query(html, page_url, portal.options)
        if query is not None:
            return xxgk.page_request(query, 1, [])
        return None

    @staticmethod
    def _paged_units(html: str) -> set[str]:
        """Units a jpage pager drives (`$('#unit').jpage(…)` or `var param_unit`)."""
        return {unit for unit, _ in JPAGE_CALL.findall(html)} | {unit for unit, _ in PARAM_VAR.findall(html)}

    @staticmethod
    def _datastores(html: str) -> dict[str, str]:
        """unitid (the id of the element holding the XML script) → datastore XML."""
        stores = {}
        for position, match in enumerate(XML_SCRIPT.finditer(html)):
            if "<datastore" not in match.group(1).lower():
                continue
            owner = ELEMENT_ID.search(html[max(0, match.start() - 400):match.start()])
            stores[owner.group(1) if owner else f"#{position}"] = match.group(1)
        return stores

    def _list_unit(self, html: str, stores: dict[str, str]) -> str:
        """The datastore the column's pager drives; sidebars carry datastores of their own."""
        if not stores:
            return ""
        paged = self._paged_units(html)
        candidates = [unit for unit in stores if unit in paged] or list(stores)
        return max(candidates, key=lambda unit: len(RECORD.findall(stores[unit])))

    def _paging(self, html: str, store_xml: str, unitid: str, page_url: str, portal: "Portal") -> dict[str, Any] | None:
        """Everything needed to ask dataproxy.jsp for further groups, read from the page itself."""
        param = {}
        for unit, body in PARAM_VAR.findall(html):
            if unit == unitid:
                param = js_object_pairs(body)
        jpage = {}
        for unit, body in JPAGE_CALL.findall(html):
            if unit == unitid:
                jpage = js_object_pairs(body)
        nextgroup = {}
        proxy = jpage.get("proxyUrl") or DEFAULT_PROXY
        href = NEXTGROUP_HREF.search(store_xml)
        if href:
            split = urlsplit(href.group(1).replace("&amp;", "&"))
            nextgroup = dict(parse_qsl(split.query, keep_blank_values=True))  # doubled appid: last wins
            if split.path.endswith(".jsp"):
                proxy = split.path
        if not (param or jpage or nextgroup):
            return None
        form = dict(FORM_DEFAULTS)
        for source in (nextgroup, param):
            for key, value in source.items():
                if key.lower() not in NOT_FORM_KEYS:
                    form[key] = value
        column_in_url = COLUMN_ID_IN_URL.search(urlsplit(page_url).path)
        form["columnid"] = str(portal.options.get("columnid") or form["columnid"] or (column_in_url.group(1) if column_in_url else ""))
        form["unitid"] = form["unitid"] or (unitid if not unitid.startswith("#") else "")
        per_page = int(portal.options.get("perpage") or jpage.get("perPage") or nextgroup.get("perpage") or 15)
        total = jpage.get("totalRecord")
        return {
            "proxy": urljoin(page_url, proxy),
            "form": form,
            "per_page": per_page,
            "group": per_page * int(portal.options.get("group_pages") or jpage.get("groupSize") or DEFAULT_GROUP_PAGES),
            "total": int(total) if total and total.isdigit() else None,
            "referer": page_url,
            "next_group": bool(href),
        }

    # --- dataproxy.jsp groups -----------------------------------------------------------
    def _proxy_request(self, paging: dict[str, Any], start: int) -> scrapy.FormRequest:
        end = start + paging["group"] - 1
        query = urlencode({"startrecord": start, "endrecord": end, "perpage": paging["per_page"]})
        return self.list_form_request(
            f"{paging['proxy']}?{query}",
            formdata=paging["form"],
            step="parse_proxy",
            headers={"X-Requested-With": "XMLHttpRequest", "Referer": paging["referer"],
                     "Accept": "application/xml, text/xml, */*; q=0.01"},
            meta={"hanweb": dict(paging, start=start, end=end)},
        )

    def parse_proxy(self, response, portal: "Portal") -> Iterable[scrapy.Request | ListingEntry]:
        paging = dict(response.meta["hanweb"])
        seen = list(paging["seen"])
        fresh = 0
        for entry in parse_records(response.text, paging["referer"]):
            if entry.url in seen:
                continue  # the look-ahead row repeating the previous group's last row
            seen.append(entry.url)
            fresh += 1
            yield entry
        total = TOTAL_RECORD_XML.search(response.text)
        if total:
            paging["total"] = int(total.group(1))
        next_start = paging["end"] + 1
        # A proxy that ignores startrecord answers the same rows again: stop instead of looping.
        if fresh == 0 or paging["total"] is None or next_start > paging["total"]:
            return
        paging["seen"] = seen
        yield self._proxy_request(paging, start=next_start)

    # --- the other list mechanisms, each in its own helper module -----------------------
    def parse_jpaas(self, response, portal: "Portal") -> Iterable[scrapy.Request | ListingEntry]:
        return jpaas.parse_page(response)

    def parse_xxgk(self, response, portal: "Portal") -> Iterable[scrapy.Request | ListingEntry]:
        return xxgk.parse_page(response)


FAMILY = HanwebFamily()
