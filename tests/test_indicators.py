"""Derived indicators (report_indicators, indicator_values) and the indicator_ranking canned query.

A small 湖北省 archive whose table 三 and 四 cells are chosen so that every rate is computed by hand
below, every way a rate cannot be computed occurs once, two city governments tie, one has a tiny
denominator and a city bureau has a higher rate than any government (levels must not be mixed).
"""
from __future__ import annotations

import urllib.parse

import pytest

from datasette_plugin.app import build_datasette
from pipelines import store, views
from tests.datasette_fixtures import build_demo_db, get

HUBEI = "湖北省"

# Yichang city government 2021: a full standard-2021 report.
YICHANG = {
    "requests.total.total": 200, "requests.granted.total": 120, "requests.partial.total": 30,
    "requests.denied.state_secret.total": 2, "requests.denied.third_party.total": 8,
    "requests.unable.not_held.total": 20, "requests.unable.needs_creation.total": 5,
    "review.total": 8, "review.corrected": 2, "review.upheld": 5, "review.other": 1,
    "litigation.direct.upheld": 3, "litigation.direct.corrected": 1, "litigation.direct.other": 0,
    "litigation.direct.pending": 2, "litigation.direct.total": 6,
    "litigation.after_review.upheld": 1, "litigation.after_review.corrected": 1, "litigation.after_review.other": 0,
    "litigation.after_review.pending": 0, "litigation.after_review.total": 2,
    "disclosure_fees.total": 3.5,
}
# (agency, city, county, year, metrics)
REPORTS = [
    ("宜昌市人民政府", "宜昌市", None, 2021, YICHANG),
    # Jingzhou: 公开率 ties with Yichang (60/80 = 150/200 = 75 %); no reconsideration; no lawsuit block.
    ("荆州市人民政府", "荆州市", None, 2021, {
        "requests.total.total": 80, "requests.granted.total": 50, "requests.partial.total": 10,
        "requests.denied.process_info.total": 4, "requests.unable.not_held.total": 16,
        "review.total": 0, "review.corrected": 0, "disclosure_fees.total": 0}),
    # Xiangyang: 5 of 5 granted (100 %) on a tiny denominator; 复议 total without its 结果纠正 cell.
    ("襄阳市人民政府", "襄阳市", None, 2021, {
        "requests.total.total": 5, "requests.granted.total": 5, "requests.partial.total": 0, "review.total": 3}),
    # Shiyan: only the handled total was read (no result rows).
    ("十堰市人民政府", "十堰市", None, 2021, {"requests.total.total": 300}),
    # Xiaogan: no handled total at all.
    ("孝感市人民政府", "孝感市", None, 2021, {"requests.new.total": 12}),
    # A city bureau with a higher rate than any government: never ranked with them.
    ("宜昌市生态环境局", "宜昌市", None, 2021, {
        "requests.total.total": 40, "requests.granted.total": 36, "requests.partial.total": 0}),
    # A district government that handled nothing.
    ("夷陵区人民政府办公室", "宜昌市", "夷陵区", 2021, {
        "requests.total.total": 0, "requests.granted.total": 0, "requests.partial.total": 0}),
    # Yichang the year before: another year, never in the 2021 ranking.
    ("宜昌市人民政府", "宜昌市", None, 2020, {
        "requests.total.total": 100, "requests.granted.total": 10, "requests.partial.total": 0}),
]


def parsed(agency: str, city: str, county: str | None, year: int, metrics: dict) -> dict:
    provenance = {key: {"unit": "万元" if key.startswith("disclosure_fees") else "件",
                        "section": "三" if key.startswith("requests") else "四", "source": "table",
                        "snippet": f"{key} {value}"} for key, value in metrics.items()}
    return {"title": f"{agency}{year}年政府信息公开工作年度报告", "agency": agency, "province": HUBEI, "city": city,
            "county": county, "region": county or city, "report_year": year, "format": "standard-2021",
            "metrics": metrics, "provenance": provenance, "checks": [], "errors": []}


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("indicators") / "reports.db"
    db = store.open_db(path)
    for agency, city, county, year, metrics in REPORTS:
        url = f"http://www.hubei.gov.cn/{store.stable_id(agency)}/{year}.html"
        text = f"{agency}{year}年政府信息公开工作年度报告"
        row = {"id": store.stable_id(url), "url": url, "title": text, "text": text, "province": HUBEI, "city": city,
               "county": county, "content_hash": store.content_hash(text)}
        store.save_report(db, row, [], parsed(agency, city, county, year, metrics))
    db.close()
    return path


