"""`nianbao` command line: one module per subcommand in cli/commands/."""
from __future__ import annotations

import argparse
import importlib
import sqlite3
import sys

# Each module defines add_arguments(parser) and run(args) -> int, and a one-line HELP.
COMMANDS = ["crawl", "demo", "serve", "parse", "reparse", "portals"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nianbao", description="Archive of 政府信息公开工作年度报告")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        module = importlib.import_module(f"cli.commands.{name}")
        command = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(command)
        command.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from pipelines.store import EXIT_DATABASE, DatabaseUnreadable, is_damage

    try:
        return args.run(args) or 0
    except DatabaseUnreadable as exc:  # one line and its own exit code, not a traceback
        print(f"nianbao: {exc}", file=sys.stderr)
        return EXIT_DATABASE
    except sqlite3.DatabaseError as exc:  # damage found past the header (a malformed page)
        if not is_damage(exc):
            raise
        print(f"nianbao: cannot use the database {getattr(args, 'db', '')}: {exc}", file=sys.stderr)
        return EXIT_DATABASE


if __name__ == "__main__":
    sys.exit(main())
