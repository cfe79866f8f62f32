"""nianbao status: the archive's health in plain text (recent runs, broken portals, reports expected but missing).

The logic is pipelines/status.py; this module only prints. Exit 0, or 5 when a portal is broken.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

from cli import EXIT_USAGE, complain

HELP = "show recent crawl runs, broken portals with their last good run, and annual reports expected but missing"


def add_arguments(parser):
    parser.add_argument("--db", default="data/reports.db", help="archive database (default data/reports.db)")
    parser.add_argument("--runs", type=int, default=5, metavar="N", help="how many recent runs to list (default 5)")
    parser.add_argument("--today", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD",
                        help="the day to judge missing reports against (default: today)")


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows)]
    return ["  " + "  ".join(str(c).ljust(w) for c, w in zip(line, widths)).rstrip() for line in [header, *rows]]


def run(args) -> int:
    from pipelines import status as health
    from pipelines.store import open_db

    if not Path(args.db).exists():
        complain(f"no database at {args.db} (run `nianbao crawl --db {args.db}` first)")
        return EXIT_USAGE
    db = open_db(args.db)
    try:
        state = health.collect(db, today=args.today, runs=max(args.runs, 0))
    finally:
        db.close()

    print(f"Database {args.db}, {state.today.isoformat()}")
    print()
    if state.runs:
        print(f"Last {len(state.runs)} crawl runs (newest first):")
        rows = [[f"#{r.id}", (r.started or "-").replace("T", " ")[:19], _duration(r.duration_seconds), r.status or "-",
                 str(r.requests), str(r.reports_new), str(r.reports_updated), str(r.reports_unchanged),
                 f"{r.errors}" + (" (" + ", ".join(f"{k} {n}" for k, n in r.errors_by_kind.items()) + ")"
                                  if r.errors_by_kind else "")]
                for r in state.runs]
        for line in _table(["run", "started (UTC)", "duration", "status", "requests", "new", "changed", "unchanged",
                            "errors"], rows):
            print(line)
    else:
        print("No crawl runs yet.")
    print()
    crawled = len(state.portals) - state.count("not_crawled")
    print(f"Portals: {len(state.portals)} in the database, {crawled} crawled; {state.count('broken')} broken, "
          f"{state.count('errors')} with errors in their last run, {state.count('ok')} ok")
    if state.broken:
        print("Broken portals (their last run listed no annual report: empty_column):")
        for p in state.broken:
            good = (f"last good run #{p['last_good_run_id']} ({(p['last_good_run_started'] or '-')[:10]})"
                    if p["last_good_run_id"] is not None else "never crawled successfully")
            print(f"  {p['portal_id']} {p['name'] or ''}: last run #{p['last_run_id']} "
                  f"({p['last_run_error_kinds']}); {good}; {p['reports_found']} reports archived")
    print()
    if state.missing:
        year = state.missing[0]["report_year"]
        print(f"Reports expected but missing ({len(state.missing)}): no {year} report yet where {year - 1} had one")
        for m in state.missing:
            print(f"  {m['portal_id']} {m['name'] or ''}: {m['previous_year']} report published "
                  f"{m['previous_published'] or '-'}; usually published in month {m['usual_month']}, "
                  f"expected by {m['expected_by']}")
    else:
        print("Reports expected but missing: none")
    return health.exit_code(state)
