"""The page-derived columns of a `reports` row: what the page states, before the parser adds its
findings. One function for the crawl and for `nianbao reparse`, so both write the same row."""
from __future__ import annotations

import hashlib
import json
from typing import Any, Iterable, Mapping

from pipelines.normalize import html_to_text
from pipelines.read import joined_body, report_title
from pipelines.records import DetailPage, ListingEntry


def content_fingerprint(body_text: str, attachments: Iterable[Mapping[str, Any]]) -> str:
    """sha256 over the body text and each attachment's hash (or, when it failed, its status)."""
    fingerprint = hashlib.sha256()
    fingerprint.update(body_text.encode("utf-8"))
    for attachment in sorted(attachments, key=lambda a: a["url"]):
        fingerprint.update((attachment.get("content_hash") or attachment.get("status") or "").encode("utf-8"))
    return fingerprint.hexdigest()


def page_fields(page: DetailPage, parts: Iterable[DetailPage], entry: ListingEntry,
                attachments: list[Mapping[str, Any]], portal: Mapping[str, Any] | None) -> dict[str, Any]:
    """`attachments`: {"url", "content_hash", "status", "text"} per attachment, in page order."""
    meta = page.page_meta
    body_text = html_to_text(joined_body(page, list(parts)))
    text = "\n\n".join([body_text, *(a["text"] for a in attachments if a.get("text"))]).strip()
    portal = portal or {}
    return {
        "title": report_title(page, entry),
        "list_title": entry.title,
        "list_date": entry.date,
        "list_extra": json.dumps(entry.extra, ensure_ascii=False, sort_keys=True) if entry.extra else None,
        "agency": meta.get("publisher"),
        "agency_source": "page_meta" if meta.get("publisher") else None,
        "province": portal.get("province"),
        "city": portal.get("city"),
        "county": portal.get("county"),
        "region_code": portal.get("region_code"),
        "department": portal.get("department"),
        "published": meta.get("published") or entry.date,
        "written": meta.get("written"),
        "index_no": meta.get("index_no") or entry.extra.get("index_no"),
        "doc_no": meta.get("doc_no"),
        "category": meta.get("category"),
        "is_report": 1,
        "text": text,
        "page_meta": json.dumps(meta, ensure_ascii=False),
        "content_hash": content_fingerprint(body_text, attachments),
        "encoding": page.encoding,
    }
