"""Legacy-format fixtures: each tests/fixtures/legacy/<case>.txt|.html has a hand-written
<case>.expected.json beside it. The whole chain runs (the CLI's file reader → parse_report)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.commands.parse import parse_file
from pipelines.metrics.legacy import extract_legacy_table
from pipelines.normalize import normalize_text

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "legacy"
CASES = sorted(p for p in FIXTURES.iterdir() if p.suffix in (".txt", ".html")) if FIXTURES.exists() else []
REPORT_FIELDS = ("title", "agency", "agency_source", "province", "city", "county", "region", "report_year",
                 "published", "index_no", "doc_no", "format", "url")


def test_every_case_has_an_expected_file():
    assert len(CASES) >= 5
    for case in CASES:
        assert case.with_suffix(".expected.json").exists(), case.name


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_case_matches_expected(case):
    expected = json.loads(case.with_suffix(".expected.json").read_text(encoding="utf-8"))
    result, readable = parse_file(case, None)
    assert readable
    assert result["errors"] == []
    for field in REPORT_FIELDS:
        if field in expected:
            assert result.get(field) == expected[field], field
    assert result["metrics"] == expected["metrics"]
    for key, unit in expected.get("units", {}).items():
        assert result["provenance"][key]["unit"] == unit, key
    failed = sorted(c["rule"] for c in result["checks"] if not c["passed"])
    assert failed == sorted(expected["failed_checks"])


LINEARISED = """统计指标
单位
统计数
一、主动公开情况
—
（一）主动公开政府信息数
条
20
（二）通过不同渠道和方式公开政府信息的情况
—
1.政府公报公开政府信息数
条
2.政府网站公开政府信息数
条
18
四、行政复议数量
件
2
（一）维持具体行政行为数
件
1
（二）被依法纠错数
件
1
五、行政诉讼数量
件
1
（二）被依法纠错数
件
1
六、被举报投诉数量
件
3
（二）纠错数
件
2
"""


def test_blank_cells_are_absent_and_rows_bind_to_their_block():
    table = extract_legacy_table(normalize_text(LINEARISED))
    values = {key: finding.value for key, finding in table.findings.items()}
    assert values == {"active.total": 20, "active.website": 18, "review.total": 2, "review.upheld": 1,
                      "review.corrected": 1, "litigation.total": 1, "litigation.corrected": 1,
                      "complaints.total": 3}
    assert "active.gazette" not in values  # its 统计数 cell is blank


def test_text_without_statistics_table():
    assert extract_legacy_table("一、概述\n2017年，我局主动公开信息13条。") is None


def test_table_label_wrapped_over_two_cells():
    text = "统计指标\n单位\n统计数\n二、回应解读情况\n—\n（一）回应公众关注热点或重大舆情数\n（不同方式回应同一热点或舆情计1次）\n次\n7\n"
    table = extract_legacy_table(text)
    assert table.findings["response.hot_topics"].value == 7
    assert table.findings["response.hot_topics"].unit == "次"
