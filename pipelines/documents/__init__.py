"""Text and tables from report attachments (PDF, DOCX, DOC, WPS, XLS/XLSX, images). (Issue 4 owns this.)

Contract:
    extract(data: bytes, filename: str, media_type: str | None = None) -> Extracted
    extract_file(path) -> Extracted
    SUFFIXES: the file suffixes extract() understands.

Extracted: html (paragraphs as <p>, tables as <table> in document order, for the HTML parser),
text (plain text), pages, method ("text" | "ocr"), confidence (OCR mean confidence 0-100 or None),
error (None, or a clear message: corrupt, encrypted, oversize, timeout, unsupported ...), status
("ok" | "error" | "oversize" | "timeout" | "unsupported").
It never raises.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SUFFIXES: frozenset[str] = frozenset()


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


def extract(data: bytes, filename: str, media_type: str | None = None) -> Extracted:
    return Extracted(filename=filename, status="unsupported", error="document extraction not implemented yet")


def extract_file(path) -> Extracted:
    path = Path(path)
    return extract(path.read_bytes(), path.name)
