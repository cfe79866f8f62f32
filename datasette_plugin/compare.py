"""One body's reports year by year: /-/body?portal=…&agency=… (HTML), /-/body.csv, /-/body/print, /-/body.pdf.

A "body" is one agency as published on one portal: reports with the same portal_id and the same
agency. The agency name alone is not enough (统计局, 交通运输局 … exist in every city, and a name may be
written slightly differently on two portals); the portal alone is not enough either (a government's
portal also carries its departments' reports). Within a body, one report per year is compared (the
latest published when a year has several; the others are listed).

The page shows every metric as a row (Chinese labels from metric_keys, grouped by section), one
column per year with the change from the previous year shown, each year's checks (failed ones
marked), links to each report page and archived copy, and a sentence-level text diff of two years'
prose (difflib; every piece of text is escaped by Jinja's autoescape, archived markup is never
rendered). The CSV is UTF-8 with a BOM (Excel reads the Chinese). The PDF is the print view printed
by the Debian Chromium (datasette_plugin/printing.py) against this server's own print view on
127.0.0.1, with every host name unresolvable and a CSP that lets the page load nothing.
"""
from __future__ import annotations

import csv
import difflib
import io
import re
import urllib.parse

from datasette import hookimpl
from datasette.utils.asgi import Response

from datasette_plugin import printing
from datasette_plugin.archived_copy import archive_database
from datasette_plugin.report_page import number
from pipelines.metrics import keys as K

PRINT_CSP = printing.PRINT_CSP
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])")
DIFF_CONTEXT = 2  # unchanged sentences kept around each change


def body_url(datasette, portal_id: str, agency: str | None, suffix: str = "", **extra) -> str:
    params = {"portal": portal_id or "", "agency": agency or ""}
    params.update({k: v for k, v in extra.items() if v not in (None, "")})
    return datasette.urls.path("/-/body" + suffix) + "?" + urllib.parse.urlencode(params)


def sentences(text: str | None) -> list[str]:
    """The text as lines, each line split after 。！？； (the unit the diff compares)."""
    pieces = []
    for line in (text or "").splitlines():
        for piece in _SENTENCE_END.split(line.strip()):
            if piece.strip():
                pieces.append(piece.strip())
    return pieces


def text_diff(old: str | None, new: str | None) -> list[dict]:
    """Sentence diff: blocks of kind equal / delete / insert, long equal runs shortened to their context."""
    a, b = sentences(old), sentences(new)
    blocks = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            same = a[i1:i2]
            if len(same) > 2 * DIFF_CONTEXT + 1:
                head = same[:DIFF_CONTEXT] if blocks else []
                tail = same[-DIFF_CONTEXT:] if i2 < len(a) or j2 < len(b) else []
                if head:
                    blocks.append({"kind": "equal", "lines": head})
                blocks.append({"kind": "skip", "lines": [], "count": len(same) - len(head) - len(tail)})
                if tail:
                    blocks.append({"kind": "equal", "lines": tail})
            else:
                blocks.append({"kind": "equal", "lines": same})
            continue
        if tag in ("delete", "replace"):
            blocks.append({"kind": "delete", "lines": a[i1:i2]})
        if tag in ("insert", "replace"):
            blocks.append({"kind": "insert", "lines": b[j1:j2]})
    return blocks


async def _columns(db, table: str) -> set[str]:
    return {row[1] for row in (await db.execute(f"pragma table_info([{table}])")).rows}


