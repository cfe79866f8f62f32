"""parse_report never raises: arbitrary or mangled text and HTML come back with errors, not
exceptions. Also the precedence rules between the page, documents and OCR."""
from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.documents import Extracted
from pipelines.parse import parse_report
from tests.shared_docs import corpus_params, role_gold, role_text

STANDARD_PAGE = Path(__file__).resolve().parent / "fixtures" / "reports" / "sh2019_rowspan.html"
KEYS = {"title", "agency", "province", "city", "county", "region", "report_year", "published", "index_no",
        "doc_no", "format", "metrics", "checks", "errors", "provenance", "agency_source", "sources"}
FORMATS = {"standard-2019", "standard-2021", "legacy", "unknown"}

LABELS = ["统计指标", "单位", "统计数", "一、主动公开情况", "（一）主动公开政府信息数", "条", "件", "—", "", "&nbsp;",
          "四、行政复议数量", "（三）申请答复数", "本年新收政府信息公开申请数量", "自然人", "总计", "第二十条第（一）项",
          "信息内容", "行政许可", "结果维持", "主动公开信息13条", "收到依申请公开政府信息零条", "未发生行政复议",
          "2017年度", "同江市科学技术局", "2018年2月7日", "URL: http://x", "序号", "图 1", "详见附件"]
NUMBERS = st.one_of(st.integers(-10**30, 10**30).map(str), st.sampled_from(["十二", "一百零五", "１２", "+173", "-2",
                                                                          "251000元", "1e309", "9" * 400]))
CELLS = st.one_of(st.sampled_from(LABELS), NUMBERS, st.text(max_size=12))
MANGLED_TEXT = st.lists(CELLS, max_size=60).map("\n".join)


def html_from(tree) -> str:
    if isinstance(tree, str):
        return tree
    tag, children = tree
    return f"<{tag}>" + "".join(html_from(c) for c in children) + (f"</{tag}>" if tag not in ("br", "img") else "")


HTML_TREES = st.recursive(
    CELLS.map(lambda s: s.replace("<", "&lt;")),
    lambda inner: st.tuples(st.sampled_from(["div", "p", "table", "tr", "td", "th", "tbody", "span", "br", "script",
                                             "style", "b", "img"]), st.lists(inner, max_size=6)),
    max_leaves=40,
)


def assert_well_formed(result: dict) -> None:
    assert KEYS <= set(result)
    assert result["format"] in FORMATS
    assert isinstance(result["errors"], list) and all(isinstance(e, str) for e in result["errors"])
    assert all(isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) < 1e12
               for v in result["metrics"].values())
    assert set(result["provenance"]) == set(result["metrics"])
    json.dumps(result, ensure_ascii=False)  # the CLI must be able to print it
    # parse_report catches everything; an internal crash would still be a bug, so none is allowed.
    assert not [e for e in result["errors"] if e.startswith("parser error")], result["errors"]
    if not result["metrics"]:
        assert result["errors"], "a report without metrics says why"


FAST = settings(max_examples=int(__import__("os").environ.get("NIANBAO_HYPOTHESIS_EXAMPLES", 60)), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.text(max_size=400))
def test_arbitrary_unicode_text(text):
    assert_well_formed(parse_report(text=text))


@FAST
@given(MANGLED_TEXT)
def test_mangled_linearised_tables(text):
    assert_well_formed(parse_report(text=text))


@FAST
@given(HTML_TREES)
def test_nested_random_html(tree):
    assert_well_formed(parse_report(html=html_from(tree)))


@pytest.mark.parametrize("corpus", corpus_params())
@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=10_000), st.binary(max_size=40))
def test_truncated_and_corrupted_report(corpus, cut, junk):
    text = role_text(corpus, "legacy_table")
    assert_well_formed(parse_report(text=text[:cut] + junk.decode("latin-1") + text[cut + 50:]))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=30), st.sampled_from(["ok", "error", "timeout"]),
                          st.sampled_from(["text", "ocr"])), max_size=3),
       st.dictionaries(st.sampled_from(["title", "published", "index_no", "publisher", "doc_no"]),
                       st.one_of(st.text(max_size=20), st.none(), st.integers()), max_size=5))
def test_random_documents_and_page_meta(docs, meta):
    documents = [Extracted(filename=f"d{i}.pdf", text=text, status=status, method=method,
                           error=None if status == "ok" else status) for i, (text, status, method) in enumerate(docs)]
    assert_well_formed(parse_report(text="详见附件", page_meta=meta, documents=documents))


def test_implausible_numbers_are_dropped_with_an_error():
    text = "统计指标\n单位\n统计数\n一、主动公开情况\n—\n\n（一）主动公开政府信息数\n条\n" + "9" * 400 + \
           "\n四、行政复议数量\n件\n2\n"
    result = parse_report(text=text)
    assert result["metrics"] == {"review.total": 2}
    assert any("active.total: implausible value" in e for e in result["errors"])


def test_nothing_readable_is_fatal():
    for kwargs in ({}, {"text": ""}, {"html": "<html><script>x</script></html>"}, {"text": "   \n\t "},
                   {"documents": [Extracted(filename="a.pdf", status="error", error="encrypted PDF")]}):
        result = parse_report(**kwargs)
        assert result["fatal"] is True
        assert result["errors"]
        assert result["metrics"] == {}


def test_failed_document_is_reported():
    result = parse_report(html="<p>见附件</p>", documents=[Extracted(filename="a.pdf", status="error",
                                                                   error="encrypted PDF")])
    assert "document a.pdf: encrypted PDF" in result["errors"]


def test_wrong_types_do_not_raise():
    result = parse_report(text=b"bytes", html=123, page_meta="nope", portal=[1], documents=[object(), None])
    assert_well_formed(result)
    assert any("text ignored" in e for e in result["errors"])


