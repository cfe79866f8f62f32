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
from urllib.parse import urljoin, urlsplit, urlunsplit

import scrapy

from pipelines.detail import ATTACHMENT_EXTENSIONS, iso_date
from crawler.families.base import Family
from pipelines.records import ListingEntry
from crawler.report_titles import is_annual_report_title

if TYPE_CHECKING:
    from crawler.registry import Portal

_SPACE = re.compile(r"[\s\u3000\u00a0]+")
_NEXT_TEXT = re.compile(r"^(下一页|下页|后页|尾页|末页|最后一页|[>›»]+|next|last)$", re.I)
_PAGE_NUMBER_TEXT = re.compile(r"^\[?\d{1,4}\]?$")
_PAGE_URL = re.compile(
    r"(index|list|default)_\d+\.s?html?$|/\d{1,4}\.s?html?$|column-index-\d+\.shtml$|"
    r"[?&](page|pagenum|pageindex|pageno|page_no|cur_page|currpage|curpage|p|pn|start)=\d+",
    re.I,
)
_NEAREST_ROW = "ancestor::*[self::li or self::tr or self::dd or self::p][1]"
_GENERIC_LINK_TEXT = re.compile(r"^(查看|详情|详细|下载|点击查看|全文|阅读全文|查看详情|附件下载|more|\.{3}|)$", re.I)
_SHORT_YEAR_DATE = re.compile(r"(?<![\d-])(\d{2})-(\d{2})-(\d{2})(?![\d-])")
_ANY_DATE = re.compile(r"[\[【(（]?\d{4}\s*[-年/.]\s*\d{1,2}\s*[-月/.]\s*\d{1,2}日?[\]】)）]?")
TRAIL_KEY = "nianbao_list_trail"  # meta: fingerprints of the list pages that led to this request


def collapse(text: str | None) -> str:
    return _SPACE.sub(" ", text or "").strip()


def absolute_url(base: str, href: str | None) -> str | None:
    """The absolute http(s) URL an href points at (fragment dropped), or None for js/mailto/anchors."""
    href = (href or "").strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
        return None
    parts = urlsplit(urljoin(base, href))
    if parts.scheme not in ("http", "https"):
        return None
    return urlunsplit(parts._replace(fragment=""))


def anchor_title(anchor) -> str:
    """Prefer @title: link text is often truncated ("…") or carries the date."""
    return collapse(anchor.attrib.get("title")) or collapse(" ".join(anchor.xpath(".//text()").getall()))


def row_of(anchor):
    """The nearest list row around a link (li / tr / dd / p), or None."""
    rows = anchor.xpath(_NEAREST_ROW)
    return rows[0] if rows else None


def row_date(anchor) -> str | None:
    """The date shown in the link's row, outside the link's own title text."""
    row = row_of(anchor)
    if row is None:
        return iso_date(" ".join(anchor.xpath(".//text()").getall())) if anchor.attrib.get("title") else None
    anchor_texts = set(anchor.xpath(".//text()").getall()) if not anchor.attrib.get("title") else set()
    outside = " ".join(t for t in row.xpath(".//text()[not(ancestor::script)]").getall() if t not in anchor_texts)
    short = _SHORT_YEAR_DATE.search(outside)  # Shenzhen-style "21-01-29"
    return iso_date(outside) or (iso_date(f"20{short.group(1)}-{short.group(2)}-{short.group(3)}") if short else None)


def entry_from_anchor(anchor, page_url: str, **extra) -> ListingEntry | None:
    url = absolute_url(page_url, anchor.attrib.get("href"))
    title = anchor_title(anchor)
    if _GENERIC_LINK_TEXT.match(title):
        # "查看" / "下载" links: the row's other cells carry the title.
        row = row_of(anchor)
        if row is not None:
            texts = row.xpath(".//text()[not(ancestor::script) and not(ancestor::a)]").getall()
            title = collapse(_ANY_DATE.sub(" ", " ".join(texts)))
    if url is None or not title:
        return None
    return ListingEntry(url=url, title=title, date=row_date(anchor), extra=extra)


def portal_hosts(portal: "Portal") -> set[str]:
    hosts = {urlsplit(u).netloc.lower() for u in portal.start_urls}
    return hosts | {d.lower() for d in portal.allowed_domains}


def on_portal_host(url: str, hosts: set[str]) -> bool:
    host = urlsplit(url).netloc.lower()
    bare = host.split(":")[0]
    return host in hosts or any(bare == h or bare.endswith("." + h) for h in hosts if ":" not in h)


def is_document_url(url: str) -> bool:
    return urlsplit(url).path.lower().endswith(ATTACHMENT_EXTENSIONS)


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
