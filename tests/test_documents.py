"""Attachments read into the same tables as the HTML report they were made from.

The fixtures (tests/fixtures/documents/make_fixtures.py) are generated from one hand-written
report, report_2021.html; every document must give back its tables cell for cell, and — once
the standard-table parser is importable — the same metrics through parse_report.
"""
from __future__ import annotations

import importlib.util
import io
import json
import re
import shutil
import unicodedata
import urllib.request
from pathlib import Path

import pytest
from lxml import html as lxml_html

from pipelines.documents import SUFFIXES, Extracted, extract, extract_file

FIXTURES = Path(__file__).resolve().parent / "fixtures"
DOCUMENTS = FIXTURES / "documents"
SOURCE = DOCUMENTS / "report_2021.html"
TABLE_KEYS = ("active.", "requests.", "review.", "litigation.")
HAS_SOFFICE = shutil.which("soffice") is not None
PARSER_READY = importlib.util.find_spec("pipelines.metrics.standard") is not None
needs_parser = pytest.mark.skipif(not PARSER_READY, reason="pipelines.metrics.standard (issue 3) not importable yet")


# --- grids: the tables of an html string, merged cells expanded (label repeated per position) ----------
def _norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def table_grids(html: str) -> list[list[list[str]]]:
    grids = []
    for table in lxml_html.fromstring(html).iter("table"):
        cells: dict[tuple[int, int], str] = {}
        for r, tr in enumerate(table.iter("tr")):
            c = 0
            for td in tr.xpath("./td|./th"):
                while (r, c) in cells:
                    c += 1
                rowspan, colspan = int(td.get("rowspan", 1)), int(td.get("colspan", 1))
                for dr in range(rowspan):
                    for dc in range(colspan):
                        cells[(r + dr, c + dc)] = _norm(td.text_content())
                c += colspan
        rows = max(r for r, _ in cells) + 1
        cols = max(c for _, c in cells) + 1
        grids.append([[cells.get((r, c), "") for c in range(cols)] for r in range(rows)])
    return grids


def without_phantom_columns(grid: list[list[str]]) -> list[list[str]]:
    """Drop a column identical to its left neighbour in every row: a cell spanning a grid line that
    only another row needs (Word tables converted to .doc gain such lines)."""
    keep = [c for c in range(len(grid[0])) if c == 0 or any(row[c] != row[c - 1] for row in grid)]
    return [[row[c] for c in keep] for row in grid]


def labelled_rows(html: str) -> list[tuple[str, tuple[str, ...]]]:
    """(most specific label, numbers) for every row holding numbers, over all tables in order.
    Robust to a table split across pages: the continuation loses its rowspan label, not its own."""
    rows = []
    for tr in lxml_html.fromstring(html).iter("tr"):
        texts = [_norm(td.text_content()) for td in tr.xpath("./td|./th")]  # the row's own cells, spans unexpanded
        numbers = tuple(v for v in texts if re.fullmatch(r"-?\d+(\.\d+)?", v))
        labels = [v for v in texts if v and v not in numbers]
        if numbers:
            rows.append((labels[-1] if labels else "", numbers))
    return rows


def source_html() -> str:
    return SOURCE.read_text(encoding="utf-8")


def find_grid(grids, first_cell_prefix: str):
    return next(g for g in grids if any(row[0].startswith(first_cell_prefix) for row in g))


@pytest.fixture(scope="module")
def extracted() -> dict[str, Extracted]:
    names = ["report_2021.pdf", "report_2021.docx", "table3_2021.xlsx", "table3_2021.xls"]
    if HAS_SOFFICE:
        names.append("report_2021.doc")
    return {name: extract_file(DOCUMENTS / name) for name in names}


@pytest.fixture(scope="module")
def scanned() -> Extracted:
    return extract_file(DOCUMENTS / "report_2021_scanned.pdf")


# --- every document gives back the source's tables -----------------------------------------------------------------
@pytest.mark.parametrize("name", ["report_2021.pdf", "report_2021.docx",
                                  pytest.param("report_2021.doc", marks=pytest.mark.skipif(not HAS_SOFFICE, reason="soffice not installed"))])
def test_full_report_rows_match_the_html(extracted, name):
    result = extracted[name]
    assert result.status == "ok", result.error
    assert result.method == "text" and result.confidence is None
    assert labelled_rows(result.html) == labelled_rows(source_html())


SOFFICE = pytest.mark.skipif(not HAS_SOFFICE, reason="soffice not installed")


