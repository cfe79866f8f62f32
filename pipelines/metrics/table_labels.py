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

from pipelines.metrics import keys
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
# The names of rows and columns, and the patterns that recognise them, are the metric-key
# registry's (pipelines/metrics/keys.py); only the structural labels below are this module's own.
# Table 二: row labels → entity, column labels → suffix; "caption"/"header" open a new block.
TABLE2_ROWS: Vocabulary = (
    ("caption", ("in:第二十条",)),
    ("header", ("eq:信息内容",)),
) + keys.vocabulary(keys.TABLE2_ENTITIES)
TABLE2_COLUMNS: Vocabulary = keys.vocabulary(keys.TABLE2_COLUMNS)

# Table 三 header: applicant columns; "group" is 法人或其他组织, whose children sit in its place.
TABLE3_COLUMNS: Vocabulary = (
    ("header", ("in:勾稽关系", "eq:申请人情况")),
    ("group", ("in:法人或其他组织",)),
) + keys.vocabulary(keys.TABLE3_COLUMNS) + (
    ("subtotal", ("eq:小计",)),  # a local 法人 subtotal column: read past, not kept
)

# Table 三 rows. "parent.*" only set the context of the numbered rows under them.
TABLE3_ROWS: Vocabulary = keys.vocabulary(keys.TABLE3_ROWS) + (
    ("subtotal", ("in:小计",)),
    ("parent.results", ("in:本年度办理结果", "in:办理结果")),
    ("parent.denied", ("in:不予公开",)),
    ("parent.unable", ("in:无法提供",)),
    ("parent.not_processed", ("in:不予处理",)),
)

# Table 四: three blocks of five columns ("litigation" is the 行政诉讼 label above two of them).
TABLE4_GROUPS: Vocabulary = keys.vocabulary(keys.TABLE4_BLOCKS) + (
    ("litigation", ("eq:行政诉讼",)),
)
TABLE4_COLUMNS: Vocabulary = keys.vocabulary(keys.TABLE4_PARTS)

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
