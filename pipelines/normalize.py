"""Text clean-up shared by every parser: script, width, spacing, numerals, cells, dates.

Reports arrive as full-width or traditional text, with stray spaces inside Chinese words
("2018 年度", "索 引 号"), inline pinyin on mirrors ("索引號(hào)"), Chinese numerals ("零条",
"一百零五") and table cells with units or zero markers ("251000元", "—", "&nbsp;").
See ../shared/REPORT_FORMAT.md §5. Every function here is pure and never raises on odd input.
"""
from __future__ import annotations

import html as htmllib
import re
import unicodedata
from datetime import date
from functools import lru_cache

# Units a table cell or a prose figure may carry, longest first so "万元" wins over "元".
UNITS: tuple[str, ...] = ("人次", "万元", "条", "件", "次", "个", "人", "元", "篇", "项", "期", "份", "场", "家", "起")

# Cells that mean zero in these reports ('—' in 统计表, '无', '/'); a blank cell is absent instead.
ZERO_MARKERS = frozenset({"—", "——", "-", "--", "/", "无", "_", "0", "〇", "零", "─"})

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Punctuation that sits tight against Chinese text (after NFKC: ASCII brackets and colons too).
CJK_PUNCT = "\u3001\u3002\u3008-\u3011\u3014-\u301f“”‘’《》【】〔〕、。(),:;!?"
_TIGHT_LEFT = re.compile(rf"(?<=[{CJK}{CJK_PUNCT}]) +(?=[{CJK}{CJK_PUNCT}0-9])")
# After a digit only words that count or date it close up ("2018 年度", "13 条"), so a value
# followed by the next label ("索引号:1 发布机构") stays apart.
COUNTERS = "年月日号条件次个人元万亿千百篇项期份场家起余多名天周届批类栏度时分秒"
_TIGHT_RIGHT = re.compile(rf"(?<=[{CJK_PUNCT}]) +(?=[{CJK}])|(?<=[0-9]) +(?=[{COUNTERS}])")
_SPACES = re.compile(r"[ \u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_PINYIN = re.compile(r"(?<=[\u4e00-\u9fff])\((?=[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]*[aeiouüāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ])"
                     r"[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,6}\)")
_LONG_DASHES = str.maketrans({c: "—" for c in "―─━﹘⸺"})
_SHORT_DASHES = str.maketrans({c: "-" for c in "‐‑‒–−﹣"})
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "「": '"', "」": '"', "『": '"', "』": '"',
                         "‘": "'", "’": "'", "‚": "'"})


@lru_cache(maxsize=1)
def _t2s():
    import opencc  # imported lazily: loading the dictionaries costs ~0.1 s

    return opencc.OpenCC("t2s")


# Characters t2s rewrites although they are also simplified: 乾 of 乾县 and 乾安县 (the only
# place names of the gazetteer that t2s changes) must not become 干.
_KEEP_AS_IS = {"乾": "\ue000"}


def to_simplified(s: str) -> str:
    try:
        for char, placeholder in _KEEP_AS_IS.items():
            s = s.replace(char, placeholder)
        s = _t2s().convert(s)
    except Exception:  # a broken OpenCC install must not stop parsing: keep the text as it is
        pass
    for char, placeholder in _KEEP_AS_IS.items():
        s = s.replace(placeholder, char)
    return s


def normalize_text(s: str | None) -> str:
    """NFKC, traditional→simplified, no stray spaces inside Chinese, unified dashes and quotes.

    Line breaks and tabs are kept: linearised tables use one cell per line, blank lines for
    blank cells, so the line structure carries meaning.
    """
    if not s:
        return ""
    s = str(s)
    # Table readers normalise every cell, and cells repeat ("0", "件", labels): cache short strings.
    return _normalize_short(s) if len(s) <= 256 else _normalize(s)


@lru_cache(maxsize=65536)
def _normalize_short(s: str) -> str:
    return _normalize(s)


def _normalize(s: str) -> str:
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in s and ";" in s:
        s = htmllib.unescape(s)
    s = _CONTROL.sub("", _INVISIBLE.sub("", s))
    s = unicodedata.normalize("NFKC", s)
    s = to_simplified(s)
    s = _PINYIN.sub("", s)
    s = s.translate(_LONG_DASHES).translate(_SHORT_DASHES).translate(_QUOTES)
    lines = []
    for line in s.split("\n"):
        line = _SPACES.sub(" ", line)
        line = _TIGHT_LEFT.sub("", line)
        line = _TIGHT_RIGHT.sub("", line)
        lines.append(line.strip(" "))
    return "\n".join(lines)


def strip_control(s: str) -> str:
    """Without control characters and lone surrogates (lxml refuses them; they carry nothing)."""
    return _CONTROL.sub("", s)


def compact(s: str | None) -> str:
    """normalize_text, then every whitespace removed: for matching labels."""
    return re.sub(r"\s+", "", normalize_text(s))


