"""Issue 10, end to end: a hostile portal's pages link and redirect to the crawler's own disk (file:,
data:, ftp:) and to a loopback host that is not the portal's (127.0.0.2, also as `localhost` and
`0x7f000002`). A real crawl over 127.0.0.1 must send nothing there, store nothing from there, record
each refusal with its kind, and still store the portal's good reports.

A listener on 127.0.0.2 (same port as the portal) sees whatever arrives. A second portal registers
127.0.0.2 in extra_hosts (its attachment server): its attachment is fetched, which shows the policy
is per portal. Every request of this test goes to 127.0.0.0/8.
"""
from __future__ import annotations

import gzip
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlite_utils

from crawler.mockportals import FIXTURES, MockSite
from crawler.outbound import PublicAddressResolver
from pipelines.archive import archive_dir_for
from tests.crawl_helpers import run_crawl, write_registry

ROOT = FIXTURES / "hostile"
OTHER_HOST = "127.0.0.2"
PDF = (ROOT / "site" / "files" / "nb2021.pdf").read_bytes()
PASSWD_MARK = b"root:x:0:0"
SECRET = "SECRET-OF-127.0.0.2"


class Listener:
    """HTTP on 127.0.0.2:port: records each request; serves the second portal's attachment, and to
    anything else a page that would look like a report if it were ever fetched."""

    def __init__(self, port: int):
        listener = self
        self.paths: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                listener.paths.append(self.path)
                body = PDF if self.path == "/files/cdn.pdf" else (
                    f"<html><body><h1>某某县2019年政府信息公开工作年度报告</h1><p>{SECRET}</p></body></html>".encode())
                self.send_response(200)
                self.send_header("Content-Type", "application/pdf" if body is PDF else "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer((OTHER_HOST, port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class RebindingResolver(PublicAddressResolver):
    """DNS rebinding, simulated without any DNS traffic: the middleware is told `localhost` is a public
    address, while the connection resolves it for real (/etc/hosts: 127.0.0.1)."""

    def all_addresses(self, host: str) -> list[str]:
        return ["93.184.216.34"] if host == "localhost" else super().all_addresses(host)


def portal_entries(base: str) -> list[dict]:
    common = {"province": "湖北省", "city": "宜昌市", "region_code": "420500", "family": "generic", "max_pages": 5}
    return [
        {"id": "hostile-nb", "name": "某某县人民政府 政府信息公开年报", **common,
         "start_urls": [f"{base}/nb/index.html"], "evidence": "a column whose pages point at forbidden places"},
        {"id": "cdn-nb", "name": "某某县财政局 政府信息公开年报", **common,
         "start_urls": [f"{base}/cdn/index.html"], "extra_hosts": [OTHER_HOST],
         "evidence": "attachments served from a second host the registry names"},
    ]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    yield from crawl_hostile(tmp_path_factory)


@pytest.fixture(scope="module")
def rebound(tmp_path_factory):
    yield from crawl_hostile(tmp_path_factory, "--set", f"TWISTED_DNS_RESOLVER={__name__}.RebindingResolver")


def crawl_hostile(tmp_path_factory, *settings: str):
    site = MockSite(ROOT).start()
    port = site.server.server_address[1]
    try:
        listener = Listener(port)
    except OSError as exc:  # 127.0.0.2 is loopback on Linux; elsewhere it may not be bindable
        site.stop()
        pytest.skip(f"cannot listen on {OTHER_HOST}:{port}: {exc}")
    tmp = tmp_path_factory.mktemp("hostile")
    db_path = tmp / "reports.db"
    try:
        registry = write_registry(tmp / "portals.yml", portal_entries(site.base_url))
        run_crawl(registry, db_path, *settings)
        first_paths, listener_paths = site.requested(), list(listener.paths)
        site.reset_log()
        run_crawl(registry, db_path, *settings)  # a recrawl: refusals are final, nothing is asked again
        yield {"base": site.base_url, "other": site.base_url.replace("127.0.0.1", OTHER_HOST), "port": port,
               "db": sqlite_utils.Database(db_path), "db_path": db_path, "listener_paths": listener_paths,
               "portal_paths": first_paths, "recrawl_paths": site.requested()}
    finally:
        listener.stop()
        site.stop()


def test_nothing_reaches_the_other_host_but_for_the_portal_that_registered_it(crawled):
    assert "/files/cdn.pdf" in crawled["listener_paths"]
    assert set(crawled["listener_paths"]) <= {"/files/cdn.pdf", "/robots.txt"}


def test_a_recrawl_asks_for_no_report_page_or_attachment_again(crawled):
    asked_again = [p for p in crawled["recrawl_paths"] if not p.endswith(("index.html", "robots.txt"))
                   and "index_" not in p]
    assert not asked_again, asked_again


def test_each_refusal_recorded_with_its_kind(crawled):
    base, other, port = crawled["base"], crawled["other"], crawled["port"]
    errors = {(e["url"], e["kind"]) for e in crawled["db"].query(
        "select url, kind from fetch_errors where portal_id = 'hostile-nb'")}
    expected = {
        ("file:///etc/passwd", "refused_scheme"),
        ("data:application/pdf;base64,JVBERi0xLjQK", "refused_scheme"),
        ("ftp://127.0.0.1/pub/nb2021.pdf", "refused_scheme"),
        (f"{other}/files/secret.pdf", "refused_address"),
        (f"http://localhost:{port}/files/local.pdf", "refused_address"),  # a name that resolves to loopback
        (f"http://0x7f000002:{port}/files/hex.pdf", "refused_address"),  # 127.0.0.2 spelt in hex
        (f"{other}/files/bounce.pdf", "refused_address"),  # an own-host attachment redirected there
        (f"{other}/nb/index_1.html", "refused_address"),  # the list's next page redirected there
        (f"{base}/nb/moved.html", "offsite_redirect"),  # a report page redirected off the portal (listed URL)
    }
    assert expected <= errors, sorted(expected - errors)
    assert f"{base}/files/nb2021.pdf" not in {url for url, _ in errors}


def test_good_reports_stored_and_nothing_from_forbidden_places(crawled):
    db, base = crawled["db"], crawled["base"]
    reports = {r["url"]: r for r in db.query("select * from reports")}
    assert set(reports) == {f"{base}/nb/good1.html", f"{base}/nb/good2.html", f"{base}/cdn/report.html"}
    assert all(SECRET not in (r["text"] or "") and PASSWD_MARK.decode() not in (r["text"] or "") for r in reports.values())
    attachments = {a["url"]: a for a in db.query("select * from attachments")}
    assert attachments[f"{base}/files/nb2021.pdf"]["status"] == "ok"
    assert attachments[f"{crawled['other']}/files/cdn.pdf"]["status"] == "ok"  # the registered attachment host
    fetched = {url for url, a in attachments.items() if a["content_hash"] or a["warc_file"]}
    assert fetched == {f"{base}/files/nb2021.pdf", f"{crawled['other']}/files/cdn.pdf"}


def test_archive_holds_nothing_from_forbidden_places(crawled):
    archived = {r["url"] for r in crawled["db"].query("select url from archive_records")}
    assert archived and all(url.startswith(crawled["base"]) or url.endswith("/files/cdn.pdf") for url in archived)
    for warc in archive_dir_for(crawled["db_path"]).glob("*.warc.gz"):
        content = gzip.decompress(warc.read_bytes())
        assert PASSWD_MARK not in content and SECRET.encode() not in content, warc.name


def test_off_host_list_link_never_requested(crawled):
    assert "/nb/offhost.html" not in crawled["listener_paths"]
    assert "/nb/offhost.html" not in crawled["portal_paths"]


def test_connection_time_check_catches_what_the_middleware_was_told_is_public(rebound):
    url = f"http://localhost:{rebound['port']}/files/local.pdf"
    errors = list(rebound["db"].query("select kind, message from fetch_errors where url = ?", [url]))
    assert [e["kind"] for e in errors] == ["refused_address"]
    assert "when connecting" in errors[0]["message"] and "127.0.0.1" in errors[0]["message"]
    assert "/files/local.pdf" not in rebound["portal_paths"]  # localhost:port is the portal's own server
    assert len(list(rebound["db"].query("select url from reports"))) == 3
