"""parse_report: one report's page (and documents) -> the METRICS.md object. (Issue 3 owns this.)

Contract (callers: crawl pipeline, `nianbao parse`, `nianbao reparse`):

    parse_report(*, html=None, text=None, url=None, page_meta=None, portal=None, documents=()) -> dict

- html: the detail page's body HTML (or the whole page); text: plain text (tables linearised, one
  cell per line). At least one of html/text/documents.
- page_meta: canonical page fields from crawler.detail (title, index_no, publisher, published,
  written, doc_no, category ...).
- portal: the registry row (province, city, county, region_code, department) or None.
- documents: extracted attachments (pipelines.documents.Extracted) in page order.

Returns the METRICS.md object: title, agency, province, city, county, region, report_year,
published, index_no, doc_no, format, metrics{key: number}, checks[{rule, expected, found,
passed}], errors[str], plus provenance{key: {unit, section, source, snippet, ocr}} and
agency_source. It never raises: problems go to errors; `fatal: True` when nothing could be read.
"""
from __future__ import annotations

from typing import Any


def parse_report(*, html=None, text=None, url=None, page_meta=None, portal=None, documents=()) -> dict[str, Any]:
    page_meta = page_meta or {}
    return {
        "title": page_meta.get("title"), "agency": page_meta.get("publisher"), "province": None,
        "city": None, "county": None, "region": None, "report_year": None,
        "published": page_meta.get("published"), "index_no": page_meta.get("index_no"),
        "doc_no": page_meta.get("doc_no"), "format": "unknown", "metrics": {}, "checks": [],
        "errors": ["parser not implemented yet"], "provenance": {},
    }
