"""PDF: text and ruled tables with pdfplumber, in reading order; image-only pages go to OCR.

Each page gives paragraphs (wrapped lines joined back) and tables (grid rebuilt from the cell
boxes, so merged cells keep their rowspan/colspan), sorted by their top. Page furniture —
"— 3 —", "第 2 页 共 9 页", "Page 8 - <title>" — is dropped. A table split over two pages is
emitted as two tables; the parser joins them.
"""
from __future__ import annotations

import bisect
import io

from pipelines.documents.limits import Deadline, ExtractionProblem, Limits
from pipelines.documents.layout import body_lines, paragraphs, right_margin_edge
from pipelines.documents.output import Document, TableCell, join_cjk, tidy_cjk_spacing

TEXT_LAYER_MIN_CHARS = 5
UNDECODABLE_SHARE = 0.3  # of a page's chars
PICTURE_SHARE = 0.04  # of the page area, and PICTURE_WIDTH of its width: a pasted table is wide,
PICTURE_WIDTH = 0.4  # a seal or a logo is small and square


# --- tables -------------------------------------------------------------------------------------
def _cluster(values: list[float], tolerance: float = 2.0) -> list[float]:
    out: list[float] = []
    for value in sorted(values):
        if not out or value - out[-1] > tolerance:
            out.append(value)
    return out


def _index(edges: list[float], value: float) -> int:
    """The edge nearest to value."""
    i = bisect.bisect_left(edges, value)
    if i == 0:
        return 0
    if i == len(edges):
        return len(edges) - 1
    return i if edges[i] - value < value - edges[i - 1] else i - 1


def _text_of_chars(chars: list[dict]) -> str:
    """Chars of one cell → its text: lines by top, chars by x; wrapped lines joined."""
    lines: list[list[dict]] = []
    for char in sorted(chars, key=lambda c: (round(c["top"]), c["x0"])):
        if lines and abs(lines[-1][0]["top"] - char["top"]) < max(2.0, char["size"] * 0.4):
            lines[-1].append(char)
        else:
            lines.append([char])
    texts = []
    for line in lines:
        line.sort(key=lambda c: c["x0"])
        text, last_x1 = "", None
        for char in line:
            if last_x1 is not None and char["x0"] - last_x1 > char["size"] * 0.3:
                text += " "
            text += char["text"]
            last_x1 = char["x1"]
        texts.append(text)
    return tidy_cjk_spacing(join_cjk(texts))


def table_cells(table, chars: list[dict]) -> list[TableCell]:
    """Rebuild the grid of a pdfplumber table from its cell boxes; chars are assigned by centre."""
    xs = _cluster([x for cell in table.cells for x in (cell[0], cell[2])])
    ys = _cluster([y for cell in table.cells for y in (cell[1], cell[3])])
    placed: list[TableCell] = []
    owner: dict[tuple[int, int], int] = {}
    for x0, top, x1, bottom in table.cells:
        c0, c1, r0, r1 = _index(xs, x0), _index(xs, x1), _index(ys, top), _index(ys, bottom)
        if c1 <= c0 or r1 <= r0:
            continue
        for r in range(r0, r1):
            for c in range(c0, c1):
                owner.setdefault((r, c), len(placed))
        placed.append(TableCell("", r0, c0, r1 - r0, c1 - c0))
    texts: dict[int, list[dict]] = {}
    for char in chars:
        cx, cy = (char["x0"] + char["x1"]) / 2, (char["top"] + char["bottom"]) / 2
        c, r = bisect.bisect_right(xs, cx) - 1, bisect.bisect_right(ys, cy) - 1
        if (r, c) in owner:
            texts.setdefault(owner[(r, c)], []).append(char)
    for number, cell_chars in texts.items():
        placed[number].text = _text_of_chars(cell_chars)
    # grid positions no box covers (a missing ruling) become empty cells, so rows stay aligned
    for r in range(len(ys) - 1):
        for c in range(len(xs) - 1):
            if (r, c) not in owner:
                placed.append(TableCell("", r, c))
    return placed


def read_text_page(page) -> list[tuple[float, str, object]]:
    """Paragraphs and ruled tables of a page with a text layer, as (top, kind, content) items."""
    # a frame drawn round the page or round a paragraph is a one-cell "table": keep it as text
    found = [t for t in page.find_tables() if len(t.rows) >= 2 and len(t.cells) >= 2]
    boxes = [t.bbox for t in found]

    def outside(obj) -> bool:
        cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)

    body = body_lines(page.filter(outside).extract_text_lines(return_chars=False), float(page.height))
    right_edge = right_margin_edge(body, float(page.width))
    items: list[tuple[float, str, object]] = [(top, "p", text) for top, text in paragraphs(body, right_edge)]
    for table in found:
        inside = [c for c in page.chars if table.bbox[0] <= (c["x0"] + c["x1"]) / 2 <= table.bbox[2]
                  and table.bbox[1] <= (c["top"] + c["bottom"]) / 2 <= table.bbox[3]]
        items.append((table.bbox[1], "table", table_cells(table, inside)))
    return items


