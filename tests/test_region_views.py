"""Region figures one agency level at a time, keys with their labels, integers as integers.

A small archive for 湖北省: 宜昌市人民政府 (the city government's own report), 宜昌市生态环境局 (one of
its bureaus), 夷陵区人民政府办公室 (a district government inside 宜昌) and 荆州市人民政府 (another city).
Before agency_level, the 宜昌市 sum added all three 宜昌 reports together.
"""
from __future__ import annotations

import json
import re
import time
import urllib.parse

import pytest
import yaml

from datasette_plugin.app import METADATA_PATH, build_datasette
from pipelines import store
from pipelines.metrics import keys as K
from tests.datasette_fixtures import get

HUBEI = "湖北省"
# agency, city, county, applications received (requests.new.total), fees (万元), failed R1 or not
REPORTS = [
    ("宜昌市人民政府", "宜昌市", None, 220, 3.5, False),
    ("宜昌市生态环境局", "宜昌市", None, 35, 0, True),
    ("夷陵区人民政府办公室", "宜昌市", "夷陵区", 48, 1, False),
    ("荆州市人民政府", "荆州市", None, 150, 2, False),
]
LEVELS = {"宜昌市人民政府": "city_gov", "宜昌市生态环境局": "city_dept", "夷陵区人民政府办公室": "county_gov",
          "荆州市人民政府": "city_gov"}


def parsed(agency: str, city: str, county: str | None, new: int, fees: float, broken: bool) -> dict:
    metrics = {"requests.new.total": new, "requests.carried_over.total": 2, "requests.total.total": new + 2,
               "disclosure_fees.total": fees}
    provenance = {key: {"unit": "万元" if key.startswith("disclosure") else "件", "section": "三",
                        "source": "table", "snippet": f"{key} {value}"} for key, value in metrics.items()}
    provenance["disclosure_fees.total"].update(source="prose", section="六")
    checks = [{"rule": "R1.requests.total", "expected": str(new + 2), "found": str(new + 2 + (5 if broken else 0)),
               "passed": not broken, "detail": "本年新收+上年结转 ≠ 总计+结转下年度" if broken else None}]
    return {"title": f"{agency}2021年政府信息公开工作年度报告", "agency": agency, "province": HUBEI, "city": city,
            "county": county, "region": county or city, "report_year": 2021, "format": "standard-2021",
            "metrics": metrics, "provenance": provenance, "checks": checks, "errors": []}


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("levels") / "reports.db"
    db = store.open_db(path)
    for agency, city, county, new, fees, broken in REPORTS:
        url = f"http://www.hubei.gov.cn/{store.stable_id(agency)}.html"
        text = f"{agency}2021年政府信息公开工作年度报告"
        row = {"id": store.stable_id(url), "url": url, "title": text, "text": text, "province": HUBEI, "city": city,
               "county": county, "content_hash": store.content_hash(text)}
        store.save_report(db, row, [], parsed(agency, city, county, new, fees, broken))
    db.close()
    return path


@pytest.fixture(scope="module")
def datasette(db_path):
    return build_datasette(db_path)


def rows(datasette, path: str, **params) -> list[dict]:
    response = get(datasette, f"{path}.json?{urllib.parse.urlencode(dict(params, _shape='array', _size='max'))}")
    assert response.status_code == 200, response.text
    return response.json()


def test_every_report_has_its_level(datasette):
    assert {row["agency"]: row["agency_level"] for row in rows(datasette, "/reports/reports")} == LEVELS


def test_region_view_keeps_levels_apart(datasette):
    long_form = rows(datasette, "/reports/metric_by_year_region", key="requests.new.total")
    by_level = {(row["agency_level"], row["region"]): (row["reports"], row["total"]) for row in long_form}
    assert by_level == {("city_gov", "宜昌市"): (1, 220), ("city_dept", "宜昌市"): (1, 35),
                        ("county_gov", "夷陵区"): (1, 48), ("city_gov", "荆州市"): (1, 150)}
    # the governments' own figure for 宜昌市 is its own report: not 220 + 35 + 48
    own = rows(datasette, "/reports/metric_by_year_region", key="requests.new.total", city="宜昌市",
               agency_level="city_gov")
    assert [row["total"] for row in own] == [220]
    assert own[0]["label_zh"] == K.get("requests.new.total").label_zh and own[0]["level_zh"] == "市级政府"
    assert own[0]["unit"] == "件"


