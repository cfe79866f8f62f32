"""Every bad attachment ends with a clear status and message; extract() never raises or hangs."""
from __future__ import annotations

import io
import os
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.documents import SUFFIXES, extract, extract_file
from pipelines.documents.limits import Limits

DOCUMENTS = Path(__file__).resolve().parent / "fixtures" / "documents"
BAD = DOCUMENTS / "bad"
STATUSES = {"ok", "corrupt", "encrypted", "oversize", "timeout", "unsupported", "empty", "error"}
MB = 1024 * 1024


@pytest.mark.parametrize("name, status, words", [
    ("corrupt.pdf", "corrupt", "corrupt PDF"),
    ("truncated.pdf", "corrupt", "truncated"),
    ("encrypted.pdf", "encrypted", "password"),
    ("empty.pdf", "empty", "0 bytes"),
    ("html_named.pdf", "unsupported", "HTML page"),
    ("notes.txt", "unsupported", "unsupported file type"),
])
def test_bad_fixture_files(name, status, words):
    result = extract_file(BAD / name)
    assert (result.status, result.filename) == (status, name)
    assert words in result.error
    assert result.html is None and result.text is None


def test_oversize_is_refused_before_reading():
    data = (DOCUMENTS / "report_2021.pdf").read_bytes()
    result = extract(data, "report.pdf", max_bytes=1000)
    assert result.status == "oversize" and "1,000-byte cap" in result.error
    from_disk = extract_file(DOCUMENTS / "report_2021.pdf", max_bytes=1000)
    assert from_disk.status == "oversize"


def _docx_with(member: str, payload: bytes, tmp_path: Path, compression=zipfile.ZIP_DEFLATED) -> bytes:
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", compression) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open(member, "w") as handle:
            handle.write(payload)
    return path.read_bytes()


def test_docx_zip_bomb_by_compression_ratio(tmp_path):
    data = _docx_with("word/document.xml", b"<w:t>" + b" " * (16 * MB), tmp_path)
    assert len(data) < 100_000  # a tiny download that would inflate a thousandfold
    result = extract(data, "report.docx")
    assert result.status == "oversize"
    assert "zip bomb" in result.error and "compression ratio" in result.error


def test_xlsx_zip_bomb_by_declared_size(tmp_path):
    data = _docx_with("xl/worksheets/sheet1.xml", os.urandom(3 * MB), tmp_path)
    result = extract(data, "report.xlsx", limits=Limits(max_unzipped=2 * MB))
    assert result.status == "oversize" and "would expand to 3 MB" in result.error


def test_encrypted_zip_members(tmp_path):
    data = bytearray(_docx_with("word/document.xml", b"\x00" * 64, tmp_path))
    # set the "encrypted" bit a password-protected zip carries, in every local and central header
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        position = data.find(signature)
        while position != -1:
            data[position + flag_offset] |= 0x1
            position = data.find(signature, position + 4)
    result = extract(bytes(data), "locked.docx")
    assert result.status == "encrypted" and "password-protected" in result.error


def test_encrypted_office_package_in_ole2_container():
    # Office stores a password-protected DOCX/XLSX as an OLE2 compound file holding an
    # "EncryptedPackage" stream; the sniffer recognises it by the stream name.
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    directory = "EncryptedPackage".encode("utf-16-le") + b"\x00" * 96
    result = extract(header + directory + b"\x00" * 1024, "报告.docx")
    assert result.status == "encrypted" and "password-protected" in result.error


def test_ofd_and_plain_zip_are_unsupported(tmp_path):
    ofd = _docx_with("OFD.xml", b"<ofd:OFD/>", tmp_path)
    assert extract(ofd, "report.ofd").status == "unsupported"
    assert "OFD" in extract(ofd, "report.ofd").error
    plain = _docx_with("readme.txt", b"hello", tmp_path)
    assert extract(plain, "files.zip").error == "a zip archive that is neither DOCX nor XLSX"


def test_docx_with_broken_xml(tmp_path):
    data = _docx_with("word/document.xml", b"<w:document><w:body><w:p>unterminated", tmp_path)
    result = extract(data, "report.docx")
    assert result.status == "corrupt" and "DOCX" in result.error