# --- Chinese numerals -------------------------------------------------------------------------
_DIGITS = {"零": 0, "〇": 0, "○": 0, "O": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3,
           "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8,
           "九": 9, "玖": 9}
_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG_UNITS = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
_NUMERAL_CHARS = set(_DIGITS) | set(_SMALL_UNITS) | set(_BIG_UNITS) | set("0123456789")
# No report counts past 10^16: larger numerals are garbage, not numbers.
_MAX_DIGITS = 17
_MAX_VALUE = 10**16


def chinese_number(s: str | None) -> int | None:
    """'零'→0, '十二'→12, '一百零五'→105, '两千'→2000, '二〇一八'→2018, '1万2千'→12000; else None."""
    if not s:
        return None
    s = unicodedata.normalize("NFKC", str(s)).strip()
    if not s or any(ch not in _NUMERAL_CHARS for ch in s):
        return None
    if not any(ch in _SMALL_UNITS or ch in _BIG_UNITS for ch in s):
        # A plain digit string, Chinese or Arabic: "二〇一八", "一〇五", "319". Longer than any
        # count is no number (and int() refuses strings of over 4300 digits).
        if len(s) > _MAX_DIGITS:
            return None
        return int("".join(str(_DIGITS[ch]) if ch in _DIGITS else ch for ch in s))
    total = section = 0
    number: int | None = None
    previous_digit = False
    for ch in s:
        if ch.isdigit() or ch in _DIGITS:
            value = int(ch) if ch.isdigit() else _DIGITS[ch]
            # Arabic digits run together ("12万"); Chinese digits do not ("三五" is malformed).
            number = number * 10 + value if (previous_digit and ch.isdigit() and number is not None) else value
            previous_digit = ch.isdigit()
            continue
        previous_digit = False
        if ch in _SMALL_UNITS:
            section += (1 if number is None else number) * _SMALL_UNITS[ch]
        else:
            unit = _BIG_UNITS[ch]
            section += number or 0
            if section == 0 and total == 0:
                return None  # "万" on its own
            if unit > 10_000:
                total = (total + section) * unit
            else:
                total += section * unit
            section = 0
        number = None
        if total > _MAX_VALUE or section > _MAX_VALUE:
            return None  # "九亿亿亿…": no count; unbounded it would grow past what str() prints
    value = total + section + (number or 0)
    return value if value <= _MAX_VALUE else None


# --- table cells ----------------------------------------------------------------------------
_UNIT_ALT = "|".join(map(re.escape, UNITS))
_CELL_NUMBER = re.compile(rf"^([+-]?)(\d{{1,3}}(?:,\d{{3}})+|\d+)(\.\d+)?\s*({_UNIT_ALT})?$")
_CELL_CHINESE = re.compile(rf"^([零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟]+)\s*({_UNIT_ALT})?$")


def as_number(text: str, fraction: str | None = None) -> int | float:
    value = float(text.replace(",", "") + (fraction or ""))
    return int(value) if value.is_integer() and not fraction else value


def parse_cell(s: str | None) -> tuple[int | float | None, str | None]:
    """A table cell → (value, unit). Zero markers → 0; blank → (None, None) meaning absent.

    '251000元' → (251000, '元'), '12.5万元' → (12.5, '万元'), '+173' → 173, '-2' → -2,
    '十二' → 12. Text that is not a number also gives (None, None).
    """
    if s is None:
        return None, None
    return _parse_cell(str(s))


@lru_cache(maxsize=65536)
def _parse_cell(s: str) -> tuple[int | float | None, str | None]:
    text = normalize_text(s)
    text = re.sub(r"\s+", "", text)
    if not text:
        return None, None
    if text in ZERO_MARKERS or text.translate(_LONG_DASHES) in ZERO_MARKERS:
        return 0, None
    match = _CELL_NUMBER.match(text)
    if match:
        sign, digits, fraction, unit = match.groups()
        value = as_number(digits, fraction)
        return (-value if sign == "-" else value), unit
    match = _CELL_CHINESE.match(text)
    if match:
        value = chinese_number(match.group(1))
        if value is not None:
            return value, match.group(2)
    return None, None


# --- dates ------------------------------------------------------------------------------------
_DATE = re.compile(r"((?:19|20)\d{2})\s*(?:年|-|/|\.)\s*(\d{1,2})\s*(?:月|-|/|\.)\s*(\d{1,2})\s*日?")
_COMPACT_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})(\d{1,2})(\d{1,2})(?!\d)")


def _iso(y: int, m: int, d: int) -> str | None:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def parse_date(s: str | None) -> str | None:
    """'2018-03-01 08:28', '2018年2月7日', '2018.3.1', '20180301' → ISO date; else None."""
    if not s:
        return None
    text = normalize_text(s)
    match = _DATE.search(text)
    if match:
        return _iso(*map(int, match.groups()))
    match = re.search(r"(?<!\d)((?:19|20)\d{2})(\d{2})(\d{2})(?!\d)", text)
    if match:
        return _iso(*map(int, match.groups()))
    return None


