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
