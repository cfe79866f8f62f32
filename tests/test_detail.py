"""pipelines.detail: every fixture detail page read exactly as its expected.json says, plus the
metadata-block, body, attachment and soft-404 variants real portals use."""
from __future__ import annotations

import json

import pytest
import scrapy
from scrapy.http import HtmlResponse, Response

from pipelines.detail import iso_date, read_detail_html, read_detail_page
from pipelines.records import ListingEntry
from crawler.mockportals import FIXTURES, MockSite
from tests.family_driver import fetch

SITES = ["trs", "generic"]


def expected(site: str) -> dict:
    return json.loads((FIXTURES / site / "expected.json").read_text(encoding="utf-8"))


def html_reports(site: str) -> list[tuple[str, str, dict]]:
    return [(site, path, want) for path, want in expected(site)["reports"].items() if not path.endswith(".pdf")]


@pytest.fixture(scope="module")
def sites():
    started = {name: MockSite(FIXTURES / name).start() for name in SITES}
    yield started
    for site in started.values():
        site.stop()


def read_served(site: MockSite, path: str, entry: ListingEntry | None = None) -> tuple[dict, HtmlResponse]:
    response = fetch(scrapy.Request(site.base_url + path))
    assert response.status == 200, path
    return read_detail_page(response, entry), response


CASES = html_reports("trs") + html_reports("generic")


@pytest.mark.parametrize("site_name,path,want", CASES, ids=[f"{s}:{p}" for s, p, _ in CASES])
def test_fixture_page_matches_expected(sites, site_name, path, want):
    page, _ = read_served(sites[site_name], path)
    assert page["soft_404"] is False
    for key, value in want.items():
        if key in ("metrics", "failed_checks"):
            continue  # the parser's part, checked by the end-to-end crawl test
        if key == "attachments":
            assert [a["filename"] for a in page["attachments"]] == value, path
        elif key == "title":
            assert page["title"] == value
        else:
            assert page["page_meta"].get(key) == value, f"{path}: {key}"
    for attachment in page["attachments"]:
        assert attachment["url"].startswith(sites[site_name].base_url + "/")
    assert page["body_html"] and "<" in page["body_html"]


@pytest.mark.parametrize("site_name", SITES)
def test_gbk_pages_decoded(sites, site_name):
    for path in expected(site_name)["gbk"]:
        page, response = read_served(sites[site_name], path)
        assert response.encoding == "gb18030"
        assert "\ufffd" not in response.text
        assert page["title"] == expected(site_name)["reports"][path]["title"]
        assert "政府信息公开" in page["body_html"] and "主动公开政府信息" in page["body_html"]


def test_attachment_only_in_javascript_is_found(sites):
    page, _ = read_served(sites["trs"], "/zwgk/zfxxgknb/202301/t20230130_1187.html")
    urls = [a["url"] for a in page["attachments"]]
    assert sites["trs"].base_url + "/zwgk/zfxxgknb/202301/P020230130587412369901.doc" in urls
    page, _ = read_served(sites["trs"], "/hdq/gknb/202401/t20240125_2388.shtml")  # var att = '<a …>'
    assert [a["filename"] for a in page["attachments"]] == ["P020240125604418277390.pdf"]


def test_body_is_the_report_not_the_chrome(sites):
    page, _ = read_served(sites["trs"], "/zwgk/zfxxgknb/202401/t20240119_1204.html")
    body = page["body_html"]
    assert body.startswith("<div class=\"view TRS_UEDITOR")
    assert "本年新收政府信息公开申请数量" in body and "主办单位" not in body and "索 引 号" not in body


def test_body_falls_back_to_the_largest_text_block(sites):
    page, _ = read_served(sites["generic"], "/zwgk/nb/2021/0129/9876.html")
    assert page["body_html"].startswith('<div class="nr">')
    assert "共收到政府信息公开申请26件" in page["body_html"]


def test_soft_404_fixture_page(sites):
    page, _ = read_served(sites["generic"], "/zwgk/nb/2015/0202/3301.html")
    assert page["soft_404"] is True


