"""One body's reports year by year (/-/body, datasette_plugin/compare.py) in Chromium against a real
`nianbao serve` over the demo archive (Haidian: 2020 and 2021, 2021 failing a check; its 2021 text
gains two sentences and loses the reconsideration one); its CSV, print view and PDF exports. Only
127.0.0.1 is reachable.
"""
from __future__ import annotations

import csv
import io
import re
import sqlite3
import unicodedata
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pdfplumber
import pytest

from pipelines import store
from tests.datasette_fixtures import BROKEN, build_demo_db, report_url
from tests.test_browser import ARTIFACTS, CHROMIUM, browser  # noqa: F401
from tests.test_report_page import page, start_serving  # noqa: F401 (page: Chromium, 127.0.0.1 only)

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="browser test needs Chromium at /usr/bin/chromium")

AGENCY = "北京市海淀区人民政府"
PORTAL = BROKEN[0]
INSERTED = "本年度开通政府信息公开网上申请渠道。"
MARKUP = "<b>加粗</b>的说明文字。"
DELETED = "全年因政府信息公开被申请行政复议21件，结果维持20件。"
BODY_QUERY = urllib.parse.urlencode({"portal": PORTAL, "agency": AGENCY})


def report_id(year: int) -> str:
    return store.stable_id(report_url(PORTAL, year))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db_path = build_demo_db(tmp_path_factory.mktemp("compare") / "reports.db")
    connection = sqlite3.connect(db_path)
    with connection:
        text = connection.execute("select text from reports where id = ?", [report_id(2021)]).fetchone()[0]
        connection.execute("update reports set text = ? where id = ?",
                           [text.replace("五、存在的主要问题及改进情况", f"{INSERTED}{MARKUP}\n五、存在的主要问题及改进情况"),
                            report_id(2021)])
    connection.close()
    base, process = start_serving(db_path)
    yield base, db_path
    process.terminate()
    process.wait(timeout=10)


# Noto CJK draws some ideographs with the same glyph as a radical, and the PDF's ToUnicode map may name
# the radical (⼈ U+2F08 for 人, ⺠ U+2EA0 for 民): read the extracted text back as the ideographs.
RADICALS = str.maketrans({"⺠": "民", "⻅": "见", "⻔": "门", "⻓": "长", "⻛": "风", "⻚": "页", "⻋": "车", "⻢": "马"})


def pdf_text(pdf_bytes: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        text = "".join(p.extract_text() or "" for p in pdf.pages)
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text.translate(RADICALS)))


def metrics_by_year(db_path) -> dict[str, dict[int, float]]:
    connection = sqlite3.connect(db_path)
    try:
        rows = connection.execute(
            "select m.key, r.report_year, m.value from metrics m join reports r on r.id = m.report_id "
            "where r.portal_id = ? and r.agency = ?", [PORTAL, AGENCY]).fetchall()
    finally:
        connection.close()
    found: dict[str, dict[int, float]] = {}
    for key, year, value in rows:
        found.setdefault(key, {})[year] = value
    return found


def test_report_page_links_to_the_comparison(server, page):
    base, _ = server
    page.goto(f"{base}/reports/reports/{report_id(2021)}")
    page.locator("a.nb-compare").click()
    page.wait_for_url("**/-/body?*")
    assert "海淀区" in page.locator("h1.nb-cmp-title").inner_text()


