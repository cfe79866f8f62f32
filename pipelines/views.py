"""SQL views for the common questions, (re)created idempotently on every open.

Headline metrics are read with one indexed lookup per cell (metrics' primary key is
(report_id, key)) rather than a GROUP BY over the whole metrics table, so that a page of
report_summary stays cheap on a large archive.
"""
from __future__ import annotations

# (view column, metric key) for the one-row-per-report summary.
HEADLINE_METRICS = [
    ("active_total", "active.total"),
    ("requests_new", "requests.new.total"),
    ("requests_total", "requests.total.total"),
    ("review_total", "review.total"),
    ("litigation_total", "litigation.total"),
]


def _whole(expression: str) -> str:
    """Counts are stored as REAL (a few metrics are amounts); show 376, not 376.0, when whole."""
    return (f"(select case when v = cast(v as integer) then cast(v as integer) else v end "
            f"from (select {expression} as v))")


def _metric_cell(column: str, key: str) -> str:
    return _whole(f"(select m.value from metrics m where m.report_id = r.id and m.key = '{key}')") + f" as {column}"


REPORT_SUMMARY = f"""
select
  r.id, r.title, r.agency, r.province, r.city, r.county, r.region, r.department, r.report_year,
  r.format, r.published,
  {(", " + chr(10) + "  ").join(_metric_cell(column, key) for column, key in HEADLINE_METRICS)},
  (select count(*) from checks c where c.report_id = r.id and c.passed = 0) as failed_checks,
  (select count(*) from metrics m where m.report_id = r.id) as metric_count,
  r.parse_status, r.url,
  case when r.warc_file is not null then '/-/archive/' || r.id end as archived_copy
from reports r
"""

# Long form: one row per metric key, year and place; the pivot canned query turns years into columns.
METRIC_BY_YEAR_REGION = """
select
  m.key, r.report_year, r.province, coalesce(r.city, r.province) as city,
  count(*) as reports,
  case when sum(m.value) = cast(sum(m.value) as integer) then cast(sum(m.value) as integer) else sum(m.value) end as total,
  min(m.unit) as unit
from metrics m join reports r on r.id = m.report_id
where r.report_year is not null
group by m.key, r.report_year, r.province, coalesce(r.city, r.province)
"""

REPORTS_FAILING_CHECKS = """
select
  r.id as report_id, r.title, r.agency, r.province, r.city, r.report_year,
  c.rule, c.expected, c.found, c.detail, r.url
from checks c join reports r on r.id = c.report_id
where c.passed = 0
"""

PORTAL_ERRORS_LAST_RUN = """
select
  e.run_id, e.portal_id, p.name, p.province, p.city, p.department,
  count(*) as errors, group_concat(distinct e.kind) as kinds, group_concat(distinct e.stage) as stages,
  max(e.time) as last_error_at, min(e.url) as example_url, min(e.message) as example_message
from fetch_errors e left join portals p on p.id = e.portal_id
where e.run_id = (select max(id) from crawl_runs)
group by e.run_id, e.portal_id
"""

VIEWS = {
    "report_summary": REPORT_SUMMARY,
    "metric_by_year_region": METRIC_BY_YEAR_REGION,
    "reports_failing_checks": REPORTS_FAILING_CHECKS,
    "portal_errors_last_run": PORTAL_ERRORS_LAST_RUN,
}


def create_views(db) -> None:
    """Create missing views and replace changed ones; an unchanged view is left alone, so opening
    the archive while Datasette serves it does not churn the schema."""
    current = dict(db.execute("select name, sql from sqlite_master where type = 'view'").fetchall())
    with db.conn:
        for name, body in VIEWS.items():
            sql = f"create view {name} as {body.strip()}"
            if current.get(name) == sql:
                continue
            db.execute(f"drop view if exists {name}")
            db.execute(sql)
