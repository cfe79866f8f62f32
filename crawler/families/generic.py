"""Generic fallback for portals whose CMS we do not know.

A list page is read for links whose text or @title names an annual report (and for dated list
rows, so the spider can count what it filtered out); PDF/DOC links named like reports are entries
too — the spider stores such a document as the report. Pagination is followed by link text
(下一页, 尾页, 下页, page numbers) and by URL shape (index_N, N.html, ?page=N, pageNum=N ...), only
on the portal's own hosts. The spider caps pages and drops repeated URLs; on top of that every list
request carries the fingerprints of the pages that led to it, and a page whose content links repeat
one of those (a `list.jsp?pageNum=99` that answers page 1 again) is a pagination trap: nothing more
is taken from it.
"""
from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING, Iterable

import scrapy

from crawler.families.base import Family
from crawler.families.common import (absolute_url, collapse, entry_from_anchor, is_document_url,
                                     on_portal_host, portal_hosts, row_of)
from pipelines.records import ListingEntry
from crawler.report_titles import is_annual_report_title

if TYPE_CHECKING:
    from crawler.registry import Portal

_NEXT_TEXT = re.compile(r"^(下一页|下页|后页|尾页|末页|最后一页|[>›»]+|next|last)$", re.I)
_PAGE_NUMBER_TEXT = re.compile(r"^\[?\d{1,4}\]?$")
_PAGE_URL = re.compile(
    r"(index|list|default)_\d+\.s?html?$|/\d{1,4}\.s?html?$|column-index-\d+\.shtml$|"
    r"[?&](page|pagenum|pageindex|pageno|page_no|cur_page|currpage|curpage|p|pn|start)=\d+",
    re.I,
)
TRAIL_KEY = "nianbao_list_trail"  # meta: fingerprints of the list pages that led to this request


class GenericFamily(Family):
    name = "generic"

    def parse_list(self, response, portal: "Portal") -> Iterable[scrapy.Request | ListingEntry]:
        hosts = portal_hosts(portal)
        entries: dict[str, ListingEntry] = {}
        pages: list[str] = []
        for anchor in response.xpath("//body//a[@href]"):
            url = absolute_url(response.url, anchor.attrib.get("href"))
            if url is None or not on_portal_host(url, hosts) or url == response.url:
                continue
            text = collapse(" ".join(anchor.xpath(".//text()").getall()))
            entry = entry_from_anchor(anchor, response.url)
            if self._is_page_link(url, text, entry.title if entry else ""):
                pages.append(url)
                continue
            if entry is None or entry.url in entries:
                continue
            if is_annual_report_title(entry.title) or (entry.date and row_of(anchor) is not None
                                                      and not is_document_url(entry.url)):
                entries[entry.url] = entry
        trail = list(response.meta.get(TRAIL_KEY, []))
        if entries:
            fingerprint = self._fingerprint(entries)
            if fingerprint in trail:
                return  # a pagination trap: this "next" page repeats one we came through
            trail.append(fingerprint)
        yield from entries.values()
        for url in dict.fromkeys(pages):
            yield self.list_request(url, meta={TRAIL_KEY: trail})

    @staticmethod
    def _is_page_link(url: str, text: str, title: str) -> bool:
        """下一页 / 尾页 / page numbers by text; index_N, N.html, ?page=N by URL unless the row names a report."""
        if _NEXT_TEXT.match(text) or _PAGE_NUMBER_TEXT.match(text):
            return True
        return bool(_PAGE_URL.search(url)) and not is_annual_report_title(title)

    @staticmethod
    def _fingerprint(entries: dict[str, ListingEntry]) -> str:
        return hashlib.sha1("\n".join(sorted(entries)).encode("utf-8")).hexdigest()


FAMILY = GenericFamily()
