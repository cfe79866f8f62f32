"""Headline figures stated in report prose (any format, mostly the pre-2019 reports).

Each clause is read on its own, so in "公开信息共196条，其中，图片新闻6条…" only the first figure
counts. Only the headline keys (docs/metrics.md) come from prose. Skipped on purpose: figures after
其中/分别 (unless they name a channel), counts over several years (以来, 历年累计), headings
without a figure, screenshot captions (图 1 …), catalogue tables (序号 / 信息标题 / 上报时间
lists), table rows and the standard template's row labels.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from pipelines.metrics import keys as metric_keys
from pipelines.normalize import chinese_number
from pipelines.records import Finding

NUMBER = r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千万]+)"
# Clause breaks: any comma except a thousands separator (1,236条).
CLAUSE_BREAK = re.compile(r",(?!\d{3}(?!\d))|(?<!\d),")
NEGATION = re.compile(r"未|没有|无|不存在|为零|为0(?!\d)|均为零|零(?:件|条|起|次|宗)|(?<!\d)0(?:件|条|起|次|宗)")
# Counts over more than the year ("2017年以来共计发布…273条", "历年累计…"). A bare 累计 in a sentence
# that names the year ("2021年，我局累计主动公开政府信息235条") is the year's total.
CUMULATIVE = re.compile(r"以来|历年|至今|截至|截止|开通")
YEAR_SCOPE = re.compile(r"(?:19|20)\d{2}年(?:度)?(?!以来)|全年|本年|年内|一年来")
MAX_CLAUSE = 200
# '第二十条' cites an article: a numeral after 第 (or inside a longer number) is no count.
NOT_ORDINAL = r"(?<![第\d零〇一二两三四五六七八九十百千万.])"
COUNT = re.compile(NOT_ORDINAL + NUMBER + r"(?:余)?(条|件|次|个|人|起|宗|元|万元)")
HEADING = re.compile(r"^(?:[一二三四五六七八九十]+[、.]|[(（][一二三四五六七八九十\d]+[)）]|\d+[、.](?!\d))")
# Row labels of the standard table 三 ("无正当理由大量反复申请", "逾期未按收费通知要求缴纳费用"):
# when such a table is linearised into the text they are not sentences about the year.
TEMPLATE_LABEL = re.compile(r"无正当理由|逾期|不再处理|信访举报投诉类|重复申请|公开出版物|重新出具|本机关不掌握|"
                            r"没有现成信息|补正后|属于国家秘密|三安全一稳定|行政查询事项|本年新收|上年结转|结转下年度|"
                            r"未经复议|复议后起诉|结果维持|结果纠正|尚未审结")
CHANNELS = (("网站", "active.website"), ("门户网", "active.website"), ("微信", "active.wechat"),
            ("公众号", "active.wechat"), ("微博", "active.weibo"), ("公报", "active.gazette"))


@dataclass
class Clause:
    text: str
    sentence: str
    section: str
    after_qizhong: bool
    heading: bool = False


def _cumulative(clause: Clause) -> bool:
    return bool(CUMULATIVE.search(clause.text)) or ("累计" in clause.text and not YEAR_SCOPE.search(clause.sentence))


def _sentences(line: str, is_heading: bool) -> list[str]:
    """Sentences of one line; a heading's own words ('二、主动公开情况:' or '…情况。') come first."""
    head = ""
    if is_heading:
        match = re.match(r"^[^。:;]{1,40}[。:;]", line)
        if match:
            head, line = match.group(0), line[match.end():]
    return [part for part in [head] + re.split(r"(?<=[。；;!?！？])", line) if part]


def _number(text: str) -> int | float | None:
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+|\d+", text):
        return int(text.replace(",", ""))
    if re.fullmatch(r"\d+\.\d+", text):
        return float(text)
    return chinese_number(text)


def _is_catalogue_start(lines: list[str], i: int) -> bool:
    window = "".join(lines[i:i + 6])
    return lines[i] == "序号" and bool(re.search(r"标题|名称", window)) and bool(re.search(r"时间|日期|分类", window))


