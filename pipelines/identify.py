"""Who published which year's report, where, and in which format.

Everything works on text already passed through normalize.normalize_text. Each function returns
None when the report does not say: unknown fields stay null, never guessed.
"""
from __future__ import annotations

import re
from typing import Any

from pipelines.page_labels import labels_of
from pipelines.normalize import compact, parse_date, repair_compact_date

YEAR = r"(?:19|20)\d{2}"
# Words an agency name ends with (局, 委员会, 人民政府, 办公室, 街道办事处 ...).
AGENCY_END = re.compile(r"(局|委|委员会|办|办公室|厅|院|政府|中心|所|部|署|处|会|站|队|馆|公司|镇|乡|街道|办事处|"
                        r"集团|银行|监狱|大学|学校|研究所|总队|支队|大队|法院|检察院|管理处|委员会办公室)$")
# A name that begins with a place (吉林市科技局) needs no prefix; 市科技局 / 科学技术局 do.
PLACE_START = re.compile(r"^(?![市县区州省旗盟])[\u4e00-\u9fff]{1,12}?(省|自治区|市|自治州|州|地区|盟|县|自治县|区|旗|新区|镇|乡|街道)")
GENERIC_PUBLISHERS = {"本网", "本站", "网站", "无", "门户网站", "政府网站", "管理员", "admin", "办公室", "系统管理员"}

# Metadata labels of copied text, from the one vocabulary (pipelines.page_labels); publishers only
# by their proper labels (所属机构 / 责任部门 name a department, not who published the report).
_META_LABELS = {key: "|".join(labels_of(key, max_rank))
                for key, max_rank in (("index_no", 1), ("published", 3), ("written", 1), ("doc_no", 0),
                                      ("publisher", 1))}
_ANY_LABEL = "|".join(_META_LABELS.values())
# "label: value" anywhere in a line (normalisation may have closed the space before a label:
# "来源:区人民政府办公室时间:2017-01-12"), or a label without colon opening the line ("文号 宿政办函…").
_LABEL_WITH_COLON = re.compile(rf"({_ANY_LABEL}|信息来源|来源|字体|信息类别|公开方式|公开时限|公开范围|责任部门|主题分类|有效性)\s*:\s*")
_LABEL_AT_START = re.compile(rf"^[\s•·|●◆]*({_ANY_LABEL})\s+(?=\S)")


def _label_spans(line: str) -> list[tuple[str, int, int]]:
    """(label, value start, value end) for each label of a line, the value running to the next label."""
    matches = list(_LABEL_WITH_COLON.finditer(line)) or list(_LABEL_AT_START.finditer(line))
    return [(m.group(1), m.end(), matches[i + 1].start() if i + 1 < len(matches) else len(line))
            for i, m in enumerate(matches)]


def _cell_pairs(line: str) -> list[tuple[str, str]]:
    """A metadata table copied as '索 引 号 | 0144/2018-04736 | 分 类 | …': (label, value) for each
    cell that is a whole label, its value the next cell."""
    cells = [re.sub(r"\s+", "", cell).rstrip(":") for cell in line.split("|")]
    return [(cell, cells[i + 1]) for i, cell in enumerate(cells[:-1]) if re.fullmatch(_ANY_LABEL, cell)]


# Labels of a metadata block printed without colons: 'label value' pairs, run together once
# normalisation closed the spaces ('索引号00000001/2018-00042分类信息公开年报…',
# '发布机构宿迁市人民政府办公室发文日期2018-02-26').
_BARE_LABEL = re.compile(rf"{_ANY_LABEL}|名称|分类|关键词|时效|有效性|文件下载")


def _bare_pairs(line: str) -> list[tuple[str, str]]:
    if re.search(r"[:,，。;；]", line) or not re.match(_BARE_LABEL, line):
        return []
    marks = list(re.finditer(_BARE_LABEL, line))
    if len(marks) < 2:
        return []
    return [(m.group(0), line[m.end():marks[i + 1].start() if i + 1 < len(marks) else len(line)].strip())
            for i, m in enumerate(marks)]


def _line_pairs(line: str) -> list[tuple[str, str]]:
    spans = [(label, re.split(r"\s{2,}|\t|\|", line[start:end])[0]) for label, start, end in _label_spans(line)]
    if line.count("|") >= 2:
        # '文 号 | 成文日期:2016-03-31 | 发布日期:…': a bare label's neighbour may be another labelled cell
        pairs = [(label, value) for label, value in _cell_pairs(line) if not _LABEL_WITH_COLON.search(value)]
        if pairs:
            return pairs + spans
    return _bare_pairs(line) or spans


