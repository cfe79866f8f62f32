"""`nianbao crawl --jobdir DIR`: Scrapy's JOBDIR, made safe for a crawl that was SIGKILLed.

What Scrapy keeps in a JOBDIR, and what survives a SIGKILL:

- the scheduler's disk queues (`requests.queue/`) are usable only after a clean close: the index of
  the queues (`active.json`) and the FIFO queues' positions (`info.json`) are written on close, and
  Scrapy never deletes a stale `active.json`. After a kill they describe an older run, or nothing.
- `spider.state` is saved on a clean close only.
- the dupefilter's `requests.seen` is appended as it goes. Every detail, continuation and
  attachment request is dont_filter (the spider deduplicates entries itself); only list pages go
  through the dupefilter, so a persisted one would keep a resumed run from re-reading the lists
  that lead to reports not stored yet.

So the database is what a resumed run trusts: `known_listings` says which reports are stored, the
list pages are read again (`RunDupeFilter`: a per-run dupefilter, as without a JOBDIR) and every
listed report not stored yet is requested again (once: `seen_entries`). Requests in flight at the
kill, popped from the queue and lost by Scrapy, are covered by that too.

`JobdirResume` marks the JOBDIR `nianbao.running` while a crawl uses it. A run that finds the
mark left behind (the last one was killed) discards the queues (their requests are rebuilt from the
list pages and the database). After a clean close (Ctrl-C, a close-spider limit) the queues are
kept and Scrapy resumes them; the spider's `seen_entries` are saved beside them and become the
resumed spider's `queued_entries`: the list re-read does not request again an entry that is neither
stored nor failed, since its request (or its report's next one) waits in the queue. (Scrapy's
graceful close lets requests in flight finish, so their follow-ups are queued too.)
"""
from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from scrapy import signals
from scrapy.dupefilters import RFPDupeFilter
from scrapy.exceptions import NotConfigured
from scrapy.utils.job import job_dir

logger = logging.getLogger(__name__)

RUNNING_MARK = "nianbao.running"
SEEN_ENTRIES = "nianbao.seen_entries"
QUEUE_DIR = "requests.queue"


class RunDupeFilter(RFPDupeFilter):
    """Scrapy's dupefilter without its `requests.seen` file: list pages are read again on resume."""

    @classmethod
    def from_crawler(cls, crawler):
        return cls(None, debug=crawler.settings.getbool("DUPEFILTER_DEBUG"),
                   fingerprinter=crawler.request_fingerprinter)


class JobdirResume:
    def __init__(self, jobdir: str):
        self.jobdir = Path(jobdir)
        self.jobdir.mkdir(parents=True, exist_ok=True)
        self.mark = self.jobdir / RUNNING_MARK
        self.seen_path = self.jobdir / SEEN_ENTRIES
        self.clean = False
        if self.mark.exists():
            # The last run using this JOBDIR was killed: its queues are stale or half-written.
            logger.warning("the last crawl of %s did not close (killed?): resuming from the database", jobdir)
            shutil.rmtree(self.jobdir / QUEUE_DIR, ignore_errors=True)
            self.seen_path.unlink(missing_ok=True)
            (self.jobdir / "spider.state").unlink(missing_ok=True)
        self.mark.write_text(f"{os.getpid()}\n")

    @classmethod
    def from_crawler(cls, crawler):
        jobdir = job_dir(crawler.settings)
        if not jobdir:
            raise NotConfigured
        extension = cls(jobdir)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def spider_opened(self, spider):
        if self.seen_path.exists() and hasattr(spider, "queued_entries"):
            spider.queued_entries.update(self.seen_path.read_text(encoding="utf-8").split("\n")[:-1])

    def spider_closed(self, spider, reason):
        # Runs after the scheduler has written its queues: what they hold is seen_entries' business.
        if reason == "finished":
            self.seen_path.unlink(missing_ok=True)  # nothing is queued: the next run starts afresh
        else:
            temp = self.seen_path.with_suffix(".tmp")
            temp.write_text("".join(f"{url}\n" for url in sorted(getattr(spider, "seen_entries", ()))),
                            encoding="utf-8")
            os.replace(temp, self.seen_path)
        self.clean = True

    def engine_stopped(self):
        if self.clean:
            self.mark.unlink(missing_ok=True)