@pytest.fixture(scope="module")
def datasette(db_path):
    return build_datasette(db_path)


def rows(datasette, path: str, **params) -> list[dict]:
    response = get(datasette, f"{path}.json?{urllib.parse.urlencode(dict(params, _shape='array', _size='max'))}")
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def indicators(datasette) -> dict[tuple[str, int], dict]:
    return {(row["agency"], row["report_year"]): row for row in rows(datasette, "/reports/report_indicators")}


def ranking(datasette, indicator="", year="2021", level="", min_denominator=""):
    return rows(datasette, "/reports/indicator_ranking", indicator=indicator, year=year, level=level,
                min_denominator=min_denominator)


# --- formulas -------------------------------------------------------------------------------------
def test_rates_of_a_full_report(indicators):
    row = indicators[("宜昌市人民政府", 2021)]
    # 公开率 = (予以公开 120 + 部分公开 30) / 办结 200
    assert (row["disclosure_rate_numerator"], row["disclosure_rate_denominator"], row["disclosure_rate"]) == (150, 200, 75.0)
    # 不予公开率 = (国家秘密 2 + 第三方 8) / 200
    assert (row["denial_rate_numerator"], row["denial_rate_denominator"], row["denial_rate"]) == (10, 200, 5.0)
    # 无法提供率 = (不掌握 20 + 另行制作 5) / 200
    assert (row["unable_rate_numerator"], row["unable_rate"]) == (25, 12.5)
    # 复议纠错率 = 结果纠正 2 / 复议总计 8
    assert (row["review_correction_rate_numerator"], row["review_correction_rate_denominator"],
            row["review_correction_rate"]) == (2, 8, 25.0)
    # 诉讼败诉率 = (直接起诉纠正 1 + 复议后起诉纠正 1) / 审结 (3+1+0 + 1+1+0); the 2 pending cases are left out
    assert (row["litigation_loss_rate_numerator"], row["litigation_loss_rate_denominator"],
            row["litigation_loss_rate"]) == (2, 6, 33.33)
    # 收费金额: 3.5 万元 → 35000 元
    assert (row["disclosure_fees_stated"], row["disclosure_fees_unit"], row["disclosure_fees"]) == (3.5, "万元", 35000)
    assert not any(row[f"{code}_reason"] for code, _zh, _en in views.INDICATORS)


def test_second_report_hand_computed(indicators):
    row = indicators[("荆州市人民政府", 2021)]
    assert (row["disclosure_rate"], row["denial_rate"], row["unable_rate"]) == (75.0, 5.0, 20.0)
    assert row["disclosure_fees"] == 0 and row["disclosure_fees_reason"] is None  # 0 元 charged is a value


# --- what cannot be computed: NULL and a reason, never 0 -----------------------------------------
@pytest.mark.parametrize("agency, year, code, reason_has", [
    ("荆州市人民政府", 2021, "review_correction_rate", "复议总计为0"),       # zero denominator
    ("荆州市人民政府", 2021, "litigation_loss_rate", "缺少诉讼审结数"),      # no lawsuit cells
    ("襄阳市人民政府", 2021, "review_correction_rate", "缺少复议结果纠正"),  # numerator missing
    ("十堰市人民政府", 2021, "disclosure_rate", "缺少予以公开或部分公开"),   # only the total was read
    ("十堰市人民政府", 2021, "denial_rate", "缺少不予公开各行"),
    ("十堰市人民政府", 2021, "unable_rate", "缺少无法提供各行"),
    ("孝感市人民政府", 2021, "disclosure_rate", "缺少办结总计"),             # denominator missing
    ("夷陵区人民政府办公室", 2021, "disclosure_rate", "办结总计为0"),        # zero applications handled
    ("夷陵区人民政府办公室", 2021, "denial_rate", "办结总计为0"),
    ("十堰市人民政府", 2021, "disclosure_fees", "缺少收费金额"),
])
def test_null_with_a_reason(indicators, agency, year, code, reason_has):
    row = indicators[(agency, year)]
    assert row[code] is None
    assert reason_has in row[f"{code}_reason"]


