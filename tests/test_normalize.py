"""Text normalisation: each quirk of REPORT_FORMAT.md §5 that normalize handles."""
from __future__ import annotations

import pytest

from pipelines.normalize import (chinese_number, compact, html_to_text, normalize_text, parse_cell, parse_date,
                                 repair_compact_date)


@pytest.mark.parametrize("raw, clean", [
    ("市科学技术局 2018 年度政府信息公开 工作年度报告", "市科学技术局2018年度政府信息公开工作年度报告"),
    ("年 度 报 告", "年度报告"),
    ("索\u3000引\u3000号：014416330/2018-04736", "索引号:014416330/2018-04736"),
    ("（注：各子栏目数总数要等于总栏目数量）", "(注:各子栏目数总数要等于总栏目数量)"),
    ("主动公开政府信息数（不同渠道和方式公开相同信息计１条）", "主动公开政府信息数(不同渠道和方式公开相同信息计1条)"),
    ("政府資訊公開工作年度報告", "政府资讯公开工作年度报告"),
    ("索引號(hào)：1 發(fā)布機(jī)構(gòu)：市政府", "索引号:1 发布机构:市政府"),
    ("共 13 条, 其中 2018 年 3 月", "共13条,其中2018年3月"),
    ("国(guo)务院办公厅", "国务院办公厅"),
    ("危及“三安全一稳定”", '危及"三安全一稳定"'),
    ("危及\"三安全一稳定\"", '危及"三安全一稳定"'),
    ("中办发﹝20168号", "中办发〔20168号"),
    ("重点工作―搭建平台", "重点工作—搭建平台"),
    ("2018\u2013年", "2018-年"),
    ("“青岛政务网”（www.qingdao.gov.cn）", '"青岛政务网"(www.qingdao.gov.cn)'),
    ("Page 8 - report", "Page 8 - report"),
    ("\ufeff零\u200b条", "零条"),
    ("&nbsp;统计数&nbsp;", "统计数"),
    ("陕西省乾县人民政府,吉林省乾安县", "陕西省乾县人民政府,吉林省乾安县"),  # t2s would make them 干县, 干安县
])
def test_normalize_text(raw, clean):
    assert normalize_text(raw) == clean


def test_line_structure_is_kept():
    # Linearised tables: blank lines are blank cells, tabs start cells.
    raw = "\t统 计 指 标\n\t单位\n\t统计数\n\n\t（三）其他情形数\n\t件\n\t\n"
    assert normalize_text(raw) == "\t统计指标\n\t单位\n\t统计数\n\n\t(三)其他情形数\n\t件\n\t\n"
    assert normalize_text("a\r\nb\rc") == "a\nb\nc"


def test_normalize_is_idempotent_and_total():
    text = "2017年度 市科技局 政府信息公開\n工作報告（２０１８年１月）"
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert normalize_text(None) == "" and normalize_text("") == ""
    assert compact(" 统 计\n 数 ") == "统计数"


@pytest.mark.parametrize("numeral, value", [
    ("零", 0), ("〇", 0), ("十", 10), ("十二", 12), ("二十", 20), ("一百零五", 105), ("两", 2), ("两千", 2000),
    ("一千零一", 1001), ("三万五千", 35000), ("1万2千", 12000), ("12万", 120000), ("二〇一八", 2018),
    ("一亿二千万", 120_000_000), ("319", 319), ("贰拾", 20),
])
def test_chinese_number(numeral, value):
    assert chinese_number(numeral) == value


@pytest.mark.parametrize("text", ["", None, "万", "abc", "十二条", "数条"])
def test_chinese_number_rejects(text):
    assert chinese_number(text) is None


@pytest.mark.parametrize("cell, parsed", [
    ("—", (0, None)), ("-", (0, None)), ("－", (0, None)), ("/", (0, None)), ("无", (0, None)), ("0", (0, None)),
    ("_", (0, None)), ("——", (0, None)),
    ("", (None, None)), ("   ", (None, None)), ("&nbsp;", (None, None)), ("\xa0", (None, None)), (None, (None, None)),
    ("251000元", (251000, "元")), ("184719 元", (184719, "元")), ("12.5万元", (12.5, "万元")),
    ("+173", (173, None)), ("+1", (1, None)), ("-2", (-2, None)), ("１２", (12, None)), ("十二", (12, None)),
    ("零条", (0, "条")), ("3条", (3, "条")), ("150人次", (150, "人次")), ("2,418", (2418, None)),
    ("统计数", (None, None)), ("（单位：万元）", (None, None)), ("1.政府公报", (None, None)),
])
def test_parse_cell(cell, parsed):
    value, unit = parse_cell(cell)
    assert (value, unit) == parsed
    if value is not None:
        assert type(value) is type(parsed[0])


@pytest.mark.parametrize("text, iso", [
    ("2018-03-01 08:28:00", "2018-03-01"), ("2018年2月7日", "2018-02-07"), ("（2019年2月18日）", "2019-02-18"),
    ("发布日期: 2024年01月17日", "2024-01-17"), ("2021/01/29", "2021-01-29"), ("20180301", "2018-03-01"),
    ("2018年13月40日", None), ("无", None), (None, None),
])
def test_parse_date(text, iso):
    assert parse_date(text) == iso


@pytest.mark.parametrize("text, iso", [
    ("2018301", "2018-03-01"), ("2021926", "2021-09-26"), ("2017210日)", "2017-02-10"),
    ("2018111", None),  # 2018-1-11 or 2018-11-1: ambiguous, so unknown
    ("统计期限为201711日", None),
])
def test_repair_compact_date_only_when_unambiguous(text, iso):
    assert repair_compact_date(text) == iso


def test_html_to_text_cells_one_per_line_and_blank_cells_kept():
    html = ("<html><head><style>p{}</style><script>var x='统计数 9';</script></head><body>"
            "<p>标题</p><table><tr><th>统计<br>指标</th><th>单位</th><th>统计数</th></tr>"
            "<tr><td>（一）收到申请数</td><td>件</td><td>&nbsp;</td></tr></table><div>尾</div></body></html>")
    text = html_to_text(html)
    assert "var x" not in text and "p{}" not in text
    lines = text.split("\n")
    assert lines[:9] == ["标题", "", "统计 指标", "单位", "统计数", "", "（一）收到申请数", "件", ""]
    assert "（一）收到申请数\n件\n\n" in text
    assert text.endswith("尾")


def test_html_to_text_survives_junk():
    assert html_to_text("") == "" and html_to_text(None) == ""
    assert "文字" in html_to_text("<div><p>文字<table><tr><td>1")
    assert "深" in html_to_text("<div>" * 3000 + "深" + "</div>" * 3000)


def test_html_to_text_reads_tables_nested_in_a_layout_table():
    html = ("<table><tr><td>导航</td><td><p>一、概述</p><p>正文</p>"
            "<table><tr><td>统计指标</td><td>单位</td><td>统计数</td></tr><tr><td>（一）收到申请数</td><td>件</td><td>3</td></tr>"
            "</table></td></tr></table>")
    lines = html_to_text(html).split("\n")
    assert "一、概述" in lines and "正文" in lines
    start = lines.index("统计指标")
    assert lines[start:start + 7] == ["统计指标", "单位", "统计数", "", "（一）收到申请数", "件", "3"]