def clauses(text: str) -> list[Clause]:
    """Clauses of the prose with the heading they sit under; catalogue tables and captions left out."""
    lines = [re.sub(r"\s+", "", line) for line in text.split("\n")]
    top = sub = ""
    out: list[Clause] = []
    in_catalogue = False
    for i, line in enumerate(lines):
        if not line:
            continue
        if _is_catalogue_start(lines, i):
            in_catalogue = True
        if HEADING.match(line):
            in_catalogue = False
            heading = re.split(r"[。；;]", line)[0][:40]
            if re.match(r"^[一二三四五六七八九十]+[、.]", line):
                top, sub = heading, ""
            else:
                sub = heading
        if in_catalogue or re.match(r"^图\d", line) or re.search(r"\d{4}-\d{2}-\d{2}$", line):
            continue
        if line.count("|") >= 2 or TEMPLATE_LABEL.search(line):
            continue  # a table row or a template label, not prose
        section = " / ".join(part for part in (top, sub) if part)
        is_heading = bool(HEADING.match(line))
        for number, sentence in enumerate(_sentences(line, is_heading)):
            # A heading names a topic ("收费及减免情况"); unless it states a figure it is no statement.
            heading = number == 0 and is_heading and not COUNT.search(sentence)
            after = False
            for part in CLAUSE_BREAK.split(sentence):
                if re.match(r"^(其中|包括|分别|含|主要|如)", part):
                    after = True
                if part:
                    out.append(Clause(part, sentence, section, after, heading))
    return out


def _first_count(text: str, units: str) -> tuple[int | float, str] | None:
    # "1.53万条": ten thousands written with 万 before a count unit (万元 stays an amount's unit)
    match = re.search(NOT_ORDINAL + NUMBER + rf"(万(?!元))?(?:余)?({units})", text)
    if not match:
        return None
    value = _number(match.group(1))
    if value is not None and match.group(2):
        value = round(value * 10000, 6)
        value = int(value) if float(value).is_integer() else value
    return (value, match.group(3)) if value is not None else None


def _channel(text: str) -> str | None:
    return next((key for word, key in CHANNELS if word in text), None)


def _several_channels(text: str) -> bool:
    """A count over two channels together, or a channel 'and others' (等新媒体)."""
    keys = {key for word, key in CHANNELS if word in text}
    return len(keys) > 1 and "主动公开" not in text or bool(keys and re.search(r"等(?:新媒体|平台|渠道|媒体)", text))


def _active(clause: Clause, found: dict[str, Finding]) -> None:
    """active.total and the channel counts. "主动公开…N条" is the year's total, also when it says
    where ("通过门户网站主动公开"); a count on one named channel ("在…网站公开信息196条") is that
    channel's; an unnamed count under a 主动公开 heading ("公布各类信息692条") is the total."""
    text = clause.text
    if _cumulative(clause) or re.search(r"解读|提案|建议|案件|办件", text):
        return
    explicit = re.search(r"主动公开", text)
    if explicit and "规范性文件" in text[explicit.end():]:
        documents = _first_count(text[explicit.end():], "件|条|份")
        if documents:
            _keep(found, "active.normative_docs", documents, clause)
        return
    count = _first_count(text, "条")
    if not count:
        return
    if _several_channels(text):
        return  # "通过微博微信公开8226条", "微信公众号、今日头条等新媒体…": no one channel's count, nor the total
    channel = _channel(text)
    published = re.search(r"公开|发布|公布", text)
    if clause.after_qizhong:
        lead = clause.sentence.split("其中")[0]
        if channel and published:
            _keep(found, channel, count, clause)  # "其中通过政府网站公开1102条"
        elif explicit and "主动公开" not in lead:
            _keep(found, "active.total", count, clause)  # "共制作政府信息3021条，其中主动公开信息1027条"
        return
    if not re.search(r"信息|文件|公文", text):
        return
    if explicit:
        portal = re.search(r"政务网|门户网|政府网", text)
        _keep(found, channel if channel and not portal else "active.total", count, clause)
    elif channel and published:
        _keep(found, channel, count, clause)
    elif re.search(r"(?:在|通过|于)[^,]*?(专栏|平台|网)", text):
        return  # a named venue that is no registered channel ("在…政务信息公开专栏发布信息30条")
    elif re.search(r"共(?:计)?(?:公开|发布|公布)(?:政府|政务)?信息", text) and YEAR_SCOPE.search(clause.sentence) \
            and "申请" not in clause.sentence:
        _keep(found, "active.total", count, clause)  # "2020年度,共公开政府信息9条" names no channel: all of them
    elif "主动公开" in clause.section and published:
        _keep(found, "active.total", count, clause)


