"""The generic family: report links found by their titles, pagination by link text and URL shape,
the portal's own host only, and the pageNum trap of the mock portal."""
from __future__ import annotations

import json

import pytest
import scrapy
from scrapy.http import HtmlResponse

from crawler.families.generic import FAMILY, TRAIL_KEY
from pipelines.records import ListingEntry
from crawler.mockportals import FIXTURES, MockSite
from crawler.registry import validate_entry
from crawler.report_titles import is_annual_report_title
from tests.family_driver import drive, fetch, portal_from_site

ROOT = FIXTURES / "generic"
EXPECTED = json.loads((ROOT / "expected.json").read_text(encoding="utf-8"))
GOV = "宿城区人民政府"
LIST = "/zwgk/nbList.jsp?pageNum="


@pytest.fixture(scope="module")
def site():
    mock = MockSite(ROOT).start()
    yield mock
    mock.stop()


@pytest.fixture(scope="module")
def portal(site):
    return portal_from_site(site, "suqian-sucheng-nb")


def parse(site, portal, request: scrapy.Request):
    response = fetch(request)
    assert response.status == 200
    outputs = list(FAMILY.parse_list(response, portal))
    entries = [(o.url.removeprefix(site.base_url), o.title, o.date) for o in outputs if isinstance(o, ListingEntry)]
    requests = {o.url.removeprefix(site.base_url): o for o in outputs if isinstance(o, scrapy.Request)}
    return entries, requests


def test_first_page(site, portal):
    entries, requests = parse(site, portal, FAMILY.list_request(site.base_url + LIST + "1"))
    assert entries == [
        ("/zwgk/nb/2024/0126/10873.html", f"{GOV}2023年政府信息公开工作年度报告", "2024-01-26"),
        ("/uploadfiles/202301/20230130093512689.pdf", f"{GOV}2022年政府信息公开工作年度报告", "2023-01-30"),
        ("/zwgk/nb/2023/0105/10701.html", "宿城区人民政府信息公开指南", "2023-01-05"),
    ]
    # 首页 and the side menu point back at this page; 上一页 points at pageNum=0.
    assert sorted(requests) == [LIST + "0", LIST + "2", LIST + "3"]


def test_external_report_link_not_followed(site, portal):
    entries, _ = parse(site, portal, FAMILY.list_request(site.base_url + LIST + "1"))
    external = EXPECTED["external"][0]
    assert all(not url.startswith("http") for url, _, _ in entries)
    assert external.split("/")[2] not in json.dumps(entries)


def test_pagination_trap_is_detected(site, portal):
    _, first = parse(site, portal, FAMILY.list_request(site.base_url + LIST + "1"))
    entries, second = parse(site, portal, first[LIST + "2"])
    assert [e[0] for e in entries] == ["/zwgk/nb/2022/0128/10235.html", "/zwgk/nb/2021/0129/9876.html",
                                       "/zwgk/nb/2017/0120/5521.html"]
    entries, third = parse(site, portal, second[LIST + "3"])
    assert len(entries) == 5 and LIST + "4" in third
    # pageNum=4 answers page 1 again: the family takes nothing from it and asks for nothing more.
    assert parse(site, portal, third[LIST + "4"]) == ([], {})
    assert parse(site, portal, first[LIST + "0"]) == ([], {})
    # Without the trail (a fresh start there) the same page reads as a normal first page.
    fresh, _ = parse(site, portal, FAMILY.list_request(site.base_url + LIST + "4"))
    assert len(fresh) == 3


@pytest.mark.parametrize("portal_id,prefixes", [
    ("suqian-sucheng-nb", ("/zwgk/", "/uploadfiles/")),
    ("suqian-sucheng-jyj-nb", ("/bmxxgk/jyj/",)),
])
def test_whole_portal_every_report_once(site, portal_id, prefixes):
    result = drive(portal_from_site(site, portal_id))
    paths = [e.url.removeprefix(site.base_url) for e in result.entries]
    by_path = dict(zip(paths, result.entries))
    reports = [p for p in paths if is_annual_report_title(by_path[p].title)]
    failing = {e["path"] for e in EXPECTED["errors"]}
    mine = {p for p in set(EXPECTED["reports"]) | failing if p.startswith(prefixes)}
    assert sorted(set(reports)) == sorted(mine)
    for path in EXPECTED["not_reports"]:
        if path.startswith(prefixes):
            assert path in paths and path not in reports
    requested = [r.url.removeprefix(site.base_url) for r in result.requests]
    assert not any("suqian.gov.cn" in r for r in requested)
    if portal_id == "suqian-sucheng-nb":
        assert requested[0] == LIST + "1" and LIST + "4" in requested


