"""python -m tests.golden regen [SITE ...]   rewrite the golden files (all sites by default)
python -m tests.golden check [SITE ...]   say which golden files differ from what the portals give"""
from __future__ import annotations

import argparse
import sys

from tests.golden import dumps, golden_path, load, read_site, site_roots, write, counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.golden", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["regen", "check"])
    parser.add_argument("sites", nargs="*", help="site names under tests/fixtures/ (default: every mock portal)")
    args = parser.parse_args(argv)
    roots = site_roots()
    unknown = [s for s in args.sites if s not in roots]
    if unknown:
        parser.error(f"not a mock portal site: {', '.join(unknown)} (known: {', '.join(roots)})")
    status = 0
    for name in args.sites or list(roots):
        record = read_site(roots[name])
        summary = ", ".join(f"{k} {v}" for k, v in counts(record).items())
        if args.command == "regen":
            unchanged = load(name) == record
            write(name, record)
            print(f"{golden_path(name)}: {'unchanged' if unchanged else 'written'} ({summary})")
        else:
            stored = load(name)
            verdict = "missing" if stored is None else ("ok" if stored == record else "differs")
            status |= verdict != "ok"
            print(f"{golden_path(name)}: {verdict} ({summary})")
    if args.command == "regen":
        print("Review the change: git diff -- tests/golden/")
    return status


if __name__ == "__main__":
    sys.exit(main())
