"""DOCX: paragraphs and tables in body order with python-docx; merged cells keep their spans;
wide pictures (tables pasted as images) are OCR'd in place.

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
WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
EMU_PER_INCH = 914400
PICTURE_MIN_INCHES = 3.0  # narrower pictures are seals, logos and signatures


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


def pictures(paragraph, word) -> list[tuple[bytes, float]]:
    """Large pictures anchored in a paragraph (a table pasted as an image): (bytes, width in inches)."""
    found = []
    for drawing in paragraph.iter(f"{W}drawing"):
        extent = drawing.find(f".//{WP}extent")
        blip = drawing.find(f".//{A}blip")
        if extent is None or blip is None:
            continue
        inches = int(extent.get("cx", 0)) / EMU_PER_INCH
        part = word.part.related_parts.get(blip.get(f"{R}embed"))
        if inches >= PICTURE_MIN_INCHES and part is not None:
            found.append((part.blob, inches))
    return found


def ocr_picture(blob: bytes, inches: float, label: str, deadline: Deadline):
    """OCR items of one embedded picture and their confidence; ([], None) if it is no readable image."""
    from pipelines.documents import ocr

    try:
        image = ocr.load_image(blob)
    except ExtractionProblem:
        return [], None  # an EMF/WMF drawing or a broken image: nothing to read
    dpi = max(70, min(600, round(image.width / inches)))
    return ocr.ocr_items(image, deadline, label, dpi, whole_page=False)


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
    confidences: list[float] = []
    ocr_count = 0
    for child in word.element.body.iterchildren():
        deadline.check("reading the DOCX body")
        if child.tag == f"{W}p":
            document.paragraph(_text(child))
            for blob, inches in pictures(child, word):
                if ocr_count >= limits.max_ocr_pages:
                    break
                ocr_count += 1
                items, confidence = ocr_picture(blob, inches, f"picture {ocr_count}", deadline)
                document.write_items(items)
                if confidence is not None:
                    confidences.append(confidence)
        elif child.tag == f"{W}tbl":
            document.table(table_cells(child))
        elif child.tag == f"{W}sdt":  # content controls wrap ordinary paragraphs
            for paragraph in child.iter(f"{W}p"):
                document.paragraph(_text(paragraph))
    if document.empty:
        raise ExtractionProblem("empty", "the DOCX has no text")
    confidence = round(sum(confidences) / len(confidences), 1) if confidences else None
    return Extracted(filename="", html=document.html, text=document.text, pages=None,
                     method="ocr" if confidences else "text", confidence=confidence)