def text_meta(text: str) -> dict[str, str]:
    """Metadata printed as 'label: value' lines in copied text (发布时间:…, 信息索取号:…), or as
    'label | value |' cells of a copied metadata table."""
    found: dict[str, str] = {}
    for line in text.split("\n")[:80]:
        for label, value in _line_pairs(line):
            key = next((k for k, alternatives in _META_LABELS.items() if re.fullmatch(alternatives, label)), None)
            value = value.strip(" |•·")
            if key is None or not value or value in ("无", "-", "/") or key in found:
                continue
            if key in ("published", "written"):
                value = parse_date(value)
                if not value:
                    continue
            if key == "index_no" and (not re.search(r"\d", value) or re.search(r"(?i)none|null|undefined", value)):
                continue  # '/2021-None': a CMS placeholder, no number
            if key == "doc_no" and not re.search(r"号|〔|\[|\d", value):
                continue
            if key == "publisher" and value in GENERIC_PUBLISHERS:
                continue
            found[key] = value
    return found


_TITLE_SKIP = re.compile(r"^(URL:|发布时间|来源|字体|信息类别|索引号|信息索取号|•|\[|首页|当前位置|Page\s*\d|P\.\s*\d)", re.I)
# A section heading ('一、总体情况') means the body has begun: no title above it was found.
_SECTION_HEADING = re.compile(r"^[一二三四五六七八九十]+[、.]")


# A whole line that is a report's title and names its year: '…2020年政府信息公开工作年度报告'.
_TITLE_LINE = re.compile(rf"^(?:第[一二三四五六七八九十\d]+篇:|(?:信息)?名称:?|标题:?)?(?P<title>[^,，。;；:：|>]{{0,40}}{YEAR}年?度?[^,，。;；:：|>]{{0,30}}?"
                         r"(?:信息公开|政务公开|信息公開)[^,，。;；:：|>]{0,12}?(?:报告|年报))$")
# Page furniture above the heading: breadcrumbs, login links, accessibility switches, a column name.
_TITLE_FURNITURE = re.compile(r">|当前位置|登录|注册|关怀版|无障碍|访问量|字号|打印|^政府信息公开$|^信息公开$")


def _title_line(lines: list[str]) -> str | None:
    """The best single line among the top ones that is a full title with its year and a name: one
    naming the report in full (…年度报告) before a column name (2020年信息公开年报)."""
    found = [m.group("title") for m in (_TITLE_LINE.match(re.sub(r"\s+", "", line)) for line in lines) if m]
    # '2021年政府信息公开工作年度报告' names nobody: the line above may hold the name (joined below)
    found = [title for title in found if agency_in_title(title)]
    full = [title for title in found if re.search(r"工作.{0,2}报告|年度报告", title)]
    return (full or found or [None])[0]


def find_title(text: str) -> str | None:
    """The heading at the top: a line that is a whole title with its year, else the first lines
    joined up to 报告/年报 ('…工作\n年 度 报 告'). PDF text may run the title into the body
    ('…年度报告2021年,我局…'): the title stops at 报告. None when the top names no report (an
    attached table's caption is no title)."""
    lines = [line.strip() for line in text.split("\n")[:30]]
    lines = [line for line in lines if line and not _TITLE_SKIP.match(line)]
    whole = _title_line(lines[:12])
    if whole:
        return whole
    lines = [line for line in lines if not _TITLE_FURNITURE.search(line)]
    joined = ""
    for line in lines[:4]:
        if re.match(r"^(根据|按照|依据|现将|本报告|本年度报告|为)", line) or _SECTION_HEADING.match(line) \
                or re.search(r"(?:根据|按照|依据)《", line):
            break  # the body has begun ('本镇根据《条例》规定,特向社会公开…年度报告' is no title)
        joined += re.sub(r"\s+", "", line)
        match = re.match(r"^(.{4,80}?(?:报告|年报))", joined)
        if match and re.search(r"信息|政务|年度|年报", match.group(1)):
            return match.group(1)
        if len(joined) > 80 or re.search(r"[。;；]$", line):
            break
    return None


