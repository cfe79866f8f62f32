"""DOC (Word 97-2003), WPS and RTF: LibreOffice headless when installed, else antiword or catdoc.

Measured on tests/fixtures/documents/report_2021.doc (bench/bench_documents.py, 2 busy cores):
`soffice --convert-to html` takes 0.8-2 s and keeps all 26 count rows of tables 三/四 with
their rowspan/colspan; antiword takes ~5 ms but keeps 0 of them (it drops rows of tables with
vertically merged cells); catdoc takes ~3 ms and keeps 22 as tab-separated text without table
structure. Correct numbers matter more than a second per attachment, so soffice comes first
(Debian: libreoffice-writer-nogui; libreoffice-calc-nogui only for generating fixtures).
"""
from __future__ import annotations

import re
import tempfile
from pathlib import Path

from pipelines.documents.htmlin import html_to_document
from pipelines.documents.limits import Deadline, ExtractionProblem, Limits
from pipelines.documents.output import Document, TableCell, tidy_cjk_spacing
from pipelines.documents.tools import available, run_tool

ENCRYPTED_HINTS = ("encrypt", "password", "加密")


def _encrypted(message: str) -> bool:
    return any(h in message.lower() for h in ENCRYPTED_HINTS)


def via_soffice(data: bytes, suffix: str, deadline: Deadline) -> Document:
    with tempfile.TemporaryDirectory(prefix="nianbao-doc-") as work:
        source = Path(work) / f"attachment{suffix}"
        source.write_bytes(data)
        # a private profile per call: concurrent conversions must not share LibreOffice's lock
        done = run_tool(["soffice", f"-env:UserInstallation=file://{work}/profile", "--headless", "--norestore",
                         "--convert-to", "html", "--outdir", f"{work}/out", str(source)],
                        deadline, f"converting the {suffix} file with LibreOffice", cwd=work)
        produced = Path(work) / "out" / "attachment.html"
        if not produced.exists():
            message = done.stderr.decode("utf-8", "replace").strip()[-300:]
            raise ExtractionProblem("encrypted" if _encrypted(message) else "corrupt",
                                    f"LibreOffice could not read the {suffix} file ({message or 'no output'})")
        return html_to_document(produced.read_bytes())


def _antiword_table(lines: list[str]) -> list[TableCell]:
    cells = []
    for r, line in enumerate(lines):
        for c, value in enumerate(line.strip().strip("|").split("|")):
            cells.append(TableCell(tidy_cjk_spacing(value.strip()), r, c))
    return cells


def via_antiword(data: bytes, deadline: Deadline) -> Document:
    with tempfile.NamedTemporaryFile(suffix=".doc") as handle:
        handle.write(data)
        handle.flush()
        done = run_tool(["antiword", "-m", "UTF-8.txt", "-w", "0", handle.name], deadline, "running antiword")
    message = done.stderr.decode("utf-8", "replace").strip()
    if done.returncode != 0 or not done.stdout.strip():
        raise ExtractionProblem("encrypted" if _encrypted(message) else "corrupt",
                                f"antiword could not read the file ({message[-300:] or 'no output'})")
    document, table_lines = Document(), []
    for line in done.stdout.decode("utf-8", "replace").splitlines():
        if line.startswith("|"):  # antiword prints table rows as |cell|cell|
            table_lines.append(line)
            continue
        if table_lines:
            document.table(_antiword_table(table_lines))
            table_lines = []
        document.paragraph(tidy_cjk_spacing(line))
    if table_lines:
        document.table(_antiword_table(table_lines))
    return document


def via_catdoc(data: bytes, deadline: Deadline) -> Document:
    with tempfile.NamedTemporaryFile(suffix=".doc") as handle:
        handle.write(data)
        handle.flush()
        done = run_tool(["catdoc", "-d", "utf-8", "-w", handle.name], deadline, "running catdoc")
    if done.returncode != 0 or not done.stdout.strip():
        raise ExtractionProblem("corrupt", f"catdoc could not read the file ({done.stderr.decode('utf-8', 'replace')[-300:]})")
    document = Document()
    for line in done.stdout.decode("utf-8", "replace").splitlines():
        document.paragraph(re.sub(r"\t+", "\t", line))
    return document


def _digits(document: Document) -> int:
    return sum(ch.isdigit() for ch in document.text)


def extract_word97(data: bytes, limits: Limits, deadline: Deadline, suffix: str = ".doc"):
    """LibreOffice first; without it (or when it fails) both fast tools run (a few ms each) and
    the one that kept more digits wins: antiword keeps simple tables as tables but drops rows of
    vertically merged ones, catdoc keeps those rows as tab-separated text."""
    from pipelines.documents import Extracted

    failures: list[ExtractionProblem] = []
    if available("soffice"):
        try:
            document = via_soffice(data, suffix, deadline)
            if not document.empty:
                return Extracted(filename="", html=document.html, text=document.text)
        except ExtractionProblem as problem:
            if problem.status == "timeout":
                raise
            failures.append(problem)
    readings: list[tuple[str, Document]] = []
    for name, tool in (("antiword", via_antiword), ("catdoc", via_catdoc)):
        try:
            document = tool(data, deadline)
        except ExtractionProblem as problem:
            if problem.status == "timeout":
                raise
            failures.append(problem)
            continue
        if not document.empty:
            readings.append((name, document))
    if readings:
        name, document = max(readings, key=lambda reading: _digits(reading[1]))
        note = f"read with {name}" + (" after: " + "; ".join(f.message for f in failures) if failures else "")
        return Extracted(filename="", html=document.html, text=document.text, error=note if failures else None)
    encrypted = [f for f in failures if f.status == "encrypted"]
    chosen = encrypted[0] if encrypted else (failures[0] if failures else ExtractionProblem("empty", "the document has no text"))
    raise ExtractionProblem(chosen.status, "; ".join(f.message for f in failures) or chosen.message)
