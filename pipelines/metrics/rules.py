"""The consistency-rule registry: every rule name a report's `checks` rows can carry.

One record per rule family: its id pattern ("R1.requests.<column>"), what it compares, the
template rule (勾稽关系 R1–R10, numbered as in docs/checks.md) it implements, the formats it runs
on and the values each placeholder takes. docs/checks.md is generated from it
(`python -m pipelines.metrics.docs`); pipelines.metrics.checks names its results through it:

    R1.name(column="business")       → "R1.requests.business"
    rule_of("R9.requests.answer")    → the R9 record; None for a name no rule makes

A placeholder whose values are None (a metric key, a document's file name) takes any value; the
`<key>` placeholder must still be a registered metric key.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipelines.metrics import keys as K

_PLACEHOLDER = re.compile(r"<(\w+)>")


@dataclass(frozen=True)
class TemplateRule:
    """A consistency rule of the report template (勾稽关系), whether or not the archive checks it."""
    id: str
    statement_zh: str
    statement_en: str
    basis: str  # where it comes from: printed in the template, arithmetic, a notice …
    not_checked_because: str | None = None


@dataclass(frozen=True)
class Rule:
    id: str  # the name pattern: fixed text and <placeholders>
    template_rule: str | None  # TemplateRule.id, or None for the archive's own rules
    compares_zh: str
    compares_en: str
    formats: tuple[str, ...]
    values: dict[str, tuple[str, ...] | None] = field(default_factory=dict)  # placeholder → its values

    def name(self, **params: str) -> str:
        """The concrete rule name; a placeholder value the rule does not take raises ValueError."""
        def fill(match: re.Match) -> str:
            placeholder = match.group(1)
            value = params[placeholder]
            allowed = self.values.get(placeholder)
            if allowed is not None and value not in allowed:
                raise ValueError(f"rule {self.id}: {placeholder}={value!r} is not one of its values")
            if placeholder == "key" and not K.is_registered(value):
                raise ValueError(f"rule {self.id}: {value!r} is not a registered metric key")
            return value
        return _PLACEHOLDER.sub(fill, self.id)

    def matches(self, name: str) -> bool:
        parts = re.split(r"(<\w+>)", self.id)
        regex = "".join(
            f"(?P<{p[1:-1]}>.+?)" if _PLACEHOLDER.fullmatch(p) else re.escape(p) for p in parts)
        found = re.fullmatch(regex, name)
        if not found:
            return False
        for placeholder, value in found.groupdict().items():
            allowed = self.values.get(placeholder)
            if allowed is not None and value not in allowed:
                return False
            if placeholder == "key" and not K.is_registered(value):
                return False
        return True

    def names(self) -> list[str]:
        """Every concrete name, when all placeholders have a fixed list of values."""
        names = [self.id]
        for placeholder in _PLACEHOLDER.findall(self.id):
            allowed = self.values.get(placeholder)
            if allowed is None:
                return []
            names = [n.replace(f"<{placeholder}>", v, 1) for n in names for v in allowed]
        return names


TEMPLATE_RULES = (
    TemplateRule("R1", "每一申请人列：一、本年新收 + 二、上年结转 = （七）总计 + 四、结转下年度继续办理",
                 "per applicant column: new + carried over = total handled + carried forward",
                 "printed in the top-left cell of table 三 (本列数据的勾稽关系)"),
    TemplateRule("R2", "（七）总计 = （一）+（二）+（三）1–8 +（四）1–3 +（五）1–5 +（六），逐列；2021年（六）为其1–3之和",
                 "per column: total handled = the sum of the result rows; in 2021 (六) is its rows 1–3",
                 "arithmetic of the table"),
    TemplateRule("R3", "每一行：总计列 = 六个申请人列之和", "per row: the 总计 column = the six applicant columns",
                 "arithmetic of the table; a blank 总计 is absent and the rule skipped"),
    TemplateRule("R4", "表四每一块：总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结",
                 "table 四, each block: total = upheld + corrected + other + pending", "arithmetic of the table"),
    TemplateRule("R5", "行政诉讼总计 = 未经复议直接起诉总计 + 复议后起诉总计",
                 "litigation.total = direct total + after-review total", "derived"),
    TemplateRule("R6", "本年“上年结转” = 上年“结转下年度继续办理”",
                 "this year's carried over = last year's carried forward", "two consecutive reports"),
    TemplateRule("R7", "2021年表二：现行有效(Y) = 现行有效(Y−1) + 制发(Y) − 废止(Y)",
                 "2021 table 二: in force (Y) = in force (Y−1) + issued (Y) − repealed (Y)",
                 "third-party checkers; agencies count 现行有效 differently, so a failure may be a counting "
                 "convention"),
    TemplateRule("R8", "复议机关作共同被告时，诉讼只计入原行政机关", "a lawsuit with the reconsideration body as "
                 "co-defendant counts only for the original agency", "国办公开办函〔2016〕201号",
                 not_checked_because="a counting convention; the numbers cannot show it"),
    TemplateRule("R9", "旧统计表：各子栏目数总数要等于总栏目数量", "legacy 统计表: the sub-rows add up to their parent row",
                 "the footnote of the old 统计表"),
    TemplateRule("R10", "旧统计表：不同渠道公开相同信息计1条，渠道之和不必等于总数",
                 "legacy 统计表: the same item on several channels counts once, so channels need not sum "
                 "to the total", "the 统计表's own label",
                 not_checked_because="not a sum rule: it says which sum NOT to check"),
)

# Legacy 统计表 (R9): block → (parent key, the sub-row keys that add up to it).
LEGACY_SUMS = {
    "requests.answer": ("requests.total.total", tuple(f"requests.answer.{p}" for p in (
        "already_public", "granted", "partial", "denied", "not_this_agency", "not_exist",
        "asked_to_amend", "other_channel"))),
    "requests.channel": ("requests.new.total", tuple(f"requests.channel.{p}" for p in (
        "in_person", "fax", "online", "letter"))),
    "requests.completed": ("requests.completed", ("requests.completed_on_time", "requests.completed_extended")),
    "review": ("review.total", ("review.upheld", "review.corrected", "review.other")),
    "litigation": ("litigation.total", ("litigation.upheld", "litigation.corrected", "litigation.other")),
    "staff": ("staff.total", ("staff.full_time", "staff.part_time")),
}

_TABLE3_COLUMNS = tuple(c.name for c in K.TABLE3_COLUMNS)
_TABLE3_ROWS = tuple(r.name for r in K.TABLE3_ROWS_PRINTED)
_TABLE4_BLOCKS = tuple(b.name for b in K.TABLE4_BLOCKS)
_ANY = (*K.FORMATS,)

R1 = Rule("R1.requests.<column>", "R1", "一 本年新收 + 二 上年结转 与 （七）总计 + 四 结转下年度",
          "requests.new + requests.carried_over against requests.total + requests.carry_forward, in one column",
          K.STANDARD, {"column": _TABLE3_COLUMNS})
R2 = Rule("R2.requests.<column>", "R2", "（七）总计 与 各办理结果行之和",
          "requests.total against the sum of the result rows (granted … other), in one column",
          K.STANDARD, {"column": _TABLE3_COLUMNS})
R3 = Rule("R3.requests.<row>", "R3", "总计列 与 六个申请人列之和",
          "`requests.<row>.total` against the sum of the six applicant columns of the row",
          K.STANDARD, {"row": _TABLE3_ROWS})
R4 = Rule("R4.<block>", "R4", "表四一块的总计 与 维持 + 纠正 + 其他 + 尚未审结",
          "`<block>.total` against upheld + corrected + other + pending", K.STANDARD, {"block": _TABLE4_BLOCKS})
R5 = Rule("R5.litigation", "R5", "行政诉讼总计 与 直接起诉总计 + 复议后起诉总计",
          "litigation.total against litigation.direct.total + litigation.after_review.total", K.STANDARD)
R9 = Rule("R9.<block>", "R9", "旧统计表父栏目 与 其子栏目之和（见下表）",
          "a legacy parent row against the sum of its sub-rows (listed below)", (K.LEGACY,),
          {"block": tuple(LEGACY_SUMS)})
SOURCES_AGREE = Rule("sources_agree.<key>@<document>", None, "页面表格 与 附件表格中的同一格",
                     "a standard-table cell of the page against the same cell in an attached document; "
                     "the page's number is kept", K.STANDARD, {"key": None, "document": None})
PROSE_AGREES = Rule("prose_agrees.<key>", None, "正文语句中的数字 与 保留的表格数字",
                    "a figure stated in a sentence against the table figure that was kept", _ANY, {"key": None})
# Rules over two or more reports: their results are rows of `cross_checks`, not `checks`
# (pipelines/metrics/cross_checks.py). R6/R7 compare one body's reports of years N and N-1.
R6 = Rule("R6.requests.<column>", "R6", "本年 二 上年结转 与 上年报告的 四 结转下年度继续办理（同一列）",
          "this year's requests.carried_over against last year's requests.carry_forward, in one column "
          "(table cross_checks)", _ANY, {"column": _TABLE3_COLUMNS})
R7_ENTITIES = ("rules", "normative")
R7 = Rule("R7.active.<entity>", "R7", "表二 现行有效件数 与 上年现行有效 + 本年制发 − 本年废止",
          "active.<entity>.in_force against last year's in_force + this year's issued − repealed "
          "(table cross_checks)", (K.S2021,), {"entity": R7_ENTITIES})
# A government's own figure against the sum of its departments' reports (same region, same year).
LEVEL_SUM_KEYS = ("requests.new.total", "active.total")
LEVEL_SUM = Rule("level_sum.<key>", None, "政府本级报告的数字 与 同地区同年各部门报告之和（差距大时标出）",
                 "a government's own figure against the sum of its departments' figures (same region, same "
                 "year); fails when the gap is large, never corrected (table cross_checks)", _ANY,
                 {"key": LEVEL_SUM_KEYS})
CHECKS_NOT_RUN = Rule("checks", None, "检查未能运行（程序错误）",
                      "the checks could not run (a program error); failed, with the error in detail", _ANY)

RULES = (R1, R2, R3, R4, R5, R6, R7, R9, LEVEL_SUM, SOURCES_AGREE, PROSE_AGREES, CHECKS_NOT_RUN)
CROSS_RULES = (R6, R7, LEVEL_SUM)  # evaluated over several reports, stored in cross_checks


def rule_of(name: str) -> Rule | None:
    """The registered rule that makes this concrete name, or None."""
    return next((rule for rule in RULES if rule.matches(name)), None)


def is_registered(name: str) -> bool:
    return rule_of(name) is not None