def year_in_title(title: str | None) -> int | None:
    if not title:
        return None
    for match in re.finditer(rf"({YEAR})\s*(年度|年|度)?", compact(title)):
        rest = compact(title)[match.end():match.end() + 4]
        if match.group(2) == "年" and re.match(r"\d{1,2}月", rest):
            continue  # a date (2019年2月18日), not the year covered
        if match.group(2) or re.match(r"[\u4e00-\u9fff]", rest):
            return int(match.group(1))
    return None


def year_in_body(text: str) -> int | None:
    """统计期限 / 1月1日至12月31日 / '现将…YYYY年…报告' near the start of the body."""
    flat = compact(text)
    for pattern in (rf"统计期限[^。]{{0,6}}?({YEAR})", rf"({YEAR})年1月1日(?:起)?至(?:{YEAR}年)?12月31日",
                    rf"(?:截止|截至)(?:到)?({YEAR})年12月31日",
                    rf"现将[^。]{{0,20}}?({YEAR})年度?", rf"({YEAR})年度"):
        match = re.search(pattern, flat[:1500])
        if match:
            return int(match.group(1))
    match = re.search(rf"({YEAR})年(?!\d{{1,2}}月)", flat[:300])
    return int(match.group(1)) if match else None


def report_year(title: str | None, text: str) -> int | None:
    return year_in_title(title) or year_in_body(text)


def agency_in_title(title: str | None) -> str | None:
    """'2017年度市科技局政府信息公开工作报告' → '市科技局'; None when the title names no body."""
    if not title:
        return None
    head = re.split(r"政府信息公开|政务公开|政府信息|信息公开|政务信息", compact(title))[0]
    head = re.sub(rf"{YEAR}年?度?", "", head)
    head = re.sub(r"^(关于|[《<\"“])+|(关于|[的》>\"”])+$", "", head).strip("()（）:：-— ")
    return head if len(head) >= 2 else None


# The opening sentence naming who publishes or compiled the report: '现公布泰州市人民政府2017年政府
#信息公开工作年度报告', '特编制舒兰市…局2016年…报告', '本报告由重庆…管理委员会根据…编制', or the
# first sentence of the year's account with the agency as its subject.
_OPENING_AGENCY = (
    re.compile(rf"(?:现公布|向社会公布|特编制|现将)([\u4e00-\u9fff()（）]{{2,30}}?){YEAR}年度?(?:本级)?(?:政府)?(?:信息公开|政务信息公开|政务公开)"),
    re.compile(r"本报告(?:是)?由([\u4e00-\u9fff()（）]{2,30}?)(?:根据|依据|按照|编制)"),
    re.compile(r"要求,由([\u4e00-\u9fff()（）]{2,30}?)(?:编制|汇总|综合)"),
    # the year's first sentence with the agency as its subject: '2021年,阿巴嘎旗卫生健康委员会坚持…'
    re.compile(rf"{YEAR}年度?,?([\u4e00-\u9fff()（）]{{2,30}}?)(?:严格按照|认真贯彻|认真落实|坚持|紧紧围绕|高度重视)"),
)


# The contact sentence of the opening: '如对本报告有任何疑问,请与岱山县卫生健康局联系'.
_CONTACT_AGENCY = re.compile(r"请与([\u4e00-\u9fff()（）]{2,40}?)联系")
# The disclosure office inside an agency, which compiles the report and answers questions on it.
# A government's report names its 办公室 as the contact: the government is the author.
_DISCLOSURE_OFFICE = re.compile(r"(?:政务|政府)?(?:信息公开|政务公开|政务信息公开)(?:工作)?(?:领导小组)?(?:办公室|办|处)$"
                                r"|(?<=人民政府)(?:党政综合|党政|综合)?办公室$")
# Zone names that begin like a place but name none ('经济开发区管委会…' of which city?).
_ZONE_WITHOUT_PLACE = re.compile(r"^(?:经济技术开发区|经济开发区|高新技术产业开发区|高新区|开发区|工业园区)")


# The office inside a government that compiled its report: the government is the author.
_COMPILING_OFFICE = re.compile(r"(?<=政府)(?:信息公开|政务公开)(?:工作)?(?:领导小组)?(?:办公室|办)$|(?<=人民政府)(?:党政综合|党政|综合)?办公室$")


