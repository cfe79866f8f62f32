"""End to end in Chromium: a real `nianbao serve` process over the demo archive, driven by Playwright.

Screenshots go to tests/artifacts/ (gitignored).
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.datasette_fixtures import build_demo_db, reports_containing

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="browser test needs Chromium at /usr/bin/chromium")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nianbao serve exited with {process.returncode}: {process.stderr.read()}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nianbao serve did not answer at {url} within {seconds} s")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db_path = build_demo_db(tmp_path_factory.mktemp("browser") / "reports.db")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve", "--db", str(db_path), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        cwd=Path(__file__).resolve().parents[1], env=dict(os.environ, PYTHONUNBUFFERED="1"))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + "/-/versions.json", process)
        yield base, db_path
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    page.set_default_timeout(15000)
    yield page
    context.close()


def shown_report_ids(page) -> set[str]:
    links = page.locator("table.rows-and-columns tbody tr td.type-pk a")
    return {href.rsplit("/", 1)[-1] for href in links.evaluate_all("links => links.map(a => a.getAttribute('href'))")}


def test_reports_table_renders_with_facets(server, page):
    base, _ = server
    page.goto(base + "/reports/reports")
    assert page.locator("h1").inner_text().startswith("reports")
    facets = page.locator(".facet-info").evaluate_all("els => els.map(e => e.getAttribute('data-column'))")
    assert sorted(facets) == sorted(["province", "city", "report_year", "department", "format", "agency_level",
                                     "completeness"])
    assert page.locator(".facet-info[data-column=province] li").count() == 4
    assert page.locator("table.rows-and-columns tbody tr").count() == 12
    page.screenshot(path=str(ARTIFACTS / "reports-table.png"), full_page=True)
    assert page.console_errors == []


@pytest.mark.parametrize("query", ["复议", "依申请", "行政诉讼"])
def test_search_box_returns_exactly_the_matching_reports(server, page, query):
    base, db_path = server
    page.goto(base + "/reports/reports")
    page.fill("input[name=_search]", query)
    page.locator("input[name=_search]").press("Enter")
    page.wait_for_url("**_search=*")
    expected = reports_containing(db_path, query)
    assert 0 < len(expected) < 12
    assert shown_report_ids(page) == expected
    assert f"{len(expected)} rows where search matches" in page.locator("h3").first.inner_text()
    page.screenshot(path=str(ARTIFACTS / f"search-{len(query)}-chars.png"), full_page=True)
    assert page.console_errors == []


def test_canned_query_runs_with_a_parameter(server, page):
    base, _ = server
    page.goto(base + "/reports/requests_trend_for_region")
    page.fill("input[name=region]", "广州市")  # the city government's own reports, one level only
    page.locator("form.sql input[type=submit]").click()
    page.wait_for_url("**region=*")
    table = page.locator("table.rows-and-columns")
    headers = table.locator("th").all_inner_texts()
    assert [h.strip() for h in headers[:4]] == ["report_year", "agency_level", "reports", "requests_new"]
    years = table.locator("tbody tr td.col-report_year").all_inner_texts()
    assert [y.strip() for y in years] == ["2019", "2020", "2021"]
    page.screenshot(path=str(ARTIFACTS / "canned-query.png"), full_page=True)
    assert page.console_errors == []


def test_dashboard_charts_render_offline_without_console_errors(server, page):
    base, _ = server
    external = []
    page.on("request", lambda request: None if request.url.startswith(base) else external.append(request.url))
    page.goto(base + "/-/dashboards/nianbao?region=广东省")
    for chart in ("reports-per-year", "requests-per-year", "region-requests-per-year", "region-reports-per-year",
                  "reports-per-province"):
        page.wait_for_selector(f"#chart-{chart} canvas, #chart-{chart} svg.marks")
    assert "12" in page.locator("#chart-reports-total").inner_text()
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
    assert page.console_errors == []
    assert external == []  # vega, vega-lite and vega-embed come from the plugin's own static files


def test_archived_copy_opens_from_the_summary_view(server, page):
    base, _ = server
    page.goto(base + "/reports/report_summary?city=南京市&report_year=2020")
    page.locator("a", has_text="存档副本 archived copy").first.click()
    page.wait_for_url("**/-/archive/*")
    banner = page.locator("#nianbao-archive-banner")
    assert "archived copy" in banner.inner_text() and "fetched at" in banner.inner_text()
    assert "南京市统计局2020年政府信息公开工作年度报告" in page.title()
    page.screenshot(path=str(ARTIFACTS / "archived-copy.png"), full_page=True)
