"""nianbao demo: serve the bundled mock portals on 127.0.0.1, crawl them, then browse in Datasette."""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from cli import EXIT_USAGE, complain

HELP = "crawl the bundled mock portals (served on 127.0.0.1) into SQLite and serve it with Datasette"

DEMO_SETTINGS = ["DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False", "RETRY_TIMES=1", "CONCURRENT_REQUESTS_PER_DOMAIN=2"]


def add_arguments(parser):
    parser.add_argument("--db", default="data/demo.db", help="database to crawl into (default data/demo.db)")
    parser.add_argument("--no-serve", action="store_true", help="stop after the crawl")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--portals-port", type=int, default=18081,
                        help="first port of the mock portals (one port each; fixed so a re-run recrawls the same URLs)")
    parser.add_argument("-v", "--verbose", action="store_true", help="the crawl's Scrapy INFO log on stderr")


def run(args) -> int:
    from crawler.mockportals import MockPortals

    db = Path(args.db).resolve()
    portals = MockPortals(first_port=args.portals_port)
    try:
        portals.start()
    except OSError as exc:
        complain(f"{exc}; pass --portals-port to use other ports")
        return EXIT_USAGE
    try:
        with tempfile.TemporaryDirectory(prefix="nianbao-demo-") as tmp:
            return crawl_and_serve(args, db, portals, Path(tmp))
    finally:
        portals.stop()


def crawl_and_serve(args, db: Path, portals, tmp: Path) -> int:
    registry = portals.write_registry(tmp / "portals.yml")
    print(f"mock portals: {', '.join(f'{n} {s.base_url}' for n, s in portals.sites.items())}")
    # The crawl runs in its own process: Twisted's reactor cannot be restarted in this one. It prints
    # its progress and the run's summary (cli/progress.py), and its own error line when it fails.
    command = [sys.executable, "-m", "cli.main", "crawl", "--registry", str(registry), "--db", str(db)]
    for setting in DEMO_SETTINGS:
        command += ["--set", setting]
    if args.verbose:
        command.append("--verbose")
    code = subprocess.call(command)
    if code != 0:
        complain(f"the demo crawl failed (exit {code})")
        return code
    if args.no_serve:
        return 0
    from cli.commands.serve import serve

    print(f"Datasette: http://{args.host}:{args.port}/  (Ctrl-C to stop; mock portals stay up meanwhile)")
    return serve(db, host=args.host, port=args.port) or 0

