"""Consistency rules over several reports: the `cross_checks` table (docs/checks.md, rules R6, R7, level_sum).

    ensure_cross_checks(db)              the table (filled from the archive when it is new)
    refresh_cross_checks(db, report_ids) re-evaluate every cross check a saved or re-parsed report takes part in
    refresh_all(db)                      re-evaluate the whole archive

Cross-year (R6, R7): one body's report of year N against its report of year N-1.
A *body* is one agency on one portal: the same `portal_id` and the same `agency` (compared after
whitespace and full-width normalisation). The portal alone is not a body (a city's gkmlpt portal carries
the reports of all its bureaus) and the agency name alone is not either (市教育局 exists on every city's
portal); together they name one publisher. Reports with no agency or no year take no part. When a body
has several reports for one year (a report posted twice), the one with the most numbers is used, the
newest-changed then the smallest id breaking ties, and the detail says how many there were.

    R6.requests.<column>  this year's requests.carried_over.<column> = last year's requests.carry_forward.<column>
    R7.active.<entity>    this year's active.<entity>.in_force = last year's in_force + this year's issued − repealed
                          (<entity>: rules 规章, normative 行政规范性文件; the 2021 template's columns)

Cross-level (level_sum.<key>): a government's report (province_gov, city_gov, county_gov) against the sum
of the same key over its departments' reports (province_dept, city_dept, county_dept) of the same year in
the same region (province; + city for a city; + county for a county). Many government reports count only
the government's own office and many departments publish no report, so the two need not agree: a row
fails only when the gap is large, LEVEL_SUM_RATIO of the larger figure and at least LEVEL_SUM_MIN_GAP,
and only at least LEVEL_SUM_MIN_DEPARTMENTS departments reported the key. The figures stay as printed.

Every row carries both numbers (`expected` from the other report(s), `found` in this one) and both
report ids; rows are replaced whenever a report they read is saved or re-parsed (store.write_parse).
No function here commits: callers run it inside their own transaction.
"""
from __future__ import annotations

import json
from typing import Any, Iterable

from pipelines.metrics import keys as K
from pipelines.metrics import rules as R
from pipelines.normalize import compact

TABLE = "cross_checks"
LEVEL_SUM_RATIO = 0.5  # the gap is more than half of the larger of the two figures …
LEVEL_SUM_MIN_GAP = 20  # … and at least this many items (small numbers differ by chance)
LEVEL_SUM_MIN_DEPARTMENTS = 2  # a "sum" of one department's report says nothing about the government

# government level → (its departments' level, the region fields that must agree)
LEVEL_PAIRS = {
    "province_gov": ("province_dept", ("province",)),
    "city_gov": ("city_dept", ("province", "city")),
    "county_gov": ("county_dept", ("province", "city", "county")),
}
DEPARTMENT_OF = {dept: gov for gov, (dept, _) in LEVEL_PAIRS.items()}

R6_COLUMNS = tuple(c.name for c in K.TABLE3_COLUMNS)

_SCHEMA = f"""
create table if not exists {TABLE} (
    report_id text not null references reports(id),
    rule text not null,
    family text,
    other_report_id text references reports(id),
    other_report_ids text,
    expected any,
    found any,
    gap any,
    passed integer,
    detail text,
    primary key (report_id, rule)
)"""


def ensure_cross_checks(db) -> None:
    """Create the table; when it is new in an archive that has reports, evaluate them all."""
    existed = TABLE in db.table_names()
    db.execute(_SCHEMA)
    db.execute(f"create index if not exists idx_{TABLE}_other on {TABLE} (other_report_id)")
    if not existed and "reports" in db.table_names() and "metrics" in db.table_names():
        if db.execute("select count(*) from reports").fetchone()[0]:
            with db.conn:
                refresh_all(db)


# --- reading the archive ------------------------------------------------------------------------
_REPORT_FIELDS = "id, portal_id, agency, agency_level, province, city, county, report_year, last_changed, parse_status"


def _reports(db, where: str, params: list) -> list[dict[str, Any]]:
    return [dict(r) for r in db.query(f"select {_REPORT_FIELDS} from reports where {where}", params)]


