"""The TRS WCM family: every list page of the mock portal, the pager forms, sub-columns."""
from __future__ import annotations

import json

import pytest
import scrapy
from scrapy.http import HtmlResponse

from crawler.families.trs import FAMILY, Pager, read_pager
from pipelines.records import ListingEntry
from crawler.mockportals import FIXTURES, MockSite
from crawler.registry import validate_entry
from crawler.report_titles import is_annual_report_title
from tests.family_driver import drive, fetch, portal_from_site

ROOT = FIXTURES / "trs"
EXPECTED = json.loads((ROOT / "expected.json").read_text(encoding="utf-8"))
COLUMN = "/zwgk/zfxxgknb/"
AG = "临沂市科学技术局"


@pytest.fixture(scope="module")
def site():
    mock = MockSite(ROOT).start()
    yield mock
    mock.stop()


def parse(site: MockSite, path: str, portal_id: str = "linyi-kjj-nb"):
    portal = portal_from_site(site, portal_id)
    response = fetch(scrapy.Request(site.base_url + path))
    assert response.status == 200
    outputs = list(FAMILY.parse_list(response, portal))
    entries = [(o.url.removeprefix(site.base_url), o.title, o.date, o.extra) for o in outputs if isinstance(o, ListingEntry)]
    requests = [o.url.removeprefix(site.base_url) for o in outputs if isinstance(o, scrapy.Request)]
    assert all(o.meta.get("nianbao_step", "parse_list") == "parse_list" for o in outputs if isinstance(o, scrapy.Request))
    return entries, requests


def test_first_page_li_rows_and_fan_out(site):
    entries, requests = parse(site, COLUMN + "index.html")
    assert entries == [
        (COLUMN + "202303/t20230301_1195.html", f"{AG}政府信息公开指南（2023年修订）", "2023-03-01", {}),
        (COLUMN + "202401/t20240119_1204.html", f"{AG}2023年政府信息公开工作年度报告", "2024-01-19", {}),
        (COLUMN + "202301/t20230130_1187.html", f"{AG}2022年政府信息公开工作年度报告", "2023-01-30", {}),
    ]
    assert requests == [COLUMN + "index_1.html", COLUMN + "index_2.html", COLUMN + "index_3.html",
                        COLUMN + "gknb2017/index.shtml"]


def test_table_layout_page_keeps_full_titles_and_row_fields(site):
    entries, requests = parse(site, COLUMN + "index_1.html")
    extra = {"publisher": AG}
    assert entries == [
        (COLUMN + "202201/t20220126_1162.html", f"{AG}2021年政府信息公开工作年度报告", "2022-01-26",
         {**extra, "index_no": "11371300004335672K/2022-00008"}),
        (COLUMN + "202101/t20210127_1001.html", f"{AG}2020年政府信息公开工作年度报告", "2021-01-27",
         {**extra, "index_no": "11371300004335672K/2021-00012"}),
        (COLUMN + "202001/t20200121_905.html", f"{AG}2019年政府信息公开工作年度报告", "2020-01-21",
         {**extra, "index_no": "11371300004335672K/2020-00005"}),
    ]
    assert requests == []  # later pages never fan out again


def test_rows_written_by_javascript(site):
    entries, requests = parse(site, COLUMN + "index_2.html")
    assert sorted(entries) == sorted([
        (COLUMN + "201903/t20190329_812.html", f"{AG}2018年政府信息公开工作年度报告", "2019-03-29", {}),
        (COLUMN + "201702/t20170215_532.html", f"{AG}2016年政府信息公开工作年度报告", "2017-02-15", {}),
        (COLUMN + "201603/t20160318_451.html", f"{AG}2015年政府信息公开工作年度报告", "2016-03-18", {}),
    ])
    assert requests == []


def test_stub_page_past_the_end_yields_nothing(site):
    assert parse(site, COLUMN + "index_3.html") == ([], [])


