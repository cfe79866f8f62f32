"""nianbao crawl: walk the registry's portals into the archive database."""
from __future__ import annotations

import fcntl
import os
import sys
from pathlib import Path

HELP = "crawl the registry's portals into SQLite (Scrapy)"


def add_arguments(parser):
    parser.add_argument("--portals", help="registry file (default data/portals.yml)")
    parser.add_argument("--db", default="data/reports.db", help="archive database (default data/reports.db)")
    parser.add_argument("--portal", action="append", default=[], metavar="ID", help="only this portal (repeatable)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="a Scrapy setting for this run")


def crawl_settings(db: str, portals: str | None, overrides: list[str]):
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    settings.set("NIANBAO_DB", str(Path(db).resolve()), priority="cmdline")
    if portals:
        settings.set("NIANBAO_PORTALS", str(Path(portals).resolve()), priority="cmdline")
    for pair in overrides:
        name, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--set expects NAME=VALUE, got {pair!r}")
        settings.set(name.strip(), value, priority="cmdline")
    return settings


def run_crawl(db: str, portals: str | None = None, only: list[str] | None = None, overrides: list[str] | None = None) -> int:
    """Run one crawl in this process (Twisted's reactor runs once per process). Returns an exit code."""
    from scrapy.crawler import CrawlerProcess

    Path(db).resolve().parent.mkdir(parents=True, exist_ok=True)
    lock_path = Path(db).resolve().with_suffix(".crawl.lock")
    with open(lock_path, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"another crawl is writing {db} (lock {lock_path}); not starting", file=sys.stderr)
            return 3
        settings = crawl_settings(db, portals, overrides or [])
        process = CrawlerProcess(settings)
        crawler = process.create_crawler("reports")
        process.crawl(crawler, portal=",".join(only or []) or None)
        process.start()
        stats = crawler.stats.get_stats()
        if stats.get("finish_reason") != "finished" or stats.get("log_count/CRITICAL"):
            return 1
        return 0


def run(args) -> int:
    return run_crawl(args.db, args.portals, args.portal, args.set)
