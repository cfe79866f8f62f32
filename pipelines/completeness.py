"""How much of a report was read, and how many checks it ran: the quality columns of reports.

`failed_checks = 0` says nothing by itself (most reports run no check at all: no table, no rule to
apply), and `parse_status = ok` may mean one number out of two hundred. These columns say it:

    checks_run / checks_passed / checks_failed   consistency rules evaluated, held, failed
    tables_expected   the tables the report's format prints: 二,三,四 for the standard templates
                      (2019 and 2021), 统计表 for the old legacy reports, empty otherwise
    tables_found      the tables at least one number was read from, in the same spelling
    table_metrics / prose_metrics   numbers read from tables / from sentences
    completeness      complete (every expected table read), partial (some table numbers, not
                      every expected table), prose_only (numbers from sentences only), none (no number)

Pure functions of the parse (or of stored metrics and checks rows, for databases written before
these columns existed): the crawl and a re-parse compute them identically.
"""
from __future__ import annotations

from typing import Any, Iterable

STANDARD_TABLES = ("二", "三", "四")
LEGACY_TABLE = "统计表"
EXPECTED_TABLES = {"standard-2019": STANDARD_TABLES, "standard-2021": STANDARD_TABLES, "legacy": (LEGACY_TABLE,)}
_TABLE_ORDER = ("一", *STANDARD_TABLES, LEGACY_TABLE)
COMPLETENESS = (
    ("complete", "完整", "every table the format expects was read"),
    ("partial", "部分", "some table numbers, not every expected table"),
    ("prose_only", "仅正文", "numbers from sentences only, no table read"),
    ("none", "无数字", "no number read"),
)


def _table_sort(name: str) -> tuple[int, str]:
    return (_TABLE_ORDER.index(name) if name in _TABLE_ORDER else len(_TABLE_ORDER), name)


def quality(report_format: str | None, provenance: Iterable[tuple[str | None, str | None]],
            passed: Iterable[Any]) -> dict[str, Any]:
    """The quality columns from (source, section) of each metric and `passed` of each check."""
    table_metrics = prose_metrics = 0
    found: set[str] = set()
    for source, section in provenance:
        if source == "table":
            table_metrics += 1
            if section:
                found.add(section)
        else:
            prose_metrics += 1
    outcomes = [bool(p) for p in passed]
    expected = EXPECTED_TABLES.get(report_format or "", ())
    if not table_metrics and not prose_metrics:
        completeness = "none"
    elif not table_metrics:
        completeness = "prose_only"
    elif expected and set(expected) <= found:
        completeness = "complete"
    else:
        completeness = "partial"
    return {
        "checks_run": len(outcomes),
        "checks_passed": sum(outcomes),
        "checks_failed": len(outcomes) - sum(outcomes),
        "tables_expected": ",".join(expected),
        "tables_found": ",".join(sorted(found, key=_table_sort)),
        "table_metrics": table_metrics,
        "prose_metrics": prose_metrics,
        "completeness": completeness,
    }


def parse_quality(parsed: dict[str, Any]) -> dict[str, Any]:
    """quality() of a parse result (ParseResult.as_dict())."""
    provenance = parsed.get("provenance") or {}
    sources = [((provenance.get(key) or {}).get("source") or "prose", (provenance.get(key) or {}).get("section"))
               for key in parsed.get("metrics") or {}]
    return quality(parsed.get("format"), sources, [c.get("passed", False) for c in parsed.get("checks") or []])