def _full_agency(name: str, office_suffix: re.Pattern) -> str | None:
    name = office_suffix.sub("", name)
    return name if is_agency_like(name) and is_complete_name(name) else None


def agency_in_opening(text: str) -> str | None:
    """A full agency name the first paragraphs state as the report's author, else None."""
    flat = compact(text)[:1200]
    for pattern in _OPENING_AGENCY:
        for match in pattern.finditer(flat):
            # the government, not the office inside it that compiled the report
            name = _full_agency(match.group(1), _COMPILING_OFFICE)
            if name:
                return name
            if pattern is _OPENING_AGENCY[0] and is_complete_name(match.group(1)) and \
                    re.fullmatch(r"[\u4e00-\u9fff]{1,8}(?:市|县|区|州|盟|旗)", match.group(1)):
                return match.group(1)  # '现公布辽阳市2023年…报告': a government's report names its place
    return None


def agency_in_contact(text: str) -> str | None:
    """The full name in the opening's contact sentence, its disclosure office left off; a weak
    statement (a government's report may give its 办公室), used only when nothing better is known."""
    match = _CONTACT_AGENCY.search(compact(text)[:1500])
    if not match or _ZONE_WITHOUT_PLACE.match(match.group(1)):
        return None
    return _full_agency(match.group(1), _DISCLOSURE_OFFICE)


def is_complete_name(name: str | None) -> bool:
    return bool(name) and bool(PLACE_START.match(name))


def is_agency_like(name: str | None) -> bool:
    return bool(name) and 3 <= len(name) <= 30 and bool(AGENCY_END.search(name)) and \
        not re.search(r"[,，。:：;；、\d]", name) and name not in GENERIC_PUBLISHERS


def find_signature(text: str) -> tuple[str | None, str | None]:
    """The closing 'agency line + date line' (the last one in the text): (agency, ISO date).

    The date may have lost its 年/月 ('2018301'); it is kept only when exactly one reading is a
    real date. A signature without a readable date still gives the agency.
    """
    lines = [compact(line) for line in text.split("\n")]
    lines = [line for line in lines if line]
    for i in range(len(lines) - 1, 0, -1):
        date_line = lines[i].strip("()（）")
        if not re.fullmatch(r"(?:19|20)\d{2}[\d年月日.\-/]{2,10}", date_line):
            continue
        name = lines[i - 1]
        if is_agency_like(name):
            return name, parse_date(date_line) or repair_compact_date(date_line)
    return None, None


def date_under_title(text: str) -> str | None:
    """'（2019年2月18日）' on its own line among the first lines: the release date (a source
    printed after it on the same line, '2022年01月18日来源:…', is page furniture)."""
    for line in [compact(line) for line in text.split("\n")[:12]]:
        match = re.fullmatch(r"[(（]?((?:19|20)\d{2}年\d{1,2}月\d{1,2}日)[)）]?(?:(?:信息)?来源[:：].*)?", line)
        if match:
            return parse_date(match.group(1))
    return None


def gazetteer():
    """The gazetteer module, or None while it is not installed (callers record an error)."""
    try:
        from pipelines import gazetteer as module
    except ImportError:
        return None
    return module


def place_prefix(region: dict[str, Any] | None) -> str | None:
    if not region:
        return None
    return region.get("county") or region.get("city") or region.get("province")


def complete_agency(stem: str, place: str | None) -> str | None:
    """'市科技局' + '九江市' → '九江市科技局'; '科学技术局' + '同江市' → '同江市科学技术局'."""
    if not place:
        return None
    if stem[0] in "市县区州省" and place.endswith(stem[0]):
        return place + stem[1:]
    if stem[0] in "市县区州省":
        return None  # the stem names another level than the place we know
    return place + stem


