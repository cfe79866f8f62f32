"""Standard report tables 二, 三, 四 (2019 and 2021 templates) → METRICS.md keys.

    extract_standard(html, text) -> {"format", "metrics", "provenance", "errors"}

The tables are read as a stream of cells (table_grid), each label cell matched against the
template vocabulary (table_labels). Every number is placed by its row label *and* its column
label: a header opens a block and fixes the column order (by grid position when the cells come
from HTML, by reading order otherwise), each row label then takes the values that follow it.
The template (2019/2021) is decided from the labels seen, the 国办公开办函 citation breaking ties;
never from the year. Nothing here raises: what cannot be placed is reported in `errors`.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from pipelines.metrics import table_labels as labels
from pipelines.metrics.table_grid import Cell, Row, html_rows, text_rows
from pipelines.normalize import compact, html_to_text, parse_cell

TABLE3_COLUMN_ORDER = ("natural_person", "business", "research", "nonprofit", "legal_service", "other_org", "total")
TABLE3_COLUMN_NAMES = {"natural_person": "自然人", "business": "商业企业", "research": "科研机构",
                       "nonprofit": "社会公益组织", "legal_service": "法律服务机构", "other_org": "其他", "total": "总计"}
TABLE3_GROUP_CHILDREN = frozenset({"business", "research", "nonprofit", "legal_service", "other_org", "subtotal"})
TABLE4_BLOCKS = ("review", "litigation.direct", "litigation.after_review")
TABLE4_LEAVES = ("upheld", "corrected", "other", "pending", "total")
TABLE2_ALLOWED = {
    "rules": {"made", "published", "total", "issued", "repealed", "in_force"},
    "normative": {"made", "published", "total", "issued", "repealed", "in_force"},
    "licensing": {"previous", "change", "decisions"},
    "other_services": {"previous", "change", "decisions"},
    "penalty": {"previous", "change", "decisions"},
    "enforcement": {"previous", "change", "decisions"},
    "fees": {"previous", "change", "amount"},
    "procurement": {"projects", "amount"},
}
TABLE2_UNITS = {"made": "件", "published": "件", "total": "件", "issued": "件", "repealed": "件",
                "in_force": "件", "previous": "个", "change": "个", "decisions": "件", "projects": "个"}
# Columns that exist in one template only (REPORT_FORMAT.md §1.3).
TABLE2_COLUMN_TEMPLATE = {"made": 2019, "published": 2019, "total": 2019, "previous": 2019, "change": 2019,
                          "projects": 2019, "issued": 2021, "repealed": 2021, "in_force": 2021}
_NUMBER_TOKEN = r"(?:[+-]?\d[\d.,]*(?:万元|元)?|—|-)"
_MULTI_NUMBER = re.compile(rf"^{_NUMBER_TOKEN}(?:\s+{_NUMBER_TOKEN})+$")
# "— 3 —", "Page 4", "第 3 页", "P. 8": page numbers from PDF or flipbook text
_PAGE_FURNITURE = re.compile(r"^(?:[—-]\s*\d{1,3}\s*[—-]|第\s*\d{1,3}\s*页|Page\s*\d+\b.*|P\.\s*\d{1,3})$", re.I)
# "三、本年度办理结果 (一)予以公开": two labels on one line, split before the second numbering
_NUMBERED_PARTS = re.compile(r"(?<=[\u4e00-\u9fff)])\s*(?<!第)(?=\([一二三四五六七八九十]+\)|\(\d{1,2}\)|\d{1,2}\.\D)")
_LABEL_THEN_NUMBERS = re.compile(rf"^(?P<label>.*?[^\d\s+\-—.,])\s*(?P<numbers>{_NUMBER_TOKEN}(?:\s+{_NUMBER_TOKEN})*)$")
_CHANGE_IN_WORDS = re.compile(r"^(?:(增加|新增|增|减少|减)(\d{1,12})(个|项)?|持平|不变|无变化)$")
_UNIT_IN_HEADER = re.compile(r"单位\W?(万元|元)|\((万元|元)\)")
SECTION = {2: "二", 3: "三", 4: "四"}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    pos: int | None = None
    unit: str | None = None


@dataclass(frozen=True)
class Value:
    number: int | float | None
    unit: str | None
    text: str
    col: int | None
    gap: bool = False  # an empty line of plain text: a blank cell, or only the end of a row


@dataclass
class _Reader:
    """One pass over the cells. State: which table is open, its header block, the row being read
    and the values seen since its label; `flush` places those values when the row ends."""

    metrics: dict = field(default_factory=dict)
    provenance: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    votes: Counter = field(default_factory=Counter)
    table: int | None = None
    header_open: bool = False  # the last label cells were column headers
    header: list = field(default_factory=list)  # raw header entries of the open block
    columns: list | None = None  # resolved columns of the current block
    groups: list = field(default_factory=list)  # table 四 block headers (key, label, pos, span)
    rows_started: bool = False  # table 三: past the header, reading rows
    parent: str | None = None  # table 三: the (三)/(四)/(五)/(六) a numbered row sits under
    parent_label: str = ""
    row_key: str | None = None
    row_label: str = ""
    values: list = field(default_factory=list)
    fragment: Cell | None = None  # an unknown short label that may be the first half of a header

    # --- stream -------------------------------------------------------------------------------
    def read(self, rows: list[Row]) -> None:
        for row in rows:
            cells = _split_cells(row.cells)
            if row.bounded and any(_is_label(c.text) for c in cells):
                # leading empty cells of a labelled row are layout filler, not blank values
                while cells and not cells[0].text:
                    cells = cells[1:]
            for cell in cells:
                self.cell(cell, row.bounded)
            if row.bounded:
                self.flush()
        self.flush()

    def cell(self, cell: Cell, bounded: bool) -> None:
        if not cell.text or not _is_label(cell.text):
            number, unit = _parse_value(cell.text) if cell.text else (None, None)
            self.values.append(Value(number, unit, cell.text, cell.col, gap=not bounded and not cell.text))
            self.fragment = None
            if cell.text:  # blank filler cells inside a header do not end it
                self.header_open = False
            if not bounded and self.table == 4 and self.header:
                # text has no row ends: table 四's one data row ends when every column has a cell
                if self.columns is None:
                    self.columns = self._table4_columns()
                # (an empty line before the first cell only ended the header row)
                leading_gap = 1 if self.values[0].gap else 0
                if self.columns and len(self.values) - leading_gap >= len(self.columns):
                    self.flush()
            return
        self.label(cell)

    # --- labels -------------------------------------------------------------------------------
    def label(self, cell: Cell) -> None:
        if self._completes_cut_header(cell):
            return
        if self._known_label(cell):
            self.fragment = None
            return
        # A header split over two lines ("本年新" / "制作数量", "商业" / "企业"): try it joined.
        fragment, self.fragment = self.fragment, None
        if fragment is not None and not self.values:
            joined = Cell(fragment.text + cell.text, fragment.col, fragment.span)
            if self._known_label(joined):
                return
        if len(labels.squash(cell.text)) <= 6:
            self.fragment = cell
        self.unknown_label()

    def _completes_cut_header(self, cell: Cell) -> bool:
        """'本年新' then '制作数量' on the next line: one header, not a cut one and a stray."""
        if self.table != 2 or not self.header_open or not self.header or isinstance(self.header[-1][0], str) \
                or labels.match(cell.text, labels.TABLE2_COLUMNS, strict=True):
            return False
        _, text, pos, span = self.header[-1]
        column = labels.match(text + cell.text, labels.TABLE2_COLUMNS)
        if column is None:
            return False
        self.header[-1] = (column, text + cell.text, pos, span)
        return True

    def _known_label(self, cell: Cell) -> bool:
        text = cell.text
        if self.table == 3 and self._table3_label(cell):
            return True
        if self.table == 4 and self._table4_label(cell):
            return True
        if self.table == 2 and self._table2_label(cell):
            return True
        # Not part of the open table: does it open another one?
        t2_row = labels.match(text, labels.TABLE2_ROWS, strict=True)
        if t2_row in ("caption", "header") or labels.match(text, labels.TABLE2_COLUMNS, strict=True):
            self.open(2)
            self._table2_label(cell)
            return True
        t3_col = labels.match(text, labels.TABLE3_COLUMNS, strict=True)
        t3_row = labels.match(text, labels.TABLE3_ROWS, strict=True)
        if t3_col in ("header", "natural_person", "group") or t3_row in ("new", "carried_over"):
            self.open(3)
            self._table3_label(cell)
            return True
        if labels.match(text, labels.TABLE4_GROUPS, strict=True) in ("review", "litigation"):
            self.open(4)
            self._table4_label(cell)
            return True
        return False

    def unknown_label(self) -> None:
        # A label nobody knows ends a row that has its values; before them it is a wrapped line.
        if any(v.number is not None for v in self.values):
            self.flush()
            self.row_key = None

    def open(self, table: int) -> None:
        self.flush()
        self.table, self.header, self.columns, self.groups = table, [], None, []
        self.header_open, self.rows_started, self.parent, self.row_key = False, False, None, None

    def start_row(self, key: str | None, text: str) -> None:
        if self.values:
            self.flush()
        self.row_key, self.row_label, self.header_open = key, text, False

    def add_header(self, key: str, cell: Cell) -> None:
        if self.values:
            self.flush()
        if not self.header_open:
            self.header, self.columns, self.row_key = [], None, None
        self.header_open = True
        self.header.append((key, cell.text, cell.col, cell.span))

    def _table2_label(self, cell: Cell) -> bool:
        row = labels.match(cell.text, labels.TABLE2_ROWS)
        if row in ("caption", "header"):
            self.flush()
            self.header, self.columns, self.row_key, self.header_open = [], None, None, True
            return True
        if row:
            if row == "normative" and "行政规范性文件" in compact(cell.text):
                self.votes[2021] += 1
            if row in ("other_services", "procurement"):
                self.votes[2019] += 1
            self.start_row(row, cell.text)
            return True
        column = labels.match(cell.text, labels.TABLE2_COLUMNS)
        if column:
            self.add_header(column, cell)
            return True
        cut = labels.truncations(cell.text, labels.TABLE2_COLUMNS) if self.header_open else ()
        if cut:
            self.add_header(cut, cell)  # resolved with the rest of the header, see _table2_columns
            return True
        return False

    def _table3_label(self, cell: Cell) -> bool:
        text = cell.text
        if not self.rows_started:
            column = labels.match(text, labels.TABLE3_COLUMNS)
            if column and not (column == "total" and labels.numbering(text)):
                if column != "header":
                    self.add_header(column, cell)
                return True
        row = labels.match(text, labels.TABLE3_ROWS)
        if row is None or (row == "other.other" and self.parent != "other"):
            return False
        if not self.rows_started:
            self.rows_started = True
            self.columns = self._table3_columns()
        if row.startswith("parent."):
            self.flush()
            self.parent, self.parent_label, self.row_key = row.removeprefix("parent."), text, None
            return True
        if row == "subtotal":
            self.start_row(None, text)
            return True
        if row == "other":
            self.parent, self.parent_label = "other", text
        if row in ("other.no_correction", "other.unpaid_fee", "other.other"):
            self.votes[2021] += 1
        under_parent = self.parent and row.startswith(self.parent + ".")
        self.start_row(row, f"{self.parent_label} {text}" if under_parent else text)
        return True

    def _table4_label(self, cell: Cell) -> bool:
        group = labels.match(cell.text, labels.TABLE4_GROUPS)
        if group:
            if self.values:
                self.flush()
            self.groups.append((group, cell.text, cell.col, cell.span))
            self.header_open, self.columns = True, None
            return True
        leaf = labels.match(cell.text, labels.TABLE4_COLUMNS)
        if leaf:
            if self.values:
                self.flush()
            self.header.append((leaf, cell.text, cell.col, cell.span))
            self.header_open, self.columns = True, None
            return True
        return False

    # --- columns ------------------------------------------------------------------------------
    def _table3_columns(self) -> list[Column]:
        entries = [e for e in self.header if e[0] != "group"]
        if not entries:
            return [Column(key, TABLE3_COLUMN_NAMES[key]) for key in TABLE3_COLUMN_ORDER]
        if all(pos is not None for _, _, pos, _ in entries):
            entries = sorted(entries, key=lambda e: e[2])
            return [Column(key, text, pos) for key, text, pos, _ in entries]
        # Reading order puts 总计 (rowspan 2) before the children of 法人或其他组织: put the
        # children where the group label stood, or right after 自然人 when it was lost.
        keys = [e[0] for e in self.header]
        children = [e for e in entries if e[0] in TABLE3_GROUP_CHILDREN]
        rest = [e for e in entries if e[0] not in TABLE3_GROUP_CHILDREN]
        if "group" in keys:
            at = sum(1 for k in keys[: keys.index("group")] if k not in TABLE3_GROUP_CHILDREN)
        else:
            at = 1 if rest and rest[0][0] == "natural_person" else 0
        ordered = rest[:at] + children + rest[at:]
        return [Column(key, text, pos) for key, text, pos, _ in ordered]

    def _table4_columns(self) -> list[Column]:
        blocks = [g for g in self.groups if g[0] != "litigation"]
        leaves = self.header
        if not leaves:
            # PDF text whose vertical headers came out one character per token ("结 结 其 尚 / 果 果 他
            # 未 …"): the template's fifteen columns are fixed, in the same order in 2019 and 2021.
            return [Column(f"{block}.{leaf}", f"{block} {leaf}") for block in TABLE4_BLOCKS for leaf in TABLE4_LEAVES]
        if leaves and all(pos is not None for _, _, pos, _ in leaves) and blocks \
                and all(g[2] is not None for g in blocks):
            columns = []
            for leaf, text, pos, _ in sorted(leaves, key=lambda e: e[2]):
                owner = next((g for g in blocks if g[2] <= pos < g[2] + g[3]), None)
                if owner is None:
                    break
                columns.append(Column(f"{owner[0]}.{leaf}", f"{owner[1]} {text}", pos))
            else:
                return columns
        order = [g[0] for g in blocks] or list(TABLE4_BLOCKS)
        names = {g[0]: g[1] for g in blocks}
        columns, block, seen = [], 0, set()
        for leaf, text, _, _ in leaves:
            if leaf in seen:
                block, seen = block + 1, set()
            seen.add(leaf)
            if block >= len(order):
                self.errors.append(f"表四: more column blocks than headers ({text})")
                break
            columns.append(Column(f"{order[block]}.{leaf}", f"{names.get(order[block], order[block])} {text}"))
        return columns

    def _table2_columns(self) -> list[Column]:
        # A header cut short ("本年新 | 本年新" [weishan]) fits several columns: it takes the first,
        # in template order, that no other header of the block has taken.
        taken = {key for key, *_ in self.header if isinstance(key, str)}
        header = []
        for key, text, pos, span in self.header:
            if not isinstance(key, str):
                key = next((k for k in key if k not in taken), key[0])
                taken.add(key)
                text = f"{text}…"
            header.append((key, text, pos, span))
        columns = []
        for key, text, pos, _ in header:
            unit_match = _UNIT_IN_HEADER.search(compact(text))
            unit = (unit_match.group(1) or unit_match.group(2)) if unit_match else TABLE2_UNITS.get(key)
            if key == "amount" and "收费金额" in compact(text):
                unit = unit or "万元"
                self.votes[2021] += 1
            elif key == "amount":
                self.votes[2019] += 1
            elif key == "decisions":
                self.votes[2021 if "本年处理决定" in labels.squash(text) else 2019] += 0.5
            if key in TABLE2_COLUMN_TEMPLATE:
                self.votes[TABLE2_COLUMN_TEMPLATE[key]] += 1
            columns.append(Column(key, text, pos, unit))
        return columns

    # --- values -------------------------------------------------------------------------------
    def flush(self) -> None:
        values, self.values = self.values, []
        if not values or all(v.number is None for v in values) or self.table is None:
            return
        if self.table == 4:
            if self.columns is None and (self.header or self.groups):
                self.columns = self._table4_columns()
            self._place(values, self.columns or [], "", "行政复议/行政诉讼")
            self.table = None  # one data row per table 四
            return
        if self.row_key is None:
            return
        if self.table == 2:
            if self.columns is None:
                self.columns = self._table2_columns()
            self._place(values, self.columns, f"active.{self.row_key}.", self.row_label)
        elif self.table == 3:
            if self.columns is None:
                self.columns = self._table3_columns()
            if self.row_key == "other" and self.parent == "other":
                self.votes[2019] += 1
            self._place(values, self.columns, f"requests.{self.row_key}.", self.row_label)

    def _place(self, values: list[Value], columns: list[Column], prefix: str, row_label: str) -> None:
        section = SECTION[self.table]
        pairs = _pair(values, columns, leading_row_end=self.table == 4)
        if pairs is None:
            # without a header read, this is likely no standard table at all: stay quiet
            if self.header:
                shown = " ".join(v.text or "_" for v in values)
                self.errors.append(f"表{section} {row_label or '?'}: {len(values)} cells for "
                                   f"{len(columns)} columns ({shown}); row not read")
            return
        for column, value in pairs:
            if value.number is None or column.key == "subtotal":
                continue  # blank: absent, not zero; a 小计 column repeats its neighbours
            if self.table == 2 and column.key not in TABLE2_ALLOWED.get(self.row_key, ()):
                self.errors.append(f"表二 {row_label}: column {column.label} does not belong to this row")
                continue
            key = prefix + column.key
            if key in self.metrics:
                if self.metrics[key] != value.number:
                    self.errors.append(f"表{section} {key}: second value {value.text} ignored, kept {self.metrics[key]}")
                continue
            self.metrics[key] = value.number
            unit = value.unit or column.unit or (None if column.key == "amount" else "件")
            self.provenance[key] = {"unit": unit, "section": section, "source": "table",
                                    "snippet": f"{row_label} | {column.label} | {value.text}".strip(" |")}


def _is_label(text: str) -> bool:
    return bool(text) and _parse_value(text)[0] is None


def _parse_value(text: str) -> tuple[int | float | None, str | None]:
    """A cell's number: parse_cell, plus 本年增/减 written in words ("增加3", "减少1", "持平")."""
    number, unit = parse_cell(text)
    if number is None:
        change = _CHANGE_IN_WORDS.match(compact(text))
        if change:
            sign, digits, unit = change.groups()
            number = int(digits) * (-1 if sign.startswith("减") else 1) if digits else 0
    return number, unit


