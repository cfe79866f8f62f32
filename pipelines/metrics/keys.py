"""The metric-key registry: every key the parser may emit, with its labels, unit, table and formats.

This module is the parser's output contract (docs/metrics.md is generated from it:
`python -m pipelines.metrics.docs`). A key is lower-case ASCII, dot-separated; one record per
concrete key:

    KEYS["requests.granted.natural_person"]
    → MetricKey(key=…, label_zh="予以公开（自然人）", label_en=…, unit="件", section="table3",
                formats=("standard-2019", "standard-2021"), pattern="requests.<row>.<column>")

`formats` says where the key occurs: the standard templates (standard-2019 / standard-2021), the
old 统计表 (legacy) and report sentences in any format (prose). `unit` is the usual unit; a row of
`metrics` keeps the unit the report states.

The standard tables are declared by their parts: table 二 is entity × column (only the pairs of
each template), table 三 is row × applicant column (`requests.<row>.<column>`, every pair), table 四
is block × outcome. Each part carries the template label and the `match` patterns table_labels
recognises it by ("in:…" inside the label, "eq:…" the whole label; see table_labels). The readers
(table_labels, checks) build their vocabularies and keys from these parts, so a new row or column
is added here and nowhere else.

    is_registered(key) -> bool        get(key) -> MetricKey | None
    table2_key(entity, column), table3_key(row, column), table4_key(block, part) -> key (KeyError
    when the registry has no such key)
"""
from __future__ import annotations

from dataclasses import dataclass, replace

S2019, S2021, LEGACY, PROSE = FORMATS = ("standard-2019", "standard-2021", "legacy", "prose")
STANDARD = (S2019, S2021)

# section id → (Chinese title, English title), in the order the docs list them.
SECTIONS = {
    "headline": ("核心指标（各种格式，表格或正文）", "Headline keys (any format, table or prose)"),
    "table2": ("表二 主动公开政府信息情况", "Standard table 二: proactive disclosure"),
    "table3": ("表三 收到和处理政府信息公开申请情况", "Standard table 三: disclosure applications received and handled"),
    "table4": ("表四 政府信息公开行政复议、行政诉讼情况", "Standard table 四: reconsiderations and lawsuits"),
    "legacy": ("2019年以前的统计表", "Legacy 统计表 (before 2019)"),
}


@dataclass(frozen=True)
class MetricKey:
    key: str
    label_zh: str
    label_en: str
    unit: str | None
    section: str
    formats: tuple[str, ...]
    pattern: str  # the family the key belongs to ("requests.<row>.<column>"), or the key itself


@dataclass(frozen=True)
class Part:
    """A row or column of a standard table: one piece of a key ('denied.state_secret', 'business')."""
    name: str
    label_zh: str
    label_en: str
    formats: tuple[str, ...] = STANDARD
    match: tuple[str, ...] = ()
    unit: str | None = None


# --- headline keys -----------------------------------------------------------------------------
def _key(key, zh, en, unit, formats, section="headline") -> MetricKey:
    return MetricKey(key, zh, en, unit, section, tuple(formats), key)