def test_year_subcolumn_with_count_page_pager(site):
    entries, requests = parse(site, COLUMN + "gknb2017/index.shtml")
    assert entries == [(COLUMN + "gknb2017/201802/t20180207_688.shtml", f"{AG}2017年政府信息公开工作年度报告",
                        "2018-02-07", {})]
    assert requests == [COLUMN + "gknb2017/index_1.shtml"]
    entries, requests = parse(site, COLUMN + "gknb2017/index_1.shtml")
    assert [e[:3] for e in entries] == [(COLUMN + "gknb2017/201802/t20180209_693.shtml",
                                         "临沂市生产力促进中心2017年政府信息公开工作年度报告", "2018-02-09")]


def test_hanzhong_pager_second_page_is_underscore_2(site):
    entries, requests = parse(site, "/hdq/gknb/xxgk_gknb_list.shtml", "linyi-hedong-kjj-nb")
    assert requests == ["/hdq/gknb/xxgk_gknb_list_2.shtml"]
    assert [e[:3] for e in entries] == [("/hdq/gknb/202401/t20240125_2388.shtml",
                                         "临沂市河东区科学技术局2023年政府信息公开工作年度报告", "2024-01-25")]


@pytest.mark.parametrize("portal_id", ["linyi-kjj-nb", "linyi-hedong-kjj-nb"])
def test_whole_column_every_report_exactly_once(site, portal_id):
    portal = portal_from_site(site, portal_id)
    result = drive(portal)
    assert set(result.statuses) == {200}
    paths = [e.url.removeprefix(site.base_url) for e in result.entries]
    assert len(paths) == len(set(paths))
    prefix = "/hdq/" if portal_id == "linyi-hedong-kjj-nb" else COLUMN
    reports = {p for p, e in zip(paths, result.entries) if is_annual_report_title(e.title)}
    expected = {p for p in EXPECTED["reports"] if p.startswith(prefix)}
    broken = {e["path"] for e in EXPECTED["errors"] if e["path"].startswith(prefix)}
    assert reports == expected | broken
    for path in EXPECTED["not_reports"]:
        if path.startswith(prefix):
            assert path in paths and path not in reports


# --- pager forms --------------------------------------------------------------------------------
LIST_URL = "http://kjj.example.gov.cn/zwgk/zfxxgknb/index.html"


@pytest.mark.parametrize("script,pager", [
    ('createPageHTML(20, 0, "index", "html");', Pager(20, "index", "html", 1)),
    ("createPageHTML(25, 0, 'index', 'shtml');", Pager(25, "index", "shtml", 1)),
    ('createPage(7, 0, "index", "html")', Pager(7, "index", "html", 1)),
    ("createPageHTML('page_div', 9, 1, 'xxgk_gknb_list', 'shtml', 130);", Pager(9, "xxgk_gknb_list", "shtml", 2)),
    ("createPageHTML(6348, 56, 0, 'index', 'html');", Pager(56, "index", "html", 1)),
    ('var countnum= 6348; var currentPage=0; var countPage=56;'
     'document.write("<a href=\\"index"+"_"+i+"."+"html\\">"+(i+1)+"</a>")', Pager(56, "index", "html", 1)),
    ("var countPage = 3;", Pager(3, "index", "html", 1)),
])
def test_pager_forms(script, pager):
    assert read_pager(f"<script>{script}</script>", LIST_URL) == pager


def test_pager_function_definition_is_not_a_call():
    assert read_pager("<script>function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){}</script>",
                      LIST_URL) is None
    assert read_pager("<ul><li>no pager</li></ul>", LIST_URL) is None


def test_offset_from_the_pages_own_links_or_the_registry():
    html = '<script>createPageHTML(5, 0, "index", "shtml");</script><a href="index_2.shtml">2</a>'
    assert read_pager(html, LIST_URL).offset == 2
    assert read_pager('<script>createPageHTML(5, 0, "index", "shtml");</script>', LIST_URL, offset=2).offset == 2
    assert read_pager('<script>createPageHTML(5,0,"index","html")</script><a href="index_1.html">2</a>', LIST_URL).offset == 1


def test_pager_urls():
    assert [Pager(3, "index", "html").url(LIST_URL, p) for p in range(3)] == [
        "http://kjj.example.gov.cn/zwgk/zfxxgknb/index.html",
        "http://kjj.example.gov.cn/zwgk/zfxxgknb/index_1.html",
        "http://kjj.example.gov.cn/zwgk/zfxxgknb/index_2.html",
    ]
    assert Pager(3, "index", "shtml", 2).url(LIST_URL, 1).endswith("/index_2.shtml")


