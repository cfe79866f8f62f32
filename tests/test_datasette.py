"""The archive in Datasette, through its ASGI client: views, canned queries, archived copies, settings."""
from __future__ import annotations

import re
import sqlite3
import urllib.parse
from types import SimpleNamespace

import pytest
import yaml

from cli.commands import serve as serve_command
from datasette_plugin.app import METADATA_PATH, build_datasette
from datasette_plugin.plugin import pivot_sql
from tests.datasette_fixtures import BROKEN, GBK_PAGE, REPORTS, build_demo_db, copy_demo_db, get, report_url
from pipelines import store, views


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    return build_demo_db(tmp_path_factory.mktemp("demo") / "demo.db")


@pytest.fixture(scope="module")
def datasette(demo_db):
    return build_datasette(demo_db)


def rows(datasette, path: str, **params) -> list[dict]:
    query = urllib.parse.urlencode(dict(params, _shape="array", _size="max"))
    response = get(datasette, f"{path}.json?{query}")
    assert response.status_code == 200, response.text
    return response.json()


def fixture_numbers(year=None, region=None):
    """(portal, year, numbers) of the fixture reports, as the fixture wrote them."""
    for portal_id, report_year, _agency, numbers, _passages in REPORTS:
        if (portal_id, report_year) == BROKEN:
            numbers = numbers[:3] + (numbers[3] - 20,) + numbers[4:]
        if year is not None and report_year != year:
            continue
        yield portal_id, report_year, numbers


# --- views -------------------------------------------------------------------------------
def test_report_summary_has_headline_metrics_per_report(datasette):
    summary = rows(datasette, "/reports/report_summary")
    assert len(summary) == len(REPORTS)
    by_url = {row["url"]: row for row in summary}
    for portal_id, year, numbers in fixture_numbers():
        row = by_url[report_url(portal_id, year)]
        assert (row["active_total"], row["requests_new"], row["requests_total"], row["review_total"],
                row["litigation_total"]) == (numbers[0], numbers[1], numbers[3], numbers[5], numbers[6])
        assert row["failed_checks"] == (1 if (portal_id, year) == BROKEN else 0)
        assert row["archived_copy"] == f"/-/archive/{row['id']}"


def test_metric_by_year_region_sums(datasette):
    long_form = rows(datasette, "/reports/metric_by_year_region", key="requests.new.total", province="广东省")
    totals = {(row["report_year"], row["city"]): row["total"] for row in long_form}
    expected = {}
    for portal_id, year, numbers in fixture_numbers():
        city = {"gd-gz-gov": "广州市", "gd-sz-jtj": "深圳市"}.get(portal_id)
        if city:
            expected[(year, city)] = expected.get((year, city), 0) + numbers[1]
    assert totals == expected


def test_failing_checks_and_portal_errors_views(datasette):
    failing = rows(datasette, "/reports/reports_failing_checks")
    assert [(row["report_year"], row["rule"], row["expected"], row["found"]) for row in failing] == [
        (2021, "requests.balance.total", "1638", "1658")]
    errors = rows(datasette, "/reports/portal_errors_last_run")
    assert {(row["portal_id"], row["kinds"], row["errors"]) for row in errors} == {
        ("js-nj-stj", "http_404", 1), ("gd-sz-jtj", "timeout", 1)}


def test_views_are_recreated_idempotently(demo_db):
    connection = sqlite3.connect(demo_db)
    connection.execute("drop view report_summary")
    connection.execute("create view reports_failing_checks_old as select 1")
    connection.commit()
    before = connection.execute("select count(*) from sqlite_master where type = 'view'").fetchone()[0]
    connection.close()
    store.open_db(demo_db).close()
    store.open_db(demo_db).close()
    connection = sqlite3.connect(demo_db)
    views = {row[0] for row in connection.execute("select name from sqlite_master where type = 'view'")}
    connection.execute("drop view reports_failing_checks_old")
    connection.commit()
    connection.close()
    assert "report_summary" in views and len(views) == before + 1


