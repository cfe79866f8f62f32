"""Hanweb family against its mock portal (tests/fixtures/hanweb), driven by hand over real HTTP."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
import scrapy
from scrapy.http import XmlResponse

from crawler.families.hanweb import FAMILY, parse_record, parse_records
from crawler.mockportals import FIXTURES, MockSite
from crawler.registry import Portal
from tests.family_driver import drive, fetch, fetch_detail, portal_from_site

ROOT = FIXTURES / "hanweb"
EXPECTED = json.loads((ROOT / "expected.json").read_text(encoding="utf-8"))
KJJ = "nantong-kjj-hanweb"
SJJ = "nantong-sjj-hanweb"


@pytest.fixture(scope="module")
def site():
    running = MockSite(ROOT).start()
    yield running
    running.stop()


def paths(entries) -> list[str]:
    return [urlsplit(entry.url).path for entry in entries]


def column_paths(column: str) -> set[str]:
    listed = set(EXPECTED["reports"]) | set(EXPECTED["not_reports"]) | {e["path"] for e in EXPECTED["errors"]}
    return {path for path in listed if f"/art_{column}_" in path}


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
    entries = {urlsplit(e.url).path: e for e in drive(portal).entries}
    entries.update({urlsplit(e.url).path: e for e in drive(portal_from_site(site, SJJ)).entries})
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