def _metrics(db, report_id: str) -> dict[str, float]:
    return {row[0]: row[1] for row in db.execute("select key, value from metrics where report_id = ?", [report_id])
            if isinstance(row[1], (int, float)) and not isinstance(row[1], bool)}


def _usable(report: dict[str, Any]) -> bool:
    return report.get("parse_status") != "failed" and report.get("report_year") is not None


def body_of(report: dict[str, Any]) -> tuple[str, str] | None:
    """(portal_id, normalised agency): who published the report, or None when either is unknown."""
    agency = compact(report.get("agency") or "")
    if not report.get("portal_id") or not agency:
        return None
    return report["portal_id"], agency


def _body_reports(db, body: tuple[str, str], year: int) -> list[dict[str, Any]]:
    return [r for r in _reports(db, "portal_id = ? and report_year = ?", [body[0], year])
            if _usable(r) and body_of(r) == body]


def _pick(db, candidates: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The report of a body's year to compare: the most numbers, then the newest change, then the smallest id."""
    if not candidates:
        return None
    counts = {r["id"]: db.execute("select count(*) from metrics where report_id = ?", [r["id"]]).fetchone()[0]
              for r in candidates}
    ordered = sorted(candidates, key=lambda r: r["id"])
    ordered.sort(key=lambda r: (counts[r["id"]], r.get("last_changed") or ""), reverse=True)
    return ordered[0]


# --- the rules -------------------------------------------------------------------------------------
def _row(rule: str, family: str, report_id: str, others: list[str], expected, found, passed: bool,
         detail: str) -> dict[str, Any]:
    return {"report_id": report_id, "rule": rule, "family": family,
            "other_report_id": others[0] if len(others) == 1 else None,
            "other_report_ids": json.dumps(others), "expected": expected, "found": found,
            "gap": None if expected is None or found is None else found - expected,
            "passed": 1 if passed else 0, "detail": detail}


def year_rows(this_id: str, this: dict[str, float], last_id: str, last: dict[str, float], year: int,
              note: str = "") -> list[dict[str, Any]]:
    """R6 and R7 for one body: this year's metrics against last year's (pure: metrics dicts in, rows out)."""
    rows = []
    for column in R6_COLUMNS:
        carried, forward = this.get(K.table3_key("carried_over", column)), last.get(K.table3_key("carry_forward", column))
        if carried is None or forward is None:
            continue
        rows.append(_row(R.R6.name(column=column), "cross_year", this_id, [last_id], forward, carried,
                         abs(carried - forward) < 1e-6,
                         f"{year}年 二 上年结转 {carried} vs {year - 1}年 四 结转下年度继续办理 {forward}{note}"))
    for entity in R.R7_ENTITIES:
        in_force = this.get(K.table2_key(entity, "in_force"))
        before = last.get(K.table2_key(entity, "in_force"))
        issued, repealed = this.get(K.table2_key(entity, "issued")), this.get(K.table2_key(entity, "repealed"))
        if None in (in_force, before, issued, repealed):
            continue
        expected = before + issued - repealed
        rows.append(_row(R.R7.name(entity=entity), "cross_year", this_id, [last_id], expected, in_force,
                         abs(expected - in_force) < 1e-6,
                         f"{year}年 现行有效 {in_force} vs {year - 1}年 现行有效 {before} + 制发 {issued} − 废止 "
                         f"{repealed}{note}"))
    return rows


def level_passes(found: float, expected: float) -> bool:
    """A government's figure and its departments' sum agree unless the gap is large (module docstring)."""
    gap = abs(found - expected)
    return not (gap >= LEVEL_SUM_MIN_GAP and gap > LEVEL_SUM_RATIO * max(abs(found), abs(expected)))


def _cross_year(db, report: dict[str, Any]) -> list[dict[str, Any]]:
    body = body_of(report)
    if body is None or not _usable(report):
        return []
    candidates = _body_reports(db, body, report["report_year"] - 1)
    last = _pick(db, candidates)
    if last is None:
        return []
    note = f"（上年有 {len(candidates)} 份报告，比较 {last['id']}）" if len(candidates) > 1 else ""
    return year_rows(report["id"], _metrics(db, report["id"]), last["id"], _metrics(db, last["id"]),
                     report["report_year"], note)


def _region_where(fields: tuple[str, ...], report: dict[str, Any]) -> tuple[str, list] | None:
    if any(not report.get(f) for f in fields):
        return None
    return " and ".join(f"{f} = ?" for f in fields), [report[f] for f in fields]


def _cross_level(db, report: dict[str, Any]) -> list[dict[str, Any]]:
    pair = LEVEL_PAIRS.get(report.get("agency_level"))
    if pair is None or not _usable(report):
        return []
    dept_level, fields = pair
    region = _region_where(fields, report)
    if region is None:
        return []
    where, params = region
    departments = [r for r in _reports(db, f"agency_level = ? and report_year = ? and {where}",
                                       [dept_level, report["report_year"], *params]) if _usable(r)]
    own = _metrics(db, report["id"])
    rows = []
    for key in R.LEVEL_SUM_KEYS:
        found = own.get(key)
        if found is None:
            continue
        parts = [(d["id"], _metrics(db, d["id"]).get(key)) for d in sorted(departments, key=lambda d: d["id"])]
        parts = [(i, v) for i, v in parts if v is not None]
        if len(parts) < LEVEL_SUM_MIN_DEPARTMENTS:
            continue
        expected = sum(v for _, v in parts)
        passed = level_passes(found, expected)
        detail = (f"本级 {found} vs {len(parts)} 个部门报告之和 {expected}"
                  + ("" if passed else f"（差距 {abs(found - expected)} 超过较大者的 {LEVEL_SUM_RATIO:.0%} 且 ≥ "
                                       f"{LEVEL_SUM_MIN_GAP}：本级报告可能只统计本机关，或部门报告不全）"))
        rows.append(_row(R.LEVEL_SUM.name(key=key), "cross_level", report["id"], [i for i, _ in parts],
                         expected, found, passed, detail))
    return rows


def _affected(db, report_ids: Iterable[str]) -> set[str]:
    """The reports whose cross checks read one of report_ids: themselves, the next year of their body,
    their region's government, and whatever stored rows pointed to them (their old body or region)."""
    ids = set(report_ids)
    affected = set(ids)
    for report_id in ids:
        for row in db.execute(f"select report_id from {TABLE} where other_report_id = ? or other_report_ids like ?",
                              [report_id, f'%"{report_id}"%']):
            affected.add(row[0])
        found = _reports(db, "id = ?", [report_id])
        if not found:
            continue
        report = found[0]
        body = body_of(report)
        if body is not None and report.get("report_year") is not None:
            affected.update(r["id"] for r in _body_reports(db, body, report["report_year"] + 1))
        gov_level = DEPARTMENT_OF.get(report.get("agency_level"))
        if gov_level and report.get("report_year") is not None:
            region = _region_where(LEVEL_PAIRS[gov_level][1], report)
            if region is not None:
                where, params = region
                affected.update(r["id"] for r in _reports(
                    db, f"agency_level = ? and report_year = ? and {where}", [gov_level, report["report_year"], *params]))
    return affected


def evaluate(db, report_id: str) -> list[dict[str, Any]]:
    """Every cross check whose 'this' report is report_id."""
    found = _reports(db, "id = ?", [report_id])
    if not found:
        return []
    return _cross_year(db, found[0]) + _cross_level(db, found[0])


def _replace(db, report_ids: set[str]) -> None:
    for report_id in sorted(report_ids):
        db.execute(f"delete from {TABLE} where report_id = ?", [report_id])
        rows = evaluate(db, report_id)
        if rows:
            columns = list(rows[0])
            db.conn.executemany(
                f"insert or replace into {TABLE} ({', '.join(columns)}) values ({', '.join('?' for _ in columns)})",
                [[row[c] for c in columns] for row in rows])


def refresh_cross_checks(db, report_ids: Iterable[str]) -> set[str]:
    """Re-evaluate the cross checks of report_ids and of every report whose checks read them; returns
    the reports whose rows were rewritten. Runs in the caller's transaction (no commit here)."""
    affected = _affected(db, report_ids)
    _replace(db, affected)
    return affected


def refresh_all(db) -> None:
    db.execute(f"delete from {TABLE}")
    _replace(db, {row[0] for row in db.execute("select id from reports")})
