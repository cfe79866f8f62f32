"""The one vocabulary of page metadata labels (信息索取号 / 索引号, 发布机构, 生成日期, 文号 …).

The detail-page reader (pipelines.detail), the families' own metadata tables (pipelines.detail_quirks,
crawler/families/trs.py list tables) and the metadata lines of copied text (pipelines.identify)
all read labels through this module (REPORT_FORMAT.md §4, PORTALS.md §0.2). A new label variant
is added here once.
"""
from __future__ import annotations

import re

# (canonical key, rank, label); the lowest rank seen on a page wins for its key.
LABELS: list[tuple[str, int, str]] = [
    ("title", 0, "标题"), ("title", 0, "信息名称"), ("title", 1, "文件名称"), ("title", 1, "名称"),
    ("index_no", 0, "索引号"), ("index_no", 0, "信息索取号"), ("index_no", 1, "索取号"),
    ("publisher", 0, "发布机构"), ("publisher", 1, "发布单位"), ("publisher", 1, "发文机关"),
    ("publisher", 1, "发文机构"), ("publisher", 1, "发文单位"), ("publisher", 1, "制发机关"),
    ("publisher", 2, "所属机构"), ("publisher", 3, "责任部门"),
    ("source", 0, "信息来源"), ("source", 0, "来源"), ("source", 0, "文章来源"),
    ("written", 0, "生成日期"), ("written", 0, "成文日期"), ("written", 0, "产生日期"), ("written", 1, "印发日期"),
    ("written", 1, "形成日期"),
    ("published", 0, "发布日期"), ("published", 0, "发布时间"), ("published", 1, "发文日期"),
    ("published", 1, "公开日期"), ("published", 2, "发布于"), ("published", 3, "日期"), ("published", 3, "时间"),
    ("doc_no", 0, "文号"), ("doc_no", 0, "发文字号"), ("doc_no", 0, "发布文号"), ("doc_no", 0, "文件编号"),
    ("doc_no", 0, "发文文号"),
    ("category", 0, "主题分类"), ("category", 1, "信息分类"), ("category", 1, "信息类别"),
    ("category", 2, "组配分类"), ("category", 3, "体裁分类"), ("category", 3, "目录分类"), ("category", 4, "分类"),
    ("disclosure_method", 0, "公开方式"), ("disclosure_scope", 0, "公开范围"), ("disclosure_period", 0, "公开时限"),
    ("validity", 0, "有效性"), ("validity", 1, "时效"),
    ("keywords", 0, "关键词"), ("keywords", 0, "关键字"), ("keywords", 0, "主题词"),
]
# Labels we do not keep but must recognise, so that their values never leak into a neighbour's.
IGNORED_LABELS = [
    "统一编号", "内容概述", "公开属性", "公开形式", "浏览次数", "访问次数", "点击数", "阅读次数", "字体", "字号",
    "作者", "发布人", "责任编辑", "编辑", "文件下载", "附件", "信息类型", "有效期", "失效日期", "废止日期",
    "主题导航", "服务对象", "打印", "分享到",
]
# Short generic labels only count with a colon or alone in their cell (else "时间安排…" would match).
WEAK_LABELS = {"日期", "时间", "分类", "来源", "名称", "标题", "编辑", "作者", "附件", "字体", "字号", "打印", "时效"}

_PADDING = re.compile(r"[\s\u3000\u00a0:：]+")
_KEY_BY_LABEL = {label: key for key, _, label in LABELS}


def label_key(label: str) -> str | None:
    """The canonical page_meta key of one label ('发 布 机 构：' -> 'publisher'), or None."""
    return _KEY_BY_LABEL.get(_PADDING.sub("", label or ""))


def labels_of(key: str, max_rank: int = 99) -> list[str]:
    """The labels naming `key` (those ranked at most `max_rank`), longest first, so that a regex
    alternation of them prefers 发布时间 over 时间."""
    return sorted((label for k, rank, label in LABELS if k == key and rank <= max_rank), key=len, reverse=True)
