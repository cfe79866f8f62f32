"""What `nianbao crawl` shows on the console instead of Scrapy's INFO log.

- `PortalProgress`, a Scrapy extension the CLI adds to its crawls: one line per portal
  ("portal-id: N list pages, M reports, K errors") when the portal has no request left in flight or
  queued, and a final line at the end for every portal that changed since its last line.
- `quiet_console()`: for CLI runs without --verbose, the noise that is not news is dropped:
  Scrapy's deprecation warnings and the retry middleware's "Gave up retrying" ERROR lines (those
  failures are expected outcomes: each one is a fetch_errors row and counted in the summary).
  Genuine crashes (spider and pipeline exceptions, other loggers' errors) still print.
- `summary_lines()`: the end-of-crawl summary shared by `nianbao crawl` and `nianbao demo`.
"""
from __future__ import annotations

import logging
import warnings
from collections import Counter
from pathlib import Path

RETRY_LOGGER = "scrapy.downloadermiddlewares.retry"
IDLE_TICKS = 2  # a portal is done after this many checks in a row with nothing pending
TICK_SECONDS = 1.0
PERIODIC_SECONDS = 60.0  # a still-running portal prints a line this often


def say(line: str) -> None:
    print(line, flush=True)


class _DropGaveUpRetrying(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Gave up retrying")


def quiet_console() -> None:
    from scrapy.exceptions import ScrapyDeprecationWarning

    warnings.filterwarnings("ignore", category=ScrapyDeprecationWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    logger = logging.getLogger(RETRY_LOGGER)
    if not any(isinstance(f, _DropGaveUpRetrying) for f in logger.filters):
        logger.addFilter(_DropGaveUpRetrying())


class PortalProgress:
    def __init__(self, crawler):
        self.crawler = crawler
        self.pending: dict[str, set[int]] = {}
        self.list_pages: Counter[str] = Counter()
        self.reports: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.idle: Counter[str] = Counter()
        self.shown: dict[str, tuple[int, int, int]] = {}
        self.elapsed = 0.0
        self.loop = None

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy import signals

        extension = cls(crawler)
        crawler.signals.connect(extension.request_scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(extension.request_finished, signal=signals.request_dropped)
        crawler.signals.connect(extension.request_finished, signal=signals.request_left_downloader)
        crawler.signals.connect(extension.response_received, signal=signals.response_received)
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    # --- counting ----------------------------------------------------------------------
    def request_scheduled(self, request, spider=None):
        portal = request.meta.get("nianbao_portal")
        if portal:
            self.pending.setdefault(portal, set()).add(id(request))

    def request_finished(self, request, spider=None):
        portal = request.meta.get("nianbao_portal")
        if portal:
            self.pending.get(portal, set()).discard(id(request))

    def response_received(self, response, request, spider=None):
        portal = request.meta.get("nianbao_portal")
        if portal and request.meta.get("nianbao_stage") == "list" and response.status < 400:
            self.list_pages[portal] += 1

    def item_scraped(self, item, response=None, spider=None):
        from crawler.items import FetchErrorItem, ReportItem

        portal = getattr(item, "portal_id", None)
        if not portal:
            return
        if isinstance(item, ReportItem):
            self.reports[portal] += 1
            # Attachments that downloaded but could not be read: fetch_errors rows too (StorePipeline).
            self.errors[portal] += sum(a.status == "ok" and a.extraction.get("status") not in (None, "ok")
                                       for a in item.attachments)
        elif isinstance(item, FetchErrorItem):
            self.errors[portal] += 1

    # --- printing ----------------------------------------------------------------------
    def counts(self, portal: str) -> tuple[int, int, int]:
        return self.list_pages[portal], self.reports[portal], self.errors[portal]

    def line(self, portal: str, suffix: str = "") -> None:
        lists, reports, errors = self.shown[portal] = self.counts(portal)
        say(f"{portal}: {lists} list page{'s' * (lists != 1)}, {reports} report{'s' * (reports != 1)}, "
            f"{errors} error{'s' * (errors != 1)}{suffix}")

    def in_scraper(self) -> set[str]:
        """Portals with a response still in the spider or the item pipelines (documents are
        extracted there): such a portal is not done though none of its requests is pending."""
        slot = getattr(getattr(getattr(self.crawler, "engine", None), "scraper", None), "slot", None)
        if slot is None:
            return set()
        requests = list(getattr(slot, "active", ())) + [entry[1] for entry in getattr(slot, "queue", ())]
        return {r.meta.get("nianbao_portal") for r in requests}

    def tick(self) -> None:
        self.elapsed += TICK_SECONDS
        periodic = self.elapsed % PERIODIC_SECONDS < TICK_SECONDS
        busy = self.in_scraper()
        for portal, requests in self.pending.items():
            if requests or portal in busy:
                self.idle[portal] = 0
                if periodic and self.shown.get(portal) != self.counts(portal):
                    self.line(portal, " (running)")
                continue
            self.idle[portal] += 1
            if self.idle[portal] >= IDLE_TICKS and self.shown.get(portal) != self.counts(portal):
                self.line(portal)

    def spider_opened(self, spider):
        from twisted.internet import task

        self.loop = task.LoopingCall(self.tick)
        self.loop.start(TICK_SECONDS, now=False)

    def spider_closed(self, spider, reason):
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        for portal in getattr(spider, "portals", {}) or self.pending:
            if self.shown.get(portal) != self.counts(portal) or portal not in self.shown:
                self.line(portal)


# --- the end-of-crawl summary ------------------------------------------------------------
def last_run_id(db_path: str | Path) -> int:
    from pipelines import store

    database = store.open_db(db_path)
    try:
        return database.execute("select max(id) from crawl_runs").fetchone()[0] or 0
    finally:
        database.close()


def summary_lines(db_path: str | Path, after_run: int = 0) -> list[str]:
    """The newest crawl run past `after_run`: what it fetched, what it stored, its errors by kind,
    and where to read those errors. Empty when no run was recorded (the crawl never started)."""
    from pipelines import store

    database = store.open_db(db_path)
    try:
        run = next(iter(database.query("select * from crawl_runs where id > ? order by id desc limit 1", [after_run])), None)
        if run is None:
            return []
        kinds = list(database.query("select kind, count(*) as n from fetch_errors where run_id = ? "
                                    "group by kind order by n desc, kind", [run["id"]]))
        reports = database["reports"].count
    finally:
        database.close()

    def get(name):
        return run.get(name) or 0

    lines = [
        f"crawl run {run['id']} {run.get('status') or ''}".rstrip() + f": {get('portals')} portals, {get('requests')} requests",
        f"  fetched: {get('list_pages')} list pages, {get('detail_pages')} detail pages, {get('attachments')} attachments",
        f"  reports: {get('reports_new')} new, {get('reports_updated')} updated, {get('reports_unchanged')} unchanged, "
        f"{get('details_skipped')} skipped (list entry unchanged), {get('failures_skipped')} skipped (known dead); "
        f"the archive holds {reports} reports",
    ]
    errors = sum(k["n"] for k in kinds)
    if errors:
        lines.append(f"  errors: {errors} (" + ", ".join(f"{k['kind']} {k['n']}" for k in kinds) + ")")
        lines.append("  where to look: the Datasette view portal_errors_last_run (nianbao serve), or")
        lines.append(f"    sqlite3 {db_path} \"select portal_id, kind, url, message from fetch_errors where run_id = {run['id']}\"")
    else:
        lines.append("  errors: none")
    return lines


def print_summary(db_path: str | Path, after_run: int = 0) -> bool:
    lines = summary_lines(db_path, after_run)
    for line in lines:
        say(line)
    return bool(lines)