# --- canned queries ----------------------------------------------------------------------
def test_requests_trend_for_region(datasette):
    # by default only the government of the region itself: Guangdong has no provincial report
    assert rows(datasette, "/reports/requests_trend_for_region", region="广东省") == []
    trend = rows(datasette, "/reports/requests_trend_for_region", region="广州市")
    expected = {year: (1, numbers[1], numbers[3]) for portal_id, year, numbers in fixture_numbers()
                if portal_id == "gd-gz-gov"}
    assert {row["report_year"]: (row["reports"], row["requests_new"], row["requests_handled"]) for row in trend} == expected
    # one level at a time inside the region: Guangdong's city governments, Guangdong's city bureaus
    cities = rows(datasette, "/reports/requests_trend_for_region", region="广东省", level="city_gov")
    assert {row["report_year"]: row["requests_new"] for row in cities} == {2019: 820, 2020: 1015, 2021: 1204}
    bureaus = rows(datasette, "/reports/requests_trend_for_region", region="广东省", level="city_dept")
    assert {row["report_year"]: row["requests_new"] for row in bureaus} == {2020: 233, 2021: 301}
    county = rows(datasette, "/reports/requests_trend_for_region", region="海淀区")
    assert [row["report_year"] for row in county] == [2020, 2021]


def test_agencies_ranked_by_applications(datasette):
    ranked = rows(datasette, "/reports/agencies_by_requests", year="2021")
    values = [row["requests_new"] for row in ranked]
    assert values == sorted((numbers[1] for _, _, numbers in fixture_numbers(year=2021)), reverse=True)
    assert ranked[0]["rank"] == 1 and ranked[0]["agency"] == "北京市海淀区人民政府"


def test_reports_missing_for_year(datasette):
    missing_2021 = rows(datasette, "/reports/reports_missing_for_year", year="2021")
    assert [row["agency"] for row in missing_2021] == ["杭州市人民政府办公厅"]  # 2020 report, none for 2021
    missing_2022 = rows(datasette, "/reports/reports_missing_for_year", year="2022")
    assert {row["portal_id"] for row in missing_2022} == {"gd-gz-gov", "gd-sz-jtj", "bj-hd-gov", "js-nj-stj"}


def test_inconsistent_reports(datasette):
    inconsistent = rows(datasette, "/reports/inconsistent_reports")
    assert len(inconsistent) == 1
    assert inconsistent[0]["agency"] == "北京市海淀区人民政府" and inconsistent[0]["failed_rules"] == 1
    assert "requests.balance.total: expected 1638, found 1658" in inconsistent[0]["failures"]


def test_metric_pivot_has_a_column_per_year(datasette):
    pivot = rows(datasette, "/reports/metric_pivot", key="review.total")
    assert set(pivot[0]) == {"agency_level", "province", "city", "region", "2019", "2020", "2021", "2022",
                             "all_years", "unit"}
    assert {row["agency_level"] for row in pivot} <= {"province_gov", "city_gov", "county_gov", "town_gov"}
    assert not any(row["city"] == "深圳市" for row in pivot)  # a bureau's report is not its city's figure
    bureaus = rows(datasette, "/reports/metric_pivot", key="review.total", level="city_dept")
    assert [row["city"] for row in bureaus if row["city"] == "深圳市"] == ["深圳市"]
    hangzhou = next(row for row in pivot if row["city"] == "杭州市")
    assert (hangzhou["2019"], hangzhou["2020"], hangzhou["2021"], hangzhou["2022"]) == (6, 4, None, 5)
    assert "2023" in pivot_sql([2022, 2023]) and ":key" in pivot_sql([2022])


def test_every_canned_query_runs(datasette):
    metadata = yaml.safe_load(METADATA_PATH.read_text(encoding="utf-8"))
    values = {"region": "广东省", "year": "2021", "key": "requests.new.total", "q": "复议", "level": "city_gov",
              "indicator": "disclosure_rate", "min_denominator": "10"}
    for name, query in metadata["databases"]["reports"]["queries"].items():
        params = {p: values[p] for p in re.findall(r"(?<!:):(\w+)", query["sql"])}
        response = get(datasette, f"/reports/{name}.json?{urllib.parse.urlencode(params)}&_shape=array")
        assert response.status_code == 200, (name, response.text)
        assert isinstance(response.json(), list), name


