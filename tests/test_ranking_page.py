"""The printable indicator ranking (/-/ranking, datasette_plugin/ranking.py) in Chromium against a real
`nianbao serve` over the demo archive, with 予以公开/部分公开 added to its 2020 reports so 公开率 can be
computed: the page lists the bodies in the order of the indicator_ranking canned query (checked against
SQL over indicator_values), with sample sizes and the tiny denominators left out; CSV, print view and PDF;
links from the canned query page and the comparison page; the report page's cross-report checks.
Only 127.0.0.1 is reachable.
"""
from __future__ import annotations

import csv
import io
import sqlite3
import urllib.parse

import pytest

from pipelines import store
from tests.datasette_fixtures import build_demo_db, report_url
from tests.test_browser import ARTIFACTS, CHROMIUM, browser  # noqa: F401
from tests.test_compare_page import pdf_text
from tests.test_report_page import page, start_serving  # noqa: F401 (page: Chromium, 127.0.0.1 only)

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="browser test needs Chromium at /usr/bin/chromium")

# (portal, year) → (予以公开, 部分公开); the demo's handled totals: Guangzhou 1002, Hangzhou 699 (city_gov),
# Haidian 1500 (county_gov), Shenzhen 230 and Nanjing 14 (city_dept).
GRANTED = {("gd-gz-gov", 2020): (700, 100), ("zj-hz-gov", 2020): (600, 50), ("bj-hd-gov", 2020): (1000, 200),
           ("gd-sz-jtj", 2020): (200, 10), ("js-nj-stj", 2020): (14, 0)}


def report_id(portal: str, year: int) -> str:
    return store.stable_id(report_url(portal, year))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db_path = build_demo_db(tmp_path_factory.mktemp("ranking") / "reports.db")
    connection = sqlite3.connect(db_path)
    with connection:
        for (portal, year), (granted, partial) in GRANTED.items():
            for key, value in (("requests.granted.total", granted), ("requests.partial.total", partial)):
                connection.execute("insert into metrics (report_id, key, value, unit, section, source, snippet) "
                                   "values (?, ?, ?, '件', '三', 'table', ?)",
                                   [report_id(portal, year), key, value, f"{key} {value}"])
    connection.close()
    base, process = start_serving(db_path)
    yield base, db_path
    process.terminate()
    process.wait(timeout=10)


def expected(db_path, levels: tuple[str, ...], min_denominator: int) -> list[tuple]:
    """公开率 of the 2020 reports, straight from indicator_values: per level, highest first."""
    connection = sqlite3.connect(db_path)
    try:
        marks = ", ".join("?" for _ in levels)
        return connection.execute(
            "select v.agency_level, v.agency, v.value, v.denominator, v.report_id from indicator_values v "
            "join agency_levels l on l.level = v.agency_level "
            f"where v.indicator = 'disclosure_rate' and v.report_year = 2020 and v.agency_level in ({marks}) "
            "and v.value is not null and v.denominator >= ? order by l.position, v.value desc",
            [*levels, min_denominator]).fetchall()
    finally:
        connection.close()


def shown(page) -> list[tuple]:
    return page.locator("tr.nb-rank-row").evaluate_all(
        """rs => rs.map(r => [r.closest('section').dataset.level, r.querySelector('.nb-rank-agency').innerText,
                              r.dataset.sample, r.dataset.report])""")


def test_ranking_page_lists_bodies_in_order_with_sample_sizes(server, page):
    base, db_path = server
    page.goto(f"{base}/-/ranking?year=2020")
    want = expected(db_path, ("province_gov", "city_gov", "county_gov"), 10)
    assert [tuple(row) for row in shown(page)] == [(level, agency, str(int(d)), rid) for level, agency, _, d, rid in want]
    # Hangzhou 650/699 = 93.0 % above Guangzhou 800/1002 = 79.84 %; Haidian alone among county governments.
    assert [a for _, a, _, _ in shown(page)] == ["杭州市人民政府办公厅", "广州市人民政府办公厅", "北京市海淀区人民政府"]
    first = page.locator("tr.nb-rank-row").first
    assert "92.99" in first.locator(".nb-rank-value").inner_text() and first.locator(".nb-rank-sample").inner_text() == "699"
    assert "公开率" in page.locator("h1.nb-rank-title").inner_text()
    assert first.locator("a.nb-rank-url").inner_text() == report_url("zj-hz-gov", 2020)
    assert first.locator("a.nb-rank-archived").get_attribute("href") == f"/-/archive/{report_id('zj-hz-gov', 2020)}"
    page.screenshot(path=str(ARTIFACTS / "ranking-page.png"), full_page=True)
    assert page.blocked == []


