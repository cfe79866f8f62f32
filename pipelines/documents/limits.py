"""Caps that keep one hostile or huge attachment from stalling a crawl, and the error type
extractors raise to end with a clear status."""
from __future__ import annotations

import time
from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 30 * MB  # the attachment as downloaded
    max_pages: int = 300  # PDF pages read (the rest is skipped and said so)
    max_ocr_pages: int = 40  # image-only pages sent to Tesseract
    timeout: float = 180.0  # wall clock per document, seconds
    max_unzipped: int = 200 * MB  # DOCX/XLSX: total uncompressed size of the zip members
    max_zip_ratio: float = 150.0  # DOCX/XLSX: uncompressed/compressed size of the whole archive
    max_cells: int = 200_000  # spreadsheets: cells read per workbook
    memory_mb: int = 3072  # address-space cap of the extraction subprocess (0: none)
    ocr_dpi: int = 300


DEFAULT_LIMITS = Limits()


class ExtractionProblem(Exception):
    """Ends an extraction with a status other than ok ("corrupt", "encrypted", "oversize" ...)."""

    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class Deadline:
    """The wall-clock budget of one document, shared by its steps (OCR pages, CLI tools)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        return self.end - time.monotonic()

    def check(self, what: str) -> float:
        left = self.remaining()
        if left <= 0:
            raise ExtractionProblem("timeout", f"time cap of {self.seconds:g}s reached while {what}")
        return left
