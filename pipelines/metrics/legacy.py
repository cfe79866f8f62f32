"""The old 统计表 (统计指标 / 单位 / 统计数, 国办发〔2014〕32号 and local extensions) → metric keys (docs/metrics.md).

The table arrives linearised: one cell per line (a copied page), or cells separated by '|' or
tabs. Rows are recognised by their label, inside the block (一、主动公开情况, 四、行政复议数量 …)
they belong to, so the many "（一）维持具体行政行为数" rows go to the right key. A blank 统计数 cell
is absent, not zero.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from pipelines.records import Finding
from pipelines.normalize import UNITS, parse_cell

BLOCK_NUMBER = re.compile(r"^[一二三四五六七八九十]+、")
# Block of a 一、… row, from its label. Order matters: 报送 and 接待 before 查阅.
BLOCKS = (("主动公开", "active"), ("回应", "response"), ("解读", "response"), ("复议", "review"),
          ("诉讼", "litigation"), ("举报", "complaints"), ("投诉", "complaints"), ("收取的费用", "fees"),
          ("收费", "fees"), ("依申请", "requests"), ("申请", "requests"), ("报送", "archive"),
          ("接待", "visitors"), ("查阅", "reading_points"), ("机构建设", "staff"), ("经费", "staff"),
          ("会议", "meetings"), ("培训", "meetings"), ("网站", "websites"), ("公报", "gazette_issues"))
# A block's own row (四、行政复议数量 | 件 | 0) carries its total.
BLOCK_TOTALS = {"review": "review.total", "litigation": "litigation.total", "complaints": "complaints.total",
                "archive": "archive_submissions.total", "reading_points": "reading_points.total",
                "visitors": "reading_points.visitors", "fees": "disclosure_fees.total"}
# (block, label pattern, key), first match wins inside a block.
ROWS: tuple[tuple[str, str, str], ...] = (
    ("active", r"主动公开政府信息数|主动公开政府信息总数", "active.total"),
    ("active", r"主动公开规范性文件", "active.normative_docs"),
    ("active", r"制发规范性文件", "active.normative_docs_issued"),
    ("active", r"政府公报", "active.gazette"),
    ("active", r"政府网站", "active.website"),
    ("active", r"政务微博", "active.weibo"),
    ("active", r"政务微信", "active.wechat"),
    ("active", r"其他方式", "active.other_channels"),
    ("response", r"热点|舆情", "response.hot_topics"),
    ("response", r"主要负责.*新闻发布会", "response.press_conferences_by_head"),
    ("response", r"新闻发布会", "response.press_conferences"),
    ("response", r"主要负责.*访谈", "response.online_interviews_by_head"),
    ("response", r"访谈", "response.online_interviews"),
    ("response", r"解读稿|解读.*发布", "response.interpretations"),
    ("response", r"微博微信|微博、微信", "response.social_media"),
    ("response", r"其他方式", "response.other"),
    ("requests", r"收到申请", "requests.new.total"),
    ("requests", r"当面", "requests.channel.in_person"),
    ("requests", r"传真", "requests.channel.fax"),
    ("requests", r"网络申请|网上申请|电子邮件", "requests.channel.online"),
    ("requests", r"信函", "requests.channel.letter"),
    ("requests", r"按时办结", "requests.completed_on_time"),
    ("requests", r"延期办结", "requests.completed_extended"),
    ("requests", r"办结数", "requests.completed"),
    ("requests", r"已主动公开", "requests.answer.already_public"),
    ("requests", r"同意部分公开", "requests.answer.partial"),
    ("requests", r"不同意公开|不予公开", "requests.answer.denied"),
    ("requests", r"同意公开", "requests.answer.granted"),
    ("requests", r"不属于本|非本(行政)?机关", "requests.answer.not_this_agency"),
    ("requests", r"不存在", "requests.answer.not_exist"),
    ("requests", r"更改|补充", "requests.answer.asked_to_amend"),
    ("requests", r"其他途径", "requests.answer.other_channel"),
    ("requests", r"答复数", "requests.total.total"),
    ("review", r"维持", "review.upheld"),
    ("review", r"纠错|纠正", "review.corrected"),
    ("review", r"其他", "review.other"),
    ("litigation", r"维持|驳回", "litigation.upheld"),
    ("litigation", r"纠错|纠正", "litigation.corrected"),
    ("litigation", r"其他", "litigation.other"),
    ("staff", r"专门机构", "staff.units"),
    ("staff", r"查阅点", "reading_points.total"),
    ("staff", r"专职", "staff.full_time"),
    ("staff", r"兼职", "staff.part_time"),
    ("staff", r"人员数", "staff.total"),
    ("staff", r"经费", "budget.amount"),
    ("meetings", r"会议", "meetings.total"),
    ("meetings", r"培训班", "training.sessions"),
    ("meetings", r"培训人员|培训人次|接受培训", "training.attendees"),
)
# Rows under 不同意公开 (其中：涉及国家秘密 …) have no key of their own.
DENIAL_REASONS = re.compile(r"^(其中:?)?(涉及|危及|不是《条例》|法律法规规定的其他)")
UNIT_TOKENS = frozenset(UNITS) | {"—", "-"}
HEADER = re.compile(r"统计指标")
FOOTER = re.compile(r"^(\(?注[:：]|单位负责人|审核人|填报人|附件\d)")


@dataclass
class LegacyTable:
    findings: dict[str, Finding]
    start_line: int
    end_line: int


# A row whose cells ran together (PDF text "（一）收到申请数 件 3" → "（一）收到申请数件3" once the spaces
# inside Chinese are closed): label ending in 数 or ')', unit, optional value.
_UNIT_ALT = "|".join(sorted(UNITS, key=len, reverse=True))
MERGED_ROW = re.compile(rf"^(.+?(?:数|\)))({_UNIT_ALT})(\d+(?:\.\d+)?|—|-|/)?$")


def _cells(lines: list[str]) -> list[str]:
    cells: list[str] = []
    for line in lines:
        for cell in re.split(r"[|\t]", line):
            cell = re.sub(r"\s+", "", cell)
            if not cell:
                continue
            merged = MERGED_ROW.match(cell)
            if merged and parse_cell(cell)[0] is None:
                cells.extend(part for part in merged.groups() if part)
            elif len(cell) > 2 and cell[-1] in "—-" and cell[-2] not in "—-":
                cells.extend([cell[:-1], cell[-1]])  # "一、主动公开情况 —": a block row, unit '—'
            else:
                cells.append(cell)
    return cells


def find_table(text: str) -> tuple[int, int] | None:
    """Line span (start, end) of the 统计表 body: from the 统计指标 header to its footer."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        flat = re.sub(r"\s+", "", line)
        if HEADER.search(flat) and ("统计数" in "".join(re.sub(r"\s+", "", x) for x in lines[i:i + 6])):
            end = next((j for j in range(i + 1, len(lines)) if FOOTER.match(re.sub(r"\s+", "", lines[j]))),
                       len(lines))
            return i, end
    return None