def text_layer_state(page) -> str:
    """"usable", "none", or "undecodable": fonts without a Unicode map give "(cid:123)" or
    private-use characters, which only OCR can read."""
    chars = page.chars
    if len(chars) < TEXT_LAYER_MIN_CHARS:
        return "none"
    bad = sum(1 for c in chars if c["text"].startswith("(cid:") or c["text"] == "\ufffd"
              or "\ue000" <= c["text"][:1] <= "\uf8ff")
    return "undecodable" if bad > len(chars) * UNDECODABLE_SHARE else "usable"


def picture_regions(page) -> list[tuple[float, float, float, float]]:
    """Large images on a page with a text layer (a table pasted as a picture), with no text
    over them (a scan with an invisible OCR layer is already text)."""
    regions = []
    page_area = float(page.width) * float(page.height)
    for image in page.images:
        x0, top, x1, bottom = (max(0.0, image["x0"]), max(0.0, image["top"]),
                               min(float(page.width), image["x1"]), min(float(page.height), image["bottom"]))
        if (x1 - x0) * (bottom - top) < page_area * PICTURE_SHARE or x1 - x0 < float(page.width) * PICTURE_WIDTH:
            continue
        covered = sum(1 for c in page.chars if x0 <= c["x0"] <= x1 and top <= c["top"] <= bottom)
        if covered < TEXT_LAYER_MIN_CHARS:
            regions.append((x0, top, x1, bottom))
    return regions


# --- the document ---------------------------------------------------------------------------------------
def open_pdf(data: bytes):
    import pdfplumber
    from pdfplumber.utils.exceptions import PdfminerException

    try:
        return pdfplumber.open(io.BytesIO(data))
    except PdfminerException as exc:
        raise _problem(exc.args[0] if exc.args else exc) from None
    except Exception as exc:  # pdfminer raises many unrelated types on broken files
        raise _problem(exc) from None


def _problem(cause) -> ExtractionProblem:
    name = type(cause).__name__
    if "Password" in name or "Encrypt" in name:
        return ExtractionProblem("encrypted", f"encrypted PDF: a password is needed to open it ({name})")
    detail = str(cause) or name
    if name == "PSEOF":
        detail = "unexpected end of file (truncated download?)"
    return ExtractionProblem("corrupt", f"corrupt PDF: {detail}")


def ocr_page(data: bytes, number: int, pictures, whole_page: bool, limits: Limits, deadline: Deadline,
             confidences: list[float]) -> list[tuple[float, str, object]]:
    """OCR items (tops in PDF points) of a whole page or of the pictures on it."""
    from pipelines.documents import ocr

    image, scale = ocr.render_pdf_page(data, number - 1, limits.ocr_dpi)
    regions = [(0.0, 0.0, image.width / scale, image.height / scale)] if whole_page else pictures
    items = []
    for index, (x0, top, x1, bottom) in enumerate(regions, start=1):
        crop = image if whole_page else image.crop((int(x0 * scale), int(top * scale), int(x1 * scale), int(bottom * scale)))
        label = f"page {number}" if whole_page else f"page {number} picture {index}"
        found, confidence = ocr.ocr_items(crop, deadline, label, round(scale * 72), whole_page)
        items.extend((top + position / scale, kind, content) for position, kind, content in found)
        if confidence is not None:
            confidences.append(confidence)
    return items


def extract_pdf(data: bytes, limits: Limits, deadline: Deadline):
    from pipelines.documents import Extracted

    pdf = open_pdf(data)
    document = Document()
    notes: list[str] = []
    confidences: list[float] = []
    ocr_pages = 0
    try:
        try:
            total = len(pdf.pages)
        except Exception as exc:
            raise _problem(exc) from None
        if total == 0:
            raise ExtractionProblem("corrupt", "corrupt PDF: no pages")
        if total > limits.max_pages:
            notes.append(f"page cap: read the first {limits.max_pages} of {total} pages")
        for number, page in enumerate(pdf.pages[: limits.max_pages], start=1):
            deadline.check(f"reading page {number} of {total}")
            try:
                state = text_layer_state(page)
                # fake bold draws each glyph twice, a hair apart: "政政府府" without dedupe
                items = read_text_page(page.dedupe_chars()) if state == "usable" else []
                pictures = picture_regions(page) if state == "usable" else []
            except ExtractionProblem:
                raise
            except Exception as exc:
                if number == 1:
                    raise _problem(exc) from None
                notes.append(f"page {number} unreadable ({type(exc).__name__}: {exc}); later pages skipped")
                break
            whole_page = bool(state == "undecodable" or (state == "none" and page.images))
            if (whole_page or pictures) and ocr_pages >= limits.max_ocr_pages:
                if not any(n.startswith("OCR cap") for n in notes):
                    notes.append(f"OCR cap: images after the first {limits.max_ocr_pages} OCR'd pages not read")
                whole_page, pictures = False, []
            if whole_page or pictures:
                items.extend(ocr_page(data, number, pictures, whole_page, limits, deadline, confidences))
                ocr_pages += 1
            document.write_items(items)
            page.close()  # pdfplumber keeps every parsed page otherwise
    finally:
        pdf.close()
    method = "ocr" if ocr_pages else "text"
    confidence = round(sum(confidences) / len(confidences), 1) if confidences else None
    if document.empty:
        raise ExtractionProblem("empty", "the PDF has no text layer and no readable images")
    return Extracted(filename="", html=document.html, text=document.text, pages=total, method=method,
                     confidence=confidence, error="; ".join(notes) or None)
