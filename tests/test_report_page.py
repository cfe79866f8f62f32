"""The browsing pages in Chromium: a report's own page, the compact reports table, canned-query
choices, the dashboard's default region and archived attachments. A real `nianbao serve` over the demo
archive (plus a few table 三/四 figures, as a standard report has), driven by Playwright; only
127.0.0.1 is reachable. Screenshots go to tests/artifacts/.
"""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.datasette_fixtures import ATTACHMENT_REPORT, BROKEN, PORTALS, build_demo_db, parsed_result, report_url
from tests.test_browser import ARTIFACTS, CHROMIUM, browser, free_port, wait_until_up  # noqa: F401
from pipelines import store
from pipelines.archive import WarcArchive, archive_dir_for

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="browser test needs Chromium at /usr/bin/chromium")

VIEWPORT = {"width": 1280, "height": 900}
# Figures of the standard tables for the Haidian 2021 report (the one failing a check).
EXTRA_METRICS = {
    "requests.new.natural_person": 1500, "requests.new.business": 90, "requests.new.total": 1610,
    "requests.granted.natural_person": 700, "requests.granted.total": 760,
    "requests.denied.state_secret.total": 3, "requests.total.total": 1590,
    "review.upheld": 10, "review.corrected": 2, "review.total": 17,
    "litigation.direct.upheld": 5, "litigation.direct.total": 9,
    "active.rules.issued": 2, "active.normative.in_force": 41,
}


# A page that links its attachment (relative link), archived with the attachment: the archived copy
# must send the link to the attachment's archived copy.
LINKED = ("bj-hd-gov", 2022)
LINKED_PDF = "files/2022annual.pdf"


def add_linked_report(db_path: Path) -> None:
    url = report_url(*LINKED)
    pdf_url = url.rsplit("/", 1)[0] + "/" + LINKED_PDF
    title = "北京市海淀区人民政府2022年政府信息公开工作年度报告"
    page = (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head><body>'
            f'<h1>{title}</h1><p>详见附件：<a href="{LINKED_PDF}#page=2">2022年报.pdf</a> '
            f'<a href="other.html">其他</a></p></body></html>')
    archive = WarcArchive(archive_dir_for(db_path))
    page_ref = archive.write_response(url, 200, "OK", [("Content-Type", "text/html; charset=utf-8")], page.encode())
    pdf_ref = archive.write_response(pdf_url, 200, "OK", [("Content-Type", "application/pdf")], b"%PDF-1.4\n%%EOF\n")
    archive.close()
    portal = next(p for p in PORTALS if p["id"] == LINKED[0])
    db = store.open_db(db_path)
    store.save_report(db, {
        "id": store.stable_id(url), "url": url, "portal_id": portal["id"], "title": title, "province": portal["province"],
        "city": portal["city"], "county": portal["county"], "region_code": portal["region_code"],
        "text": title + "\n详见附件。", "content_hash": store.content_hash(title), "encoding": "utf-8",
        "warc_file": page_ref.warc_file, "warc_offset": page_ref.offset, "warc_length": page_ref.length,
    }, [{"id": store.stable_id(pdf_url), "url": pdf_url, "filename": "2022年报.pdf", "media_type": "application/pdf",
         "size": 15, "status": "ok", "content_hash": store.content_hash("pdf"), "text": "", "warc_file": pdf_ref.warc_file,
         "warc_offset": pdf_ref.offset, "warc_length": pdf_ref.length}],
        parsed_result(portal, LINKED[1], "北京市海淀区人民政府", (1, 1, 0, 1, 0, 0, 0)))
    db.close()


def enrich(db_path: Path) -> None:
    add_linked_report(db_path)
    connection = sqlite3.connect(db_path)
    report_id = store.stable_id(report_url(*BROKEN))
    with connection:
        connection.execute("delete from metrics where report_id = ? and key in (%s)" % ",".join("?" * len(EXTRA_METRICS)),
                           [report_id, *EXTRA_METRICS])
        connection.executemany(
            "insert into metrics (report_id, key, value, unit, section, source, snippet, ocr) values (?, ?, ?, '件', ?, 'table', ?, 0)",
            [(report_id, key, value, "三" if key.startswith("requests") else "四", f"表格 {key} {value}")
             for key, value in EXTRA_METRICS.items()])
    connection.close()


