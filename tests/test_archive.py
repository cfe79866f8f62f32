"""The WARC archive: records as served, revisits for repeated payloads, damaged files refused."""
from __future__ import annotations

import gzip

import pytest
from warcio.archiveiterator import ArchiveIterator

from pipelines.archive import WarcArchive, read_payload, read_record

PAGE = "<html><head><meta charset=gb2312></head><body>临沂市科学技术局2021年政府信息公开工作年度报告</body></html>"


def test_repeated_payload_becomes_revisit_pointing_at_first(tmp_path):
    archive = WarcArchive(tmp_path)
    body = PAGE.encode("gb18030")
    first = archive.write_response("http://a.example/nb/1.html", 200, "OK", [("Content-Type", "text/html")], body)
    again = archive.write_response("http://a.example/nb/1-copy.html", 200, "OK", [("Content-Type", "text/html")], body)
    archive.close()
    assert not first.revisit and again.revisit
    assert (again.warc_file, again.offset) == (first.warc_file, first.offset)
    with open(tmp_path / first.warc_file, "rb") as handle:
        records = [(r.rec_type, r.rec_headers.get_header("WARC-Refers-To-Target-URI")) for r in ArchiveIterator(handle)]
    assert records == [("response", None), ("revisit", "http://a.example/nb/1.html")]
    headers, payload = read_payload(tmp_path, again.warc_file, again.offset)
    assert payload == body and headers["Content-Type"] == "text/html"


def test_revisit_across_runs_uses_known_index(tmp_path):
    body = b"%PDF-1.4 report"
    first_run = WarcArchive(tmp_path / "a")
    ref = first_run.write_response("http://a.example/P1.pdf", 200, "OK", [], body)
    first_run.close()
    second_run = WarcArchive(tmp_path / "a", known={ref.payload_digest: (ref, "http://a.example/P1.pdf")})
    second_run.name = "second.warc.gz"
    second_run.path = tmp_path / "a" / second_run.name
    again = second_run.write_response("http://a.example/P1.pdf", 200, "OK", [], body)
    second_run.close()
    assert again.revisit and again.warc_file == ref.warc_file
    assert read_payload(tmp_path / "a", again.warc_file, again.offset)[1] == body


def test_gzip_payload_stored_encoded_read_decoded(tmp_path):
    archive = WarcArchive(tmp_path)
    raw = gzip.compress(PAGE.encode("utf-8"))
    ref = archive.write_response("http://a.example/z.html", 200, "OK", [("Content-Encoding", "gzip")], raw)
    archive.close()
    url, headers, payload = read_record(tmp_path, ref.warc_file, ref.offset)
    assert url == "http://a.example/z.html" and payload == PAGE.encode("utf-8")


def test_damaged_record_refused(tmp_path):
    archive = WarcArchive(tmp_path)
    ref = archive.write_response("http://a.example/x.html", 200, "OK", [], b"<html>" + b"x" * 5000 + b"</html>")
    archive.close()
    path = tmp_path / ref.warc_file
    path.write_bytes(path.read_bytes()[: ref.length // 2])
    with pytest.raises(ValueError, match="damaged|no WARC record"):
        read_payload(tmp_path, ref.warc_file, ref.offset)