def test_static_numbered_pages_with_next_and_last_links(site):
    column = "/bmxxgk/jyj/zfxxgknb/"
    portal = portal_from_site(site, "suqian-sucheng-jyj-nb")
    entries, requests = parse(site, portal, FAMILY.list_request(site.base_url + column + "1.html"))
    assert entries == [
        ("/bmxxgk/jyj/detail.jsp?id=1187", "宿城区教育局2023年政务公开工作要点", "2023-03-10"),
        ("/bmxxgk/jyj/detail.jsp?id=1101", "宿城区教育局2022年政府信息公开工作年度报告", "2023-01-28"),
    ]
    assert sorted(requests) == [column + "2.html"]  # 下一页 and 尾页; 首页 is this page; 上一页 is javascript:;
    entries, requests = parse(site, portal, requests[column + "2.html"])
    assert [e[0] for e in entries] == ["/bmxxgk/jyj/detail.jsp?id=962", "/bmxxgk/jyj/detail.jsp?id=815"]
    assert parse(site, portal, requests[column + "1.html"]) == ([], {})  # back to page 1: seen on the trail


# --- pagination links and hosts on synthetic pages -----------------------------------------------
def synthetic_portal(start: str, **extra):
    raw = {"id": "x", "name": "x", "family": "generic", "start_urls": [start], **extra}
    portal, problems = validate_entry(raw, {"generic"})
    assert portal is not None, problems
    return portal


def outputs_of(url: str, html: str, portal, meta=None):
    request = scrapy.Request(url, meta=meta or {})
    response = HtmlResponse(url, body=html.encode("utf-8"), encoding="utf-8", request=request)
    return list(FAMILY.parse_list(response, portal))


def test_yanan_style_numbered_pages_and_next_links():
    url = "http://jyj.yanan.gov.cn/zfxxgk/zfxxgknb/1.html"
    html = """<div class="m-lst"><ul>
      <li><a href="/zfxxgk/zfxxgknb/202401/a1b2.html">延安市教育局2023年政府信息公开工作年度报告</a><span>2024-01-30</span></li>
      <li><a href="/zfxxgk/zfxxgknb/202301/c3d4.html">延安市教育局2022年政府信息公开工作年度报告</a><span>2023-01-29</span></li>
      <li><a href="/zfxxgk/zfxxgknb/files/2021nb.pdf">延安市教育局2021年政府信息公开年报（PDF）</a></li>
    </ul></div>
    <div class="page"><a href="1.html">1</a><a href="2.html">2</a><a href="2.html">下一页</a><a href="9.html">尾页</a>
      <a href="list.jsp?page=3">3</a><a href="javascript:void(0)">下页</a></div>
    <div class="nav"><a href="/">首页</a><a href="/zfxxgk/">政府信息公开</a></div>"""
    outputs = outputs_of(url, html, synthetic_portal(url))
    entries = [(o.url, o.date) for o in outputs if isinstance(o, ListingEntry)]
    requests = [o.url for o in outputs if isinstance(o, scrapy.Request)]
    assert entries == [
        ("http://jyj.yanan.gov.cn/zfxxgk/zfxxgknb/202401/a1b2.html", "2024-01-30"),
        ("http://jyj.yanan.gov.cn/zfxxgk/zfxxgknb/202301/c3d4.html", "2023-01-29"),
        ("http://jyj.yanan.gov.cn/zfxxgk/zfxxgknb/files/2021nb.pdf", None),
    ]
    assert requests == ["http://jyj.yanan.gov.cn/zfxxgk/zfxxgknb/2.html", "http://jyj.yanan.gov.cn/zfxxgk/zfxxgknb/9.html",
                        "http://jyj.yanan.gov.cn/zfxxgk/zfxxgknb/list.jsp?page=3"]
    assert all(r.meta["nianbao_step"] == "parse_list" for r in outputs if isinstance(r, scrapy.Request))


