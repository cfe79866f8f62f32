"""Page layout shared by the PDF text layer and OCR: page furniture and paragraph joining."""
from __future__ import annotations

import re

from pipelines.documents.output import join_cjk, tidy_cjk_spacing

# Page numbers and running heads seen in real report PDFs (REPORT_FORMAT.md §5).
FURNITURE = [
    re.compile(r"^[—–\-－―~～一\s]*\d{1,4}[—–\-－―~～一\s]*$"),  # "— 3 —", "-3-", "3"; OCR reads — as 一
    re.compile(r"^第\s*\d+\s*页(\s*[,，/]?\s*共\s*\d+\s*页)?$"),
    re.compile(r"^共\s*\d+\s*页\s*第\s*\d+\s*页$"),
    re.compile(r"^\d+\s*/\s*\d+$"),
    re.compile(r"^Page\s*\d+(\s*[-–—]\s*.*)?$", re.I),
    re.compile(r"^P\.\s*\d+$"),
]
MARGIN_SHARE = 0.10  # furniture sits in the top or bottom tenth of the page
# a line ending in two or more separate numbers is a row of a table drawn without rulings
NUMBER_ROW = re.compile(r"(?:^|\s)[-+]?\d+(?:\.\d+)?(?:\s+[-+]?\d+(?:\.\d+)?)+\s*$")
HEADING = re.compile(r"^([一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\([一二三四五六七八九十]+\)|\d+[.、．])")



def is_furniture(text: str) -> bool:
    text = text.strip()
    return not text or any(p.match(text) for p in FURNITURE)


def body_lines(lines: list[dict], page_height: float) -> list[dict]:
    """Lines without the page furniture of the top and bottom margins ("Page 8 - title" anywhere)."""
    top_zone, bottom_zone = page_height * MARGIN_SHARE, page_height * (1 - MARGIN_SHARE)
    return [line for line in lines
            if not (is_furniture(line["text"]) and (line["top"] < top_zone or line["bottom"] > bottom_zone))
            and not re.match(r"^Page\s*\d+\s*[-–—]", line["text"].strip(), re.I)]


def paragraphs(lines: list[dict], right_edge: float, unit: float = 1.0) -> list[tuple[float, str]]:
    """Join wrapped lines into paragraphs: a new one starts at a heading, at an indented line, or
    after a line that stops short of the right edge (a full line ending in 。 is often mid-paragraph);
    rows of a table without rulings (lines ending in numbers) stay one per line.
    Coordinates are PDF points; `unit` is the size of a point in the caller's coordinates."""
    out: list[tuple[float, str]] = []
    left = min((line["x0"] for line in lines), default=0)
    previous = None
    for line in lines:
        text = tidy_cjk_spacing(line["text"].strip())
        starts_new = (
            previous is None
            or HEADING.match(text)
            or NUMBER_ROW.search(text)
            or NUMBER_ROW.search(previous["text"])
            or line["x0"] > left + 12 * unit
            or previous["x1"] < right_edge - 30 * unit
        )
        if starts_new:
            out.append((line["top"], text))
        else:
            out[-1] = (out[-1][0], join_cjk([out[-1][1], text]))
        previous = line
    return out


def right_margin_edge(lines: list[dict], page_width: float) -> float:
    """Where full lines end: the longest line, or the left margin mirrored (pages with few lines)."""
    if not lines:
        return page_width
    return max(max(line["x1"] for line in lines), page_width - min(line["x0"] for line in lines))