HEADLINE = (
    _key("active.total", "主动公开政府信息数", "government information proactively disclosed in the year", "条",
         (LEGACY, PROSE)),
    _key("active.website", "通过政府网站主动公开政府信息数", "… of it on the government website", "条", (LEGACY, PROSE)),
    _key("active.gazette", "通过政府公报主动公开政府信息数", "… of it in the government gazette", "条", (LEGACY, PROSE)),
    _key("active.weibo", "通过政务微博主动公开政府信息数", "… of it on government Weibo", "条", (LEGACY, PROSE)),
    _key("active.wechat", "通过政务微信主动公开政府信息数", "… of it on government WeChat", "条", (LEGACY, PROSE)),
    _key("active.other_channels", "通过其他方式主动公开政府信息数", "… of it through other channels", "条", (LEGACY,)),
    _key("active.normative_docs", "主动公开规范性文件数", "normative documents (规范性文件) disclosed", "件",
         (LEGACY, PROSE)),
    _key("requests.new.total", "本年新收政府信息公开申请数量（总计）", "disclosure applications received this year", "件",
         (S2019, S2021, LEGACY, PROSE)),
    _key("requests.carried_over.total", "上年结转政府信息公开申请数量（总计）",
         "applications carried over from last year", "件", STANDARD),
    _key("requests.total.total", "办理结果总计 / 申请答复数", "applications handled in the year "
         "(table 三 (七)总计; legacy 申请答复数)", "件", (S2019, S2021, LEGACY)),
    _key("requests.carry_forward.total", "结转下年度继续办理（总计）", "applications carried forward to next year", "件",
         STANDARD),
    _key("review.total", "行政复议总计", "administrative reconsiderations over disclosure", "件",
         (S2019, S2021, LEGACY, PROSE)),
    _key("litigation.total", "行政诉讼总计", "lawsuits over disclosure, direct plus after reconsideration", "件",
         (S2019, S2021, LEGACY, PROSE)),
    _key("complaints.total", "被举报投诉数量", "complaints and reports about disclosure (举报投诉)", "件", (LEGACY, PROSE)),
    _key("disclosure_fees.total", "政府信息公开收费", "fees charged for disclosure", "元", (LEGACY, PROSE)),
)

# --- table 二 (主动公开政府信息情况): active.<entity>.<column> ---------------------------------------
TABLE2_ENTITIES = (
    Part("rules", "规章", "rules (government regulations)", match=("eq:规章",)),
    Part("normative", "规范性文件（2021：行政规范性文件）", "normative documents", match=("in:规范性文件",)),
    Part("licensing", "行政许可", "administrative licensing", match=("in:行政许可",)),
    Part("other_services", "其他对外管理服务事项", "other external management services", (S2019,),
         match=("in:其他对外管理服务事项", "in:对外管理服务")),
    Part("penalty", "行政处罚", "administrative penalties", match=("in:行政处罚",)),
    Part("enforcement", "行政强制", "administrative coercive measures", match=("in:行政强制",)),
    Part("fees", "行政事业性收费", "administrative fees", match=("in:行政事业性收费", "in:事业性收费")),
    Part("procurement", "政府集中采购", "centralised government procurement", (S2019,),
         match=("in:政府集中采购", "in:集中采购")),
)
TABLE2_COLUMNS = (
    Part("made", "本年新制作数量", "newly made this year", (S2019,), ("in:本年新制作数量", "in:新制作"), "件"),
    Part("published", "本年新公开数量", "newly published this year", (S2019,), ("in:本年新公开数量", "in:新公开数量"), "件"),
    Part("total", "对外公开总数量", "total published", (S2019,), ("in:对外公开总数量", "in:公开总数量"), "件"),
    Part("previous", "上一年项目数量", "items last year", (S2019,), ("in:上一年项目数量", "in:上年项目数量"), "个"),
    Part("change", "本年增/减", "change this year (signed)", (S2019,), ("in:本年增减", "in:本年增加减少", "eq:增减"), "个"),
    Part("decisions", "处理决定数量（2021：本年处理决定数量）", "decisions made", STANDARD, ("in:处理决定数量",), "件"),
    Part("projects", "采购项目数量", "procurement projects", (S2019,), ("in:采购项目数量",), "个"),
    Part("amount", "采购总金额 / 本年收费金额", "amount", STANDARD, ("in:采购总金额", "in:收费金额"), None),
    Part("issued", "本年制发件数", "issued this year", (S2021,), ("in:本年制发件数", "in:制发件数"), "件"),
    Part("repealed", "本年废止件数", "repealed this year", (S2021,), ("in:本年废止件数", "in:废止件数"), "件"),
    Part("in_force", "现行有效件数", "in force", (S2021,), ("in:现行有效件数", "in:现行有效"), "件"),
)
_T2_19_DOCS, _T2_21_DOCS = ("made", "published", "total"), ("issued", "repealed", "in_force")
# entity → columns of the templates (2019: 国办公开办函〔2019〕60号, 2021: 〔2021〕30号). A pair whose column
# exists in both templates but the entity in one only takes the entity's formats.
TABLE2_PAIRS = {
    "rules": _T2_19_DOCS + _T2_21_DOCS,
    "normative": _T2_19_DOCS + _T2_21_DOCS,
    "licensing": ("previous", "change", "decisions"),
    "other_services": ("previous", "change", "decisions"),
    "penalty": ("previous", "change", "decisions"),
    "enforcement": ("previous", "change", "decisions"),
    "fees": ("previous", "change", "amount"),
    "procurement": ("projects", "amount"),
}
# Pairs whose label, unit or formats differ from their parts'.
TABLE2_PAIR_OVERRIDES = {
    ("fees", "amount"): {"label_zh": "本年收费金额（万元）", "label_en": "fees charged this year", "unit": "万元",
                         "formats": (S2021,)},
    ("procurement", "amount"): {"label_zh": "采购总金额", "label_en": "total procurement amount", "unit": "元",
                                "formats": (S2019,)},
}

