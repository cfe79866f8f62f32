"""Helpers every family's list reading shares: link text, list rows and their dates, absolute
URLs, the portal's own hosts. Families import from here, never from one another."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit, urlunsplit

from pipelines.detail import ATTACHMENT_EXTENSIONS, iso_date
from pipelines.records import ListingEntry

if TYPE_CHECKING:
    from crawler.registry import Portal

_SPACE = re.compile(r"[\s\u3000\u00a0]+")
_NEAREST_ROW = "ancestor::*[self::li or self::tr or self::dd or self::p][1]"
_GENERIC_LINK_TEXT = re.compile(r"^(查看|详情|详细|下载|点击查看|全文|阅读全文|查看详情|附件下载|more|\.{3}|)$", re.I)
_SHORT_YEAR_DATE = re.compile(r"(?<![\d-])(\d{2})-(\d{2})-(\d{2})(?![\d-])")
_ANY_DATE = re.compile(r"[\[【(（]?\d{4}\s*[-年/.]\s*\d{1,2}\s*[-月/.]\s*\d{1,2}日?[\]】)）]?")


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
