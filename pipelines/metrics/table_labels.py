"""Tolerant matching of standard-table labels (REPORT_FORMAT.md §1.3–1.5, §5).

Labels drift: full-width punctuation, “” vs "", 情况/情形, 内容/内部, `<br>` splits, dropped
characters ("政许可", "年废止件数"), notes added inside headers ("现行有效件数 (历史累计)").
A label is reduced to its CJK letters and digits (`squash`), its list numbering removed, and then
compared with the vocabulary below:

- an "in" pattern matches when it occurs inside the label (notes around it are fine);
- an "eq" pattern must be the whole label, give or take a dropped character or two.

The longest containing pattern wins; otherwise the closest fuzzy match, if it is clearly closer
than the runner-up. Cells longer than MAX_LABEL are prose, never labels.
"""
from __future__ import annotations

import re
from difflib import SequenceMatcher
from functools import lru_cache

from pipelines.normalize import compact

MAX_LABEL = 60
FUZZY_MIN = 0.84
_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+[、.]|\(?[一二三四五六七八九十]+\)|\(\d{1,2}\)|\d{1,2}[.、)]?(?!\d))")
_COUNTED = re.compile(r"\d+(?:件|条|次|个|人|元|篇)")
_NOT_LETTER = re.compile(r"[^0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff]")

Vocabulary = tuple[tuple[str, tuple[str, ...]], ...]


def squash(text: str | None) -> str:
    """Only CJK letters, ASCII letters and digits, after NFKC/t2s: the comparable core of a label."""
    return _NOT_LETTER.sub("", compact(text))


def strip_numbering(text: str | None) -> str:
    """'（七）总计' → '总计', '3.其他' → '其他', '一、本年新收…' → '本年新收…' (then squashed)."""
    core = compact(text)
    for _ in range(2):  # "三、(一)予以公开" carries two levels of numbering
        core = _NUMBERING.sub("", core, count=1)
    return _NOT_LETTER.sub("", core)


def numbering(text: str | None) -> str:
    """The list numbering a label starts with ('(七)', '3.', '一、'), squashed; '' if none."""
    match = _NUMBERING.match(compact(text))
    return _NOT_LETTER.sub("", match.group(0)) if match else ""


@lru_cache(maxsize=None)
def _pattern(entry: str) -> tuple[str, str]:
    mode, _, pattern = entry.partition(":")
    return mode, squash(pattern)


def _score(label: str, mode: str, pattern: str) -> float:
    if not label or not pattern:
        return 0.0
    if label == pattern:
        return 2.0 + len(pattern) / 100
    if mode == "in" and pattern in label:
        return 1.0 + len(pattern) / 100
    if len(label) >= 2 and label in pattern and len(label) / len(pattern) >= 0.6:
        return 0.95  # characters dropped at either end ("政许可", "年废止件数")
    if len(pattern) >= 3 and 2 * min(len(label), len(pattern)) / (len(label) + len(pattern)) >= FUZZY_MIN:
        matcher = SequenceMatcher(None, label, pattern)
        if matcher.quick_ratio() >= FUZZY_MIN and matcher.ratio() >= FUZZY_MIN:
            return matcher.ratio() * 0.9
    return 0.0


def is_prose(text: str) -> bool:
    """A sentence, or a figure with its unit ("收到申请853件"): report text, not a table label."""
    core = compact(text)
    return len(core) > MAX_LABEL or "。" in core or bool(_COUNTED.search(core))


@lru_cache(maxsize=8192)
def _label_core(text: str | None) -> str:
    """What a label is compared by ('' for prose): computed once per cell text."""
    if text is None or is_prose(text):
        return ""
    return strip_numbering(text) or squash(text)


