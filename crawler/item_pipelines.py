"""Scrapy item pipelines: thin adapters from crawl items to the plain functions
(documents → parse → store) that `nianbao parse` and `nianbao reparse` call too."""
from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from scrapy.settings import SETTINGS_PRIORITIES

from crawler.items import AttachmentItem, FetchErrorItem, ReportItem
from pipelines import documents, store
from pipelines.parse import parse_report
from pipelines.read import parser_input
from pipelines.report_fields import page_fields


class DocumentsPipeline:
    """Extract text and tables from every downloaded attachment; a bad file is recorded, not fatal.

    Extraction runs in a worker process per document (pipelines.documents) and can take seconds
    (OCR), so it is waited for on a thread: the crawl keeps downloading meanwhile.
    """

    def process_item(self, item, spider=None):
        if not isinstance(item, ReportItem) or not any(a.status == "ok" and a.body for a in item.attachments):
            return item
        from twisted.internet.threads import deferToThread

        return deferToThread(extract_attachments, item)


def extract_attachments(item: ReportItem) -> ReportItem:
    for attachment in item.attachments:
        if attachment.status != "ok" or attachment.body is None:
            continue
        extracted = documents.extract(attachment.body, attachment.filename, attachment.media_type)
        attachment.text = extracted.text
        attachment.html = extracted.html
        attachment.extraction = {"method": extracted.method, "confidence": extracted.confidence,
                                 "pages": extracted.pages, "status": extracted.status, "error": extracted.error,
                                 "extracted": extracted}
    return item


class ParsePipeline:
    def process_item(self, item, spider=None):
        if not isinstance(item, ReportItem):
            return item
        portal = spider.portals[item.portal_id].as_row() if spider is not None else None
        item.parsed = parse_item(item, portal)
        return item


def parse_item(item: ReportItem, portal: dict[str, Any] | None) -> dict[str, Any]:
    docs = [a.extraction["extracted"] for a in item.attachments if a.extraction.get("extracted") is not None]
    return parse_report(**parser_input(item.page, item.parts, item.listing, docs), portal=portal)


def report_row(item: ReportItem, portal: dict[str, Any] | None) -> dict[str, Any]:
    """The reports row of one crawled page: what the page states, before the parser adds its findings."""
    attachments = [{"url": a.url, "content_hash": a.content_hash, "status": a.status, "text": a.text}
                   for a in item.attachments]
    return {
        "id": store.stable_id(item.url),
        "url": item.url,
        "portal_id": item.portal_id,
        **page_fields(item.page, item.parts, item.listing, attachments, portal),
        "warc_file": item.archive.warc_file if item.archive else None,
        "warc_offset": item.archive.offset if item.archive else None,
        "warc_length": item.archive.length if item.archive else None,
        "continuations": json.dumps(item.continuations, ensure_ascii=False) if item.continuations else None,
    }


def attachment_row(report_id: str, attachment: AttachmentItem) -> dict[str, Any]:
    extraction = attachment.extraction
    status = attachment.status
    if status == "ok" and extraction.get("status") not in (None, "ok"):
        status = extraction["status"]
    return {
        "id": store.stable_id(attachment.url),
        "report_id": report_id,
        "url": attachment.url,
        "filename": attachment.filename,
        "media_type": attachment.media_type,
        "size": attachment.size,
        "content_hash": attachment.content_hash,
        "text": attachment.text,
        "status": status,
        "error": attachment.error or extraction.get("error"),
        "extraction_method": extraction.get("method") if attachment.text else None,
        "ocr_confidence": extraction.get("confidence"),
        "pages": extraction.get("pages"),
        "warc_file": attachment.archive.warc_file if attachment.archive else None,
        "warc_offset": attachment.archive.offset if attachment.archive else None,
        "warc_length": attachment.archive.length if attachment.archive else None,
    }


