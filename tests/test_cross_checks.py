"""Cross checks (pipelines/metrics/cross_checks.py) and the probable-extraction-error flag of checks.

Archives of several years per body are written with store.save_report, as a crawl writes them.
"""
from __future__ import annotations

import pytest

from pipelines import store
from pipelines.metrics import cross_checks as X
from pipelines.metrics import keys as K
from pipelines.metrics import rules as R
from pipelines.metrics.checks import probable_extraction_error, run_checks

GZ = {"province": "广东省", "city": "广州市", "county": None}
COLUMNS = [c.name for c in K.TABLE3_COLUMNS]


def carried(values: list[int], row: str) -> dict[str, int]:
    """requests.<row>.<column> for the six applicant columns and their total."""
    cells = dict(zip(K.APPLICANT_COLUMNS, values))
    cells["total"] = sum(values)
    return {K.table3_key(row, column): value for column, value in cells.items()}


def save(db, portal_id: str, agency: str, year: int, metrics: dict, region: dict = GZ, fmt: str = "standard-2021",
         version: int = 1, level: str | None = None) -> str:
    url = f"http://{portal_id}.example.gov.cn/{agency}/{year}.html"
    report_id = store.stable_id(url)
    text = f"{agency}{year}年政府信息公开工作年度报告 v{version} {sorted(metrics.items())}"
    parsed = {"title": f"{agency}{year}年政府信息公开工作年度报告", "agency": agency, "report_year": year,
              "format": fmt, "metrics": metrics, "checks": run_checks(metrics, fmt), "errors": [], **region}
    if level:
        parsed["agency_level"] = level
    row = {"id": report_id, "url": url, "portal_id": portal_id, "title": parsed["title"], "agency": agency,
           "text": text, "content_hash": store.content_hash(text), **region}
    store.save_report(db, row, [], parsed)
    return report_id


def cross(db, report_id: str) -> dict[str, dict]:
    return {row["rule"]: row for row in db.query("select * from cross_checks where report_id = ?", [report_id])}


@pytest.fixture
def db(tmp_path):
    database = store.open_db(tmp_path / "reports.db")
    store.upsert_portals(database, [{"id": "gz", "name": "广州", "province": "广东省", "city": "广州市"},
                                    {"id": "sz", "name": "深圳", "province": "广东省", "city": "深圳市"}])
    yield database
    database.close()


def test_rules_are_registered_and_r6_r7_are_checked():
    assert R.rule_of("R6.requests.business") is R.R6
    assert R.rule_of("R7.active.normative") is R.R7
    assert R.rule_of("level_sum.requests.new.total") is R.LEVEL_SUM
    assert not R.is_registered("R7.active.licensing")
    template = {t.id: t for t in R.TEMPLATE_RULES}
    assert template["R6"].not_checked_because is None and template["R7"].not_checked_because is None


def test_r6_passes_and_fails_column_by_column_with_both_numbers_and_ids(db):
    last = save(db, "gz", "广州市教育局", 2021, carried([3, 1, 0, 0, 0, 2], "carry_forward"))
    this = save(db, "gz", "广州市教育局", 2022, carried([3, 4, 0, 0, 0, 2], "carried_over"))
    rows = cross(db, this)
    assert set(rows) == {R.R6.name(column=c) for c in COLUMNS}
    business = rows["R6.requests.business"]
    assert (business["passed"], business["expected"], business["found"], business["gap"]) == (0, 1, 4, 3)
    assert business["other_report_id"] == last and business["family"] == "cross_year"
    assert "2022年" in business["detail"] and "2021年" in business["detail"]
    assert rows["R6.requests.natural_person"]["passed"] == 1
    assert rows["R6.requests.total"]["passed"] == 0  # 6 carried forward, 9 carried over
    assert cross(db, last) == {}  # no 2020 report: nothing to compare the 2021 one with


def test_r7_in_force_equals_last_year_plus_issued_minus_repealed(db):
    def table2(entity, issued, repealed, in_force):
        return {K.table2_key(entity, "issued"): issued, K.table2_key(entity, "repealed"): repealed,
                K.table2_key(entity, "in_force"): in_force}
    save(db, "gz", "广州市人民政府办公厅", 2021, {**table2("rules", 2, 0, 40), **table2("normative", 10, 3, 120)})
    this = save(db, "gz", "广州市人民政府办公厅", 2022, {**table2("rules", 3, 1, 42), **table2("normative", 8, 2, 130)})
    rows = cross(db, this)
    assert rows["R7.active.rules"]["passed"] == 1 and rows["R7.active.rules"]["expected"] == 42
    normative = rows["R7.active.normative"]
    assert (normative["passed"], normative["expected"], normative["found"]) == (0, 126, 130)


