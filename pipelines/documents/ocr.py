"""OCR of scanned pages and images with Tesseract (chi_sim), tables rebuilt from the ruling lines.

Why this shape: Tesseract reads table numbers badly when ruling lines touch the digits, and
its line order mixes a rowspan label into the middle of a table row. So the page is binarised,
the rulings are found (rulings.py) and whitened before OCR, and they give the table grid. Each
word of the whole-page OCR goes into the grid cell under its centre (numbers read best in their
row); every cell is also cut out and OCR'd alone in one stacked strip (two-line labels read best
alone). Text outside tables is joined into paragraphs like a PDF text layer. A page scanned
sideways is turned first. Tesseract runs as a subprocess within the document's time cap.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass

import numpy as np

from pipelines.documents.layout import body_lines, paragraphs, right_margin_edge
from pipelines.documents.limits import Deadline, ExtractionProblem
from pipelines.documents.output import Document, TableCell, join_cjk, tidy_cjk_spacing
from pipelines.documents.rulings import find_rulings, grid_cells, grow, table_grids
from pipelines.documents.tools import available, run_tool

LANGUAGE = "chi_sim"
PAGE_SEGMENTATION = "6"  # one uniform block: keeps table rows together once rulings are gone
DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "〇": "0", "D": "0", "l": "1", "I": "1", "|": "1", "i": "1",
                                  "]": "1", "】": "1", "工": "1",
                                  "S": "5", "s": "5", "Z": "2", "z": "2", "B": "8", "g": "9", "q": "9", "，": "", ",": ""})
MAX_PIXELS = 60_000_000  # an A4 page at 300 DPI is 8.7 million
NUMERIC_CELL = re.compile(r"^[0-9OoDlIi|\]】工SsZzBgq〇，,]{1,8}$")


@dataclass
class Word:
    text: str
    left: int
    top: int
    right: int
    bottom: int
    conf: float
    line_key: tuple[int, int, int]

    @property
    def centre(self) -> tuple[float, float]:
        return (self.left + self.right) / 2, (self.top + self.bottom) / 2


# --- rendering ---------------------------------------------------------------------------------------
def render_pdf_page(data: bytes, index: int, dpi: int):
    """(grayscale image, pixels per point) of one PDF page."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(data)
    try:
        page = pdf[index]
        width, height = page.get_size()  # points
        # a poster-sized (or hostile) page must not become a gigapixel bitmap
        scale = min(dpi / 72, (MAX_PIXELS / max(1.0, width * height)) ** 0.5)
        bitmap = page.render(scale=scale, grayscale=True)
        return bitmap.to_pil().convert("L"), scale
    finally:
        pdf.close()


def load_image(data: bytes):
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ExtractionProblem("corrupt", f"corrupt image: {exc}") from None
    except Image.DecompressionBombError as exc:
        raise ExtractionProblem("oversize", f"image too large to read: {exc}") from None
    info = dict(image.info)
    if image.width * image.height > MAX_PIXELS:
        factor = (MAX_PIXELS / (image.width * image.height)) ** 0.5
        image = image.resize((int(image.width * factor), int(image.height * factor)))
        info.pop("dpi", None)
    gray = image.convert("L")
    gray.info.update(info)
    return gray


# --- tesseract -----------------------------------------------------------------------------------------
def run_tesseract(image, deadline: Deadline, dpi: int, language: str = LANGUAGE, psm: str = PAGE_SEGMENTATION,
                  options: tuple[str, ...] = ()) -> list[Word]:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    args = ["tesseract", "stdin", "stdout", "-l", language, "--psm", psm, "--dpi", str(dpi), *options, "tsv"]
    if not available("tesseract"):
        raise ExtractionProblem("error", "tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-chi-sim)")
    # OpenMP threads fight each other on small machines: one thread is ~4x faster here
    done = run_tool(args, deadline, "running OCR", stdin=buffer.getvalue(), env={"OMP_THREAD_LIMIT": "1"})
    if done.returncode != 0:
        raise ExtractionProblem("error", f"tesseract failed: {done.stderr.decode('utf-8', 'replace').strip()[-300:]}")
    words = []
    for line in done.stdout.decode("utf-8", "replace").splitlines()[1:]:
        fields = line.split("\t")
        if len(fields) < 12 or fields[0] != "5" or not fields[11].strip():
            continue
        left, top, width, height = (int(v) for v in fields[6:10])
        words.append(Word(fields[11].strip(), left, top, left + width, top + height, float(fields[10]),
                          (int(fields[2]), int(fields[3]), int(fields[4]))))
    return words


