"""The `nianbao` command line. Exit codes, the same for every command (README, "Commands"):

0 done; 1 the work did not finish or nothing could be read (a crawl that stopped early, `parse`
with no readable report); 2 usage, registry or portal errors (argparse's own code too); 3 another
crawl holds the database's lock; 4 the database is corrupt or unreadable; 5 `status` found a broken portal.
"""
from __future__ import annotations

import sys

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2  # bad options, an unreadable or empty registry, an unknown portal id


def complain(message: str) -> None:
    """One line on stderr, prefixed `nianbao: `: how every command reports an error."""
    print(f"nianbao: {message}", file=sys.stderr, flush=True)
