"""End to end, per CMS family: crawl each mock portal twice over real HTTP and check the archive."""
from __future__ import annotations

import hashlib
import json

import pytest
import sqlite_utils

from crawler.families import all_families
from crawler.mockportals import MockSite, fixture_sites
from pipelines.archive import archive_dir_for, read_payload
from tests.crawl_helpers import expected_for, path_of, run_crawl, snapshot, write_registry

SITES = fixture_sites()
META_FIELDS = ("index_no", "publisher", "source", "written", "published", "doc_no", "category",
               "disclosure_method", "disclosure_scope", "disclosure_period", "validity", "keywords")


@pytest.fixture(scope="module", params=SITES, ids=[s.name for s in SITES])
def crawled(request, tmp_path_factory):
    root = request.param
    site = MockSite(root).start()
    tmp = tmp_path_factory.mktemp(root.name)
    registry = write_registry(tmp / "portals.yml", site.portal_entries())
    db_path = tmp / "reports.db"
    run_crawl(registry, db_path)
    first_requests = site.requested()
    first = snapshot(db_path)
    site.reset_log()
    run_crawl(registry, db_path)
    second_requests = site.requested()
    yield {"site": site, "root": root, "db": db_path, "expected": expected_for(root), "first": first,
           "first_requests": first_requests, "second_requests": second_requests}
    site.stop()


def reports_by_path(crawled) -> dict[str, dict]:
    return {path_of(r["url"]): r for r in crawled["first"]["reports"]}


def test_every_report_found_exactly_once(crawled):
    urls = [r["url"] for r in crawled["first"]["reports"]]
    assert len(urls) == len(set(urls))
    assert sorted(reports_by_path(crawled)) == sorted(crawled["expected"]["reports"])


def test_exact_metadata_per_report(crawled):
    found = reports_by_path(crawled)
    for path, expected in crawled["expected"]["reports"].items():
        row = found[path]
        meta = json.loads(row["page_meta"])
        for key, value in expected.items():
            if key in ("attachments", "metrics", "failed_checks"):
                continue
            actual = row["title"] if key == "title" else meta.get(key)
            assert actual == value, f"{path}: {key}"


def test_non_reports_not_counted(crawled):
    found = reports_by_path(crawled)
    for path in crawled["expected"].get("not_reports", []):
        assert path not in found
    db = sqlite_utils.Database(crawled["db"])
    run = next(db.query("select * from crawl_runs order by id limit 1"))
    assert run["non_reports"] >= len(crawled["expected"].get("not_reports", []))


def test_gbk_pages_decoded(crawled):
    found = reports_by_path(crawled)
    gbk_paths = crawled["expected"].get("gbk", [])
    if crawled["root"].name in all_families():
        assert gbk_paths, "every family's mock portal has a GBK page"
    for path in gbk_paths:
        row = found[path]
        assert row["encoding"] and row["encoding"].replace("-", "").lower() in ("gb18030", "gbk", "gb2312")
        assert "\ufffd" not in row["text"] and "\ufffd" not in row["title"]
        assert row["title"] == crawled["expected"]["reports"][path].get("title", row["title"])
        assert any("\u4e00" <= ch <= "\u9fff" for ch in row["text"])


def test_attachments_stored_and_archived(crawled):
    found = reports_by_path(crawled)
    attachments = crawled["first"]["attachments"]
    archive = archive_dir_for(crawled["db"])
    for path, expected in crawled["expected"]["reports"].items():
        report_id = found[path]["id"]
        stored = {a["filename"]: a for a in attachments if a["report_id"] == report_id}
        for filename in expected.get("attachments", []):
            assert filename in stored, f"{path}: attachment {filename} missing"
            attachment = stored[filename]
            assert attachment["status"] in ("ok", "unsupported", "corrupt"), attachment
            _, body = read_payload(archive, attachment["warc_file"], attachment["warc_offset"])
            assert hashlib.sha256(body).hexdigest() == attachment["content_hash"]
            assert len(body) == attachment["size"]


def test_detail_pages_archived_raw(crawled):
    archive = archive_dir_for(crawled["db"])
    for row in crawled["first"]["reports"]:
        headers, body = read_payload(archive, row["warc_file"], row["warc_offset"])
        assert body, row["url"]


def test_errors_recorded_and_crawl_continues(crawled):
    db = sqlite_utils.Database(crawled["db"])
    errors = {(path_of(e["url"]), e["kind"]) for e in db.query("select * from fetch_errors where run_id = 1")}
    expected_errors = crawled["expected"].get("errors", [])
    kinds = {e["kind"] for e in expected_errors}
    if crawled["root"].name in all_families():
        assert {"http_404", "http_500"} <= kinds, "every family's mock portal has a 404 and a 500 in its column"
    for error in expected_errors:
        assert (error["path"], error["kind"]) in errors


def test_expected_metrics(crawled):
    db = sqlite_utils.Database(crawled["db"])
    found = reports_by_path(crawled)
    for path, expected in crawled["expected"]["reports"].items():
        if "metrics" not in expected:
            continue
        metrics = {m["key"]: m["value"] for m in db.query("select key, value from metrics where report_id = ?",
                                                            [found[path]["id"]])}
        for key, value in expected["metrics"].items():
            assert metrics.get(key) == value, f"{path}: {key}"


def test_inconsistent_reports_flagged_not_dropped(crawled):
    found = reports_by_path(crawled)
    for path, expected in crawled["expected"]["reports"].items():
        row = found[path]
        failed = sorted(c["rule"] for c in crawled["first"]["checks"] if c["report_id"] == row["id"] and not c["passed"])
        assert failed == sorted(expected.get("failed_checks", [])), path
        assert row["failed_checks"] == len(failed)
        keys = {m["key"] for m in crawled["first"]["metrics"] if m["report_id"] == row["id"]}
        for rule in failed:  # a failed check never drops a number: the R1 cells are all still there
            if rule.startswith("R1.requests."):
                column = rule.rsplit(".", 1)[1]
                for part in ("new", "carried_over", "total", "carry_forward"):
                    assert f"requests.{part}.{column}" in keys, (path, rule, part)


def test_second_crawl_fetches_no_detail_page_and_changes_no_row(crawled):
    detail_paths = set(crawled["expected"]["reports"])
    attachment_names = {name for r in crawled["expected"]["reports"].values() for name in r.get("attachments", [])}
    for requested in crawled["second_requests"]:
        assert requested not in detail_paths, f"second crawl fetched detail page {requested}"
        assert not any(requested.endswith("/" + name) for name in attachment_names), requested
    for error in crawled["expected"].get("errors", []):
        if error["kind"] in ("http_404", "soft_404"):  # failed for good: not asked again while listed the same
            assert error["path"] not in crawled["second_requests"], error
        elif error["kind"] == "http_500":  # may be transient: asked again
            assert error["path"] in crawled["second_requests"], error
    external = crawled["expected"].get("external", [])  # off-host report links are never followed
    if external:
        db = sqlite_utils.Database(crawled["db"])
        touched = {r["url"] for r in db.query("select url from fetch_errors union select url from reports")}
        assert not touched & set(external)
    assert snapshot(crawled["db"]) == crawled["first"]
    db = sqlite_utils.Database(crawled["db"])
    second = next(db.query("select * from crawl_runs order by id desc limit 1"))
    assert second["reports_new"] == 0 and second["reports_updated"] == 0 and second["detail_pages"] == 0
    assert second["details_skipped"] == len(crawled["expected"]["reports"])
