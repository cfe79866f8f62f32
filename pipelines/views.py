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

# --- derived indicators (issue 15) ------------------------------------------------------------------
# Rates per report, in percent (0-100, two decimals), from table 三 and 四 cells. A rate whose
# denominator is missing or zero, or whose numerator is missing, is NULL and says why in <code>_reason;
# never 0 and never a division error. (code, label_zh, label_en): the ranking's :indicator choices.
INDICATORS = (
    ("disclosure_rate", "公开率", "disclosure rate: (予以公开 + 部分公开) / 办结总计"),
    ("denial_rate", "不予公开率", "denial rate: 不予公开 / 办结总计"),
    ("unable_rate", "无法提供率", "unable-to-provide rate: 无法提供 / 办结总计"),
    ("review_correction_rate", "复议纠错率", "reconsideration correction rate: 结果纠正 / 复议总计"),
    ("litigation_loss_rate", "诉讼败诉率", "lawsuit loss rate: 结果纠正 / 审结 (direct + after reconsideration)"),
    ("disclosure_fees", "收费金额（元）", "disclosure fees charged, in 元 (an amount: no denominator)"),
)
RATE_INDICATORS = tuple(code for code, _zh, _en in INDICATORS if code != "disclosure_fees")

_DENIED_KEYS = tuple(f"requests.{row}.total" for row in (
    "denied.state_secret", "denied.prohibited_by_law", "denied.security_stability", "denied.third_party",
    "denied.internal_affairs", "denied.process_info", "denied.enforcement_files", "denied.query_matters"))
_UNABLE_KEYS = tuple(f"requests.{row}.total" for row in ("unable.not_held", "unable.needs_creation", "unable.unclear"))
# Lawsuits: the standard table's two blocks (未经复议直接起诉, 复议后起诉) added together where the report
# has them; the legacy 统计表's one block (litigation.upheld/corrected/other) otherwise. 审结 = 结果维持 +
# 结果纠正 + 其他结果 (总计 less 尚未审结).
_LITIGATION_CORRECTED = ("litigation.direct.corrected", "litigation.after_review.corrected", "litigation.corrected")
_LITIGATION_CONCLUDED = tuple(f"{block}.{part}" for block in ("litigation.direct", "litigation.after_review", "litigation")
                              for part in ("upheld", "corrected", "other"))


def _one(key: str) -> str:
    return f"(select m.value from metrics m where m.report_id = r.id and m.key = '{key}')"


def _sum(keys: tuple[str, ...]) -> str:
    """The sum of the cells the report has (NULL when it has none of them)."""
    listed = ", ".join(f"'{key}'" for key in keys)
    return f"(select sum(m.value) from metrics m where m.report_id = r.id and m.key in ({listed}))"


def _rate(code: str, numerator: str, denominator: str, missing_den: str, zero_den: str, missing_num: str) -> str:
    return f""",
  ({numerator}) as {code}_numerator, ({denominator}) as {code}_denominator,
  case when {denominator} > 0 and {numerator} is not null
       then round(100.0 * ({numerator}) / ({denominator}), 2) end as {code},
  case when {denominator} is null then '{missing_den}'
       when {denominator} = 0 then '{zero_den}'
       when {numerator} is null then '{missing_num}' end as {code}_reason"""


