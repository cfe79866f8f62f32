"""Re-read one archived report through the one reading path and compare it with what is stored.

No network: the detail page, its further parts and its attachments come from the WARC archive;
the list entry from the stored row. `reread` gives what a crawl would store today; `compare`
says what a re-parse would change, and which of those changes lose numbers the stored parse had.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from pipelines import documents, store
from pipelines.archive import read_record
from pipelines.parse import parse_report
from pipelines.read import parser_input, read_page
from pipelines.records import ListingEntry
from pipelines.report_fields import page_fields

# Columns a re-parse recomputes (the rest - ids, archive refs, versions, dates seen - stay).
REREAD_COLUMNS = ("title", "agency", "agency_source", "province", "city", "county", "region", "region_code",
                  "department", "report_year", "published", "written", "index_no", "doc_no", "category",
                  "format", "text", "page_meta", "content_hash", "encoding", "parse_status", "parse_errors",
                  "failed_checks", "agency_level", "checks_run", "checks_passed", "checks_failed", "completeness",
                  "tables_expected", "tables_found", "table_metrics", "prose_metrics")


@dataclass
class Reread:
    report_id: str
    columns: dict[str, Any]  # REREAD_COLUMNS as a crawl would write them today
    parsed: dict[str, Any]  # the parser's object


@dataclass
class Change:
    """What applying one re-read would change in the stored report."""

    report_id: str
    url: str
    metrics_added: dict[str, Any] = field(default_factory=dict)
    metrics_removed: dict[str, Any] = field(default_factory=dict)
    metrics_changed: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # key -> (stored, new)
    checks_changed: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # rule -> (stored passed, new)
    fields_changed: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    parse_failed: bool = False  # the new parse read nothing while the stored one did

    @property
    def empty(self) -> bool:
        return not (self.metrics_added or self.metrics_removed or self.metrics_changed or self.checks_changed
                    or self.fields_changed or self.parse_failed)

    @property
    def loses_data(self) -> bool:
        """Applying it would drop numbers the stored parse had."""
        return bool(self.metrics_removed) or self.parse_failed


def _entry(report: dict[str, Any]) -> ListingEntry:
    extra = json.loads(report.get("list_extra") or "{}")
    return ListingEntry(url=report["url"], title=report.get("list_title") or "", date=report.get("list_date"),
                        extra=extra)


def _archived_page(archive_dir: Path, warc_file: str, offset: int, entry: ListingEntry, portal: dict[str, Any]):
    url, headers, body = read_record(archive_dir, warc_file, offset)
    return read_page(url or entry.url, body, headers, entry, portal.get("family"), portal.get("encoding"))


def reread(db: sqlite_utils.Database, archive_dir: Path, report: dict[str, Any]) -> Reread:
    """Rebuild the report from the archive exactly as the crawl built it. Raises ValueError when
    an archive record is missing or damaged."""
    portal = next(iter(db.query("select * from portals where id = ?", [report.get("portal_id")])), None) or {}
    entry = _entry(report)
    page = _archived_page(archive_dir, report["warc_file"], report["warc_offset"], entry, portal)
    parts = [_archived_page(archive_dir, part["warc_file"], part["warc_offset"], entry, portal)
             for part in json.loads(report.get("continuations") or "[]") if part.get("warc_file")]
    attachments = list(db.query("select * from attachments where report_id = ? order by rowid", [report["id"]]))
    docs, texts = [], []
    for attachment in attachments:
        text = None
        if attachment.get("warc_file") and attachment.get("content_hash"):
            _, _, data = read_record(archive_dir, attachment["warc_file"], attachment["warc_offset"])
            extracted = documents.extract(data, attachment["filename"], attachment["media_type"])
            docs.append(extracted)
            text = extracted.text
        texts.append({"url": attachment["url"], "content_hash": attachment.get("content_hash"),
                      "status": attachment.get("status"), "text": text})
    parsed = parse_report(**parser_input(page, parts, entry, docs), portal=portal)
    columns = page_fields(page, parts, entry, texts, portal)
    columns.update(store.parsed_columns(parsed))
    return Reread(report["id"], {k: columns.get(k) for k in REREAD_COLUMNS}, parsed)


def compare(db: sqlite_utils.Database, report: dict[str, Any], fresh: Reread) -> Change:
    change = Change(report["id"], report["url"])
    stored_metrics = {r["key"]: r["value"] for r in db.query("select key, value from metrics where report_id = ?",
                                                              [report["id"]])}
    new_metrics = fresh.parsed.get("metrics") or {}
    if fresh.parsed.get("fatal") and report.get("parse_status") == "ok":
        change.parse_failed = True
        return change
    for key, value in new_metrics.items():
        if key not in stored_metrics:
            change.metrics_added[key] = value
        elif stored_metrics[key] != value:
            change.metrics_changed[key] = (stored_metrics[key], value)
    change.metrics_removed = {k: v for k, v in stored_metrics.items() if k not in new_metrics}
    stored_checks = {r["rule"]: r["passed"] for r in db.query("select rule, passed from checks where report_id = ?",
                                                               [report["id"]])}
    new_checks = {c.get("rule"): 1 if c.get("passed") else 0 for c in fresh.parsed.get("checks") or []}
    for rule in sorted(set(stored_checks) | set(new_checks)):
        if stored_checks.get(rule) != new_checks.get(rule):
            change.checks_changed[rule] = (stored_checks.get(rule), new_checks.get(rule))
    for column, value in fresh.columns.items():
        if report.get(column) != value:
            change.fields_changed[column] = (report.get(column), value)
    return change


def apply(db: sqlite_utils.Database, fresh: Reread) -> None:
    """Write the re-read report's columns, metrics and checks in one transaction."""
    with db.conn:
        db["reports"].update(fresh.report_id, fresh.columns, alter=True)
        store.write_parse(db, fresh.report_id, fresh.parsed, in_transaction=True)
        store.search.index_report(db, fresh.report_id)
