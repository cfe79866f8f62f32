"""Helpers for tests that crawl mock portals for real: a Scrapy process per crawl (the reactor
runs once per process), over HTTP on 127.0.0.1."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import sqlite_utils
import yaml

REPO = Path(__file__).resolve().parents[1]
FAST_SETTINGS = ["DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False", "RETRY_TIMES=1", "LOG_LEVEL=WARNING",
                 "DOWNLOAD_TIMEOUT=20"]


def run_crawl(registry: Path, db: Path, *extra: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "cli.main", "crawl", "--portals", str(registry), "--db", str(db)]
    for setting in FAST_SETTINGS:
        command += ["--set", setting]
    command += list(extra)
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, f"crawl failed ({result.returncode}):\n{result.stdout}\n{result.stderr[-4000:]}"
    return result


def run_reparse(db: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli.main", "reparse", "--db", str(db), "--quiet", *extra],
                          cwd=REPO, capture_output=True, text=True, timeout=300)


def write_registry(path: Path, entries: list[dict]) -> Path:
    path.write_text(yaml.safe_dump({"portals": entries}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def snapshot(db_path: Path) -> dict[str, list[dict]]:
    """Every row of the archive tables a recrawl must leave alone."""
    db = sqlite_utils.Database(db_path)
    tables = {}
    for table in ("reports", "report_versions", "attachments", "metrics", "checks", "archive_records"):
        tables[table] = [dict(r) for r in db.query(f"select * from [{table}] order by rowid")] if db[table].exists() else []
    db.close()
    return tables


def expected_for(site_root: Path) -> dict:
    return json.loads((site_root / "expected.json").read_text(encoding="utf-8"))
