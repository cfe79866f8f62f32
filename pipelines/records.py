"""The typed records that cross module boundaries: what a list row, a detail page and a parse hold.

Plain dataclasses with no Scrapy in them, so the crawl, `nianbao parse` and `nianbao reparse`
build and read the same objects.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

@dataclass
class ListingEntry:
    """One row of a column's list page: what the family read before fetching the detail page."""

    url: str
    title: str
    date: str | None = None  # ISO YYYY-MM-DD when the list shows one
    extra: dict[str, Any] = field(default_factory=dict)  # family-specific fields (index_no, publisher ...)


@dataclass
class DetailPage:
    """What one fetched detail page (or one part of a multi-page article) says, before parsing."""

    url: str  # where the bytes were served (after redirects): links resolve against it
    title: str | None = None
    page_meta: dict[str, str] = field(default_factory=dict)  # canonical key -> value (pipelines.detail)
    body_html: str | None = None  # the report body container, or None
    attachments: list[dict[str, str]] = field(default_factory=list)  # [{"url", "filename"}] in page order
    continuations: list[str] = field(default_factory=list)  # URLs of the article's further parts
    soft_404: bool = False  # a short 200 page saying the page does not exist
    html: str | None = None  # the whole decoded page; None when the URL served a document
    encoding: str | None = None
    errors: list[str] = field(default_factory=list)  # a family quirk that failed (the common reading is kept)

    @property
    def is_document(self) -> bool:
        """The URL served a document (PDF, DOC …), not a page: the document is the report."""
        return self.html is None