def test_entry_title_used_when_page_has_none():
    entry = ListingEntry(url="http://x.gov.cn/a/t20210101_1.html", title="某局2020年政府信息公开工作年度报告")
    page = read_detail_html("<html><body><div class='TRS_Editor'><p>正文内容</p></div></body></html>", entry.url, entry)
    assert page["title"] == entry.title


def test_binary_response_is_its_own_attachment():
    entry = ListingEntry(url="http://x.gov.cn/uploadfiles/2023/report.pdf", title="某区2022年政府信息公开工作年度报告")
    response = Response(entry.url, body=b"%PDF-1.4 ...", headers={"Content-Type": "application/pdf"})
    page = read_detail_page(response, entry)
    assert page["attachments"] == [{"url": entry.url, "filename": "report.pdf"}]
    assert page["title"] == entry.title and page["page_meta"] == {}


def test_empty_page_is_a_soft_404():
    assert read_detail_html("", "http://x.gov.cn/a.html")["soft_404"] is True


# --- metadata block variants (REPORT_FORMAT.md §4) ---------------------------------------------
def meta_of(block: str, body: str = "<div class='TRS_Editor'><p>正文</p></div>") -> dict:
    html = f"<html><head><title>t</title></head><body><div class='head'>{block}</div>{body}</body></html>"
    return read_detail_html(html, "http://x.gov.cn/a/t.html")["page_meta"]


def test_one_line_with_tabs_shangrao():
    meta = meta_of("<p>信息索取号: E00070/2017-00419\t责任部门:市公安局</p>")
    assert meta == {"index_no": "E00070/2017-00419", "publisher": "市公安局"}


def test_pipe_cells_and_minutes_ningguo():
    meta = meta_of("<p>发文日期 | 2021-10-08 15:47</p><p>文号 | 国办公开办函〔2021〕30号</p>")
    assert meta == {"published": "2021-10-08", "doc_no": "国办公开办函〔2021〕30号"}


def test_padded_labels_and_empty_values_kuancheng():
    meta = meta_of("<table><tr><td>索  引  号:</td><td>13566001/2022-00330</td><td>文件编号:</td><td></td></tr>"
                   "<tr><td>成文日期:</td><td>2022-01-31</td><td>有  效  性:</td><td>有效</td></tr>"
                   "<tr><td>发布机构:</td><td>宽城县政府办</td><td>主题分类:</td><td>综合政务</td></tr></table>")
    assert meta == {"index_no": "13566001/2022-00330", "written": "2022-01-31", "validity": "有效",
                    "publisher": "宽城县政府办", "category": "综合政务"}


def test_none_value_is_absent_and_chinese_date_xianning():
    meta = meta_of("<ul><li>发文单位: 无</li><li>发布日期: 2024年01月17日</li><li>文号: 无</li></ul>")
    assert meta == {"published": "2024-01-17"}


def test_several_pairs_on_one_line_baiyin():
    meta = meta_of("<div>所属机构: 白银区 发布机构: 白银区人民政府 生成日期: 2021-01-06 信息来源:区统计局 索引号: /2021-172732</div>")
    assert meta == {"publisher": "白银区人民政府", "written": "2021-01-06", "source": "区统计局",
                    "index_no": "/2021-172732"}


def test_source_is_the_publisher_when_nothing_else_is_qujing():
    meta = meta_of("<div class='info'>发布时间:2024-01-31 15:30:49 来源:曲靖市生态环境局 浏览次数:</div>")
    assert meta == {"published": "2024-01-31", "publisher": "曲靖市生态环境局"}


def test_traditional_labels_and_full_width_colons():
    meta = meta_of("<table><tr><th>索引號：</th><td>000014349/2018-00222</td><th>發布機構：</th><td>國務院辦公廳</td></tr>"
                   "<tr><th>發布日期：</th><td>2018/02/07</td><th>文號：</th><td>國辦發〔2018〕1號</td></tr></table>")
    assert meta == {"index_no": "000014349/2018-00222", "publisher": "國務院辦公廳", "published": "2018-02-07",
                    "doc_no": "國辦發〔2018〕1號"}