def identify_agency(title: str | None, text: str, page_meta: dict, portal: dict | None,
                    place: str | None) -> tuple[str | None, str | None]:
    """(agency, source), from the most to the least specific statement of a full name:
    a complete name in the title ('吉林市科技局2018年…'), the signature block, 发布机构, the title's
    short name completed with the known place ('市科技局' + 九江市), the registry's department,
    a place-only title ('宿迁市2017年…'), and last a short signature or 发布机构 ('市政府办')."""
    stem = agency_in_title(title)
    if stem and is_complete_name(stem) and is_agency_like(stem):
        return stem, "title"
    signed, _ = find_signature(text)
    publisher = compact(page_meta.get("publisher") or "")
    publisher = publisher if is_agency_like(publisher) else None
    candidates = [(signed, "signature"), (publisher, "page_meta")]
    if stem and is_complete_name(stem) and not is_agency_like(stem) and any(
            name and re.fullmatch(re.escape(stem) + r"(?:人民)?政府(?:办公室|办公厅)", name) for name, _ in candidates):
        return stem, "title"  # '宿迁市2017年…报告' published by 宿迁市人民政府办公室: the government's report
    for name, source in candidates:
        if name and is_complete_name(name):
            return name, source
    if stem and is_agency_like(stem):
        completed = complete_agency(stem, place)
        if completed:
            return completed, "title"
    portal = portal or {}
    for key in ("department", "name"):
        name = compact(portal.get(key) or "")
        if is_agency_like(name):
            return (name if is_complete_name(name) else complete_agency(name, place) or name), "registry"
    if stem and is_complete_name(stem):
        return stem, "title"  # a government's own report names only its place
    stated = agency_in_opening(text)
    if stated:
        return stated, "body"
    contact = agency_in_contact(text)
    if contact:
        return contact, "contact"
    for name, source in candidates:
        if name:
            return complete_agency(name, place) or name, source
    return None, None


def region_fields(portal: dict | None, agency: str | None, title: str | None, text: str,
                  errors: list[str]) -> dict[str, Any]:
    """province / city / county / region / region_code: the registry row first, else the gazetteer
    on the agency name, then the title, and only then the report's opening lines (mirror sites
    fill bodies with junk names, so the body is the last resort)."""
    portal = portal or {}
    fields = {key: portal.get(key) or None for key in ("province", "city", "county")}
    fields["region_code"] = portal.get("region_code") or None
    if not any(fields[key] for key in ("province", "city", "county")):
        module = gazetteer()
        if module is None:
            errors.append("region: pipelines.gazetteer is not available; region left empty")
        else:
            found = None
            for candidate in (agency, agency_in_title(title)):
                if candidate and not found:
                    try:
                        found = module.resolve(candidate)
                    except Exception as exc:  # the gazetteer's own bug must not stop parsing
                        errors.append(f"region: gazetteer failed on {candidate!r}: {exc}")
            if not found and text:
                try:
                    found = module.find_region(text[:600])
                except Exception as exc:
                    errors.append(f"region: gazetteer failed on the text: {exc}")
            if found:
                fields.update({key: found.get(key) for key in ("province", "city", "county")})
                fields["region_code"] = found.get("code")
    fields["region"] = fields["county"] or fields["city"] or fields["province"]
    return fields


# --- format -------------------------------------------------------------------------------------
# Headings and labels of the old (2008–2018) 条例 reports, and of the 2019+ standard template.
LEGACY_MARKERS = ("概述", "依申请公开政府信息", "依申请公开情况", "不予公开政府信息", "收费及减免", "统计指标",
                  "申请答复数", "回应解读情况", "机构建设和保障经费", "因政府信息公开申请行政复议", "工作情况统计表",
                  "政府信息公开的收费", "相关费用情况", "收费和减免", "依申请公开办理情况", "依申请信息公开收费",
                  "复议、诉讼和申诉")
STANDARD_MARKERS = ("收到和处理政府信息公开申请", "第二十条第", "申请人情况", "本年新收政府信息公开申请",
                    "国办公开办函〔2019〕60号", "国办公开办函〔2021〕30号", "结转下年度继续办理")


def legacy_marker_count(text: str) -> int:
    flat = compact(text)
    return sum(1 for marker in LEGACY_MARKERS if marker in flat)


def has_standard_markers(text: str) -> bool:
    flat = compact(text)
    return sum(1 for marker in STANDARD_MARKERS if marker in flat) >= 2


def report_format(standard_format: str | None, legacy_table: bool, text: str, year: int | None = None) -> str:
    """From the structure found: standard tables, the old 统计表, else the old headings. Headings
    alone are weak evidence, so they are not enough for a report on 2019 or later (the new 条例
    requires the standard tables: missing tables mean they could not be read)."""
    if standard_format:
        return standard_format
    if legacy_table:
        return "legacy"
    if has_standard_markers(text) or (year is not None and year >= 2019):
        return "unknown"
    return "legacy" if legacy_marker_count(text) >= 1 else "unknown"