@pytest.mark.parametrize("name, prefix", [
    ("report_2021.pdf", "（本列数据"), ("report_2021.pdf", "行政复议"),  # table 三's corner note, table 四's first header
    ("report_2021.docx", "（本列数据"), ("report_2021.docx", "行政复议"),
    pytest.param("report_2021.doc", "（本列数据", marks=SOFFICE),
    # not table 四 of the .doc: converting DOCX to DOC moved a column edge, so 总计 spans a grid
    # line that only 行政诉讼's row has; its rows still match (test_full_report_rows_match_the_html)
])
def test_tables_match_cell_by_cell(extracted, name, prefix):
    source, document = table_grids(source_html()), table_grids(extracted[name].html)
    assert without_phantom_columns(find_grid(document, _norm(prefix))) == find_grid(source, _norm(prefix))


@pytest.mark.parametrize("name", ["table3_2021.xlsx", "table3_2021.xls"])
def test_workbook_holds_table_three_cell_by_cell(extracted, name):
    result = extracted[name]
    assert result.status == "ok", result.error
    assert result.pages == 1
    assert table_grids(result.html) == [find_grid(table_grids(source_html()), _norm("（本列数据"))]
    assert "<p>收到和处理政府信息公开申请情况</p>" in result.html  # the sheet name, before its table