def test_a_body_is_one_agency_on_one_portal(db):
    save(db, "gz", "广州市教育局", 2021, carried([1, 0, 0, 0, 0, 0], "carry_forward"))
    other_agency = save(db, "gz", "广州市财政局", 2022, carried([1, 0, 0, 0, 0, 0], "carried_over"))
    other_portal = save(db, "sz", "广州市教育局", 2022, carried([1, 0, 0, 0, 0, 0], "carried_over"))
    two_years_on = save(db, "gz", "广州市教育局", 2023, carried([1, 0, 0, 0, 0, 0], "carried_over"))
    assert cross(db, other_agency) == {} and cross(db, other_portal) == {} and cross(db, two_years_on) == {}
    # whitespace and full-width forms do not make another body
    spaced = save(db, "gz", "广州市 教育局", 2022, carried([1, 0, 0, 0, 0, 0], "carried_over"))
    assert cross(db, spaced)["R6.requests.total"]["passed"] == 1


def test_resaving_the_earlier_report_re_evaluates_the_later_one(db):
    save(db, "gz", "广州市教育局", 2021, carried([3, 1, 0, 0, 0, 2], "carry_forward"))
    this = save(db, "gz", "广州市教育局", 2022, carried([3, 4, 0, 0, 0, 2], "carried_over"))
    assert cross(db, this)["R6.requests.business"]["passed"] == 0
    # a later crawl finds the 2021 report corrected: its 结转下年度 now says 4
    save(db, "gz", "广州市教育局", 2021, carried([3, 4, 0, 0, 0, 2], "carry_forward"), version=2)
    rows = cross(db, this)
    assert all(row["passed"] == 1 for row in rows.values()), rows
    assert rows["R6.requests.business"]["expected"] == 4


def test_reparse_write_parse_of_the_earlier_report_re_evaluates(db):
    last = save(db, "gz", "广州市教育局", 2021, carried([3, 4, 0, 0, 0, 2], "carry_forward"))
    this = save(db, "gz", "广州市教育局", 2022, carried([3, 4, 0, 0, 0, 2], "carried_over"))
    assert cross(db, this)["R6.requests.total"]["passed"] == 1
    metrics = carried([3, 5, 0, 0, 0, 2], "carry_forward")
    parsed = {"agency": "广州市教育局", "report_year": 2021, "format": "standard-2021", "metrics": metrics,
              "checks": [], "errors": [], **GZ}
    assert store.write_parse(db, last, parsed)  # what reparse.apply writes
    assert cross(db, this)["R6.requests.total"]["passed"] == 0
    # the earlier report re-read as another year: the later one has nothing left to compare with
    store.write_parse(db, last, dict(parsed, report_year=2019))
    assert cross(db, this) == {}


def test_later_report_saved_first_is_checked_when_the_earlier_arrives(db):
    this = save(db, "gz", "广州市教育局", 2022, carried([1, 0, 0, 0, 0, 0], "carried_over"))
    assert cross(db, this) == {}
    last = save(db, "gz", "广州市教育局", 2021, carried([1, 0, 0, 0, 0, 0], "carry_forward"))
    assert cross(db, this)["R6.requests.total"]["other_report_id"] == last


def test_cross_level_flags_a_large_gap_and_never_changes_the_numbers(db):
    gov = save(db, "gz", "广州市人民政府办公厅", 2022, {"requests.new.total": 1000, "active.total": 5000})
    save(db, "gz", "广州市教育局", 2022, {"requests.new.total": 300, "active.total": 2000})
    rows = cross(db, gov)
    assert rows == {}  # one department is not a sum
    dept2 = save(db, "gz", "广州市财政局", 2022, {"requests.new.total": 400, "active.total": 2500})
    save(db, "sz", "深圳市教育局", 2022, {"requests.new.total": 9999}, region={**GZ, "city": "深圳市"})
    save(db, "gz", "广州市教育局", 2021, {"requests.new.total": 9999})  # another year
    rows = cross(db, gov)
    new = rows["level_sum.requests.new.total"]
    assert (new["expected"], new["found"], new["passed"], new["family"]) == (700, 1000, 1, "cross_level")
    assert new["other_report_id"] is None and dept2 in new["other_report_ids"]
    active = rows["level_sum.active.total"]
    assert (active["expected"], active["found"], active["passed"]) == (4500, 5000, 1)
    # a department's re-crawl with a much larger figure: the gap is now over half the larger figure
    save(db, "gz", "广州市财政局", 2022, {"requests.new.total": 4000, "active.total": 2500}, version=2)
    new = cross(db, gov)["level_sum.requests.new.total"]
    assert (new["expected"], new["found"], new["passed"]) == (4300, 1000, 0)
    assert "50%" in new["detail"]
    assert db.execute("select value from metrics where report_id = ? and key = 'requests.new.total'",
                      [gov]).fetchone()[0] == 1000