# --- documents and precedence ---------------------------------------------------------------
@pytest.mark.parametrize("corpus", corpus_params())
def test_page_pointing_to_attachment_reads_the_attachment(corpus):
    expected = role_gold(corpus, "prose_signature")
    name = f"{expected['report_year']}年报.docx"
    doc = Extracted(filename=name, text=role_text(corpus, "prose_signature"), method="text")
    page_date = (datetime.date.fromisoformat(expected["published"]) + datetime.timedelta(days=1)).isoformat()
    result = parse_report(html=f"<div><p>《{expected['title']}》详见附件。</p></div>",
                          page_meta={"title": expected["title"], "published": page_date}, documents=[doc])
    assert result["metrics"] == expected["metrics"]
    assert result["sources"] == [f"document:{name}"]
    assert result["agency"] == expected["agency"] and result["agency_source"] == "signature"
    assert result["published"] == page_date  # page_meta beats the document's closing date
    assert result["report_year"] == expected["report_year"] and result["format"] == "legacy"


def test_text_layer_beats_ocr_and_ocr_is_marked():
    page = "二、主动公开政府信息情况\n2017年，我局主动公开信息13条。"
    ocr = Extracted(filename="scan.pdf", method="ocr", confidence=71.0,
                    text="二、主动公开政府信息情况\n2017年,我局主动公开信息18条。\n三、依申请公开情况\n2017年我局收到依申请公开政府信息零条")
    result = parse_report(text=page, documents=[ocr])
    assert result["metrics"]["active.total"] == 13
    assert result["provenance"]["active.total"]["ocr"] is False
    assert result["metrics"]["requests.new.total"] == 0
    assert result["provenance"]["requests.new.total"]["ocr"] is True
    assert result["sources"] == ["page", "document:scan.pdf"]


def test_document_text_layer_beats_ocr_document():
    ocr = Extracted(filename="scan.pdf", method="ocr", text="2017年，我局主动公开信息18条。")
    text = Extracted(filename="report.docx", method="text", text="2017年，我局主动公开信息13条。")
    result = parse_report(html="<p>详见附件</p>", documents=[ocr, text])
    assert result["metrics"]["active.total"] == 13
    assert result["provenance"]["active.total"]["ocr"] is False


def test_page_and_document_tables_disagree():
    html = STANDARD_PAGE.read_text(encoding="utf-8")
    doc = Extracted(filename="report.docx", html=html.replace("251000", "250000"))
    result = parse_report(html=html, page_meta={"title": "2019年上海市人民政府办公厅政府信息公开工作年度报告"},
                          documents=[doc])
    assert result["format"] == "standard-2019"
    assert result["metrics"]["active.procurement.amount"] == 251000
    disagreements = [c for c in result["checks"] if c["rule"].startswith("sources_agree")]
    assert disagreements == [{"rule": "sources_agree.active.procurement.amount@report.docx", "expected": 251000, "found": 250000, "passed": False,
                              "detail": "active.procurement.amount in report.docx"}]


@pytest.mark.parametrize("corpus", corpus_params())
def test_url_line_is_used_and_dropped(corpus):
    result = parse_report(text="URL: http://example.gov.cn/a.html\n" + role_text(corpus, "stray_spaces"))
    assert result["url"] == "http://example.gov.cn/a.html"
    assert result["title"] == role_gold(corpus, "stray_spaces")["title"]


def test_statistics_table_attached_as_spreadsheet(tmp_path):
    openpyxl = __import__("pytest").importorskip("openpyxl")
    from pipelines.documents import extract_file

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["2016年度政府信息公开工作情况统计表"])
    sheet.append(["统 计 指 标", "单位", "统计数"])
    for row in (("一、主动公开情况", "—", None), ("（一）主动公开政府信息数", "条", 88), ("2.政府网站公开政府信息数", "条", 80),
                ("三、依申请公开情况", "—", None), ("（一）收到申请数", "件", 2), ("四、行政复议数量", "件", None)):
        sheet.append(list(row))
    book.save(tmp_path / "统计表.xlsx")
    page = "2016年度某局政府信息公开工作年度报告\n一、概述\n2016年，我局主动公开政府信息88条，详见附表。\n三、依申请公开情况\n全年未收到申请。"
    result = parse_report(text=page, documents=[extract_file(tmp_path / "统计表.xlsx")])
    assert result["metrics"] == {"active.total": 88, "active.website": 80, "requests.new.total": 2}
    assert {key: info["source"] for key, info in result["provenance"].items()} == {
        "active.total": "table", "active.website": "table", "requests.new.total": "table"}
    assert result["format"] == "legacy"
    assert result["sources"] == ["document:统计表.xlsx"]
    # The page's sentence says no request came in; the table says 2: the table's figure is kept.
    assert [c for c in result["checks"] if not c["passed"]] == [
        {"rule": "prose_agrees.requests.new.total", "expected": 2, "found": 0, "passed": False,
         "detail": "全年未收到申请。"}]


def test_agency_completed_by_the_attachment_signature():
    page = "市科技局2017年政府信息公开工作年度报告\n" + "二、政府信息主动公开情况\n2017年，我局主动公开政府信息98条。\n" * 10
    doc = Extracted(filename="年报.docx", text="……\n九江市科学技术局\n2018年3月1日")
    result = parse_report(text=page, documents=[doc])
    assert (result["agency"], result["agency_source"]) == ("九江市科学技术局", "signature")
    assert result["published"] == "2018-03-01"
    no_doc = parse_report(text=page)
    assert no_doc["agency"] is None  # "市科技局" of which city? unknown, not guessed
