"""Text and tables from report attachments (PDF, DOCX, DOC, WPS, XLS/XLSX, images).

Contract:
    extract(data: bytes, filename: str, media_type: str | None = None, *, limits=None,
            max_bytes=None, timeout=None, isolate=True) -> Extracted
    extract_file(path, **same keywords) -> Extracted
    SUFFIXES: the file suffixes extract() understands.

Extracted: html (paragraphs as <p>, tables as <table> with rowspan/colspan in document order, for
the HTML parser), text (plain text; table rows one per line, cells tab-separated), pages (PDF
pages, workbook sheets, 1 for an image, None for DOCX/DOC), method ("text" | "ocr": "ocr" when
any page or picture was OCR'd; such parts are marked "[OCR page 2, confidence 91.5]" in text,
an html comment and <table data-ocr="true">), confidence (OCR mean word confidence 0-100, else
None), status, error (None, or a clear message; with status "ok" it notes a partial read such as
a page cap or a fallback tool).
status: "ok" | "corrupt" | "encrypted" | "oversize" | "timeout" | "unsupported" | "empty" | "error".
It never raises and never runs past the time cap: the type is taken from the bytes (then the
suffix, then the media type), and the extractor runs in a killable child process. Word/Excel
"web page", MHTML and Word 2003 XML files served as .doc/.xls are read as what they are.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from pipelines.documents.limits import DEFAULT_LIMITS, Limits

SUFFIXES: frozenset[str] = frozenset(
    {".pdf", ".docx", ".doc", ".wps", ".xlsx", ".xls", ".et", ".rtf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp",
     ".mht", ".mhtml"})

EXTRACTABLE = {"pdf", "docx", "xlsx", "doc", "wps", "xls", "rtf", "word-xml", "office-html", "mhtml", "image"}


@dataclass
class Extracted:
    filename: str
    html: str | None = None
    text: str | None = None
    pages: int | None = None
    method: str = "text"
    confidence: float | None = None
    status: str = "ok"
    error: str | None = None


def _refusal(kind: str, filename: str) -> tuple[str, str]:
    """Status and message for bytes that no extractor should touch."""
    if kind == "empty":
        return "empty", "empty file (0 bytes or only whitespace)"
    if kind == "html":
        return "unsupported", f"{filename or 'the file'} is an HTML page, not a document (an error or login page served in its place?)"
    if kind == "broken-zip":
        return "corrupt", "corrupt Office file: the zip archive is damaged or truncated"
    if kind == "ooxml-encrypted":
        return "encrypted", "password-protected Office document (encrypted OOXML package)"
    if kind == "ofd":
        return "unsupported", "OFD document (GB/T 33190): not read; portals publish a PDF twin next to it"
    if kind == "zip":
        return "unsupported", "a zip archive that is neither DOCX nor XLSX"
    if kind.startswith("unrecognised-"):
        expected = kind.split("-", 1)[1].upper()
        return "corrupt", f"not a valid {expected}: the bytes do not start like a {expected} file"
    return "unsupported", f"unsupported file type ({kind}) for {filename or 'the attachment'}"


def extract(data: bytes, filename: str, media_type: str | None = None, *, limits: Limits | None = None,
            max_bytes: int | None = None, timeout: float | None = None, isolate: bool = True) -> Extracted:
    try:
        return _extract(data, filename, media_type, limits, max_bytes, timeout, isolate)
    except Exception as exc:  # the contract: never raise
        return Extracted(filename=filename, status="error", error=f"extraction failed: {type(exc).__name__}: {exc}")


def _extract(data, filename, media_type, limits, max_bytes, timeout, isolate) -> Extracted:
    from pipelines.documents.sniff import sniff

    limits = limits or DEFAULT_LIMITS
    if max_bytes is not None:
        limits = replace(limits, max_bytes=max_bytes)
    if timeout is not None:
        limits = replace(limits, timeout=timeout)
    if data is None:
        data = b""
    if len(data) > limits.max_bytes:
        return Extracted(filename=filename, status="oversize",
                         error=f"file is {len(data):,} bytes, over the {limits.max_bytes:,}-byte cap")
    kind = sniff(data, filename or "", media_type)
    if kind not in EXTRACTABLE:
        status, message = _refusal(kind, filename)
        return Extracted(filename=filename, status=status, error=message)
    if isolate:
        from pipelines.documents.isolate import run_isolated

        result = run_isolated(kind, data, limits)
    else:
        from pipelines.documents.extractors import run_extractor

        result = run_extractor(kind, data, limits)
    if isinstance(result, tuple):
        status, message = result
        return Extracted(filename=filename, status=status, error=message)
    result.filename = filename
    return result


def extract_file(path, **options) -> Extracted:
    path = Path(path)
    cap = options.get("max_bytes") or (options.get("limits") or DEFAULT_LIMITS).max_bytes
    try:
        size = path.stat().st_size
        if size > cap:  # never read a huge file into memory just to refuse it
            return Extracted(filename=path.name, status="oversize", error=f"file is {size:,} bytes, over the {cap:,}-byte cap")
        data = path.read_bytes()
    except OSError as exc:
        return Extracted(filename=path.name, status="error", error=f"cannot read {path}: {exc}")
    return extract(data, path.name, **options)