def test_truncated_docx():
    data = (DOCUMENTS / "report_2021.docx").read_bytes()
    result = extract(data[: len(data) // 2], "report.docx")
    assert result.status == "corrupt" and "damaged or truncated" in result.error


def test_xls_with_garbage_after_the_ole2_magic():
    result = extract(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(4000), "table.xls")
    assert result.status == "corrupt" and "XLS" in result.error


def test_png_with_garbage_body():
    result = extract(b"\x89PNG\r\n\x1a\n" + os.urandom(500), "scan.png")
    assert result.status == "corrupt" and "image" in result.error


def test_blank_image_is_empty():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (800, 600), 255).save(buffer, format="PNG")
    result = extract(buffer.getvalue(), "blank.png")
    assert result.status == "empty" and "no text" in result.error


def test_blank_pdf_is_empty(tmp_path):
    from reportlab.pdfgen import canvas

    path = tmp_path / "blank.pdf"
    page = canvas.Canvas(str(path))
    page.showPage()
    page.save()
    result = extract_file(path)
    assert result.status == "empty" and "no text layer" in result.error


def test_page_cap_reads_the_first_pages_and_says_so():
    result = extract_file(DOCUMENTS / "report_2021.pdf", limits=Limits(max_pages=1))
    assert result.status == "ok" and result.pages == 3
    assert "first 1 of 3 pages" in result.error
    assert "一、总体情况" in result.text and "六、其他需要报告的事项" not in result.text


def test_ocr_cap_reads_the_first_scanned_pages_and_says_so():
    result = extract_file(DOCUMENTS / "report_2021_scanned.pdf", limits=Limits(max_ocr_pages=1))
    assert result.status == "ok" and result.method == "ocr"
    assert "OCR cap" in result.error
    assert "[OCR page 1," in result.text and "[OCR page 2," not in result.text


def test_time_cap_stops_ocr():
    result = extract_file(DOCUMENTS / "report_2021_scanned.pdf", timeout=1.0)
    assert result.status == "timeout" and "time cap of 1s" in result.error


def test_tiny_time_cap_on_a_text_pdf():
    result = extract_file(DOCUMENTS / "report_2021.pdf", timeout=0.01)
    assert result.status == "timeout"


def test_a_worker_that_hangs_is_killed(monkeypatch, tmp_path):
    import sys

    from pipelines.documents import isolate

    marker = tmp_path / "child.pid"
    # a worker stuck where no deadline check runs (deep inside a library), with a child of its own
    hang = f"import os, subprocess, time; open({str(marker)!r}, 'w').write(str(subprocess.Popen(['sleep', '60']).pid)); time.sleep(60)"
    monkeypatch.setattr(isolate, "WORKER", [sys.executable, "-c", hang])
    monkeypatch.setattr(isolate, "GRACE_SECONDS", 0.5)
    result = extract((DOCUMENTS / "report_2021.pdf").read_bytes(), "report.pdf", timeout=1.0)
    assert result.status == "timeout" and "extraction stopped" in result.error
    grandchild = Path(f"/proc/{int(marker.read_text())}/stat")
    for _ in range(50):  # the whole session was killed, not just the worker (a zombie counts as dead)
        try:
            if grandchild.read_text().split(") ", 1)[1].startswith("Z"):
                break
        except FileNotFoundError:
            break
        time.sleep(0.1)
    else:
        pytest.fail("the worker's own child survived the kill")


def test_unreadable_path_is_an_error(tmp_path):
    result = extract_file(tmp_path / "missing.pdf")
    assert result.status == "error" and "cannot read" in result.error


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=2048), suffix=st.sampled_from(sorted(SUFFIXES)),
       magic=st.sampled_from([b"", b"%PDF-1.7\n", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\x89PNG\r\n\x1a\n"]))
def test_random_bytes_never_raise(data, suffix, magic):
    result = extract(magic + data, f"attachment{suffix}", isolate=False)
    assert result.status in STATUSES
    assert (result.status == "ok") == (result.error is None or result.text is not None)


def test_random_bytes_through_the_worker():
    for magic in (b"%PDF-1.4\n", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        result = extract(magic + os.urandom(5000), "x.bin")
        assert result.status in STATUSES - {"ok"}, result
        assert result.error
