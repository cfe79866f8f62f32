"""`nianbao demo`, as a newcomer runs it: crawls every mock portal, then Datasette serves all their
reports; a real Chromium browses the crawled archive."""
from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from crawler.mockportals import fixture_sites
from tests.crawl_helpers import REPO, expected_for
from tests.datasette_fixtures import reports_containing
from tests.test_browser import ARTIFACTS, CHROMIUM, browser, page, shown_report_ids  # noqa: F401

EXPECTED_REPORTS = sum(len(expected_for(root)["reports"]) for root in fixture_sites())


def ports_outside_the_ephemeral_range(count: int) -> int:
    """The first of `count` consecutive free ports below Linux's ephemeral range (32768+): the demo
    binds them only after its crawl, and meanwhile the kernel hands ephemeral ports to the many
    client sockets of the other tests running beside it."""
    for _ in range(200):
        first = random.randrange(20000, 32000 - count)
        try:
            for port in range(first, first + count):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return first
    raise RuntimeError("no free port run below 32000")


def fetch_json(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    port = ports_outside_the_ephemeral_range(1)
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    process = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "demo", "--db", str(db), "--port", str(port),
         "--portals-port", str(ports_outside_the_ephemeral_range(6))],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    rows = None
    try:
        while time.monotonic() < deadline and process.poll() is None:
            try:
                rows = fetch_json(f"{base}/reports/reports.json?_shape=array&_size=max&_col=url")
                break
            except OSError:
                time.sleep(1)
        assert rows is not None, "Datasette never answered after the demo crawl"
        yield {"base": base, "db": db, "rows": rows}
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        output = process.communicate(timeout=30)[0]
        print(output)


def test_demo_serves_every_report_of_every_mock_portal(demo):
    assert len(demo["rows"]) == EXPECTED_REPORTS
    assert len({row["url"] for row in demo["rows"]}) == EXPECTED_REPORTS


@pytest.mark.skipif(not CHROMIUM.exists(), reason="browser test needs Chromium at /usr/bin/chromium")
def test_browse_the_crawled_demo(demo, page):  # noqa: F811
    base = demo["base"]
    page.goto(base + "/reports/reports")
    facets = page.locator(".facet-info").evaluate_all("els => els.map(e => e.getAttribute('data-column'))")
    assert {"province", "city", "report_year", "format"} <= set(facets)
    page.screenshot(path=str(ARTIFACTS / "demo-reports.png"), full_page=True)
    page.fill("input[name=_search]", "复议")
    page.locator("input[name=_search]").press("Enter")
    page.wait_for_url("**_search=*")
    page.goto(page.url + "&_size=max")  # every match on one page, however many the fixtures hold
    expected = reports_containing(demo["db"], "复议")
    assert 0 < len(expected) < EXPECTED_REPORTS
    assert shown_report_ids(page) == expected
    page.goto(base + "/reports/inconsistent_reports")
    assert "临沂市河东区科学技术局2022年政府信息公开工作年度报告" in page.locator("table.rows-and-columns").inner_text()
    page.screenshot(path=str(ARTIFACTS / "demo-inconsistent.png"), full_page=True)
    assert page.console_errors == []
