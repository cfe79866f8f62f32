"""nianbao portals: check the registry, draft a new entry from a URL, print coverage."""
from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from cli import EXIT_USAGE, complain
from crawler import portal_check
from pipelines.encoding import detect_encoding
from crawler.registry import DEFAULT_REGISTRY, load_portals

REGISTRY_HELP = "portal registry (default: the bundled data/portals.yml)"
HELP = "check the portal registry (offline or --live), draft an entry from a URL (add), print coverage"


def add_arguments(parser):
    actions = parser.add_subparsers(dest="action", required=True)
    check = actions.add_parser("check", help="validate data/portals.yml: schema, regions, URL shapes, evidence")
    check.add_argument("--registry", type=Path, default=DEFAULT_REGISTRY, metavar="FILE", help=REGISTRY_HELP)
    check.add_argument("--live", action="store_true", help="also fetch each start URL once (needs network)")
    check.add_argument("--timeout", type=float, default=10.0)
    add = actions.add_parser("add", help="print a draft registry entry for a column or report URL")
    add.add_argument("url")
    add.add_argument("--html", type=Path, help="a saved copy of the page, to read its markup and publisher")
    add.add_argument("--fetch", action="store_true", help="fetch the page live instead of --html")
    add.add_argument("--agency", help="the publishing agency's name, e.g. 同江市科学技术局 (settles the region)")
    add.add_argument("--registry", type=Path, default=DEFAULT_REGISTRY, metavar="FILE", help=REGISTRY_HELP)
    coverage = actions.add_parser("coverage", help="print the coverage table (Markdown)")
    coverage.add_argument("--registry", type=Path, default=DEFAULT_REGISTRY, metavar="FILE", help=REGISTRY_HELP)
    coverage.add_argument("--output", type=Path, help="write the table to this file as well")


def run(args) -> int:
    from cli.commands.crawl import UsageError, readable_registry

    if args.action in ("check", "coverage"):
        try:
            readable_registry(args.registry)
        except UsageError as exc:
            complain(str(exc))
            return EXIT_USAGE
    return {"check": run_check, "add": run_add, "coverage": run_coverage}[args.action](args)


def run_check(args) -> int:
    portals, problems = portal_check.check_registry(args.registry)
    for problem in problems:
        print(problem)
    print(f"{len(portals)} entries, {len(problems)} problems", file=sys.stderr)
    failed = bool(problems)
    if args.live:
        results = portal_check.live_check(portals, args.timeout)
        for result in results:
            verdict = "ok" if result.ok else "FAIL"
            print(f"live {verdict} {result.portal_id}: {result.url} status={result.status} markup={result.family_seen or '-'}")
        answered = sum(r.ok for r in results)
        print(f"live: {answered} of {len(results)} start URLs answer with their family's markup", file=sys.stderr)
        failed = failed or answered < len(results)
    return 1 if failed else 0


def run_add(args) -> int:
    html = None
    if args.html:
        raw = args.html.read_bytes()
        html = raw.decode(detect_encoding(raw), errors="replace")
    elif args.fetch:
        status, html = portal_check.fetch(args.url)
        if status != 200:
            print(f"fetch {args.url}: {status}; guessing from the URL alone", file=sys.stderr)
            html = None
    known, _ = load_portals(args.registry, known_families=set(portal_check.FAMILIES)) if args.registry.exists() else ([], [])
    entry = portal_check.draft_entry(args.url, html=html, agency=args.agency, known=known)
    taken = {p.id for p in known}
    if entry["id"] in taken:
        entry["notes"] += f"; id {entry['id']} already in the registry"
    if any(urlsplit(entry["start_urls"][0]).geturl() in p.start_urls for p in known):
        entry["notes"] += "; this column is already registered"
    print(yaml.safe_dump([entry], allow_unicode=True, sort_keys=False, width=200), end="")
    return 0


def run_coverage(args) -> int:
    portals, problems = load_portals(args.registry, known_families=set(portal_check.FAMILIES))
    table = portal_check.coverage_markdown(portals)
    print(table, end="")
    if args.output:
        args.output.write_text(table, encoding="utf-8")
    if problems:
        print(f"{len(problems)} registry problems: run `nianbao portals check`", file=sys.stderr)
    return 0
