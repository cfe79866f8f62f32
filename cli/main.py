"""`nianbao` command line: one module per subcommand in cli/commands/."""
from __future__ import annotations

import argparse
import importlib
import os
import sqlite3
import sys

from cli import complain

# Each module defines add_arguments(parser) and run(args) -> int, and a one-line HELP.
COMMANDS = ["crawl", "demo", "serve", "parse", "reparse", "portals", "status"]


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
        code = args.run(args) or 0
        sys.stdout.flush()  # inside the try: a reader that went away (`| head`) shows up here
        return code
    except BrokenPipeError:  # the reader of stdout stopped early (`nianbao parse … | head`): quietly done
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's own last flush finds somewhere to write
        return 0
    except DatabaseUnreadable as exc:  # one line and its own exit code, not a traceback
        complain(str(exc))
        return EXIT_DATABASE
    except sqlite3.DatabaseError as exc:  # damage found past the header (a malformed page)
        if not is_damage(exc):
            raise
        complain(f"cannot use the database {getattr(args, 'db', '')}: {exc}")
        return EXIT_DATABASE


if __name__ == "__main__":
    sys.exit(main())