def start_serving(db_path: Path) -> tuple[str, subprocess.Popen]:
    """`nianbao serve` on a free local port, answering."""
    base = f"http://127.0.0.1:{free_port()}"
    command = [sys.executable, "-m", "cli.main", "serve", "--db", str(db_path), "--port", base.rsplit(":", 1)[1]]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=REPO,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        wait_until_up(base + "/-/versions.json", process)
    except BaseException:
        process.kill()
        raise
    return base, process


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db_path = build_demo_db(tmp_path_factory.mktemp("report-page") / "reports.db")
    enrich(db_path)
    base, process = start_serving(db_path)
    yield base, db_path
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture()
def page(browser, server):
    base, _ = server
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    blocked = []

    def only_local(route):
        if route.request.url.startswith(base):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    page.console_errors = []
    page.blocked = blocked
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    page.set_default_timeout(15000)
    yield page
    context.close()


def horizontal_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def report_id(portal_year) -> str:
    return store.stable_id(report_url(*portal_year))


def test_report_page_shows_the_report_with_its_tables_and_links(server, page):
    base, _ = server
    page.goto(f"{base}/reports/reports/{report_id(BROKEN)}")
    assert page.locator("h1.nb-report-title").inner_text() == "北京市海淀区人民政府2021年政府信息公开工作年度报告"
    assert page.title().startswith("北京市海淀区人民政府2021年")
    facts = page.locator("dl.nb-facts").inner_text()
    for expected in ("北京市海淀区人民政府", "海淀区", "2021", "standard-2021", "2022-01-", "110108/2021-001"):
        assert expected in facts
    original = page.locator("a.nb-original")
    assert original.get_attribute("href") == report_url(*BROKEN)
    assert page.locator("a.nb-archived").get_attribute("href") == f"/-/archive/{report_id(BROKEN)}"
    # The failed check, explained.
    failed = page.locator("table.nb-failed tbody tr")
    assert failed.count() == 1
    assert "requests.balance.total" in failed.inner_text() and "1638" in failed.inner_text()
    # Table 三 as the template prints it: Chinese row and column labels, the numbers in their cells.
    table3 = page.locator("#nb-table3")
    assert "本年新收政府信息公开申请数量" in table3.locator("tbody th").first.inner_text()
    headers = table3.locator("thead th").all_inner_texts()
    assert "自然人" in headers and "总计" in headers
    assert "1,610" in table3.inner_text() and "予以公开" in table3.inner_text()
    assert "行政复议" in page.locator("#nb-table4").inner_text()
    assert "本年制发件数" in page.locator("#nb-table2").inner_text()
    # Provenance on click.
    cell = table3.locator("details.nb-prov").first
    cell.locator("summary").click()
    assert "表格 requests.new" in cell.locator(".nb-prov-box").inner_text()
    # Headline figures outside the tables carry Chinese labels too.
    assert "主动公开政府信息数" in page.locator("section.nb-metrics").inner_text()
    assert "五、存在的主要问题及改进情况" in page.locator(".nb-text").inner_text()
    assert horizontal_overflow(page) <= 0
    page.locator("details.nb-prov[open] summary").click()
    page.screenshot(path=str(ARTIFACTS / "report-page.png"), full_page=True)
    assert page.console_errors == [] and page.blocked == []


def test_report_page_links_archived_attachments(server, page):
    base, _ = server
    page.goto(f"{base}/reports/reports/{report_id(ATTACHMENT_REPORT)}")
    attachment = page.locator("a.nb-attachment")
    assert attachment.count() == 1
    href = attachment.get_attribute("href")
    assert href.startswith("/-/archive/attachment/")
    response = page.request.get(base + href)
    assert response.status == 200 and response.body().startswith(b"%PDF")
    assert horizontal_overflow(page) <= 0


def test_reports_table_opens_compact(server, page):
    base, _ = server
    page.goto(f"{base}/reports/reports?_all=1")
    rows = page.locator("table.rows-and-columns tbody tr")
    all_height = rows.first.bounding_box()["height"]
    table_width = "document.querySelector('table.rows-and-columns').scrollWidth"
    all_width = page.evaluate(table_width)
    page.goto(f"{base}/reports/reports")
    assert page.url == f"{base}/reports/reports"  # served compact as it is, no redirect
    headers = [h.strip() for h in page.locator("table.rows-and-columns thead th").all_inner_texts()]
    assert "title" in headers[1] and not any(h.startswith("text") for h in headers)
    assert rows.count() == 13  # the demo archive and the linked report
    heights = [rows.nth(i).bounding_box()["height"] for i in range(rows.count())]
    print(f"reports table: row height all columns {all_height:.0f} px, width {all_width} px; "
          f"compact max row height {max(heights):.0f} px, width {page.evaluate(table_width)} px")
    assert max(heights) <= 60 < all_height  # two lines of title at most
    assert page.evaluate(table_width) <= VIEWPORT["width"] < all_width
    assert horizontal_overflow(page) <= 0
    page.screenshot(path=str(ARTIFACTS / "reports-table-compact.png"), full_page=True)
    # Every column one click away; facets and search keep the compact columns.
    page.locator("a.nb-show-all").click()
    page.wait_for_url("**_all=1*")
    assert "text" in " ".join(page.locator("table.rows-and-columns thead th").all_inner_texts())
    # Hiding one more column from the compact set keeps the rest of it.
    page.goto(f"{base}/reports/reports?_nocol=agency")
    headers = " ".join(page.locator("table.rows-and-columns thead th").all_inner_texts())
    assert "title" in headers and "agency" not in headers and "page_meta" not in headers
    assert page.console_errors == [] and page.blocked == []


