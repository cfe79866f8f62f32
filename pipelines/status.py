"""The archive's health, for `nianbao status`: recent crawl runs, broken portals, reports expected but missing.

Pure reads of the database; the definitions live in SQL views (pipelines/views.py: portal_health and
reports_expected_missing) so that Datasette and the command line agree. Only "today" differs: the
command (and the tests) pass it in, the view uses date('now').
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pipelines import views

EXIT_BROKEN = 5  # `nianbao status` when at least one portal is broken (README, "Commands")


@dataclass
class Run:
    id: int
    started: str | None
    finished: str | None
    status: str | None
    requests: int
    reports_new: int
    reports_updated: int
    reports_unchanged: int
    errors: int
    errors_by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def duration_seconds(self) -> float | None:
        start, end = _parse_time(self.started), _parse_time(self.finished)
        if start is None or end is None:
            return None
        return (end - start).total_seconds()


@dataclass
class Status:
    today: date
    runs: list[Run]
    portals: list[dict[str, Any]]  # portal_health rows
    missing: list[dict[str, Any]]  # reports_expected_missing rows for `today`

    @property
    def broken(self) -> list[dict[str, Any]]:
        return [p for p in self.portals if p["status"] == "broken"]

    def count(self, status: str) -> int:
        return sum(1 for p in self.portals if p["status"] == status)


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def recent_runs(db, limit: int = 5) -> list[Run]:
    rows = list(db.query("select * from crawl_runs order by id desc limit ?", [limit]))
    kinds: dict[int, dict[str, int]] = {}
    if rows:
        ids = [row["id"] for row in rows]
        for run_id, kind, n in db.execute(
                f"select run_id, kind, count(*) from fetch_errors where run_id in ({', '.join('?' for _ in ids)}) "
                "group by run_id, kind order by run_id, count(*) desc, kind", ids).fetchall():
            kinds.setdefault(run_id, {})[kind or "unknown"] = n
    return [Run(id=row["id"], started=row.get("started"), finished=row.get("finished"), status=row.get("status"),
                requests=row.get("requests") or 0, reports_new=row.get("reports_new") or 0,
                reports_updated=row.get("reports_updated") or 0, reports_unchanged=row.get("reports_unchanged") or 0,
                errors=row.get("errors") or 0, errors_by_kind=kinds.get(row["id"], {}))
            for row in rows]


def portal_health(db) -> list[dict[str, Any]]:
    """portal_health rows: broken first, then errors, then the rest, by portal id."""
    order = "case status when 'broken' then 0 when 'errors' then 1 when 'not_crawled' then 2 else 3 end, portal_id"
    return [dict(row) for row in db.query(f"select * from portal_health order by {order}")]


def expected_missing(db, today: date) -> list[dict[str, Any]]:
    sql = views.expected_missing_sql(":today") + " order by p.id"
    return [dict(row) for row in db.query(sql, {"today": today.isoformat()})]


def collect(db, today: date | None = None, runs: int = 5) -> Status:
    today = today or date.today()
    return Status(today=today, runs=recent_runs(db, runs), portals=portal_health(db),
                  missing=expected_missing(db, today))


def exit_code(status: Status) -> int:
    return EXIT_BROKEN if status.broken else 0
