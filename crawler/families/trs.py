"""TRS WCM (拓尔思) columns: static pages generated per column (shared/PORTALS.md §1).

Page 1 is `<column>/index.html` (or `.shtml`, or a named page such as `xxgk_gknb_list.shtml`),
later pages `index_1.html`, `index_2.html` … — on some sites the second page is `index_2`
(registry `options: {page_offset: 2}`, or seen in the page's own links). The page count is
announced in an inline script: `createPageHTML(N, cur, "index", "html")`, `createPage(…)`, the
Hanzhong form `createPageHTML('page_div', N, cur, 'xxgk_gknb_list', 'shtml')`, or
`var countPage = N` with a `document.write` loop. Rows are `<li><a href title>…</a><span>date</span>`,
table rows under 名称 | 索引号 | 发布机构 | 发布日期 headers, or JavaScript
(`var url = "./202602/t…shtml"; var title = "…"`). Per-year sub-columns (`gknb2019/`, `2020n/`)
linked from a column page are list pages too. A stub page past the real end just yields nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from posixpath import basename
from typing import TYPE_CHECKING, Iterable
from urllib.parse import urljoin, urlsplit

import scrapy

from pipelines.detail import iso_date
from crawler.families.base import Family
from crawler.families.common import (absolute_url, anchor_title, collapse, entry_from_anchor, on_portal_host,
                                     portal_hosts, row_of)
from pipelines.page_labels import label_key
from pipelines.records import ListingEntry

if TYPE_CHECKING:
    from crawler.registry import Portal

DETAIL_LINK = re.compile(r"(^|/)t\d{8}_\d+\.s?html?$")
PAGER_CALL = re.compile(r"\bcreatePage(?:HTML)?\s*\(([^()]*)\)")
COUNT_PAGE = re.compile(r"\bcountPage\s*=\s*(\d+)")
WRITTEN_PREFIX = re.compile(r"""["']([\w-]+)["']\s*\+\s*["']_["']""")
WRITTEN_EXTENSION = re.compile(r"""["'](s?html?)\\?["']""")
PAGE_NAME = re.compile(r"^(?P<stem>[\w-]+?)(?:_(?P<number>\d+))?\.(?P<ext>s?html?)$")
JS_ROW_URL = re.compile(r"""\bvar\s+url\s*=\s*["']([^"']+)["']""")
JS_ROW_TITLE = re.compile(r"""\bvar\s+title\s*=\s*["']([^"']*)["']""")
YEAR_SUBCOLUMN = re.compile(r"/[a-z]*(19|20)\d{2}[a-z]*/(index\.s?html?)?$", re.I)
# Header cells of table layouts fill these ListingEntry fields (labels from pipelines.page_labels).
TABLE_FIELDS = {"index_no": "index_no", "publisher": "publisher", "doc_no": "doc_no", "published": "date",
                "written": "written"}


def table_field(header: str) -> str | None:
    return TABLE_FIELDS.get(label_key(header) or "")


@dataclass
class Pager:
    """How a column names its pages: page k (0-based) is stem.ext, then stem_{k-1+offset}.ext."""

    total: int
    stem: str
    ext: str
    offset: int = 1

    def url(self, base: str, page: int) -> str:
        name = f"{self.stem}.{self.ext}" if page == 0 else f"{self.stem}_{page - 1 + self.offset}.{self.ext}"
        return urljoin(base, name)


def _js_arguments(text: str) -> list[str | int]:
    values: list[str | int] = []
    for raw in text.split(","):
        raw = raw.strip().strip("\"'")
        values.append(int(raw) if raw.isdigit() else raw)
    return values


def _page_name(url: str) -> tuple[str, str]:
    """(stem, extension) of the list page at `url`; a directory URL is its index page."""
    match = PAGE_NAME.match(basename(urlsplit(url).path))
    if match:
        return match.group("stem"), match.group("ext")
    return "index", "html"


def is_numbered_page(url: str) -> bool:
    match = PAGE_NAME.match(basename(urlsplit(url).path))
    return bool(match and match.group("number"))


def read_pager(html: str, url: str, offset: int | None = None) -> Pager | None:
    """The page count and naming a TRS list page announces in its scripts, or None."""
    stem, ext = _page_name(url)
    pager: Pager | None = None
    for call in PAGER_CALL.finditer(html):
        args = _js_arguments(call.group(1))
        numbers = [a for a in args if isinstance(a, int)]
        words = [a for a in args if isinstance(a, str) and a]
        if not numbers:
            continue  # the function's own definition, not a call
        if isinstance(args[0], str):  # Hanzhong: createPageHTML('page_div', N, cur, 'name', 'shtml')
            total, names, default_offset = numbers[0], words[1:], 2
        elif len(numbers) >= 3 and isinstance(args[2], int):  # (records, pages, current, …)
            total, names, default_offset = numbers[1], words, 1
        else:  # (pages, current, "index", "html")
            total, names, default_offset = numbers[0], words, 1
        pager = Pager(total, names[0] if names else stem, names[1] if len(names) > 1 else ext, default_offset)
        break
    if pager is None:
        count = COUNT_PAGE.search(html)
        if count is None:
            return None
        prefix = WRITTEN_PREFIX.search(html)
        written_ext = WRITTEN_EXTENSION.search(html[count.start():])
        pager = Pager(int(count.group(1)), prefix.group(1) if prefix else stem,
                      written_ext.group(1) if written_ext else ext)
    if offset is not None:
        pager.offset = offset
    elif f"{pager.stem}_2.{pager.ext}" in html and f"{pager.stem}_1.{pager.ext}" not in html:
        pager.offset = 2  # the page links skip _1
    elif f"{pager.stem}_1.{pager.ext}" in html:
        pager.offset = 1
    return pager


