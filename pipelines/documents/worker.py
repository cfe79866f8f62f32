"""The extraction child: reads pickle((kind, data, limits)) on stdin, writes the pickled result
(Extracted or (status, message)) on stdout. Started by isolate.run_isolated."""
from __future__ import annotations

import pickle
import sys


def main() -> int:
    kind, data, limits = pickle.loads(sys.stdin.buffer.read())
    if limits.memory_mb:
        import resource

        cap = limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    from pipelines.documents.extractors import run_extractor

    try:
        result = run_extractor(kind, data, limits)
    except MemoryError:
        result = ("oversize", f"extraction needed more than the {limits.memory_mb} MB memory cap")
    except BaseException as exc:  # the parent must always get an answer
        result = ("error", f"extractor crashed: {type(exc).__name__}: {exc}")
    sys.stdout.buffer.write(pickle.dumps(result))
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