def _split_cells(cells: list[Cell]) -> list[Cell]:
    """Undo what PDF text does to a row: '0 0 0 0 0' in one cell is one number per column,
    '规章0 0 3' is a label and its numbers, '(三)不予公开1.属于国家秘密' two labels,
    '结果维持结果纠正…' several header cells; page numbers are dropped."""
    out = []
    for cell in cells:
        if cell.col is None and _PAGE_FURNITURE.match(cell.text):
            continue
        if _MULTI_NUMBER.match(cell.text):
            out.extend(Cell(part) for part in cell.text.split())
            continue
        if not cell.text:
            out.append(cell)
            continue
        if cell.col is not None:
            # an HTML cell holds one value or label, or a group label and its first item
            out.extend(Cell(part, cell.col, cell.span) for part in _NUMBERED_PARTS.split(cell.text) if part.strip())
            continue
        label, numbers = cell.text, []
        found = _LABEL_THEN_NUMBERS.match(cell.text)
        if found and not labels.is_prose(found["label"]) \
                and all(parse_cell(t)[0] is not None for t in found["numbers"].split()):
            label, numbers = found["label"], found["numbers"].split()
        words = labels.split_header_run(label) or _NUMBERED_PARTS.split(label)
        out.extend(Cell(w) for w in words if w.strip())
        out.extend(Cell(n) for n in numbers)
    return out


