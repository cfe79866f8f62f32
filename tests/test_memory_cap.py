"""The crawler's memory cap holds: past MEMUSAGE_LIMIT_MB the crawl stops cleanly, says so with a
non-zero exit code, marks the run interrupted, and keeps the database whole."""
from __future__ import annotations

import subprocess
import sys

import sqlite_utils

from crawler.mockportals import MockPortals
from tests.crawl_helpers import FAST_SETTINGS, REPO


def test_a_crawl_over_its_memory_cap_stops_and_is_marked_interrupted(tmp_path):
    db_path = tmp_path / "reports.db"
    with MockPortals(["trs"]) as portals:
        registry = portals.write_registry(tmp_path / "portals.yml")
        command = [sys.executable, "-m", "cli.main", "crawl", "--portals", str(registry), "--db", str(db_path)]
        # Any Python process is over 1 MB: the first check stops the crawl.
        for setting in [*FAST_SETTINGS, "MEMUSAGE_LIMIT_MB=1", "MEMUSAGE_CHECK_INTERVAL_SECONDS=0.2"]:
            command += ["--set", setting]
        result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0, result.stdout[-2000:]
    db = sqlite_utils.Database(db_path)
    assert [row["status"] for row in db.query("select status from crawl_runs")] == ["interrupted"]
    assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
