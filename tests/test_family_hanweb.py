"""Hanweb family against its mock portal (tests/fixtures/hanweb), driven by hand over real HTTP:
two classic jpage columns, a jpaas publish-server column and an xxgk catalogue column on one site."""
from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
import scrapy
from scrapy.http import HtmlResponse, TextResponse, XmlResponse

from crawler.families import _hanweb_jpaas as jpaas
from crawler.families import _hanweb_xxgk as xxgk
from crawler.families._hanweb_rows import parse_item_html
from crawler.families.hanweb import FAMILY, parse_record, parse_records
from pipelines.records import ListingEntry
from crawler.mockportals import FIXTURES, MockSite
from crawler.registry import Portal
from tests.crawl_helpers import path_of
from tests.family_driver import drive, fetch, fetch_detail, portal_from_site

ROOT = FIXTURES / "hanweb"
EXPECTED = json.loads((ROOT / "expected.json").read_text(encoding="utf-8"))
KJJ = "nantong-kjj-hanweb"
SJJ = "nantong-sjj-hanweb"
JPAAS = "hangzhou-scjg-hanweb-jpaas"
XXGK = "hangzhou-wjw-hanweb-xxgk"
XXGK_CUSTOM = "zibo-sthjj-hanweb-xxgk-custom"


@pytest.fixture(scope="module")
def site():
    running = MockSite(ROOT).start()
    yield running
    running.stop()


def paths(entries) -> list[str]:
    return [path_of(entry.url) for entry in entries]


def column_paths(column: str) -> set[str]:
    listed = set(EXPECTED["reports"]) | set(EXPECTED["not_reports"]) | {e["path"] for e in EXPECTED["errors"]}
    return {path for path in listed if f"/art_{column}_" in path or path.startswith(f"/col/col{column}/")}