@lru_cache(maxsize=8192)
def match(text: str | None, vocabulary: Vocabulary, strict: bool = False) -> str | None:
    """The vocabulary key whose patterns fit the label best, or None (unknown or ambiguous).
    strict: only a whole pattern counts (no dropped characters), for labels that open a table."""
    label = _label_core(text)
    if not label:
        return None
    scores: dict[str, float] = {}
    for key, entries in vocabulary:
        for entry in entries:
            mode, pattern = _pattern(entry)
            score = _score(label, mode, pattern)
            if score > scores.get(key, 0.0):
                scores[key] = score
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    if not ranked or ranked[0][1] <= 0 or (strict and ranked[0][1] < 1.0):
        return None
    if len(ranked) > 1 and ranked[0][1] < 1.0 and ranked[0][1] - ranked[1][1] < 0.05:
        return None  # two fuzzy candidates almost equally close: refuse to guess
    return ranked[0][0]


def truncations(text: str | None, vocabulary: Vocabulary) -> tuple[str, ...]:
    """Keys a cut-off header could be ('本年新' → made, published), in vocabulary order."""
    label = _label_core(text)
    if len(label) < 3:
        return ()
    keys = []
    for key, entries in vocabulary:
        if any(_pattern(e)[1].startswith(label) and _pattern(e)[1] != label for e in entries) and key not in keys:
            keys.append(key)
    return tuple(keys) if len(keys) > 1 else ()


# --- vocabularies ------------------------------------------------------------------------------
# Table 二: row labels → entity, column labels → suffix; "caption"/"header" open a new block.
TABLE2_ROWS: Vocabulary = (
    ("caption", ("in:第二十条",)),
    ("header", ("eq:信息内容",)),
    ("rules", ("eq:规章",)),
    ("normative", ("in:规范性文件",)),
    ("licensing", ("in:行政许可",)),
    ("other_services", ("in:其他对外管理服务事项", "in:对外管理服务")),
    ("penalty", ("in:行政处罚",)),
    ("enforcement", ("in:行政强制",)),
    ("fees", ("in:行政事业性收费", "in:事业性收费")),
    ("procurement", ("in:政府集中采购", "in:集中采购")),
)
TABLE2_COLUMNS: Vocabulary = (
    ("made", ("in:本年新制作数量", "in:新制作")),
    ("published", ("in:本年新公开数量", "in:新公开数量")),
    ("total", ("in:对外公开总数量", "in:公开总数量")),
    ("previous", ("in:上一年项目数量", "in:上年项目数量")),
    ("change", ("in:本年增减", "in:本年增加减少", "eq:增减")),
    ("decisions", ("in:处理决定数量",)),
    ("projects", ("in:采购项目数量",)),
    ("amount", ("in:采购总金额", "in:收费金额")),
    ("issued", ("in:本年制发件数", "in:制发件数")),
    ("repealed", ("in:本年废止件数", "in:废止件数")),
    ("in_force", ("in:现行有效件数", "in:现行有效")),
)

# Table 三 header: applicant columns; "group" is 法人或其他组织, whose children sit in its place.
TABLE3_COLUMNS: Vocabulary = (
    ("header", ("in:勾稽关系", "eq:申请人情况")),
    ("natural_person", ("in:自然人",)),
    ("group", ("in:法人或其他组织",)),
    ("business", ("in:商业企业",)),
    ("research", ("in:科研机构",)),
    ("nonprofit", ("in:社会公益组织", "in:公益组织")),
    ("legal_service", ("in:法律服务机构", "in:法律服务")),
    ("other_org", ("eq:其他", "eq:其它", "eq:其他组织")),
    ("total", ("eq:总计", "eq:合计")),
    ("subtotal", ("eq:小计",)),  # a local 法人 subtotal column: read past, not kept
)

