"""Recrawls: a changed list entry is fetched again and a changed report archived as a new version;
bad registry entries and broken portals are recorded while the other portals are crawled."""
from __future__ import annotations

import json

import pytest
import sqlite_utils

from crawler.mockportals import MockSite
from tests.crawl_helpers import path_of, run_crawl, run_reparse, write_registry

LIST_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>政府信息公开年报</title></head><body>
<div class="nav">首页 &gt; 政务公开 &gt; 政府信息公开年报</div>
<ul class="list">
{rows}
</ul></body></html>"""
ROW = '<li><a href="{href}" title="{title}">{title}</a><span>{date}</span></li>'
DETAIL = """<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="ArticleTitle" content="{title}">
<meta name="PubDate" content="{date} 09:00:00"></head><body>
<table class="xxgk_table"><tr><td>索引号：</td><td>{index}</td><td>发布机构：</td><td>临沂市科学技术局</td></tr></table>
<div id="zoom"><p>{body}</p></div></body></html>"""

REPORTS = {
    "2020.html": ("临沂市科学技术局2020年政府信息公开工作年度报告", "2021-01-20", "2021年，本机关主动公开政府信息120条。"),
    "2021.html": ("临沂市科学技术局2021年政府信息公开工作年度报告", "2022-01-21", "2021年，本机关主动公开政府信息135条。"),
}


def build_site(root, reports):
    site_dir = root / "site" / "nb"
    site_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for number, (name, (title, date, body)) in enumerate(sorted(reports.items()), start=1):
        rows.append(ROW.format(href=name, title=title, date=date))
        (site_dir / name).write_text(
            DETAIL.format(title=title, date=date, index=f"11371300MB28/{date[:4]}-0000{number}", body=body),
            encoding="utf-8")
    (site_dir / "index.html").write_text(LIST_PAGE.format(rows="\n".join(rows)), encoding="utf-8")


def entry(site, portal_id="linyi-kjj", family="generic"):
    return {"id": portal_id, "name": "临沂市科学技术局 政府信息公开年报", "province": "山东省", "city": "临沂市",
            "county": None, "region_code": "371300", "department": "科技局", "family": family,
            "start_urls": [f"{site.base_url}/nb/index.html"]}


@pytest.fixture
def portal(tmp_path):
    build_site(tmp_path / "portal", REPORTS)
    site = MockSite(tmp_path / "portal").start()
    yield site
    site.stop()


def test_changed_entry_refetched_and_new_version_kept(portal, tmp_path):
    registry = write_registry(tmp_path / "portals.yml", [entry(portal)])
    db_path = tmp_path / "reports.db"
    run_crawl(registry, db_path)
    db = sqlite_utils.Database(db_path)
    assert db["reports"].count == 2
    before = {path_of(r["url"]): r for r in db.query("select * from reports")}

    changed = dict(REPORTS)
    changed["2021.html"] = (REPORTS["2021.html"][0], "2022-02-08", "（修订）2021年，本机关主动公开政府信息136条。")
    build_site(tmp_path / "portal", changed)
    portal.reset_log()
    run_crawl(registry, db_path)

    requested = portal.requested()
    assert "/nb/2021.html" in requested and "/nb/2020.html" not in requested
    after = {path_of(r["url"]): r for r in db.query("select * from reports")}
    assert after["/nb/2020.html"] == before["/nb/2020.html"]
    new = after["/nb/2021.html"]
    assert new["version"] == 2 and new["content_hash"] != before["/nb/2021.html"]["content_hash"]
    assert "136条" in new["text"]
    versions = list(db.query("select * from report_versions where report_id = ?", [new["id"]]))
    assert len(versions) == 1 and versions[0]["version"] == 1 and "135条" in versions[0]["text"]
    run = next(db.query("select * from crawl_runs order by id desc limit 1"))
    assert run["reports_updated"] == 1 and run["details_skipped"] == 1


def test_changed_date_same_content_adds_no_version(portal, tmp_path):
    registry = write_registry(tmp_path / "portals.yml", [entry(portal)])
    db_path = tmp_path / "reports.db"
    run_crawl(registry, db_path)
    changed = dict(REPORTS)
    title, _, body = REPORTS["2020.html"]
    changed["2020.html"] = (title, "2021-01-25", body)  # the list shows a new date, the text is the same
    build_site(tmp_path / "portal", changed)
    portal.reset_log()
    run_crawl(registry, db_path)
    assert "/nb/2020.html" in portal.requested()
    db = sqlite_utils.Database(db_path)
    assert db["report_versions"].count == 0
    row = next(db.query("select * from reports where url like '%2020.html'"))
    assert row["version"] == 1 and row["list_date"] == "2021-01-25"


def test_bad_registry_entry_and_dead_portal_recorded_others_crawled(portal, tmp_path):
    bad_family = dict(entry(portal, "broken-family"), family="no-such-cms")
    dead = dict(entry(portal, "dead-portal"), start_urls=["http://127.0.0.1:9/nb/index.html"])
    registry = write_registry(tmp_path / "portals.yml", [bad_family, dead, entry(portal)])
    db_path = tmp_path / "reports.db"
    run_crawl(registry, db_path)
    db = sqlite_utils.Database(db_path)
    assert db["reports"].count == 2
    errors = list(db.query("select portal_id, kind, message from fetch_errors"))
    assert any(e["portal_id"] == "broken-family" and e["kind"] == "registry" and "family" in e["message"] for e in errors)
    assert any(e["portal_id"] == "dead-portal" and e["kind"] == "connection_refused" for e in errors)
    assert any(e["portal_id"] == "dead-portal" and e["kind"] == "empty_column" for e in errors)
    assert not any(e["portal_id"] == "linyi-kjj" for e in errors)


HOSTILE_HANDLER = '''
from crawler.mockportals import MockResponse


def handle(request):
    if request.path == "/nb/loop.html":
        return MockResponse(302, b"", {"Location": "/nb/loop.html?again=1" if not request.query else "/nb/loop.html"})
    if request.path == "/nb/big.pdf":
        return MockResponse(200, b"%PDF-1.4\\n" + b"0" * 300_000, {"Content-Type": "application/pdf"})
    return None
'''


def test_oversize_attachment_and_redirect_loop_recorded(tmp_path):
    root = tmp_path / "hostile"
    reports = dict(REPORTS)
    build_site(root, reports)
    page = root / "site" / "nb" / "2021.html"
    page.write_text(page.read_text(encoding="utf-8").replace(
        "</p></div>", '</p><p>附件：<a href="big.pdf">2021年度报告全文.pdf</a></p></div>'), encoding="utf-8")
    index = root / "site" / "nb" / "index.html"
    index.write_text(index.read_text(encoding="utf-8").replace(
        "</ul>", '<li><a href="loop.html" title="临沂市科学技术局2019年政府信息公开工作年度报告">2019年报</a><span>2020-01-10</span></li></ul>'),
        encoding="utf-8")
    (root / "site.py").write_text(HOSTILE_HANDLER, encoding="utf-8")
    site = MockSite(root).start()
    try:
        registry = write_registry(tmp_path / "portals.yml", [entry(site)])
        db_path = tmp_path / "reports.db"
        run_crawl(registry, db_path, "--set", "NIANBAO_ATTACHMENT_MAXSIZE=100000", "--set", "REDIRECT_MAX_TIMES=3")
    finally:
        site.stop()
    db = sqlite_utils.Database(db_path)
    assert db["reports"].count == 2
    attachment = next(db.query("select * from attachments"))
    assert attachment["status"] == "oversize" and attachment["url"].endswith("/nb/big.pdf")
    kinds = {(path_of(e["url"]), e["kind"]) for e in db.query("select * from fetch_errors")}
    assert ("/nb/big.pdf", "oversize") in kinds
    assert any(kind == "redirect_loop" and path.startswith("/nb/loop.html") for path, kind in kinds)


def test_gzip_without_asking_archived_as_served_and_robots_obeyed(tmp_path):
    root = tmp_path / "gzipped"
    build_site(root, REPORTS)
    (root / "site.yml").write_text('gzip: ["/nb/*"]\n', encoding="utf-8")
    (root / "site" / "robots.txt").write_text("User-agent: *\nDisallow: /nb/2020.html\n", encoding="utf-8")
    site = MockSite(root).start()
    try:
        registry = write_registry(tmp_path / "portals.yml", [entry(site)])
        db_path = tmp_path / "reports.db"
        run_crawl(registry, db_path)
    finally:
        site.stop()
    db = sqlite_utils.Database(db_path)
    reports = list(db.query("select * from reports"))
    assert [path_of(r["url"]) for r in reports] == ["/nb/2021.html"]
    assert "135条" in reports[0]["text"]
    kinds = {(path_of(e["url"]), e["kind"]) for e in db.query("select * from fetch_errors")}
    assert ("/nb/2020.html", "robots") in kinds
    # The archive holds the gzip bytes the server sent; reading it back undoes the encoding.
    from pipelines.archive import archive_dir_for, read_payload
    from warcio.archiveiterator import ArchiveIterator

    archive = archive_dir_for(db_path)
    with open(archive / reports[0]["warc_file"], "rb") as handle:
        handle.seek(reports[0]["warc_offset"])
        record = next(iter(ArchiveIterator(handle)))
        assert record.http_headers.get_header("Content-Encoding") == "gzip"
        assert record.raw_stream.read()[:2] == b"\x1f\x8b"
    headers, body = read_payload(archive, reports[0]["warc_file"], reports[0]["warc_offset"])
    assert "135条".encode("utf-8") in body


def test_dead_detail_page_skipped_until_its_entry_changes_or_asked(tmp_path):
    root = tmp_path / "dead"
    build_site(root, REPORTS)
    index = root / "site" / "nb" / "index.html"
    listing = index.read_text(encoding="utf-8")
    dead_row = '<li><a href="gone.html" title="临沂市科学技术局2019年政府信息公开工作年度报告">2019年报</a><span>2020-01-10</span></li>'
    index.write_text(listing.replace("</ul>", dead_row + "</ul>"), encoding="utf-8")
    site = MockSite(root).start()
    try:
        registry = write_registry(tmp_path / "portals.yml", [entry(site)])
        db_path = tmp_path / "reports.db"
        run_crawl(registry, db_path)
        site.reset_log()
        run_crawl(registry, db_path)  # same listing: the 404 is not asked again
        assert "/nb/gone.html" not in site.requested()
        run_crawl(registry, db_path, "--set", "NIANBAO_RETRY_FAILED=True")  # unless asked to
        assert site.requested().count("/nb/gone.html") == 1
        site.reset_log()
        index.write_text(listing.replace("</ul>", dead_row.replace("2020-01-10", "2020-01-12") + "</ul>"),
                         encoding="utf-8")
        run_crawl(registry, db_path)  # the entry changed: asked again
        assert site.requested().count("/nb/gone.html") == 1
    finally:
        site.stop()
    db = sqlite_utils.Database(db_path)
    runs = list(db.query("select failures_skipped from crawl_runs order by id"))
    assert [r["failures_skipped"] for r in runs] == [0, 1, 0, 0]


def test_multi_page_article_read_whole_and_reparsed_from_archive(tmp_path):
    root = tmp_path / "multipage"
    build_site(root, REPORTS)
    first = root / "site" / "nb" / "2021.html"
    first.write_text(first.read_text(encoding="utf-8").replace(
        "</p></div>", "</p><p>一、总体情况（第1页，共3页）</p>"
        '<script>createPageHTML(3, 0, "2021", "html");</script></div>'), encoding="utf-8")
    for part, body in ((1, "二、主动公开政府信息情况。全年新增公开规范性文件12件。"),
                       (2, "三、收到和处理政府信息公开申请情况。全年收到依申请公开政府信息3件。"
                           '附件：<a href="P020220121.pdf">统计表.pdf</a>')):
        (root / "site" / "nb" / f"2021_{part}.html").write_text(
            f'<html><head><meta charset="utf-8"></head><body><div id="zoom"><p>{body}</p>'
            f'<script>createPageHTML(3, {part}, "2021", "html");</script></div></body></html>', encoding="utf-8")
    (root / "site" / "nb" / "P020220121.pdf").write_bytes(b"%PDF-1.4 not really a pdf")
    site = MockSite(root).start()
    try:
        registry = write_registry(tmp_path / "portals.yml", [entry(site)])
        db_path = tmp_path / "reports.db"
        run_crawl(registry, db_path)
    finally:
        site.stop()
    db = sqlite_utils.Database(db_path)
    report = next(db.query("select * from reports where url like '%/2021.html'"))
    assert db["reports"].count == 2  # the parts are not reports of their own
    text = report["text"]
    assert text.index("135条") < text.index("规范性文件12件") < text.index("依申请公开政府信息3件")
    assert [p["url"].rsplit("/", 1)[1] for p in json.loads(report["continuations"])] == ["2021_1.html", "2021_2.html"]
    assert next(db.query("select filename from attachments"))["filename"] in ("P020220121.pdf", "统计表.pdf")
    metrics = {m["key"]: m["value"] for m in db.query("select key, value from metrics where report_id = ?", [report["id"]])}
    assert metrics.get("requests.new.total") == 3  # read from the last part
    # Offline: the parts come back from the archive.
    db["metrics"].delete_where()
    db.conn.commit()
    result = run_reparse(db_path)
    assert result.returncode == 0, result.stderr
    metrics = {m["key"]: m["value"] for m in db.query("select key, value from metrics where report_id = ?", [report["id"]])}
    assert metrics.get("requests.new.total") == 3


FLAKY_ATTACHMENT = '''
from pathlib import Path

from crawler.mockportals import MockResponse


def handle(request):
    if request.path == "/nb/P020220121.pdf" and not (Path(__file__).parent / "attachment-is-back").exists():
        return MockResponse(503, b"busy", {"Content-Type": "text/plain"})
    return None
'''


def test_failed_attachment_download_retried_on_next_crawl(tmp_path):
    root = tmp_path / "flaky"
    build_site(root, REPORTS)
    page = root / "site" / "nb" / "2021.html"
    page.write_text(page.read_text(encoding="utf-8").replace(
        "</p></div>", '</p><p>附件：<a href="P020220121.pdf">2021年度报告全文.pdf</a></p></div>'), encoding="utf-8")
    (root / "site" / "nb" / "P020220121.pdf").write_bytes(b"%PDF-1.4 placeholder")
    (root / "site.py").write_text(FLAKY_ATTACHMENT, encoding="utf-8")
    site = MockSite(root).start()
    try:
        registry = write_registry(tmp_path / "portals.yml", [entry(site)])
        db_path = tmp_path / "reports.db"
        run_crawl(registry, db_path)
        db = sqlite_utils.Database(db_path)
        assert next(db.query("select status from attachments"))["status"] == "fetch_error"
        (root / "attachment-is-back").touch()
        site.reset_log()
        run_crawl(registry, db_path)
        requested = site.requested()
        assert "/nb/2021.html" in requested and "/nb/P020220121.pdf" in requested
        assert "/nb/2020.html" not in requested  # only the report missing its attachment is asked again
        attachment = next(db.query("select * from attachments"))
        assert attachment["status"] != "fetch_error" and attachment["size"] == len(b"%PDF-1.4 placeholder")
        site.reset_log()
        run_crawl(registry, db_path)  # complete now: nothing is asked again
        assert "/nb/2021.html" not in site.requested()
    finally:
        site.stop()
