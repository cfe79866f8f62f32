"""The crawl entry points: `nianbao crawl` options, `scrapy crawl reports`, and the run lock."""
from __future__ import annotations

import fcntl
import subprocess
import sys

import pytest
import sqlite_utils

from crawler.mockportals import MockSite
from tests.crawl_helpers import REPO, run_crawl, write_registry
from tests.test_crawl_incremental import REPORTS, build_site, entry


@pytest.fixture
def two_portals(tmp_path):
    build_site(tmp_path / "portal", REPORTS)
    site = MockSite(tmp_path / "portal").start()
    other = dict(entry(site, "linyi-kjj-copy"), start_urls=[f"{site.base_url}/nb/index.html?copy=1"])
    registry = write_registry(tmp_path / "portals.yml", [entry(site), other])
    yield registry, site
    site.stop()


def test_portal_option_limits_the_crawl(two_portals, tmp_path):
    registry, site = two_portals
    db_path = tmp_path / "one.db"
    run_crawl(registry, db_path, "--portal", "linyi-kjj")
    db = sqlite_utils.Database(db_path)
    assert {r["id"] for r in db.query("select id from portals")} == {"linyi-kjj"}
    assert {r["portal_id"] for r in db.query("select portal_id from reports")} == {"linyi-kjj"}
    run = next(db.query("select settings from crawl_runs"))
    assert '"DOWNLOAD_DELAY": "0"' in run["settings"]  # --set reached Scrapy


def test_scrapy_crawl_command_does_the_same(two_portals, tmp_path):
    registry, site = two_portals
    db_path = tmp_path / "scrapy.db"
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "reports", "-a", f"portals={registry}", "-a", "portal=linyi-kjj",
         "-s", f"NIANBAO_DB={db_path}", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
         "-s", "LOG_LEVEL=WARNING"],
        cwd=REPO, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    db = sqlite_utils.Database(db_path)
    assert db["reports"].count == 2


def test_overlapping_crawl_refused(two_portals, tmp_path):
    registry, _ = two_portals
    db_path = tmp_path / "locked.db"
    with open(tmp_path / "locked.crawl.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = subprocess.run([sys.executable, "-m", "cli.main", "crawl", "--portals", str(registry),
                                 "--db", str(db_path)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 3
    assert "another crawl" in result.stderr