async def body_comparison(datasette, portal_id: str, agency: str) -> dict | None:
    db = archive_database(datasette)
    tables = set(await db.table_names())
    columns = await _columns(db, "reports")
    published = "published" if "published" in columns else "null"
    rows = (await db.execute(
        f"select id, report_year, title, url, warc_file, {published} as published, agency, portal_id "
        "from reports where portal_id = ? and coalesce(agency, '') = ? and report_year is not null "
        f"order by report_year, {published} desc, id", [portal_id, agency])).rows
    if not rows:
        return None
    years: list[dict] = []
    for row in rows:
        report = dict(row)
        report["page"] = datasette.urls.row(db.name, "reports", report["id"])
        report["archived"] = datasette.urls.path(f"/-/archive/{report['id']}") if report["warc_file"] else None
        report["absolute_archived"] = None
        if years and years[-1]["year"] == report["report_year"]:
            years[-1]["others"].append(report)
        else:
            years.append({"year": report["report_year"], "report": report, "others": []})
    ids = [y["report"]["id"] for y in years]
    marks = ", ".join("?" for _ in ids)
    by_year = {y["report"]["id"]: y["year"] for y in years}

    labels = {}
    if "metric_keys" in tables:
        key_columns = await _columns(db, "metric_keys")
        position = "position" if "position" in key_columns else "rowid"
        labels = {r[0]: {"label_zh": r[1], "label_en": r[2], "unit": r[3], "section": r[4], "position": r[5]}
                  for r in (await db.execute(
                      f"select key, label_zh, label_en, unit, section, {position} from metric_keys")).rows}
    values: dict[str, dict[int, float]] = {}
    units: dict[str, str] = {}
    if "metrics" in tables:
        for report_id, key, value, unit in (await db.execute(
                f"select report_id, key, value, unit from metrics where report_id in ({marks})", ids)).rows:
            if isinstance(value, (int, float)):
                values.setdefault(key, {})[by_year[report_id]] = value
                units.setdefault(key, unit)
    section_order = {s: i for i, s in enumerate(K.SECTIONS)}
    year_list = [y["year"] for y in years]

    def label(key):
        known = labels.get(key) or {}
        registered = K.KEYS.get(key)
        return {
            "label_zh": known.get("label_zh") or (registered.label_zh if registered else key),
            "label_en": known.get("label_en") or (registered.label_en if registered else ""),
            "unit": units.get(key) or known.get("unit") or (registered.unit if registered else None),
            "section": known.get("section") or (registered.section if registered else "other"),
            "position": known.get("position") or 10 ** 6,
        }

    metric_rows = []
    for key in values:
        info = label(key)
        cells, previous = [], None
        for year in year_list:
            value = values[key].get(year)
            cell = {"year": year, "value": value, "text": number(value), "change": None}
            if value is not None and previous is not None:
                difference = value - previous
                cell["change"] = "up" if difference > 0 else "down" if difference < 0 else "same"
                cell["difference"] = difference
                cell["difference_text"] = ("+" if difference > 0 else "") + number(difference) if difference else "±0"
            if value is not None:
                previous = value
            cells.append(cell)
        metric_rows.append({"key": key, **info, "cells": cells})
    metric_rows.sort(key=lambda r: (section_order.get(r["section"], len(section_order)), r["position"], r["key"]))
    sections = []
    for row in metric_rows:
        if not sections or sections[-1]["id"] != row["section"]:
            zh, en = K.SECTIONS.get(row["section"], ("其他数字", "Other figures"))
            sections.append({"id": row["section"], "title_zh": zh, "title_en": en, "rows": []})
        sections[-1]["rows"].append(row)

    checks: dict[str, dict[int, dict]] = {}
    if "checks" in tables:
        for report_id, rule, expected, found, passed, detail in (await db.execute(
                f"select report_id, rule, expected, found, passed, detail from checks "
                f"where report_id in ({marks}) order by rule", ids)).rows:
            checks.setdefault(rule, {})[by_year[report_id]] = {
                "passed": bool(passed), "expected": expected, "found": found, "detail": detail}
    check_rows = [{"rule": rule, "cells": [per_year.get(year) for year in year_list]}
                  for rule, per_year in sorted(checks.items())]
    failed = {year: sum(1 for r in check_rows for c in [r["cells"][i]] if c and not c["passed"])
              for i, year in enumerate(year_list)}
    for y in years:
        y["failed"] = failed[y["year"]]
    return {"portal_id": portal_id, "agency": agency, "years": years, "year_list": year_list,
            "sections": sections, "metric_rows": metric_rows, "check_rows": check_rows}