def _pair(values: list[Value], columns: list[Column], leading_row_end: bool = False) -> list[tuple[Column, Value]] | None:
    """Values of one row ↔ its columns, or None when they cannot be lined up without guessing."""
    if not columns:
        return None
    n = len(columns)
    values = list(values)
    if leading_row_end and values and values[0].gap:
        values.pop(0)  # plain text: the empty line that ended the header row before 表四's data
    # Blank extras at the ends are not data: filler cells after a label's colspan (bounded rows:
    # trim the front first) or the empty line that ends a row of plain text (trim the back first).
    ends = (-1, 0) if any(v.gap for v in values) else (0, -1)
    for end in ends:
        while len(values) > n and values[end].number is None:
            values.pop(end)
    if len(values) < n and _trailing_gaps(values) >= 2:
        # page text squeezes a run of empty lines (trailing blank cells, then the row end) into
        # two: the cells before them still line up from the first column
        values += [Value(None, None, "", None, gap=True)] * (n - len(values))
    if len(values) == n:
        return list(zip(columns, values))
    by_pos = {c.pos: c for c in columns if c.pos is not None}
    if by_pos and all(v.col in by_pos for v in values):
        return [(by_pos[v.col], v) for v in values]
    filled = [v for v in values if v.number is not None]
    if len(filled) == n:  # more cells than columns, the extras blank fillers between them
        return list(zip(columns, filled))
    return None


