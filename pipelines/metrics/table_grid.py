"""HTML tables or linearised text → rows of cells, the input of the standard-table reader.

A row is a list of `Cell`s. Rows from HTML `<tr>`s, `|`-separated lines, tab-separated lines
(attachment text) and tab-indented copies (one cell per line, a blank line ends the row, as in
../shared/seeds/003) are *bounded*: their blank cells are known. Plain one-cell-per-line text has
no row boundaries (an empty line is a blank cell or a row end), so each line becomes its own
unbounded row and the reader groups cells by their labels instead. Some page-to-text tools end
every cell line with a pipe ("规章 |") and put runs of blank cells on lines of pipes only ("||||");
their blanks are not in column order, so such a copy is read as plain one-cell-per-line text.
A copy with an empty line after every line ("double-spaced") has its separator lines dropped first.

HTML cells carry their grid column (after rowspan/colspan), so merged headers can be resolved
by position; text cells have `col=None`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipelines.normalize import html_parser, normalize_text


@dataclass(frozen=True)
class Cell:
    text: str
    col: int | None = None
    span: int = 1


@dataclass
class Row:
    cells: list[Cell] = field(default_factory=list)
    bounded: bool = True  # False: a line of plain text, whose row ends are not known


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", normalize_text(text)).strip()


# --- HTML -------------------------------------------------------------------------------------
# Columns of one grid row at most (the widest report table, 表四, has 15 + 2 label columns).
MAX_GRID_COLUMNS = 500


def _span(element, name: str, limit: int) -> int:
    try:
        return max(1, min(int(str(element.get(name, "1")).strip() or 1), limit))
    except ValueError:
        return 1


def _cell_text(cell) -> str:
    # <br> and <p> inside a cell ("商业<br>企业") must not glue words to the next text node.
    for br in cell.iter("br"):
        br.tail = " " + (br.tail or "")
    for block in cell.iter("p", "div"):
        block.tail = " " + (block.tail or "")
    return _clean("".join(cell.itertext()))


def _own_rows(table) -> list:
    rows = []
    for tr in table.iter("tr"):
        parent = tr.getparent()
        while parent is not None and parent.tag != "table":
            parent = parent.getparent()
        if parent is table:
            rows.append(tr)
    return rows


def html_rows(markup: str) -> list[Row]:
    """Every innermost `<table>` in document order → bounded rows with grid columns."""
    import lxml.etree
    import lxml.html

    try:
        # an XML declaration with an encoding makes lxml refuse a str
        root = lxml.html.fromstring(re.sub(r"^\s*<\?xml[^>]*>", "", markup), parser=html_parser())
    except (ValueError, lxml.etree.ParserError, TypeError):
        return []
    rows: list[Row] = []
    tables = [t for t in root.iter("table") if not any(True for _ in t.iterdescendants("table"))]
    for table in tables:
        # column -> first row no longer covered by a rowspan from above (cost per cell: its colspan)
        covered_until: dict[int, int] = {}
        for r, tr in enumerate(_own_rows(table)):
            col = 0
            row = Row()
            for td in tr:
                if not isinstance(td.tag, str) or td.tag.lower() not in ("td", "th"):
                    continue
                while covered_until.get(col, 0) > r:
                    col += 1
                if col >= MAX_GRID_COLUMNS:
                    break  # spans pushed the row past any real table's width: its rest is junk
                # capped: a report table is never that large, a broken page may claim so
                colspan, rowspan = _span(td, "colspan", 60), _span(td, "rowspan", 100)
                for dc in range(colspan):
                    covered_until[col + dc] = max(covered_until.get(col + dc, 0), r + rowspan)
                row.cells.append(Cell(_cell_text(td), col, colspan))
                col += colspan
            if row.cells:
                rows.append(row)
    return rows


# --- text -------------------------------------------------------------------------------------
# (the lookahead keeps it linear: "[^|]*[^|\s][^|]*" backtracks quadratically on a long line)
_CELL_THEN_PIPE = re.compile(r"^(?=[^|]*[^|\s])[^|]*\|\s*$")
_PIPES_ONLY = re.compile(r"^\s*\|[|\s]*$")


def _pipe_per_cell(lines: list[str]) -> bool:
    """One cell per line, each closed by a pipe: most pipe-bearing lines are 'cell |' or pipes only."""
    single = sum(1 for line in lines if _CELL_THEN_PIPE.match(line))
    piped = sum(1 for line in lines if "|" in line)
    return single >= 8 and single + sum(1 for line in lines if _PIPES_ONLY.match(line)) >= 0.9 * piped


def _double_spaced(lines: list[str]) -> bool:
    """Every line followed by an empty one (a copy that puts a blank line after each cell): then one
    empty line separates cells and only a longer run stands for blank cells."""
    filled = [bool(line.strip()) for line in lines]
    adjacent = sum(1 for a, b in zip(filled, filled[1:]) if a and b)
    return sum(filled) >= 20 and adjacent <= 0.05 * sum(filled)


def _undouble(lines: list[str]) -> list[str]:
    """Drop the separator lines of double-spaced text: a run of 2k+1 empty lines is k blank cells."""
    out, run = [], 0
    for line in lines + ["end"]:
        if not line.strip():
            run += 1
            continue
        out += [""] * ((run - 1) // 2) if run else []
        out.append(line)
        run = 0
    return out[:-1]


def text_rows(text: str) -> list[Row]:
    """Linearised text → rows. See the module docstring for the layouts understood."""
    rows: list[Row] = []
    tab_row: list[list[str]] | None = None  # the open tab row: each cell's lines
    lines = normalize_text(text).split("\n")
    if _double_spaced(lines):
        lines = _undouble(lines)
    if _pipe_per_cell(lines):
        lines = ["" if _PIPES_ONLY.match(line) else line.rstrip().rstrip("|") if _CELL_THEN_PIPE.match(line) else line
                 for line in lines]
    for raw in lines:
        if tab_row is not None and not raw.strip(" "):  # "\t" alone is a blank cell, "" ends the row
            rows.append(_tab_row(tab_row))
            tab_row = None
            continue
        if "\t" in raw.strip("\t") or raw.count("\t") > 1:
            # a row with its cells tab-separated (attachment text): blanks are explicit
            rows.append(Row([Cell(_clean(part)) for part in raw.split("\t")], bounded=True))
            continue
        if raw.startswith("\t"):
            if tab_row is None:
                tab_row = []
            tab_row.append([raw])
            continue
        if tab_row is not None:
            # A line without the tab inside a tab row continues the previous cell's text.
            tab_row[-1].append(raw)
            continue
        if "|" in raw:
            parts = raw.split("|")
            if raw.strip().startswith("|"):
                parts = parts[1:]
            if raw.strip().endswith("|"):
                parts = parts[:-1]
            if parts:
                rows.append(Row([Cell(_clean(p)) for p in parts], bounded=True))
            continue
        line = _clean(raw)
        # an empty line is a blank cell, or the end of a row: the reader tells them apart
        rows.append(Row([Cell(line)], bounded=False))
    if tab_row is not None:
        rows.append(_tab_row(tab_row))
    return rows


def _tab_row(cells: list[list[str]]) -> Row:
    """A tab row's cells, each cleaned once with its continuation lines (cleaning the growing cell
    at every line was quadratic: seconds for a cell continued over a thousand lines)."""
    return Row([Cell(_clean(" ".join(lines))) for lines in cells])
