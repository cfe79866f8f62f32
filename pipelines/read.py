"""The one reading path: fetched (or archived) bytes of a detail page -> the parser's input.

The crawl, `nianbao reparse` (from the WARC archive) and `nianbao parse` (a saved file) all call
`read_page` for every page and `parser_input` for the whole report, so a re-parse reads a report
exactly as the crawl did, family quirks included.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping
from urllib.parse import unquote, urlsplit
from posixpath import basename

from pipelines.detail import read_detail_html
from pipelines.detail_quirks import DETAIL_QUIRKS
from pipelines.encoding import detect_encoding
from pipelines.records import DetailPage, ListingEntry

HTML_TYPES = ("text/html", "application/xhtml", "text/plain", "application/xml", "text/xml")


def header(headers: Mapping[str, str] | None, name: str) -> str:
    """One header's value, whatever the case of its name ('' when absent)."""
    name = name.lower()
    return next((value for key, value in (headers or {}).items() if key.lower() == name), "")


def is_page(body: bytes, content_type: str) -> bool:
    """An HTML (or text) page rather than a document: by Content-Type, else by the first bytes."""
    content_type = content_type.lower()
    if any(t in content_type for t in HTML_TYPES):
        return True
    if content_type:
        return False
    return body[:1024].lstrip().lower().startswith((b"<!doctype", b"<html", b"<?xml", b"<"))


def decode_page(body: bytes, content_type: str = "", forced_encoding: str | None = None) -> tuple[str, str]:
    """(text, encoding): the registry's encoding when it names one, else the detected one."""
    encoding = forced_encoding or detect_encoding(body, content_type)
    try:
        return body.decode(encoding, errors="replace"), encoding
    except LookupError:  # an encoding name Python does not know
        return body.decode("utf-8", errors="replace"), "utf-8"


def read_page(url: str, body: bytes, headers: Mapping[str, str] | None, entry: ListingEntry | None,
              family: str | None = None, forced_encoding: str | None = None) -> DetailPage:
    """One detail page (or article part) as served at `url`, read by the common reader and its
    family's quirk. A document served in place of a page gives a DetailPage whose only attachment
    is the document itself."""
    entry = entry or ListingEntry(url=url, title="")
    content_type = header(headers, "content-type")
    if not is_page(body, content_type):
        name = unquote(basename(urlsplit(url).path)) or url
        return DetailPage(url=url, title=entry.title or None, attachments=[{"url": url, "filename": name}])
    html, encoding = decode_page(body, content_type, forced_encoding)
    found = read_detail_html(html, url, entry)
    errors: list[str] = []
    quirk = DETAIL_QUIRKS.get(family or "")
    if quirk is not None:
        try:
            found = quirk(html, url, entry, found)
        except Exception as exc:  # a quirk that chokes keeps the common reading, visibly
            errors.append(f"{family} detail reader: {type(exc).__name__}: {exc}")
    return DetailPage(url=url, title=found.get("title"), page_meta=dict(found.get("page_meta") or {}),
                      body_html=found.get("body_html"), attachments=list(found.get("attachments") or []),
                      continuations=list(found.get("continuations") or []), soft_404=bool(found.get("soft_404")),
                      html=html, encoding=encoding, errors=errors)


def joined_body(page: DetailPage, parts: Iterable[DetailPage] = ()) -> str | None:
    """The report body: the first page's, then each further part's, in order."""
    bodies = [p.body_html for p in (page, *parts) if p.body_html]
    return "\n".join(bodies) if bodies else None


def report_attachments(page: DetailPage, parts: Iterable[DetailPage] = ()) -> list[dict[str, str]]:
    """Attachment links of the page and its parts, in order, each URL once."""
    found: dict[str, dict[str, str]] = {}
    for source in (page, *parts):
        for link in source.attachments:
            found.setdefault(link["url"], link)
    return list(found.values())


def meta_for_parser(page_meta: Mapping[str, Any], title: str | None, list_date: str | None) -> dict[str, Any]:
    """The page's metadata, with the list's title and date where the page states none."""
    meta = dict(page_meta)
    meta.setdefault("title", title)
    if list_date and not meta.get("published"):
        meta["published"] = list_date
    return meta


def report_title(page: DetailPage, entry: ListingEntry) -> str | None:
    return page.title or entry.title or None


def parser_input(page: DetailPage, parts: Iterable[DetailPage], entry: ListingEntry, documents: list) -> dict[str, Any]:
    """Keyword arguments of pipelines.parse.parse_report for one report (without the portal)."""
    parts = list(parts)
    return {
        "html": joined_body(page, parts),
        "url": entry.url,
        "page_meta": meta_for_parser(page.page_meta, report_title(page, entry), entry.date),
        "documents": [d for d in documents if d.status == "ok"],
    }