def _trailing_gaps(values: list[Value]) -> int:
    count = 0
    for v in reversed(values):
        if not v.gap:
            break
        count += 1
    return count


def _template(reader: _Reader, source: str) -> tuple[str | None, list[str]]:
    found = {k.split(".")[0] for k in reader.metrics}
    if not found & {"active", "requests", "review", "litigation"}:
        return None, []
    v19, v21 = reader.votes[2019], reader.votes[2021]
    if v19 != v21:
        return ("standard-2019" if v19 > v21 else "standard-2021"), []
    plain = compact(source)
    cites19, cites21 = labels.TEMPLATE_2019_CITATION.search(plain), labels.TEMPLATE_2021_CITATION.search(plain)
    if cites21 and not cites19:
        return "standard-2021", []
    if cites19 and not cites21:
        return "standard-2019", []
    return "standard-2019", ["template undetermined (no 2019/2021 labels or citation); assumed 2019"]


def _derive_headlines(metrics: dict, provenance: dict) -> None:
    direct, after = metrics.get("litigation.direct.total"), metrics.get("litigation.after_review.total")
    if direct is not None and after is not None and "litigation.total" not in metrics:
        metrics["litigation.total"] = direct + after
        provenance["litigation.total"] = {
            "unit": "件", "section": "四", "source": "table",
            "snippet": f"未经复议直接起诉 总计 {direct} + 复议后起诉 总计 {after}"}