_NO_HANDLED = "缺少办结总计 no applications-handled total (requests.total.total) in the report"
_ZERO_HANDLED = "办结总计为0 no applications handled (requests.total.total = 0)"
REPORT_INDICATORS = f"""
select
  b.report_id, b.title, b.agency, b.agency_level, b.province, b.city, b.county, b.region, b.report_year, b.format
  {_rate("disclosure_rate", "b.granted + b.partial", "b.handled", _NO_HANDLED, _ZERO_HANDLED,
         "缺少予以公开或部分公开 no 予以公开/部分公开 row (requests.granted.total, requests.partial.total): table 三 not read")}
  {_rate("denial_rate", "b.denied", "b.handled", _NO_HANDLED, _ZERO_HANDLED,
         "缺少不予公开各行 no 不予公开 rows (requests.denied.*.total): table 三 not read")}
  {_rate("unable_rate", "b.unable", "b.handled", _NO_HANDLED, _ZERO_HANDLED,
         "缺少无法提供各行 no 无法提供 rows (requests.unable.*.total): table 三 not read")}
  {_rate("review_correction_rate", "b.review_corrected", "b.review_total",
         "缺少复议总计 no reconsideration total (review.total)", "复议总计为0 no reconsiderations (review.total = 0)",
         "缺少复议结果纠正 no 结果纠正 cell (review.corrected)")}
  {_rate("litigation_loss_rate", "b.litigation_corrected", "b.litigation_concluded",
         "缺少诉讼审结数 no concluded lawsuits figure (litigation.*.upheld/corrected/other)",
         "诉讼审结数为0 no lawsuits concluded (审结 = 0)",
         "缺少诉讼结果纠正 no 结果纠正 cell (litigation.*.corrected)")},
  b.fees_stated as disclosure_fees_stated, b.fees_unit as disclosure_fees_unit,
  case when b.fees_unit = '万元' then b.fees_stated * 10000 else b.fees_stated end as disclosure_fees,
  case when b.fees_stated is null then '缺少收费金额 no disclosure fee figure (disclosure_fees.total) in the report'
       when coalesce(b.fees_unit, '元') not in ('元', '万元') then '收费单位不明 fee unit is neither 元 nor 万元' end
    as disclosure_fees_reason
from (
  select
    r.id as report_id, r.title, r.agency, r.agency_level, r.province, r.city, r.county, r.region, r.report_year,
    r.format,
    {_one("requests.total.total")} as handled,
    {_one("requests.granted.total")} as granted,
    {_one("requests.partial.total")} as partial,
    {_sum(_DENIED_KEYS)} as denied,
    {_sum(_UNABLE_KEYS)} as unable,
    {_one("review.corrected")} as review_corrected,
    {_one("review.total")} as review_total,
    {_sum(_LITIGATION_CORRECTED)} as litigation_corrected,
    {_sum(_LITIGATION_CONCLUDED)} as litigation_concluded,
    {_one("disclosure_fees.total")} as fees_stated,
    (select m.unit from metrics m where m.report_id = r.id and m.key = 'disclosure_fees.total') as fees_unit
  from reports r
) b
"""


def _indicator_branch(code: str, label_zh: str) -> str:
    if code == "disclosure_fees":
        numerator, denominator = "i.disclosure_fees", "null"
        value = "case when i.disclosure_fees_reason is null then i.disclosure_fees end"
    else:
        numerator, denominator, value = f"i.{code}_numerator", f"i.{code}_denominator", f"i.{code}"
    return (f"select i.report_id, i.agency, i.agency_level, i.province, i.city, i.county, i.region, i.report_year, "
            f"'{code}' as indicator, '{label_zh}' as label_zh, {value} as value, {numerator} as numerator, "
            f"{denominator} as denominator, i.{code}_reason as reason from report_indicators i")


# Long form of report_indicators: one row per report and indicator; value NULL with its reason where the
# indicator cannot be computed. The ranking query and the list of gaps read it.
INDICATOR_VALUES = "\nunion all\n".join(_indicator_branch(code, zh) for code, zh, _en in INDICATORS)

# --- crawl health (issue 12; `nianbao status` reads these, pipelines/status.py) ---------------------------
# A portal is broken when its latest run recorded `empty_column` for it: the column listed no annual
# report at all, whatever the cause (start page 404 or refused, markup redesigned, a block page). A
# column that still lists reports but lost some detail pages is `errors`, not broken: its failures are
# per report and retried. Its last good run: the latest run without empty_column for it in which it
# yielded reports (one of its reports first seen, changed or last seen during that run), or its latest
# run when that one listed reports (an incremental run skips unchanged reports, so they are not re-seen).
def _portal_empty_column(run: str) -> str:
    return (f"exists (select 1 from fetch_errors e where e.run_id = {run} and e.portal_id = p.id "
            f"and e.kind = 'empty_column')")


def _seen_during(column: str) -> str:
    return f"(rp.{column} >= cr.started and rp.{column} <= coalesce(cr.finished, '9999'))"


