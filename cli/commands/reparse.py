"""nianbao reparse: re-read every archived report through the crawl's reading path (no network),
show what would change, and apply it - except changes that would drop numbers the stored parse
had, which are listed and applied only with --accept-losses."""
from __future__ import annotations

import sys
from pathlib import Path

HELP = "re-parse archived reports from the raw WARC archive (no network); --dry-run shows the changes only"
SHOWN_KEYS = 6  # keys listed per report and kind of change; the rest are counted


def add_arguments(parser):
    parser.add_argument("--db", default="data/reports.db", help="archive database (default data/reports.db)")
    parser.add_argument("--archive", help="archive directory (default: <db dir>/archive)")
    parser.add_argument("--report", action="append", default=[], metavar="ID", help="only this report id (repeatable)")
    parser.add_argument("--dry-run", action="store_true", help="print what would change, write nothing")
    parser.add_argument("--accept-losses", action="store_true",
                        help="also apply re-parses that drop metrics the stored parse had")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def _keys(values: dict) -> str:
    keys = sorted(values)
    more = f" (+{len(keys) - SHOWN_KEYS} more)" if len(keys) > SHOWN_KEYS else ""
    return ", ".join(keys[:SHOWN_KEYS]) + more


def _number(value) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def describe(change) -> str:
    """One report's change on one line: what a reviewer needs to decide."""
    if change.parse_failed:
        return f"{change.report_id} {change.url}: the new parse reads nothing; the stored parse is kept"
    parts = []
    if change.metrics_added:
        parts.append(f"+{len(change.metrics_added)} metrics [{_keys(change.metrics_added)}]")
    if change.metrics_removed:
        parts.append(f"-{len(change.metrics_removed)} metrics [{_keys(change.metrics_removed)}]")
    if change.metrics_changed:
        shown = ", ".join(f"{k} {_number(old)}->{_number(new)}" for k, (old, new) in sorted(change.metrics_changed.items())[:SHOWN_KEYS])
        parts.append(f"~{len(change.metrics_changed)} metrics [{shown}]")
    if change.checks_changed:
        parts.append(f"~{len(change.checks_changed)} checks [{_keys(change.checks_changed)}]")
    if change.fields_changed:
        parts.append(f"~fields [{_keys(change.fields_changed)}]")
    return f"{change.report_id} {change.url}: " + "; ".join(parts)


def run(args) -> int:
    from tqdm import tqdm

    from pipelines import reparse, store
    from pipelines.archive import archive_dir_for

    db = store.open_db(args.db)
    archive_dir = Path(args.archive) if args.archive else archive_dir_for(args.db)
    where, params = "warc_file is not null", []
    if args.report:
        where += f" and id in ({', '.join('?' for _ in args.report)})"
        params = list(args.report)
    reports = list(db.query(f"select * from reports where {where} order by id", params))
    totals = dict(changed=0, unchanged=0, held=0, unreadable=0, added=0, removed=0, metrics_changed=0,
                  checks=0, fields=0)
    held_back = []
    for report in tqdm(reports, desc="reparse", unit="report", disable=args.quiet, file=sys.stderr):
        try:
            fresh = reparse.reread(db, archive_dir, report)
        except Exception as exc:  # unreadable archive record: keep what is stored
            totals["unreadable"] += 1
            print(f"{report['id']} {report['url']}: cannot re-read the archive: {exc}", file=sys.stderr)
            continue
        change = reparse.compare(db, report, fresh)
        if change.empty:
            totals["unchanged"] += 1
            continue
        if change.loses_data and not (args.accept_losses and not change.parse_failed):
            totals["held"] += 1
            held_back.append(change)
            continue
        totals["changed"] += 1
        totals["added"] += len(change.metrics_added)
        totals["removed"] += len(change.metrics_removed)
        totals["metrics_changed"] += len(change.metrics_changed)
        totals["checks"] += len(change.checks_changed)
        totals["fields"] += len(change.fields_changed)
        print(("would change " if args.dry_run else "changed ") + describe(change))
        if not args.dry_run:
            reparse.apply(db, fresh)
    for change in held_back:
        print("held back (would lose data) " + describe(change))
    verb = "would change" if args.dry_run else "changed"
    print(f"{len(reports)} reports: {verb} {totals['changed']} ({totals['added']} metrics added, "
          f"{totals['removed']} removed, {totals['metrics_changed']} changed; {totals['checks']} checks and "
          f"{totals['fields']} fields changed), {totals['unchanged']} unchanged, {totals['held']} held back "
          f"(would lose data; --accept-losses applies those that still parse), "
          f"{totals['unreadable']} unreadable from the archive")
    db.close()
    return 0 if totals["unreadable"] == 0 else 1
