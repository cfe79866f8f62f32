"""`nianbao status`: recent runs, broken portals with their last good run, reports expected but missing.

Two real crawls of two mock portals: between them one portal's list page is emptied, so its second run
records empty_column. Missing reports are built with store.save_report rows and an injected today.
"""
from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest
import sqlite_utils

from crawler.mockportals import MockSite
from pipelines import status as health
from pipelines import store
from tests.crawl_helpers import REPO, run_crawl, write_registry
from tests.test_crawl_incremental import LIST_PAGE, REPORTS, build_site, entry


def run_status(db_path, *extra) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli.main", "status", "--db", str(db_path), *extra],
                          cwd=REPO, capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """Run #1: both portals good. Run #2: broken-col's list page lists nothing."""
    root = tmp_path_factory.mktemp("status")
    build_site(root / "good", REPORTS)
    build_site(root / "breaks", {"2021.html": ("临沂市财政局2021年政府信息公开工作年度报告", "2022-01-25",
                                               "2021年，本机关主动公开政府信息88条。")})
    good, breaks = MockSite(root / "good").start(), MockSite(root / "breaks").start()
    try:
        registry = write_registry(root / "portals.yml", [entry(good), entry(breaks, "broken-col")])
        db_path = root / "reports.db"
        run_crawl(registry, db_path)
        first = run_status(db_path, "--today", "2022-02-01")
        (root / "breaks" / "site" / "nb" / "index.html").write_text(LIST_PAGE.format(rows=""), encoding="utf-8")
        run_crawl(registry, db_path)
        second = run_status(db_path, "--today", "2023-03-01")
    finally:
        good.stop()
        breaks.stop()
    return db_path, first, second


def test_all_good_after_first_run_exits_0(crawled):
    _db, first, _second = crawled
    assert first.returncode == 0, first.stderr
    assert "#1" in first.stdout and "finished" in first.stdout
    assert "0 broken" in first.stdout and "Broken portals" not in first.stdout
    assert "Scrapy" not in first.stdout + first.stderr and first.stderr == ""


def test_broken_portal_shown_with_last_good_run_and_exit_5(crawled):
    _db, _first, second = crawled
    assert second.returncode == health.EXIT_BROKEN == 5, second.stderr
    out = second.stdout
    lines = out.splitlines()
    runs = [line.split() for line in lines if line.strip().startswith("#")]
    assert [r[0] for r in runs] == ["#2", "#1"]  # newest first
    assert "empty_column 1" in next(line for line in lines if line.strip().startswith("#2"))
    assert "1 broken" in out
    broken = next(line for line in lines if line.strip().startswith("broken-col"))
    assert "last run #2 (empty_column)" in broken and "last good run #1" in broken and "1 reports archived" in broken
    assert not any(line.strip().startswith("linyi-kjj") and "last good run" in line for line in lines)


def test_portal_health_view(crawled):
    db = sqlite_utils.Database(crawled[0])
    rows = {r["portal_id"]: r for r in db.query("select * from portal_health")}
    assert rows["broken-col"]["status"] == "broken"
    assert rows["broken-col"]["last_run_id"] == 2 and rows["broken-col"]["last_good_run_id"] == 1
    assert rows["linyi-kjj"]["status"] == "ok" and rows["linyi-kjj"]["last_good_run_id"] == 2
    assert rows["linyi-kjj"]["reports_found"] == 2
    runs = health.recent_runs(db)
    assert [r.id for r in runs] == [2, 1] and runs[0].errors_by_kind == {"empty_column": 1}
    assert runs[1].reports_new == 3 and runs[0].duration_seconds is not None


def test_crawled_reports_missing_after_their_usual_month(crawled):
    """Both portals published their 2021 report in January 2022 and nothing for 2022: missing from March 2023."""
    _db, _first, second = crawled
    assert "Reports expected but missing (2): no 2022 report yet where 2021 had one" in second.stdout
    db = sqlite_utils.Database(crawled[0])
    assert health.expected_missing(db, date(2023, 2, 28)) == []  # still within January + one month
    assert {m["portal_id"] for m in health.expected_missing(db, date(2023, 3, 1))} == {"linyi-kjj", "broken-col"}


def _report(portal_id: str, year: int, published: str) -> dict:
    url = f"http://127.0.0.1:9/{portal_id}/{year}.html"
    return {"id": store.stable_id(url), "url": url, "portal_id": portal_id, "title": f"{year}年政府信息公开工作年度报告",
            "report_year": year, "published": published, "content_hash": store.content_hash(url)}


def test_expected_missing_from_saved_reports(tmp_path):
    db = store.open_db(tmp_path / "reports.db")
    store.upsert_portals(db, [{"id": pid, "name": pid} for pid in ("march", "done", "new", "undated")])
    for portal_id, year, published in [("march", 2023, "2024-03-05"), ("march", 2024, "2025-03-10"),
                                       ("march", 2022, "2023-01-30"),  # one January report: March stays usual
                                       ("done", 2024, "2025-01-10"), ("done", 2025, "2026-01-12"),
                                       ("new", 2025, "2026-01-20"),  # no 2024 report: nothing expected from it
                                       ("undated", 2024, None)]:
        assert store.save_report(db, _report(portal_id, year, published), [], None) == "new"
    on_time = health.expected_missing(db, date(2026, 4, 30))  # march's deadline: end of April 2026
    assert [m["portal_id"] for m in on_time] == ["undated"]  # undated: January + 1 month = end of February
    late = {m["portal_id"]: m for m in health.expected_missing(db, date(2026, 5, 1))}
    assert set(late) == {"march", "undated"}
    assert late["march"]["usual_month"] == 3 and late["march"]["expected_by"] == "2026-04-30"
    assert late["march"]["report_year"] == 2025 and late["march"]["previous_published"] == "2025-03-10"
    assert late["undated"]["usual_month"] == 1 and late["undated"]["dated_reports"] == 0
    assert health.expected_missing(db, date(2026, 2, 28)) == []
    list(db.query("select * from reports_expected_missing"))  # the view (date('now')) runs
    state = health.collect(db, today=date(2026, 5, 1))
    assert state.runs == [] and not state.broken and health.exit_code(state) == 0
    db.close()


def test_missing_database_is_a_usage_error(tmp_path):
    result = run_status(tmp_path / "none.db")
    assert result.returncode == 2 and result.stderr.startswith("nianbao: no database at")
    assert not (tmp_path / "none.db").exists()
