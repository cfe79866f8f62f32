"""Build one document's html and text the same way for every format.

Paragraphs become <p>, tables <table><tr><td> with rowspan/colspan, in reading order, so the
parser's HTML table reader sees an attachment exactly like a detail page. The text form keeps
one table row per line, cells separated by tabs.
"""
from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field

# CJK ideographs and full-width punctuation: no space belongs between two of these.
_CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef“”‘’"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])[ \t]+(?=[{_CJK}])")


def join_cjk(parts: list[str]) -> str:
    """Join wrapped pieces of a line or cell. Chinese wraps anywhere, so pieces join directly;
    a space goes only between two Latin letters/digits ("Page 8", "46 5" in OCR rows)."""
    out = ""
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if out and out[-1].isascii() and out[-1].isalnum() and part[0].isascii() and part[0].isalnum():
            out += " "
        out += part
    return out


def tidy_cjk_spacing(text: str) -> str:
    """Drop the spaces PDF and OCR text puts between Chinese characters."""
    return _SPACE_BETWEEN_CJK.sub("", text)


# PDF fonts often map 人/工/子 ... to Kangxi radicals (U+2F00-) or compatibility ideographs
# (U+F900-): same look, different code point, so labels stop matching. NFKC of just those.
_LOOKALIKE_IDEOGRAPHS = re.compile("[\u2e80-\u2fdf\uf900-\ufaff]")


def fix_ideographs(text: str) -> str:
    return _LOOKALIKE_IDEOGRAPHS.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)


@dataclass
class TableCell:
    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1


@dataclass
class Document:
    """Collects paragraphs and tables in reading order."""

    html_parts: list[str] = field(default_factory=list)
    text_parts: list[str] = field(default_factory=list)
    content_count: int = 0  # paragraphs and tables; markers are not content

    def paragraph(self, text: str) -> None:
        text = fix_ideographs(text.strip())
        if text:
            self.html_parts.append(f"<p>{html.escape(text)}</p>")
            self.text_parts.append(text)
            self.content_count += 1

    def marker(self, html_comment: str, text_line: str) -> None:
        """A note about provenance (e.g. OCR) that is not report content."""
        self.html_parts.append(f"<!-- {html.escape(html_comment)} -->")
        self.text_parts.append(text_line)

    def table(self, cells: list[TableCell], attrs: str = "") -> None:
        if not cells:
            return
        rows: dict[int, list[TableCell]] = {}
        for cell in cells:
            rows.setdefault(cell.row, []).append(cell)
        html_rows, text_rows = [], []
        for row_number in range(max(rows) + 1):
            row = sorted(rows.get(row_number, []), key=lambda c: c.col)
            tds = []
            for cell in row:
                cell.text = fix_ideographs(cell.text)
                span = (f' rowspan="{cell.rowspan}"' if cell.rowspan > 1 else "") + (
                    f' colspan="{cell.colspan}"' if cell.colspan > 1 else "")
                tds.append(f"<td{span}>{html.escape(cell.text)}</td>")
            html_rows.append("<tr>" + "".join(tds) + "</tr>")
            text_rows.append("\t".join(cell.text for cell in row))
        self.html_parts.append(f"<table{attrs}>" + "".join(html_rows) + "</table>")
        self.text_parts.append("\n".join(text_rows))
        self.content_count += 1

    def write_items(self, items: list[tuple[float, str, object]]) -> None:
        """Emit (top, kind, content) items of one page in reading order. kind: "p" (text),
        "table" / "ocr-table" (cells), "marker" ((html comment, text line))."""
        for _top, kind, content in sorted(items, key=lambda item: item[0]):
            if kind == "p":
                self.paragraph(content)
            elif kind == "marker":
                self.marker(*content)
            else:
                self.table(content, attrs=' data-ocr="true"' if kind == "ocr-table" else "")

    @property
    def html(self) -> str:
        return "<html><body>\n" + "\n".join(self.html_parts) + "\n</body></html>"

    @property
    def text(self) -> str:
        return "\n".join(self.text_parts)

    @property
    def empty(self) -> bool:
        return self.content_count == 0


def cells_from_grid(grid: list[list[str]], merges: list[tuple[int, int, int, int]] = ()) -> list[TableCell]:
    """Cells of a value grid plus merged ranges (row0, col0, row1, col1 inclusive, 0-based)."""
    covered: set[tuple[int, int]] = set()
    cells = []
    anchors = {(r0, c0): (r1 - r0 + 1, c1 - c0 + 1) for r0, c0, r1, c1 in merges}
    for r0, c0, r1, c1 in merges:
        covered.update((r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1) if (r, c) != (r0, c0))
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            if (r, c) in covered:
                continue
            rowspan, colspan = anchors.get((r, c), (1, 1))
            cells.append(TableCell(value, r, c, rowspan, colspan))
    return cells


def drop_empty_edges(grid: list[list[str]]) -> list[list[str]]:
    """Trim wholly empty trailing rows and columns (spreadsheets report a used range too large)."""
    while grid and not any(v.strip() for v in grid[-1]):
        grid.pop()
    width = max((len(row) for row in grid), default=0)
    while width and not any(len(row) >= width and row[width - 1].strip() for row in grid):
        width -= 1
    return [row[:width] + [""] * (width - len(row)) for row in grid]
