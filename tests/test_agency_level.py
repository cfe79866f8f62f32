"""agency_level: which level of government published a report, from names as reports print them."""
from __future__ import annotations

import pytest

from pipelines.levels import GOVERNMENTS, LEVEL_NAMES, LEVELS, agency_level, label_rows, region_level

HUBEI = "湖北省"
YICHANG = "宜昌市"


@pytest.mark.parametrize("agency, province, city, county, expected", [
    # governments: the 人民政府 and its office, which publishes the government's report
    ("宜昌市人民政府", HUBEI, YICHANG, None, "city_gov"),
    ("宜昌市人民政府办公室", HUBEI, YICHANG, None, "city_gov"),
    ("宜昌市政府办", HUBEI, YICHANG, None, "city_gov"),
    ("夷陵区人民政府办公室", HUBEI, YICHANG, "夷陵区", "county_gov"),
    ("宜昌市夷陵区人民政府", HUBEI, YICHANG, "夷陵区", "county_gov"),
    ("枝江市人民政府", HUBEI, YICHANG, "枝江市", "county_gov"),  # a county-level city
    ("仙桃市人民政府", HUBEI, None, "仙桃市", "county_gov"),  # directly under the province
    ("某某镇人民政府", HUBEI, YICHANG, "夷陵区", "town_gov"),
    ("宜昌市夷陵区小溪塔街道办事处", HUBEI, YICHANG, "夷陵区", "town_gov"),
    ("湖北省人民政府办公厅", HUBEI, None, None, "province_gov"),
    ("北京市人民政府", "北京市", "北京市", None, "province_gov"),  # a municipality is province-level
    ("北京市海淀区人民政府", "北京市", "北京市", "海淀区", "county_gov"),
    ("恩施州人民政府", HUBEI, "恩施土家族苗族自治州", None, "city_gov"),
    ("大兴安岭地区行政公署", "黑龙江省", "大兴安岭地区", None, "city_gov"),
    ("宿迁市", "江苏省", "宿迁市", None, "city_gov"),  # a government's report naming only its place
    ("市政府办公厅", "广东省", "广州市", None, "city_gov"),
    ("县人民政府", HUBEI, YICHANG, "远安县", "county_gov"),
    # departments: anything else with a region, at the level of its place
    ("宜昌市生态环境局", HUBEI, YICHANG, None, "city_dept"),
    ("宜昌市人民政府国有资产监督管理委员会", HUBEI, YICHANG, None, "city_dept"),
    ("宜昌市夷陵区教育局", HUBEI, YICHANG, "夷陵区", "county_dept"),
    ("湖北省教育厅", HUBEI, None, None, "province_dept"),
    ("北京市交通委员会", "北京市", "北京市", None, "province_dept"),
    ("市科技局", "江西省", "九江市", None, "city_dept"),
    ("市教育局", HUBEI, None, "仙桃市", "county_dept"),  # 市 of a county-level city
    ("深圳市交通运输局", "广东省", "深圳市", None, "city_dept"),
    # no region at all
    ("国务院办公厅", None, None, None, "other"),
    ("教育部", None, None, None, "other"),
    (None, None, None, None, "other"),
])
def test_levels_of_realistic_names(agency, province, city, county, expected):
    assert agency_level(agency, province, city, county) == expected


def test_registry_department_when_the_report_names_no_agency():
    assert agency_level(None, "广东省", "广州市", None, department="市政府办公厅") == "city_gov"
    assert agency_level(None, "江苏省", "南京市", None, department="统计局") == "city_dept"
    assert agency_level("", "北京市", "北京市", "海淀区", department="区政府办公室") == "county_gov"
    # the report's own agency wins over the registry's department
    assert agency_level("南京市统计局", "江苏省", "南京市", None, department="市政府办公厅") == "city_dept"


def test_region_code_settles_shared_district_names():
    assert agency_level("朝阳区人民政府", "北京市", "北京市", "朝阳区", region_code="110105") == "county_gov"
    assert agency_level("朝阳区教育委员会", "北京市", "北京市", "朝阳区", region_code="110105") == "county_dept"


def test_region_level_of_the_fields():
    assert region_level("湖北省", "宜昌市", "夷陵区") == "county"
    assert region_level("湖北省", "宜昌市", None) == "city"
    assert region_level("北京市", "北京市", None) == "province"
    assert region_level(None, None, None) is None


def test_level_names_and_labels():
    assert LEVEL_NAMES == ("province_gov", "city_gov", "county_gov", "town_gov", "province_dept", "city_dept",
                           "county_dept", "other")
    assert set(GOVERNMENTS) < set(LEVEL_NAMES)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in zh) for _, zh, _ in LEVELS)
    assert [row["level"] for row in label_rows()] == list(LEVEL_NAMES)
