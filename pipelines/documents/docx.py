"""DOCX: paragraphs and tables in body order with python-docx; merged cells keep their spans.

Word stores a horizontal merge as one <w:tc> with gridSpan=N, and a vertical merge as a
"restart" cell followed by "continue" cells in the rows below. The continue cells are folded
into the restart cell's rowspan, so each label appears once, as in the HTML template.
"""
from __future__ import annotations

import io

from pipelines.documents.limits import Deadline, ExtractionProblem, Limits
from pipelines.documents.output import Document, TableCell, join_cjk
from pipelines.documents.zipguard import check_zip

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _text(element) -> str:
    """Visible text of a paragraph or cell: w:t runs, tabs and breaks as spaces."""
    parts = []
    for node in element.iter(f"{W}t", f"{W}tab", f"{W}br", f"{W}p"):
        if node.tag == f"{W}t":
            parts.append(node.text or "")
        elif node.tag == f"{W}p" and parts:
            parts.append("\n")
        else:
            parts.append(" ")
    lines = "".join(parts).split("\n")
    return join_cjk([line for line in lines])


def table_cells(tbl) -> list[TableCell]:
    cells: list[TableCell] = []
    open_vertical: dict[int, TableCell] = {}  # grid column -> the restart cell above
    for r, tr in enumerate(tbl.iterchildren(f"{W}tr")):
        col = 0
        grid_before = tr.find(f"{W}trPr/{W}gridBefore")
        if grid_before is not None:
            col = int(grid_before.get(f"{W}val", 0))
        for tc in tr.iterchildren(f"{W}tc"):
            properties = tc.find(f"{W}tcPr")
            span, merge = 1, None
            if properties is not None:
                grid_span = properties.find(f"{W}gridSpan")
                if grid_span is not None:
                    span = int(grid_span.get(f"{W}val", 1))
                v_merge = properties.find(f"{W}vMerge")
                if v_merge is not None:
                    merge = v_merge.get(f"{W}val", "continue")
            if merge == "continue" and col in open_vertical:
                open_vertical[col].rowspan += 1
            else:
                cell = TableCell(_text(tc), r, col, 1, span)
                cells.append(cell)
                if merge == "restart":
                    open_vertical[col] = cell
                else:
                    open_vertical.pop(col, None)
            col += span
    return cells


def extract_docx(data: bytes, limits: Limits, deadline: Deadline):
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    from pipelines.documents import Extracted

    check_zip(data, limits, "DOCX")
    try:
        word = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError) as exc:
        raise ExtractionProblem("corrupt", f"corrupt DOCX: {exc}") from None
    document = Document()
    for child in word.element.body.iterchildren():
        deadline.check("reading the DOCX body")
        if child.tag == f"{W}p":
            document.paragraph(_text(child))
        elif child.tag == f"{W}tbl":
            document.table(table_cells(child))
        elif child.tag == f"{W}sdt":  # content controls wrap ordinary paragraphs
            for paragraph in child.iter(f"{W}p"):
                document.paragraph(_text(paragraph))
    if document.empty:
        raise ExtractionProblem("empty", "the DOCX has no text")
    return Extracted(filename="", html=document.html, text=document.text, pages=None)