def _block_of(label: str) -> str:
    return next((block for word, block in BLOCKS if word in label), "other")


def _key_for(block: str, label: str, is_block_row: bool) -> str | None:
    if is_block_row:
        return BLOCK_TOTALS.get(block)
    if DENIAL_REASONS.match(label):
        return None
    for row_block, pattern, key in ROWS:
        if row_block == block and re.search(pattern, label):
            return key
    if block == "other":
        # No block row above (a table cut short): only a label that fits one block is read.
        keys = {next((k for b, p, k in ROWS if b == row_block and re.search(p, label)), None)
                for row_block in {b for b, _, _ in ROWS}} - {None}
        return keys.pop() if len(keys) == 1 else None
    return None


def extract_legacy_table(text: str) -> LegacyTable | None:
    """The 统计表's figures, or None when the text has no such table."""
    span = find_table(text)
    if span is None:
        return None
    start, end = span
    cells = _cells(text.split("\n")[start:end])
    has_unit_column = "单位" in "".join(cells[:4])
    while cells and re.fullmatch(r"统计指标|单位|统计数|指标名称|计量单位|数量", cells[0]):
        cells.pop(0)
    findings: dict[str, Finding] = {}
    block = "other"
    i = 0
    while i < len(cells):
        label = cells[i]
        i += 1
        if parse_cell(label)[0] is not None and label not in UNIT_TOKENS:
            continue  # a stray number with no label
        unit = None
        if has_unit_column:
            # A label may wrap onto a second cell "（不同方式回应同一热点或舆情计1次）".
            while i < len(cells) and cells[i] not in UNIT_TOKENS and parse_cell(cells[i])[0] is None \
                    and re.match(r"^[(（](?![一二三四五六七八九十\d]+[)）])", cells[i]):
                label += cells[i]
                i += 1
            if i < len(cells) and cells[i] in UNIT_TOKENS:
                unit = cells[i] if cells[i] in UNITS else None
                i += 1
        value = None
        if i < len(cells) and cells[i] not in (UNIT_TOKENS - {"—", "-"}):
            number, cell_unit = parse_cell(cells[i])
            if number is not None:
                value = number
                unit = unit or cell_unit
                i += 1
        is_block_row = bool(BLOCK_NUMBER.match(label))
        if is_block_row:
            block = _block_of(label)
        key = _key_for(block, label, is_block_row)
        if key and value is not None and key not in findings:
            findings[key] = Finding(key, value, unit, "统计表", f"{label} | {unit or ''} | {value}", "table")
    return LegacyTable(findings, start, end)
