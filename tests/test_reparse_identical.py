"""A re-parse reads every report exactly as the crawl did: crawl every mock portal, wipe what the
parser and the page reader produced, re-parse offline from the archive, and require the reports,
metrics, checks and attachments tables to come back byte for byte."""
from __future__ import annotations

import sqlite_utils
import pytest

from crawler.mockportals import MockPortals
from tests.crawl_helpers import run_crawl, run_reparse

TABLES = {"reports": "id", "metrics": "report_id, key", "checks": "report_id, rule", "attachments": "id"}
# What a re-parse recomputes; wiped so that it must rebuild every one of them.
WIPED_COLUMNS = ("title", "agency", "agency_source", "region", "report_year", "published", "written", "index_no",
                 "doc_no", "category", "format", "text", "page_meta", "content_hash", "encoding", "parse_status",
                 "parse_errors", "failed_checks")


def snapshot(db_path) -> dict[str, list[tuple]]:
    db = sqlite_utils.Database(db_path)
    tables = {name: [tuple(row) for row in db.execute(f"select * from {name} order by {order}").fetchall()]
              for name, order in TABLES.items()}
    db.close()
    return tables


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    work = tmp_path_factory.mktemp("identical")
    with MockPortals() as portals:
        registry = portals.write_registry(work / "portals.yml")
        run_crawl(registry, work / "reports.db")
    # The portals are gone from here on: a re-parse reads the archive only.
    return work / "reports.db"


def test_dry_run_on_an_unchanged_archive_reports_no_change(crawled):
    before = snapshot(crawled)
    result = run_reparse(crawled, "--dry-run")
    assert result.returncode == 0, result.stderr
    reports = len(before["reports"])
    assert reports >= 50
    summary = result.stdout.strip().splitlines()[-1]
    assert summary.startswith(f"{reports} reports: would change 0 "), result.stdout[-3000:]
    assert f"{reports} unchanged, 0 held back" in summary and "0 unreadable" in summary, summary
    assert len(result.stdout.strip().splitlines()) == 1, "no report may be listed as changed"
    assert snapshot(crawled) == before


def test_reparse_rebuilds_every_table_byte_for_byte(crawled, tmp_path):
    before = snapshot(crawled)
    db = sqlite_utils.Database(crawled)
    with db.conn:
        db.execute("delete from metrics")
        db.execute("delete from checks")
        db.execute(f"update reports set {', '.join(f'{c} = null' for c in WIPED_COLUMNS)}")
    db.close()
    result = run_reparse(crawled)
    assert result.returncode == 0, result.stderr
    assert "held back (would lose data)" not in result.stdout
    after = snapshot(crawled)
    for table in TABLES:
        assert after[table] == before[table], f"{table} differs after a re-parse"
