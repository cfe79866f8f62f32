"""The extractor for each detected kind; runs inside the isolated worker (see isolate.py).
Readers are imported only for the kind at hand, to keep the worker's start-up short."""
from __future__ import annotations

from pipelines.documents.limits import Deadline, ExtractionProblem, Limits

SUFFIX_FOR_CONVERTER = {"doc": ".doc", "wps": ".wps", "rtf": ".rtf", "word-xml": ".xml"}


def run_extractor(kind: str, data: bytes, limits: Limits):
    """An Extracted (without filename) on success, else (status, message)."""
    deadline = Deadline(limits.timeout)
    try:
        if kind == "pdf":
            from pipelines.documents.pdf import extract_pdf

            return extract_pdf(data, limits, deadline)
        if kind == "docx":
            from pipelines.documents.docx import extract_docx

            return extract_docx(data, limits, deadline)
        if kind == "xlsx":
            from pipelines.documents.sheets import extract_xlsx

            return extract_xlsx(data, limits, deadline)
        if kind == "xls":
            from pipelines.documents.sheets import extract_xls

            return extract_xls(data, limits, deadline)
        if kind in SUFFIX_FOR_CONVERTER:
            from pipelines.documents.doc import extract_word97

            return extract_word97(data, limits, deadline, SUFFIX_FOR_CONVERTER[kind])
        if kind in ("office-html", "mhtml"):
            from pipelines.documents.htmlin import extract_office_html

            return extract_office_html(data, kind)
        if kind == "image":
            from pipelines.documents.ocr import extract_image

            return extract_image(data, limits, deadline)
        return ("unsupported", f"no extractor for {kind}")
    except ExtractionProblem as problem:
        return (problem.status, problem.message)
    except MemoryError:
        return ("oversize", f"extraction ran out of memory (cap {limits.memory_mb} MB)")
    except Exception as exc:  # a library's own failure on a malformed file
        return ("corrupt", f"cannot read the {kind.upper()} file: {type(exc).__name__}: {exc}")