def text_lines(words: list[Word]) -> list[list[Word]]:
    """Group words into lines by vertical centre (a box is the ink: "一" or "、" sits low or mid-line,
    so tops are useless), each line ordered left to right."""
    if not words:
        return []
    heights = sorted(w.bottom - w.top for w in words)
    tolerance = max(6.0, heights[len(heights) // 2] * 0.5)
    lines: list[list[Word]] = []
    for word in sorted(words, key=lambda w: w.centre[1]):
        if lines and abs(sum(w.centre[1] for w in lines[-1]) / len(lines[-1]) - word.centre[1]) < tolerance:
            lines[-1].append(word)
        else:
            lines.append([word])
    return [sorted(line, key=lambda w: w.left) for line in lines]


def _cell_text(words: list[Word]) -> str:
    text = join_cjk([join_cjk([w.text for w in line]) for line in text_lines(words)])
    text = tidy_cjk_spacing(text)
    compact = text.replace(" ", "")
    if NUMERIC_CELL.match(compact) and (any(ch.isdigit() for ch in compact) or len(compact) == 1):
        return compact.translate(DIGIT_LOOKALIKES)
    return text


def _digit_height(ink: np.ndarray, numbers) -> float:
    """Median ink height of the cells already read as numbers."""
    heights = []
    for cell, (x0, y0, x1, y1) in numbers:
        if cell.text.isdigit():
            rows = np.flatnonzero(ink[y0 + 6: y1 - 6, x0 + 6: x1 - 6].any(axis=1))
            if rows.size:
                heights.append(rows[-1] - rows[0] + 1)
    return float(np.median(heights)) if heights else 0.0


def lone_one(ink: np.ndarray, box: tuple[int, int, int, int], digit_height: float) -> bool:
    """A cell whose only ink is one thin upright stroke of digit height: a "1" that Tesseract
    dropped (a lone 1 in a Song typeface is its most common miss)."""
    x0, y0, x1, y1 = box
    region = ink[y0 + 6: y1 - 6, x0 + 6: x1 - 6]
    rows, cols = np.flatnonzero(region.any(axis=1)), np.flatnonzero(region.any(axis=0))
    if not rows.size:
        return False
    height, width = rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
    return 0.6 * digit_height <= height <= 1.4 * digit_height and width < 0.6 * height


def looks_numeric(text: str) -> bool:
    """A cell the Chinese model read as empty, a number, or a digit lookalike (工, 功, |)."""
    compact = text.replace(" ", "")
    ideographs = sum(1 for ch in compact if "\u4e00" <= ch <= "\u9fff")
    return len(compact) <= 6 and ideographs <= 1


def _cut(cleaned, ink: np.ndarray, box: tuple[int, int, int, int]):
    """The cell's image cut tight around its ink (inside the rulings)."""
    x0, y0, x1, y1 = box
    x0, y0, x1, y1 = x0 + 6, y0 + 6, max(x0 + 7, x1 - 6), max(y0 + 7, y1 - 6)
    rows, cols = np.flatnonzero(ink[y0:y1, x0:x1].any(axis=1)), np.flatnonzero(ink[y0:y1, x0:x1].any(axis=0))
    if rows.size:
        x0, x1, y0, y1 = x0 + cols[0] - 4, x0 + cols[-1] + 5, y0 + rows[0] - 4, y0 + rows[-1] + 5
    return cleaned.crop((x0, y0, x1, y1))


def read_cells_as_strip(cleaned, layout: list[list[tuple[int, int, int, int]]], deadline: Deadline, dpi: int,
                        language: str, options: tuple[str, ...] = ()) -> list[list[list[Word]]]:
    """OCR many table cells with one Tesseract call. The cells are cut tight around their ink and
    pasted into a fresh image, one line per entry of `layout` (cells of a line side by side, well
    apart). A two-line header cell reads far better alone than inside a page row whose other
    cells set a different baseline, and a row of numbers reads better as one line of text than
    cell by cell. Returns the words found, per line and cell."""
    from PIL import Image

    ink = np.asarray(cleaned) < 128
    cuts = [[_cut(cleaned, ink, box) for box in line] for line in layout if line]
    if not cuts:
        return []
    margin, line_gap = 24, 40
    placed, width, y = [], 0, line_gap
    for line in cuts:
        height = max(c.height for c in line)
        x, spans = margin, []
        for cut in line:
            spans.append(x)
            x += cut.width + max(2 * height, 60)
        placed.append((y, height, spans))
        width = max(width, x + margin)
        y += height + line_gap
    strip = Image.new("L", (width, y), 255)
    for line, (top, height, spans) in zip(cuts, placed):
        for cut, left in zip(line, spans):
            strip.paste(cut, (left, top + (height - cut.height) // 2))
    words = run_tesseract(strip, deadline, dpi, language=language, psm="6", options=options)
    found = [[[] for _ in line] for line in cuts]
    tops = [top - line_gap / 2 for top, _h, _s in placed]
    for word in words:
        cx, cy = word.centre
        line_index = max(0, int(np.searchsorted(tops, cy)) - 1)
        lefts = [left - 30 for left in placed[line_index][2]]
        found[line_index][max(0, int(np.searchsorted(lefts, cx)) - 1)].append(word)
    return found


def clean_label(text: str) -> str:
    """Specks Tesseract reads inside table labels: 。 and | never occur in template labels, and a
    lone quote mark without its partner is noise."""
    text = text.replace("。", "").replace("|", "")
    if not ("“" in text and "”" in text):
        text = re.sub(r"[“”″\"]", "", text)
    return text.strip()


def looks_sideways(ink: np.ndarray) -> bool:
    """Text lines make the row profile of ink jagged (lines and gaps); a page scanned sideways has
    the jagged profile across its columns instead. Cheap, so the OSD model runs only when needed."""
    if ink.sum() < 2000:
        return False
    rows, cols = ink.mean(axis=1), ink.mean(axis=0)
    return float(np.std(np.diff(cols))) > 1.5 * float(np.std(np.diff(rows)))


def orientation_fix(image, deadline: Deadline, dpi: int) -> int:
    """Degrees (clockwise) Tesseract's orientation model says the page must turn; 0 when unsure."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    done = run_tool(["tesseract", "stdin", "stdout", "--psm", "0", "-l", "osd", "--dpi", str(dpi)], deadline,
                    "detecting page orientation", stdin=buffer.getvalue(), env={"OMP_THREAD_LIMIT": "1"})
    answer = done.stdout.decode("utf-8", "replace")
    turn = re.search(r"Rotate:\s*(\d+)", answer)
    confidence = re.search(r"Orientation confidence:\s*([\d.]+)", answer)
    if not turn or not confidence or float(confidence.group(1)) < 1.0:
        return 0
    return int(turn.group(1)) % 360


def _choose_number(readings: list[str]) -> str | None:
    """The reading to keep for a number cell: clean integers only; when two disagree the longer
    wins (a dropped digit is the usual misreading, an invented one is rare)."""
    clean = [r for r in readings if re.fullmatch(r"-?\d+|-", r)]
    return max(clean, key=len) if clean else None


def ocr_image(image, document: Document, deadline: Deadline, page_label: str, dpi: int) -> float | None:
    """OCR one page image into document (marked as OCR); returns the mean word confidence."""
    items, confidence = ocr_items(image, deadline, page_label, dpi)
    document.write_items(items)
    return confidence


def ocr_items(image, deadline: Deadline, page_label: str, dpi: int, whole_page: bool = True,
              upright: bool = False) -> tuple[list[tuple[float, str, object]], float | None]:
    """OCR one image into (top in pixels, kind, content) items; returns them and the mean word confidence.

    Two Tesseract calls per image with tables: the whole image (prose, and numbers in their row
    context) and every table cell cut out and stacked into a strip (labels)."""
    from PIL import Image

    gray = np.asarray(image.convert("L"))
    dark = gray < 160
    rulings = find_rulings(dark, dpi)
    cleaned = np.where(grow(rulings.horizontal | rulings.vertical, 2), 255, np.where(dark, 0, 255)).astype(np.uint8)
    if whole_page and not upright and looks_sideways(dark):
        turn = orientation_fix(Image.fromarray(cleaned), deadline, dpi)
        if turn:  # tops of a turned page no longer match the PDF page; only its order matters
            return ocr_items(image.rotate(-turn, expand=True), deadline, f"{page_label} turned {turn}°", dpi,
                             whole_page, upright=True)
    cleaned_image = Image.fromarray(cleaned)
    words = run_tesseract(cleaned_image, deadline, dpi)
    confidences = [w.conf for w in words if w.conf >= 0]
    ink = cleaned < 128

    items: list[tuple[int, str, object]] = []
    used: set[int] = set()
    for xs, ys in table_grids(rulings):
        merged = grid_cells(xs, ys, rulings)
        owner = {(r, c): n for n, (r0, c0, r1, c1) in enumerate(merged)
                 for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
        in_page: dict[int, list[Word]] = {}
        for number, word in enumerate(words):
            cx, cy = word.centre
            if xs[0] <= cx <= xs[-1] and ys[0] <= cy <= ys[-1]:
                c = max(0, min(len(xs) - 2, int(np.searchsorted(xs, cx)) - 1))
                r = max(0, min(len(ys) - 2, int(np.searchsorted(ys, cy)) - 1))
                in_page.setdefault(owner[(r, c)], []).append(word)
                used.add(number)
        cells = [TableCell("", r0, c0, r1 - r0 + 1, c1 - c0 + 1) for r0, c0, r1, c1 in merged]
        boxes = [(xs[c.col], ys[c.row], xs[c.col + c.colspan], ys[c.row + c.rowspan]) for c in cells]
        alone = read_cells_as_strip(cleaned_image, [[box] for box in boxes], deadline, dpi, LANGUAGE)
        numbers = []
        for n, (cell, (strip_words,)) in enumerate(zip(cells, alone)):
            page_text = _cell_text(in_page.get(n, []))
            strip_text = clean_label(_cell_text(strip_words))
            if looks_numeric(page_text) or looks_numeric(strip_text):
                cell.text = _choose_number([page_text, strip_text]) or ""
                numbers.append((cell, boxes[n]))
            else:
                cell.text = strip_text or clean_label(page_text)
        digit_height = _digit_height(ink, numbers)
        for cell, box in numbers:
            if not cell.text and digit_height and lone_one(ink, box, digit_height):
                cell.text = "1"
        items.append((ys[0], "ocr-table", cells))

    confidence = round(sum(confidences) / len(confidences), 1) if confidences else None
    items.append((-1, "marker", (f"OCR {page_label} confidence {confidence}", f"[OCR {page_label}, confidence {confidence}]")))
    grouped: dict[tuple[int, int, int], list[Word]] = {}
    for number, word in enumerate(words):
        if number not in used:
            grouped.setdefault(word.line_key, []).append(word)
    lines = [{"text": tidy_cjk_spacing(join_cjk([w.text for w in sorted(ws, key=lambda w: w.left)])),
              "x0": min(w.left for w in ws), "x1": max(w.right for w in ws),
              "top": min(w.top for w in ws), "bottom": max(w.bottom for w in ws)} for ws in grouped.values()]
    lines = sorted(lines, key=lambda line: line["top"])
    if whole_page:  # page numbers sit in a page's margins, not in a picture's
        lines = body_lines(lines, gray.shape[0])
    right_edge = right_margin_edge(lines, gray.shape[1]) if whole_page else max((l["x1"] for l in lines), default=0)
    items.extend((top, "p", text) for top, text in paragraphs(lines, right_edge, unit=dpi / 72))
    return items, confidence


def image_dpi(image, default: int) -> int:
    """The resolution the file declares (scanners write it), else the default."""
    declared = image.info.get("dpi")
    try:
        value = round(float(declared[0]))
    except (TypeError, ValueError, IndexError):
        return default
    return value if 70 <= value <= 1200 else default


def extract_image(data: bytes, limits, deadline: Deadline):
    from pipelines.documents import Extracted

    image = load_image(data)
    document = Document()
    confidence = ocr_image(image, document, deadline, page_label="image", dpi=image_dpi(image, limits.ocr_dpi))
    if document.empty:
        raise ExtractionProblem("empty", "OCR found no text in the image")
    return Extracted(filename="", html=document.html, text=document.text, pages=1, method="ocr", confidence=confidence)
