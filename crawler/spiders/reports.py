"""The one spider: walks every portal of the registry through its CMS family adapter.

Generic concerns live here, once: routing list responses to family steps, the hard page cap,
deduplication, incremental skipping of unchanged reports, fetching attachments (size-capped),
and turning every failure into a recorded FetchErrorItem while the crawl goes on.
"""
from __future__ import annotations

import hashlib
from collections import Counter
from datetime import datetime, timezone
from pathlib import PurePosixPath
from typing import Any, Iterable
from urllib.parse import unquote, urlparse

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import defer
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TCPTimedOutError, TimeoutError

from crawler.antibot import BlockedByAntiBot
from crawler.outbound import REFUSAL_KINDS, OutboundRefused
from pipelines.encoding import detect_encoding
from crawler.families import all_families
from crawler.items import AttachmentItem, FetchErrorItem, ReportItem
from pipelines.read import is_page, read_page
from pipelines.records import DetailPage, ListingEntry
from crawler.registry import Portal, load_portals
from crawler.report_titles import is_annual_report_title

# Scrapy ≥ 2.14 wraps Twisted's errors in its own exception classes; accept both.
def _scrapy_errors(*names: str) -> tuple[type, ...]:
    import scrapy.exceptions

    return tuple(getattr(scrapy.exceptions, name) for name in names if hasattr(scrapy.exceptions, name))


CANCELLED = (defer.CancelledError, *_scrapy_errors("DownloadCancelledError"))
TIMEOUTS = (TimeoutError, TCPTimedOutError, *_scrapy_errors("DownloadTimeoutError"))
DNS_FAILURES = (DNSLookupError, *_scrapy_errors("CannotResolveHostError"))
REFUSED = (ConnectionRefusedError, *_scrapy_errors("DownloadConnectionRefusedError"))

def utc_now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