def test_tiny_denominators_are_counted_not_ranked(server, page):
    base, db_path = server
    page.goto(f"{base}/-/ranking?year=2020&level=city_dept&min_denominator=20")
    want = expected(db_path, ("city_dept",), 20)
    assert [a for _, a, _, _ in shown(page)] == [agency for _, agency, *_ in want] == ["深圳市交通运输局"]
    # Nanjing: 14 of 14 granted, a sample of 14 < 20.
    assert "1 个样本过小未排名" in page.locator("section.nb-rank-group").inner_text()
    summary = page.locator(".nb-rank-excluded-total").inner_text()
    assert "1" in summary and "南京市统计局 (14)" in summary


def test_csv_parses_with_the_same_rows(server, page):
    base, db_path = server
    response = page.request.get(f"{base}/-/ranking.csv?year=2020")
    assert response.status == 200 and "text/csv" in response.headers["content-type"]
    body = response.body()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    want = expected(db_path, ("province_gov", "city_gov", "county_gov"), 10)
    assert [(r["agency_level"], r["agency"], float(r["value"]), float(r["sample_size"]), r["report_id"]) for r in rows] == [
        (level, agency, value, denominator, rid) for level, agency, value, denominator, rid in want]
    assert rows[0]["indicator"] == "公开率" and rows[0]["url"] == report_url("zj-hz-gov", 2020)
    assert rows[0]["archived_copy"].endswith(f"/-/archive/{report_id('zj-hz-gov', 2020)}")


def test_print_view_and_pdf(server, page):
    base, _ = server
    print_view = page.request.get(f"{base}/-/ranking/print?year=2020")
    assert "default-src 'none'" in print_view.headers["content-security-policy"]
    for portal in ("zj-hz-gov", "gd-gz-gov", "bj-hd-gov"):
        assert report_url(portal, 2020) in print_view.text()
        assert f"/-/archive/{report_id(portal, 2020)}" in print_view.text()
    response = page.request.get(f"{base}/-/ranking.pdf?year=2020", timeout=90000)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    body = response.body()
    assert body.startswith(b"%PDF-")
    text = pdf_text(body)
    assert "公开率" in text
    assert report_url("zj-hz-gov", 2020) in text
    (ARTIFACTS / "ranking.pdf").write_bytes(body)


def test_linked_from_canned_query_and_comparison_page(server, page):
    base, _ = server
    page.goto(f"{base}/reports/indicator_ranking?" + urllib.parse.urlencode(
        {"indicator": "", "year": "2020", "level": "", "min_denominator": ""}))
    page.locator("a.nb-ranking-link").click()
    page.wait_for_url("**/-/ranking?*")
    assert len(shown(page)) == 3
    page.goto(f"{base}/-/body?" + urllib.parse.urlencode({"portal": "gd-sz-jtj", "agency": "深圳市交通运输局"}))
    page.locator("a.nb-cmp-ranking").click()
    page.wait_for_url("**/-/ranking?*")
    assert "level=city_dept" in page.url and "year=2021" in page.url


def test_report_page_shows_cross_year_check_with_last_years_report(server, page):
    base, _ = server
    page.goto(f"{base}/reports/reports/{report_id('gd-gz-gov', 2020)}")
    row = page.locator('.nb-cross-checks tr[data-rule="R6.requests.total"]')
    assert row.locator(".nb-cross-expected").inner_text() == "50" and row.locator(".nb-cross-found").inner_text() == "50"
    assert "通过" in row.inner_text()
    row.locator("a.nb-cross-other").click()
    page.wait_for_url(f"**/reports/reports/{report_id('gd-gz-gov', 2019)}")
    assert "2019" in page.locator("h1.nb-report-title").inner_text()
    # The Haidian 2021 balance check fails with no split/merged number: the report's own inconsistency.
    page.goto(f"{base}/reports/reports/{report_id('bj-hd-gov', 2021)}")
    assert "报告自身不一致" in page.locator(".nb-failed .nb-cause").first.inner_text()


def test_bad_choices_and_missing_chromium(server, page, monkeypatch):
    base, db_path = server
    assert page.request.get(f"{base}/-/ranking?indicator=nonsense").status == 400
    assert page.request.get(f"{base}/-/ranking?year=twenty").status == 400
    from concurrent.futures import ThreadPoolExecutor

    from datasette_plugin import printing
    from datasette_plugin.app import build_datasette
    from tests.datasette_fixtures import get
    monkeypatch.setattr(printing, "CHROMIUM", CHROMIUM.parent / "no-such-chromium")
    with ThreadPoolExecutor(1) as pool:  # in-process, outside Playwright's event loop
        response = pool.submit(get, build_datasette(db_path), "/-/ranking.pdf?year=2020").result()
    assert response.status_code == 503 and "Chromium" in response.text
