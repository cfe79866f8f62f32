"""Crawl benchmark (not a test): a first and a second (incremental) crawl of every mock portal.

    .venv/bin/python bench/bench_crawl.py [--rounds N]

Prints wall time, requests and reports per crawl, and the second crawl's cost as a ratio of the first.
"""
from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from crawler.mockportals import MockPortals  # noqa: E402

SETTINGS = ["DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False", "RETRY_TIMES=1", "LOG_LEVEL=ERROR"]


def crawl(registry: Path, db: Path) -> float:
    command = [sys.executable, "-m", "cli.main", "crawl", "--portals", str(registry), "--db", str(db)]
    for setting in SETTINGS:
        command += ["--set", setting]
    started = time.perf_counter()
    subprocess.run(command, cwd=REPO, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rows = []
    with MockPortals() as portals, tempfile.TemporaryDirectory() as tmp:
        registry = portals.write_registry(Path(tmp) / "portals.yml")
        for round_number in range(args.rounds):
            db = Path(tmp) / f"bench{round_number}.db"
            first = crawl(registry, db)
            second = crawl(registry, db)
            connection = sqlite3.connect(db)
            runs = connection.execute("select requests, detail_pages, reports_new from crawl_runs order by id").fetchall()
            reports = connection.execute("select count(*) from reports").fetchone()[0]
            connection.close()
            rows.append((first, second, runs, reports))
    print(f"{'round':>5} {'first s':>8} {'second s':>9} {'req 1st':>8} {'req 2nd':>8} {'details 1st':>11} {'details 2nd':>11} {'reports':>7}")
    for number, (first, second, runs, reports) in enumerate(rows, start=1):
        print(f"{number:>5} {first:8.2f} {second:9.2f} {runs[0][0]:>8} {runs[1][0]:>8} {runs[0][1]:>11} {runs[1][1]:>11} {reports:>7}")
    mean_first = sum(r[0] for r in rows) / len(rows)
    mean_second = sum(r[1] for r in rows) / len(rows)
    requests_ratio = rows[0][2][1][0] / rows[0][2][0][0]
    print(f"second/first: time {mean_second / mean_first:.2f}, requests {requests_ratio:.2f}")


if __name__ == "__main__":
    main()