def synthetic_portal(**extra):
    raw = {"id": "x", "name": "x", "family": "trs", "start_urls": [LIST_URL], **extra}
    portal, problems = validate_entry(raw, {"trs"})
    assert portal is not None, problems
    return portal


def test_registry_page_offset_option_drives_the_requests():
    response = HtmlResponse(LIST_URL, body='<script>createPageHTML(3, 0, "index", "html");</script>'.encode(),
                            encoding="utf-8")
    requests = [r.url for r in FAMILY.parse_list(response, synthetic_portal(options={"page_offset": 2}))]
    assert requests == ["http://kjj.example.gov.cn/zwgk/zfxxgknb/index_2.html",
                        "http://kjj.example.gov.cn/zwgk/zfxxgknb/index_3.html"]


def test_year_subcolumns_only_under_the_column_on_the_portal_host():
    html = """<div class="years">
      <a href="./gknb2019/">2019年</a><a href="2020n/index.html">2020年</a><a href="./2021nb/index.shtml">2021年</a>
      <a href="../zcwj2019/">不是本栏目</a><a href="./202101/t20210127_1.html">年报</a>
      <a href="http://other.gov.cn/zwgk/zfxxgknb/gknb2018/">外站</a><a href="./">本栏目</a></div>"""
    response = HtmlResponse(LIST_URL, body=html.encode(), encoding="utf-8")
    assert list(FAMILY.year_subcolumns(response, synthetic_portal())) == [
        "http://kjj.example.gov.cn/zwgk/zfxxgknb/gknb2019/",
        "http://kjj.example.gov.cn/zwgk/zfxxgknb/2020n/index.html",
        "http://kjj.example.gov.cn/zwgk/zfxxgknb/2021nb/index.shtml",
    ]


def test_title_attribute_preferred_over_text_with_date_mva_style():
    html = """<div class="overview_right"><ul><li><a href="./202403/t20240311_296402.html"
      title="某局2023年政府信息公开工作年度报告">某局2023年政府信息公开工作... <span>2024-03-11</span></a></li></ul></div>"""
    response = HtmlResponse(LIST_URL, body=html.encode(), encoding="utf-8")
    entries = list(FAMILY.list_entries(response))
    assert [(e.title, e.date) for e in entries] == [("某局2023年政府信息公开工作年度报告", "2024-03-11")]


def test_dated_rows_linking_documents_or_other_paths_are_entries():
    html = """<ul class="list">
      <li><a href="./P020220301552094713388.pdf" title="某局2021年政府信息公开工作年度报告">某局2021年…</a><span>2022-03-01</span></li>
      <li><a href="/art/2021/1/20/art_1_2.html">某局2020年政府信息公开工作年度报告</a><span>2021-01-20</span></li>
      <li><a href="/zwgk/">政务公开</a></li></ul>"""
    response = HtmlResponse(LIST_URL, body=html.encode(), encoding="utf-8")
    assert [(e.url, e.date) for e in FAMILY.list_entries(response)] == [
        ("http://kjj.example.gov.cn/zwgk/zfxxgknb/P020220301552094713388.pdf", "2022-03-01"),
        ("http://kjj.example.gov.cn/art/2021/1/20/art_1_2.html", "2021-01-20"),
    ]


def test_table_layout_inside_a_layout_table_with_标题_header():
    html = """<table width="980"><tr><td><table class="list">
      <tr><td>序号</td><td>标题</td><td>信息索取号</td><td>发文日期</td></tr>
      <tr><td>1</td><td><a href="./201802/t20180226_6630.htm">某县2017年政府信息公开工作年度报告</a></td>
          <td>E00070/2018-00419</td><td>2018/02/26</td></tr></table></td></tr></table>"""
    response = HtmlResponse(LIST_URL, body=html.encode(), encoding="utf-8")
    entries = list(FAMILY.list_entries(response))
    assert [(e.url, e.title, e.date, e.extra) for e in entries] == [
        ("http://kjj.example.gov.cn/zwgk/zfxxgknb/201802/t20180226_6630.htm", "某县2017年政府信息公开工作年度报告",
         "2018-02-26", {"index_no": "E00070/2018-00419"})]