def repair_compact_date(s: str | None) -> str | None:
    """A date whose 年/月 were dropped ('2018301', '2021926'): accepted only when exactly one
    split of the digits is a real date, so nothing is guessed."""
    if not s:
        return None
    match = re.fullmatch(r"\s*\(?((?:19|20)\d{2})(\d{2,4})日?\)?\s*", normalize_text(s))
    if not match:
        return None
    year, rest = int(match.group(1)), match.group(2)
    candidates = {_iso(year, int(rest[:i]), int(rest[i:])) for i in range(1, len(rest))
                  if len(rest[:i]) <= 2 and len(rest[i:]) <= 2}
    candidates.discard(None)
    return candidates.pop() if len(candidates) == 1 else None


# --- HTML to text -----------------------------------------------------------------------------
_BLOCK_TAGS = frozenset({"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "section",
                         "article", "dd", "dt", "dl", "caption", "blockquote", "pre", "header", "footer",
                         "center", "form", "hr", "title"})
_DROP_TAGS = ("script", "style", "noscript", "template", "head", "iframe", "object", "svg")


def html_parser():
    """An lxml HTML parser with libxml2's huge-tree option: by default it stops at 256 nested
    elements (unclosed <span>/<font> tags pile up on CMS pages) and drops the rest of the page,
    tables included; with it the limit is 2048. A parser per call: lxml parsers are not thread-safe."""
    import lxml.html

    return lxml.html.HTMLParser(huge_tree=True)


def html_to_text(markup: str | None) -> str:
    """Body HTML → text lines. Table cells come one per line and rows are separated by a blank
    line; an empty cell stays an empty line (blank ≠ zero), like a report copied from a page."""
    if not markup or not str(markup).strip():
        return ""
    import lxml.etree
    import lxml.html

    markup = strip_control(str(markup))
    try:
        root = lxml.html.fromstring(markup, parser=html_parser())
    except (ValueError, lxml.etree.ParserError, TypeError):
        return re.sub(r"<[^>]*>", "\n", str(markup))
    for bad in root.iter(*_DROP_TAGS):
        bad.drop_tree() if bad.getparent() is not None else bad.clear()
    parts: list[str] = []

    def cell_text(cell) -> str:
        # A cell's own line breaks (<br> in headers) become spaces: one cell, one line.
        for br in cell.iter("br"):
            br.tail = " " + (br.tail or "")
        text = "".join(cell.itertext())
        return re.sub(r"\s+", " ", text).strip()

    def walk(element, depth: int = 0) -> None:
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if depth > 200:  # pathological nesting: flatten the rest
            parts.append(" ".join(element.itertext()))
            return
        if tag == "table":
            parts.append("\n")
            for row in element.iter("tr"):
                if _nearest_table(row) is not element:
                    continue  # nested tables are read with their own cell
                cells = [c for c in row if isinstance(c.tag, str) and c.tag.lower() in ("td", "th")]
                for position, cell in enumerate(cells):
                    if position:
                        parts.append("\n")
                    if _is_layout_cell(cell):
                        # A layout table's cell holds the page itself: read it as blocks.
                        walk(cell, depth + 1)
                    else:
                        parts.append(cell_text(cell))
                parts.append("\n\n")
            return
        if tag in _BLOCK_TAGS:
            parts.append("\n")
        if element.text and tag:
            parts.append(element.text)
        for child in element:
            walk(child, depth + 1)
            if child.tail:
                parts.append(child.tail)
        if tag in _BLOCK_TAGS:
            parts.append("\n")

    try:
        walk(root)
    except RecursionError:
        parts = [" ".join(root.itertext())]
    text = "".join(parts)
    if not text.strip():
        # lxml gives up on pathological markup (thousands of nested tags): keep the words anyway.
        text = re.sub(r"(?is)<(script|style|noscript)\b.*?(</\1\s*>|$)", "", str(markup))
        text = re.sub(r"<[^>]*>", "\n", text)
    text = re.sub(r"[ \t\u00a0]+\n", "\n", text)
    return re.sub(r"\n{4,}", "\n\n\n", text).strip("\n")


def _is_layout_cell(cell) -> bool:
    """A cell that wraps tables or several paragraphs of prose, not one value or label."""
    if cell.find(".//table") is not None:
        return True
    blocks = [e for e in cell.iter("p", "div", "li", "h1", "h2", "h3", "h4") if e is not cell]
    return len(blocks) >= 3 and len("".join(cell.itertext())) > 150


def _nearest_table(element):
    parent = element.getparent()
    while parent is not None and (not isinstance(parent.tag, str) or parent.tag.lower() != "table"):
        parent = parent.getparent()
    return parent
