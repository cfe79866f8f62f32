"""parse_report: one report's page (and documents) -> the parse result (docs/metrics.md).

Contract (callers: crawl pipeline, `nianbao parse`, `nianbao reparse`):

    parse_report(*, html=None, text=None, url=None, page_meta=None, portal=None, documents=()) -> dict

- html: the detail page's body HTML (or the whole page); text: plain text (tables linearised, one
  cell per line). At least one of html/text/documents.
- page_meta: canonical page fields from pipelines.detail (title, index_no, publisher, published,
  written, doc_no, category ...).
- portal: the registry row (province, city, county, region_code, department) or None.
- documents: extracted attachments (pipelines.documents.Extracted) in page order.

Builds a pipelines.records.ParseResult from Finding records (one type for table, legacy and prose
numbers) and returns its JSON object (ParseResult.as_dict()): title, agency, province, city, county, region, report_year,
published, index_no, doc_no, format, metrics{key: number}, checks[{rule, expected, found,
passed}], errors[str], plus provenance{key: {unit, section, source, snippet, ocr}},
agency_source and sources. It never raises: problems go to errors; `fatal: True` when nothing
could be read.

Precedence of numbers: tables before prose, the page before documents, and any text layer before
OCR. A standard-table number on which the page and a document disagree keeps the page's value and
adds a failed `sources_agree.<key>@<document>` check; a sentence contradicting the kept table figure adds a failed
`prose_agrees.<key>` check.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import Any

from pipelines import identify, levels
from pipelines.metrics import keys as metric_keys
from pipelines.metrics.checks import run_checks
from pipelines.metrics.legacy import extract_legacy_table
from pipelines.metrics.prose import extract_prose
from pipelines.metrics.standard import extract_standard
from pipelines.normalize import compact, html_to_text, normalize_text, parse_date, strip_control
from pipelines.records import PARSE_FIELDS, Finding, ParseResult

FIELDS = PARSE_FIELDS


@dataclass
class Source:
    """One readable input: the page itself or one attached document."""
    name: str
    text: str
    html: str | None = None
    ocr: bool = False
    filename: str | None = None
    standard: dict[str, Any] = field(default_factory=dict)
    table: dict[str, Finding] = field(default_factory=dict)
    prose: dict[str, Finding] = field(default_factory=dict)
    legacy_table: bool = False


def empty_result() -> dict[str, Any]:
    return ParseResult().as_dict()


def parse_report(*, html=None, text=None, url=None, page_meta=None, portal=None, documents=()) -> dict[str, Any]:
    result = ParseResult()
    try:
        _parse(result, html, text, url, page_meta, portal, documents)
    except Exception as exc:  # the contract: never raise, say what went wrong
        result.errors.append(f"parser error: {type(exc).__name__}: {exc}")
    return result.as_dict()


def split_url_line(text: str | None) -> tuple[str | None, str | None]:
    """A copied report may start with 'URL: …': (text without it, url)."""
    if not text:
        return text, None
    match = re.match(r"\s*URL\s*[:：]\s*(\S+)[^\n]*\n?", text)
    if not match:
        return text, None
    # the URL is taken raw, before normalize_text: NUL and lone surrogates would reach JSON and SQLite
    return text[match.end():], strip_control(match.group(1)) or None


def _run_checks(metrics: dict[str, Any], report_format: str, errors: list[str]) -> list[dict[str, Any]]:
    try:
        return list(run_checks(dict(metrics), report_format) or [])
    except Exception as exc:
        errors.append(f"consistency checks failed: {type(exc).__name__}: {exc}")
        return []


def _sources(html, text, documents, errors: list[str]) -> list[Source]:
    sources = []
    page_text = normalize_text(text) if isinstance(text, str) and text.strip() else ""
    if not page_text and isinstance(html, str):
        page_text = normalize_text(html_to_text(html))
    if page_text.strip() or (isinstance(html, str) and html.strip()):
        sources.append(Source("page", page_text, html if isinstance(html, str) else None))
    for index, doc in enumerate(documents or ()):
        filename = str(getattr(doc, "filename", None) or f"document {index + 1}")
        status = getattr(doc, "status", "ok")
        doc_html = getattr(doc, "html", None)
        doc_html = strip_control(doc_html) if isinstance(doc_html, str) else None
        doc_text = getattr(doc, "text", None)
        if status != "ok" or getattr(doc, "error", None):
            errors.append(f"document {filename}: {getattr(doc, 'error', None) or status}")
        if not (isinstance(doc_text, str) and doc_text.strip()) and isinstance(doc_html, str):
            doc_text = html_to_text(doc_html)
        doc_text = normalize_text(doc_text) if isinstance(doc_text, str) else ""
        if doc_text.strip() or (isinstance(doc_html, str) and doc_html.strip()):
            sources.append(Source(f"document:{filename}", doc_text, doc_html if isinstance(doc_html, str) else None,
                                  ocr=getattr(doc, "method", "text") == "ocr", filename=filename))
    return sources


def _read_source(source: Source, errors: list[str]) -> None:
    prefix = "" if source.name == "page" else f"{source.filename}: "
    try:
        found = extract_standard(source.html, source.text) or {}
    except Exception as exc:
        errors.append(f"{prefix}standard tables: {type(exc).__name__}: {exc}")
        found = {}
    source.standard = found
    errors.extend(prefix + str(e) for e in found.get("errors") or [])
    prose_text = source.text
    table = extract_legacy_table(source.text)
    if table is not None:
        source.legacy_table = True
        source.table = {key: _provenance(f, source) for key, f in table.findings.items()}
        lines = source.text.split("\n")
        # The table's own labels are not prose: read prose around it only.
        prose_text = "\n".join(lines[:table.start_line] + lines[table.end_line:])
    source.prose = {key: _provenance(f, source) for key, f in extract_prose(prose_text).items()}


def _provenance(finding: Finding, source: Source) -> Finding:
    return replace(finding, ocr=source.ocr)


def _standard_rows(source: Source) -> dict[str, Finding]:
    metrics = source.standard.get("metrics") or {}
    provenance = source.standard.get("provenance") or {}
    rows = {}
    for key, value in metrics.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        info = dict(provenance.get(key) or {})
        rows[key] = Finding(key, value, info.get("unit"), info.get("section"), info.get("snippet"),
                            info.get("source") or "table", source.ocr)
    return rows


def _merge(result: ParseResult, sources: list[Source]) -> None:
    """Tables before prose, page before documents, text layers before OCR."""
    text_layer = [s for s in sources if not s.ocr]
    ocr = [s for s in sources if s.ocr]
    layers = []
    for group in (text_layer, ocr):
        layers += [(s, _standard_rows(s)) for s in group]
        layers += [(s, s.table) for s in group]
        layers += [(s, s.prose) for s in group]
    used = []
    for source, rows in layers:
        for key, row in rows.items():
            if key in result.metrics:
                continue
            if not metric_keys.is_registered(key):  # the contract: registered keys only (keys.py)
                result.errors.append(f"{key}: metric key not registered, value in {source.name} dropped")
                continue
            if not _plausible(row.value):
                result.errors.append(f"{key}: implausible value {str(row.value)[:40]} in {source.name} ignored")
                continue
            result.keep(row)
            if source.name not in used:
                used.append(source.name)
    result.sources = used


def _plausible(value) -> bool:
    """A count or amount a report can state: finite and below a trillion (SQLite stores it too)."""
    try:
        return math.isfinite(value) and abs(value) < 1e12
    except (TypeError, OverflowError):
        return False


def _disagreements(result: ParseResult, sources: list[Source]) -> list[dict[str, Any]]:
    """Failed checks for numbers the report states twice differently: a standard-table cell of the
    page against the same cell in a document (sources_agree), and a sentence against the table
    figure that was kept (prose_agrees.<key>). The kept number stays; the other is only reported."""
    checks = []
    page = next((s for s in sources if s.name == "page"), None)
    page_rows = _standard_rows(page) if page is not None else {}
    for doc in sources:
        if doc is page:
            continue
        for key, row in _standard_rows(doc).items():
            if key in page_rows and page_rows[key].value != row.value:
                # One rule per key and document: the checks table is keyed by (report, rule).
                checks.append({"rule": f"sources_agree.{key}@{doc.filename}", "expected": page_rows[key].value, "found": row.value,
                               "passed": False, "detail": f"{key} in {doc.filename}"})
    for source in sources:
        for key, row in source.prose.items():
            kept = result.provenance.get(key) or {}
            if kept.get("source") == "table" and not source.ocr and result.metrics[key] != row.value:
                checks.append({"rule": f"prose_agrees.{key}", "expected": result.metrics[key],
                               "found": row.value, "passed": False, "detail": row.snippet})
    return checks


def _primary(sources: list[Source]) -> Source | None:
    """The text that is the report: the page, unless it only points to an attachment."""
    page = next((s for s in sources if s.name == "page"), None)
    docs = [s for s in sources if s.name != "page" and s.text.strip()]
    if page is not None and docs:
        flat = compact(page.text)
        if len(flat) < 300 or re.search(r"详见附件|见附件|请点击|点击下载|附件下载", flat[:400]):
            return docs[0]
    return page if page is not None and page.text.strip() else (docs[0] if docs else page)


def _identify(result: ParseResult, sources, primary, url, page_meta, portal) -> None:
    errors = result.errors
    texts = [primary.text] + [s.text for s in sources if s is not primary]
    meta = {}
    for text in texts:
        for key, value in identify.text_meta(text).items():
            meta.setdefault(key, value)
    title = _clean(page_meta.get("title")) or next(filter(None, (identify.find_title(t) for t in texts)), None)
    result.title = title
    result.report_year = identify.year_in_title(title) or next(
        filter(None, (identify.year_in_body(t) for t in texts)), None)
    place = identify.place_prefix(portal) or _place_in_body(primary.text, errors)
    stated_meta = {**meta, **{k: v for k, v in page_meta.items() if v}}
    agency, agency_source = None, None
    for text in texts:
        found = identify.identify_agency(title, text, stated_meta, portal, place)
        if agency is None or found[1] in ("signature", "page_meta"):
            agency, agency_source = found
        if agency_source in ("signature", "page_meta"):
            break  # a full name the report itself states; an attachment's signature may supply it
    result.agency, result.agency_source = agency, agency_source
    result.update(identify.region_fields(portal, agency, title, primary.text, errors))
    result.agency_level = levels.agency_level(result.agency, result.province, result.city, result.county,
                                              (portal or {}).get("department"), result.region_code)
    published = parse_date(page_meta.get("published")) or meta.get("published")
    if not published:
        for text in texts:
            published = identify.find_signature(text)[1] or identify.date_under_title(text)
            if published:
                break
    result.published = published
    result.index_no = _clean(page_meta.get("index_no")) or meta.get("index_no")
    result.doc_no = _clean(page_meta.get("doc_no")) or meta.get("doc_no")
    if url:
        result.url = url


def _place_in_body(text: str, errors: list[str]) -> str | None:
    module = identify.gazetteer()
    if module is None or not hasattr(module, "find_region"):
        return None
    try:
        return identify.place_prefix(module.find_region(text[:2000]))
    except Exception as exc:
        errors.append(f"region: gazetteer find_region failed: {exc}")
        return None


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    value = re.sub(r"\s+", " ", normalize_text(str(value))).strip()
    return value or None


def _without_control(fields: dict) -> dict:
    return {key: strip_control(value) if isinstance(value, str) else value for key, value in fields.items()}


def _parse(result: ParseResult, html, text, url, page_meta, portal, documents) -> None:
    errors = result.errors
    # Registry and page fields reach the JSON result and SQLite: no lone surrogates or control characters.
    page_meta = _without_control(page_meta) if isinstance(page_meta, dict) else {}
    portal = _without_control(portal) if isinstance(portal, dict) else None
    if text is not None and not isinstance(text, str):
        errors.append(f"text ignored: expected str, got {type(text).__name__}")
        text = None
    if html is not None and not isinstance(html, str):
        errors.append(f"html ignored: expected str, got {type(html).__name__}")
        html = None
    html = strip_control(html) if html else html
    text, url_line = split_url_line(text)
    url = url or url_line
    sources = _sources(html, text, documents, errors)
    primary = _primary(sources)
    if primary is None or not any(s.text.strip() for s in sources):
        result.fatal = True
        errors.append("no text could be read from the page or its documents")
        result.title = _clean(page_meta.get("title"))
        if url:
            result.url = url
        return
    for source in sources:
        _read_source(source, errors)
    _merge(result, sources)
    _identify(result, sources, primary, url, page_meta, portal)
    standard_format = next((s.standard.get("format") for s in sources if s.standard.get("format")), None)
    result.format = identify.report_format(standard_format, any(s.legacy_table for s in sources),
                                              "\n".join(s.text for s in sources), result.report_year)
    result.checks = _run_checks(result.metrics, result.format, errors) + _disagreements(result, sources)
    if not result.metrics:
        errors.append("no metrics found")