def test_gaps_listed_in_long_form_and_query(datasette):
    gaps = rows(datasette, "/reports/indicator_gaps", indicator="disclosure_rate", year="2021")
    assert {row["agency"] for row in gaps} == {"十堰市人民政府", "孝感市人民政府", "夷陵区人民政府办公室"}
    assert all(row["reason"] for row in gaps)
    long_form = rows(datasette, "/reports/indicator_values", indicator="review_correction_rate", report_year="2021")
    assert len(long_form) == 7
    computed = [row for row in long_form if row["value"] is not None]
    assert [(row["agency"], row["value"], row["numerator"], row["denominator"]) for row in computed] == [
        ("宜昌市人民政府", 25.0, 2, 8)]


# --- ranking --------------------------------------------------------------------------------------
def test_ranking_ties_sample_size_and_tiny_denominators(datasette):
    # equal rates share a rank; the larger sample is listed first
    ranked = ranking(datasette)  # default: 公开率, governments, min_denominator 10
    assert [(r["rank"], r["agency"], r["value"], r["sample_size"], r["agency_level"]) for r in ranked] == [
        (1, "宜昌市人民政府", 75.0, 200, "city_gov"), (1, "荆州市人民政府", 75.0, 80, "city_gov")]
    assert {r["ranked"] for r in ranked} == {2}
    assert all(r["indicator"] == "公开率" for r in ranked)
    # 襄阳 (5 of 5) is left out under the default and ranks first once tiny denominators are allowed
    with_tiny = ranking(datasette, min_denominator="1")
    assert [(r["rank"], r["agency"], r["sample_size"]) for r in with_tiny] == [
        (1, "襄阳市人民政府", 5), (2, "宜昌市人民政府", 200), (2, "荆州市人民政府", 80)]


def test_ranking_keeps_levels_and_years_apart(datasette):
    governments = ranking(datasette, min_denominator="1")
    assert "宜昌市生态环境局" not in {r["agency"] for r in governments}  # 90 % but a bureau
    assert {r["report_year"] for r in governments} == {2021}
    bureaus = ranking(datasette, level="city_dept")
    assert [(r["rank"], r["agency"], r["value"], r["sample_size"]) for r in bureaus] == [
        (1, "宜昌市生态环境局", 90.0, 40)]
    earlier = ranking(datasette, year="2020")
    assert [(r["agency"], r["value"]) for r in earlier] == [("宜昌市人民政府", 10.0)]


def test_ranking_by_other_indicators(datasette):
    unable = ranking(datasette, indicator="unable_rate")
    assert [(r["rank"], r["agency"], r["value"]) for r in unable] == [
        (1, "荆州市人民政府", 20.0), (2, "宜昌市人民政府", 12.5)]
    # 8 reconsiderations fall under the default minimum of 10: the one computed rate is left out
    assert ranking(datasette, indicator="review_correction_rate") == []
    assert [r["value"] for r in ranking(datasette, indicator="review_correction_rate", min_denominator="5")] == [25.0]
    fees = ranking(datasette, indicator="disclosure_fees")  # an amount: no denominator to exclude by
    assert [(r["agency"], r["value"], r["sample_size"]) for r in fees] == [
        ("宜昌市人民政府", 35000, None), ("荆州市人民政府", 0, None)]


def test_indicator_choices(datasette):
    data = get(datasette, "/-/nianbao/choices.json").json()
    assert [(i["indicator"], i["label_zh"]) for i in data["indicators"]] == [
        (code, zh) for code, zh, _en in views.INDICATORS]
    assert "公开率" in {i["label_zh"] for i in data["indicators"]}


# --- the demo archive, under Datasette's time limit --------------------------------------------------
def test_canned_queries_run_on_the_demo_db(tmp_path):
    demo = build_datasette(build_demo_db(tmp_path / "demo.db"))
    for code in views.RATE_INDICATORS + ("disclosure_fees",):
        response = get(demo, "/reports/indicator_ranking.json?" + urllib.parse.urlencode(
            {"indicator": code, "year": "", "level": "", "min_denominator": "", "_shape": "objects"}))
        assert response.status_code == 200, response.text
        assert response.json()["ok"] is not False
    gaps = get(demo, "/reports/indicator_gaps.json?indicator=&year=&_shape=array&_size=max")
    assert gaps.status_code == 200, gaps.text
    assert gaps.json()  # the demo reports carry no table 三 result rows: 公开率 cannot be computed