def test_pdf_reading_order_and_page_furniture(extracted):
    result = extracted["report_2021.pdf"]
    assert result.pages == 3
    text = result.text
    positions = [text.index(h) for h in ("一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                                         "四、政府信息公开行政复议", "五、存在的主要问题", "六、其他需要报告的事项")]
    assert positions == sorted(positions)
    assert "一、本年新收政府信息公开申请数量\t46\t5\t0\t1\t2\t1\t55" in text
    assert not re.search(r"—\s*\d+\s*—", text), "page numbers must be stripped"
    # wrapped lines are joined back into one paragraph, numbers and all
    assert "<p>全年新收政府信息公开申请55件，上年结转4件，已全部按法定时限答复57件，结转下年度继续办理2件。" in result.html


def test_pdf_table_without_rulings_keeps_one_row_per_line(tmp_path):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import SimpleDocTemplate, Table

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    rows = [["一、本年新收政府信息公开申请数量", "46", "5", "0", "1", "2", "1", "55"],
            ["二、上年结转政府信息公开申请数量", "3", "1", "0", "0", "0", "0", "4"],
            ["（七）总计", "47", "6", "0", "1", "2", "1", "57"]]
    path = tmp_path / "borderless.pdf"
    SimpleDocTemplate(str(path)).build([Table(rows, colWidths=[250] + [35] * 7,
                                              style=[("FONTNAME", (0, 0), (-1, -1), "STSong-Light")])])
    text = extract_file(path).text
    assert text.splitlines() == [" ".join(row) for row in rows]


def test_pdf_fake_bold_and_radical_lookalikes(tmp_path):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    path = tmp_path / "bold.pdf"
    page = canvas.Canvas(str(path))
    page.setFont("STSong-Light", 14)
    for offset in (0, 0.3):  # fake bold: the heading drawn twice, a hair apart
        page.drawString(60 + offset, 760, "三、收到和处理政府信息公开申请情况")
    page.setFont("STSong-Light", 12)
    page.drawString(60, 730, "⾃然⼈申请46件")  # 自 and 人 as Kangxi radicals U+2F83, U+2F08
    page.save()
    assert extract_file(path).text.splitlines() == ["三、收到和处理政府信息公开申请情况", "自然人申请46件"]


def test_pdf_page_frame_is_not_a_table(tmp_path):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    path = tmp_path / "framed.pdf"
    page = canvas.Canvas(str(path))
    page.rect(30, 30, 535, 780)  # the border some offices draw round every page
    page.setFont("STSong-Light", 12)
    page.drawString(60, 760, "一、总体情况")
    page.drawString(60, 740, "全年新收政府信息公开申请55件，上年结转4件。")
    page.save()
    assert extract_file(path).html.splitlines()[1:3] == ["<p>一、总体情况</p>", "<p>全年新收政府信息公开申请55件，上年结转4件。</p>"]


def test_pdf_table_split_over_pages_is_emitted_in_both_parts(extracted):
    # table 二 starts on page 1 and ends on page 2 in the generated PDF
    grids = table_grids(extracted["report_2021.pdf"].html)
    first = find_grid(grids, _norm("第二十条第（一）项"))
    continuation = next(g for g in grids if g[-1][0] == "行政事业性收费")
    assert grids.index(continuation) == grids.index(first) + 1
    assert continuation[-1] == ["行政事业性收费", "0"]


def test_docx_merged_cells_keep_one_label(extracted):
    html = extracted["report_2021.docx"].html
    assert html.count("三、本年度办理结果") == 1
    assert '<td rowspan="22">三、本年度办理结果</td>' in html
    assert '<td rowspan="8">（三）不予公开</td>' in html


def test_word97_via_antiword_fallback_keeps_the_prose():
    from pipelines.documents.doc import via_antiword
    from pipelines.documents.limits import Deadline

    document = via_antiword((DOCUMENTS / "report_2021.doc").read_bytes(), Deadline(30))
    assert "全年新收政府信息公开申请55件" in document.text
    assert "行政规范性文件\t3\t1\t12" in document.text  # antiword's |-tables become <table> rows


def test_word97_without_libreoffice_uses_the_fast_tools(monkeypatch):
    from pipelines.documents import doc
    from pipelines.documents.extractors import run_extractor
    from pipelines.documents.limits import DEFAULT_LIMITS

    monkeypatch.setattr(doc, "available", lambda tool: False)
    result = run_extractor("doc", (DOCUMENTS / "report_2021.doc").read_bytes(), DEFAULT_LIMITS)
    assert result.status == "ok", result
    assert "全年新收政府信息公开申请55件" in result.text
    assert "（七）总计\t47\t6\t0\t1\t2\t1\t57" in result.text  # catdoc keeps this row, antiword does not


@pytest.mark.skipif(not HAS_SOFFICE, reason="soffice not installed")
def test_wps_suffix_is_read_like_a_word97_file(tmp_path):
    # Kingsoft WPS saves Word 97 compound files; this is the .doc fixture under a .wps name
    wps = tmp_path / "report.wps"
    wps.write_bytes((DOCUMENTS / "report_2021.doc").read_bytes())
    result = extract_file(wps)
    assert result.status == "ok", result.error
    assert labelled_rows(result.html) == labelled_rows(source_html())


def _word_web_page() -> str:
    """The source report as Word's "save as web page" writes it: Office namespaces, GB2312."""
    return source_html().replace('<html lang="zh-CN">', '<html xmlns:o="urn:schemas-microsoft-com:office:office" '
                                 'xmlns:w="urn:schemas-microsoft-com:office:word">').replace(
        '<meta charset="utf-8">', '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">')


def test_word_web_page_served_as_doc():
    result = extract(_word_web_page().encode("gb18030"), "P020220120.doc", "application/msword")
    assert result.status == "ok", result.error
    assert labelled_rows(result.html) == labelled_rows(source_html())


def test_mhtml_served_as_doc():
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText

    message = MIMEMultipart("related")
    message.attach(MIMEText(_word_web_page(), "html", "utf-8"))  # base64 body, as Word writes it
    result = extract(message.as_bytes(), "report.doc")
    assert result.status == "ok", result.error
    assert labelled_rows(result.html) == labelled_rows(source_html())


@pytest.mark.skipif(not HAS_SOFFICE, reason="soffice not installed")
@pytest.mark.parametrize("filter_name, served_as", [("xml:MS Word 2003 XML", "report.doc"), ("rtf", "report.rtf")])
def test_word_2003_xml_and_rtf(tmp_path, filter_name, served_as):
    from tests.fixtures.documents.make_fixtures import soffice_convert

    target = tmp_path / ("converted." + filter_name.split(":")[0])
    soffice_convert(DOCUMENTS / "report_2021.docx", target, filter_name)
    result = extract(target.read_bytes(), served_as)
    assert result.status == "ok", result.error
    assert labelled_rows(result.html) == labelled_rows(source_html())


def test_type_comes_from_the_bytes_not_the_name():
    data = (DOCUMENTS / "report_2021.pdf").read_bytes()
    result = extract(data, "download.doc", "application/msword")
    assert result.status == "ok" and result.pages == 3
    assert result.filename == "download.doc"
    assert ".pdf" in SUFFIXES and ".docx" in SUFFIXES and ".png" in SUFFIXES


# --- OCR ---------------------------------------------------------------------------------------------------------
def test_scanned_pdf_is_read_by_ocr_with_table_rows(scanned):
    assert scanned.status == "ok", scanned.error
    assert scanned.method == "ocr"
    assert 50 <= scanned.confidence <= 100
    assert scanned.pages == 3
    assert "[OCR page 2, confidence" in scanned.text and 'data-ocr="true"' in scanned.html
    rows = dict(labelled_rows(scanned.html))
    source = labelled_rows(source_html())
    by_numbers = {numbers for _label, numbers in labelled_rows(scanned.html)}
    # headline rows of tables 三 and 四 come back exactly
    for label_prefix in ("一、本年新收", "(七)总计", "四、结转下年度"):
        expected = next(n for label, n in source if _norm(label).startswith(_norm(label_prefix)))
        assert expected in by_numbers, (label_prefix, expected, rows)
    assert ("2", "1", "0", "1", "4", "1", "0", "1", "0", "2", "1", "0", "0", "0", "1") in by_numbers


def test_image_attachment_goes_to_ocr():
    from pipelines.documents.ocr import render_pdf_page

    page, _scale = render_pdf_page((DOCUMENTS / "report_2021_scanned.pdf").read_bytes(), 1, 300)
    table_four = page.crop((100, 2700, page.width - 100, 3300))  # heading and table 四 of page 2
    buffer = io.BytesIO()
    table_four.save(buffer, format="PNG")
    result = extract(buffer.getvalue(), "table4.png", "image/png")
    assert result.status == "ok", result.error
    assert result.method == "ocr" and result.confidence is not None
    grid = table_grids(result.html)[0]
    assert grid[-1] == ["2", "1", "0", "1", "4", "1", "0", "1", "0", "2", "1", "0", "0", "0", "1"]
    assert grid[0][0] == "行政复议" and grid[0][-1] == "行政诉讼"


def test_text_layer_without_unicode_map_counts_as_no_text():
    from types import SimpleNamespace

    from pipelines.documents.pdf import text_layer_state

    def page(texts):
        return SimpleNamespace(chars=[{"text": t} for t in texts])

    assert text_layer_state(page("宜昌市生态环境局年度报告")) == "usable"
    assert text_layer_state(page(["(cid:1234)"] * 20 + list("年度"))) == "undecodable"
    assert text_layer_state(page(["\ue01a"] * 10)) == "undecodable"
    assert text_layer_state(page("页")) == "none"


def table_four_picture(tmp_path) -> tuple[Path, float, float]:
    """Table 四 cut from the scanned fixture at 300 DPI, rulings included: (png, width, height in inches)."""
    from pipelines.documents.ocr import render_pdf_page

    page, _scale = render_pdf_page((DOCUMENTS / "report_2021_scanned.pdf").read_bytes(), 1, 300)
    picture = tmp_path / "table4.png"
    crop = page.crop((150, 2860, page.width - 150, 3215))
    crop.save(picture)
    return picture, crop.width / 300, crop.height / 300


def test_table_pasted_as_a_picture_into_a_docx(tmp_path):
    import docx
    from docx.shared import Inches

    picture, width, _height = table_four_picture(tmp_path)
    word = docx.Document()
    word.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    word.add_picture(str(picture), width=Inches(width))
    word.add_paragraph("五、存在的主要问题及改进情况")
    path = tmp_path / "pasted.docx"
    word.save(str(path))
    result = extract_file(path)
    assert result.status == "ok" and result.method == "ocr" and result.confidence is not None
    lines = [line for line in result.text.splitlines() if line]
    assert lines[0] == "四、政府信息公开行政复议、行政诉讼情况" and lines[-1] == "五、存在的主要问题及改进情况"
    assert "2\t1\t0\t1\t4\t1\t0\t1\t0\t2\t1\t0\t0\t0\t1" in lines


def test_page_scanned_sideways_is_turned_before_ocr():
    from pipelines.documents.ocr import render_pdf_page

    page, _scale = render_pdf_page((DOCUMENTS / "report_2021_scanned.pdf").read_bytes(), 1, 300)
    buffer = io.BytesIO()
    page.rotate(90, expand=True).save(buffer, format="PNG")  # landscape table pages often come out like this
    result = extract(buffer.getvalue(), "scan.png")
    assert result.status == "ok", result.error
    assert "turned 90°" in result.text
    rows = {numbers for _label, numbers in labelled_rows(result.html)}
    assert ("46", "5", "0", "1", "2", "1", "55") in rows
    assert ("2", "1", "0", "1", "4", "1", "0", "1", "0", "2", "1", "0", "0", "0", "1") in rows


def test_table_pasted_as_a_picture_into_a_text_pdf(tmp_path):
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate

    picture, width, height = table_four_picture(tmp_path)
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("body", fontName="STSong-Light", fontSize=11, leading=18)
    path = tmp_path / "mixed.pdf"
    SimpleDocTemplate(str(path)).build([
        Paragraph("四、政府信息公开行政复议、行政诉讼情况", style),
        Image(str(picture), width=width * 72, height=height * 72),
        Paragraph("五、存在的主要问题及改进情况", style)])
    result = extract_file(path)
    assert result.status == "ok" and result.method == "ocr" and result.confidence is not None
    lines = result.text.splitlines()
    assert lines[0] == "四、政府信息公开行政复议、行政诉讼情况" and lines[-1] == "五、存在的主要问题及改进情况"
    assert lines[1].startswith("[OCR page 1 picture 1")
    assert "2\t1\t0\t1\t4\t1\t0\t1\t0\t2\t1\t0\t0\t0\t1" in lines


# --- the same metrics through the parser -------------------------------------------------------------------------------
def table_metrics(parsed: dict) -> dict:
    return {k: v for k, v in parsed["metrics"].items() if k.startswith(TABLE_KEYS)}


@needs_parser
@pytest.mark.parametrize("name", ["report_2021.pdf", "report_2021.docx",
                                  pytest.param("report_2021.doc", marks=pytest.mark.skipif(not HAS_SOFFICE, reason="soffice not installed"))])
def test_documents_parse_to_the_html_metrics(extracted, name):
    from pipelines.parse import parse_report

    expected = table_metrics(parse_report(html=source_html()))
    assert expected["requests.new.total"] == 55 and expected["review.total"] == 4
    got = table_metrics(parse_report(documents=[extracted[name]]))
    assert got == expected


@needs_parser
@pytest.mark.parametrize("name", ["table3_2021.xlsx", "table3_2021.xls"])
def test_workbooks_parse_to_the_html_table_three(extracted, name):
    from pipelines.parse import parse_report

    expected = {k: v for k, v in table_metrics(parse_report(html=source_html())).items() if k.startswith("requests.")}
    got = table_metrics(parse_report(documents=[extracted[name]]))
    assert {k: v for k, v in got.items() if k.startswith("requests.")} == expected


@needs_parser
def test_scanned_pdf_headline_metrics_through_parser(scanned):
    from pipelines.parse import parse_report

    parsed = parse_report(documents=[scanned])
    metrics = parsed["metrics"]
    assert metrics["requests.new.total"] == 55
    assert metrics["requests.total.total"] == 57
    assert metrics["review.total"] == 4


# --- the attachments-only mock portal ------------------------------------------------------------------------------
PORTAL = FIXTURES / "attachments"


def _portal_expected() -> dict:
    return json.loads((PORTAL / "expected.json").read_text(encoding="utf-8"))


def _attachment_path(detail: str, filename: str) -> Path:
    return PORTAL / "site" / detail.lstrip("/").rsplit("/", 1)[0] / filename


def test_portal_expected_matches_its_attachments():
    expected = _portal_expected()
    assert len(expected["reports"]) >= 3
    for detail, report in expected["reports"].items():
        page = (PORTAL / "site" / detail.lstrip("/")).read_text(encoding="utf-8")
        assert "详见附件" in page and report["title"] in page and report["published"] in page
        for filename in report["attachments"]:
            assert f'href="./{filename}"' in page
            result = extract_file(_attachment_path(detail, filename))
            assert result.status == "ok", (filename, result.error)
            table_three = find_grid(table_grids(result.html), _norm("（本列数据"))
            new_row = next(row for row in table_three if row[0].startswith("一、本年新收"))
            total_row = next(row for row in table_three if _norm("（七）总计") in row)
            assert int(new_row[-1]) == report["metrics"]["requests.new.total"]
            assert int(total_row[-1]) == report["metrics"]["requests.total.total"]


@needs_parser
def test_portal_attachments_parse_to_expected_metrics():
    from pipelines.parse import parse_report

    for detail, report in _portal_expected()["reports"].items():
        documents = [extract_file(_attachment_path(detail, name)) for name in report["attachments"]]
        metrics = parse_report(documents=documents)["metrics"]
        for key, value in report["metrics"].items():
            assert metrics.get(key) == value, (detail, key)


def test_portal_serves_list_pages_and_attachment_bytes():
    from crawler.mockportals import MockPortals

    with MockPortals(["attachments"]) as portals:
        site = portals.sites["attachments"]
        entries = site.portal_entries()
        assert entries and entries[0]["start_urls"][0].startswith(site.base_url)
        listing = urllib.request.urlopen(entries[0]["start_urls"][0]).read().decode("utf-8")
        second = urllib.request.urlopen(site.base_url + "/xxgk/bmnb/index_1.html").read().decode("utf-8")
        links = re.findall(r'href="\./(\d{6}/t\d{8}_\d+\.html)"', listing + second)
        assert len(links) == len(_portal_expected()["reports"])
        detail, report = next(iter(_portal_expected()["reports"].items()))
        url = site.base_url + detail.rsplit("/", 1)[0] + "/" + report["attachments"][0]
        with urllib.request.urlopen(url) as response:
            body = response.read()
        assert body == _attachment_path(detail, report["attachments"][0]).read_bytes()
