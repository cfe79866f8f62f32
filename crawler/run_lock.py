"""The crawl lock and run bookkeeping, taken on every way a crawl starts.

`RunLockExtension` is a Scrapy extension (EXTENSIONS in crawler/settings.py), so `nianbao crawl`
and `scrapy crawl reports` both pass through it before the engine, the archive or the store
pipeline are built. It:

- takes an exclusive flock on `<db>.crawl.lock` for the whole crawl (a second crawl of the same
  database refuses to start: EXIT_LOCKED);
- checks the database opens (a corrupt or unreadable file stops the crawl: EXIT_DATABASE, one line);
- marks runs left `running` by a crawl that died (SIGKILL, power loss) as `interrupted`, which is
  safe only because it holds the lock: no live crawl of this database can be mislabelled;
- marks its own run `interrupted` when the crawl closes for any reason but `finished` (Ctrl-C).

`nianbao crawl` takes the lock itself first (to answer with exit code 3 before Scrapy starts);
the lock is counted per process, so the extension then shares it instead of blocking on it.

The spider is built before any extension and reads the database too; on an unusable database it
stays quiet and leaves the answer (one line, EXIT_DATABASE) to this extension.
"""
from __future__ import annotations

import fcntl
import logging
import os
import sys
from pathlib import Path

logger = logging.getLogger(__name__)

EXIT_LOCKED = 3


class CrawlLocked(Exception):
    pass


_held: dict[Path, list] = {}  # lock path -> [open file, times acquired in this process]


def lock_path_for(db_path: str | os.PathLike) -> Path:
    return Path(db_path).resolve().with_suffix(".crawl.lock")


def acquire(db_path: str | os.PathLike) -> Path:
    """Take the crawl lock of db_path (re-entrant within one process); CrawlLocked if another holds it."""
    path = lock_path_for(db_path)
    if path in _held:
        _held[path][1] += 1
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip()
        handle.close()
        raise CrawlLocked(f"another crawl is writing {db_path} (lock {path}{', pid ' + holder if holder else ''}); "
                          f"not starting") from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    _held[path] = [handle, 1]
    return path


def release(db_path: str | os.PathLike) -> None:
    path = lock_path_for(db_path)
    entry = _held.get(path)
    if entry is None:
        return
    entry[1] -= 1
    if entry[1] <= 0:
        del _held[path]
        entry[0].close()  # closing the descriptor drops the flock; the file stays (deleting it would race)


def refuse(message: str, code: int):
    """End this process before the crawl starts: one line on stderr, a distinct exit code.

    Raised from the extension's constructor, SystemExit leaves the event loop and Scrapy's command
    line alike (both only catch Exception), so `scrapy crawl` exits with `code` and no traceback.
    """
    print(f"nianbao: {message}", file=sys.stderr, flush=True)
    raise SystemExit(code)


class RunLockExtension:
    def __init__(self, crawler):
        from pipelines import store

        self.crawler = crawler
        self.db_path = crawler.settings.get("NIANBAO_DB")
        try:
            acquire(self.db_path)
        except CrawlLocked as exc:
            refuse(str(exc), EXIT_LOCKED)
        try:
            db = store.open_db(self.db_path)
            try:
                self.interrupted = store.mark_interrupted_runs(db)
                self.last_run_before = db.execute("select max(id) from crawl_runs").fetchone()[0] or 0
            finally:
                db.close()
        except store.DatabaseUnreadable as exc:
            release(self.db_path)
            refuse(str(exc), store.EXIT_DATABASE)
        if self.interrupted:
            logger.warning("crawl run(s) %s never finished (killed?): marked interrupted",
                           ", ".join(map(str, self.interrupted)))

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy import signals

        extension = cls(crawler)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def spider_closed(self, spider, reason):
        if reason == "finished":
            return
        from pipelines import store

        db = store.open_db(self.db_path)
        try:
            with db.conn:
                db.execute("update crawl_runs set status = 'interrupted' where id > ? and status in ('running', 'finished')",
                           [self.last_run_before])
        finally:
            db.close()

    def engine_stopped(self):
        release(self.db_path)
