"""Zip-bomb guard for DOCX/XLSX: judge the archive by its directory before inflating anything."""
from __future__ import annotations

import io
import zipfile

from pipelines.documents.limits import ExtractionProblem, Limits, MB


def check_zip(data: bytes, limits: Limits, label: str) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ExtractionProblem("corrupt", f"corrupt {label}: not a readable zip archive ({exc})") from None
    declared = sum(member.file_size for member in members)
    compressed = max(1, sum(member.compress_size for member in members))
    if declared > limits.max_unzipped:
        raise ExtractionProblem("oversize", f"{label} would expand to {declared / MB:.0f} MB "
                                            f"(cap {limits.max_unzipped / MB:.0f} MB): refused as a zip bomb")
    if declared / compressed > limits.max_zip_ratio and declared > 10 * MB:
        raise ExtractionProblem("oversize", f"{label} compression ratio {declared / compressed:.0f}:1 over "
                                            f"{limits.max_zip_ratio:.0f}:1: refused as a zip bomb")
    if any(member.flag_bits & 0x1 for member in members):
        raise ExtractionProblem("encrypted", f"encrypted {label}: the zip members are password-protected")