# --- table 三 (收到和处理政府信息公开申请情况): requests.<row>.<column> -----------------------------------
TABLE3_COLUMNS = (
    Part("natural_person", "自然人", "natural persons", match=("in:自然人",)),
    Part("business", "商业企业", "business enterprises", match=("in:商业企业",)),
    Part("research", "科研机构", "research institutions", match=("in:科研机构",)),
    Part("nonprofit", "社会公益组织", "public-interest organisations", match=("in:社会公益组织", "in:公益组织")),
    Part("legal_service", "法律服务机构", "legal service organisations", match=("in:法律服务机构", "in:法律服务")),
    Part("other_org", "其他（法人或其他组织）", "other legal persons or organisations",
         match=("eq:其他", "eq:其它", "eq:其他组织")),
    Part("total", "总计", "all applicants", match=("eq:总计", "eq:合计")),
)
APPLICANT_COLUMNS = tuple(c.name for c in TABLE3_COLUMNS if c.name != "total")
TABLE3_ROWS = (
    Part("new", "本年新收政府信息公开申请数量", "new applications received this year",
         match=("in:本年新收", "eq:本年新收政府信息公开申请数量")),
    Part("carried_over", "上年结转政府信息公开申请数量", "applications carried over from last year",
         match=("in:上年结转", "eq:上年结转政府信息公开申请数量")),
    Part("carry_forward", "结转下年度继续办理", "carried forward to next year",
         match=("in:结转下年度", "in:结转下年", "eq:结转下年度继续办理")),
    Part("granted", "予以公开", "granted", match=("in:予以公开",)),
    Part("partial", "部分公开", "partly granted", match=("in:部分公开",)),
    Part("denied.state_secret", "不予公开：属于国家秘密", "denied: state secret",
         match=("in:国家秘密", "eq:属于国家秘密")),
    Part("denied.prohibited_by_law", "不予公开：其他法律行政法规禁止公开", "denied: prohibited by other laws",
         match=("in:禁止公开", "eq:其他法律行政法规禁止公开")),
    Part("denied.security_stability", "不予公开：危及“三安全一稳定”", "denied: endangers security or stability",
         match=("in:三安全一稳定", "in:危及", "eq:危及三安全一稳定")),
    Part("denied.third_party", "不予公开：保护第三方合法权益", "denied: protects a third party's rights",
         match=("in:第三方", "eq:保护第三方合法权益")),
    Part("denied.internal_affairs", "不予公开：属于三类内部事务信息", "denied: internal affairs",
         match=("in:内部事务", "in:内容事务", "in:三类内", "eq:属于三类内部事务信息")),
    Part("denied.process_info", "不予公开：属于四类过程性信息", "denied: process information",
         match=("in:过程性", "eq:属于四类过程性信息")),
    Part("denied.enforcement_files", "不予公开：属于行政执法案卷", "denied: enforcement files",
         match=("in:执法案卷", "eq:属于行政执法案卷")),
    Part("denied.query_matters", "不予公开：属于行政查询事项", "denied: administrative query matters",
         match=("in:查询事项", "eq:属于行政查询事项")),
    Part("unable.not_held", "无法提供：本机关不掌握相关政府信息", "unable: not held by this agency",
         match=("in:不掌握", "eq:本机关不掌握相关政府信息")),
    Part("unable.needs_creation", "无法提供：没有现成信息需要另行制作", "unable: would have to be created",
         match=("in:另行制作", "in:没有现成", "eq:没有现成信息需要另行制作")),
    Part("unable.unclear", "无法提供：补正后申请内容仍不明确", "unable: still unclear after amendment",
         match=("in:仍不明确", "in:补正后", "eq:补正后申请内容仍不明确")),
    Part("not_processed.petition", "不予处理：信访举报投诉类申请", "not processed: petitions and complaints",
         match=("in:信访", "eq:信访举报投诉类申请")),
    Part("not_processed.repeated", "不予处理：重复申请", "not processed: repeated application",
         match=("in:重复申请",)),
    Part("not_processed.publications", "不予处理：要求提供公开出版物", "not processed: asks for publications",
         match=("in:出版物", "eq:要求提供公开出版物")),
    Part("not_processed.excessive", "不予处理：无正当理由大量反复申请", "not processed: excessive repeated applications",
         match=("in:大量反复", "eq:无正当理由大量反复申请")),
    Part("not_processed.confirm_reissue", "不予处理：要求行政机关确认或重新出具已获取信息",
         "not processed: asks to confirm or reissue information",
         match=("in:重新出具", "in:确认或", "eq:要求行政机关确认或重新出具已获取信息")),
    Part("other.no_correction", "其他处理：申请人无正当理由逾期不补正", "other: applicant did not amend in time", (S2021,),
         match=("in:不补正",)),
    Part("other.unpaid_fee", "其他处理：申请人逾期未按收费通知要求缴纳费用", "other: applicant did not pay the fee",
         (S2021,), match=("in:缴纳费用", "in:未缴费", "in:收费通知")),
    Part("other", "其他处理（2019：一行）", "other handling (one row in 2019)", (S2019,), match=("in:其他处理",)),
    Part("other.other", "其他处理：其他", "other handling: other", (S2021,), match=("eq:其他", "eq:其它")),
    Part("total", "总计", "total handled", match=("eq:总计", "eq:合计")),
)
_T3_ORDER = ("new", "carried_over", "granted", "partial", "denied.", "unable.", "not_processed.", "other", "other.",
             "total", "carry_forward")


