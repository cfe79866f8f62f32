"""Re-read converter HTML (LibreOffice's export) into the common paragraph/table form, so a
DOC or WPS attachment reaches the parser in the same shape as a DOCX one."""
from __future__ import annotations

import re

from lxml import html as lxml_html

from pipelines.documents.output import Document, TableCell, join_cjk, tidy_cjk_spacing

BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "pre", "blockquote", "dt", "dd", "caption"}


def _text(element) -> str:
    pieces = [re.sub(r"\s+", " ", line) for line in element.text_content().split("\n")]
    return tidy_cjk_spacing(join_cjk(pieces))


def _cell_text(td) -> str:
    blocks = list(td.iter(*BLOCKS)) or [td]  # LibreOffice wraps each cell line in <p>
    return tidy_cjk_spacing(join_cjk([_text(b) for b in blocks]))


def table_cells(table) -> list[TableCell]:
    covered_until: dict[int, int] = {}  # column -> first row a rowspan from above no longer covers
    cells = []
    rows = [tr for tr in table.iter("tr") if tr.xpath("ancestor::table[1]")[0] is table]
    for r, tr in enumerate(rows):
        c = 0
        for td in tr.xpath("./td|./th"):
            while covered_until.get(c, 0) > r:
                c += 1
            if c >= MAX_COLUMNS:
                break  # spans pushed the row past any real table's width
            rowspan, colspan = _span(td, "rowspan", MAX_ROWSPAN), _span(td, "colspan", MAX_COLSPAN)
            cells.append(TableCell(_cell_text(td), r, c, rowspan, colspan))
            for dc in range(colspan):
                covered_until[c + dc] = max(covered_until.get(c + dc, 0), r + rowspan)
            c += colspan
    return cells


# A broken export may claim any span ("99999999", 5000 digits): capped, so the grid stays small.
MAX_ROWSPAN, MAX_COLSPAN, MAX_COLUMNS = 1000, 100, 500


def _span(td, name: str, cap: int) -> int:
    digits = re.sub(r"\D", "", td.get(name) or "1")[:6]
    return max(1, min(int(digits or 1), cap))


def html_to_document(source: str | bytes) -> Document:
    document = Document()
    root = lxml_html.fromstring(source)
    body = root.find("body") if root.find("body") is not None else root

    def walk(element) -> None:
        for child in element:
            if not isinstance(child.tag, str):
                continue
            if child.tag == "table":
                document.table(table_cells(child))
            elif child.tag in BLOCKS:
                document.paragraph(_text(child))
            elif child.tag in ("script", "style", "head"):
                continue
            else:
                if (child.text or "").strip():
                    document.paragraph(child.text)
                walk(child)
            if child.tail and child.tail.strip() and element is not body:
                document.paragraph(child.tail)

    walk(body)
    return document


def _decode(body: bytes, content_type: str | None = None) -> str:
    from pipelines.encoding import detect_encoding

    return body.decode(detect_encoding(body, content_type), errors="replace")


def extract_office_html(data: bytes, kind: str):
    """Word/Excel files saved as a web page (HTML, or MHTML with the page as one MIME part)."""
    import email
    from email import policy

    from pipelines.documents import Extracted
    from pipelines.documents.limits import ExtractionProblem

    if kind == "mhtml":
        message = email.message_from_bytes(data, policy=policy.default)
        part = next((p for p in message.walk() if p.get_content_type() == "text/html"), None)
        if part is None:
            raise ExtractionProblem("corrupt", "MHTML file without an HTML part")
        source = _decode(part.get_payload(decode=True) or b"", part.get("Content-Type"))
    else:
        source = _decode(data)
    try:
        document = html_to_document(source)
    except Exception as exc:  # lxml on an empty or binary-laced page
        raise ExtractionProblem("corrupt", f"unreadable web-page document: {exc}") from None
    if document.empty:
        raise ExtractionProblem("empty", "the web-page document has no text")
    return Extracted(filename="", html=document.html, text=document.text)
