"""`nianbao demo`: crawls every mock portal and ends with Datasette serving all their reports."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from crawler.mockportals import fixture_sites
from tests.crawl_helpers import REPO, expected_for


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch_json(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def test_demo_crawls_every_mock_portal_and_serves_it(tmp_path):
    expected_reports = sum(len(expected_for(root)["reports"]) for root in fixture_sites())
    port = free_port()
    db = tmp_path / "demo.db"
    process = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "demo", "--db", str(db), "--port", str(port),
         "--portals-port", str(free_port() + 100)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        rows = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                rows = fetch_json(f"http://127.0.0.1:{port}/reports/reports.json?_shape=array&_size=max&_col=url")
                break
            except OSError:
                time.sleep(1)
        assert rows is not None, f"Datasette never answered; demo said:\n{process.stdout.read() if process.poll() is not None else ''}"
        assert len(rows) == expected_reports
        assert len({row["url"] for row in rows}) == expected_reports
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        output = process.communicate(timeout=30)[0]
    assert f"archive holds {expected_reports} reports" in output