class ReportsSpider(scrapy.Spider):
    name = "reports"

    def __init__(self, portals: str | None = None, portal: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.portals_file = portals
        self.only = {p.strip() for p in (portal or "").split(",") if p.strip()}
        self.families = all_families()
        self.portals: dict[str, Portal] = {}
        self.registry_errors = []
        self.known: dict[str, tuple[str | None, str | None]] = {}
        self.known_failures: dict[str, tuple[str | None, str | None]] = {}
        self.missing_attachments: set[str] = set()  # archived reports whose attachment download failed
        self.seen_entries: set[str] = set()
        # entries whose requests wait in the queues of a cleanly stopped JOBDIR crawl (crawler/jobdir.py)
        self.queued_entries: set[str] = set()
        self.list_pages: Counter[str] = Counter()
        self.capped: set[str] = set()
        self.counts: Counter[str] = Counter()
        self.reports_listed: Counter[str] = Counter()  # annual-report entries seen per portal

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.portals_file = spider.portals_file or crawler.settings.get("NIANBAO_PORTALS")
        portals, errors = load_portals(spider.portals_file, set(spider.families))
        if spider.only:
            missing = spider.only - {p.id for p in portals}
            for portal_id in sorted(missing):
                spider.logger.error("portal %s is not in the registry (or is invalid)", portal_id)
            portals = [p for p in portals if p.id in spider.only]
        spider.portals = {p.id: p for p in portals}
        spider.registry_errors = errors
        from pipelines import store

        spider.attachment_maxsize = crawler.settings.getint("NIANBAO_ATTACHMENT_MAXSIZE")
        spider.page_maxsize = crawler.settings.getint("NIANBAO_PAGE_MAXSIZE")
        try:
            db = store.open_db(crawler.settings.get("NIANBAO_DB"))
        except store.DatabaseUnreadable:
            # The run lock extension (crawler/run_lock.py), built next, stops the crawl with one
            # clear line and EXIT_DATABASE; a traceback here would hide that.
            return spider
        spider.known = store.known_listings(db)
        spider.missing_attachments = store.reports_missing_attachments(db)
        if not crawler.settings.getbool("NIANBAO_RETRY_FAILED"):
            spider.known_failures = store.permanent_failures(db)
        db.close()
        return spider

    # --- start ---------------------------------------------------------------------------
    async def start(self):
        for item in self._start_items():
            yield item

    def _start_items(self) -> Iterable[Any]:
        for error in self.registry_errors:
            yield FetchErrorItem(portal_id=error.entry, url="", kind="registry", message=str(error), stage="registry")
        for portal in self.portals.values():
            family = self.families[portal.family]
            try:
                requests = list(family.start(portal))
            except Exception as exc:  # a broken adapter must not stop other portals
                yield FetchErrorItem(portal.id, portal.start_urls[0], "adapter", f"{family.name}.start: {exc!r}", stage="list")
                continue
            for request in requests:
                wrapped = self._wrap_list_request(request, portal)
                if wrapped is not None:
                    yield wrapped

    # --- list pages ------------------------------------------------------------------------
    def _wrap_list_request(self, request: scrapy.Request, portal: Portal) -> Any:
        if self.list_pages[portal.id] >= portal.max_pages:
            if portal.id not in self.capped:
                self.capped.add(portal.id)
                return FetchErrorItem(portal.id, request.url, "page_cap",
                                      f"stopped after {portal.max_pages} list pages (max_pages)", stage="list")
            return None
        self.list_pages[portal.id] += 1
        meta = dict(request.meta, nianbao_portal=portal.id, nianbao_stage="list",
                    download_maxsize=self.page_maxsize)
        return request.replace(callback=self.on_list, errback=self.on_error, meta=meta)

    def on_list(self, response):
        portal = self.portals[response.meta["nianbao_portal"]]
        family = self.families[portal.family]
        self.counts["list_pages"] += 1
        response = self._decoded(response, portal)
        step = response.meta.get("nianbao_step", "parse_list")
        try:
            outputs = list(getattr(family, step)(response, portal))
        except Exception as exc:
            yield FetchErrorItem(portal.id, response.url, "adapter", f"{family.name}.{step}: {exc!r}",
                                 status=response.status, stage="list")
            return
        for output in outputs:
            if isinstance(output, scrapy.Request):
                wrapped = self._wrap_list_request(output, portal)
                if wrapped is not None:
                    yield wrapped
            elif isinstance(output, ListingEntry):
                yield from self._on_entry(output, portal)

    def _on_entry(self, entry: ListingEntry, portal: Portal) -> Iterable[Any]:
        if entry.url in self.seen_entries:
            return
        self.seen_entries.add(entry.url)
        if not is_annual_report_title(entry.title or ""):
            self.counts["non_reports"] += 1
            return
        self.reports_listed[portal.id] += 1
        if self.known.get(entry.url) == (entry.title, entry.date) and entry.url not in self.missing_attachments:
            self.counts["details_skipped"] += 1
            return
        if self.known_failures.get(entry.url) == (entry.title, entry.date):
            # 404, soft 404 or an anti-bot wall last time, and the list shows the same entry: not asked
            # again until the entry changes (or NIANBAO_RETRY_FAILED=True).
            self.counts["failures_skipped"] += 1
            return
        if entry.url in self.queued_entries:  # Scrapy resumes its request from the JOBDIR's queue
            return
        # dont_filter: entries are deduplicated above; the dupefilter would silently swallow a
        # redirect loop that comes back to this URL instead of letting it fail visibly.
        yield scrapy.Request(
            entry.url, callback=self.on_detail, errback=self.on_error, dont_filter=True,
            meta={"nianbao_portal": portal.id, "nianbao_stage": "detail", "nianbao_entry": entry,
                  "nianbao_archive": True, "download_maxsize": self.attachment_maxsize},
        )

    # --- detail pages -----------------------------------------------------------------------
    def on_detail(self, response):
        portal = self.portals[response.meta["nianbao_portal"]]
        entry: ListingEntry = response.meta["nianbao_entry"]
        item = ReportItem(url=entry.url, portal_id=portal.id, listing=entry, fetched_at=utc_now(),
                          status=response.status, archive=response.meta.get("nianbao_archive_ref"))
        page = self._read(response, portal, entry)
        item.page = page
        if page.is_document:
            # The list links straight to a document: the document is the report.
            self.counts["detail_pages"] += 1
            item.attachments.append(self._attachment_from_response(response, response.meta.get("nianbao_archive_ref")))
            yield item
            return
        yield from self._reader_errors(page, portal, response)
        if page.soft_404:
            # Not archived, so a later crawl asks again: the page may come back.
            yield FetchErrorItem(portal.id, entry.url, "soft_404", "page says it does not exist (soft 404)",
                                 status=response.status, stage="detail", list_title=entry.title, list_date=entry.date)
            return
        self.counts["detail_pages"] += 1
        pending: list[AttachmentItem] = []
        _add_attachments(pending, page)
        yield from self._next_part(item, list(page.continuations), pending)

    def _read(self, response, portal: Portal, entry: ListingEntry) -> DetailPage:
        """The one reading path (pipelines.read), on the bytes as Scrapy decompressed them."""
        headers = {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()}
        return read_page(response.url, response.body, headers, entry, portal.family, portal.encoding)

    @staticmethod
    def _reader_errors(page: DetailPage, portal: Portal, response) -> Iterable[FetchErrorItem]:
        for message in page.errors:
            yield FetchErrorItem(portal.id, response.url, "parse", message, status=response.status, stage="detail")

    # --- multi-page articles: the rest of the body, before the attachments ----------------------
    def _next_part(self, item: ReportItem, parts: list[str], pending: list[AttachmentItem]):
        if not parts:
            yield from self._next_attachment(item, pending)
            return
        yield scrapy.Request(
            parts[0], callback=self.on_part, errback=self.on_part_error, dont_filter=True,
            meta={"nianbao_portal": item.portal_id, "nianbao_stage": "detail_part", "nianbao_item": item,
                  "nianbao_parts": parts, "nianbao_pending": pending, "nianbao_archive": True,
                  "download_maxsize": self.page_maxsize},
        )

    def on_part(self, response):
        item: ReportItem = response.meta["nianbao_item"]
        parts, pending = response.meta["nianbao_parts"], response.meta["nianbao_pending"]
        portal = self.portals[item.portal_id]
        page = self._read(response, portal, item.listing)
        yield from self._reader_errors(page, portal, response)
        item.parts.append(page)
        ref = response.meta.get("nianbao_archive_ref")
        item.continuations.append({"url": response.url, "warc_file": ref.warc_file if ref else None,
                                   "warc_offset": ref.offset if ref else None})
        _add_attachments(pending, page)
        yield from self._next_part(item, parts[1:], pending)

    def on_part_error(self, failure):
        meta = failure.request.meta
        yield self._classify(failure)  # the report is kept with the parts that could be read
        yield from self._next_part(meta["nianbao_item"], meta["nianbao_parts"][1:], meta["nianbao_pending"])

    def _next_attachment(self, item: ReportItem, pending: list[AttachmentItem]):
        if not pending:
            yield item
            return
        attachment = pending[0]
        yield scrapy.Request(
            attachment.url, callback=self.on_attachment, errback=self.on_attachment_error, dont_filter=True,
            meta={"nianbao_portal": item.portal_id, "nianbao_stage": "attachment", "nianbao_item": item,
                  "nianbao_pending": pending, "nianbao_archive": True, "download_maxsize": self.attachment_maxsize},
        )

    def on_attachment(self, response):
        item: ReportItem = response.meta["nianbao_item"]
        pending: list[AttachmentItem] = response.meta["nianbao_pending"]
        self.counts["attachments"] += 1
        fetched = self._attachment_from_response(response, response.meta.get("nianbao_archive_ref"), pending[0])
        item.attachments.append(fetched)
        yield from self._next_attachment(item, pending[1:])

    def on_attachment_error(self, failure):
        request = failure.request
        item: ReportItem = request.meta["nianbao_item"]
        pending: list[AttachmentItem] = request.meta["nianbao_pending"]
        error = self._classify(failure)
        attachment = pending[0]
        # A refused link is refused again next time: not a failed download worth a new crawl of the report.
        attachment.status = ("oversize" if error.kind == "oversize" else "refused" if error.kind in REFUSAL_KINDS
                             else "fetch_error")
        attachment.error = error.message
        item.attachments.append(attachment)
        yield error
        yield from self._next_attachment(item, pending[1:])

    @staticmethod
    def _attachment_from_response(response, ref, attachment: AttachmentItem | None = None) -> AttachmentItem:
        attachment = attachment or AttachmentItem(url=response.url, filename=_filename(response.url))
        attachment.body = response.body
        attachment.size = len(response.body)
        attachment.content_hash = hashlib.sha256(response.body).hexdigest()
        attachment.media_type = (response.headers.get("Content-Type") or b"").decode("latin-1").split(";")[0] or None
        attachment.status = "ok"
        attachment.archive = ref
        return attachment

    # --- errors --------------------------------------------------------------------------------
    def on_error(self, failure):
        yield self._classify(failure)

    def _classify(self, failure) -> FetchErrorItem:
        request = failure.request
        portal_id = request.meta.get("nianbao_portal")
        stage = request.meta.get("nianbao_stage")
        status = None
        if failure.check(OutboundRefused):
            kind, message = failure.value.kind, failure.value.message
        elif failure.check(BlockedByAntiBot):
            kind, message = "blocked", failure.getErrorMessage()
        elif failure.check(HttpError):
            status = failure.value.response.status
            kind, message = f"http_{status}", f"HTTP {status}"
        elif failure.check(*CANCELLED):
            kind, message = "oversize", f"download cancelled: larger than the size cap ({failure.getErrorMessage()})"
        elif failure.check(*TIMEOUTS):
            kind, message = "timeout", failure.getErrorMessage()
        elif failure.check(*DNS_FAILURES):
            kind, message = "dns", failure.getErrorMessage()
        elif failure.check(*REFUSED):
            kind, message = "connection_refused", failure.getErrorMessage()
        elif failure.check(IgnoreRequest):
            text = failure.getErrorMessage()
            kind = "robots" if "robots" in text.lower() else "redirect_loop" if "redirect" in text.lower() else "ignored"
            message = text
        else:
            kind, message = "error", f"{failure.type.__name__}: {failure.getErrorMessage()}"
        if "maxsize" in message.lower() or "max size" in message.lower():
            kind = "oversize"
        entry = request.meta.get("nianbao_entry") if stage == "detail" else None
        url = request.url
        if entry is not None and entry.url != request.url:
            # Recorded under the listed URL (what the next crawl looks up), with where it went.
            url, message = entry.url, f"{message} (at {request.url} after redirects)"
        return FetchErrorItem(portal_id, url, kind, message, status=status, stage=stage,
                              list_title=entry.title if entry else None, list_date=entry.date if entry else None)

    # --- helpers ------------------------------------------------------------------------------
    @staticmethod
    def _decoded(response, portal: Portal):
        """A list page re-decoded with the registry's or the detected encoding (GBK pages)."""
        declared = (response.headers.get("Content-Type") or b"").decode("latin-1")
        if not isinstance(response, TextResponse) and not is_page(response.body, declared):
            return response
        encoding = portal.encoding or detect_encoding(response.body, declared)
        if isinstance(response, TextResponse):
            return response.replace(encoding=encoding)
        return HtmlResponse(url=response.url, status=response.status, headers=response.headers, body=response.body,
                            encoding=encoding, request=response.request, flags=response.flags)


def _add_attachments(pending: list[AttachmentItem], page: DetailPage) -> None:
    known = {a.url for a in pending}
    for link in page.attachments:
        if link["url"] not in known:
            known.add(link["url"])
            pending.append(AttachmentItem(url=link["url"], filename=link.get("filename") or _filename(link["url"])))


def _filename(url: str) -> str:
    return unquote(PurePosixPath(urlparse(url).path).name) or "attachment"
