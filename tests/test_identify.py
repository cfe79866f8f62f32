"""Identification: title, report year, agency (and which source won), region, dates, format."""
from __future__ import annotations

import pytest

from pipelines import identify
from pipelines.normalize import normalize_text


@pytest.mark.parametrize("title, year", [
    ("2017年科学技术局政府信息公开工作年度报告", 2017),
    ("市科学技术局2018年度政府信息公开工作年度报告", 2018),
    ("吉林市科技局2018年政府信息年度报告", 2018),
    ("上海市人民政府办公厅2019政府信息公开工作年度报告", 2019),
    ("政府信息公开工作年度报告（2019年2月18日）", None),  # a date, not the year covered
    ("政府信息公开工作年度报告", None),
    (None, None),
])
def test_year_in_title(title, year):
    assert identify.year_in_title(title) == year


@pytest.mark.parametrize("body, year", [
    ("本报告中所列数据的统计期限自2017年1月1日起至2017年12月31日止。", 2017),
    ("本报告统计期限为201711日至20171231日。", 2017),
    ("2018年1月1日至12月31日，我局面向社会公布各类信息692条。", 2018),
    ("现将我局2016年度政府信息公开情况报告如下", 2016),
    ("我局高度重视信息公开工作。", None),
])
def test_year_in_body(body, year):
    assert identify.year_in_body(normalize_text(body)) == year


def test_report_year_is_the_year_covered_not_publication():
    text = normalize_text("2017年度市科技局政府信息公开\n工作报告\n……\n青岛市科学技术局\n2018年1月26日")
    title = identify.find_title(text)
    assert title == "2017年度市科技局政府信息公开工作报告"
    assert identify.report_year(title, text) == 2017


@pytest.mark.parametrize("text, title", [
    ("2017年科学技术局政府信息公开工作\n年 度 报 告\n\n根据……", "2017年科学技术局政府信息公开工作年度报告"),
    ("\n\n市科学技术局 2018 年度政府信息公开 工作年度报告\n\n根据", "市科学技术局2018年度政府信息公开工作年度报告"),
    ("吉林市科技局2018年\n\n政府信息年度报告\n（2019年2月18日）", "吉林市科技局2018年政府信息年度报告"),
    ("宿城区教育局2021年政府信息公开工作年度报告2021年,宿城区教育局主动公开政府信息151条。", "宿城区教育局2021年政府信息公开工作年度报告"),
    ("收到和处理政府信息公开申请情况\n申请人情况", None),
    ("根据《条例》要求，现将2017年度政府信息公开工作报告如下。", None),
    ("", None),
])
def test_find_title(text, title):
    assert identify.find_title(normalize_text(text)) == title


@pytest.mark.parametrize("title, stem", [
    ("2017年科学技术局政府信息公开工作年度报告", "科学技术局"),
    ("市科技局2017年政府信息公开工作年度报告", "市科技局"),
    ("2017年度市科技局政府信息公开工作报告", "市科技局"),
    ("2019年上海市人民政府办公厅政府信息公开工作年度报告", "上海市人民政府办公厅"),
    ("关于2018年政府信息公开工作年度报告", None),
    ("九江市科技局关于2017年政府信息公开工作年度报告", "九江市科技局"),
])
def test_agency_in_title(title, stem):
    assert identify.agency_in_title(title) == stem


def test_complete_agency_with_place():
    assert identify.complete_agency("市科技局", "九江市") == "九江市科技局"
    assert identify.complete_agency("科学技术局", "同江市") == "同江市科学技术局"
    assert identify.complete_agency("县教育局", "九江市") is None  # another level: do not guess
    assert identify.complete_agency("市科技局", None) is None


def test_signature_block_and_garbled_date():
    text = normalize_text("……不断规范工作程序。\n\n                                九江市科技局\n\n     2018301")
    assert identify.find_signature(text) == ("九江市科技局", "2018-03-01")
    text = normalize_text("十、附表\n青岛市科学技术局\n2018年1月26日\n\n附表\n填报单位：青岛市科学技术局  填报日期：2018年1月26日")
    assert identify.find_signature(text) == ("青岛市科学技术局", "2018-01-26")
    assert identify.find_signature("没有落款的报告。") == (None, None)


def test_date_under_title():
    assert identify.date_under_title(normalize_text("吉林市科技局2018年\n\n政府信息年度报告\n（2019年2月18日）\n根据")) == "2019-02-18"
    assert identify.date_under_title(normalize_text("某街道2021年政府信息公开工作年度报告\n某街道办事处\n2022年01月20日来源：本站\n")) == "2022-01-20"