def _requests(clause: Clause, found: dict[str, Finding]) -> None:
    text = clause.text
    if "申请" not in text or re.search(r"复议|诉讼|举报|投诉|建议|提案|项目|资金|专利|费", text) or _cumulative(clause):
        return
    if clause.after_qizhong:
        return
    count = _first_count(text, "件|条|个|份|次|宗|起")
    if count and re.search(r"收到|受理|接到|接收|办理|收悉", text):
        _keep(found, "requests.new.total", count, clause)
    elif re.search(r"(未|没有|无|暂无)(收到|受理|接到|接收|发生|有)?[^,，。]*申请|申请[^,，。]*(为零|为0|无)$", text):
        _keep(found, "requests.new.total", (0, None), clause)


def _review_litigation(clause: Clause, found: dict[str, Finding]) -> None:
    text = clause.text
    review = "复议" in text
    litigation = "行政诉讼" in text or ("诉讼" in text and (review or "诉讼" in clause.section))
    if not (review or litigation) or _cumulative(clause):
        return
    for flag, key, word in ((review, "review.total", "复议"), (litigation, "litigation.total", "诉讼")):
        if not flag:
            continue
        number = re.search(word + r"[^,，。;；]{0,8}?" + NUMBER + r"(件|起|宗|次)", text)
        if number and _number(number.group(1)) is not None:
            _keep(found, key, (_number(number.group(1)), number.group(2)), clause)
        elif NEGATION.search(text):
            _keep(found, key, (0, None), clause)


def _complaints(clause: Clause, found: dict[str, Finding]) -> None:
    text = clause.text
    if not re.search(r"举报|投诉", text) or re.search(r"电话|信箱|举报箱|渠道|接受", text):
        return
    number = re.search(r"(?:举报|投诉)[^,，。]{0,8}?" + NUMBER + r"(件|起|次|条)", text)
    if number and _number(number.group(1)) is not None:
        _keep(found, "complaints.total", (_number(number.group(1)), number.group(2)), clause)
    elif NEGATION.search(text):
        _keep(found, "complaints.total", (0, None), clause)


def _fees(clause: Clause, found: dict[str, Finding]) -> None:
    """Fees charged for disclosure: "收取费用120元", "未收取任何费用", "无收费项目" under a 收费 heading.
    An agency's own 行政事业性收费 items are another matter and need the disclosure context."""
    text = clause.text
    if not re.search(r"收费|费用|收取", text):
        return
    about_disclosure = re.search(r"收费|费用", clause.section) or "公开" in text
    amount = re.search(r"(?:收取|收费)[^,，。]{0,12}?" + NUMBER + r"(元|万元)", text)
    if amount and _number(amount.group(1)) is not None and (about_disclosure or "公开" in clause.sentence):
        _keep(found, "disclosure_fees.total", (_number(amount.group(1)), amount.group(2)), clause)
    elif re.search(r"(未|没有|不|无)(收取|收)[^,，。]{0,16}?费", text) or (
            about_disclosure and re.search(r"未|没有|无|不存在", text) and not re.search(r"新增|调整|取消", text)):
        _keep(found, "disclosure_fees.total", (0, "元"), clause)


def _keep(found: dict[str, Finding], key: str, count: tuple, clause: Clause) -> None:
    if key not in found:
        value, unit = count
        # A sentence that only says "none" (未发生…, 无…) gives no unit: the key's usual one (keys.py).
        unit = unit or getattr(metric_keys.get(key), "unit", None)
        found[key] = Finding(key, value, unit, clause.section or None, _snippet(clause))


def _snippet(clause: Clause, width: int = 120) -> str:
    """The sentence, or for a long one the stretch around the clause the figure came from."""
    sentence = clause.sentence
    if len(sentence) <= width:
        return sentence
    start = max(0, sentence.find(clause.text) - 30)
    return ("…" if start else "") + sentence[start:start + width] + ("…" if start + width < len(sentence) else "")


def extract_prose(text: str) -> dict[str, Finding]:
    """Headline metrics stated in prose, first statement per key."""
    found: dict[str, Finding] = {}
    for clause in clauses(text):
        if clause.heading or len(clause.text) > MAX_CLAUSE:
            continue  # a run-on "clause" of hundreds of characters is no statement (and costly to scan)
        for reader in (_active, _requests, _review_litigation, _complaints, _fees):
            reader(clause, found)
    return found
