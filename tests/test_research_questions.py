"""A researcher's four questions, answered by clicking in Chromium against a real `nianbao serve`:
which city government received the most applications in 2021; how 主动公开 changed over the
years for one city; which reports don't add up and why; the original text and the archived copy.
Each answer is checked against the database itself; screenshots go to tests/artifacts/."""
from __future__ import annotations

import sqlite3

import pytest

from tests.test_browser import ARTIFACTS, CHROMIUM, browser  # noqa: F401
from tests.test_report_page import page, server  # noqa: F401

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="browser test needs Chromium at /usr/bin/chromium")


def query(db_path, sql: str, *params) -> list[tuple]:
    connection = sqlite3.connect(db_path)
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


def column(page, name: str) -> list[str]:
    return [t.strip() for t in page.locator(f"table.rows-and-columns tbody td.col-{name}").all_inner_texts()]


def open_canned_query(page, base: str, title_part: str) -> None:
    """From the database page, by the query's title, as a visitor finds it."""
    page.goto(f"{base}/reports")
    page.get_by_role("link", name=title_part).first.click()
    page.wait_for_load_state()


def test_which_city_government_received_the_most_applications_in_2021(server, page):  # noqa: F811
    base, db_path = server
    expected = query(db_path, """select r.agency, m.value from reports r join metrics m on m.report_id = r.id
        where m.key = 'requests.new.total' and r.report_year = 2021
          and r.agency_level = 'city_gov'
        order by m.value desc limit 1""")[0]
    open_canned_query(page, base, "按收到申请数排名的机关")
    page.locator("select.nb-param-choices[data-param=year]").select_option("2021")
    page.locator("select.nb-param-choices[data-param=level]").select_option("city_gov")  # chosen, not typed
    page.locator("form.sql input[type=submit]").click()
    page.wait_for_url("**year=2021*")
    agencies, values = column(page, "agency"), column(page, "requests_new")
    assert agencies and agencies[0] == expected[0]
    assert values[0].replace(",", "") == str(int(expected[1]))
    page.screenshot(path=str(ARTIFACTS / "question-most-applications-2021.png"), full_page=True)
    assert page.console_errors == [] and page.blocked == []


def test_how_proactive_disclosure_changed_over_the_years_for_one_city(server, page):  # noqa: F811
    base, db_path = server
    expected = query(db_path, """select r.report_year, sum(m.value) from reports r join metrics m on m.report_id = r.id
        where m.key = 'active.total' and r.region = '杭州市' and r.agency_level = 'city_gov'
        group by 1 order by 1""")
    assert len(expected) >= 2
    open_canned_query(page, base, "某地区某指标的年度变化")
    page.locator("select.nb-param-choices[data-param=key]").select_option("active.total")
    page.locator("select.nb-param-choices[data-param=region]").select_option("杭州市")
    page.locator("form.sql input[type=submit]").click()
    page.wait_for_url("**region=*")
    years = column(page, "report_year")
    totals = [t.replace(",", "") for t in column(page, "total")]
    assert list(zip(years, totals)) == [(str(year), str(int(total))) for year, total in expected]
    page.screenshot(path=str(ARTIFACTS / "question-active-over-years.png"), full_page=True)
    assert page.console_errors == [] and page.blocked == []


def test_which_reports_do_not_add_up_and_why(server, page):  # noqa: F811
    base, db_path = server
    failing = query(db_path, """select r.title, c.rule, c.expected, c.found from checks c join reports r on r.id = c.report_id
        where c.passed = 0 order by r.title""")
    assert failing
    open_canned_query(page, base, "数字对不上的年报")
    page.locator("table.rows-and-columns").wait_for()
    shown = page.locator("table.rows-and-columns tbody").inner_text()
    for title, rule, expected, found in failing:
        assert title in shown and rule in shown, (title, rule)
        assert f"expected {int(float(expected))}" in shown.replace(",", "") and f"found {int(float(found))}" in shown.replace(",", "")
    page.screenshot(path=str(ARTIFACTS / "question-inconsistent.png"), full_page=True)
    assert page.console_errors == [] and page.blocked == []


def test_the_original_text_and_the_archived_copy_of_a_report(server, page):  # noqa: F811
    base, db_path = server
    report_id, title, url = query(db_path, """select id, title, url from reports where warc_file is not null
        and title like '%2021%' order by id limit 1""")[0]
    page.goto(f"{base}/reports/reports")
    page.get_by_role("link", name=report_id).first.click()
    page.wait_for_url(f"**/reports/reports/{report_id}")
    assert page.locator("h1").first.inner_text().strip() == title
    assert page.get_by_role("link", name="原文 Original page").first.get_attribute("href") == url
    page.screenshot(path=str(ARTIFACTS / "question-report-page.png"), full_page=True)
    page.get_by_role("link", name="存档副本 Archived copy").first.click()
    page.wait_for_url("**/-/archive/**")
    assert "archived copy" in page.locator("#nianbao-archive-banner").inner_text()
    page.screenshot(path=str(ARTIFACTS / "question-archived-copy.png"), full_page=True)
    assert page.blocked == []