def test_allowed_domains_admit_sibling_hosts_only():
    url = "http://www.example.gov.cn/xxgk/nb/index.html"
    html = """<ul>
      <li><a href="http://xxgk.example.gov.cn/nb/2021.html">某区2021年政府信息公开工作年度报告</a></li>
      <li><a href="http://www.other.gov.cn/nb/2021.html">他区2021年政府信息公开工作年度报告</a></li>
      <li><a href="https://www.example.gov.cn/nb/2020.html">某区2020年政府信息公开工作年度报告</a></li></ul>"""
    narrow = [o.url for o in outputs_of(url, html, synthetic_portal(url)) if isinstance(o, ListingEntry)]
    assert narrow == ["https://www.example.gov.cn/nb/2020.html"]
    wide = [o.url for o in outputs_of(url, html, synthetic_portal(url, allowed_domains=["example.gov.cn"]))
            if isinstance(o, ListingEntry)]
    assert wide == ["http://xxgk.example.gov.cn/nb/2021.html", "https://www.example.gov.cn/nb/2020.html"]


def test_trail_carries_forward_and_repeated_content_stops():
    url = "http://www.example.gov.cn/nb/index.html"
    html = """<ul><li><a href="/nb/1.html">某区2021年政府信息公开工作年度报告</a><span>2022-01-20</span></li></ul>
      <a href="index_1.html">下一页</a>"""
    portal = synthetic_portal(url)
    first = outputs_of(url, html, portal)
    request = next(o for o in first if isinstance(o, scrapy.Request))
    assert len(request.meta[TRAIL_KEY]) == 1
    assert outputs_of(request.url, html, portal, meta=request.meta) == []


def test_pages_without_reports_do_not_count_as_repeats():
    url = "http://www.example.gov.cn/nb/index.html"
    portal = synthetic_portal(url)
    empty = '<p>暂无信息</p><a href="index_1.html">下一页</a>'
    first = outputs_of(url, empty, portal)
    request = next(o for o in first if isinstance(o, scrapy.Request))
    second = outputs_of(request.url, '<p>暂无信息</p><a href="index_2.html">下一页</a>', portal, meta=request.meta)
    assert [o.url for o in second] == ["http://www.example.gov.cn/nb/index_2.html"]


def test_view_links_take_their_title_from_the_row():
    url = "http://www.example.gov.cn/xxgk/nb/index.html"
    html = """<table><tr><th>名称</th><th>日期</th><th>操作</th></tr>
      <tr><td>某区2021年政府信息公开工作年度报告</td><td>2022-01-25</td><td><a href="/nb/2021.html">查看</a></td></tr>
      <tr><td>某区2020年政府信息公开工作年度报告</td><td>[2021-01-28]</td><td><a href="/nb/2020.pdf">下载</a></td></tr></table>"""
    entries = [(o.url, o.title, o.date) for o in outputs_of(url, html, synthetic_portal(url)) if isinstance(o, ListingEntry)]
    assert entries == [
        ("http://www.example.gov.cn/nb/2021.html", "某区2021年政府信息公开工作年度报告", "2022-01-25"),
        ("http://www.example.gov.cn/nb/2020.pdf", "某区2020年政府信息公开工作年度报告", "2021-01-28"),
    ]


def test_row_dates_in_the_shapes_lists_use():
    url = "http://www.example.gov.cn/xxgk/nb/index.html"
    shapes = {"2026-02-14": "2026-02-14", "2026年02月14日": "2026-02-14", "2026-02-14 17:32": "2026-02-14",
              "2026/02/14": "2026-02-14", "2026.02.14": "2026-02-14", "26-02-14": "2026-02-14",
              "2026-\n01-\n23": "2026-01-23", "(2026-02-14)": "2026-02-14"}
    rows = "".join(f'<li><a href="/nb/{i}.htm" title="某区2025年政府信息公开工作年度报告">…</a><span class="time">{shape}</span></li>'
                   for i, shape in enumerate(shapes))
    entries = [o for o in outputs_of(url, f"<ul>{rows}</ul>", synthetic_portal(url)) if isinstance(o, ListingEntry)]
    assert [e.date for e in entries] == list(shapes.values())
