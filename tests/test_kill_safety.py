"""SIGKILL at any point of a crawl or of `nianbao reparse` loses nothing: the database passes its
integrity check, every WARC offset it records is readable with a matching digest, the killed run
is marked interrupted by the next crawl, and that crawl ends with every report exactly once.

The kill points are driven by what the crawl has written (archive records, report rows), not by
sleeps alone, so they land early, mid and late whatever the machine's speed."""
from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlite_utils
from warcio.archiveiterator import ArchiveIterator

from crawler.mockportals import FIXTURES, MockSite
from pipelines.archive import archive_dir_for, payload_digest, read_record
from tests.crawl_helpers import FAST_SETTINGS, REPO, expected_for, path_of, run_crawl, write_registry

SITE = FIXTURES / "trs"  # reports with PDF attachments, gzip and GBK pages: every kind of record


@pytest.fixture(scope="module")
def portal():
    site = MockSite(SITE).start()
    yield site
    site.stop()


@pytest.fixture(scope="module")
def baseline(portal, tmp_path_factory):
    """An uninterrupted crawl: what every killed-and-resumed crawl must end up with."""
    tmp = tmp_path_factory.mktemp("baseline")
    registry = write_registry(tmp / "portals.yml", portal.portal_entries())
    db_path = tmp / "reports.db"
    run_crawl(registry, db_path)
    return {"registry": registry, "db": db_path, "counts": table_counts(db_path),
            "archive_records": count(db_path, "archive_records")}


def count(db_path: Path, table: str, where: str = "1") -> int:
    """Rows of a table, read while another process may be writing (WAL); 0 before it exists."""
    if not db_path.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute(f"select count(*) from [{table}] where {where}").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.OperationalError:  # not created yet
        return 0


def table_counts(db_path: Path) -> dict[str, int]:
    return {t: count(db_path, t) for t in ("reports", "attachments", "metrics", "checks", "report_versions")}


def start_crawl(registry: Path, db_path: Path, *settings: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "cli.main", "crawl", "--portals", str(registry), "--db", str(db_path)]
    for setting in (*FAST_SETTINGS, *settings):
        command += ["--set", setting]
    # Its own process group: the kill takes the crawl and its document workers together.
    return subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)


def kill_when(process: subprocess.Popen, reached, timeout: float = 60) -> bool:
    """SIGKILL the process group as soon as reached() is true; False if the process ended first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        if reached():
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
            return True
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    raise AssertionError("kill point never reached")


def assert_consistent(db_path: Path) -> None:
    """Integrity check ok; every recorded WARC offset holds a whole record with the recorded digest."""
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    archive = archive_dir_for(db_path)
    db = sqlite_utils.Database(db_path)
    for row in db.query("select * from archive_records"):
        with open(archive / row["warc_file"], "rb") as handle:
            handle.seek(row["offset"])
            record = next(iter(ArchiveIterator(handle)))
            assert record.rec_headers.get_header("WARC-Payload-Digest") == row["payload_digest"]
            assert payload_digest(record.raw_stream.read()) == row["payload_digest"]
            assert record.rec_headers.get_header("WARC-Target-URI") == row["url"]
    for table in ("reports", "attachments"):
        for row in db.query(f"select url, warc_file, warc_offset from {table} where warc_file is not null"):
            read_record(archive, row["warc_file"], row["warc_offset"])  # raises on a damaged or missing record
    db.close()


def assert_complete(db_path: Path, baseline: dict) -> None:
    db = sqlite_utils.Database(db_path)
    urls = [r["url"] for r in db.query("select url from reports")]
    assert len(urls) == len(set(urls))
    assert sorted(path_of(u) for u in urls) == sorted(expected_for(SITE)["reports"])
    assert table_counts(db_path) == baseline["counts"]  # no row lost, none doubled
    db.close()


KILL_POINTS = {
    # early: the first record is in the archive, no report stored yet
    "early": lambda db, base: count(db, "archive_records") >= 1,
    # mid: half the reports stored
    "mid": lambda db, base: count(db, "reports") >= base["counts"]["reports"] // 2,
    # late: all but the last archive record written
    "late": lambda db, base: count(db, "archive_records") >= base["archive_records"] - 1,
}


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_sigkill_during_crawl_loses_nothing(point, portal, baseline, tmp_path):
    db_path = tmp_path / "reports.db"
    process = start_crawl(baseline["registry"], db_path)
    assert kill_when(process, lambda: KILL_POINTS[point](db_path, baseline)), "the crawl ended before the kill point"
    assert process.returncode == -signal.SIGKILL
    assert_consistent(db_path)
    killed = [dict(r) for r in sqlite_utils.Database(db_path).query("select id, status from crawl_runs")]
    assert killed and killed[-1]["status"] == "running"  # nothing could mark it: it was killed

    run_crawl(baseline["registry"], db_path)
    assert_consistent(db_path)
    assert_complete(db_path, baseline)
    runs = {r["id"]: r["status"] for r in sqlite_utils.Database(db_path).query("select id, status from crawl_runs")}
    assert runs[killed[-1]["id"]] == "interrupted"
    assert list(runs.values())[-1] == "finished"


def test_sigkill_during_reparse_loses_nothing(baseline, tmp_path):
    db_path = tmp_path / "reports.db"
    source = sqlite3.connect(baseline["db"])
    target = sqlite3.connect(db_path)
    source.backup(target)
    source.close()
    target.close()
    shutil.copytree(archive_dir_for(baseline["db"]), archive_dir_for(db_path))
    before = table_counts(db_path)
    wal = db_path.with_name(db_path.name + "-wal")
    start_size = wal.stat().st_size if wal.exists() else 0

    def writing() -> bool:  # reparse has committed at least one report's new parse
        return wal.exists() and wal.stat().st_size > start_size

    process = subprocess.Popen([sys.executable, "-m", "cli.main", "reparse", "--db", str(db_path), "--quiet"],
                               cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    killed = kill_when(process, writing)
    assert_consistent(db_path)
    assert table_counts(db_path) == before  # each report's parse is replaced whole or not at all
    result = subprocess.run([sys.executable, "-m", "cli.main", "reparse", "--db", str(db_path), "--quiet"],
                            cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert_consistent(db_path)
    assert table_counts(db_path) == before
    assert killed, "reparse ended before it wrote anything: nothing was tested"
