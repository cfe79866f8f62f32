"""The nianbao Datasette plugin: Chinese search, archived-copy links and route, the metric pivot.

Loaded by datasette_plugin.app.build_datasette (and so by `nianbao serve`); with the plain
`datasette` command use `--plugins-dir datasette_plugin`.
"""
from __future__ import annotations

import urllib.parse
from pathlib import Path

import markupsafe
from datasette import hookimpl
from datasette.handle_exception import handle_exception as datasette_error_page
from datasette.utils.asgi import Response
from datasette.views.base import DatasetteError

from datasette_plugin import archived_copy, browse, limits, report_page
from pipelines import levels, search


@hookimpl(trylast=True)
def prepare_connection(conn):
    # trylast: Datasette's own escape_fts is registered by a default plugin; ours must win, so
    # that ?_search= and the search box rewrite Chinese terms into the bigram index's phrases.
    search.register_functions(conn)
    conn.create_function("escape_fts", 1, search.fts_query, deterministic=True)
    limits.limit_connection(conn)


@hookimpl
def asgi_wrapper():
    return limits.response_size_cap


@hookimpl(tryfirst=True)
def handle_exception(datasette, request, exception):
    # A query over the serving limits asked too much and the server is fine: a 400, as Datasette gives
    # for a query that took too long. SQLite's heap limit (limits.limit_sqlite_heap) surfaces as
    # MemoryError; table and row pages do not catch a result over budget themselves.
    if isinstance(exception, MemoryError):
        return datasette_error_page(datasette, request, DatasetteError(limits.OUT_OF_MEMORY_MESSAGE, status=400))
    if isinstance(exception, limits.QueryResultTooLarge):
        return datasette_error_page(datasette, request, DatasetteError(str(exception), status=400))
    return None


STATIC = Path(__file__).resolve().parent / "static"


async def stylesheet():
    return Response((STATIC / "nianbao.css").read_text(encoding="utf-8"), content_type="text/css; charset=utf-8",
                    headers={"Cache-Control": "max-age=3600"})


async def script():
    return Response((STATIC / "nianbao.js").read_text(encoding="utf-8"),
                    content_type="text/javascript; charset=utf-8", headers={"Cache-Control": "max-age=3600"})


@hookimpl
def extra_css_urls(datasette):
    return [datasette.urls.path("/-/nianbao.css")]


@hookimpl
def extra_js_urls(datasette):
    return [{"url": datasette.urls.path("/-/nianbao.js"), "module": False}]


@hookimpl
def extra_template_vars(template, database, table, view_name, request, datasette):
    """The report page's data (templates/row-reports-reports.html) and the choices endpoint's URL."""
    async def inner():
        extra = {"nianbao_choices_url": datasette.urls.path("/-/nianbao/choices.json")}
        if template == "row-reports-reports.html" and request is not None:
            report_id = urllib.parse.unquote(request.url_vars.get("pks", "")) if request.url_vars else ""
            extra["nb"] = await report_page.report_page(datasette, database, report_id) or {"report": {}}
        if template == "table-reports-reports.html" and request is not None:
            extra["nb_columns_urls"] = browse.column_choice_urls(request)
        return extra
    return inner


@hookimpl
def register_routes():
    return [
        (r"^/-/nianbao\.css$", stylesheet),
        (r"^/-/nianbao\.js$", script),
        (r"^/-/nianbao/choices\.json$", browse.choices),
        (r"^/-/archive/(?P<report_id>[0-9a-zA-Z_-]+)$", archived_copy.report_copy),
        (r"^/-/archive/attachment/(?P<attachment_id>[0-9a-zA-Z_-]+)$", archived_copy.attachment_copy),
    ]


def _link(href: str, label) -> markupsafe.Markup:
    return markupsafe.Markup('<a href="{}">{}</a>').format(href, label)


def _report_id(row, table) -> str | None:
    keys = row.keys()
    if table in ("reports", "report_summary") and "id" in keys:
        return row["id"]
    return row["report_id"] if "report_id" in keys else None


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """Links that make the archive navigable: archived copies (the views' archived_copy column,
    warc_file in reports and attachments), report ids to the report's row, and a report's
    failed-check and metric counts to those rows."""
    if value is None:
        return None
    report_id = _report_id(row, table)
    if column == "failed_checks" and report_id and isinstance(value, int) and value > 0:
        return _link(datasette.urls.table(database, "checks") + f"?report_id={report_id}&passed=0", value)
    if column == "metric_count" and report_id and isinstance(value, int):
        return _link(datasette.urls.table(database, "metrics") + f"?report_id={report_id}", value)
    if column == "value" and table == "metrics" and isinstance(value, (int, float)) and row["unit"]:
        # metrics.value is REAL and its unit (条, 件, 万元 ...) sits in the unit column: show them together.
        number = int(value) if float(value).is_integer() else value
        return f"{number} {row['unit']}"
    if not isinstance(value, str):
        return None
    if column == "agency_level" and value in LEVEL_LABELS:
        # The code stays visible (it is what a :level parameter takes); the Chinese label says what it means.
        return f"{LEVEL_LABELS[value]} {value}"
    if column == "key" and "." in value and table != "metric_keys":
        return browse.labelled_key(datasette, database, value)
    if column == "report_id" or (column == "id" and table == "report_summary"):
        return _link(datasette.urls.row(database, "reports", value), value)
    if column == "archived_copy" and value.startswith("/-/archive/"):
        return _link(datasette.urls.path(value), "存档副本 archived copy")
    if column == "warc_file" and table in ("reports", "attachments") and "id" in row.keys():
        prefix = "/-/archive/" if table == "reports" else "/-/archive/attachment/"
        return _link(datasette.urls.path(prefix + str(row["id"])), "存档副本 archived copy")
    return None


GOVERNMENT_LEVELS = "('province_gov', 'city_gov', 'county_gov', 'town_gov')"
LEVEL_LABELS = {level: zh for level, zh, _ in levels.LEVELS}


def pivot_sql(years: list[int]) -> str:
    """metric_by_year_region for one :key, one column per report year present in the archive, one
    agency level at a time (default: governments' own reports; :level picks another), so a city's
    figure never adds its bureaus' and districts' reports to its own."""
    year_columns = "".join(
        f',\n  sum(case when report_year = {int(year)} then total end) as "{int(year)}"' for year in years)
    return (f"select agency_level, province, city, region{year_columns},\n  sum(total) as all_years, min(unit) as unit\n"
            "from metric_by_year_region where key = :key\n"
            f"  and case when :level = '' then agency_level in {GOVERNMENT_LEVELS} else agency_level = :level end\n"
            "group by agency_level, province, city, region order by agency_level, province, city, region")


@hookimpl
def canned_queries(datasette, database):
    async def inner():
        db = datasette.get_database(database)
        if "metric_by_year_region" not in await db.view_names():
            return {}
        years = [row[0] for row in (await db.execute(
            "select distinct report_year from reports where report_year between 1990 and 2100 order by 1")).rows]
        return {
            "metric_pivot": {
                "title": "指标按年份×地区透视 Metric pivot: years × regions",
                "description": ("One row per region and agency level, one column per report year: the sum "
                                "of the chosen metric (:key, e.g. requests.new.total, active.total, review.total) "
                                "over the reports archived for that place and year. Levels are never mixed: by "
                                "default the governments' own reports; :level (city_dept, county_gov …) picks "
                                "one level. Built from the metric_by_year_region view; the year columns follow "
                                "the archive's contents."),
                "sql": pivot_sql(years),
                "params": ["key", "level"],
            }
        }
    return inner
