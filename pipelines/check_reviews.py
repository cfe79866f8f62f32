"""Reviewers' verdicts on failed consistency checks (issue 15): the check_reviews table and its view.

A review never edits the archive's numbers: it is a row of its own, one per verdict given, so the
history is kept and the latest review of a check (the highest id) is the one views show.
"""
from __future__ import annotations

# verdict code → (Chinese, English)
VERDICTS = {
    "confirmed": ("确认为报告本身的错误", "confirmed in the report"),
    "extraction_error": ("解析错误", "extraction error"),
    "dismissed": ("不成立", "dismissed"),
}

CHECK_REVIEW_COLUMNS = {"id": int, "report_id": str, "rule": str, "verdict": str, "note": str,
                        "reviewer": str, "reviewed_at": str}

VIEW_NAME = "check_reviews_latest"
_VERDICT_ZH = "case v.verdict " + " ".join(
    f"when '{code}' then '{zh}'" for code, (zh, _) in VERDICTS.items()) + " end"
VIEW_SQL = f"""select
  c.report_id, r.title, r.agency, r.report_year, c.rule, c.expected, c.found, c.passed, c.detail,
  v.verdict, {_VERDICT_ZH} as verdict_zh, v.note, v.reviewer, v.reviewed_at,
  (select count(*) from check_reviews h where h.report_id = c.report_id and h.rule = c.rule) as review_count
from checks c
join reports r on r.id = c.report_id
left join check_reviews v on v.id = (
  select max(h.id) from check_reviews h where h.report_id = c.report_id and h.rule = c.rule)
where c.passed = 0 or v.id is not null"""


def ensure_check_reviews(db) -> None:
    """Create the table, its index and the view if missing (a sqlite_utils.Database); idempotent."""
    db["check_reviews"].create(CHECK_REVIEW_COLUMNS, pk="id", foreign_keys=[("report_id", "reports", "id")],
                               if_not_exists=True)
    db["check_reviews"].create_index(["report_id", "rule"], if_not_exists=True)
    sql = f"create view {VIEW_NAME} as {VIEW_SQL}"
    current = db.execute("select sql from sqlite_master where type = 'view' and name = ?", [VIEW_NAME]).fetchone()
    if current is None or current[0] != sql:
        with db.conn:
            db.execute(f"drop view if exists {VIEW_NAME}")
            db.execute(sql)