def _template_order(part: Part) -> int:
    """Rows in the order the template prints them (the vocabulary above keeps its matching order)."""
    return next(i for i, p in enumerate(_T3_ORDER) if part.name == p or (p.endswith(".") and part.name.startswith(p)))


TABLE3_ROWS_PRINTED = tuple(sorted(TABLE3_ROWS, key=_template_order))
# The rows (三)–(六) that (七)总计 sums (R2); (六) is one row in 2019, three in 2021.
TABLE3_RESULT_ROWS = tuple(r.name for r in TABLE3_ROWS_PRINTED
                           if r.name not in ("new", "carried_over", "total", "carry_forward")
                           and not r.name.startswith("other"))
TABLE3_OTHER_2019 = ("other",)
TABLE3_OTHER_2021 = ("other.no_correction", "other.unpaid_fee", "other.other")

# --- table 四 (行政复议、行政诉讼): <block>.<part> --------------------------------------------------
TABLE4_BLOCKS = (
    Part("review", "行政复议", "administrative reconsideration", match=("eq:行政复议",)),
    Part("litigation.direct", "行政诉讼：未经复议直接起诉", "lawsuits filed directly",
         match=("in:未经复议直接起诉", "in:直接起诉")),
    Part("litigation.after_review", "行政诉讼：复议后起诉", "lawsuits after reconsideration", match=("in:复议后起诉",)),
)
TABLE4_PARTS = (
    Part("upheld", "结果维持", "upheld", match=("in:结果维持", "eq:维持")),
    Part("corrected", "结果纠正", "corrected", match=("in:结果纠正", "eq:纠正")),
    Part("other", "其他结果", "other outcome", match=("in:其他结果", "eq:其他")),
    Part("pending", "尚未审结", "pending", match=("in:尚未审结", "eq:未审结")),
    Part("total", "总计", "total", match=("eq:总计", "eq:合计")),
)
TABLE4_OUTCOMES = tuple(p.name for p in TABLE4_PARTS if p.name != "total")  # what 总计 sums (R4)


