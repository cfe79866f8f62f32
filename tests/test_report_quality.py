"""Checks run / passed / failed and completeness on realistic parses, stored through pipelines.store."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
import sqlite_utils

from pipelines import store
from pipelines.completeness import parse_quality, quality
from pipelines.parse import parse_report

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def parse_fixture(name: str) -> dict:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return parse_report(html=text) if name.endswith(".html") else parse_report(text=text)


@pytest.fixture(scope="module")
def parses():
    return {name: parse_fixture(name) for name in (
        "reports/bureau2021_split.html", "reports/broken_r1_natural_person.html",
        "legacy/wuxi_pipe_table_2016.txt", "legacy/town_headings_2016.txt")}


def test_a_standard_report_read_whole(parses):
    q = parse_quality(parses["reports/bureau2021_split.html"])
    assert q["tables_expected"] == q["tables_found"] == "二,三,四"
    assert q["completeness"] == "complete"
    assert q["checks_run"] > 30 and q["checks_failed"] == 0 and q["checks_passed"] == q["checks_run"]
    assert q["table_metrics"] > 150 and q["prose_metrics"] >= 0


def test_a_standard_report_failing_one_rule(parses):
    q = parse_quality(parses["reports/broken_r1_natural_person.html"])
    assert q["checks_failed"] == 1 and q["checks_passed"] == q["checks_run"] - 1


def test_a_standard_report_missing_a_table_is_partial(parses):
    parsed = copy.deepcopy(parses["reports/bureau2021_split.html"])
    for key in [k for k, p in parsed["provenance"].items() if p.get("section") == "四"]:
        del parsed["metrics"][key], parsed["provenance"][key]
    q = parse_quality(parsed)
    assert (q["tables_found"], q["completeness"]) == ("二,三", "partial")


def test_legacy_reports(parses):
    table = parse_quality(parses["legacy/wuxi_pipe_table_2016.txt"])
    assert (table["tables_expected"], table["tables_found"], table["completeness"]) == ("统计表", "统计表", "complete")
    assert table["checks_run"] == table["checks_passed"] + table["checks_failed"] > 0
    prose = parse_quality(parses["legacy/town_headings_2016.txt"])
    # numbers from sentences only and no rule to apply: failed_checks = 0 alone would look like a clean report
    assert prose["completeness"] == "prose_only" and prose["table_metrics"] == 0 and prose["prose_metrics"] > 0
    assert (prose["checks_run"], prose["checks_failed"]) == (0, 0)


def test_nothing_read():
    assert quality("unknown", [], []) == {
        "checks_run": 0, "checks_passed": 0, "checks_failed": 0, "tables_expected": "", "tables_found": "",
        "table_metrics": 0, "prose_metrics": 0, "completeness": "none"}
    assert quality("unknown", [("table", "三")], [])["completeness"] == "partial"  # tables, but no known template


def test_store_writes_the_quality_and_level_columns(tmp_path, parses):
    db = store.open_db(tmp_path / "reports.db")
    for index, (name, parsed) in enumerate(parses.items()):
        url = f"http://example.gov.cn/{index}.html"
        row = {"id": store.stable_id(url), "url": url, "title": parsed.get("title"), "text": name,
               "content_hash": store.content_hash(name)}
        store.save_report(db, row, [], parsed)
    stored = {r["text"]: r for r in db.query("select * from reports")}
    for name, parsed in parses.items():
        row = stored[name]
        for column, value in parse_quality(parsed).items():
            assert row[column] == value, (name, column)
        assert row["failed_checks"] == row["checks_failed"]
        assert row["agency_level"] == parsed["agency_level"]
    assert stored["legacy/town_headings_2016.txt"]["agency_level"] == "town_gov"  # 松阳县象溪镇人民政府
    assert stored["legacy/wuxi_pipe_table_2016.txt"]["agency_level"] == "county_dept"  # 巫溪县卫生和计划生育委员会
    db.close()


def test_an_older_database_gets_the_columns_filled(tmp_path):
    """A database written before these columns: opening it adds and fills them, and turns REAL values
    into integers where whole."""
    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    old["reports"].create({k: v for k, v in store.REPORT_COLUMNS.items() if k not in store.DERIVED_REPORT_COLUMNS},
                          pk="id")
    old["metrics"].create({"report_id": str, "key": str, "value": float, "unit": str, "section": str, "source": str,
                           "snippet": str, "ocr": int}, pk=("report_id", "key"))
    old["checks"].create({"report_id": str, "rule": str, "expected": str, "found": str, "passed": int,
                          "detail": str}, pk=("report_id", "rule"))
    old["reports"].insert({"id": "a", "agency": "宜昌市生态环境局", "province": "湖北省", "city": "宜昌市",
                           "format": "standard-2021"})
    old["metrics"].insert_all([
        {"report_id": "a", "key": "requests.new.total", "value": 220.0, "source": "table", "section": "三"},
        {"report_id": "a", "key": "active.total", "value": 3.5, "source": "prose", "section": "一"}])
    old["checks"].insert_all([{"report_id": "a", "rule": "R1.requests.total", "passed": 1},
                              {"report_id": "a", "rule": "R2.requests.total", "passed": 0}])
    old.close()
    db = store.open_db(path)
    row = next(db.query("select * from reports"))
    assert (row["agency_level"], row["checks_run"], row["checks_passed"], row["checks_failed"]) == ("city_dept", 2, 1, 1)
    assert (row["tables_expected"], row["tables_found"], row["completeness"]) == ("二,三,四", "三", "partial")
    assert (row["table_metrics"], row["prose_metrics"]) == (1, 1)
    assert db.execute("select value, typeof(value) from metrics order by key").fetchall() == [
        (3.5, "real"), (220, "integer")]
    db.close()