class StorePipeline:
    """The single writer of the archive database during a crawl."""

    def __init__(self, db_path: str):
        self.db_path = db_path
        self.db = None
        self.run_id = None
        self.outcomes = {"new": 0, "updated": 0, "unchanged": 0, "kept": 0}
        self.errors = 0
        self.portal_reports: dict[str, int] = {}
        self.portal_errors: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls(crawler.settings.get("NIANBAO_DB"))
        pipeline.crawler = crawler
        return pipeline

    def open_spider(self, spider=None):
        spider = spider or self.crawler.spider
        self.db = store.open_db(self.db_path)
        settings = self.crawler.settings
        # Only what this run set explicitly (--set, the CLI): enough to tell runs apart.
        overrides = {k: settings[k] for k in settings if settings.getpriority(k) >= SETTINGS_PRIORITIES["cmdline"]}
        self.run_id = store.start_run(self.db, overrides)
        store.upsert_portals(self.db, [p.as_row() for p in spider.portals.values()])

    def process_item(self, item, spider=None):
        spider = spider or self.crawler.spider
        if isinstance(item, FetchErrorItem):
            self.errors += 1
            if item.portal_id:
                self.portal_errors[item.portal_id] = self.portal_errors.get(item.portal_id, 0) + 1
            store.record_fetch_error(self.db, self.run_id, {k: v for k, v in asdict(item).items()})
            return item
        if isinstance(item, ReportItem):
            portal = spider.portals[item.portal_id].as_row()
            row = report_row(item, portal)
            attachments = [attachment_row(row["id"], a) for a in item.attachments]
            for attachment in item.attachments:
                if attachment.status == "ok" and attachment.extraction.get("status") not in (None, "ok"):
                    self.errors += 1
                    store.record_fetch_error(self.db, self.run_id, {
                        "portal_id": item.portal_id, "url": attachment.url, "stage": "document",
                        "kind": attachment.extraction["status"], "message": attachment.extraction.get("error")})
            outcome = store.save_report(self.db, row, attachments, item.parsed)
            self.outcomes[outcome] += 1
            if outcome == "kept":
                self.errors += 1
                store.record_fetch_error(self.db, self.run_id, {
                    "portal_id": item.portal_id, "url": item.url, "stage": "parse", "kind": "worse_capture",
                    "message": "the page changed into something that cannot be parsed; the archived report stays current"})
            self.portal_reports[item.portal_id] = self.portal_reports.get(item.portal_id, 0) + 1
            for attachment in item.attachments:
                attachment.body = None  # the archive has the bytes; free the memory
        return item

    def close_spider(self, spider=None):
        spider = spider or self.crawler.spider
        stats = self.crawler.stats
        counts = {
            "portals": len(spider.portals),
            "list_pages": spider.counts["list_pages"],
            "detail_pages": spider.counts["detail_pages"],
            "attachments": spider.counts["attachments"],
            "requests": stats.get_value("downloader/request_count", 0),
            "reports_new": self.outcomes["new"],
            "reports_updated": self.outcomes["updated"],
            "reports_unchanged": self.outcomes["unchanged"],
            "details_skipped": spider.counts["details_skipped"],
            "failures_skipped": spider.counts["failures_skipped"],
            "non_reports": spider.counts["non_reports"],
            "errors": self.errors,
        }
        for portal_id in spider.portals:
            if not spider.reports_listed[portal_id]:
                # A column that lists no report at all has usually moved or changed its CMS: say so.
                self.errors += 1
                self.portal_errors[portal_id] = self.portal_errors.get(portal_id, 0) + 1
                store.record_fetch_error(self.db, self.run_id, {
                    "portal_id": portal_id, "url": spider.portals[portal_id].start_urls[0], "stage": "list",
                    "kind": "empty_column", "message": "the column listed no annual reports (moved, redesigned or blocked?)"})
        counts["errors"] = self.errors
        store.finish_run(self.db, self.run_id, counts)
        with self.db.conn:
            for portal_id in spider.portals:
                errors = self.portal_errors.get(portal_id, 0)
                self.db["portals"].update(portal_id, {
                    "last_run_id": self.run_id, "last_crawled": store.now_iso(),
                    "last_status": "errors" if errors else "ok",
                    "reports_found": self.db["reports"].count_where("portal_id = ?", [portal_id]),
                })
        self.db.close()