def test_canned_queries_sum_one_level(datasette):
    def new_requests(query, **params):
        return [row.get("requests_new", row.get("total")) for row in rows(datasette, f"/reports/{query}", **params)]

    trend = "requests_trend_for_region"
    assert new_requests(trend, region="宜昌市") == [220]  # default: the city government's own report
    assert new_requests(trend, region="宜昌市", level="city_dept") == [35]  # its bureaus
    assert new_requests(trend, region="宜昌市", level="county_gov") == [48]  # its districts' governments
    assert new_requests(trend, region="夷陵区") == [48]
    assert new_requests(trend, region=HUBEI) == []  # no provincial government report archived
    assert new_requests(trend, region=HUBEI, level="city_gov") == [220 + 150]  # each city government once
    by_year = "region_metric_by_year"
    assert new_requests(by_year, key="requests.new.total", region="宜昌市") == [220]
    assert new_requests(by_year, key="requests.new.total", region=HUBEI, level="city_gov") == [370]
    labelled = rows(datasette, f"/reports/{by_year}", key="requests.new.total", region="宜昌市")[0]
    assert labelled["label_zh"] == K.get("requests.new.total").label_zh and labelled["unit"] == "件"
    ranked = rows(datasette, "/reports/agencies_by_requests", year="2021", level="city_gov")
    assert [row["agency"] for row in ranked] == ["宜昌市人民政府", "荆州市人民政府"]
    values = rows(datasette, "/reports/metric_values", key="requests.new.total", level="county_gov")
    assert [(row["agency"], row["label_zh"]) for row in values] == [
        ("夷陵区人民政府办公室", K.get("requests.new.total").label_zh)]


def test_failing_checks_say_which_rule_and_why(datasette):
    failing = rows(datasette, "/reports/reports_failing_checks")
    assert [(row["agency"], row["rule"], row["expected"], row["found"], row["checks_run"]) for row in failing] == [
        ("宜昌市生态环境局", "R1.requests.total", "37", "42", 1)]
    assert failing[0]["rule_zh"].startswith("一 本年新收") and "requests.carried_over" in failing[0]["rule_en"]
    inconsistent = rows(datasette, "/reports/inconsistent_reports")
    assert len(inconsistent) == 1
    assert inconsistent[0]["failures"].startswith("R1.requests.total: expected 37, found 42 - 一 本年新收")
    assert "本年新收+上年结转 ≠ 总计+结转下年度" in inconsistent[0]["details"]
    summary = {row["agency"]: row for row in rows(datasette, "/reports/report_summary")}
    assert (summary["宜昌市生态环境局"]["checks_run"], summary["宜昌市生态环境局"]["checks_passed"],
            summary["宜昌市生态环境局"]["failed_checks"]) == (1, 0, 1)
    assert summary["宜昌市人民政府"]["completeness"] == "partial"  # table 三 only: 二 and 四 not read


def test_whole_numbers_are_integers_in_datasette_json(datasette):
    response = get(datasette, "/reports/metrics.json?key=requests.new.total&_shape=array")
    assert '"value": 220' in response.text.replace('"value":220', '"value": 220')
    assert "220.0" not in response.text
    values = {row["value"] for row in response.json()}
    assert values == {220, 35, 48, 150} and all(isinstance(v, int) for v in values)
    fees = {row["value"] for row in rows(datasette, "/reports/metrics", key="disclosure_fees.total")}
    assert fees == {3.5, 0, 1, 2} and {type(v) for v in fees} == {float, int}
    totals = rows(datasette, "/reports/metric_by_year_region", key="requests.new.total")
    assert all(isinstance(row["total"], int) for row in totals)
    trend = rows(datasette, "/reports/requests_trend_for_region", region=HUBEI, level="city_gov")
    assert isinstance(trend[0]["requests_new"], int)


def test_agency_level_is_a_facet_with_labels(datasette):
    facets = get(datasette, "/reports/reports.json?_facet=agency_level").json()["facet_results"]
    results = facets.get("results", facets)  # Datasette 0.65: {name: ...}; 1.0: {"results": {...}}
    counts = {item["value"]: item["count"] for item in results["agency_level"]["results"]}
    assert counts == {"city_gov": 2, "city_dept": 1, "county_gov": 1}
    labels = rows(datasette, "/reports/agency_levels")
    assert [(row["level"], row["label_zh"]) for row in labels][:3] == [
        ("province_gov", "省级政府"), ("city_gov", "市级政府"), ("county_gov", "县级政府")]


def test_canned_queries_are_fast(datasette):
    metadata = yaml.safe_load(METADATA_PATH.read_text(encoding="utf-8"))
    values = {"region": HUBEI, "year": "2021", "key": "requests.new.total", "q": "年度", "level": "city_gov",
              "indicator": "disclosure_rate", "min_denominator": "10"}
    for name, query in metadata["databases"]["reports"]["queries"].items():
        params = {p: values[p] for p in set(re.findall(r"(?<!:):(\w+)", query["sql"]))}
        started = time.monotonic()
        response = get(datasette, f"/reports/{name}.json?{urllib.parse.urlencode(params)}&_shape=array")
        assert response.status_code == 200, (name, response.text)
        assert time.monotonic() - started < 3, name
        json.dumps(response.json())