def test_ideographic_space_padding_and_b_labels():
    meta = meta_of("<table><tr><td><b>标\u3000\u3000题：</b></td><td>某局2020年政府信息公开工作年度报告</td></tr>"
                   "<tr><td><b>发文字号：</b></td><td>某政发〔2021〕2号</td></tr>"
                   "<tr><td><b>主\u3000题\u3000词：</b></td><td>年报</td></tr></table>")
    assert meta == {"title": "某局2020年政府信息公开工作年度报告", "doc_no": "某政发〔2021〕2号", "keywords": "年报"}


def test_disclosure_fields_seed_001():
    meta = meta_of("<ul><li>信息类别:</li><li>文件编号:</li><li>公开方式: 主动公开</li><li>生成日期: 2018-03-01</li>"
                   "<li>公开时限: 常年公开</li><li>公开范围: 面向全社会</li><li>信息索取号: 000014349/2019-136893</li>"
                   "<li>责任部门:</li></ul>")
    assert meta == {"disclosure_method": "主动公开", "written": "2018-03-01", "disclosure_period": "常年公开",
                    "disclosure_scope": "面向全社会", "index_no": "000014349/2019-136893"}


def test_meta_pubdate_and_keywords_fill_in_but_visible_labels_win():
    html = ("<html><head><meta name='PubDate' content='2026-04-28 18:20'><meta name='Keywords' content='年报;政务公开'>"
            "<meta name='ContentSource' content='某市政府办'></head><body><p>发布日期：2026-04-29</p>"
            "<div id='zoom'><p>正文</p></div></body></html>")
    meta = read_detail_html(html, "http://x.gov.cn/a.html")["page_meta"]
    assert meta == {"published": "2026-04-29", "keywords": "年报;政务公开", "publisher": "某市政府办"}


def test_labels_inside_the_body_are_not_metadata():
    meta = meta_of("<p>索引号：A/2021-1</p>", "<div class='TRS_Editor'><p>日期：2019年1月1日</p><p>来源：本报告</p></div>")
    assert meta == {"index_no": "A/2021-1"}


def test_ordinary_words_starting_like_labels_are_not_labels():
    meta = meta_of("<p>时间安排紧凑</p><p>分类导航</p><p>来源于群众</p>")
    assert meta == {}


@pytest.mark.parametrize("raw,iso", [
    ("2018年02月07日", "2018-02-07"), ("2024-01-31 15:30:49", "2024-01-31"), ("2021/01/29", "2021-01-29"),
    ("2021.1.9", "2021-01-09"), ("2026-\n01-\n23", "2026-01-23"), ("2018301", None), ("", None), (None, None),
    ("2021-13-01", None),
])
def test_iso_date(raw, iso):
    assert iso_date(raw) == iso


# --- body containers --------------------------------------------------------------------------
def test_content_start_and_end_markers():
    html = ("<html><body><div id='zoom'><!--<$[信息内容]>begin--><META name=ContentStart><p>报告正文</p>"
            "<META name=ContentEnd><!--<$[信息内容]>end--></div><div>页脚</div></body></html>")
    page = read_detail_html(html, "http://x.gov.cn/art/2022/1/19/art_1_2.html")
    assert page["body_html"] == "<p>报告正文</p>"


@pytest.mark.parametrize("container", [
    "<div class='TRS_Editor'><div class='Custom_UnionStyle'>{}</div></div>",
    "<div class='trs_editor_view TRS_UEDITOR trs_paper_default trs_web'>{}</div>",
    "<div id='UCAP-CONTENT'>{}</div>",
    "<div id='Zoom'>{}</div>",
    "<div class='xxgk_content'>{}</div>",
    "<div class='Article_content'>{}</div>",
    "<div class='artile_zw'>{}</div>",
    "<div class='news_cont_d_wrap'>{}</div>",
])
def test_known_body_containers(container):
    report = "<p>一、总体情况</p><p>主动公开政府信息319条。</p>"
    html = (f"<html><body><div class='nav'><a href='/'>首页</a></div><div class='side'><p>{'侧栏' * 80}</p></div>"
            f"{container.format(report)}</body></html>")
    body = read_detail_html(html, "http://x.gov.cn/a.html")["body_html"]
    assert "主动公开政府信息319条" in body and "侧栏" not in body