def test_comparison_page_years_metrics_changes_checks_and_diff(server, page):
    base, db_path = server
    page.goto(f"{base}/-/body?{BODY_QUERY}")
    assert page.locator("#nb-cmp-metrics thead th.nb-cmp-year").all_inner_texts() == ["2020", "2021"]
    expected = metrics_by_year(db_path)
    rows = page.locator("#nb-cmp-metrics tr[data-key]")
    assert sorted(rows.evaluate_all("rs => rs.map(r => r.dataset.key)")) == sorted(expected)
    # Chinese labels, grouped by section.
    active = page.locator('#nb-cmp-metrics tr[data-key="active.total"]')
    assert "主动公开政府信息数" in active.inner_text()
    assert "核心指标" in page.locator("#nb-cmp-metrics .nb-cmp-section-row").first.inner_text()
    # 3312 → 3590: up by 278; review 21 → 17: down by 4.
    up = active.locator('td[data-year="2021"]')
    assert "nb-cmp-up" in up.get_attribute("class") and "▲ +278" in up.inner_text() and "3,590" in up.inner_text()
    down = page.locator('#nb-cmp-metrics tr[data-key="review.total"] td[data-year="2021"]')
    assert "nb-cmp-down" in down.get_attribute("class") and "▼ -4" in down.inner_text()
    # The 2021 balance check fails; 2020's passes.
    balance = page.locator("#nb-cmp-checks tr", has_text="requests.balance.total")
    assert "✓" in balance.locator("td").nth(0).inner_text()
    failed = balance.locator("td.nb-cmp-failed")
    assert failed.count() == 1 and "1638" in failed.inner_text()
    # Report pages and archived copies of each year.
    assert page.locator("a.nb-cmp-report").evaluate_all("as => as.map(a => a.getAttribute('href'))") == [
        f"/reports/reports/{report_id(2020)}", f"/reports/reports/{report_id(2021)}"]
    assert page.locator("a.nb-cmp-archived").first.get_attribute("href") == f"/-/archive/{report_id(2020)}"
    # Text diff 2020 → 2021: the inserted and deleted sentences, archived markup shown as text.
    inserted = page.locator(".nb-diff-insert").all_inner_texts()
    deleted = page.locator(".nb-diff-delete").all_inner_texts()
    assert any(INSERTED in line for line in inserted) and any(DELETED in line for line in deleted)
    assert any("<b>加粗</b>" in line for line in inserted)
    assert page.locator(".nb-diff b").count() == 0
    page.screenshot(path=str(ARTIFACTS / "compare-page.png"), full_page=True)
    # The selects choose the years: 2021 against itself has no changes.
    page.locator("#nb-cmp-a").select_option("2021")
    page.locator("form.nb-cmp-years input[type=submit]").click()
    page.wait_for_url("**a=2021*")
    assert page.locator(".nb-diff-insert, .nb-diff-delete").count() == 0
    assert page.blocked == []


def test_csv_export_has_the_same_numbers(server, page):
    base, db_path = server
    response = page.request.get(f"{base}/-/body.csv?{BODY_QUERY}")
    assert response.status == 200 and "text/csv" in response.headers["content-type"]
    body = response.body()
    assert body.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    expected = metrics_by_year(db_path)
    assert {row["key"] for row in rows} == set(expected)
    for row in rows:
        for year, value in expected[row["key"]].items():
            assert float(row[str(year)]) == value
    active = next(row for row in rows if row["key"] == "active.total")
    assert active["label_zh"] == "主动公开政府信息数" and active["2021-2020"] == "278"


def test_print_view_and_pdf_name_every_source(server, page):
    base, _ = server
    print_view = page.request.get(f"{base}/-/body/print?{BODY_QUERY}")
    assert "default-src 'none'" in print_view.headers["content-security-policy"]
    for year in (2020, 2021):
        assert report_url(PORTAL, year) in print_view.text() and f"/-/archive/{report_id(year)}" in print_view.text()
    response = page.request.get(f"{base}/-/body.pdf?{BODY_QUERY}", timeout=90000)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    body = response.body()
    assert body.startswith(b"%PDF-")
    text = pdf_text(body)
    assert "北京市海淀区人民政府2021年政府信息公开工作年度报告" in text
    assert report_url(PORTAL, 2021) in text
    assert f"/-/archive/{report_id(2021)}" in text
    (ARTIFACTS / "compare.pdf").write_bytes(body)


def test_unknown_body_and_missing_chromium(server, page, monkeypatch):
    base, _ = server
    assert page.request.get(f"{base}/-/body?portal=nowhere&agency=x").status == 404
    assert page.request.get(f"{base}/-/body").status == 400
    from datasette_plugin import printing
    from datasette_plugin.app import build_datasette
    from tests.datasette_fixtures import get
    monkeypatch.setattr(printing, "CHROMIUM", CHROMIUM.parent / "no-such-chromium")
    with ThreadPoolExecutor(1) as pool:  # in-process, outside Playwright's event loop
        response = pool.submit(get, build_datasette(server[1]), f"/-/body.pdf?{BODY_QUERY}").result()
    assert response.status_code == 503 and "Chromium" in response.text