async def _texts(datasette, *report_ids) -> dict[str, str]:
    db = archive_database(datasette)
    marks = ", ".join("?" for _ in report_ids)
    return {r[0]: r[1] or "" for r in (await db.execute(
        f"select id, text from reports where id in ({marks})", list(report_ids))).rows}


def _pick(years: list[dict], raw: str | None, default: dict) -> dict:
    for y in years:
        if str(y["year"]) == (raw or "").strip():
            return y
    return default


async def _context(request, datasette) -> dict | Response:
    portal = request.args.get("portal") or ""
    agency = request.args.get("agency") or ""
    if not portal:
        return Response.text("portal= is required (and agency=, empty for reports without one)", status=400)
    data = await body_comparison(datasette, portal, agency)
    if data is None:
        return Response.text(f"No reports for portal {portal!r} and agency {agency!r}", status=404)
    years = data["years"]
    old = _pick(years, request.args.get("a"), years[-2] if len(years) > 1 else years[-1])
    new = _pick(years, request.args.get("b"), years[-1])
    texts = await _texts(datasette, old["report"]["id"], new["report"]["id"])
    data["diff_old"], data["diff_new"] = old["year"], new["year"]
    data["diff"] = text_diff(texts.get(old["report"]["id"]), texts.get(new["report"]["id"]))
    data["diff_counts"] = {kind: sum(len(b["lines"]) for b in data["diff"] if b["kind"] == kind)
                           for kind in ("insert", "delete")}
    data["urls"] = {
        "page": body_url(datasette, portal, agency),
        "csv": body_url(datasette, portal, agency, ".csv"),
        "print": body_url(datasette, portal, agency, "/print", a=old["year"], b=new["year"]),
        "pdf": body_url(datasette, portal, agency, ".pdf", a=old["year"], b=new["year"]),
    }
    for y in years:
        for report in [y["report"], *y["others"]]:
            report["absolute_page"] = datasette.absolute_url(request, report["page"])
            if report["archived"]:
                report["absolute_archived"] = datasette.absolute_url(request, report["archived"])
    data["ranking_url"] = await ranking_link(datasette, years[-1]["report"])
    return data


async def ranking_link(datasette, report: dict) -> str | None:
    """The printable ranking (/-/ranking, ranking.py) for this body's latest year and agency level."""
    db = archive_database(datasette)
    canned = await datasette.get_canned_queries(db.name, None)
    if "indicator_ranking" not in (canned or {}):
        return None
    level = None
    if "agency_level" in await _columns(db, "reports"):
        level = (await db.execute("select agency_level from reports where id = ?", [report["id"]])).first()[0]
    params = {"year": report["report_year"], "level": level or ""}
    return datasette.urls.path("/-/ranking") + "?" + urllib.parse.urlencode(params)


def comparison_csv(data: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    years = data["year_list"]
    writer.writerow(["section", "key", "label_zh", "label_en", "unit", *map(str, years),
                     *(f"{b}-{a}" for a, b in zip(years, years[1:]))])
    for row in data["metric_rows"]:
        values = [cell["value"] for cell in row["cells"]]
        differences = ["" if a is None or b is None else _plain(b - a) for a, b in zip(values, values[1:])]
        writer.writerow([row["section"], row["key"], row["label_zh"], row["label_en"], row["unit"] or "",
                         *("" if v is None else _plain(v) for v in values), *differences])
    return out.getvalue()


def _plain(value) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _filename(data: dict, extension: str) -> str:
    return f"{data['portal_id']}-comparison{extension}"


@hookimpl
def register_routes():
    return printing.export_routes("/-/body", _context, page_template="compare.html", print_template="compare-print.html",
                                  var="c", csv_text=comparison_csv, filename=_filename,
                                  params=("portal", "agency", "a", "b"), what="comparison")