# --- attachments ------------------------------------------------------------------------------
def attachments_of(html: str, url: str = "http://x.gov.cn/zwgk/202606/t20260612_1.html") -> list[dict]:
    return read_detail_html(f"<html><body>{html}</body></html>", url)["attachments"]


def test_attachment_kinds_and_names():
    found = attachments_of(
        "<div class='TRS_Editor'><p>附件：<a href='./P020260428660861964604.zip'>附件.zip</a></p>"
        "<p><a href='./P020260428660861964604.zip#page'>重复链接</a></p>"
        "<p><a href='/module/download/downfile.jsp?classid=0&amp;filename=2021nb.pdf'>年报</a></p>"
        "<p><a href='http://x.gov.cn/zwgk/a.html'>另一页</a></p></div>"
        "<a appendix='true' data-appendix='true' needdownload='true' href='./P0202606_1.xls' download='统计表.xls'>统计表</a>"
        "<p class='insertfileTag'><a appendix='true' href='./P0202606_2.pdf' OLDSRC='/protect/P0202606_2.pdf'>报告</a></p>"
        "<div class='article_attachment'><ul><li><a href='./P0202606_3.pdf' title='年度报告.pdf'>年度报告</a></li></ul></div>"
        "<script>var rel_appendix = '<a href=\"./P0202606_4.doc\">下载文字版</a>|<a href=\"./P0202606_5.wps\">WPS</a>';</script>"
        "<div class='footer'><a href='/xxgk/guide.pdf'>站点的指南</a></div>"
    )
    base = "http://x.gov.cn/zwgk/202606/"
    assert found == [
        {"url": base + "P020260428660861964604.zip", "filename": "P020260428660861964604.zip"},
        {"url": "http://x.gov.cn/module/download/downfile.jsp?classid=0&filename=2021nb.pdf", "filename": "2021nb.pdf"},
        {"url": base + "P0202606_1.xls", "filename": "统计表.xls"},
        {"url": base + "P0202606_2.pdf", "filename": "P0202606_2.pdf"},
        {"url": base + "P0202606_3.pdf", "filename": "年度报告.pdf"},
        {"url": base + "P0202606_4.doc", "filename": "P0202606_4.doc"},
        {"url": base + "P0202606_5.wps", "filename": "P0202606_5.wps"},
    ]


def test_var_att_document_write():
    found = attachments_of("<div id='zoom'><p>正文</p></div><script>var att = '<a href=\"./P0201_1.xlsx\">附表</a>'; "
                           "document.write('附件：<br/><p>'+att+'</p>')</script>")
    assert found == [{"url": "http://x.gov.cn/zwgk/202606/P0201_1.xlsx", "filename": "P0201_1.xlsx"}]


def test_percent_encoded_file_names_are_decoded():
    found = attachments_of("<div id='zoom'><a href='/files/2021%E5%B9%B4%E6%8A%A5.pdf'>年报</a></div>")
    assert found[0]["filename"] == "2021年报.pdf"


# --- soft 404 -----------------------------------------------------------------------------------
@pytest.mark.parametrize("html", [
    "<html><head><title>404</title></head><body><p>Not Found</p></body></html>",
    "<html><body><div class='nav'><a href='/'>首页</a></div><h2>抱歉，您要访问的页面不存在！</h2></body></html>",
    "<html><head><title>页面找不到了</title></head><body><a href='/'>返回首页</a></body></html>",
])
def test_soft_404_pages(html):
    assert read_detail_html(html, "http://x.gov.cn/a.html")["soft_404"] is True


def test_short_report_mentioning_404_is_not_a_soft_404():
    body = "<p>本年度共收到政府信息公开申请404件，均已按期答复。</p>" * 6
    html = f"<html><body><h1>某局2020年政府信息公开工作年度报告</h1><div class='TRS_Editor'>{body}</div></body></html>"
    assert read_detail_html(html, "http://x.gov.cn/a.html")["soft_404"] is False


