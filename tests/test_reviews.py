"""Review of failed checks (issue 15): `nianbao serve` refuses reviews; `nianbao serve --review` lets a
logged-in reviewer mark a failed check, in Chromium (Playwright, only 127.0.0.1 reachable), appending
rows to check_reviews only; the latest review shows beside the check and in check_reviews_latest (CSV).
"""
from __future__ import annotations

import csv
import io
import os
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from datasette_auth_passwords.utils import hash_password

from tests.datasette_fixtures import BROKEN, build_demo_db, report_url
from tests.test_browser import CHROMIUM, browser, free_port, wait_until_up  # noqa: F401
from pipelines import store

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "年报-review-密码"
RULE = "requests.balance.total"  # the failed check of the BROKEN report
REPORT_ID = store.stable_id(report_url(*BROKEN))
HASH_ENV = "NIANBAO_REVIEW_PASSWORD_HASH"


def start(db_path: Path, *extra: str, env: dict | None = None):
    base = f"http://127.0.0.1:{free_port()}"
    command = [sys.executable, "-m", "cli.main", "serve", "--db", str(db_path), "--port", base.rsplit(":", 1)[1],
               *extra]
    clean_env = {k: v for k, v in os.environ.items() if k != HASH_ENV}
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=REPO,
                               env={**clean_env, "PYTHONUNBUFFERED": "1", **(env or {})})
    try:
        wait_until_up(base + "/-/versions.json", process)
    except BaseException:
        process.kill()
        raise
    return base, process


def stop(process) -> None:
    process.terminate()
    process.wait(timeout=10)


def table_dump(db_path: Path, table: str) -> bytes:
    """Every byte of a table as SQLite holds it: its schema and its rows (values with their types)."""
    connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        schema = connection.execute("select sql from sqlite_master where name = ?", [table]).fetchone()[0]
        rows = connection.execute(f"select quote(rowid), * from [{table}] order by rowid").fetchall()
        return repr((schema, [tuple((type(v).__name__, v) for v in row) for row in rows])).encode()
    finally:
        connection.close()


def reviews_in(db_path: Path) -> list[tuple]:
    connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return connection.execute(
            "select report_id, rule, verdict, note, reviewer from check_reviews order by id").fetchall()
    finally:
        connection.close()


def fetch(url: str, data: dict | None = None, cookies: dict | None = None) -> tuple[int, str, dict]:
    """(status, body, Set-Cookie values by name) of a GET, or of a form POST when data is given."""
    request = urllib.request.Request(url, data=urllib.parse.urlencode(data).encode() if data is not None else None)
    if cookies:
        request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()))

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        response = opener.open(request, timeout=10)
    except urllib.error.HTTPError as error:
        response = error
    set_cookies = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        set_cookies[name] = rest.split(";", 1)[0]
    return response.status, response.read().decode("utf-8", "replace"), set_cookies


def csrf_cookie(base: str) -> str:
    _, _, cookies = fetch(f"{base}/-/messages")  # a page of Datasette's with a form: it sets the CSRF cookie
    return cookies["ds_csrftoken"]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    return build_demo_db(tmp_path_factory.mktemp("reviews") / "reports.db")


def test_read_only_serve_refuses_reviews(demo_db):
    base, process = start(demo_db)
    try:
        token = csrf_cookie(base)
        status, body, _ = fetch(f"{base}/-/nianbao/review", cookies={"ds_csrftoken": token}, data={
            "csrftoken": token, "report_id": REPORT_ID, "rule": RULE, "verdict": "dismissed", "note": "x"})
        assert status == 403 and "read-only" in body
        status, page, _ = fetch(f"{base}/reports/reports/{REPORT_ID}")
        assert status == 200 and "nb-review-form" not in page and "未复核 not reviewed" in page
        assert fetch(f"{base}/-/login")[0] == 404  # no login at all on a read-only server
    finally:
        stop(process)
    assert reviews_in(demo_db) == []


def test_review_needs_a_password_hash(demo_db, tmp_path):
    command = [sys.executable, "-m", "cli.main", "serve", "--db", str(demo_db), "--review", "--port", "0"]
    env = {k: v for k, v in os.environ.items() if k != HASH_ENV}
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO, env=env, timeout=60)
    assert result.returncode == 2 and "password hash" in result.stderr
    bad = tmp_path / "hash"
    bad.write_text("not-a-hash\n")
    result = subprocess.run(command + ["--password-file", str(bad)], capture_output=True, text=True, cwd=REPO,
                            env=env, timeout=60)
    assert result.returncode == 2 and "password hash" in result.stderr