def test_dashboard_page_and_chart_queries(datasette):
    page = get(datasette, "/-/dashboards/nianbao?region=广东省")
    assert page.status_code == 200
    assert "/-/static-plugins/datasette_dashboards/vega.min.js" in page.text  # served locally, no CDN
    charts = yaml.safe_load(METADATA_PATH.read_text(encoding="utf-8"))["plugins"]["datasette-dashboards"]["nianbao"]["charts"]
    sql = charts["region-requests-per-year"]["query"].replace("[[", "").replace("]]", "")
    data = rows(datasette, "/reports", sql=sql, region="广东省")
    by_level = {(row["report_year"], row["level"]): row["requests_new"] for row in data}
    # One bar per agency level: the city government's own figures and its bureaus', never added together.
    assert by_level == {(2019, "市级政府"): 820, (2020, "市级政府"): 1015, (2020, "市级部门"): 233,
                        (2021, "市级政府"): 1204, (2021, "市级部门"): 301}
    per_year = rows(datasette, "/reports", sql=charts["reports-per-year"]["query"])
    assert {row["report_year"]: row["reports"] for row in per_year} == {2019: 2, 2020: 5, 2021: 4, 2022: 1}


# --- pages, links, archived copies -------------------------------------------------------
def test_reports_table_page_has_facets_and_archive_links(datasette):
    page = get(datasette, "/reports/reports").text
    for facet in ("province", "city", "report_year", "department", "format"):
        assert f'data-column="{facet}"' in page, facet
    assert "广东省" in page and "存档副本 archived copy" in page
    assert re.search(r'<a href="/-/archive/[0-9a-f]{16}">存档副本 archived copy</a>', page)
    summary = get(datasette, "/reports/report_summary").text
    assert re.search(r'<a href="/-/archive/[0-9a-f]{16}">存档副本 archived copy</a>', summary)
    assert '<a href="http://www.gz.gov.cn/gkmlpt/content/' in summary  # original URL is a link too


def test_archived_copy_of_a_gbk_page(datasette):
    report_id = store.stable_id(report_url(*GBK_PAGE))
    response = get(datasette, f"/-/archive/{report_id}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-security-policy"].startswith("sandbox")
    page = response.content.decode("utf-8")
    assert "存档副本 archived copy</strong>, fetched at 20" in page
    assert "<title>南京市统计局2020年政府信息公开工作年度报告</title>" in page  # decoded from GBK correctly
    assert '<meta charset="utf-8">' in page and "gbk" not in page.lower()
    assert "<base" not in page  # relative URLs must not resolve to the live site


def test_archived_copy_of_an_attachment_is_served_as_archived(datasette, demo_db):
    connection = sqlite3.connect(demo_db)
    attachment_id = connection.execute("select id from attachments").fetchone()[0]
    connection.close()
    response = get(datasette, f"/-/archive/attachment/{attachment_id}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-1.4")


def test_archived_copy_errors_are_clear(datasette, demo_db, tmp_path):
    assert get(datasette, "/-/archive/0000000000000000").status_code == 404
    add_db = copy_demo_db(tmp_path, "other.db")
    connection = sqlite3.connect(add_db)
    report_id = connection.execute("select id from reports limit 1").fetchone()[0]
    connection.execute("update reports set warc_file = null where id = ?", [report_id])
    connection.commit()
    connection.close()
    other = build_datasette(add_db)
    missing = get(other, f"/-/archive/{report_id}")
    assert missing.status_code == 404 and "has no archived copy" in missing.text
    elsewhere = build_datasette(add_db, archive_dir=tmp_path / "nowhere")
    unreadable = get(elsewhere, f"/-/archive/{store.stable_id(report_url(*GBK_PAGE))}")
    assert unreadable.status_code == 410 and "missing or damaged" in unreadable.text


# --- read-only serving -------------------------------------------------------------------
def test_serving_is_read_only_with_bounded_settings(datasette, demo_db):
    response = get(datasette, "/reports.json?sql=" + urllib.parse.quote("delete from reports"))
    assert response.status_code == 400
    connection = sqlite3.connect(demo_db)
    assert connection.execute("select count(*) from reports").fetchone()[0] == len(REPORTS)
    connection.close()
    settings = get(datasette, "/-/settings.json").json()
    assert settings["sql_time_limit_ms"] <= 5000 and settings["max_returned_rows"] <= 2000
    assert settings["suggest_facets"] is False
    plugins = {plugin["name"] for plugin in get(datasette, "/-/plugins.json").json()}
    assert {"datasette_plugin.plugin", "datasette-dashboards"} <= plugins
    assert not [name for name in plugins if re.search("write|insert|upload|edit|import", name)]


