"""Decide what an attachment really is: magic bytes first, then the suffix, then the media type.

Portals mislabel files (an HTML error page saved as .pdf, a .doc that is really RTF or DOCX),
so the bytes win whenever they are recognisable.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

SUFFIX_KINDS = {
    ".pdf": "pdf", ".docx": "docx", ".doc": "doc", ".wps": "wps", ".xlsx": "xlsx", ".xls": "xls",
    ".et": "xls", ".png": "image", ".jpg": "image", ".jpeg": "image", ".tif": "image", ".tiff": "image",
    ".bmp": "image",
}
MEDIA_KINDS = {
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/msword": "doc",
    "application/vnd.ms-works": "wps",
    "application/kswps": "wps",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.ms-excel": "xls",
    "image/png": "image", "image/jpeg": "image", "image/tiff": "image", "image/bmp": "image",
}


def _zip_kind(data: bytes) -> str | None:
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "broken-zip"
    if any(n.startswith("word/") for n in names):
        return "docx"
    if any(n.startswith("xl/") for n in names):
        return "xlsx"
    if "OFD.xml" in names:  # GB/T 33190 fixed layout, published next to the PDF on some portals
        return "ofd"
    return "zip"


def _utf16(name: str) -> bytes:
    return name.encode("utf-16-le")


def _ole_kind(data: bytes, hint: str | None) -> str:
    """OLE2 compound files hold Word, Excel, WPS and encrypted OOXML; the stream names tell them apart."""
    if _utf16("EncryptedPackage") in data:
        return "ooxml-encrypted"
    if _utf16("WordDocument") in data:
        return "wps" if hint == "wps" else "doc"
    if _utf16("Workbook") in data or _utf16("Book") in data:
        return "xls"
    if _utf16("WpsContent") in data or _utf16("WPS") in data:
        return "wps"
    return hint if hint in ("doc", "wps", "xls") else "ole"


def sniff(data: bytes, filename: str = "", media_type: str | None = None) -> str:
    """One of: pdf docx xlsx doc wps xls image rtf mhtml word-xml office-html html ofd zip empty
    ooxml-encrypted broken-zip ole unknown unrecognised-<hint>."""
    suffix = PurePosixPath(filename.lower()).suffix
    hint = SUFFIX_KINDS.get(suffix) or MEDIA_KINDS.get((media_type or "").split(";")[0].strip().lower())
    if not data.strip():
        return "empty"
    head = data[:1024].lstrip()
    if b"%PDF-" in data[:8192]:  # some servers and scanners put junk before the header
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if data.startswith(OLE2_MAGIC):
        return _ole_kind(data, hint)
    if data.startswith(b"\x89PNG\r\n\x1a\n") or data.startswith(b"\xff\xd8\xff") or data[:4] in (b"II*\x00", b"MM\x00*") \
            or data.startswith(b"BM"):
        return "image"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    lowered = head[:2048].lower()
    if b"mime-version:" in lowered[:512] and b"multipart/related" in lowered:
        return "mhtml"  # Word's "single file web page", often served as .doc
    if lowered.startswith(b"<?xml") and b"worddocument" in data[:8192].lower():
        return "word-xml"  # Word 2003 XML, also served as .doc
    if lowered.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<html" in lowered or b"<body" in lowered:
        # Word and Excel "save as web page" files are commonly published as .doc/.xls
        return "office-html" if hint in ("doc", "wps", "xls") else "html"
    return "unknown" if hint is None else f"unrecognised-{hint}"
