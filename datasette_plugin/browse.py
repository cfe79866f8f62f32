"""Browsing helpers (registered as their own plugin, `nianbao-browse`, for the ASGI wrapper): the reports table's compact default columns, choices for canned-query parameters
and the dashboard's region selector, metric keys shown with their Chinese labels.
"""
from __future__ import annotations

import time
import urllib.parse

import markupsafe
from datasette import hookimpl
from datasette.utils.asgi import Response

from pipelines import levels, views
from pipelines.metrics import keys as K

REPORTS_TABLE = "reports"
# The reports table opens on these (when present; the primary key id is always shown): who, where,
# when, which template, the failed-check count and completeness, the archived copy (warc_file's link). Everything else is one click away (?_all=1).
COMPACT_COLUMNS = ("title", "agency", "region", "city", "report_year", "format", "failed_checks", "completeness",
                   "warc_file")
SHOW_ALL_PARAM = "_all"
_COLUMN_PARAMS = ("_col", "_nocol", SHOW_ALL_PARAM, "_format")


def _archive_name(datasette) -> str | None:
    if "reports" in datasette.databases:
        return "reports"
    return next((name for name, db in datasette.databases.items() if name != "_internal" and not db.is_memory), None)


async def compact_columns(datasette, database: str) -> list[str]:
    db = datasette.get_database(database)
    present = {row[1] for row in (await db.execute(f"pragma table_info([{REPORTS_TABLE}])")).rows}
    return [column for column in COMPACT_COLUMNS if column in present]


def compact_query(query: list[tuple[str, str]], columns: list[str]) -> list[tuple[str, str]] | None:
    """The query string the reports table is rendered with: the compact columns added (less any a
    ?_nocol= hides) when the request chose no columns; None when it chose (?_col=, ?_all=1, ?_format=)."""
    names = {name for name, _ in query}
    if names & {"_col", SHOW_ALL_PARAM, "_format"} or not columns:
        return None
    hidden = {value for name, value in query if name == "_nocol"}
    return [(n, v) for n, v in query if n != "_nocol"] + [("_col", c) for c in columns if c not in hidden]


@hookimpl
def asgi_wrapper(datasette):
    return lambda app: compact_reports_table(datasette, app)


def compact_reports_table(datasette, app):
    """ASGI wrapper: an HTML request for the reports table that chose no columns is served with the
    compact column set, as if it had asked ?_col=...; the address stays as typed (no redirect), and the
    page's own links carry the columns on. ?_all=1 shows every column."""
    async def wrapped(scope, receive, send):
        if scope.get("type") == "http" and scope.get("method") in ("GET", "HEAD"):
            database = _archive_name(datasette)
            if database and scope.get("path") == datasette.urls.path(f"/{database}/{REPORTS_TABLE}"):
                query = urllib.parse.parse_qsl(scope.get("query_string", b"").decode("utf-8", "replace"),
                                               keep_blank_values=True)
                if not {name for name, _ in query} & {"_col", SHOW_ALL_PARAM, "_format"}:
                    compact = compact_query(query, await compact_columns(datasette, database))
                    if compact is not None:
                        scope = dict(scope, query_string=urllib.parse.urlencode(compact).encode("ascii"))
        await app(scope, receive, send)
    return wrapped


def column_choice_urls(request) -> dict[str, str]:
    """The reports table with every column (?_all=1) and with the compact set (the redirect adds it)."""
    kept = [(name, value) for name, value in urllib.parse.parse_qsl(request.query_string, keep_blank_values=True)
            if name not in ("_col", "_nocol", SHOW_ALL_PARAM, "_next")]
    return {"all": request.path + "?" + urllib.parse.urlencode(kept + [(SHOW_ALL_PARAM, "1")]),
            "main": request.path + ("?" + urllib.parse.urlencode(kept) if kept else "")}


# --- metric labels ------------------------------------------------------------------------------
_LABELS: dict[str, tuple[float, dict]] = {}
LABEL_TTL_SECONDS = 300


async def metric_labels(datasette, database: str) -> dict[str, tuple[str, str, str | None]]:
    """key → (label_zh, label_en, unit) from the metric_keys table (the registry when it is absent)."""
    cached = _LABELS.get(database)
    if cached and time.monotonic() - cached[0] < LABEL_TTL_SECONDS:
        return cached[1]
    labels = {key: (m.label_zh, m.label_en, m.unit) for key, m in K.KEYS.items()}
    try:
        db = datasette.get_database(database)
        if "metric_keys" in await db.table_names():
            labels.update({row[0]: (row[1], row[2], row[3]) for row in (await db.execute(
                "select key, label_zh, label_en, unit from metric_keys")).rows})
    except Exception:  # labels are a nicety: never break a page for them
        pass
    _LABELS[database] = (time.monotonic(), labels)
    return labels


def labelled_key(datasette, database: str, key: str):
    async def inner():
        label = (await metric_labels(datasette, database)).get(key)
        if not label or not label[0]:
            return None
        return markupsafe.Markup('<span class="nb-key" title="{}">{} <code>{}</code></span>').format(
            label[1] or "", label[0], key)
    return inner


# --- choices for parameters ---------------------------------------------------------------------
REGIONS_SQL = """
select name, level, count(*) as reports, min(code) as code from (
  select province as name, 1 as level, region_code as code from reports where province is not null and province != ''
  union all
  select city, 2, region_code from reports where city is not null and city != '' and city != coalesce(province, '')
  union all
  select county, 3, region_code from reports where county is not null and county != ''
) group by name, level order by level, code, name
"""


async def choices_data(datasette, database: str) -> dict:
    db = datasette.get_database(database)
    tables = set(await db.table_names())
    result = {"keys": [], "provinces": [], "cities": [], "counties": [], "years": [], "sections": {},
              "levels": [{"level": level, "label_zh": zh, "label_en": en} for level, zh, en in levels.LEVELS],
              "indicators": [{"indicator": code, "label_zh": zh, "label_en": en} for code, zh, en in views.INDICATORS]}
    if "reports" in tables:
        seen = set()
        for name, level, reports, _code in (await db.execute(REGIONS_SQL)).rows:
            if name in seen:  # a name at two levels (北京市) is listed at the higher one
                continue
            seen.add(name)
            result[("provinces", "cities", "counties")[level - 1]].append({"name": name, "reports": reports})
        result["years"] = [row[0] for row in (await db.execute(
            "select distinct report_year from reports where report_year between 1990 and 2100 "
            "order by report_year desc")).rows]
    used = set()
    if "metrics" in tables:
        used = {row[0] for row in (await db.execute("select distinct key from metrics")).rows}
    labels = await metric_labels(datasette, database)
    order = {key: i for i, key in enumerate(K.KEYS)}
    for key in sorted(set(labels) | used, key=lambda k: (order.get(k, len(order)), k)):
        label_zh, label_en, unit = labels.get(key, ("", "", None))
        section = K.KEYS[key].section if key in K.KEYS else "other"
        result["keys"].append({"key": key, "label_zh": label_zh, "label_en": label_en, "unit": unit,
                               "section": section, "in_archive": key in used})
    result["sections"] = {name: zh for name, (zh, _en) in K.SECTIONS.items()}
    return result


async def choices(request, datasette) -> Response:
    database = _archive_name(datasette)
    data = await choices_data(datasette, database) if database else {}
    return Response.json(data, headers={"Cache-Control": "max-age=60"})
