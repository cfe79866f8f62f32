"""nianbao crawl: walk the registry's portals into the archive database.

Before Scrapy starts, the registry is read and the --portal ids are checked: an unreadable registry,
one with no valid portal, or an unknown id is one line on stderr and exit 2. During the crawl the
console shows one progress line per portal (cli/progress.py) and warnings; `-v` brings back Scrapy's
INFO log. The crawl ends with the run's summary (the same as `nianbao demo`'s).
"""
from __future__ import annotations

import os
from pathlib import Path

from cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, complain

HELP = "crawl the registry's portals into SQLite (Scrapy)"
PROGRESS_EXTENSION = "cli.progress.PortalProgress"
JOBDIR_EXTENSION = "crawler.jobdir.JobdirResume"


def add_registry_option(parser) -> None:
    """--registry, with --portals as its old name (existing cron lines keep working)."""
    parser.add_argument("--registry", "--portals", dest="registry", metavar="FILE",
                        help="portal registry (default: the bundled data/portals.yml)")


def add_arguments(parser):
    add_registry_option(parser)
    parser.add_argument("--db", default="data/reports.db", help="archive database (default data/reports.db)")
    parser.add_argument("--portal", action="append", default=[], metavar="ID", help="only this portal (repeatable)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="a Scrapy setting for this run")
    parser.add_argument("--jobdir", metavar="DIR",
                        help="Scrapy JOBDIR: a crawl stopped or killed resumes when started again with the same DIR")
    parser.add_argument("-v", "--verbose", action="store_true", help="Scrapy's INFO log on stderr")


class UsageError(Exception):
    """A problem with what the command was asked to do: one line, exit 2."""


def readable_registry(registry: str | os.PathLike | None) -> Path:
    """The registry's path (default: the bundled one); UsageError when the file cannot be read."""
    from crawler.registry import DEFAULT_REGISTRY

    path = Path(registry) if registry else DEFAULT_REGISTRY
    try:
        path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read the registry {path}: {exc.strerror or exc}") from None
    return path


def check_registry(registry: str | None, only: list[str]) -> None:
    """UsageError unless the registry reads, holds a valid portal, and knows every --portal id."""
    from crawler.registry import load_portals

    path = readable_registry(registry)
    portals, problems = load_portals(path)
    if not portals:
        first = f": {problems[0]}" if problems else ""
        raise UsageError(f"the registry {path} holds no valid portal ({len(problems)} problems{first}; "
                         f"`nianbao portals check --registry {path}` lists them)")
    valid = {p.id for p in portals}
    unknown = [i for i in dict.fromkeys(only) if i not in valid]
    if unknown:
        invalid = {str(p.entry) for p in problems}
        described = [f"{i} (an invalid entry: `nianbao portals check --registry {path}`)" if i in invalid else i
                     for i in unknown]
        raise UsageError(f"no portal {', '.join(described)} in the registry {path}")


def crawl_settings(db: str, portals: str | None, overrides: list[str], verbose: bool = False,
                   jobdir: str | None = None):
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    # The CLI's console (project priority: not recorded as this run's settings, --set still wins).
    settings.set("LOG_LEVEL", "INFO" if verbose else "WARNING", priority="project")
    settings.set("TELNETCONSOLE_ENABLED", False, priority="project")
    extensions = dict(settings.getdict("EXTENSIONS"), **{PROGRESS_EXTENSION: 900})
    settings.set("EXTENSIONS", extensions, priority="project")
    settings.set("NIANBAO_DB", str(Path(db).resolve()), priority="cmdline")
    if jobdir:
        # Resumable after a SIGKILL too: crawler/jobdir.py says what is kept and what the database rebuilds.
        settings.set("JOBDIR", str(Path(jobdir).resolve()), priority="cmdline")
        settings.set("DUPEFILTER_CLASS", "crawler.jobdir.RunDupeFilter", priority="cmdline")
        settings.set("EXTENSIONS", dict(settings.getdict("EXTENSIONS"), **{JOBDIR_EXTENSION: 950}), priority="project")
    if portals:
        settings.set("NIANBAO_PORTALS", str(Path(portals).resolve()), priority="cmdline")
    for pair in overrides:
        name, sep, value = pair.partition("=")
        if not sep:
            raise UsageError(f"--set expects NAME=VALUE, got {pair!r}")
        settings.set(name.strip(), value, priority="cmdline")
    return settings


def run_crawl(db: str, portals: str | None = None, only: list[str] | None = None, overrides: list[str] | None = None,
              verbose: bool = False, jobdir: str | None = None) -> int:
    """Run one crawl in this process (Twisted's reactor runs once per process). Returns an exit code:
    0 finished, 1 did not finish, 2 registry or portal errors, 3 another crawl holds the lock,
    4 the database is corrupt or unreadable."""
    from crawler import run_lock
    from pipelines import store

    try:
        check_registry(portals, only or [])
        settings = crawl_settings(db, portals, overrides or [], verbose, jobdir)
    except UsageError as exc:
        complain(str(exc))
        return EXIT_USAGE
    try:
        run_lock.acquire(db)
    except run_lock.CrawlLocked as exc:
        complain(str(exc))
        return run_lock.EXIT_LOCKED
    try:
        try:
            store.open_db(db).close()
        except store.DatabaseUnreadable as exc:
            complain(str(exc))
            return store.EXIT_DATABASE
        from cli.progress import last_run_id, print_summary, quiet_console

        before = last_run_id(db)
        stats = start_scrapy(settings, only, verbose, quiet_console)
        print_summary(db, before)
        if stats is None:
            complain("the crawl could not start (see the error above)")
            return EXIT_FAILED
        reason = stats.get("finish_reason")
        if reason != "finished":
            complain(f"the crawl did not finish ({reason}); the run is marked interrupted")
            return EXIT_FAILED
        if stats.get("log_count/CRITICAL"):
            complain("the crawl logged a critical error (see above)")
            return EXIT_FAILED
        return EXIT_OK
    finally:
        run_lock.release(db)


def start_scrapy(settings, only: list[str] | None, verbose: bool, quiet_console) -> dict | None:
    """Run the reports spider to its end; its stats, or None when it never started."""
    from scrapy.crawler import CrawlerProcess

    process = CrawlerProcess(settings)  # configures logging: the console is quietened after it
    if not verbose:
        quiet_console()
    crawler = process.create_crawler("reports")
    process.crawl(crawler, portal=",".join(only or []) or None)
    process.start()
    try:
        stats = crawler.stats.get_stats()
    except RuntimeError:  # the crawler never got as far as its stats: it failed to start
        return None
    if process.bootstrap_failed or not stats:
        return None
    return stats


def run(args) -> int:
    return run_crawl(args.db, args.registry, args.portal, args.set, args.verbose, getattr(args, "jobdir", None))