def test_immutable_snapshot_folds_the_wal_first(tmp_path):
    path = copy_demo_db(tmp_path, "snapshot.db")
    writer = store.open_db(path)  # leaves a live WAL with a new row in it
    writer["crawl_runs"].insert({"started": "2026-01-01T00:00:00+00:00", "status": "finished"})
    serve_command.checkpoint_for_snapshot(path)
    writer.close()
    datasette = build_datasette(path, immutable=True)
    runs = rows(datasette, "/reports/crawl_runs")
    assert len(runs) == 2
    assert rows(datasette, "/reports/reports", _search="依申请")


def test_serve_command_refuses_a_missing_database(tmp_path, capsys):
    args = SimpleNamespace(db=str(tmp_path / "none.db"), host="127.0.0.1", port=0, immutable=False, archive_dir=None)
    assert serve_command.run(args) == 2
    assert "no archive database" in capsys.readouterr().err


def test_archived_copy_decodes_a_mislabelled_page_like_the_crawl():
    from pipelines.read import decode_page

    text = "临沂市科学技术局2021年政府信息公开工作年度报告"
    body = f'<html><head><meta charset="gb2312"></head><body>{text}</body></html>'.encode("gb18030")
    assert decode_page(body, "text/html; charset=utf-8")[1] == "gb18030"  # header lies, <meta> is right
    assert text in decode_page(body, "text/html; charset=utf-8", "gbk")[0]  # the crawl's recorded encoding
    assert decode_page("政府信息公开".encode("utf-8"), "text/html")[1] == "utf-8"
    assert decode_page("政府信息公开工作年度报告，主动公开政府信息".encode("gb18030"))[1] == "gb18030"


def test_report_pages_link_to_their_checks_metrics_and_rows(datasette):
    broken_id = store.stable_id(report_url(*BROKEN))
    summary = get(datasette, "/reports/report_summary?failed_checks__gt=0").text
    assert f'<a href="/reports/checks?report_id={broken_id}&amp;passed=0">1</a>' in summary
    assert f'<a href="/reports/metrics?report_id={broken_id}">7</a>' in summary
    assert f'<a href="/reports/reports/{broken_id}">{broken_id}</a>' in summary
    checks = get(datasette, f"/reports/checks.json?report_id={broken_id}&passed=0&_shape=array").json()
    assert [check["rule"] for check in checks] == ["requests.balance.total"]
    row_page = get(datasette, f"/reports/reports/{broken_id}").text
    assert f'<a href="/-/archive/{broken_id}">存档副本 archived copy</a>' in row_page
    assert "本年度未收取信息处理费。" in row_page  # the row page shows the full text


def test_the_archive_is_the_only_database_served(datasette):
    databases = get(datasette, "/.json").json()
    assert list(databases) == ["reports"]
    # pipelines.views' views and check_reviews_latest (pipelines.check_reviews)
    assert databases["reports"]["views_count"] == len(views.VIEWS) + 1


@pytest.mark.parametrize("path", ["/", "/reports", "/reports/reports?_search=复议", "/reports/metric_pivot?key=review.total",
                                  "/-/dashboards/nianbao", "/reports/report_summary", "/reports/portal_errors_last_run",
                                  "/reports/reports_missing_for_year?year=2021"])
def test_an_empty_archive_serves_every_page(tmp_path, path):
    store.open_db(tmp_path / "reports.db").close()
    assert get(build_datasette(tmp_path / "reports.db"), path).status_code == 200


def test_metric_values_show_whole_numbers_with_their_unit(datasette):
    page = get(datasette, "/reports/metrics?key=active.total&_sort=value").text
    assert '<td class="col-value type-int">620 条</td>' in page  # stored as an integer, not 620.0
    summary = rows(datasette, "/reports/report_summary", city="南京市", report_year="2020")
    assert summary[0]["active_total"] == 620 and isinstance(summary[0]["active_total"], int)


def test_agency_levels_show_their_chinese_label_beside_the_code(datasette):
    table = get(datasette, "/reports/reports?_all=1&agency_level=county_gov").text  # a foreign key to agency_levels
    assert '县级政府</a>&nbsp;<em>county_gov</em>' in table
    query = get(datasette, "/reports/agencies_by_requests?year=2021&level=").text  # canned queries: the plugin
    assert "县级政府 county_gov" in query
