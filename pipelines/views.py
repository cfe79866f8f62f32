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
    """A whole number as an INTEGER (376, not 376.0): metrics.value has NUMERIC affinity, but a
    database written before that stored REAL values (a few metrics are amounts: 3.5 万元)."""
    return (f"(select case when v = cast(v as integer) then cast(v as integer) else v end "
            f"from (select {expression} as v))")


def _metric_cell(column: str, key: str) -> str:
    return _whole(f"(select m.value from metrics m where m.report_id = r.id and m.key = '{key}')") + f" as {column}"


REPORT_SUMMARY = f"""
select
  r.id, r.title, r.agency, r.agency_level, r.province, r.city, r.county, r.region, r.department, r.report_year,
  r.format, r.published,
  {(", " + chr(10) + "  ").join(_metric_cell(column, key) for column, key in HEADLINE_METRICS)},
  (select count(*) from checks c where c.report_id = r.id and c.passed = 0) as failed_checks,
  r.checks_run, r.checks_passed,
  (select count(*) from metrics m where m.report_id = r.id) as metric_count,
  r.completeness, r.tables_found,
  r.parse_status, r.url,
  case when r.warc_file is not null then '/-/archive/' || r.id end as archived_copy
from reports r
"""

# The place a report counts for at its own level: a city bureau counts for its city, never for a
# county inside it; a province department for its province. Levels are never added together.
PROVINCE_LEVELS = "('province_gov', 'province_dept')"
COUNTY_LEVELS = "('county_gov', 'county_dept', 'town_gov')"
GOVERNMENT_LEVELS = "('province_gov', 'city_gov', 'county_gov')"

# Long form: one row per metric key, year, agency level and place; the pivot canned query turns years
# into columns. Filter (or facet) on agency_level: rows of different levels must not be summed.
METRIC_BY_YEAR_REGION = f"""
select
  g.key, k.label_zh, g.report_year, g.agency_level, l.label_zh as level_zh, g.province, g.city, g.county,
  case when g.agency_level in {PROVINCE_LEVELS} then g.province
       when g.agency_level in {COUNTY_LEVELS} or g.agency_level = 'other' then coalesce(g.county, g.city)
       else g.city end as region,
  g.reports,
  case when g.total = cast(g.total as integer) then cast(g.total as integer) else g.total end as total,
  coalesce(g.unit, k.unit) as unit
from (
  select
    m.key, r.report_year, r.agency_level, r.province, coalesce(r.city, r.province) as city,
    case when r.agency_level in {COUNTY_LEVELS} or r.agency_level = 'other' then r.county end as county,
    count(*) as reports, sum(m.value) as total, min(m.unit) as unit
  from metrics m join reports r on r.id = m.report_id
  where r.report_year is not null
  group by 1, 2, 3, 4, 5, 6
) g
left join metric_keys k on k.key = g.key
left join agency_levels l on l.level = g.agency_level
"""

# The registered rule a concrete check name comes from (check_rules.prefix: the pattern up to its
# first placeholder; the longest matching prefix wins).
def _rule_field(field: str) -> str:
    return (f"(select cr.{field} from check_rules cr where c.rule = cr.rule or (cr.prefix <> cr.rule "
            f"and substr(c.rule, 1, length(cr.prefix)) = cr.prefix) order by length(cr.prefix) desc limit 1)")


REPORTS_FAILING_CHECKS = f"""
select
  r.id as report_id, r.title, r.agency, r.agency_level, r.province, r.city, r.report_year,
  c.rule, c.expected, c.found, c.detail,
  {_rule_field("compares_zh")} as rule_zh,
  {_rule_field("compares_en")} as rule_en,
  r.checks_run, r.url
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