class TrsFamily(Family):
    name = "trs"
    markup_signs = (re.compile(r"createPage(?:HTML)?\(|countPage\s*=|TRS_Editor|trs_editor_view|\./\d{6}/t\d{8}_\d+\.s?html?|trssearchform"),)
    specificity = 1

    def parse_list(self, response, portal: "Portal") -> Iterable[scrapy.Request | ListingEntry]:
        yield from self.list_entries(response)
        # Only a column's first page fans out (to its other pages and per-year sub-columns): later
        # pages repeat the same links, and their pager links can't tell an _1 site from an _2 one.
        if is_numbered_page(response.url):
            return
        offset = portal.options.get("page_offset")
        pager = read_pager(response.text, response.url, int(offset) if offset is not None else None)
        if pager is not None:
            for page in range(1, pager.total):
                yield self.list_request(pager.url(response.url, page))
        for url in self.year_subcolumns(response, portal):
            yield self.list_request(url)

    # --- rows ------------------------------------------------------------------------------
    def list_entries(self, response) -> Iterable[ListingEntry]:
        seen: set[str] = set()
        for entry in [*self._table_rows(response), *self._link_rows(response), *self._script_rows(response)]:
            if entry.url not in seen:
                seen.add(entry.url)
                yield entry

    def _table_rows(self, response) -> Iterable[ListingEntry]:
        # Only a table's own rows: old sites nest the list table inside page-layout tables.
        own_rows = "(./tr | ./thead/tr | ./tbody/tr)"
        header = "contains(normalize-space(.), '名称') or contains(normalize-space(.), '标题')"
        for table in response.xpath(f"//table[{own_rows}[(th or td) and not(.//table) and ({header})]]"):
            header_row = table.xpath(f"{own_rows}[not(.//table) and ({header})][1]")
            headers = [collapse("".join(c.xpath(".//text()").getall())).replace(" ", "")
                       for c in header_row.xpath("./th|./td")]
            fields = {i: table_field(h) for i, h in enumerate(headers) if table_field(h)}
            if not fields:
                continue
            for row in table.xpath(f"{own_rows}[td//a[@href] and not(.//table)]"):
                anchor = row.xpath(".//a[@href]")[0]
                url = absolute_url(response.url, anchor.attrib.get("href"))
                title = anchor_title(anchor)
                if url is None or not title:
                    continue
                cells = [collapse("".join(c.xpath(".//text()").getall())) for c in row.xpath("./td")]
                values = {fields[i]: cells[i] for i in fields if i < len(cells) and cells[i]}
                date = iso_date(values.pop("date", None))
                yield ListingEntry(url=url, title=title, date=date, extra=values)

    def _link_rows(self, response) -> Iterable[ListingEntry]:
        """t-date detail links anywhere, and any dated list row (rows may link a PDF or another CMS)."""
        for anchor in response.xpath("//a[@href]"):
            href = anchor.attrib.get("href", "").strip()
            entry = entry_from_anchor(anchor, response.url)
            if entry is None:
                continue
            if DETAIL_LINK.search(urlsplit(href).path) or (entry.date and row_of(anchor) is not None):
                yield entry

    def _script_rows(self, response) -> Iterable[ListingEntry]:
        for script in response.xpath("//script/text()").getall():
            starts = [m.start() for m in JS_ROW_URL.finditer(script)]
            for position, start in enumerate(starts):
                block = script[start: starts[position + 1] if position + 1 < len(starts) else len(script)]
                url_match, title_match = JS_ROW_URL.search(block), JS_ROW_TITLE.search(block)
                url = absolute_url(response.url, url_match.group(1))
                if url is None or title_match is None or not collapse(title_match.group(1)):
                    continue
                yield ListingEntry(url=url, title=collapse(title_match.group(1)), date=iso_date(block))

    # --- per-year sub-columns ----------------------------------------------------------------
    def year_subcolumns(self, response, portal: "Portal") -> Iterable[str]:
        """Links from a column page into its per-year sub-columns (gknb2019/, 2020n/, 2021nb/)."""
        column = urljoin(response.url, "./")
        hosts = portal_hosts(portal)
        for href in response.xpath("//a/@href").getall():
            url = absolute_url(response.url, href)
            if url is None or not on_portal_host(url, hosts) or not url.startswith(column) or url == column:
                continue
            if YEAR_SUBCOLUMN.search(urlsplit(url).path) and not DETAIL_LINK.search(urlsplit(url).path):
                yield url


FAMILY = TrsFamily()
