"""nianbao crawl: walk the registry's portals into the archive database."""
from __future__ import annotations

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
    """Run one crawl in this process (Twisted's reactor runs once per process). Returns an exit code:
    0 finished, 1 did not finish, 3 another crawl holds the lock, 4 the database is corrupt or unreadable."""
    from scrapy.crawler import CrawlerProcess

    from crawler import run_lock
    from pipelines import store

    try:
        run_lock.acquire(db)
    except run_lock.CrawlLocked as exc:
        print(f"nianbao: {exc}", file=sys.stderr)
        return run_lock.EXIT_LOCKED
    try:
        try:
            store.open_db(db).close()
        except store.DatabaseUnreadable as exc:
            print(f"nianbao: {exc}", file=sys.stderr)
            return store.EXIT_DATABASE
        settings = crawl_settings(db, portals, overrides or [])
        process = CrawlerProcess(settings)
        crawler = process.create_crawler("reports")
        process.crawl(crawler, portal=",".join(only or []) or None)
        process.start()
        try:
            stats = crawler.stats.get_stats()
        except RuntimeError:  # the crawler never got as far as its stats: it failed to start
            stats = {}
        if process.bootstrap_failed or not stats:
            print("nianbao: the crawl could not start (see the error above)", file=sys.stderr)
            return 1
        if stats.get("finish_reason") != "finished" or stats.get("log_count/CRITICAL"):
            return 1
        return 0
    finally:
        run_lock.release(db)


def run(args) -> int:
    return run_crawl(args.db, args.portals, args.portal, args.set)