# Table 三 rows. "parent.*" only set the context of the numbered rows under them.
TABLE3_ROWS: Vocabulary = (
    ("new", ("in:本年新收", "eq:本年新收政府信息公开申请数量")),
    ("carried_over", ("in:上年结转", "eq:上年结转政府信息公开申请数量")),
    ("carry_forward", ("in:结转下年度", "in:结转下年", "eq:结转下年度继续办理")),
    ("granted", ("in:予以公开",)),
    ("partial", ("in:部分公开",)),
    ("denied.state_secret", ("in:国家秘密", "eq:属于国家秘密")),
    ("denied.prohibited_by_law", ("in:禁止公开", "eq:其他法律行政法规禁止公开")),
    ("denied.security_stability", ("in:三安全一稳定", "in:危及", "eq:危及三安全一稳定")),
    ("denied.third_party", ("in:第三方", "eq:保护第三方合法权益")),
    ("denied.internal_affairs", ("in:内部事务", "in:内容事务", "in:三类内", "eq:属于三类内部事务信息")),
    ("denied.process_info", ("in:过程性", "eq:属于四类过程性信息")),
    ("denied.enforcement_files", ("in:执法案卷", "eq:属于行政执法案卷")),
    ("denied.query_matters", ("in:查询事项", "eq:属于行政查询事项")),
    ("unable.not_held", ("in:不掌握", "eq:本机关不掌握相关政府信息")),
    ("unable.needs_creation", ("in:另行制作", "in:没有现成", "eq:没有现成信息需要另行制作")),
    ("unable.unclear", ("in:仍不明确", "in:补正后", "eq:补正后申请内容仍不明确")),
    ("not_processed.petition", ("in:信访", "eq:信访举报投诉类申请")),
    ("not_processed.repeated", ("in:重复申请",)),
    ("not_processed.publications", ("in:出版物", "eq:要求提供公开出版物")),
    ("not_processed.excessive", ("in:大量反复", "eq:无正当理由大量反复申请")),
    ("not_processed.confirm_reissue", ("in:重新出具", "in:确认或", "eq:要求行政机关确认或重新出具已获取信息")),
    ("other.no_correction", ("in:不补正",)),
    ("other.unpaid_fee", ("in:缴纳费用", "in:未缴费", "in:收费通知")),
    ("other", ("in:其他处理",)),
    ("other.other", ("eq:其他", "eq:其它")),
    ("total", ("eq:总计", "eq:合计")),
    ("subtotal", ("in:小计",)),
    ("parent.results", ("in:本年度办理结果", "in:办理结果")),
    ("parent.denied", ("in:不予公开",)),
    ("parent.unable", ("in:无法提供",)),
    ("parent.not_processed", ("in:不予处理",)),
)

# Table 四: three blocks of five columns.
TABLE4_GROUPS: Vocabulary = (
    ("review", ("eq:行政复议",)),
    ("litigation", ("eq:行政诉讼",)),
    ("litigation.direct", ("in:未经复议直接起诉", "in:直接起诉")),
    ("litigation.after_review", ("in:复议后起诉",)),
)
TABLE4_COLUMNS: Vocabulary = (
    ("upheld", ("in:结果维持", "eq:维持")),
    ("corrected", ("in:结果纠正", "eq:纠正")),
    ("other", ("in:其他结果", "eq:其他")),
    ("pending", ("in:尚未审结", "eq:未审结")),
    ("total", ("eq:总计", "eq:合计")),
)

# Header words PDF text runs together on one line ("结果维持结果纠正其他结果…"): longest first.
_RUN_WORDS = tuple(sorted((
    "信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "本年增减", "处理决定数量",
    "本年处理决定数量", "采购项目数量", "采购总金额", "本年制发件数", "本年废止件数", "现行有效件数",
    "申请人情况", "自然人", "法人或其他组织", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计", "合计",
    "行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉", "结果维持", "结果纠正", "其他结果", "尚未审结",
), key=len, reverse=True))


def split_header_run(text: str) -> list[str] | None:
    """'自然人商业企业…总计' → its header words, when the whole cell is made of them; else None."""
    core, parts, at = squash(text), [], 0
    while at < len(core):
        word = next((w for w in _RUN_WORDS if core.startswith(w, at)), None)
        if word is None:
            return None
        parts.append(word)
        at += len(word)
    return parts if len(parts) >= 2 else None


# Words that only the one template uses (REPORT_FORMAT.md §1.3–1.4); the citation decides ties.
TEMPLATE_2019_CITATION = re.compile(r"2019\W{0,2}60\s*号")
TEMPLATE_2021_CITATION = re.compile(r"2021\W{0,2}30\s*号")