def proxy_post(site: MockSite, start: int, end: int, headers: dict[str, str]) -> tuple[int, str]:
    body = ("col=1&appid=1&webid=74&path=/&columnid=33718&sourceContentType=1&unitid=212860"
            "&webname=%E5%8D%97%E9%80%9A%E5%B8%82%E4%BA%BA%E6%B0%91%E6%94%BF%E5%BA%9C&permissiontype=0").encode()
    request = urllib.request.Request(
        f"{site.base_url}/module/web/jpage/dataproxy.jsp?startrecord={start}&endrecord={end}&perpage=2",
        data=body, method="POST", headers={"Content-Type": "application/x-www-form-urlencoded", **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def test_every_row_of_the_column_found_exactly_once_across_inline_and_proxy_groups(site):
    result = drive(portal_from_site(site, KJJ))
    found = paths(result.entries)
    assert len(found) == len(set(found)) == 13
    assert set(found) == column_paths("33718")
    # newest first, in the column's own order: inline group, then two proxy groups
    assert found[0] == "/art/2024/1/19/art_33718_1813.html" and found[-1] == "/art/2013/3/29/art_33718_655.html"
    requested = [urlsplit(r.url).path + "?" + urlsplit(r.url).query for r in result.requests]
    assert requested == [
        "/col/col33718/index.html?",
        "/module/web/jpage/dataproxy.jsp?startrecord=7&endrecord=12&perpage=2",
        "/module/web/jpage/dataproxy.jsp?startrecord=13&endrecord=18&perpage=2",
    ]
    assert result.statuses == [200, 200, 200]


def test_proxy_groups_really_repeat_the_previous_groups_last_row(site):
    """The dedup above is exercised: group 2 starts with row 6, group 3 with row 12."""
    headers = {"X-Requested-With": "XMLHttpRequest", "Referer": f"{site.base_url}/col/col33718/index.html"}
    status, group2 = proxy_post(site, 7, 12, headers)
    assert status == 200
    rows = paths(parse_records(group2, site.base_url))
    assert len(rows) == 7 and rows[0] == "/art/2020/1/20/art_33718_958.html"
    status, group3 = proxy_post(site, 13, 18, headers)
    rows3 = paths(parse_records(group3, site.base_url))
    assert rows3 == ["/art/2014/3/28/art_33718_688.html", "/art/2013/3/29/art_33718_655.html"]
    assert "<totalrecord>13</totalrecord>" in group3


def test_full_titles_from_title_attribute_and_dates_in_every_record_shape(site):
    entries = {urlsplit(e.url).path: e for e in drive(portal_from_site(site, KJJ)).entries}
    for path, report in EXPECTED["reports"].items():
        if path in entries:
            assert entries[path].title == report["title"], path
            assert entries[path].date == report["published"], path
    # inline row: link text "南通市科学技术局2023年政府信息公开工..." truncated, <b> date
    assert entries["/art/2024/1/19/art_33718_1813.html"].title == "南通市科学技术局2023年政府信息公开工作年度报告"
    # proxy row whose date is split over three lines inside <span class="time">
    assert entries["/art/2019/1/28/art_33718_903.html"].date == "2019-01-28"
    # proxy row whose link text jcms polluted with "<li style=<br/>"
    assert entries["/art/2015/3/20/art_33718_712.html"].title == "南通市科学技术局2014年度政府信息公开工作年度报告"


def test_dataproxy_refuses_requests_without_xhr_header_or_referer(site):
    referer = f"{site.base_url}/col/col33718/index.html"
    assert proxy_post(site, 7, 12, {})[0] == 403
    assert proxy_post(site, 7, 12, {"Referer": referer})[0] == 403
    assert proxy_post(site, 7, 12, {"X-Requested-With": "XMLHttpRequest"})[0] == 403
    assert proxy_post(site, 7, 12, {"X-Requested-With": "XMLHttpRequest", "Referer": referer})[0] == 200
    # and the family's own requests carry both
    request = drive(portal_from_site(site, KJJ)).requests[1]
    assert request.headers.get("X-Requested-With") == b"XMLHttpRequest"
    assert request.headers.get("Referer").decode().endswith("/col/col33718/index.html")


def test_column_identity_read_from_each_page(site):
    """Two columns with different columnid/unitid (and proxy path) on one site: each is read from its page."""
    kjj = drive(portal_from_site(site, KJJ)).requests[1]
    sjj_result = drive(portal_from_site(site, SJJ))
    sjj = sjj_result.requests[1]
    kjj_form = parse_qs(kjj.body.decode())
    sjj_form = parse_qs(sjj.body.decode())
    assert (kjj_form["columnid"], kjj_form["unitid"]) == (["33718"], ["212860"])
    assert (sjj_form["columnid"], sjj_form["unitid"]) == (["71362"], ["248114"])
    assert sjj_form["appid"] == ["1"]  # the nextgroup's doubled appid=1&appid=1 is posted once
    for form in (kjj_form, sjj_form):
        assert form["webid"] == ["74"] and form["webname"] == ["南通市人民政府"] and form["path"] == ["/"]
        assert form["col"] == ["1"] and form["sourceContentType"] == ["1"] and form["permissiontype"] == ["0"]
    # the audit column names the old jslib proxy in its nextgroup; its rows are <tr> records
    assert urlsplit(sjj.url).path == "/module/jslib/jquery/jpage/dataproxy.jsp"
    found = paths(sjj_result.entries)
    assert len(found) == len(set(found)) == 7 and set(found) == column_paths("71362")


def test_sidebar_datastore_is_not_the_column(site):
    found = paths(drive(portal_from_site(site, KJJ)).entries)
    assert not any("/art_3_" in path for path in found)  # 热点信息 box rows


def test_wrong_column_identity_gets_nothing_more_and_stops(site):
    """A columnid the proxy does not know answers an empty store: only the inline rows, no loop."""
    portal = portal_from_site(site, KJJ, options={"columnid": 99999})
    result = drive(portal)
    assert len(result.entries) == 6 and len(result.requests) == 2
    assert parse_qs(result.requests[1].body.decode())["columnid"] == ["99999"]


def test_proxy_that_ignores_startrecord_does_not_loop(site):
    portal = portal_from_site(site, KJJ)
    first = drive(portal).requests[1]
    group2 = fetch(first)
    # the same rows again, answered to the request for the next group
    following = list(FAMILY.parse_proxy(group2, portal))[-1]
    assert isinstance(following, scrapy.Request)
    replay = XmlResponse(url=following.url, body=group2.body, request=following, encoding="utf-8")
    assert list(FAMILY.parse_proxy(replay, portal)) == []


def test_column_without_pager_yields_inline_rows_only():
    html = """<html><body><div id="9001"><script type="text/xml"><datastore><recordset>
    <record><![CDATA[<li><a href="/art/2023/2/1/art_501_77.html" title="某县教育局2022年政府信息公开工作年度报告">某县教育局2022年…</a><span>2023-02-01</span></li>]]></record>
    </recordset></datastore></script></div></body></html>"""
    response = scrapy.http.HtmlResponse(url="http://x.example/col/col501/index.html", body=html.encode(), encoding="utf-8")
    portal = Portal(id="x", name="x", province=None, city=None, county=None, region_code=None, department=None,
                    family="hanweb", start_urls=[response.url])
    outputs = list(FAMILY.parse_list(response, portal))
    assert [(o.url, o.title, o.date) for o in outputs] == [
        ("http://x.example/art/2023/2/1/art_501_77.html", "某县教育局2022年政府信息公开工作年度报告", "2023-02-01")]


def test_column_with_nextgroup_but_no_pager_call_still_asks_the_proxy():
    html = """<html><body><div id="7788"><script type="text/xml"><datastore>
    <nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&appid=1&webid=12&path=/&columnid=3456&unitid=7788&webname=%E6%B5%B7%E9%97%A8&permissiontype=0"></a>]]></nextgroup>
    <recordset><record><![CDATA[<li><a href="/art/2023/2/1/art_3456_77.html" title="海门区2022年政府信息公开工作年度报告">海门区2022年…</a><span>2023-02-01</span></li>]]></record>
    </recordset></datastore></script></div></body></html>"""
    response = scrapy.http.HtmlResponse(url="http://x.example/col/col3456/index.html", body=html.encode(), encoding="utf-8")
    portal = Portal(id="x", name="x", province=None, city=None, county=None, region_code=None, department=None,
                    family="hanweb", start_urls=[response.url])
    entry, request = list(FAMILY.parse_list(response, portal))
    assert entry.title == "海门区2022年政府信息公开工作年度报告"
    assert request.url == "http://x.example/module/web/jpage/dataproxy.jsp?startrecord=2&endrecord=46&perpage=15"
    form = parse_qs(request.body.decode())
    assert (form["columnid"], form["unitid"], form["webid"], form["webname"]) == (["3456"], ["7788"], ["12"], ["海门"])


@pytest.mark.parametrize("fragment, title, date", [
    ('<tr><td><a href="/art/2017/4/1/art_9_1.html" title="海门市2016年政府信息公开年报">海门市2016年...</a></td><td>[2017-04-01]</td></tr>',
     "海门市2016年政府信息公开年报", "2017-04-01"),
    ('<li class="clearfix"><a href="/art/2026/1/23/art_5_2.html" title="江苏省2025年政府信息公开工作年度报告">江苏省2025年…</a>'
     '<span class="time">\n2026-\n01-\n23</span><span class="jds"></span></li>', "江苏省2025年政府信息公开工作年度报告", "2026-01-23"),
    ('<li><a href="/art/2022/1/9/art_5_3.html">如东县2021年政府信息公开工作年度报告</a></li>',
     "如东县2021年政府信息公开工作年度报告", "2022-01-09"),  # no date shown: the article URL's day
])
def test_record_shapes(fragment, title, date):
    entry = parse_record(fragment, "http://x.example/col/col5/index.html")
    assert (entry.title, entry.date) == (title, date)


def test_detail_metadata_and_attachments_match_expected(site):
    portal = portal_from_site(site, KJJ)
    entries = {}
    for portal_id in (KJJ, SJJ, JPAAS, XXGK, XXGK_CUSTOM):
        entries.update({path_of(e.url): e for e in drive(portal_from_site(site, portal_id)).entries})
    for path, expected in EXPECTED["reports"].items():
        page = fetch_detail(entries[path], portal)
        for key, value in expected.items():
            if key == "attachments":
                assert [a["filename"] for a in page["attachments"]] == value, path
            elif key == "title":
                assert page["title"] == value, path
            else:
                assert page["page_meta"].get(key) == value, f"{path}: {key}"
        assert "ContentStart" not in page["body_html"] and "政府信息公开" in page["body_html"]
        assert not page["soft_404"]


def test_gbk_detail_page_decoded(site):
    path = EXPECTED["gbk"][0]
    raw = (ROOT / "site" / path.lstrip("/")).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    entry = next(e for e in drive(portal_from_site(site, KJJ)).entries if e.url.endswith(path))
    page = fetch_detail(entry, portal_from_site(site, KJJ))
    assert page["title"] == EXPECTED["reports"][path]["title"]
    assert "南通市科学技术局坚持" in page["body_html"]


def test_failing_details_answer_404_and_500(site):
    for error in EXPECTED["errors"]:
        response = fetch(scrapy.Request(site.base_url + error["path"]))
        assert f"http_{response.status}" == error["kind"]


# --- jpaas publish-server columns (PORTALS.md §2.4) -------------------------------------------
def test_jpaas_column_read_page_by_page_from_the_list_api(site):
    result = drive(portal_from_site(site, JPAAS))
    found = paths(result.entries)
    assert len(found) == len(set(found)) == 5 and set(found) == column_paths("1229587")
    assert found[0] == "/art/2024/1/23/art_1229587_58930211.html"
    assert found[-1] == "/col/col1229587/art/2021/art_2b6d0c9e71f84a3fb05c4e8d1a9f3762.html"
    api = [r for r in result.requests[1:]]
    assert [urlsplit(r.url).path for r in api] == [jpaas.API, jpaas.API]
    queries = [parse_qs(urlsplit(r.url).query) for r in api]
    # the column identity comes from the pager's queryData, the page size from its rows attribute;
    # count=5 at rows=3 means two pages and no third request
    for page_no, query in enumerate(queries, start=1):
        assert query == {"webId": ["3301"], "pageId": ["1229587"], "parseType": ["bulidstatic"], "pageType": ["column"],
                         "tagId": ["信息列表"], "tplSetId": ["52f0c2d4e7a94b3c8d1e6f5a9b2c7d31"], "rows": ["3"],
                         "pageNo": [str(page_no)]}
    assert result.statuses == [200, 200, 200]
    assert all(r.method == "GET" and r.headers.get("Referer").decode().endswith("/col/col1229587/index.html") for r in api)


def test_jpaas_protocol_relative_links_titles_and_dates(site):
    entries = {urlsplit(e.url).path: e for e in drive(portal_from_site(site, JPAAS)).entries}
    first = entries["/art/2024/1/23/art_1229587_58930211.html"]
    # the API wrote //host/art/… : resolved to the site itself, with the page's own scheme
    assert first.url == f"{site.base_url}/art/2024/1/23/art_1229587_58930211.html"
    assert first.title == "杭州市市场监督管理局2023年政府信息公开工作年度报告"  # from @title, not the truncated text
    # a UUID article URL carries no day: the row's <b> date is the only one
    uuid = entries["/col/col1229587/art/2021/art_2b6d0c9e71f84a3fb05c4e8d1a9f3762.html"]
    assert (uuid.title, uuid.date) == ("杭州市市场监督管理局2020年政府信息公开工作年度报告", "2021-01-28")
    for path, report in EXPECTED["reports"].items():
        if path in entries:
            assert entries[path].title == report["title"], path
            assert entries[path].date == report["published"], path


def test_jpaas_api_refuses_a_wrong_query_and_the_family_says_so(site):
    portal = portal_from_site(site, JPAAS)
    request = drive(portal).requests[1]
    wrong = request.replace(url=request.url.replace("pageId=1229587", "pageId=1229588"))
    answer = fetch(wrong)
    assert json.loads(answer.text)["success"] is False
    with pytest.raises(ValueError, match="refused the query"):
        list(FAMILY.parse_jpaas(answer, portal))
    not_json = TextResponse(url=request.url, body=b"<html>502 Bad Gateway</html>", encoding="utf-8", request=request)
    with pytest.raises(ValueError, match="no JSON"):
        list(FAMILY.parse_jpaas(not_json, portal))


def test_jpaas_server_ignoring_page_no_does_not_loop(site):
    portal = portal_from_site(site, JPAAS)
    page1 = fetch(drive(portal).requests[1])
    following = list(FAMILY.parse_jpaas(page1, portal))[-1]
    assert isinstance(following, scrapy.Request) and "pageNo=2" in following.url
    replay = TextResponse(url=following.url, body=page1.body, request=following, encoding="utf-8")
    assert list(FAMILY.parse_jpaas(replay, portal)) == []


def test_jpaas_pager_without_count_pages_until_nothing_new():
    html = """<html><body><div class="pagination" rows="15" queryData="{'webId':'77','pageId':'1500','tagId':'列表','tplSetId':'ab12'}"></div></body></html>"""
    query = jpaas.find_query(html, "http://y.example/col/col1500/index.html", {})
    assert query["count"] is None and query["rows"] == 15
    assert query["api"] == "http://y.example" + jpaas.API
    request = jpaas.page_request(query, 1, [])
    item = '<li><a href="/art/2023/1/5/art_1500_9.html">某区2022年政府信息公开工作年度报告</a><b>2023-01-05</b></li>'
    body = json.dumps({"success": True, "data": {"html": item}}).encode()
    outputs = list(jpaas.parse_page(TextResponse(url=request.url, body=body, request=request, encoding="utf-8")))
    assert isinstance(outputs[0], ListingEntry) and isinstance(outputs[1], scrapy.Request) and "pageNo=2" in outputs[1].url


@pytest.mark.parametrize("html, expected", [
    ('<li class="clearfix"><a class="bt-left" title="余杭区2023年政府信息公开工作年度报告" href="//www.yuhang.gov.cn/art/2024/1/10/art_1532_1.html">余杭区2023年...</a>'
     '<span class="bt-right">2024-01-10</span></li>',
     [("https://www.yuhang.gov.cn/art/2024/1/10/art_1532_1.html", "余杭区2023年政府信息公开工作年度报告", "2024-01-10")]),
    ('<p class="lb-list"><a href="/art/2023/1/31/art_1532_2.html" title="余杭区2022年政府信息公开工作年度报告">余杭区2022年…</a><span>2023-01-31</span></p>'
     '<p class="lb-list"><a href="/art/2022/1/28/art_1532_3.html" title="余杭区2021年政府信息公开工作年度报告">余杭区2021年…</a><span>2022-01-28</span></p>',
     [("https://z.example/art/2023/1/31/art_1532_2.html", "余杭区2022年政府信息公开工作年度报告", "2023-01-31"),
      ("https://z.example/art/2022/1/28/art_1532_3.html", "余杭区2021年政府信息公开工作年度报告", "2022-01-28")]),
    ('<tr><td class="bt"><a href="/col/col1532/art/2021/art_0a1b2c3d4e5f60718293a4b5c6d7e8f9.html" title="余杭区2020年政府信息公开工作年度报告">余杭区2020年...</a></td>'
     '<td>[2021-01-22]</td></tr>',
     [("https://z.example/col/col1532/art/2021/art_0a1b2c3d4e5f60718293a4b5c6d7e8f9.html", "余杭区2020年政府信息公开工作年度报告", "2021-01-22")]),
])
def test_jpaas_item_markups(html, expected):
    entries = parse_item_html(html, "https://z.example" + jpaas.API + "?pageNo=1")
    assert [(e.url, e.title, e.date) for e in entries] == expected


# --- xxgk catalogue module columns (PORTALS.md §2.2) -----------------------------------------
def test_xxgk_catalogue_read_page_by_page(site):
    result = drive(portal_from_site(site, XXGK))
    found = paths(result.entries)
    assert len(found) == len(set(found)) == 5 and set(found) == column_paths("1693420")
    posts = result.requests[1:]
    assert [(r.method, urlsplit(r.url).path) for r in posts] == [("POST", xxgk.SEARCH), ("POST", xxgk.SEARCH)]
    for page, request in enumerate(posts, start=1):
        # the column's identity comes from the page's script object; the rest are the module's defaults
        assert parse_qs(request.body.decode(), keep_blank_values=True) == {
            "infotypeId": ["A0507"], "jdid": ["3051"], "area": ["002489817"], "divid": ["div1693420"],
            "currpage": [str(page)], "sortfield": [",createdate:0,orderid:0"], "vc_title": [""],
            "vc_filenumber": [""], "vc_all": [""], "texttype": ["0"], "fbtime": ["-1"]}
        assert request.headers.get("Referer").decode().endswith("/col/col1693420/index.html")
    assert result.statuses == [200, 200, 200]


def test_xxgk_rows_date_is_the_date_cell_not_the_index_number(site):
    entries = {urlsplit(e.url).path: e for e in drive(portal_from_site(site, XXGK)).entries}
    row = entries["/art/2024/1/25/art_1693420_58941302.html"]
    # cells: 1 | 002489817/2024-00031 | linked title | 2024-01-24 (the catalogue shows 生成日期)
    assert (row.title, row.date) == ("杭州市卫生健康委员会2023年政府信息公开工作年度报告", "2024-01-24")
    assert entries["/art/2021/1/29/art_1693420_58720633.html"].date == "2021-01-29"


def test_xxgk_unknown_column_answers_no_rows_and_stops(site):
    portal = portal_from_site(site, XXGK)
    request = drive(portal).requests[1]
    wrong = request.replace(body=request.body.replace(b"jdid=3051", b"jdid=3052"))
    answer = fetch(wrong)
    assert "共0页" in answer.text
    assert list(FAMILY.parse_xxgk(answer, portal)) == []


def test_xxgk_module_ignoring_currpage_does_not_loop(site):
    portal = portal_from_site(site, XXGK)
    page1 = fetch(drive(portal).requests[1])
    following = list(FAMILY.parse_xxgk(page1, portal))[-1]
    assert isinstance(following, scrapy.Request) and b"currpage=2" in following.body
    replay = HtmlResponse(url=following.url, body=page1.body, request=following, encoding="utf-8")
    assert list(FAMILY.parse_xxgk(replay, portal)) == []


def test_xxgk_query_read_from_a_search_form():
    html = """<html><body><form name="xxgkForm" action="/module/xxgk/search.jsp" method="post">
    <input type="hidden" name="infotypeId" value="B0102"><input type="hidden" name="jdid" value="61">
    <input type="hidden" name="area" value="11330000002482870P"><input type="hidden" name="divid" value="div1545735">
    <input type="hidden" name="currpage" value="1"><input type="text" name="vc_title" value="">
    <select name="fbtime"><option value="-1">全部</option></select></form></body></html>"""
    query = xxgk.find_query(html, "http://www.zj.example/col/col1545735/index.html", {})
    assert query["url"] == "http://www.zj.example/module/xxgk/search.jsp"
    request = xxgk.page_request(query, 3, [])
    form = parse_qs(request.body.decode(), keep_blank_values=True)
    assert (form["infotypeId"], form["jdid"], form["area"], form["divid"], form["currpage"]) == (
        ["B0102"], ["61"], ["11330000002482870P"], ["div1545735"], ["3"])
    assert form["sortfield"] == [",createdate:0,orderid:0"] and form["texttype"] == ["0"]


def test_xxgk_query_read_from_a_script_url():
    html = """<html><body><div id="div88"></div><script>
    $('#div88').load('/module/xxgk/search.jsp?infotypeId=A01&jdid=88&area=&divid=div88&currpage=1');
    </script></body></html>"""
    query = xxgk.find_query(html, "http://q.example/col/col88/index.html", {})
    assert (query["form"]["infotypeId"], query["form"]["jdid"], query["form"]["divid"]) == ("A01", "88", "div88")


def test_classic_pages_are_not_taken_for_the_newer_mechanisms():
    for name in ("col33718", "col71362"):
        html = (ROOT / "site" / "col" / name / "index.html").read_text(encoding="utf-8")
        assert jpaas.find_query(html, "http://x.example/", {}) is None
        assert xxgk.find_query(html, "http://x.example/", {}) is None


def test_shandong_custom_catalogue_read_by_get_from_the_iframe_query(site):
    result = drive(portal_from_site(site, XXGK_CUSTOM))
    found = paths(result.entries)
    assert len(found) == len(set(found)) == 4 and set(found) == column_paths("116302")
    lists = result.requests[1:]
    assert [(r.method, urlsplit(r.url).path) for r in lists] == [("GET", "/module/xxgk/search_custom.jsp")] * 2
    for page, request in enumerate(lists, start=1):
        # the iframe's own query string (&amp; decoded), only currpage changed
        assert parse_qs(urlsplit(request.url).query, keep_blank_values=True) == {
            "fields": [""], "fieldConfigId": ["318406"], "infotypeId": ["2102"], "jdid": ["63"],
            "area": ["11370300004409516K"], "sortfield": ["compaltedate:0"], "fbtime": [""], "texttype": [""],
            "vc_all": [""], "vc_filenumber": [""], "vc_title": [""], "vc_number": [""], "binlay": [""],
            "c_issuetime": [""], "currpage": [str(page)]}
    entries = {path_of(e.url): e for e in result.entries}
    row = entries["/art/2024/1/22/art_116302_10294411.html?xxgkhide=1"]
    # link text padded with newlines and tabs, no @title; the row number is not part of the date
    assert (row.title, row.date) == ("淄博市生态环境局2023年政府信息公开工作年度报告", "2024-01-22")


def test_shandong_page_count_read_through_markup():
    """`共<span>2</span>页`: the count is split by tags; page 2 of 2 asks no further."""
    query = {"url": "http://s.example/module/xxgk/search_custom.jsp", "method": "GET",
             "fields": [("fieldConfigId", "5")], "referer": "http://s.example/col/col9/index.html"}
    request = xxgk.page_request(query, 2, [])
    assert request.url == "http://s.example/module/xxgk/search_custom.jsp?fieldConfigId=5&currpage=2"
    body = ('<div class="wip_lists"><a href="/art/2023/1/9/art_9_1.html?xxgkhide=1">某市2022年政府信息公开工作年度报告</a>'
            '<div class="wip_lists_r">2023-01-09</div></div><div class="wip_page">共<span>4</span>条记录&nbsp;共<span>2</span>页</div>')
    outputs = list(xxgk.parse_page(HtmlResponse(url=request.url, body=body.encode(), request=request, encoding="utf-8")))
    assert [type(o) for o in outputs] == [ListingEntry]
    without_count = body.split('<div class="wip_page">')[0]
    outputs = list(xxgk.parse_page(HtmlResponse(url=request.url, body=without_count.encode(), request=request, encoding="utf-8")))
    assert isinstance(outputs[-1], scrapy.Request) and outputs[-1].url.endswith("currpage=3")


def test_jpaas_pager_of_the_page_column_preferred_over_a_sidebar_pager():
    html = """<html><body>
    <div class="side" count="40" rows="5" queryData="{'webId':'3301','pageId':'1229001','tagId':'热点','tplSetId':'aa'}"></div>
    <div class="pagination" count="12" rows="15" queryData="{&quot;webId&quot;:&quot;3301&quot;,&quot;pageId&quot;:&quot;1229587&quot;,&quot;tagId&quot;:&quot;信息列表&quot;,&quot;tplSetId&quot;:&quot;bb&quot;}"></div>
    </body></html>"""
    query = jpaas.find_query(html, "http://h.example/col/col1229587/index.html", {})
    assert (query["params"]["pageId"], query["params"]["tagId"], query["count"], query["rows"]) == ("1229587", "信息列表", 12, 15)
    # with no column in the URL, the first pager on the page
    assert jpaas.find_query(html, "http://h.example/list.html", {})["params"]["pageId"] == "1229001"


def test_paged_datastore_wins_over_catalogue_search_box_and_links_in_the_page_chrome(site):
    """A classic column whose header has a catalogue search form and a link to search_custom.jsp
    is still read through its jpage datastore and dataproxy.jsp."""
    column = (ROOT / "site" / "col" / "col33718" / "index.html").read_text(encoding="utf-8")
    chrome = ('<form action="/module/xxgk/search.jsp" method="post"><input type="hidden" name="infotypeId" value="A01">'
              '<input type="hidden" name="jdid" value="74"><input type="text" name="vc_title"></form>'
              '<a href="/module/xxgk/search_custom.jsp?fieldConfigId=12&currpage=1">信息公开目录</a>')
    html = column.replace("<body>", "<body>" + chrome, 1)
    assert html != column
    response = HtmlResponse(url=f"{site.base_url}/col/col33718/index.html", body=html.encode(), encoding="utf-8")
    outputs = list(FAMILY.parse_list(response, portal_from_site(site, KJJ)))
    requests = [o for o in outputs if isinstance(o, scrapy.Request)]
    assert len(outputs) == 7 and [urlsplit(r.url).path for r in requests] == ["/module/web/jpage/dataproxy.jsp"]
    # without its pager, the same page is a catalogue column
    unpaged = re.sub(r'<script type="text/javascript">\s*var param_212860.*?</script>', "", html, flags=re.S)
    assert "jpage(" not in unpaged
    response = HtmlResponse(url=response.url, body=unpaged.encode(), encoding="utf-8")
    (request,) = [o for o in FAMILY.parse_list(response, portal_from_site(site, KJJ)) if isinstance(o, scrapy.Request)]
    assert urlsplit(request.url).path == xxgk.SEARCH and b"infotypeId=A01" in request.body


@pytest.mark.parametrize("fragment, date", [
    # the date beside the link inside the link's own cell
    ('<tr><td><a href="/art/2020/1/3/art_7_1.html" title="某局2019年政府信息公开工作年度报告">某局…</a> <span>2020-01-05</span></td></tr>', "2020-01-05"),
    # an index-number cell before the date cell is not read as a date
    ('<tr><td>3</td><td>002489817/2024-00031</td><td><a href="/col/col7/art/2024/art_ab12.html">某委2023年政府信息公开工作年度报告</a></td>'
     '<td>2024-01-24</td></tr>', "2024-01-24"),
])
def test_table_row_dates(fragment, date):
    assert parse_record(fragment, "http://x.example/").date == date
