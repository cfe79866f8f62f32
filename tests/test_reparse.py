"""nianbao reparse: parse again from the raw archive, with no portal reachable."""
from __future__ import annotations

import sqlite_utils

from crawler.mockportals import MockSite
from pipelines.archive import archive_dir_for
from tests.crawl_helpers import run_crawl, run_reparse, write_registry
from tests.test_crawl_incremental import REPORTS, build_site, entry


def crawl_then_stop(tmp_path):
    build_site(tmp_path / "portal", REPORTS)
    site = MockSite(tmp_path / "portal").start()
    try:
        registry = write_registry(tmp_path / "portals.yml", [entry(site)])
        run_crawl(registry, tmp_path / "reports.db")
    finally:
        site.stop()  # from here on, nothing is reachable: reparse must use the archive only
    return tmp_path / "reports.db"


def rows(db_path, table):
    db = sqlite_utils.Database(db_path)
    return [dict(r) for r in db.query(f"select * from {table} order by rowid")]


def test_reparse_from_archive_without_network(tmp_path):
    db_path = crawl_then_stop(tmp_path)
    db = sqlite_utils.Database(db_path)
    db["metrics"].delete_where()  # as if the parser had never run
    db.conn.commit()
    result = run_reparse(db_path)
    assert result.returncode == 0, result.stderr
    assert "2 reports: changed 2" in result.stdout
    metrics = {(m["report_id"], m["key"]): m["value"] for m in rows(db_path, "metrics")}
    by_url = {r["url"].rsplit("/", 1)[1]: r["id"] for r in rows(db_path, "reports")}
    assert metrics.get((by_url["2020.html"], "active.total")) == 120
    assert metrics.get((by_url["2021.html"], "active.total")) == 135


def test_unreadable_archive_keeps_stored_parse(tmp_path):
    db_path = crawl_then_stop(tmp_path)
    before = rows(db_path, "metrics"), rows(db_path, "reports")
    for warc in archive_dir_for(db_path).glob("*.warc.gz"):
        warc.write_bytes(warc.read_bytes()[:100])  # truncated: no record can be read
    result = run_reparse(db_path)
    assert result.returncode == 1
    assert "2 unreadable" in result.stdout
    assert (rows(db_path, "metrics"), rows(db_path, "reports")) == before


def test_a_reparse_that_would_drop_metrics_is_held_back_until_accepted(tmp_path):
    db_path = crawl_then_stop(tmp_path)
    db = sqlite_utils.Database(db_path)
    report_id = rows(db_path, "reports")[0]["id"]
    # As if an earlier parser had read one more number than today's does.
    db["metrics"].insert({"report_id": report_id, "key": "active.normative.made", "value": 7})
    db["metrics"].update((report_id, "active.total"), {"value": 1})
    db.conn.commit()
    before = rows(db_path, "metrics")

    dry = run_reparse(db_path, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert f"held back (would lose data) {report_id}" in dry.stdout
    assert "-1 metrics [active.normative.made]" in dry.stdout
    assert "~1 metrics [active.total 1->120]" in dry.stdout, dry.stdout
    assert rows(db_path, "metrics") == before  # a dry run writes nothing

    held = run_reparse(db_path)
    assert "1 held back" in held.stdout
    assert rows(db_path, "metrics") == before  # not applied silently

    accepted = run_reparse(db_path, "--accept-losses")
    assert f"changed {report_id}" in accepted.stdout
    metrics = {(m["report_id"], m["key"]): m["value"] for m in rows(db_path, "metrics")}
    assert (report_id, "active.normative.made") not in metrics
    assert metrics[(report_id, "active.total")] != 1