def _header_fragments(row: Row) -> list[int]:
    """Indexes of the cells of a table 三 header row that are no header yet ('商业' of 商业企业)."""
    return [i for i, c in enumerate(row.cells) if c.text and _is_label(c.text) and len(labels.squash(c.text)) <= 4
            and labels.match(c.text, labels.TABLE3_COLUMNS) is None]


def _join_split_header_rows(rows: list[Row]) -> list[Row]:
    """A header row wrapped onto a second text row ('商业 | 科研 | 社会公益组织 |' then '企业 | 机构 |'):
    the second row's cells complete the first row's fragments, in order, when every join is a header."""
    out: list[Row] = []
    for row in rows:
        previous = out[-1] if out and out[-1].bounded and row.bounded else None
        cells = [c for c in row.cells if c.text]
        if previous is not None and cells and all(_is_label(c.text) and len(labels.squash(c.text)) <= 4 for c in cells):
            fragments = _header_fragments(previous)
            if len(fragments) == len(cells):
                joined = [previous.cells[i].text + cell.text for i, cell in zip(fragments, cells)]
                if all(labels.match(text, labels.TABLE3_COLUMNS, strict=True) for text in joined):
                    merged = list(previous.cells)
                    for i, text in zip(fragments, joined):
                        merged[i] = Cell(text, merged[i].col, merged[i].span)
                    out[-1] = Row(merged, bounded=True)
                    continue
        out.append(row)
    return out


def _read(rows: list[Row], source: str) -> dict:
    reader = _Reader()
    reader.read(_join_split_header_rows(rows))
    fmt, notes = _template(reader, source)
    _derive_headlines(reader.metrics, reader.provenance)
    return {"format": fmt, "metrics": reader.metrics, "provenance": reader.provenance,
            "errors": reader.errors + notes}


def extract_standard(html: str | None = None, text: str | None = None) -> dict:
    """Tables 二/三/四 of a standard-format report, from the page HTML or from linearised text."""
    empty = {"format": None, "metrics": {}, "provenance": {}, "errors": []}
    try:
        if html:
            result = _read(html_rows(html), html)
            if result["format"] is None:
                # no table markup holds the tables: they may be text inside <p>s
                result = _read(text_rows(html_to_text(html)), html)
            if result["format"] is not None or not text:
                return result
        if text:
            return _read(text_rows(text), text)
        return empty
    except Exception as exc:  # a malformed page must not stop the report's other metrics
        return {**empty, "errors": [f"standard tables not read: {type(exc).__name__}: {exc}"]}
