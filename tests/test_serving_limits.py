"""Serving limits: no GET can make the Datasette side hold or send unbounded data, archived copies run
nothing and load nothing off-host, and an unreadable archive record is a clean 410.

The memory tests run a real `nianbao serve` on 127.0.0.1 and read its RSS from /proc; the rest use
Datasette's in-process client. Before these limits, `select randomblob(1000000000)` answered 200 with a
1.3 GB body after 42 s and left the server at 1.4 GB RSS (7.4 GB at its peak).
"""
from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from datasette_plugin import limits
from datasette_plugin.app import build_datasette
from datasette_plugin.archived_copy import absolute_links
from pipelines import store
from pipelines.archive import WarcArchive, archive_dir_for
from tests.datasette_fixtures import GBK_PAGE, add_report, copy_demo_db, get, report_url
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, free_port

MB = 1024 * 1024
ONE_ROW_OF_MANY_BIG_COLUMNS = "select " + ", ".join(["zeroblob(8000000)"] * 200)
THOUSAND_ROWS = "with recursive n(i) as (select 1 union all select i + 1 from n where i < 1000) "


# --- a real server, measured -------------------------------------------------------------------
def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """Resident memory of pid (VmHWM: its peak so far), from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise LookupError(field)


def start_server(db_path: Path, log_path: Path) -> tuple[subprocess.Popen, str]:
    """`nianbao serve` on a free port of 127.0.0.1, its stderr (Datasette logs every failed query) to a file."""
    port = free_port()
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "serve", "--db", str(db_path), "--port", str(port)],
            stdout=subprocess.DEVNULL, stderr=log, cwd=Path(__file__).resolve().parents[1])
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=2).close()
            return process, base
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"nianbao serve did not start: {log_path.read_text()}")
            time.sleep(0.2)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    directory = tmp_path_factory.mktemp("limits")
    process, base = start_server(copy_demo_db(directory, "reports.db"), directory / "serve.log")
    try:
        fetch(base, "/reports/reports.json")  # warm up: templates, schema, the SQL threads
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=10)


def fetch(base: str, path: str) -> tuple[int, bytes, float]:
    """(status, body, seconds) of a GET to the local server."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(base + path, timeout=60) as response:
            return response.status, response.read(), time.monotonic() - started
    except urllib.error.HTTPError as error:
        return error.code, error.read(), time.monotonic() - started


def query(base: str, sql: str) -> tuple[int, bytes, float]:
    return fetch(base, "/reports.json?" + urllib.parse.urlencode({"sql": sql}))


def test_a_gigabyte_randomblob_fails_at_once_and_the_server_does_not_grow(server):
    base, process = server
    before = rss_mb(process.pid)
    status, body, seconds = query(base, "select randomblob(1000000000)")
    assert status == 400 and "string or blob too big" in json.loads(body)["error"]
    assert seconds < 2 and len(body) < 10_000
    assert rss_mb(process.pid, "VmHWM") - before < 50  # not even a transient peak: SQLite refused to build it


@pytest.mark.parametrize("sql, error", [
    (THOUSAND_ROWS + "select randomblob(8000000) from n", "Query result too large"),
    (THOUSAND_ROWS + "select replace(zeroblob(30000), x'00', '中') from n", "Query result too large"),
    (ONE_ROW_OF_MANY_BIG_COLUMNS, "more memory than this server allows"),
])
def test_big_results_are_refused_before_they_are_rendered(server, sql, error):
    base, process = server
    before = rss_mb(process.pid)
    for _ in range(3):  # a repeated attack must not ratchet memory up
        status, body, seconds = query(base, sql)
        assert status == 400 and error in json.loads(body)["error"]
        assert seconds < 5 and len(body) < 10_000
    assert rss_mb(process.pid) - before < 150


def test_the_server_still_answers_after_the_refusals(server):
    base, _ = server
    status, body, _ = fetch(base, "/reports/reports.json?_shape=array&_size=max")
    assert status == 200 and len(json.loads(body)) == 12


# --- the caps, in process ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def datasette(tmp_path_factory):
    return build_datasette(copy_demo_db(tmp_path_factory.mktemp("inprocess"), "reports.db"))


def run_sql(datasette, sql: str):
    return get(datasette, "/reports.json?" + urllib.parse.urlencode({"sql": sql, "_shape": "array"}))


