"""Legacy-format fixtures: each tests/fixtures/legacy/<case>.txt|.html has a hand-written
<case>.expected.json beside it. The whole chain runs (the CLI's file reader → parse_report)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.commands.parse import parse_file
from pipelines.metrics.legacy import extract_legacy_table
from pipelines.metrics.prose import extract_prose
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


# --- prose sentences -----------------------------------------------------------------------------


def prose(text: str) -> dict:
    return {key: f.value for key, f in extract_prose(normalize_text(text)).items()}


def test_only_the_stated_total_not_the_breakdown_or_cumulative_counts():
    text = ("二、政府信息主动公开情况\n2017年我局发布共计信息98条,其中部门文件10条,发展规划8条。"
            "门户网站2017年以来共计发布信息公开273条,分别是政务信息37条。")
    assert prose(text) == {"active.total": 98}


def test_channel_counts_without_a_year_total():
    text = ("二、主动公开政府信息情况\n2018年，我局在市政府科技局网站公开信息共196条，其中，图片新闻6条，科技动态118条。"
            "在市政府政务信息公开专栏发布信息30条。")
    assert prose(text) == {"active.website": 196}


def test_channel_breakdown_after_qizhong_is_kept():
    text = "2017年，全区共主动公开政府信息1,236条，其中通过区政府网站公开1,102条，政务微信公开49条。"
    assert prose(text) == {"active.total": 1236, "active.website": 1102, "active.wechat": 49}


def test_negative_sentences_give_zero():
    text = ("2018年，我局未收到任何形式的申请公开信息要求，未发生与信息公开相关的行政复议和诉讼案件，"
            "未发生与信息公开相关的收费和减免情况。同时未收到信息公开举报投诉案件。")
    assert prose(text) == {"requests.new.total": 0, "review.total": 0, "litigation.total": 0,
                           "disclosure_fees.total": 0, "complaints.total": 0}


def test_numbers_bind_to_their_own_clause():
    text = "2012年，全区因政府信息公开申请行政复议12件，提起行政诉讼7件，收到举报投诉2件，收取费用120元。"
    found = extract_prose(normalize_text(text))
    assert {k: f.value for k, f in found.items()} == {"review.total": 12, "litigation.total": 7,
                                                      "complaints.total": 2, "disclosure_fees.total": 120}
    assert found["disclosure_fees.total"].unit == "元"


def test_chinese_numerals_in_prose():
    assert prose("2017年我局收到依申请公开政府信息零条") == {"requests.new.total": 0}
    assert prose("全年共主动公开政府信息一百零五条。") == {"active.total": 105}


def test_catalogues_captions_headings_and_table_rows_are_not_prose():
    text = ("具体公开信息目录如下：\n序号\n信息标题\n主题分类\n上报时间\n1\n主动公开信息14条的说明\n\n2017.09.06\n"
            "二、政府信息公开情况\n图 1 主动公开信息 8 条\n"
            "四、政府信息公开收费及减免情况\n"
            "|  | 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请 | 1 | 0 |\n"
            "4.无正当理由大量反复申请\n")
    assert prose(text) == {}


def test_reminders_about_complaint_channels_are_not_counts():
    assert prose("设立了投诉电话、举报箱，随时接受群众对政务公开工作的投诉和举报。") == {}


def test_agency_fee_items_are_not_disclosure_fees():
    assert "disclosure_fees.total" not in prose("二、主动公开情况\n公开行政事业性收费目录，无新增收费项目。")
    assert prose("四、政府信息公开收费及减免情况\n本年度无收费项目。") == {"disclosure_fees.total": 0}


def test_leiji_within_the_year_is_the_total():
    assert prose("2021年，我局累计主动公开政府信息235条，其中机构职能类信息3条。") == {"active.total": 235}
    assert prose("门户网站开通至今累计主动公开政府信息4,120条。") == {}


def test_total_inside_a_breakdown_of_all_information_made():
    text = "一、概述\n2018年，共制作政府信息2100条，其中主动公开信息860条，依申请公开信息40条，不予公开信息1200条。"
    assert prose(text) == {"active.total": 860}


def test_site_count_without_zai_is_the_website_channel():
    text = "(一)主动公开方面\n全年区人民政府网站共发布各类信息5320条。"
    assert prose(text) == {"active.website": 5320}


def test_fee_sentence_is_not_a_request_count():
    text = ("三、政府信息公开的收费及减免情况\n本年度本局未收取与政府信息公开申请有关的任何费用。\n"
            "二、依申请公开情况\n本年度共收到政府信息公开申请4件。")
    assert prose(text) == {"disclosure_fees.total": 0, "requests.new.total": 4}


def test_headings_state_no_figure_unless_they_carry_one():
    assert prose("五、政府信息公开收费及减免情况,政府信息公开申请行政复议、提起行政诉讼情况") == {}
    assert prose("(一)全年主动公开政府信息120条。") == {"active.total": 120}
    assert prose("三、依申请公开情况:全年收到政府信息公开申请6件。") == {"requests.new.total": 6}


def test_table_four_headers_are_not_sentences():
    assert prose("四、政府信息公开行政复议、行政诉讼情况\n行政复议\n行政诉讼\n结果维持\n尚未审结\n未经复议直接起诉\n复议后起诉") == {}


def test_pdf_rows_whose_cells_ran_together():
    # PDF text: one row per line, cells apart by spaces only; normalising closes the spaces.
    text = normalize_text("统 计 指 标 单位 统计数\n一、主动公开情况 —\n（一）主动公开政府信息数（不同渠道和方式公开相同信息计1条） 条 319\n"
                          "3.政务微博公开政府信息数 条\n二、回应解读情况 —\n其中：主要负责同志参加新闻发布会次数 次 1\n"
                          "十一、查阅点接待人数 次 0\n十三、政府信息公开会议和培训情况 —\n（三）接受培训人员数 人次 26\n")
    table = extract_legacy_table(text)
    values = {key: (f.value, f.unit) for key, f in table.findings.items()}
    assert values == {"active.total": (319, "条"), "response.press_conferences_by_head": (1, "次"),
                      "reading_points.visitors": (0, "次"), "training.attendees": (26, "人次")}


def test_rows_before_any_block_row_only_when_unambiguous():
    table = extract_legacy_table("统计指标\n单位\n统计数\n（一）收到申请数\n件\n3\n（一）维持具体行政行为数\n件\n1\n")
    assert {key: f.value for key, f in table.findings.items()} == {"requests.new.total": 3}


def test_ten_thousands_written_with_wan():
    assert prose("2019年，通过门户网站和新媒体等形式主动公开政府信息2.06万条。") == {"active.total": 20600}
    assert prose("全年主动公开政府信息3万余条。") == {"active.total": 30000}
    found = extract_prose(normalize_text("四、收费情况\n2016年依申请公开收取费用0.5万元。"))
    assert (found["disclosure_fees.total"].value, found["disclosure_fees.total"].unit) == (0.5, "万元")


def test_gong_gongkai_without_zhudong_is_the_year_total():
    assert prose("（二）规范程序\n2019年度，共公开政府信息17条，其中财政信息6条。") == {"active.total": 17}
    assert prose("一年来，共计公开政府信息58条；信箱收到咨询2条。") == {"active.total": 58}
    # an application count is not what was proactively disclosed
    assert prose("2019年度，共公开依申请政府信息3条。") == {}


def test_article_numbers_are_not_counts():
    text = "（二）主动公开。围绕《条例》第二十条法定公开范围优化公开目录。全年主动公开政府信息60余条。"
    assert prose(text) == {"active.total": 60}


def test_a_count_over_several_channels_is_no_channel_count():
    text = ("（一）主动公开情况\n2022年，通过门户网站公开信息1200条，通过微博微信公开信息356条，"
            "通过微信公众号、抖音等新媒体公开信息98条。")
    assert prose(text) == {"active.website": 1200}