@pytest.mark.parametrize("title, text, meta, portal, agency, source", [
    ("吉林市科技局2018年政府信息年度报告", "……\n市科技局\n2019年2月18日", {}, None, "吉林市科技局", "title"),
    ("2017年度市科技局政府信息公开工作报告", "……\n青岛市科学技术局\n2018年1月26日", {}, None, "青岛市科学技术局", "signature"),
    ("市科技局2017年政府信息公开工作年度报告", "没有落款。", {"publisher": "九江市科学技术局"}, None,
     "九江市科学技术局", "page_meta"),
    ("市科技局2017年政府信息公开工作年度报告", "没有落款。", {"publisher": "本网"}, {"city": "九江市"},
     "九江市科技局", "title"),
    ("2017年政府信息公开工作年度报告", "没有落款。", {}, {"department": "同江市科学技术局"},
     "同江市科学技术局", "registry"),
    ("2017年政府信息公开工作年度报告", "没有落款。", {}, None, None, None),
    ("2017年政府信息公开工作年度报告", "没有落款。", {}, {"city": "九江市", "department": "科技局"}, "九江市科技局",
     "registry"),
    ("福州市晋安区2016年政府信息公开工作年度报告", "……\n区政府办公室\n2017年1月12日", {"publisher": "区人民政府办公室"},
     None, "福州市晋安区", "title"),
    ("2017年政府信息公开工作年度报告", "……\n市政府办\n2018年2月28日", {}, {"city": "泰州市"}, "泰州市政府办", "signature"),
])
def test_identify_agency_precedence(title, text, meta, portal, agency, source):
    place = identify.place_prefix(portal)
    assert identify.identify_agency(title, normalize_text(text), meta, portal, place) == (agency, source)


def test_text_meta_from_copied_page():
    text = normalize_text(
        "发布时间:2018-03-01 08:28:00 来源:本网字体: [ ]\n  • 信息类别:\n  • 文件编号:\n  • 公开方式: 主动公开\n"
        "  • 生成日期: 2018-03-01\n  • 信息索取号: 000014349/2019-136893\n  • 责任部门:\n"
        "索 引 号：014416330/2018-04736  发布机构：泰州市政府办\n文 号：宿政办函〔2021〕21号")
    meta = identify.text_meta(text)
    assert meta["published"] == "2018-03-01"
    assert meta["written"] == "2018-03-01"
    assert meta["index_no"] == "000014349/2019-136893"  # the first one printed
    assert meta["doc_no"] == "宿政办函〔2021〕21号"
    assert meta["publisher"] == "泰州市政府办"


def test_text_meta_bare_date_and_source_labels():
    meta = identify.text_meta(normalize_text("福州市晋安区2016年政府信息公开工作年度报告\n来源:区人民政府办公室 时间:2017-01-12 10:01"))
    assert meta == {"published": "2017-01-12"}  # 来源 is too often "本网" or a data source to name the agency
    assert identify.text_meta("日期:2021-01-29") == {"published": "2021-01-29"}
    assert identify.text_meta("发布时间:2018-03-01 08:28:00 来源:本网字体: [ ]") == {"published": "2018-03-01"}
    assert identify.text_meta("会议时间:上午九点") == {}


def test_region_from_registry_row_first():
    errors: list[str] = []
    fields = identify.region_fields({"province": "江西省", "city": "九江市", "county": None, "region_code": "360400"},
                                    "同江市科学技术局", None, "", errors)
    assert fields == {"province": "江西省", "city": "九江市", "county": None, "region_code": "360400", "region": "九江市"}
    assert errors == []


def test_region_from_agency_via_gazetteer():
    errors: list[str] = []
    fields = identify.region_fields(None, "同江市科学技术局", None, "", errors)
    assert fields["region"] == "同江市" and fields["province"] == "黑龙江省"
    assert errors == []


def test_region_unknown_stays_null():
    errors: list[str] = []
    fields = identify.region_fields(None, None, "政府信息公开工作年度报告", "我局高度重视信息公开工作。", errors)
    assert fields["region"] is None and fields["province"] is None


def test_region_from_the_opening_lines_as_last_resort():
    errors: list[str] = []
    text = "根据《同江市人民政府办公室关于做好2017年度政府信息公开报告编制工作的通知》要求"
    fields = identify.region_fields(None, "科学技术局", "2017年科学技术局政府信息公开工作年度报告", text, errors)
    assert fields["region"] == "同江市"


@pytest.mark.parametrize("standard, legacy_table, text, fmt", [
    ("standard-2019", False, "", "standard-2019"),
    (None, True, "", "legacy"),
    (None, False, "一、概述\n二、主动公开政府信息情况\n三、依申请公开政府信息情况", "legacy"),
    (None, False, "三、收到和处理政府信息公开申请情况\n申请人情况\n本年新收政府信息公开申请数量", "unknown"),
    (None, False, "通知：请各单位按时报送材料。", "unknown"),
])
def test_report_format(standard, legacy_table, text, fmt):
    assert identify.report_format(standard, legacy_table, normalize_text(text)) == fmt


