"""crawler.report_titles: which list titles are annual disclosure reports."""
from __future__ import annotations

import pytest

from crawler.report_titles import is_annual_report_title, normalize_title

REPORTS = [
    "临沂市科学技术局2020年政府信息公开工作年度报告",
    "临沂市科学技术局2023年政府信息公开工作年度报告",
    "市科技局2017年政府信息公开工作年度报告",
    "2017年度市科技局政府信息公开\n工作报告",  # split over two lines in the list
    "宿城区人民政府2017年度政府信息公开工作报告",
    "北京市密云区2017年政府信息公开工作年度报告",
    "国家医疗保障局2021年政府信息公开工作年度报告",
    "广州市人民政府办公厅2022年政府信息公开年报",
    "海淀区教委2019年政府信息公开年度报告",
    "浦东新区2019年政务公开工作年度报告",
    "昆明市人力资源和社会保障局2022年度政府信息公开工作年度报告",
    "2021年度政府信息公开工作年度报告",
    "政府信息公开工作年度报告（2020年）",
    "政府信息公开年报（2019年）",
    "延安市教育局2018年政府信息公开工作年度报告（PDF）",
    "XX县统计局2021年工作年报",
    "2019年年报",
    "临沂市科学技术局 2020 年政府信息公开工作年度报告",  # stray spaces
    "临沂市科学技术局２０２０年政府信息公开工作年度报告",  # full-width digits
    "臺北市政府2020年政府資訊公開工作年度報告",  # traditional script
    "政府信息公開工作年度報告（2019年）",
    "二〇二〇年度政府信息公开工作年度报告",
    "宿迁市宿城区人民政府2021年政府信息公开工作情况年度报告",
    "2018年度政府信息公开年度工作报告",
]

NOT_REPORTS = [
    "临沂市科学技术局政府信息公开指南",
    "临沂市科学技术局政府信息公开指南（2023年修订）",
    "宿城区人民政府信息公开指南",
    "临沂市科学技术局政府信息公开目录",
    "政府信息公开制度",
    "临沂市科学技术局政府信息公开工作制度（2021年）",
    "2021年政务公开工作要点",
    "2022年度政府信息公开工作计划",
    "临沂市科学技术局2020年工作总结和2021年工作计划",
    "关于做好2020年政府信息公开工作年度报告编制发布工作的通知",
    "关于报送2021年度政府信息公开工作年度报告的通知",
    "2020年统计年报",
    "2021年企业年报公示工作",
    "2019年度部门决算年报",
    "政府信息公开年报",  # the column's own name in navigation: no year
    "政府信息公开工作年度报告",
    "信息公开年报",
    "2022年政府信息公开申请表",
    "关于2021年政府信息公开工作年度报告的解读",
    "",
    "   ",
    "年报",
]


@pytest.mark.parametrize("title", REPORTS)
def test_annual_reports_accepted(title):
    assert is_annual_report_title(title)


@pytest.mark.parametrize("title", NOT_REPORTS)
def test_neighbours_rejected(title):
    assert not is_annual_report_title(title)


def test_none_is_not_a_report():
    assert not is_annual_report_title(None)


def test_normalize_title_folds_width_script_and_spaces():
    assert normalize_title("政府資訊公開\u3000工作 年度報告 ２０２０") == "政府资讯公开工作年度报告2020"