@pytest.fixture(scope="module")
def review_server(tmp_path_factory):
    db_path = build_demo_db(tmp_path_factory.mktemp("review-mode") / "reports.db")
    hash_file = db_path.parent / "review.hash"
    hash_file.write_text(hash_password(PASSWORD) + "\n")
    before = {table: table_dump(db_path, table) for table in ("checks", "metrics", "reports")}
    base, process = start(db_path, "--review", "--password-file", str(hash_file))
    yield base, db_path, before, hash_file.read_text().strip()
    stop(process)


@pytest.fixture()
def page(browser, review_server):
    base = review_server[0]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    blocked = []

    def only_local(route):
        if route.request.url.startswith(base):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.blocked = blocked
    yield page
    context.close()


def log_in(page, base: str, password: str) -> None:
    page.goto(f"{base}/-/login")
    page.fill("input[name=username]", "reviewer")
    page.fill("input[name=password]", password)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_load_state()


def review_cell(page):
    return page.locator(f"table.nb-failed tbody tr:has(code:text-is('{RULE}')) td.nb-review-cell")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="browser test needs Chromium at /usr/bin/chromium")
def test_wrong_password_cannot_review(review_server, page):
    base, db_path, _, password_hash = review_server
    log_in(page, base, "wrong password")
    assert "Invalid username or password" in page.content()
    page.goto(f"{base}/reports/reports/{REPORT_ID}")
    assert page.locator("form.nb-review-form").count() == 0
    # The route itself refuses an actor-less POST, with a valid CSRF token.
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "ds_csrftoken")
    response = page.request.post(f"{base}/-/nianbao/review", form={
        "csrftoken": token, "report_id": REPORT_ID, "rule": RULE, "verdict": "dismissed", "note": "x"})
    assert response.status == 403
    assert reviews_in(db_path) == []
    # The hash never shows in the served metadata.
    assert password_hash not in fetch(f"{base}/-/metadata.json")[1]


@pytest.mark.skipif(not CHROMIUM.exists(), reason="browser test needs Chromium at /usr/bin/chromium")
def test_reviewer_marks_a_failed_check_latest_wins_history_kept(review_server, page):
    base, db_path, before, _ = review_server
    log_in(page, base, PASSWORD)
    page.goto(f"{base}/reports/reports/{REPORT_ID}")
    cell = review_cell(page)
    assert "未复核 not reviewed" in cell.inner_text()
    form = cell.locator("form.nb-review-form")
    form.locator("select[name=verdict]").select_option("extraction_error")
    form.locator("input[name=note]").fill("表三的结转行读错了一列")
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"**/reports/reports/{REPORT_ID}*")
    cell = review_cell(page)
    assert "解析错误" in cell.locator(".nb-verdict").inner_text()
    assert "表三的结转行读错了一列" in cell.inner_text() and "reviewer" in cell.inner_text()

    form = cell.locator("form.nb-review-form")
    form.locator("select[name=verdict]").select_option("dismissed")
    form.locator("input[name=note]").fill("复核后不成立")
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"**/reports/reports/{REPORT_ID}*")
    cell = review_cell(page)
    assert cell.locator(".nb-verdict").inner_text() == "不成立"
    assert "复核后不成立" in cell.inner_text() and "表三的结转行" not in cell.inner_text()
    assert "2 次复核 reviews" in cell.inner_text()
    page.screenshot(path=str(REPO / "tests" / "artifacts" / "review-report-page.png"), full_page=True)
    assert page.blocked == []

    assert reviews_in(db_path) == [
        (REPORT_ID, RULE, "extraction_error", "表三的结转行读错了一列", "reviewer"),
        (REPORT_ID, RULE, "dismissed", "复核后不成立", "reviewer")]
    # An unknown verdict or a check that did not fail is refused, and writes nothing.
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "ds_csrftoken")
    for form_data, status in (({"verdict": "whatever", "rule": RULE}, 400),
                              ({"verdict": "dismissed", "rule": "no.such.rule"}, 404)):
        response = page.request.post(f"{base}/-/nianbao/review", form={
            "csrftoken": token, "report_id": REPORT_ID, "note": "", **form_data})
        assert response.status == status
    assert len(reviews_in(db_path)) == 2
    # The archive's own tables are untouched.
    for table, dump in before.items():
        assert table_dump(db_path, table) == dump, table

    # The view of checks with their latest review, exported as CSV.
    status, body, _ = fetch(f"{base}/reports/check_reviews_latest.csv?_size=max")
    assert status == 200
    rows = list(csv.DictReader(io.StringIO(body)))
    reviewed = [row for row in rows if row["report_id"] == REPORT_ID and row["rule"] == RULE]
    assert len(reviewed) == 1
    assert (reviewed[0]["verdict"], reviewed[0]["verdict_zh"], reviewed[0]["note"], reviewed[0]["review_count"]) == (
        "dismissed", "不成立", "复核后不成立", "2")
    assert all(row["verdict"] == "" for row in rows if row is not reviewed[0])
