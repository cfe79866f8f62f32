"""Is a list row's title an annual information-disclosure report (政府信息公开工作年度报告)?

年报 columns mix the reports with their neighbours: the 信息公开指南, 目录, 制度, work plans,
summaries and notices about compiling the reports. The spider keeps only titles this accepts.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

_WHITESPACE = re.compile(r"[\s\u3000\u00a0]+")
# A report names its year; a bare "政府信息公开年报" is the column's own name in navigation.
_YEAR = re.compile(r"(19|20)\d{2}|[〇零一二三四五六七八九]{4}")

# The report itself (年度报告, 年报, 工作报告 ...) after a disclosure phrase (信息公开, 政务公开, 资讯公开).
_REPORT_AFTER_DISCLOSURE = re.compile(r"公开.{0,12}?(年度报告|年报|工作报告|情况报告|年度工作报告)")
# 年报 of other kinds: statistics yearbooks, company filings, finance.
_OTHER_YEARBOOKS = re.compile(r"(统计|财务|企业|公司|决算|预算|审计|农民|个体|工商|合作社|质量|年鉴)(工作)?年报|年报公示|年报报送|年报填报")
# Neighbours of the reports in the same column, and notices *about* the reports.
_NOT_A_REPORT = re.compile(
    r"指南|目录|制度|规定|办法|规则|工作计划|年度计划|工作要点|工作总结|实施方案|工作方案|意见|申请表|"
    r"的通知|通知$|编制|报送|填报|培训|会议|考核|评议|评估|检查|更正|说明$|征集|公告$|解读"
)


@lru_cache(maxsize=1)
def _to_simplified():
    return opencc.OpenCC("t2s")


def normalize_title(title: str) -> str:
    """NFKC, traditional→simplified, no whitespace: the form the patterns are written against."""
    text = unicodedata.normalize("NFKC", title or "")
    text = _WHITESPACE.sub("", text)
    return _to_simplified().convert(text)


def is_annual_report_title(title: str | None) -> bool:
    text = normalize_title(title or "")
    if len(text) < 4 or _NOT_A_REPORT.search(text) or not _YEAR.search(text):
        return False
    if _REPORT_AFTER_DISCLOSURE.search(text):
        return True
    # "XX局2020年工作年报", "2019年年报": a bare 年报 is the disclosure report unless it names another kind.
    return "年报" in text and not _OTHER_YEARBOOKS.search(text)
