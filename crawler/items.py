"""The shapes that flow from the spider to the pipelines.

Plain dataclasses: Scrapy accepts them as items (via itemadapter), and the same objects are
built by `nianbao reparse` from the raw archive, so parsing never depends on Scrapy.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipelines.archive import ArchiveRef
from pipelines.records import DetailPage, ListingEntry


@dataclass
class AttachmentItem:
    url: str
    filename: str
    media_type: str | None = None
    size: int | None = None
    content_hash: str | None = None  # sha256 of the decoded bytes
    body: bytes | None = None  # not stored in SQLite; the archive keeps it
    status: str = "pending"  # ok | oversize | http_error | timeout | error | skipped
    error: str | None = None
    archive: ArchiveRef | None = None
    # filled by pipelines.documents
    text: str | None = None
    html: str | None = None
    extraction: dict[str, Any] = field(default_factory=dict)


@dataclass
class ReportItem:
    url: str
    portal_id: str
    listing: ListingEntry
    fetched_at: str  # ISO timestamp UTC
    status: int = 200
    page: DetailPage | None = None  # the detail page as pipelines.read read it
    parts: list[DetailPage] = field(default_factory=list)  # further parts of a multi-page article
    attachments: list[AttachmentItem] = field(default_factory=list)
    archive: ArchiveRef | None = None
    # where each further part sits in the archive: {"url", "warc_file", "warc_offset"} in order
    continuations: list[dict[str, Any]] = field(default_factory=list)
    # filled by the parse pipeline
    parsed: dict[str, Any] | None = None


@dataclass
class FetchErrorItem:
    """A failure worth a row in fetch_errors; the crawl goes on."""

    portal_id: str | None
    url: str
    kind: str  # http_404, http_500, timeout, dns, oversize, redirect_loop, page_cap, soft_404, blocked, parse, registry ...
    message: str
    status: int | None = None
    stage: str | None = None  # list | detail | attachment | registry
    list_title: str | None = None  # the list entry behind a failed detail page, to recognise it next crawl
    list_date: str | None = None
