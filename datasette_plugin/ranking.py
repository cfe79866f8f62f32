"""The indicator ranking as a page and a printable report: /-/ranking (HTML), /-/ranking.csv,
/-/ranking/print and /-/ranking.pdf, with ?indicator=&year=&level=&min_denominator= as the canned query.

The rows are those of the `indicator_ranking` canned query (metadata.yml), run with its own SQL read
from the served metadata: there is one formula. The bodies its :min_denominator leaves out (too few
cases for a rate to mean anything) are counted by running the same SQL again with min_denominator 0.
Every ranked report is named with its title, original URL and archived copy, with its sample size
(the indicator's denominator). The PDF is the print view printed by datasette_plugin/printing.py.
"""
from __future__ import annotations

import csv
import io
import urllib.parse

from datasette import hookimpl
from datasette.utils.asgi import Response

from datasette_plugin import printing
from datasette_plugin.archived_copy import archive_database
from datasette_plugin.report_page import number
from pipelines.views import INDICATORS

QUERY = "indicator_ranking"
PARAMS = ("indicator", "year", "level", "min_denominator")
DEFAULT_INDICATOR = "disclosure_rate"
DEFAULT_MIN_DENOMINATOR = 10  # as the canned query's SQL: coalesce(..., 10)
CSV_COLUMNS = ("rank", "ranked", "agency", "agency_level", "region", "province", "city", "county", "report_year",
               "indicator", "value", "numerator", "sample_size", "report_id", "title", "url", "archived_copy")


def ranking_url(datasette, suffix: str = "", **params) -> str:
    query = urllib.parse.urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return datasette.urls.path("/-/ranking" + suffix) + (f"?{query}" if query else "")


async def ranking_sql(datasette) -> str | None:
    db = archive_database(datasette)
    query = (await datasette.get_canned_queries(db.name, None) or {}).get(QUERY)
    return query["sql"] if query else None


async def _run(db, sql: str, params: dict) -> list[dict]:
    result = await db.execute(sql, params)
    return [dict(zip(result.columns, row)) for row in result.rows]


async def ranking(datasette, request) -> dict | Response:
    sql = await ranking_sql(datasette)
    if sql is None:
        return Response.text(f"The {QUERY} canned query is not configured (metadata.yml).", status=404)
    db = archive_database(datasette)
    args = {name: (request.args.get(name) or "").strip() for name in PARAMS}
    codes = {code: (zh, en) for code, zh, en in INDICATORS}
    indicator = args["indicator"] or DEFAULT_INDICATOR
    if indicator not in codes:
        return Response.text(f"Unknown indicator {indicator!r}; one of {', '.join(codes)}", status=400)
    for name in ("year", "min_denominator"):
        if args[name] and not args[name].isdigit():
            return Response.text(f"{name}= must be a whole number", status=400)
    rows = await _run(db, sql, args)
    everything = await _run(db, sql, {**args, "min_denominator": "0"})
    kept = {row["report_id"] for row in rows}
    excluded = [row for row in everything if row["report_id"] not in kept]

    ids = sorted({row["report_id"] for row in everything})
    reports = {}
    if ids:
        marks = ", ".join("?" for _ in ids)
        for report_id, title, url, warc_file in (await db.execute(
                f"select id, title, url, warc_file from reports where id in ({marks})", ids)).rows:
            reports[report_id] = {"title": title, "url": url, "warc_file": warc_file}
    levels = {}
    if "agency_levels" in await db.table_names():
        levels = {r[0]: (r[1], r[2]) for r in (await db.execute(
            "select level, label_zh, label_en from agency_levels")).rows}
    for row in [*rows, *excluded]:  # ranks differ between the two runs: each row from its own run
        source = reports.get(row["report_id"], {})
        row["title"], row["url"] = source.get("title"), source.get("url")
        row["page"] = datasette.urls.row(db.name, "reports", row["report_id"])
        row["archived"] = datasette.urls.path(f"/-/archive/{row['report_id']}") if source.get("warc_file") else None
        row["absolute_page"] = datasette.absolute_url(request, row["page"])
        row["absolute_archived"] = datasette.absolute_url(request, row["archived"]) if row["archived"] else None
        row["value_text"] = number(round(row["value"], 2) if isinstance(row["value"], float) else row["value"])
        row["numerator_text"], row["sample_text"] = number(row["numerator"]), number(row["sample_size"])
        row["level_zh"], row["level_en"] = levels.get(row["agency_level"], (row["agency_level"] or "", ""))
    groups: list[dict] = []
    for row in rows:
        if not groups or groups[-1]["level"] != row["agency_level"]:
            groups.append({"level": row["agency_level"], "label_zh": row["level_zh"], "label_en": row["level_en"],
                           "rows": [], "excluded": 0})
        groups[-1]["rows"].append(row)
    for group in groups:
        group["excluded"] = sum(1 for row in excluded if row["agency_level"] == group["level"])
    years = sorted({row["report_year"] for row in everything})
    zh, en = codes[indicator]
    minimum = int(args["min_denominator"]) if args["min_denominator"] else DEFAULT_MIN_DENOMINATOR
    export = {k: v for k, v in args.items() if v}
    return {
        "args": args, "indicator": indicator, "label_zh": zh, "label_en": en, "rate": indicator != "disclosure_fees",
        "year": args["year"] or (years[-1] if years else ""), "level": args["level"],
        "min_denominator": minimum, "rows": rows, "groups": groups, "excluded": excluded,
        "indicators": INDICATORS, "levels": levels,
        "canned_url": datasette.urls.database(db.name) + f"/{QUERY}?" + urllib.parse.urlencode(
            {name: args[name] for name in PARAMS}),
        "urls": {"page": ranking_url(datasette, **export), "csv": ranking_url(datasette, ".csv", **export),
                 "print": ranking_url(datasette, "/print", **export), "pdf": ranking_url(datasette, ".pdf", **export)},
    }


def ranking_csv(data: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in data["rows"]:
        writer.writerow(["" if row.get(c if c != "archived_copy" else "absolute_archived") is None
                         else row[c if c != "archived_copy" else "absolute_archived"] for c in CSV_COLUMNS])
    return out.getvalue()


def _filename(data: dict, extension: str) -> str:
    parts = ["ranking", data["indicator"], str(data["year"]), data["level"]]
    return "-".join(p for p in parts if p) + extension


@hookimpl
def register_routes():
    return printing.export_routes("/-/ranking", _load, page_template="ranking.html", print_template="ranking-print.html",
                                  var="k", csv_text=ranking_csv, filename=_filename, params=PARAMS, what="ranking")


async def _load(request, datasette):
    return await ranking(datasette, request)