def test_every_datasette_connection_caps_value_length(datasette):
    database = datasette.get_database("reports")
    limit = asyncio.run(database.execute_fn(lambda conn: conn.getlimit(sqlite3.SQLITE_LIMIT_LENGTH)))
    assert limit == limits.MAX_VALUE_BYTES
    fits = run_sql(datasette, f"select length(zeroblob({limits.MAX_VALUE_BYTES})) as n")
    assert fits.status_code == 200 and fits.json() == [{"n": limits.MAX_VALUE_BYTES}]
    too_long = run_sql(datasette, f"select length(zeroblob({limits.MAX_VALUE_BYTES + 1}))")
    assert too_long.status_code == 400 and "too big" in too_long.json()["error"]


def test_a_long_report_text_is_still_served(tmp_path):
    db_path = copy_demo_db(tmp_path, "reports.db")
    text = "政府信息公开工作年度报告。" * 200_000  # 2.6 M characters, 7.8 MB of UTF-8: longer than any real report
    report_id = add_report(db_path, "gd-gz-gov", 2023, text)
    datasette = build_datasette(db_path)
    row = get(datasette, f"/reports/reports/{report_id}.json?_shape=array")
    assert row.status_code == 200 and row.json()[0]["text"] == text
    assert get(datasette, f"/reports/reports/{report_id}").status_code == 200
    assert get(datasette, "/reports/reports?_size=max").status_code == 200


def test_table_pages_over_the_budget_answer_400(tmp_path):
    db_path = copy_demo_db(tmp_path, "reports.db")
    for year in range(2030, 2036):  # six texts of 2.6 M characters: 94 MB once escaped in JSON
        add_report(db_path, "gd-gz-gov", year, "政府信息公开工作年度报告。" * 200_000)
    datasette = build_datasette(db_path)
    for path in ("/reports/reports.json?_size=max", "/reports/reports?_all=1&_size=max"):
        response = get(datasette, path)
        assert response.status_code == 400 and "Query result too large" in response.text, path
    assert get(datasette, "/reports/reports.json?_size=2").status_code == 200


def test_query_budget_restarts_for_each_query():
    connection = sqlite3.connect(":memory:")
    limits.limit_connection(connection)
    big_enough = "select zeroblob(?) from (select 1 union all select 2)"
    half = limits.MAX_RESPONSE_BYTES // 6 // 2 - 1000
    for _ in range(3):  # each query may use the whole budget, one after the other
        assert len(connection.execute(big_enough, [half]).fetchall()) == 2
    with pytest.raises(limits.QueryResultTooLarge):
        connection.execute(big_enough, [half + 2000]).fetchall()
    row = connection.execute("select 1 as one").fetchone()
    assert row["one"] == 1  # rows stay sqlite3.Row, as Datasette expects


def asgi_call(app, path: str = "/x.json") -> tuple[dict, bytes]:
    """Run an ASGI app for one GET; return its start message and whole body."""
    messages = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        messages.append(message)

    asyncio.run(app({"type": "http", "path": path, "method": "GET", "headers": []}, receive, send))
    start = next(m for m in messages if m["type"] == "http.response.start")
    return start, b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")


def app_sending(*chunks: bytes):
    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        for index, chunk in enumerate(chunks):
            await send({"type": "http.response.body", "body": chunk, "more_body": index < len(chunks) - 1})
    return app


def test_response_cap_refuses_an_oversized_body_with_a_clear_error():
    start, body = asgi_call(limits.response_size_cap(app_sending(b"x" * 101), limit=100), "/reports.json")
    assert start["status"] == 400 and dict(start["headers"])[b"content-type"].startswith(b"application/json")
    assert "Response too large" in json.loads(body)["error"]
    start, body = asgi_call(limits.response_size_cap(app_sending(b"x" * 101), limit=100), "/reports/reports")
    assert start["status"] == 400 and body.startswith(b"Response too large")
    start, body = asgi_call(limits.response_size_cap(app_sending(b"x" * 100), limit=100))
    assert start["status"] == 200 and body == b"x" * 100
    start, body = asgi_call(limits.response_size_cap(app_sending(b"a" * 60, b"b" * 60, b"c" * 101), limit=100))
    assert start["status"] == 200 and body == b"a" * 60 + b"b" * 60  # a stream ends before its oversized chunk


def test_pages_are_served_through_the_response_cap(datasette):
    from datasette.plugins import pm

    assert limits.response_size_cap in pm.hook.asgi_wrapper(datasette=datasette)
    assert get(datasette, "/reports/reports").status_code == 200


