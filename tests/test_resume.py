"""`nianbao crawl --jobdir DIR` killed with SIGKILL and started again with the same DIR: every
report of the mock portal exactly once, each detail page asked at most twice at the server (once
before the kill, at most once after), the database and the archive consistent, and the killed run
marked interrupted by the resumed one, which finishes.

The kill points are driven by what the crawl has stored (report rows), as in test_kill_safety."""
from __future__ import annotations

import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import sqlite_utils

from crawler.mockportals import FIXTURES, MockSite
from tests.crawl_helpers import FAST_SETTINGS, REPO, expected_for, path_of, write_registry
from tests.test_kill_safety import assert_consistent, count, kill_when

SITE = FIXTURES / "trs"  # PDF attachments, gzip and GBK pages: detail → attachment chains in flight
EXPECTED = sorted(expected_for(SITE)["reports"])


@pytest.fixture(scope="module")
def portal():
    site = MockSite(SITE).start()
    yield site
    site.stop()


def crawl_command(registry: Path, db_path: Path, jobdir: Path) -> list[str]:
    command = [sys.executable, "-m", "cli.main", "crawl", "--portals", str(registry), "--db", str(db_path),
               "--jobdir", str(jobdir)]
    for setting in FAST_SETTINGS:
        command += ["--set", setting]
    return command


def crawl(registry: Path, db_path: Path, jobdir: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([*crawl_command(registry, db_path, jobdir), *extra], cwd=REPO, capture_output=True,
                          text=True, timeout=120)


def stop_cleanly(registry: Path, db_path: Path, jobdir: Path) -> None:
    """A crawl stopped by a close-spider limit, as Ctrl-C stops it: Scrapy writes its queues on close."""
    stopped = crawl(registry, db_path, jobdir, "--set", "CLOSESPIDER_ITEMCOUNT=2")
    assert stopped.returncode == 1, stopped.stderr[-3000:]
    assert (jobdir / "requests.queue" / "active.json").exists() and not (jobdir / "nianbao.running").exists()
    assert count(db_path, "reports") < len(EXPECTED), "nothing left to resume"


def resume(portal, registry: Path, db_path: Path, jobdir: Path) -> tuple[Counter, str]:
    """The same crawl started again: every expected report exactly once, database and archive consistent,
    the stopped run interrupted and this one finished. The GET requests it made, and its stderr."""
    portal.reset_log()
    resumed = crawl(registry, db_path, jobdir)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert_consistent(db_path)  # integrity_check ok, every recorded WARC offset readable with its digest
    db = sqlite_utils.Database(db_path)
    urls = [r["url"] for r in db.query("select url from reports")]
    assert len(urls) == len(set(urls))  # none twice
    assert sorted(path_of(u) for u in urls) == EXPECTED  # none lost
    assert [r["status"] for r in db.query("select status from crawl_runs order by id")] == ["interrupted", "finished"]
    db.close()
    assert not (jobdir / "nianbao.running").exists()
    return Counter(portal.requested("GET")), resumed.stderr


KILL_POINTS = {
    "first_reports": lambda db: count(db, "reports") >= 1,  # the first report stored
    "mid": lambda db: count(db, "reports") >= len(EXPECTED) // 2,  # half of them stored
}


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_sigkilled_jobdir_crawl_resumes_exactly_once(point, portal, tmp_path):
    registry = write_registry(tmp_path / "portals.yml", portal.portal_entries())
    db_path, jobdir = tmp_path / "reports.db", tmp_path / "job"
    portal.reset_log()
    process = subprocess.Popen(crawl_command(registry, db_path, jobdir), cwd=REPO, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, start_new_session=True)
    assert kill_when(process, lambda: KILL_POINTS[point](db_path)), "the crawl ended before the kill point"
    assert process.returncode == -signal.SIGKILL
    assert (jobdir / "nianbao.running").exists()  # the JOBDIR knows its last run never closed
    stored_before = count(db_path, "reports")
    assert 0 < stored_before < len(EXPECTED), "nothing left to resume: the kill point tests nothing"
    before = Counter(portal.requested("GET"))

    after, _ = resume(portal, registry, db_path, jobdir)
    for path in EXPECTED:  # asked once before the kill at most, once after at most
        assert before[path] <= 1 and after[path] <= 1, (path, before[path], after[path])
    # a report stored before the kill is not fetched again
    assert sum(after[path] for path in EXPECTED) <= len(EXPECTED) - stored_before


def test_cleanly_stopped_jobdir_crawl_resumes_from_its_queues(portal, tmp_path):
    """Stopped cleanly, the JOBDIR keeps Scrapy's queues: the resumed run takes the queued requests,
    reads the list pages again and asks no detail page twice."""
    registry = write_registry(tmp_path / "portals.yml", portal.portal_entries())
    db_path, jobdir = tmp_path / "reports.db", tmp_path / "job"
    portal.reset_log()
    stop_cleanly(registry, db_path, jobdir)
    before = Counter(portal.requested("GET"))

    after, _ = resume(portal, registry, db_path, jobdir)
    for path in EXPECTED:
        assert before[path] <= 1 and after[path] <= 1 and before[path] + after[path] >= 1, path
    # the list pages were read again, and the entries waiting in the queues were not taken for a vanished column
    assert after["/zwgk/zfxxgknb/index.html"] == 1
    assert not list(sqlite_utils.Database(db_path).query("select url from fetch_errors where kind = 'empty_column'"))


def test_stale_queues_after_a_kill_are_rebuilt_from_the_lists(portal, tmp_path):
    """A run killed after the list pages were read, with its queues stale: the resumed run discards the
    queues and must read every list page again (Scrapy's persisted dupefilter, `requests.seen`, would
    hide them; crawler.jobdir.RunDupeFilter keeps none)."""
    registry = write_registry(tmp_path / "portals.yml", portal.portal_entries())
    db_path, jobdir = tmp_path / "reports.db", tmp_path / "job"
    stop_cleanly(registry, db_path, jobdir)
    (jobdir / "nianbao.running").write_text("1\n")  # as a run killed later would leave it
    _, stderr = resume(portal, registry, db_path, jobdir)
    assert "did not close (killed?)" in stderr  # the stale queues were discarded
