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


@dataclass
class Finding:
    """One number a report states - from a standard table, a legacy statistics table or a sentence -
    with where it was read (its provenance)."""

    key: str  # a registered metric key (pipelines/metrics/keys.py)
    value: int | float
    unit: str | None = None
    section: str | None = None  # the report section or table it sits in
    snippet: str | None = None  # the text it was read from
    source: str = "prose"  # "table" (standard or legacy table) or "prose"
    ocr: bool = False  # read by OCR from a picture or scan

    def provenance(self) -> dict[str, Any]:
        return {"unit": self.unit, "section": self.section, "source": self.source, "snippet": self.snippet,
                "ocr": self.ocr}


PARSE_FIELDS = ("title", "agency", "province", "city", "county", "region", "report_year", "published",
                "index_no", "doc_no")


@dataclass
class ParseResult:
    """What parse_report read from one report; `as_dict()` is the JSON object of `nianbao parse`
    and of the store (docs/metrics.md)."""

    title: str | None = None
    agency: str | None = None
    province: str | None = None
    city: str | None = None
    county: str | None = None
    region: str | None = None
    report_year: int | None = None
    published: str | None = None  # ISO date
    index_no: str | None = None
    doc_no: str | None = None
    region_code: str | None = None
    agency_level: str | None = None  # pipelines.levels: province_gov … county_dept, other
    format: str = "unknown"  # standard-2021 | standard-2019 | legacy | unknown
    metrics: dict[str, int | float] = field(default_factory=dict)
    checks: list[dict[str, Any]] = field(default_factory=list)  # {rule, expected, found, passed, detail}
    errors: list[str] = field(default_factory=list)
    provenance: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> Finding.provenance()
    agency_source: str | None = None
    sources: list[str] = field(default_factory=list)  # "page" and the documents the numbers came from
    url: str | None = None
    fatal: bool = False  # nothing could be read at all

    def update(self, fields: dict[str, Any]) -> None:
        for name, value in fields.items():
            setattr(self, name, value)

    def keep(self, finding: Finding) -> None:
        self.metrics[finding.key] = finding.value
        self.provenance[finding.key] = finding.provenance()

    def as_dict(self) -> dict[str, Any]:
        shown = {name: getattr(self, name) for name in PARSE_FIELDS}
        shown.update(region_code=self.region_code, agency_level=self.agency_level, format=self.format,
                     metrics=self.metrics, checks=self.checks, errors=self.errors, provenance=self.provenance,
                     agency_source=self.agency_source, sources=self.sources)
        if self.url:
            shown["url"] = self.url
        if self.fatal:
            shown["fatal"] = True
        return shown