# --- archived copies: nothing runs, nothing loads off-host -------------------------------------
HOSTILE_URL = "http://www.example.gov.cn/xxgk/ndbg/2021/report.html"
HOSTILE_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<base href="http://example.invalid/">
<title>某市2021年政府信息公开工作年度报告</title>
<link rel="stylesheet" href="http://example.invalid/site.css"><link rel="stylesheet" href="theme.css">
<script src="http://example.invalid/tracker.js"></script>
<script>document.getElementById && (window.scriptRan = true);
  addEventListener("DOMContentLoaded", () => { document.getElementById("marker").textContent = "script ran";
  fetch("http://example.invalid/beacon"); });</script>
</head><body onload="document.title = 'onload ran'">
<p id="marker">no script ran</p>
<img src="http://example.invalid/x.png"><img src="logo.png">
<iframe src="http://example.invalid/frame.html"></iframe>
<form action="search.do"><input name="q"></form>
<a id="attachment" href="P020220125.pdf">附件</a>
</body></html>"""


def add_hostile_report(db_path: Path) -> str:
    """Archive HOSTILE_PAGE as one more report's page and return the report's id."""
    report_id = add_report(db_path, "gd-gz-gov", 2024, "某市2021年政府信息公开工作年度报告")
    archive = WarcArchive(archive_dir_for(db_path))
    ref = archive.write_response(HOSTILE_URL, 200, "OK", [("Content-Type", "text/html; charset=utf-8")],
                                 HOSTILE_PAGE.encode("utf-8"))
    archive.close()
    connection = sqlite3.connect(db_path)
    connection.execute("update reports set warc_file = ?, warc_offset = ? where id = ?",
                       [ref.warc_file, ref.offset, report_id])
    connection.commit()
    connection.close()
    return report_id


def test_archived_copy_csp_blocks_scripts_and_every_load(tmp_path):
    db_path = copy_demo_db(tmp_path, "reports.db")
    report_id = add_hostile_report(db_path)
    response = get(build_datasette(db_path), f"/-/archive/{report_id}")
    assert response.status_code == 200
    policy = [directive.strip() for directive in response.headers["content-security-policy"].split(";")]
    assert policy[0].startswith("sandbox") and "allow-scripts" not in policy[0] and "allow-same-origin" not in policy[0]
    assert {"default-src 'none'", "img-src data:", "base-uri 'none'", "form-action 'none'"} <= set(policy)
    assert not [directive for directive in policy if directive.startswith("script-src")]
    assert response.headers["x-content-type-options"] == "nosniff"
    page = response.text
    assert "<base" not in page
    assert '<a id="attachment" href="http://www.example.gov.cn/xxgk/ndbg/2021/P020220125.pdf">' not in page  # page's own base wins
    assert '<a id="attachment" href="http://example.invalid/P020220125.pdf">' in page


def test_attachment_copies_carry_the_same_policy(datasette, tmp_path):
    connection = sqlite3.connect(datasette.get_database("reports").path)
    attachment_id = connection.execute("select id from attachments").fetchone()[0]
    connection.close()
    response = get(datasette, f"/-/archive/attachment/{attachment_id}")
    assert response.status_code == 200 and "default-src 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_links_resolve_against_the_page_and_base_tags_go():
    page = ('<head><base href="/zwgk/" target="_blank"></head><a href="P1.pdf">a</a><a href=\'#top\'>b</a>'
            '<area href=../map.html><img src="logo.png"><a class="x" href="http://other.cn/?a=1&amp;b=2">c</a>')
    rewritten = absolute_links(page, "http://www.gz.gov.cn/a/b/c.html")
    assert "<base" not in rewritten
    assert '<a href="http://www.gz.gov.cn/zwgk/P1.pdf">' in rewritten and "<a href='#top'>" in rewritten
    assert '<area href="http://www.gz.gov.cn/map.html">' in rewritten
    assert '<img src="logo.png">' in rewritten  # loads stay relative: to this server, where the CSP blocks them
    assert '<a class="x" href="http://other.cn/?a=1&amp;b=2">' in rewritten
    without_base = absolute_links('<a href="P1.pdf">', "http://www.gz.gov.cn/a/b/c.html")
    assert without_base == '<a href="http://www.gz.gov.cn/a/b/P1.pdf">'


@pytest.mark.skipif(not CHROMIUM.exists(), reason="browser test needs Chromium at /usr/bin/chromium")
def test_archived_page_runs_no_script_and_requests_nothing_off_host(tmp_path):
    playwright_api = pytest.importorskip("playwright.sync_api")
    db_path = copy_demo_db(tmp_path, "reports.db")
    report_id = add_hostile_report(db_path)
    process, base = start_server(db_path, tmp_path / "serve.log")
    off_host, on_host = [], []

    def only_this_server(route):
        # Nothing may leave 127.0.0.1: an off-host request is recorded and never sent.
        url = route.request.url
        if url.startswith(base + "/"):
            on_host.append(url)
            route.continue_()
        else:
            off_host.append(url)
            route.abort()

    try:
        with playwright_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                context = browser.new_context()
                context.route("**/*", only_this_server)
                page = context.new_page()
                page.goto(f"{base}/-/archive/{report_id}", wait_until="load")
                page.wait_for_timeout(500)
                assert page.locator("#marker").inner_text() == "no script ran"
                assert page.title() == "某市2021年政府信息公开工作年度报告"  # the onload handler did not run
                assert "archived copy" in page.locator("#nianbao-archive-banner").inner_text()
                assert page.locator("#attachment").get_attribute("href") == "http://example.invalid/P020220125.pdf"
            finally:
                browser.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert off_host == []
    assert on_host == [f"{base}/-/archive/{report_id}"]  # relative images and styles are blocked too


# --- unreadable archive records ----------------------------------------------------------------
def served_copy(db_path: Path, report_id: str):
    return get(build_datasette(db_path), f"/-/archive/{report_id}")


def assert_clean_gone_page(response, db_path: Path) -> None:
    assert response.status_code == 410
    assert "missing or damaged" in response.text and "存档副本不可用" in response.text
    for leak in (str(db_path.parent), "Traceback", "ArchiveLoadFailed", ".warc"):
        assert leak not in response.text


@pytest.fixture()
def archived(tmp_path):
    """(database, report id, WARC path, record offset) of the GBK report in a fresh archive copy."""
    db_path = copy_demo_db(tmp_path, "reports.db")
    report_id = store.stable_id(report_url(*GBK_PAGE))
    connection = sqlite3.connect(db_path)
    warc_file, offset = connection.execute("select warc_file, warc_offset from reports where id = ?", [report_id]).fetchone()
    connection.close()
    assert served_copy(db_path, report_id).status_code == 200
    return db_path, report_id, archive_dir_for(db_path) / warc_file, offset


def set_offset(db_path: Path, report_id: str, offset) -> None:
    connection = sqlite3.connect(db_path)
    connection.execute("update reports set warc_offset = ? where id = ?", [offset, report_id])
    connection.commit()
    connection.close()


def test_missing_warc_file_is_gone(archived):
    db_path, report_id, warc_path, _ = archived
    warc_path.unlink()
    assert_clean_gone_page(served_copy(db_path, report_id), db_path)


def test_truncated_record_is_gone(archived):
    db_path, report_id, warc_path, offset = archived
    with open(warc_path, "r+b") as handle:
        handle.truncate(offset + 200)
    assert_clean_gone_page(served_copy(db_path, report_id), db_path)


def test_corrupt_record_is_gone(archived):
    db_path, report_id, warc_path, offset = archived
    with open(warc_path, "r+b") as handle:
        handle.seek(offset + 40)
        handle.write(b"\x00garbage\xff" * 30)
    assert_clean_gone_page(served_copy(db_path, report_id), db_path)


@pytest.mark.parametrize("bad_offset", [lambda offset: offset + 7, lambda offset: 10 ** 12, lambda offset: -5,
                                        lambda offset: "not a number"])
def test_bad_offset_is_gone(archived, bad_offset):
    db_path, report_id, _, offset = archived
    set_offset(db_path, report_id, bad_offset(offset))
    assert_clean_gone_page(served_copy(db_path, report_id), db_path)


def test_warc_file_outside_the_archive_is_gone(archived):
    db_path, report_id, warc_path, _ = archived
    connection = sqlite3.connect(db_path)
    connection.execute("update reports set warc_file = ? where id = ?", [f"../archive/{warc_path.name}", report_id])
    connection.commit()
    connection.close()
    assert_clean_gone_page(served_copy(db_path, report_id), db_path)
