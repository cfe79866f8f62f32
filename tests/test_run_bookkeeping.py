"""Run bookkeeping: killed runs are marked interrupted by the next crawl (and only by one holding
the crawl lock), both entry points refuse to run beside a live crawl, and an unusable database is
one line and exit code 4 instead of a traceback."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import sqlite_utils

from crawler import run_lock
from crawler.mockportals import MockSite
from pipelines import store
from tests.crawl_helpers import REPO, run_crawl, write_registry
from tests.test_crawl_incremental import REPORTS, build_site, entry
from tests.test_kill_safety import count, kill_when, start_crawl


@pytest.fixture
def portal(tmp_path):
    build_site(tmp_path / "portal", REPORTS)
    site = MockSite(tmp_path / "portal").start()
    yield site, write_registry(tmp_path / "portals.yml", [entry(site)])
    site.stop()


def scrapy_crawl(registry, db_path, *settings):
    command = [sys.executable, "-m", "scrapy", "crawl", "reports", "-a", f"portals={registry}",
               "-s", f"NIANBAO_DB={db_path}", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
               "-s", "LOG_LEVEL=WARNING"]
    for setting in settings:
        command += ["-s", setting]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)


def nianbao(*args):
    return subprocess.run([sys.executable, "-m", "cli.main", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=120)


def statuses(db_path):
    return {r["id"]: r["status"] for r in sqlite_utils.Database(db_path).query("select id, status from crawl_runs")}


def left_running(db_path) -> int:
    """A run row as a killed crawl leaves it."""
    db = store.open_db(db_path)
    run_id = store.start_run(db, {})
    db.close()
    return run_id


def test_next_crawl_marks_unfinished_runs_interrupted(portal, tmp_path):
    _, registry = portal
    db_path = tmp_path / "reports.db"
    stale = [left_running(db_path), left_running(db_path)]
    run_crawl(registry, db_path)
    runs = statuses(db_path)
    assert [runs[i] for i in stale] == ["interrupted", "interrupted"]
    assert list(runs.values())[-1] == "finished"


@pytest.mark.parametrize("entry_point", ["nianbao crawl", "scrapy crawl"])
def test_locked_database_refused_and_live_run_not_mislabelled(entry_point, portal, tmp_path):
    _, registry = portal
    db_path = tmp_path / "reports.db"
    live = left_running(db_path)  # as a live crawl's row looks
    run_lock.acquire(db_path)  # ... and that crawl holds the lock
    try:
        if entry_point == "nianbao crawl":
            result = nianbao("crawl", "--portals", str(registry), "--db", str(db_path))
        else:
            result = scrapy_crawl(registry, db_path)
    finally:
        run_lock.release(db_path)
    assert result.returncode == run_lock.EXIT_LOCKED
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("nianbao: another crawl is writing") and str(db_path) in lines[-1]
    assert "Traceback" not in result.stderr
    assert statuses(db_path) == {live: "running"}  # the live run is left alone
    assert count(db_path, "reports") == 0


def test_second_concurrent_crawl_refused_while_first_runs(portal, tmp_path):
    _, registry = portal
    db_path = tmp_path / "reports.db"
    first = start_crawl(registry, db_path, "DOWNLOAD_DELAY=2")  # slow enough to still run beside the second
    try:
        deadline = time.monotonic() + 60
        while count(db_path, "crawl_runs", "status = 'running'") == 0:
            assert first.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        result = scrapy_crawl(registry, db_path)
        assert result.returncode == run_lock.EXIT_LOCKED, result.stderr[-2000:]
        assert "another crawl is writing" in result.stderr
        assert count(db_path, "crawl_runs") == 1  # the refused crawl wrote no run row
    finally:
        assert first.wait(timeout=120) == 0, first.stderr.read().decode()[-3000:]
    assert list(statuses(db_path).values()) == ["finished"]


def test_ctrl_c_marks_the_run_interrupted(portal, tmp_path):
    _, registry = portal
    db_path = tmp_path / "reports.db"
    process = start_crawl(registry, db_path, "DOWNLOAD_DELAY=2")

    def started() -> bool:
        return count(db_path, "crawl_runs") >= 1

    deadline = time.monotonic() + 60
    while not started():
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)
    time.sleep(0.3)
    os.kill(process.pid, signal.SIGINT)  # Ctrl-C: Scrapy closes the spider gracefully (reason "shutdown")
    assert process.wait(timeout=60) != 0
    assert list(statuses(db_path).values()) == ["interrupted"]


def corrupt(db_path):
    db_path.write_bytes(b"this is not a database at all" * 100)


@pytest.mark.parametrize("damage", ["garbage", "directory", "damaged page"])
def test_unusable_database_is_one_line_and_exit_4(damage, portal, tmp_path):
    _, registry = portal
    db_path = tmp_path / "reports.db"
    if damage == "garbage":
        corrupt(db_path)
    elif damage == "directory":
        db_path.mkdir()
    else:  # a real database whose schema page is overwritten
        store.open_db(db_path).close()
        data = bytearray(db_path.read_bytes())
        data[100:4096] = b"\xff" * (4096 - 100)
        db_path.write_bytes(bytes(data))
        for suffix in ("-wal", "-shm"):
            db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
    for args in (["crawl", "--portals", str(registry), "--db", str(db_path)], ["reparse", "--db", str(db_path), "--quiet"]):
        result = nianbao(*args)
        assert result.returncode == store.EXIT_DATABASE, (args[0], result.stderr[-2000:])
        assert "Traceback" not in result.stderr and "stats is not set" not in result.stderr
        last = result.stderr.strip().splitlines()[-1]
        assert last.startswith("nianbao: cannot use the database") and str(db_path) in last, last


def test_unusable_database_scrapy_crawl(portal, tmp_path):
    _, registry = portal
    db_path = tmp_path / "reports.db"
    corrupt(db_path)
    result = scrapy_crawl(registry, db_path)
    assert result.returncode == store.EXIT_DATABASE
    assert "Traceback" not in result.stderr


def test_killed_then_locked_then_resumed(portal, tmp_path):
    """A kill leaves the lock free (flock dies with the process): the next crawl starts at once."""
    _, registry = portal
    db_path = tmp_path / "reports.db"
    process = start_crawl(registry, db_path)
    assert kill_when(process, lambda: count(db_path, "archive_records") >= 1)
    run_crawl(registry, db_path)
    assert list(statuses(db_path).values()) == ["interrupted", "finished"]
    assert count(db_path, "reports") == 2