def test_long_page_is_never_a_soft_404():
    html = f"<html><body><p>{'政务公开' * 600}</p><p>页面不存在</p></body></html>"
    assert read_detail_html(html, "http://x.gov.cn/a.html")["soft_404"] is False


# --- titles and navigation ---------------------------------------------------------------------
def test_heading_in_the_site_banner_is_not_the_title():
    html = ("<html><head><meta name='SiteName' content='临沂市科学技术局'></head><body>"
            "<div class='header'><h1 class='logo'>临沂市科学技术局门户网站</h1></div>"
            "<div class='title'>临沂市科学技术局</div>"
            "<h2 class='article-title'>临沂市科学技术局2020年政府信息公开工作年度报告</h2>"
            "<div class='TRS_Editor'><p>正文</p></div><div class='side'><h1>相关阅读推荐内容</h1></div></body></html>")
    assert read_detail_html(html, "http://x.gov.cn/a.html")["title"] == "临沂市科学技术局2020年政府信息公开工作年度报告"


def test_navigation_links_named_like_labels_are_not_metadata():
    html = ("<html><body><ul class='xxgk-menu'><li><a href='/ztfl/'>主题分类</a></li><li><a href='/jgfl/'>发布机构</a></li>"
            "<li><a href='/bm/'>市政府办公室</a></li></ul><table><tr><td>发布机构：</td><td>市科技局</td></tr></table>"
            "<div class='TRS_Editor'><p>正文</p></div></body></html>")
    assert read_detail_html(html, "http://x.gov.cn/a.html")["page_meta"] == {"publisher": "市科技局"}


def test_pipe_separated_text_copy_ningguo():
    meta = meta_of("<p>组配分类 | 公开制度 主题导航 | 商贸、海关、旅游 发文日期 | 2021-10-08 15:47</p>")
    assert meta == {"category": "公开制度", "published": "2021-10-08"}


from hypothesis import given, settings, strategies as st  # noqa: E402

_FRAGMENTS = st.sampled_from([
    "<table>", "</table>", "<tr>", "<td>", "</td>", "<li>", "</li>", "<div class='TRS_Editor'>", "</div>", "<br>",
    "索引号：", "发布日期", "：", "2021-01-27", "无", "<a href='./P1.pdf'>", "</a>", "<script>var att='<a href=\"x.doc\">'",
    "</script>", "<meta name='PubDate' content='2021-13-45'>", "<!--", "-->", "<?xml version='1.0' encoding='gbk'?>",
    "来源:", " ", "\u3000", "页面不存在", "<h1>", "</h1>", "年度报告", "&nbsp;", "<", ">", "\x00",
])


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(_FRAGMENTS, max_size=40))
def test_any_markup_gives_a_well_formed_result(parts):
    page = read_detail_html("".join(parts), "http://x.gov.cn/a/t.html")
    assert set(page) == {"title", "page_meta", "body_html", "attachments", "soft_404", "continuations"}
    assert all(isinstance(v, str) and v for v in page["page_meta"].values())
    for key in ("published", "written"):
        if key in page["page_meta"]:
            assert iso_date(page["page_meta"][key]) == page["page_meta"][key]
    assert all(a["url"].startswith("http://x.gov.cn/") for a in page["attachments"])


def test_empty_last_cell_does_not_borrow_the_next_heading():
    html = """<html><body><table class="xxgk_table">
    <tr><td>索引号：</td><td>014112658/2021-00004</td><td>主 题 词：</td><td></td></tr>
    <tr><td>发布机构：</td><td>南通市科学技术局</td><td>文号：</td><td></td></tr></table>
    <h1>南通市科学技术局2020年政府信息公开工作年度报告</h1><div id="zoom"><p>正文</p></div></body></html>"""
    meta = read_detail_html(html, "http://127.0.0.1/art/2021/1/27/art_33718_1001.html")["page_meta"]
    assert meta == {"index_no": "014112658/2021-00004", "publisher": "南通市科学技术局"}