def test_level_threshold():
    assert X.level_passes(1000, 700) and not X.level_passes(1000, 4300)
    assert X.level_passes(5, 20)  # a gap under LEVEL_SUM_MIN_GAP is never large
    assert not X.level_passes(0, 25)


def test_split_and_merged_numbers_on_a_failing_row():
    # 表三 row 一 本年新收: 自然人 1 | 商业企业 2 | 科研机构 3 | … | 总计 15 - the PDF put 12 across two cells
    row = carried([1, 2, 3, 0, 0, 0], "new")
    row["requests.new.total"] = 15
    check = next(c for c in run_checks(row, "standard-2021") if c["rule"] == "R3.requests.new")
    assert not check["passed"] and check["probable_cause"] == "split_number"
    assert check["found"] == 15 and "12" in check["detail"]
    # the other way: 自然人 12 | 商业企业 3 where the table printed 1 and 2 in two cells, 总计 6
    row = carried([12, 3, 0, 0, 0, 0], "new")
    row["requests.new.total"] = 6
    check = next(c for c in run_checks(row, "standard-2021") if c["rule"] == "R3.requests.new")
    assert check["probable_cause"] == "merged_number" and check["found"] == 6
    # a plain inconsistency has no probable cause
    row = carried([5, 5, 0, 0, 0, 0], "new")
    row["requests.new.total"] = 11
    check = next(c for c in run_checks(row, "standard-2021") if c["rule"] == "R3.requests.new")
    assert not check["passed"] and "probable_cause" not in check
    assert probable_extraction_error(["a", "b", "c"], [5, 5, 0], 11) is None


def test_probable_cause_is_stored_on_the_checks_row(db):
    metrics = carried([1, 2, 3, 0, 0, 0], "new")
    metrics["requests.new.total"] = 15
    report = save(db, "gz", "广州市教育局", 2022, metrics)
    row = next(db.query("select * from checks where report_id = ? and rule = 'R3.requests.new'", [report]))
    assert (row["passed"], row["probable_cause"], row["found"]) == (0, "split_number", "15")
    assert db.execute("select value from metrics where report_id = ? and key = 'requests.new.total'",
                      [report]).fetchone()[0] == 15  # the published total stays


def test_an_archive_without_the_table_is_filled_when_opened(tmp_path):
    path = tmp_path / "old.db"
    database = store.open_db(path)
    save(database, "gz", "广州市教育局", 2021, carried([1, 0, 0, 0, 0, 0], "carry_forward"))
    this = save(database, "gz", "广州市教育局", 2022, carried([2, 0, 0, 0, 0, 0], "carried_over"))
    database["cross_checks"].drop()
    database.close()
    database = store.open_db(path)
    assert cross(database, this)["R6.requests.total"]["passed"] == 0
    database.close()


def test_demo_archive_links_both_reports(tmp_path):
    from tests.datasette_fixtures import build_demo_db

    database = store.open_db(build_demo_db(tmp_path / "demo.db"))
    links = {(fk.column, fk.other_table) for fk in database["cross_checks"].foreign_keys}
    assert links == {("report_id", "reports"), ("other_report_id", "reports")}
    rows = list(database.query(
        "select c.*, r.report_year as year, o.report_year as other_year from cross_checks c "
        "join reports r on r.id = c.report_id join reports o on o.id = c.other_report_id "
        "where c.rule = 'R6.requests.total' and r.portal_id = 'gd-gz-gov'"))
    assert {(r["year"], r["other_year"], r["expected"], r["found"], r["passed"]) for r in rows} == {
        (2020, 2019, 50, 50, 1), (2021, 2020, 63, 63, 1)}
    database.close()
