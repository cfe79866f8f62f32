"""XLS/XLSX: one <table> per sheet (openpyxl read-only, data_only; xlrd for BIFF), merged
ranges kept as rowspan/colspan. The sheet name goes before its table as a paragraph, since
workbooks often name the sheet after the report section."""
from __future__ import annotations

import io
import re

from pipelines.documents.limits import Deadline, ExtractionProblem, Limits
from pipelines.documents.output import Document, cells_from_grid, drop_empty_edges
from pipelines.documents.zipguard import check_zip

MERGE_REF = re.compile(rb'<mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')


def cell_text(value) -> str:
    """Numbers as printed: 46.0 from a spreadsheet is 46."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + (letter - 64)
    return number


def _add_sheet(document: Document, name: str, grid: list[list[str]], merges: list[tuple[int, int, int, int]]) -> None:
    grid = drop_empty_edges(grid)
    if not grid:
        return
    rows, cols = len(grid), len(grid[0])
    merges = [(r0, c0, min(r1, rows - 1), min(c1, cols - 1)) for r0, c0, r1, c1 in merges if r0 < rows and c0 < cols]
    document.paragraph(name)
    document.table(cells_from_grid(grid, merges))


def _budget(limits: Limits, deadline: Deadline, counter: list[int], rows: int = 1, cols: int = 1) -> None:
    counter[0] += rows * cols
    if counter[0] > limits.max_cells:
        raise ExtractionProblem("oversize", f"workbook has more than {limits.max_cells} cells")
    if counter[0] % 5000 < rows * cols:
        deadline.check("reading the workbook")


def extract_xlsx(data: bytes, limits: Limits, deadline: Deadline):
    import openpyxl

    from pipelines.documents import Extracted

    check_zip(data, limits, "XLSX")
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises KeyError, InvalidFileException, XML errors ...
        raise ExtractionProblem("corrupt", f"corrupt XLSX: {type(exc).__name__}: {exc}") from None
    document, counter = Document(), [0]
    try:
        for sheet in workbook.worksheets:
            grid = []
            for row in sheet.iter_rows(values_only=True):
                _budget(limits, deadline, counter, cols=len(row))
                grid.append([cell_text(v) for v in row])
            with sheet.parent._archive.open(sheet._worksheet_path) as handle:  # read-only sheets hide merges
                xml = handle.read()
            merges = [(int(r0) - 1, _column_number(c0) - 1, int(r1) - 1, _column_number(c1) - 1)
                      for c0, r0, c1, r1 in MERGE_REF.findall(xml)]
            _add_sheet(document, sheet.title, grid, merges)
    finally:
        workbook.close()
    if document.empty:
        raise ExtractionProblem("empty", "the workbook has no cells")
    return Extracted(filename="", html=document.html, text=document.text, pages=len(workbook.worksheets))


def extract_xls(data: bytes, limits: Limits, deadline: Deadline):
    import xlrd

    from pipelines.documents import Extracted

    try:
        workbook = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
    except xlrd.biffh.XLRDError as exc:
        message = str(exc)
        if "encrypt" in message.lower() or "password" in message.lower():
            raise ExtractionProblem("encrypted", f"encrypted XLS: {message}") from None
        raise ExtractionProblem("corrupt", f"corrupt XLS: {message}") from None
    except Exception as exc:
        raise ExtractionProblem("corrupt", f"corrupt XLS: {type(exc).__name__}: {exc}") from None
    document, counter = Document(), [0]
    for index in range(workbook.nsheets):
        sheet = workbook.sheet_by_index(index)
        _budget(limits, deadline, counter, sheet.nrows, sheet.ncols)
        grid = [[cell_text(v) for v in sheet.row_values(r)] + [""] * (sheet.ncols - sheet.row_len(r))
                for r in range(sheet.nrows)]
        merges = [(r0, c0, r1 - 1, c1 - 1) for r0, r1, c0, c1 in sheet.merged_cells]
        _add_sheet(document, sheet.name, grid, merges)
    if document.empty:
        raise ExtractionProblem("empty", "the workbook has no cells")
    return Extracted(filename="", html=document.html, text=document.text, pages=workbook.nsheets)
