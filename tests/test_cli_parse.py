"""`nianbao parse` end to end, as a user runs it (subprocess on the installed console script)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.shared_docs import (
    STANDALONE,
    corpus_dir,
    corpus_params,
    gold_case,
    role_gold,
    role_path,
    role_text,
)

ROOT = Path(__file__).resolve().parents[1]
LEGACY = ROOT / "tests" / "fixtures" / "legacy"
DOCX = ROOT / "tests" / "fixtures" / "documents" / "report_2021.docx"
NIANBAO = [sys.executable, "-m", "cli.main"]


def nianbao_parse(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*NIANBAO, "parse", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("corpus", corpus_params())
def test_one_txt_prints_indented_json_matching_gold(corpus):
    expected = role_gold(corpus, "legacy_table")
    done = nianbao_parse(str(role_path(corpus, "legacy_table")))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("{\n  ")  # indented for one file
    assert expected["agency"] in done.stdout  # ensure_ascii=False
    result = json.loads(done.stdout)
    assert result["metrics"] == expected["metrics"]
    assert result["agency"] == expected["agency"] and result["published"] == expected["published"]


@pytest.mark.parametrize("corpus", corpus_params())
def test_several_files_one_object_per_line(corpus):
    files = sorted(str(p) for p in corpus_dir(corpus).glob("*.txt"))
    done = nianbao_parse(*files)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().split("\n")
    assert len(lines) == len(files) == 5
    results = [json.loads(line) for line in lines]
    assert [r["file"] for r in results] == files
    assert [r["report_year"] for r in results] == {"seeds": [2017, 2017, 2018, 2017, 2018],
                                                   "standalone": [2016, 2017, 2017, 2018, 2018]}[corpus]
    assert [r["report_year"] for r in results] == [gold_case(corpus, Path(f).name)["report_year"] for f in files]


def test_saved_detail_page_uses_its_metadata_block():
    done = nianbao_parse(str(LEGACY / "wuhan_district_bureau_2018.html"), "--url", "http://www.jiangan.gov.cn/a.html")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["index_no"] == "011073045/2019-00031"
    assert result["published"] == "2019-03-27"
    assert result["url"] == "http://www.jiangan.gov.cn/a.html"
    assert result["metrics"]["requests.total.total"] == 39
    assert result["format"] == "legacy"


@pytest.mark.parametrize("corpus", corpus_params())
def test_url_line_of_a_text_file(corpus, tmp_path):
    expected = role_gold(corpus, "title_agency")
    path = tmp_path / "copy.txt"
    path.write_text("URL: http://www.example.gov.cn/nb/2018.html\n" + role_text(corpus, "title_agency"), encoding="utf-8")
    result = json.loads(nianbao_parse(str(path)).stdout)
    assert result["url"] == "http://www.example.gov.cn/nb/2018.html"
    assert result["title"] == expected["title"]
    assert result["metrics"]["active.website"] == expected["metrics"]["active.website"]


@pytest.mark.parametrize("corpus", corpus_params())
def test_gbk_text_file(corpus, tmp_path):
    expected = role_gold(corpus, "prose_signature")
    path = tmp_path / "gbk.txt"
    path.write_bytes(role_text(corpus, "prose_signature").encode("gb18030"))
    result = json.loads(nianbao_parse(str(path)).stdout)
    assert result["agency"] == expected["agency"]
    assert result["metrics"]["active.total"] == expected["metrics"]["active.total"]


@pytest.mark.skipif(not DOCX.exists(), reason="documents fixtures not present")
def test_document_file_goes_through_extraction():
    done = nianbao_parse(str(DOCX))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["sources"] == ["document:report_2021.docx"]
    assert result["format"] == "standard-2021"
    assert result["report_year"] == 2021
    assert result["metrics"]


def test_unreadable_files_are_reported_and_exit_code_tells(tmp_path):
    odd = tmp_path / "notes.xyz"
    odd.write_text("hello", encoding="utf-8")
    missing = tmp_path / "missing.txt"
    done = nianbao_parse(str(odd), str(missing))
    assert done.returncode == 1
    first, second = (json.loads(line) for line in done.stdout.strip().split("\n"))
    assert first["fatal"] and "unsupported file type .xyz" in first["errors"][0]
    assert second["fatal"] and "cannot read" in second["errors"][0]
    mixed = nianbao_parse(str(odd), str(STANDALONE / "page_meta_2017.txt"))
    assert mixed.returncode == 0  # one file could be read


def test_empty_text_file_is_fatal_but_printed(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("\n  \n", encoding="utf-8")
    done = nianbao_parse(str(path))
    assert done.returncode == 1
    result = json.loads(done.stdout)
    assert result["fatal"] is True and result["errors"]


def test_legacy_report_as_docx_attachment(tmp_path):
    docx = pytest.importorskip("docx")
    document = docx.Document()
    for line in ("2016年度市统计局政府信息公开工作报告", "一、概述", "2016年，我局主动公开政府信息88条。",
                 "二、依申请公开情况", "全年收到政府信息公开申请2件。", "附表", "2016年度政府信息公开工作情况统计表"):
        document.add_paragraph(line)
    rows = [("统计指标", "单位", "统计数"), ("一、主动公开情况", "—", ""), ("（一）主动公开政府信息数", "条", "88"),
            ("2.政府网站公开政府信息数", "条", "80"), ("三、依申请公开情况", "—", ""), ("（一）收到申请数", "件", "2"),
            ("（三）申请答复数", "件", "2"), ("2.同意公开答复数", "件", "1"), ("6.申请信息不存在数", "件", "1"),
            ("四、行政复议数量", "件", ""), ("十二、机构建设和保障经费情况", "—", ""), ("（二）从事政府信息公开工作人员数", "人", "3")]
    table = document.add_table(rows=0, cols=3)
    for row in rows:
        for cell, value in zip(table.add_row().cells, row):
            cell.text = value
    document.add_paragraph("某市统计局")
    document.add_paragraph("2017年1月20日")
    path = tmp_path / "年报.docx"
    document.save(path)
    done = nianbao_parse(str(path))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["format"] == "legacy"
    assert result["report_year"] == 2016 and result["published"] == "2017-01-20"
    assert result["metrics"] == {"active.total": 88, "active.website": 80, "requests.new.total": 2,
                                 "requests.total.total": 2, "requests.answer.granted": 1,
                                 "requests.answer.not_exist": 1, "staff.total": 3}
    assert result["provenance"]["active.total"]["source"] == "table"
    assert result["sources"] == ["document:年报.docx"]
    assert [c["rule"] for c in result["checks"] if not c["passed"]] == []