def test_canned_query_offers_choices_and_a_readable_title(server, page):
    base, _ = server
    page.goto(f"{base}/reports/region_metric_by_year")
    assert page.title().startswith("某地区某指标的年度变化")
    key_choices = page.locator("select.nb-param-choices[data-param=key]")
    key_choices.wait_for()
    labels = key_choices.locator("option").all_inner_texts()
    assert any(label.startswith("本年新收政府信息公开申请数量（总计） — requests.new.total") for label in labels)
    region_choices = page.locator("select.nb-param-choices[data-param=region]")
    groups = region_choices.locator("optgroup").evaluate_all("gs => gs.map(g => g.label)")
    assert [g.split()[0] for g in groups] == ["省级", "市级", "县级"]
    provinces = region_choices.locator("optgroup").first.locator("option").all_inner_texts()
    assert provinces[0].startswith("北京市") and len(provinces) == 4  # administrative-code order
    key_choices.select_option("requests.new.total")
    region_choices.select_option("广东省")
    assert page.locator("input[name=key]").input_value() == "requests.new.total"
    page.locator("form.sql input[type=submit]").click()
    page.wait_for_url("**region=*")
    assert "key=requests.new.total" in page.url
    chosen = page.locator("select.nb-param-choices[data-param=key]")
    chosen.wait_for()
    assert chosen.input_value() == "requests.new.total"  # the choice follows the parameter's value
    assert page.locator("select.nb-param-choices[data-param=region]").input_value() == "广东省"
    page.locator("table.rows-and-columns, p.zero-results").first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "canned-query-choices.png"), full_page=True)
    assert page.console_errors == [] and page.blocked == []


def test_dashboard_opens_on_a_default_region(server, page):
    base, _ = server
    page.goto(f"{base}/-/dashboards/nianbao")
    assert "region=" in page.url
    select = page.locator("select#region.nb-region-select")
    select.wait_for()
    assert select.input_value() == "广东省"  # the province with the most reports
    groups = select.locator("optgroup").evaluate_all("gs => gs.map(g => g.label)")
    assert [g.split()[0] for g in groups] == ["省级", "市级", "县级"]
    for chart in ("reports-per-year", "requests-per-year", "region-requests-per-year", "region-reports-per-year",
                  "failures-per-year", "requests-by-region", "reports-per-province"):
        page.wait_for_selector(f"#chart-{chart} canvas, #chart-{chart} svg.marks")
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "dashboard-default-region.png"), full_page=True)
    assert page.console_errors == [] and page.blocked == []


def test_archived_copy_sends_attachment_links_to_archived_copies(server, page):
    base, _ = server
    url = report_url(*LINKED)
    pdf_url = url.rsplit("/", 1)[0] + "/" + LINKED_PDF
    page.goto(f"{base}/-/archive/{store.stable_id(url)}")
    link = page.locator("a", has_text="2022年报.pdf")
    assert link.get_attribute("href") == f"/-/archive/attachment/{store.stable_id(pdf_url)}"
    assert link.get_attribute("data-nianbao-original") == pdf_url + "#page=2"
    # A link to a page the archive does not hold still goes to the live site, absolute.
    assert page.locator("a", has_text="其他").get_attribute("href") == url.rsplit("/", 1)[0] + "/other.html"
    response = page.request.get(f"{base}/-/archive/{store.stable_id(url)}")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert "sandbox" in response.headers["content-security-policy"]
    with page.expect_navigation():
        link.click()
    assert page.url == base + f"/-/archive/attachment/{store.stable_id(pdf_url)}" or page.url.endswith(".pdf") is False