def test_old_headings_alone_do_not_make_a_recent_report_legacy():
    text = normalize_text("一、概述\n二、主动公开政府信息情况\n三、依申请公开政府信息情况")
    assert identify.report_format(None, False, text, 2018) == "legacy"
    assert identify.report_format(None, False, text, 2020) == "unknown"
    assert identify.report_format(None, True, text, 2020) == "legacy"  # the old 统计表 itself decides


@pytest.mark.parametrize("opening, agency", [
    ("本报告由丽水市人民政府信息公开工作领导小组办公室根据《条例》要求汇总编制而成。", "丽水市人民政府"),
    ("根据《条例》规定，现公布嘉兴市人民政府2016年政府信息公开工作年度报告。", "嘉兴市人民政府"),
    ("特编制桐乡市民政局2015年政府信息公开年度报告。全文包括概述。", "桐乡市民政局"),
    ("2019年，松阳县自然资源和规划局坚持以公开为常态、不公开为例外。", "松阳县自然资源和规划局"),
    ("根据《条例》规定，现公布衢州市2022年政府信息公开工作年度报告。", "衢州市"),
    ("本报告是根据《条例》要求，由云和县人民政府党政办公室编制。", "云和县人民政府"),
    ("2019年，我局认真贯彻《条例》要求。", None),
    ("2022年，丽水市坚持以公开为常态。", None),  # a place, not an agency: the title decides
    ("本报告由区政府办公室根据《条例》编制。", None),  # no place: not a full name
    ("2018年，本局主动公开政府信息88条。", None),
])
def test_agency_stated_in_the_opening(opening, agency):
    assert identify.agency_in_opening(opening) == agency


@pytest.mark.parametrize("top, title", [
    ("当前位置：首页 > 年报\n2019年信息公开年报\n平湖市教育局2019年政府信息公开工作年度报告\n发布日期：2020-01-20",
     "平湖市教育局2019年政府信息公开工作年度报告"),
    ("第二篇：2011年海宁市司法局政府信息公开年度报告\n正文", "2011年海宁市司法局政府信息公开年度报告"),
    ("海盐县\n2020年政府信息公开工作年度报告\n一、总体情况", "海盐县2020年政府信息公开工作年度报告"),
    ("一、总体情况\n本年报根据《条例》要求编制。", None),  # a heading then the body: no title
    ("Page 7 - 2021年报_交通局\nP. 7\n四、结转下年度继续办理 0 0 0 0 0 0 0", None),  # flipbook furniture
])
def test_title_line_among_page_furniture(top, title):
    assert identify.find_title(normalize_text(top)) == title


@pytest.mark.parametrize("opening, agency", [
    ("如对本年度报告有任何疑问，请与嵊泗县交通运输局联系（电话：0580-0000000）。", "嵊泗县交通运输局"),
    ("如对本报告有疑问，请与温岭市人民政府办公室联系。", "温岭市人民政府"),
    ("请与龙泉市住房和城乡建设局政务公开办公室联系。", "龙泉市住房和城乡建设局"),
    ("请与经济开发区管委会党政办公室联系。", None),  # which city's zone?
    ("请与本局办公室联系。", None),
    ("请与景宁县大均乡人民政府党政办公室联系。", "景宁县大均乡人民政府"),
])
def test_agency_from_the_contact_sentence(opening, agency):
    assert identify.agency_in_contact(opening) == agency


def test_year_from_the_cut_off_date():
    assert identify.year_in_body(normalize_text("截止2023年12月31日我局通过官方网站发布信息34条。")) == 2023


def test_index_number_placeholder_is_no_number():
    meta = identify.text_meta(normalize_text("索引号: /2021-None 文号: 无文号\n发文日期: 2021-01-30"))
    assert "index_no" not in meta and meta["published"] == "2021-01-30"


def test_metadata_table_mixing_bare_and_colon_labels():
    meta = identify.text_meta(normalize_text(
        "索 引 号:005500123/2017-00002 | 主题分类:综合政务 | |\n发布机构:某区统计局 | 关 键 词:年报 | |\n"
        "文 号 | 成文日期:2017-03-28 | 发布日期:2017-04-05 |"))
    assert meta["index_no"] == "005500123/2017-00002" and meta["publisher"] == "某区统计局"
    assert (meta["written"], meta["published"]) == ("2017-03-28", "2017-04-05")
    assert "doc_no" not in meta
