"""Size caps that hold: a gzip bomb (a small compressed body that inflates past the cap) and an
endless body (a server that never stops sending) are stopped at the cap, archived nowhere, recorded
as `oversize`, and the crawl goes on with the other reports."""
from __future__ import annotations

import gzip
import time

import sqlite_utils

from crawler.mockportals import MockSite
from tests.crawl_helpers import path_of, run_crawl, write_registry
from tests.test_crawl_incremental import REPORTS, build_site, entry

CAP = 1_000_000  # NIANBAO_ATTACHMENT_MAXSIZE for the test: detail pages and attachments
BOMB = gzip.compress(b"<html><body>" + b"\0" * (20 * CAP))  # ~20 kB on the wire, 20 MB inflated

CAPS_HANDLER = '''
import gzip
from pathlib import Path

from crawler.mockportals import MockResponse

BOMB = (Path(__file__).parent / "bomb.gz").read_bytes()


def handle(request):
    if request.path in ("/nb/bomb.html", "/nb/bomb.pdf"):
        kind = "text/html; charset=utf-8" if request.path.endswith(".html") else "application/pdf"
        return MockResponse(200, BOMB, {"Content-Type": kind, "Content-Encoding": "gzip"})
    return None
'''

EXTRA_ROWS = "".join(
    f'<li><a href="{href}" title="临沂市科学技术局{year}年政府信息公开工作年度报告">{year}年报</a><span>{year + 1}-01-10</span></li>'
    for href, year in (("bomb.html", 2018), ("endless.html", 2019)))


class CapsSite(MockSite):
    """The mock portal plus one route that streams without end (no Content-Length, never closes)."""

    streamed = 0

    def _serve(self, http, method):
        if http.path != "/nb/endless.html":
            return super()._serve(http, method)
        with self.lock:
            self.requests.append((method, http.path))
        http.send_response(200)
        http.send_header("Content-Type", "text/html; charset=utf-8")
        http.send_header("Connection", "close")
        http.end_headers()
        chunk = b"<p>" + "无尽的年度报告".encode("utf-8") * 1000 + b"</p>\n"
        deadline = time.monotonic() + 60  # a safety stop for the test, far past the cap
        try:
            while time.monotonic() < deadline:
                http.wfile.write(chunk)
                CapsSite.streamed += len(chunk)
        except OSError:  # the crawler hung up at the cap
            pass
        http.close_connection = True


def build_caps_site(root):
    build_site(root, REPORTS)
    page = root / "site" / "nb" / "2021.html"
    page.write_text(page.read_text(encoding="utf-8").replace(
        "</p></div>", '</p><p>附件：<a href="bomb.pdf">2021年度报告全文.pdf</a></p></div>'), encoding="utf-8")
    index = root / "site" / "nb" / "index.html"
    index.write_text(index.read_text(encoding="utf-8").replace("</ul>", EXTRA_ROWS + "</ul>"), encoding="utf-8")
    (root / "bomb.gz").write_bytes(BOMB)
    (root / "site.py").write_text(CAPS_HANDLER, encoding="utf-8")


def test_gzip_bomb_and_endless_body_not_archived_recorded_oversize(tmp_path):
    root = tmp_path / "caps"
    build_caps_site(root)
    site = CapsSite(root).start()
    try:
        registry = write_registry(tmp_path / "portals.yml", [entry(site)])
        db_path = tmp_path / "reports.db"
        started = time.monotonic()
        run_crawl(registry, db_path, "--set", f"NIANBAO_ATTACHMENT_MAXSIZE={CAP}")
        elapsed = time.monotonic() - started
        requested = site.requested()
    finally:
        site.stop()
    assert {"/nb/bomb.html", "/nb/bomb.pdf", "/nb/endless.html"} <= set(requested)
    assert elapsed < 25 and CapsSite.streamed < 50 * CAP  # stopped at the cap, not at the safety stop
    db = sqlite_utils.Database(db_path)
    # The crawl went on: both ordinary reports are archived and stored.
    reports = {path_of(r["url"]): r for r in db.query("select * from reports")}
    assert sorted(reports) == ["/nb/2020.html", "/nb/2021.html"]
    assert all(r["warc_file"] for r in reports.values())
    # Nothing of the capped bodies is archived or indexed.
    archived = {path_of(r["url"]) for r in db.query("select url from archive_records")}
    assert archived == {"/nb/2020.html", "/nb/2021.html"}
    from pipelines.archive import archive_dir_for
    from warcio.archiveiterator import ArchiveIterator

    for warc in archive_dir_for(db_path).glob("*.warc.gz"):
        with open(warc, "rb") as handle:
            uris = [path_of(r.rec_headers.get_header("WARC-Target-URI")) for r in ArchiveIterator(handle)]
        assert not {"/nb/bomb.html", "/nb/bomb.pdf", "/nb/endless.html"} & set(uris)
    # Each is an `oversize` fetch error; the attachment row says so too.
    errors = {(path_of(e["url"]), e["kind"]) for e in db.query("select url, kind from fetch_errors")}
    assert {("/nb/bomb.html", "oversize"), ("/nb/bomb.pdf", "oversize"), ("/nb/endless.html", "oversize")} <= errors
    attachment = next(db.query("select * from attachments"))
    assert path_of(attachment["url"]) == "/nb/bomb.pdf" and attachment["status"] == "oversize"
    assert attachment["warc_file"] is None
    run = next(db.query("select * from crawl_runs"))
    assert run["status"] == "finished"


def test_bomb_under_the_cap_is_archived_as_served(tmp_path):
    """The cap is the cap: the same compressed body is archived (gzip bytes as sent) when it fits."""
    root = tmp_path / "caps"
    build_caps_site(root)
    index = root / "site" / "nb" / "index.html"
    index.write_text(index.read_text(encoding="utf-8").replace(EXTRA_ROWS, ""), encoding="utf-8")
    site = MockSite(root).start()
    try:
        registry = write_registry(tmp_path / "portals.yml", [entry(site)])
        db_path = tmp_path / "reports.db"
        run_crawl(registry, db_path, "--set", f"NIANBAO_ATTACHMENT_MAXSIZE={25 * CAP}")
    finally:
        site.stop()
    db = sqlite_utils.Database(db_path)
    attachment = next(db.query("select * from attachments"))
    assert attachment["status"] != "oversize" and attachment["warc_file"]
    from pipelines.archive import archive_dir_for, read_payload

    _, payload = read_payload(archive_dir_for(db_path), attachment["warc_file"], attachment["warc_offset"])
    assert len(payload) == len(gzip.decompress(BOMB))
