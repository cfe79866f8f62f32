"""The archive's writes: versions, and never a worse result over a better one."""
from __future__ import annotations

from pipelines import store

URL = "http://www.linyi.gov.cn/zwgk/zfxxgknb/202101/t20210127_1001.html"


def report(text: str) -> dict:
    return {"id": store.stable_id(URL), "url": URL, "portal_id": "linyi-kjj-nb",
            "title": "临沂市科学技术局2020年政府信息公开工作年度报告", "text": text,
            "content_hash": store.content_hash(text)}


def parsed(metrics: dict, fatal: bool = False) -> dict:
    result = {"format": "legacy", "report_year": 2020, "metrics": metrics, "checks": [], "errors": []}
    if fatal:
        result["fatal"] = True
        result["errors"] = ["no text could be read"]
    return result


def metrics_of(db) -> dict:
    return {r["key"]: r["value"] for r in db.query("select key, value from metrics")}


def test_changed_content_becomes_a_new_version(tmp_path):
    db = store.open_db(tmp_path / "r.db")
    assert store.save_report(db, report("主动公开政府信息120条"), [], parsed({"active.total": 120})) == "new"
    assert store.save_report(db, report("主动公开政府信息120条"), [], parsed({"active.total": 120})) == "unchanged"
    assert store.save_report(db, report("主动公开政府信息121条"), [], parsed({"active.total": 121})) == "updated"
    row = store.get_report(db, store.stable_id(URL))
    assert row["version"] == 2 and "121" in row["text"] and metrics_of(db) == {"active.total": 121}
    versions = list(db.query("select version, text, replaced_at from report_versions"))
    assert len(versions) == 1 and versions[0]["version"] == 1 and "120" in versions[0]["text"]
    assert versions[0]["replaced_at"]


def test_unparseable_capture_never_replaces_a_good_report(tmp_path):
    db = store.open_db(tmp_path / "r.db")
    store.save_report(db, report("主动公开政府信息120条"), [], parsed({"active.total": 120}))
    outcome = store.save_report(db, report("<系统维护中>"), [], parsed({}, fatal=True))
    assert outcome == "kept"
    row = store.get_report(db, store.stable_id(URL))
    assert row["version"] == 1 and "120" in row["text"] and row["parse_status"] == "ok"
    assert metrics_of(db) == {"active.total": 120}
    kept = list(db.query("select version, text, replaced_at, note from report_versions"))
    assert kept == [{"version": 2, "text": "<系统维护中>", "replaced_at": None, "note": kept[0]["note"]}]
    assert "could not be parsed" in kept[0]["note"]
    # A later good capture becomes current with the next free version number.
    assert store.save_report(db, report("主动公开政府信息125条"), [], parsed({"active.total": 125})) == "updated"
    assert store.get_report(db, store.stable_id(URL))["version"] == 3


def test_failed_reparse_keeps_stored_metrics(tmp_path):
    db = store.open_db(tmp_path / "r.db")
    store.save_report(db, report("主动公开政府信息120条"), [], parsed({"active.total": 120}))
    report_id = store.stable_id(URL)
    assert store.write_parse(db, report_id, parsed({}, fatal=True)) is False
    assert metrics_of(db) == {"active.total": 120}
    assert store.write_parse(db, report_id, parsed({"active.total": 120, "requests.new.total": 3})) is True
    assert metrics_of(db) == {"active.total": 120, "requests.new.total": 3}


def test_failed_attachment_download_keeps_archived_copy(tmp_path):
    db = store.open_db(tmp_path / "r.db")
    attachment = {"id": store.stable_id(URL + ".pdf"), "url": URL + ".pdf", "filename": "nb.pdf", "status": "ok",
                  "size": 1234, "content_hash": "abc", "text": "全文"}
    store.save_report(db, report("主动公开政府信息120条"), [attachment], parsed({"active.total": 120}))
    failed = dict(attachment, status="fetch_error", size=None, content_hash=None, text=None, error="HTTP 500")
    store.save_report(db, report("主动公开政府信息121条"), [failed], parsed({"active.total": 121}))
    stored = db["attachments"].get(attachment["id"])
    assert stored["status"] == "ok" and stored["text"] == "全文" and stored["size"] == 1234
