"""gkmlpt family against its mock portal (tests/fixtures/gkmlpt), driven by hand over real HTTP."""
from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import scrapy

from crawler.families.gkmlpt import FAMILY, CategoryNotFound, read_tree, report_category, unescape_js
from crawler.mockportals import FIXTURES, MockSite
from crawler.registry import Portal
from tests.family_driver import drive, fetch, fetch_detail, portal_from_site

ROOT = FIXTURES / "gkmlpt"
EXPECTED = json.loads((ROOT / "expected.json").read_text(encoding="utf-8"))
PORTAL = "shenzhen-stic-gkmlpt"
ALL_LISTED = set(EXPECTED["reports"]) | set(EXPECTED["not_reports"]) | {e["path"] for e in EXPECTED["errors"]}


@pytest.fixture(scope="module")
def site():
    running = MockSite(ROOT).start()
    yield running
    running.stop()


def paths(entries) -> list[str]:
    return [urlsplit(entry.url).path for entry in entries]


def api_json(site: MockSite, page: int, category: int = 2317, sid: str = "755033") -> dict:
    response = fetch(scrapy.Request(f"{site.base_url}/gkmlpt/api/all/{category}?page={page}&sid={sid}"))
    return json.loads(response.text)


def test_every_article_found_exactly_once_across_api_pages(site):
    result = drive(portal_from_site(site, PORTAL))
    found = paths(result.entries)
    assert len(found) == len(set(found)) == 11
    assert set(found) == ALL_LISTED
    requested = [urlsplit(r.url).path + "?" + urlsplit(r.url).query for r in result.requests]
    assert requested == [
        "/gkmlpt/index?",
        "/gkmlpt/api/all/2317?page=1&sid=755033",
        "/gkmlpt/api/all/2317?page=2&sid=755033",
        "/gkmlpt/api/all/2317?page=3&sid=755033",
    ]
    assert result.statuses == [200, 200, 200, 200]


def test_page_zero_repeats_page_one_and_is_never_a_source_of_duplicates(site):
    page0, page1 = api_json(site, 0), api_json(site, 1)
    assert [a["id"] for a in page0["articles"]] == [a["id"] for a in page1["articles"]]
    assert page1["total"] == page1["classify"]["post_count"] == 11
    # a registry entry pointing at the API with page=0 still walks 1, 2, 3 once each
    api_start = f"{site.base_url}/gkmlpt/api/all/2317?page=0&sid=755033"
    result = drive(portal_from_site(site, PORTAL, start_urls=[api_start]))
    assert [parse_qs(urlsplit(r.url).query)["page"] for r in result.requests] == [["1"], ["2"], ["3"]]
    found = paths(result.entries)
    assert len(found) == len(set(found)) == 11


def test_a_catalogue_answering_every_page_alike_stops_without_duplicates(site):
    portal = portal_from_site(site, PORTAL)
    requests = drive(portal).requests
    page1 = fetch(requests[1])
    page2_request = [o for o in FAMILY.parse_api(page1, portal) if isinstance(o, scrapy.Request)][0]
    same_again = scrapy.http.TextResponse(url=page2_request.url, body=page1.body, request=page2_request,
                                          encoding="utf-8")
    assert list(FAMILY.parse_api(same_again, portal)) == []


def test_report_category_found_by_name_in_tree(site):
    index = fetch(scrapy.Request(f"{site.base_url}/gkmlpt/index"))
    tree = read_tree(index.text)
    names = [child["name"] for node in tree for child in node["children"]]
    assert "科技统计年报" in names and "部门年度工作总结" in names  # decoys
    assert report_category(tree) == 2317
    assert report_category([{"id": 5, "name": "年度报告", "children": [], "jump_url": ""}]) == 5
    assert report_category([{"id": 6, "name": "政务动态", "children": []}]) is None


def test_index_without_report_category_is_a_clear_error():
    html = "<script>window._CONFIG = {SID: '200165', TREE: [{\"id\":1,\"name\":\"政务动态\",\"children\":[]}], SERVICE_AREA_ID: 1};</script>"
    request = scrapy.Request("http://x.example/gkmlpt/index", meta={"gkmlpt_category": None})
    response = scrapy.http.HtmlResponse(url=request.url, body=html.encode(), encoding="utf-8", request=request)
    with pytest.raises(CategoryNotFound, match="options.category"):
        list(FAMILY.parse_index(response, Portal(id="x", name="x", province=None, city=None, county=None,
                                                 region_code=None, department=None, family="gkmlpt",
                                                 start_urls=[request.url])))


