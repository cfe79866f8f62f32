"""Detail-page quirks of CMS families whose pages the common reader (pipelines.detail) misreads.

Each quirk is a pure function (decoded page HTML, its URL, the list entry, the common reader's
DetailPage dict) -> corrected DetailPage dict, registered under the registry's `family` name.
They live here, not in crawler/families, because the crawl, `nianbao parse` and `nianbao reparse`
must all read a page the same way (pipelines.read), and the processing library never imports
the Scrapy side.
"""
from __future__ import annotations

import json
import re
from typing import Any, Callable
from urllib.parse import unquote, urljoin, urlsplit

from parsel import Selector

from pipelines.detail import ATTACHMENT_EXTENSIONS, iso_date, read_detail_html
from pipelines.page_labels import label_key
from pipelines.records import ListingEntry

DetailQuirk = Callable[[str, str, ListingEntry, dict[str, Any]], dict[str, Any]]
DATE_KEYS = ("published", "written")


def _squash(text: str) -> str:
    return " ".join(text.split())


def _overlay_table(page: dict[str, Any], table: dict[str, str | None]) -> None:
    """A metadata table's cells are exact: a filled cell wins, an empty one means the field is
    absent (the common reader would have taken the next text on the page)."""
    meta = dict(page["page_meta"])
    for key, value in table.items():
        if value:
            meta[key] = value
        else:
            meta.pop(key, None)
    page["page_meta"] = meta


def _table_value(key: str, value: str) -> str | None:
    return (iso_date(value) if key in DATE_KEYS else value) or None


# --- Hanweb: the 4-column `table.xxgk_table` (PORTALS.md §2.3) --------------------------------
def read_xxgk_table(selector: Selector) -> dict[str, str | None]:
    """`table.xxgk_table` cells as {key: value or None}, read as label/value pairs per row."""
    found: dict[str, str | None] = {}
    for row in selector.css("table.xxgk_table tr"):
        cells = [_squash(" ".join(cell.xpath(".//text()").getall())) for cell in row.xpath("./td|./th")]
        for label, value in zip(cells[0::2], cells[1::2]):
            key = label_key(label)
            if key is None or found.get(key):
                continue
            found[key] = _table_value(key, value)
    return found


def hanweb_detail(html: str, url: str, entry: ListingEntry, page: dict[str, Any]) -> dict[str, Any]:
    table = read_xxgk_table(Selector(text=html))
    _overlay_table(page, table)
    if table.get("title") and not page.get("title"):
        page["title"] = table["title"]
    return page


# --- Guangdong gkmlpt (PORTALS.md §3) -----------------------------------------------------------
# page_meta keys filled from the list API when the detail page does not show them.
GKMLPT_API_META_KEYS = ("index_no", "publisher", "doc_no", "written", "published", "category", "keywords")
GKMLPT_HIDDEN_CONTENT = re.compile(r'"content"\s*:\s*("(?:[^"\\]|\\.)*")', re.S)


def read_gkmlpt_meta_table(selector: Selector) -> dict[str, str | None]:
    """The visible metadata table: `<td><label>索引号：</label><span>…</span></td>` cells;
    an empty span means the field is absent."""
    found: dict[str, str | None] = {}
    for cell in selector.xpath("//td[label]"):
        key = label_key("".join(cell.xpath("./label//text()").getall()))
        if key is None or found.get(key):
            continue
        found[key] = _table_value(key, _squash(" ".join(cell.xpath("./span//text()").getall())))
    return found


def _gkmlpt_attachments(selector: Selector, page_url: str) -> list[dict[str, str]]:
    """`a.nfw-cms-attachment` links, named by their text (the file's real name)."""
    found = []
    for anchor in selector.css("a.nfw-cms-attachment[href]"):
        url = urljoin(page_url, anchor.attrib["href"].strip())
        text = _squash(" ".join(anchor.xpath(".//text()").getall()))
        name = text if text.lower().endswith(ATTACHMENT_EXTENSIONS) else unquote(urlsplit(url).path.rsplit("/", 1)[-1])
        found.append({"url": url, "filename": name})
    return found


def gkmlpt_detail(html: str, url: str, entry: ListingEntry, page: dict[str, Any]) -> dict[str, Any]:
    selector = Selector(text=html)
    table = read_gkmlpt_meta_table(selector)
    _overlay_table(page, table)
    for key in GKMLPT_API_META_KEYS:
        if key not in table and entry.extra.get(key):
            page["page_meta"].setdefault(key, entry.extra[key])
    page["title"] = page.get("title") or table.get("title") or entry.title
    visible_body = " ".join(selector.css("div.article-content ::text").getall()).strip()
    attachments = _gkmlpt_attachments(selector, url)
    hidden = GKMLPT_HIDDEN_CONTENT.search(html)
    if not visible_body and hidden:
        # The body lives only in window._CONFIG.DETAIL (rendered by the page's JavaScript).
        content = json.loads(hidden.group(1))
        if content.strip():
            page["body_html"] = content
            attachments += _gkmlpt_attachments(Selector(text=content), url)
            attachments += read_detail_html(f"<html><body>{content}</body></html>", url)["attachments"]
    attachments += page["attachments"]
    if not attachments:  # the list API names the files even when the page shows no link
        attachments = list(entry.extra.get("attachments", []))
    unique: dict[str, dict] = {}
    for attachment in attachments:
        unique.setdefault(attachment["url"], attachment)
    page["attachments"] = list(unique.values())
    return page


DETAIL_QUIRKS: dict[str, DetailQuirk] = {"hanweb": hanweb_detail, "gkmlpt": gkmlpt_detail}
