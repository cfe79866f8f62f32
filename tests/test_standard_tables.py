"""Standard report tables 二/三/四 → METRICS.md keys, over hand-written report fixtures.

Each tests/fixtures/reports/<case>.html|.txt has a <case>.expected.json holding the format,
every cell of tables 二, 三, 四 (blank cells left out: absent, not zero) and the rules the case
breaks on purpose (`failed_rules`, empty for a consistent report).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.metrics import table_labels as labels
from pipelines.metrics.checks import run_checks
from pipelines.metrics.standard import extract_standard
from pipelines.metrics.table_grid import html_rows
from pipelines.normalize import html_to_text
from tests.shared_docs import corpus_dir, gold_params

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "reports"
CASES = sorted(p for p in FIXTURES.iterdir() if p.suffix in (".html", ".txt")) if FIXTURES.is_dir() else []


def _extract(path: Path) -> dict:
    content = path.read_text(encoding="utf-8")
    if path.suffix == ".html":
        return extract_standard(content, None)
    return extract_standard(None, content)


def _expected(path: Path) -> dict:
    return json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))


def test_every_fixture_has_its_expected_file():
    assert len(CASES) >= 10
    for path in CASES:
        assert path.with_name(path.stem + ".expected.json").exists(), path.name


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_fixture_cells(path):
    expected = _expected(path)
    result = _extract(path)
    assert result["format"] == expected["format"]
    metrics = result["metrics"]
    wrong = {k: (v, metrics.get(k)) for k, v in expected["metrics"].items() if metrics.get(k) != v}
    unexpected = sorted(set(metrics) - set(expected["metrics"]))
    assert not wrong, f"{len(wrong)} cells wrong (expected, read), e.g. {dict(list(wrong.items())[:8])}"
    assert not unexpected, f"keys not in the expected file: {unexpected}"
    assert result["errors"] == []
    for key in metrics:
        prov = result["provenance"][key]
        assert prov["source"] == "table" and prov["section"] in ("二", "三", "四") and prov["snippet"]


HTML_CASES = [p for p in CASES if p.suffix == ".html"]


@pytest.mark.parametrize("path", HTML_CASES, ids=[p.stem for p in HTML_CASES])
def test_same_report_copied_as_text(path):
    """The page as text (cells one per line, an empty line for a blank cell and after each row)
    gives the same cells as its HTML."""
    expected = _expected(path)
    result = extract_standard(None, html_to_text(path.read_text(encoding="utf-8")))
    assert result["format"] == expected["format"]
    wrong = {k: (v, result["metrics"].get(k)) for k, v in expected["metrics"].items() if result["metrics"].get(k) != v}
    assert not wrong, f"{len(wrong)} cells wrong (expected, read), e.g. {dict(list(wrong.items())[:8])}"
    assert set(result["metrics"]) == set(expected["metrics"])


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_fixture_checks(path):
    expected = _expected(path)
    result = _extract(path)
    checks = run_checks(result["metrics"], result["format"])
    failed = sorted(c["rule"] for c in checks if not c["passed"])
    assert failed == sorted(expected["failed_rules"])
    # a failed check never drops a number
    assert set(expected["metrics"]) <= set(result["metrics"])


def test_units_and_signs_kept():
    result = _extract(FIXTURES / "sh2019_rowspan.html")
    assert result["provenance"]["active.procurement.amount"]["unit"] == "元"
    assert result["metrics"]["active.other_services.change"] == -1
    assert result["metrics"]["active.licensing.change"] == 2
    result = _extract(FIXTURES / "district2021_pspan.html")
    assert result["provenance"]["active.fees.amount"]["unit"] == "万元"
    assert result["metrics"]["active.fees.amount"] == 12.6


def test_provenance_names_row_and_column():
    result = _extract(FIXTURES / "sh2019_rowspan.html")
    snippet = result["provenance"]["requests.denied.third_party.business"]["snippet"]
    assert "保护第三方合法权益" in snippet and "商业企业" in snippet
    assert result["provenance"]["review.total"]["section"] == "四"


@pytest.mark.parametrize("corpus,file", gold_params())
def test_legacy_reports_are_not_standard(corpus, file):
    result = extract_standard(None, (corpus_dir(corpus) / file).read_text(encoding="utf-8"))
    assert result["format"] is None
    assert not [k for k in result["metrics"] if k.startswith("requests.")]
    assert result["errors"] == []


def test_nothing_to_read():
    assert extract_standard(None, None)["format"] is None
    assert extract_standard("<html><body><p>无表格</p></body></html>", None)["metrics"] == {}
    broken = extract_standard("<table><tr><td rowspan='x'>自然人<td>", "\x00")
    assert broken["format"] is None


def test_row_with_lost_blank_cells_is_reported_not_guessed():
    text = "\n".join(["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计",
                      "一、本年新收政府信息公开申请数量", "5", "1", "1", "7",
                      "二、上年结转政府信息公开申请数量", "0", "0", "0", "0", "0", "0", "0"])
    result = extract_standard(None, text)
    assert "requests.new.natural_person" not in result["metrics"]
    assert result["metrics"]["requests.carried_over.total"] == 0
    assert any("本年新收" in e and "4 cells for 7 columns" in e for e in result["errors"])


# --- label matching -----------------------------------------------------------------------------
@pytest.mark.parametrize("text,vocabulary,key", [
    ("政许可", labels.TABLE2_ROWS, "licensing"),
    ("行政规范性文件", labels.TABLE2_ROWS, "normative"),
    ("年废止件数", labels.TABLE2_COLUMNS, "repealed"),
    ("现行有效件数 (历史累计)", labels.TABLE2_COLUMNS, "in_force"),
    ("处理决定数量\n(2023年办件量)", labels.TABLE2_COLUMNS, "decisions"),
    ("本年新\n制作数量", labels.TABLE2_COLUMNS, "made"),
    ("本年增/减", labels.TABLE2_COLUMNS, "change"),
    ("本年收费金额（单位：万元）", labels.TABLE2_COLUMNS, "amount"),
    ("第二十条第()", labels.TABLE2_ROWS, "caption"),
    ("商业 企业", labels.TABLE3_COLUMNS, "business"),
    ("合计", labels.TABLE3_COLUMNS, "total"),
    ("其他", labels.TABLE3_COLUMNS, "other_org"),
    ("法人或其他组织", labels.TABLE3_COLUMNS, "group"),
    ("(二)部分公开(区分处理的,只计这一情况,不计其他情形)", labels.TABLE3_ROWS, "partial"),
    ("5.属于三类内容事务信息", labels.TABLE3_ROWS, "denied.internal_affairs"),
    ('3.危及"三安全一稳定"', labels.TABLE3_ROWS, "denied.security_stability"),
    ("3.危及“三安全一稳定”", labels.TABLE3_ROWS, "denied.security_stability"),
    ("1.属于国家密", labels.TABLE3_ROWS, "denied.state_secret"),
    ("（七）总计", labels.TABLE3_ROWS, "total"),
    ("3.其他", labels.TABLE3_ROWS, "other.other"),
    ("（3）其他", labels.TABLE3_ROWS, "other.other"),
    ("（1）属于国家秘密", labels.TABLE3_ROWS, "denied.state_secret"),
    ("2.申请人逾期未缴费、行政机关不再处理其政府信息公开申请", labels.TABLE3_ROWS, "other.unpaid_fee"),
    ("四、结转下年度继续办理", labels.TABLE3_ROWS, "carry_forward"),
    ("結果維持", labels.TABLE4_COLUMNS, "upheld"),
    ("维持", labels.TABLE4_COLUMNS, "upheld"),
    ("其他", labels.TABLE4_COLUMNS, "other"),
    ("其他组织", labels.TABLE3_COLUMNS, "other_org"),
    ("本年增加/减少", labels.TABLE2_COLUMNS, "change"),
    ("未经复议直接起诉", labels.TABLE4_GROUPS, "litigation.direct"),
])
def test_label_matches(text, vocabulary, key):
    assert labels.match(text, vocabulary) == key


@pytest.mark.parametrize("text,vocabulary", [
    ("四、行政复议数量", labels.TABLE4_GROUPS),  # legacy 统计表 row, not the table 四 header
    ("四、政府信息公开行政复议、行政诉讼情况", labels.TABLE4_GROUPS),
    ("（一）规章制度建设", labels.TABLE2_ROWS),
    ("法人或其他组织", labels.TABLE3_ROWS),
    ("（二）依申请公开。全年新收政府信息公开申请853件，上年结转19件。", labels.TABLE3_ROWS),
    ("本年新", labels.TABLE2_COLUMNS),  # truncated header: 制作 or 公开? refuse to guess
])
def test_label_rejects(text, vocabulary):
    assert labels.match(text, vocabulary) is None


# --- template decision and small layouts ----------------------------------------------------------
TABLE4_2019_HEADER = ("<tr><td colspan='5'>行政复议</td><td colspan='10'>行政诉讼</td></tr>"
                      "<tr>" + "".join(f"<td rowspan='2'>{h}</td>" for h in ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计"))
                      + "<td colspan='5'>未经复议直接起诉</td><td colspan='5'>复议后起诉</td></tr>"
                      "<tr>" + "".join(f"<td>{h}</td>" for h in ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计") * 2) + "</tr>")


def _table4_page(prose: str, data_cells: str) -> str:
    return f"<html><body><p>{prose}</p><table>{TABLE4_2019_HEADER}<tr>{data_cells}</tr></table></body></html>"


def test_template_from_citation_when_labels_do_not_tell():
    cells = "".join(f"<td>{v}</td>" for v in (1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
    result = extract_standard(_table4_page("按照国办公开办函〔2021〕30号要求编制。", cells), None)
    assert result["format"] == "standard-2021" and result["metrics"]["review.total"] == 1
    assert extract_standard(_table4_page("依据国办公开办函〔2019〕60号。", cells), None)["format"] == "standard-2019"
    undecided = extract_standard(_table4_page("本报告由本机关编制。", cells), None)
    assert undecided["format"] == "standard-2019" and any("undetermined" in e for e in undecided["errors"])


def test_labels_outvote_the_citation_and_the_year():
    path = FIXTURES / "county2022_old_template.html"
    page = path.read_text(encoding="utf-8").replace("上级有关规定", "国办公开办函〔2021〕30号")
    assert "2022年" in page
    assert extract_standard(page, None)["format"] == "standard-2019"


def test_missing_cells_are_placed_by_grid_position():
    # the row omits its last four <td>s: the values still land under their own headers
    cells = "<td>2</td><td>1</td><td></td><td>0</td><td>3</td><td>4</td><td>0</td><td>0</td><td>1</td><td>5</td>" + ""
    short = cells.replace("<td>4</td><td>0</td><td>0</td><td>1</td><td>5</td>", "<td>4</td>")
    result = extract_standard(_table4_page("", short), None)
    assert result["metrics"] == {"review.upheld": 2, "review.corrected": 1, "review.pending": 0, "review.total": 3,
                                 "litigation.direct.upheld": 4}


def test_table2_columns_follow_their_header_not_their_position():
    page = ("<table><tr><td>信息内容</td><td>现行有效件数</td><td>本年制发件数</td><td>本年废止件数</td></tr>"
            "<tr><td>规章</td><td>7</td><td>1</td><td>0</td></tr>"
            "<tr><td>行政规范性文件</td><td>30</td><td>4</td><td>2</td></tr></table>")
    result = extract_standard(page, None)
    assert result["format"] == "standard-2021"
    assert result["metrics"] == {"active.rules.in_force": 7, "active.rules.issued": 1, "active.rules.repealed": 0,
                                 "active.normative.in_force": 30, "active.normative.issued": 4,
                                 "active.normative.repealed": 2}


def test_tables_pasted_as_paragraphs_are_read_from_the_page_text():
    lines = ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数", "规章", "0", "0", "5"]
    page = "<html><body>" + "".join(f"<p>{x}</p>" for x in lines) + "</body></html>"
    assert extract_standard(page, None)["metrics"] == {
        "active.rules.issued": 0, "active.rules.repealed": 0, "active.rules.in_force": 5}


def test_chinese_numerals_and_units_in_cells():
    page = ("<table><tr><td>第二十条第（九）项</td></tr><tr><td>信息内容</td><td>采购项目数量</td><td>采购总金额</td></tr>"
            "<tr><td>政府集中采购</td><td>十二</td><td>35.5万元</td></tr></table>")
    result = extract_standard(page, None)
    assert result["metrics"] == {"active.procurement.projects": 12, "active.procurement.amount": 35.5}
    assert result["provenance"]["active.procurement.amount"]["unit"] == "万元"
    assert result["format"] == "standard-2019"


def test_table4_row_in_text_ends_after_its_fifteen_cells():
    header = ["行政复议", "行政诉讼", "结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "未经复议直接起诉", "复议后起诉"] + \
             ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2
    text = "\n".join(header + [str(v) for v in (1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)] + ["2023", "12"])
    result = extract_standard(None, text)
    assert result["metrics"]["review.total"] == 1 and result["metrics"]["litigation.total"] == 0
    assert len(result["metrics"]) == 16 and not [e for e in result["errors"] if "表四" in e]


def _as_tab_separated(markup: str) -> str:
    """Attachment-style text: one line per table row, cells tab-separated, a span's other grid
    cells empty (what a DOCX/PDF extractor gives for merged cells)."""
    lines = []
    for row in html_rows(markup):
        width = max(c.col + c.span for c in row.cells)
        grid = [""] * width
        for c in row.cells:
            grid[c.col] = c.text
        lines.append("\t".join(grid))
    return "\n".join(lines)


@pytest.mark.parametrize("case", ["district2021_pspan", "sh2019_rowspan", "reordered2021_subtotal"])
def test_attachment_text_with_tab_separated_cells(case):
    path = FIXTURES / f"{case}.html"
    result = extract_standard(None, "报告正文……\n" + _as_tab_separated(path.read_text(encoding="utf-8")))
    expected = _expected(path)
    assert result["format"] == expected["format"]
    assert result["metrics"] == expected["metrics"]


def test_headers_split_over_two_lines_are_joined():
    text = "\n".join(["第二十条第（一）项", "信息内容", "本年新", "制作数量", "本年新", "公开数量", "对外公开", "总数量",
                      "规章", "1", "1", "4",
                      "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "申请人情况", "自然人",
                      "法人或其他组织", "总计", "商业", "企业", "科研", "机构", "社会", "公益组织", "法律", "服务机构", "其他",
                      "一、本年新收政府信息公开申请数量", "1", "2", "3", "4", "5", "6", "21"])
    result = extract_standard(None, text)
    assert result["metrics"] == {
        "active.rules.made": 1, "active.rules.published": 1, "active.rules.total": 4,
        "requests.new.natural_person": 1, "requests.new.business": 2, "requests.new.research": 3,
        "requests.new.nonprofit": 4, "requests.new.legal_service": 5, "requests.new.other_org": 6,
        "requests.new.total": 21}
    assert result["format"] == "standard-2019"


def test_lone_labels_outside_a_standard_table_are_no_error():
    text = "\n".join(["行政复议", "0", "行政诉讼", "0", "本年新收政府信息公开申请", "3"])
    result = extract_standard(None, text)
    assert result == {"format": None, "metrics": {}, "provenance": {}, "errors": []}


def test_table3_without_its_header_uses_the_template_column_order():
    values = ["4", "1", "0", "0", "0", "0", "5"]
    result = extract_standard(None, "\n".join(["一、本年新收政府信息公开申请数量"] + values))
    assert result["metrics"]["requests.new.business"] == 1 and result["metrics"]["requests.new.total"] == 5
    assert "自然人" in result["provenance"]["requests.new.natural_person"]["snippet"]


def test_text_row_with_dropped_blank_cells_is_not_padded():
    header = ["行政复议", "行政诉讼", "结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "未经复议直接起诉", "复议后起诉"] + \
             ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2
    # the blanks of "5,_,_,2,7 | 8,_,_,1,9 | _,_,_,_,_" vanished: nothing lines up any more
    result = extract_standard(None, "\n".join(header + ["", "5", "2", "7", "8", "1", "9", "", "五、存在的主要问题"]))
    assert not [k for k in result["metrics"] if k.startswith(("review", "litigation"))]
    assert any(e.startswith("表四") for e in result["errors"])
    # squeezed trailing blanks (page text keeps at most two empty lines) still line up
    cells = ["5", "", "", "2", "7", "8", "", "", "1", "9"]
    result = extract_standard(None, "\n".join(header + [""] + cells + ["", "", "五、存在的主要问题"]))
    assert result["metrics"]["review.total"] == 7 and result["metrics"]["litigation.direct.total"] == 9
    assert "litigation.after_review.total" not in result["metrics"]


def test_amount_without_a_stated_unit_has_no_unit():
    page = ("<table><tr><td>第二十条第（九）项</td></tr><tr><td>信息内容</td><td>采购项目数量</td><td>采购总金额</td></tr>"
            "<tr><td>政府集中采购</td><td>3</td><td>184719</td></tr></table>")
    result = extract_standard(page, None)
    assert result["metrics"]["active.procurement.amount"] == 184719
    assert result["provenance"]["active.procurement.amount"]["unit"] is None
    assert result["provenance"]["active.procurement.projects"]["unit"] == "个"


def test_a_subtotal_column_is_read_past():
    header = ("<tr><td rowspan='2'>（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>"
              "<td rowspan='2'>自然人</td><td colspan='6'>法人或其他组织</td><td rowspan='2'>总计</td></tr>"
              "<tr>" + "".join(f"<td>{h}</td>" for h in ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "小计"))
              + "</tr>")
    data = "<tr><td>一、本年新收政府信息公开申请数量</td>" + "".join(
        f"<td>{v}</td>" for v in (5, 2, 0, 1, 0, 0, 3, 8)) + "</tr>"
    for page in (f"<table>{header}{data}</table>", html_to_text(f"<table>{header}{data}</table>")):
        result = extract_standard(page, None) if page.startswith("<") else extract_standard(None, page)
        assert result["metrics"] == {"requests.new.natural_person": 5, "requests.new.business": 2,
                                     "requests.new.research": 0, "requests.new.nonprofit": 1,
                                     "requests.new.legal_service": 0, "requests.new.other_org": 0,
                                     "requests.new.total": 8}


def test_change_written_in_words():
    page = ("<table><tr><td>信息内容</td><td>上一年项目数量</td><td>本年增/减</td><td>处理决定数量</td></tr>"
            "<tr><td>行政许可</td><td>22</td><td>增加1</td><td>23</td></tr>"
            "<tr><td>行政处罚</td><td>9</td><td>减少2</td><td>7</td></tr>"
            "<tr><td>行政强制</td><td>3</td><td>持平</td><td>0</td></tr></table>")
    metrics = extract_standard(page, None)["metrics"]
    assert (metrics["active.licensing.change"], metrics["active.penalty.change"], metrics["active.enforcement.change"]) \
        == (1, -2, 0)


TABLE_WORDS = ["自然人", "总计", "其他", "行政复议", "结果维持", "信息内容", "规章", "本年制发件数", "（七）总计", "3.其他",
               "一、本年新收政府信息公开申请数量", "<td>", "</td>", "<tr>", "<table>", "colspan='3'", "\t", "|", "\n", "",
               "0", "12", "—", "-2", "251000元", "０ ０ ０", "三、本年度办理结果（一）予以公开", "小计"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(TABLE_WORDS) | st.text(max_size=8), max_size=60))
def test_never_raises_on_odd_input(parts):
    blob = "".join(parts)
    for result in (extract_standard(blob, None), extract_standard(None, blob), extract_standard(blob, blob)):
        assert set(result) == {"format", "metrics", "provenance", "errors"}
        assert all(isinstance(v, (int, float)) for v in result["metrics"].values())
        assert set(result["metrics"]) <= set(result["provenance"])
        run_checks(result["metrics"], result["format"])


def test_page_with_xml_declaration_and_absurd_spans():
    page = ('<?xml version="1.0" encoding="utf-8"?>\n<html><body><table>'
            '<tr><td colspan="99999" rowspan="x">第二十条第（一）项</td></tr>'
            "<tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>"
            "<tr><td>规章</td><td>1</td><td>0</td><td>3</td></tr></table></body></html>")
    assert extract_standard(page, None)["metrics"] == {
        "active.rules.issued": 1, "active.rules.repealed": 0, "active.rules.in_force": 3}


def test_headers_cut_short_take_the_template_order():
    page = ("<table><tr><td>信息内容</td><td>本年新</td><td>本年新</td><td>对外公开总数量</td></tr>"
            "<tr><td>规章</td><td>1</td><td>2</td><td>9</td></tr></table>")
    result = extract_standard(page, None)
    assert result["metrics"] == {"active.rules.made": 1, "active.rules.published": 2, "active.rules.total": 9}
    assert result["provenance"]["active.rules.published"]["snippet"] == "规章 | 本年新… | 2"
    assert labels.truncations("本年新", labels.TABLE2_COLUMNS) == ("made", "published")
    assert labels.truncations("本年", labels.TABLE2_COLUMNS) == ()