@pytest.mark.parametrize("how", ["option", "fragment"])
def test_category_from_registry_option_or_start_url_fragment(site, how):
    if how == "option":
        portal = portal_from_site(site, PORTAL, options={"category": 2316})
    else:
        portal = portal_from_site(site, PORTAL, start_urls=[f"{site.base_url}/gkmlpt/index#2316"])
    result = drive(portal)
    assert urlsplit(result.requests[1].url).path == "/gkmlpt/api/all/2316"
    assert result.entries == [] and len(result.requests) == 2  # an empty category ends the walk


def test_wrong_sid_is_an_error_not_an_empty_column(site):
    portal = portal_from_site(site, PORTAL, options={"sid": "123"})
    with pytest.raises(ValueError, match="no article list"):
        drive(portal)


def test_entries_carry_full_titles_dates_and_api_fields(site):
    entries = {urlsplit(e.url).path: e for e in drive(portal_from_site(site, PORTAL)).entries}
    raw_titles = [a["title"] for page in (1, 2, 3) for a in api_json(site, page)["articles"]]
    assert any(title.startswith("%u") for title in raw_titles)  # the API really sends an escaped title
    for path, report in EXPECTED["reports"].items():
        assert entries[path].title == report["title"], path
        assert entries[path].date == report["published"], path
    doc = entries["/gkmlpt/content/5/5132/post_5132086.html"].extra
    assert doc["index_no"] == "114403007663785402/2017-00031"
    assert doc["publisher"] == "深圳市科技创新委员会"
    assert doc["doc_no"] == "深科技创新〔2017〕45号"
    assert (doc["written"], doc["published"]) == ("2017-03-24", "2017-03-28")
    first = entries["/gkmlpt/content/11/11123/post_11123456.html"].extra
    assert first["attachments"][0]["filename"] == "深圳市科技创新局2023年政府信息公开工作年度报告.pdf"


def test_unescape_js():
    assert unescape_js("%u6DF1%u5733%u5E022020%u5E74%u62A5%u544A%20") == "深圳市2020年报告 "
    assert unescape_js("全年增长5%以上") == "全年增长5%以上"


def test_detail_metadata_and_attachments_match_expected(site):
    portal = portal_from_site(site, PORTAL)
    entries = {urlsplit(e.url).path: e for e in drive(portal).entries}
    for path, expected in EXPECTED["reports"].items():
        page = fetch_detail(entries[path], portal)
        for key, value in expected.items():
            if key == "attachments":
                assert [a["filename"] for a in page["attachments"]] == value, path
            elif key == "title":
                assert page["title"] == value, path
            else:
                assert page["page_meta"].get(key) == value, f"{path}: {key}"
        assert "总体情况" in page["body_html"] and not page["soft_404"]


def test_body_only_in_config_detail_is_read(site):
    path = "/gkmlpt/content/9/9534/post_9534216.html"
    raw = (ROOT / "site" / path.lstrip("/")).read_text(encoding="utf-8")
    assert "总体情况" not in raw  # only as \\u escapes inside window._CONFIG.DETAIL
    entry = next(e for e in drive(portal_from_site(site, PORTAL)).entries if e.url.endswith(path))
    page = fetch_detail(entry, portal_from_site(site, PORTAL))
    assert page["body_html"].startswith("<p") and "六、其他需要报告的事项" in page["body_html"]


def test_page_without_metadata_table_filled_from_api(site):
    path = "/gkmlpt/content/5/5132/post_5132086.html"
    raw = (ROOT / "site" / path.lstrip("/")).read_text(encoding="utf-8")
    assert "索引号" not in raw and "深科技创新" not in raw
    portal = portal_from_site(site, PORTAL)
    entry = next(e for e in drive(portal).entries if e.url.endswith(path))
    meta = fetch_detail(entry, portal)["page_meta"]
    assert meta["index_no"] == "114403007663785402/2017-00031" and meta["doc_no"] == "深科技创新〔2017〕45号"


def test_gbk_page_under_a_lying_utf8_header(site):
    path = EXPECTED["gbk"][0]
    response = fetch(scrapy.Request(site.base_url + path))
    assert "utf-8" in response.headers.get("Content-Type").decode().lower()
    with pytest.raises(UnicodeDecodeError):
        response.body.decode("utf-8")
    entry = next(e for e in drive(portal_from_site(site, PORTAL)).entries if e.url.endswith(path))
    page = fetch_detail(entry, portal_from_site(site, PORTAL))
    assert page["title"] == EXPECTED["reports"][path]["title"]
    assert page["page_meta"]["publisher"] == "深圳市科技创新委员会"


def test_failing_details_answer_404_and_500(site):
    for error in EXPECTED["errors"]:
        response = fetch(scrapy.Request(site.base_url + error["path"]))
        assert f"http_{response.status}" == error["kind"]