# --- the old 统计表 (before 2019) ------------------------------------------------------------------
def _legacy(key, zh, en, unit, formats=(LEGACY,)) -> MetricKey:
    return _key(key, zh, en, unit, formats, "legacy")


LEGACY_KEYS = (
    _legacy("active.normative_docs_issued", "制发规范性文件总数", "normative documents issued", "件"),
    _legacy("response.hot_topics", "回应公众关注热点或重大舆情数", "hot topics and public concerns responded to", "次"),
    _legacy("response.press_conferences", "参加或举办新闻发布会总次数", "press conferences held or attended", "次"),
    _legacy("response.press_conferences_by_head", "主要负责同志参加新闻发布会次数",
            "press conferences attended by the agency's head", "次"),
    _legacy("response.online_interviews", "政府网站在线访谈次数", "online interviews on the government website", "次"),
    _legacy("response.online_interviews_by_head", "主要负责同志参加政府网站在线访谈次数",
            "online interviews given by the agency's head", "次"),
    _legacy("response.interpretations", "政策解读稿件发布数", "policy interpretations published", "篇"),
    _legacy("response.social_media", "微博微信回应事件数", "events responded to on Weibo and WeChat", "次"),
    _legacy("response.other", "其他方式回应事件数", "events responded to in other ways", "次"),
    _legacy("requests.channel.in_person", "当面申请数", "applications made in person", "件"),
    _legacy("requests.channel.fax", "传真申请数", "applications by fax", "件"),
    _legacy("requests.channel.online", "网络申请数", "applications online", "件"),
    _legacy("requests.channel.letter", "信函申请数", "applications by letter", "件"),
    _legacy("requests.completed", "申请办结数", "applications completed", "件"),
    _legacy("requests.completed_on_time", "按时办结数", "completed on time", "件"),
    _legacy("requests.completed_extended", "延期办结数", "completed after an extension", "件"),
    _legacy("requests.answer.already_public", "属于已主动公开范围数", "answered: already proactively disclosed", "件"),
    _legacy("requests.answer.granted", "同意公开答复数", "answered: granted", "件"),
    _legacy("requests.answer.partial", "同意部分公开答复数", "answered: partly granted", "件"),
    _legacy("requests.answer.denied", "不同意公开答复数", "answered: denied", "件"),
    _legacy("requests.answer.not_this_agency", "不属于本行政机关公开数", "answered: not this agency's information", "件"),
    _legacy("requests.answer.not_exist", "申请信息不存在数", "answered: the information does not exist", "件"),
    _legacy("requests.answer.asked_to_amend", "告知作出更改补充数", "answered: asked to amend the application", "件"),
    _legacy("requests.answer.other_channel", "告知通过其他途径办理数", "answered: referred to another channel", "件"),
    _legacy("review.upheld", "行政复议：维持具体行政行为数", "reconsiderations: upheld", "件", (S2019, S2021, LEGACY)),
    _legacy("review.corrected", "行政复议：被依法纠错数", "reconsiderations: corrected", "件", (S2019, S2021, LEGACY)),
    _legacy("review.other", "行政复议：其他情形数", "reconsiderations: other outcome", "件", (S2019, S2021, LEGACY)),
    _legacy("litigation.upheld", "行政诉讼：维持具体行政行为或者驳回原告诉讼请求数", "lawsuits: upheld or dismissed", "件"),
    _legacy("litigation.corrected", "行政诉讼：被依法纠错数", "lawsuits: corrected", "件"),
    _legacy("litigation.other", "行政诉讼：其他情形数", "lawsuits: other outcome", "件"),
    _legacy("archive_submissions.total", "向档案馆、图书馆等查阅场所报送信息数", "items sent to archives and libraries", "条"),
    _legacy("reading_points.total", "设置政府信息查阅点数", "public reading points set up", "个"),
    _legacy("reading_points.visitors", "查阅点接待人数", "visitors received at reading points", "人次"),
    _legacy("staff.units", "政府信息公开工作专门机构数", "units dedicated to disclosure work", "个"),
    _legacy("staff.total", "从事政府信息公开工作人员数", "staff working on disclosure", "人"),
    _legacy("staff.full_time", "专职人员数", "full-time staff", "人"),
    _legacy("staff.part_time", "兼职人员数", "part-time staff", "人"),
    _legacy("budget.amount", "政府信息公开专项经费", "dedicated disclosure budget", "万元"),
    _legacy("meetings.total", "召开政府信息公开会议或专题会议数", "meetings on disclosure held", "次"),
    _legacy("training.sessions", "举办各类培训班数", "training sessions held", "次"),
    _legacy("training.attendees", "接受培训人员数", "people trained", "人次"),
)