PORTAL_HEALTH = f"""
select
  h.portal_id, h.name, h.province, h.city, h.department,
  case when h.last_run_id is null then 'not_crawled' when h.empty_column then 'broken'
       when h.last_run_errors > 0 then 'errors' else 'ok' end as status,
  h.last_run_id, lr.started as last_run_started, h.last_run_errors, h.last_run_error_kinds,
  h.last_good_run_id, gr.started as last_good_run_started, h.reports_found
from (
  select
    p.id as portal_id, p.name, p.province, p.city, p.department, p.last_run_id,
    p.last_run_id is not null and {_portal_empty_column("p.last_run_id")} as empty_column,
    (select count(*) from fetch_errors e where e.run_id = p.last_run_id and e.portal_id = p.id) as last_run_errors,
    (select group_concat(kind, ', ') from (select distinct e.kind from fetch_errors e
       where e.run_id = p.last_run_id and e.portal_id = p.id order by e.kind)) as last_run_error_kinds,
    (select max(cr.id) from crawl_runs cr
       where not {_portal_empty_column("cr.id")}
         and (cr.id = p.last_run_id or exists (select 1 from reports rp where rp.portal_id = p.id
              and ({_seen_during("first_seen")} or {_seen_during("last_changed")} or {_seen_during("last_seen")})))
    ) as last_good_run_id,
    (select count(*) from reports r where r.portal_id = p.id) as reports_found
  from portals p
) h
left join crawl_runs lr on lr.id = h.last_run_id
left join crawl_runs gr on gr.id = h.last_good_run_id
"""

# Reports expected but missing: a column with a report for year N-1 and none for N (N = today's year - 1),
# once today is past the end of its usual month (the month, in year N+1, in which most of its dated
# reports were published; January, the legal deadline's month, when none is dated) plus
# EXPECTED_MARGIN_MONTHS. {today} is a date expression: date('now') in the view, a parameter in
# pipelines/status.py, so that tests can set the day.
EXPECTED_MARGIN_MONTHS = 1


def expected_missing_sql(today: str) -> str:
    return f"""
select
  p.id as portal_id, p.name, p.province, p.city, p.department,
  t.year as report_year, t.year - 1 as previous_year,
  (select r.id from reports r where r.portal_id = p.id and r.report_year = t.year - 1
     order by r.published desc limit 1) as previous_report_id,
  (select r.published from reports r where r.portal_id = p.id and r.report_year = t.year - 1
     order by r.published desc limit 1) as previous_published,
  coalesce(u.month, 1) as usual_month, coalesce(u.dated, 0) as dated_reports,
  date(printf('%04d-%02d-01', t.year + 1, coalesce(u.month, 1)), '+{EXPECTED_MARGIN_MONTHS + 1} months', '-1 day')
    as expected_by,
  t.today
from portals p
cross join (select {today} as today, cast(strftime('%Y', {today}) as integer) - 1 as year) t
left join (
  select m.portal_id, sum(m.n) as dated,
    (select m2.month from (select cast(substr(published, 6, 2) as integer) as month, count(*) as n from reports
       where portal_id = m.portal_id and published glob '[0-9][0-9][0-9][0-9]-[0-1][0-9]*' group by 1) m2
     order by m2.n desc, m2.month desc limit 1) as month
  from (select portal_id, substr(published, 6, 2) as month, count(*) as n from reports
        where published glob '[0-9][0-9][0-9][0-9]-[0-1][0-9]*' group by 1, 2) m
  group by m.portal_id
) u on u.portal_id = p.id
where exists (select 1 from reports r where r.portal_id = p.id and r.report_year = t.year - 1)
  and not exists (select 1 from reports r where r.portal_id = p.id and r.report_year = t.year)
  and t.today > date(printf('%04d-%02d-01', t.year + 1, coalesce(u.month, 1)),
                     '+{EXPECTED_MARGIN_MONTHS + 1} months', '-1 day')
"""


REPORTS_EXPECTED_MISSING = expected_missing_sql("date('now')")

VIEWS = {
    "report_summary": REPORT_SUMMARY,
    "metric_by_year_region": METRIC_BY_YEAR_REGION,
    "reports_failing_checks": REPORTS_FAILING_CHECKS,
    "portal_errors_last_run": PORTAL_ERRORS_LAST_RUN,
    "report_indicators": REPORT_INDICATORS,
    "indicator_values": INDICATOR_VALUES,
    "portal_health": PORTAL_HEALTH,
    "reports_expected_missing": REPORTS_EXPECTED_MISSING,
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