# --- the registry ---------------------------------------------------------------------------------
def _formats(*groups) -> tuple[str, ...]:
    """The formats of all groups together (a pair occurs where both of its parts do)."""
    common = set(FORMATS)
    for group in groups:
        common &= set(group)
    return tuple(f for f in FORMATS if f in common)


def _build() -> dict[str, MetricKey]:
    keys: dict[str, MetricKey] = {}

    def add(record: MetricKey) -> None:
        known = keys.get(record.key)
        if known is None:
            keys[record.key] = record
        else:  # a headline key that is also a table cell: one record, all the formats
            merged = tuple(f for f in FORMATS if f in known.formats or f in record.formats)
            keys[record.key] = replace(known, formats=merged)

    for record in HEADLINE:
        add(record)
    entities = {p.name: p for p in TABLE2_ENTITIES}
    columns = {p.name: p for p in TABLE2_COLUMNS}
    for entity, names in TABLE2_PAIRS.items():
        for name in names:
            e, c = entities[entity], columns[name]
            fields = {"label_zh": f"{e.label_zh}：{c.label_zh}", "label_en": f"{e.label_en}: {c.label_en}",
                      "unit": c.unit, "formats": _formats(e.formats, c.formats)}
            fields.update(TABLE2_PAIR_OVERRIDES.get((entity, name), {}))
            add(MetricKey(f"active.{entity}.{name}", section="table2", pattern="active.<entity>.<column>", **fields))
    for row in TABLE3_ROWS_PRINTED:
        for column in TABLE3_COLUMNS:
            add(MetricKey(f"requests.{row.name}.{column.name}", f"{row.label_zh}（{column.label_zh}）",
                          f"{row.label_en} — {column.label_en}", "件", "table3", _formats(row.formats, column.formats),
                          "requests.<row>.<column>"))
    for block in TABLE4_BLOCKS:
        for part in TABLE4_PARTS:
            add(MetricKey(f"{block.name}.{part.name}", f"{block.label_zh}：{part.label_zh}",
                          f"{block.label_en}: {part.label_en}", "件", "table4", _formats(block.formats, part.formats),
                          "<block>.<outcome>"))
    for record in LEGACY_KEYS:
        add(record)
    return keys


KEYS: dict[str, MetricKey] = _build()


def is_registered(key: str) -> bool:
    return key in KEYS


def get(key: str) -> MetricKey | None:
    return KEYS.get(key)


def _registered(key: str) -> str:
    if key not in KEYS:
        raise KeyError(f"metric key {key!r} is not registered in pipelines/metrics/keys.py")
    return key


def table2_key(entity: str, column: str) -> str:
    return _registered(f"active.{entity}.{column}")


def table3_key(row: str, column: str) -> str:
    return _registered(f"requests.{row}.{column}")


def table4_key(block: str, part: str) -> str:
    return _registered(f"{block}.{part}")


def table2_columns_of(entity: str) -> frozenset[str]:
    """The columns table 二 has for an entity in either template."""
    return frozenset(TABLE2_PAIRS.get(entity, ()))


def vocabulary(parts: tuple[Part, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(name, match patterns) of the parts, the shape table_labels matches labels against."""
    return tuple((p.name, p.match) for p in parts)
