"""Consistency rules (勾稽关系) over parsed metrics (docs/checks.md; rule names from pipelines/metrics/rules.py).

    run_checks(metrics, format) -> [{"rule", "expected", "found", "passed", "detail"}]

A rule is emitted only when every value it needs is present: a blank cell is absent, so its
rule is skipped, never failed. A failed rule only reports; the numbers stay as printed.

The rules, their names and what each compares are declared in pipelines/metrics/rules.py and
listed in docs/checks.md (R1 per column, R2 per column, R3 per row of table 三; R4 per block and
R5 of table 四; R9 the legacy 统计表 sums; not 主动公开 by channel, R10).
"""
from __future__ import annotations

from pipelines.metrics import keys
from pipelines.metrics import rules as R

# Names of table 三 and 四 parts, from the metric-key registry (pipelines/metrics/keys.py).
APPLICANT_COLUMNS = keys.APPLICANT_COLUMNS
TABLE3_COLUMNS = tuple(c.name for c in keys.TABLE3_COLUMNS)
RESULT_ROWS_COMMON = keys.TABLE3_RESULT_ROWS
OTHER_2019 = keys.TABLE3_OTHER_2019
OTHER_2021 = keys.TABLE3_OTHER_2021
TABLE3_ROWS = tuple(r.name for r in keys.TABLE3_ROWS_PRINTED)
TABLE4_BLOCKS = tuple(b.name for b in keys.TABLE4_BLOCKS)
TABLE4_PARTS = keys.TABLE4_OUTCOMES


def _values(metrics: dict, names) -> list | None:
    values = [metrics.get(k) for k in names]
    return None if any(v is None for v in values) else values


def _result(rule: str, expected, found, detail: str) -> dict:
    passed = abs(expected - found) < 1e-6
    return {"rule": rule, "expected": expected, "found": found, "passed": passed, "detail": detail}


def _sum_rule(metrics: dict, rule: str, total_key: str, part_keys) -> dict | None:
    """total_key = Σ part_keys, or None when any of them is absent."""
    found = metrics.get(total_key)
    parts = _values(metrics, part_keys)
    if found is None or parts is None:
        return None
    shown = " + ".join(f"{k}={v}" for k, v in zip(part_keys, parts))
    return _result(rule, sum(parts), found, f"{total_key}={found} vs {shown}")


def _other_rows(metrics: dict, fmt: str | None) -> tuple[str, ...]:
    """(六)其他处理 as printed: three sub-rows (2021) or one row (2019); the template if neither."""
    if any(k.startswith(tuple(f"requests.{row}." for row in OTHER_2021)) for k in metrics):
        return OTHER_2021
    if any(k.startswith("requests.other.") for k in metrics):
        return OTHER_2019
    return OTHER_2021 if fmt == "standard-2021" else OTHER_2019


def standard_checks(metrics: dict, fmt: str | None) -> list[dict]:
    checks = []
    for col in TABLE3_COLUMNS:
        needed = [keys.table3_key(row, col) for row in ("new", "carried_over", "total", "carry_forward")]
        values = _values(metrics, needed)
        if values is not None:
            new, carried, total, forward = values
            checks.append(_result(R.R1.name(column=col), new + carried, total + forward,
                                  f"一 {new} + 二 {carried} vs (七)总计 {total} + 四 {forward}"))
    result_rows = RESULT_ROWS_COMMON + _other_rows(metrics, fmt)
    for col in TABLE3_COLUMNS:
        check = _sum_rule(metrics, R.R2.name(column=col), keys.table3_key("total", col),
                          [keys.table3_key(row, col) for row in result_rows])
        if check:
            checks.append(check)
    for row in TABLE3_ROWS:
        check = _sum_rule(metrics, R.R3.name(row=row), keys.table3_key(row, "total"),
                          [keys.table3_key(row, col) for col in APPLICANT_COLUMNS])
        if check:
            checks.append(check)
    for block in TABLE4_BLOCKS:
        check = _sum_rule(metrics, R.R4.name(block=block), keys.table4_key(block, "total"),
                          [keys.table4_key(block, part) for part in TABLE4_PARTS])
        if check:
            checks.append(check)
    check = _sum_rule(metrics, R.R5.name(), "litigation.total",
                      ["litigation.direct.total", "litigation.after_review.total"])
    if check:
        checks.append(check)
    return checks


def legacy_checks(metrics: dict) -> list[dict]:
    checks = []
    for block, (total_key, part_keys) in R.LEGACY_SUMS.items():
        check = _sum_rule(metrics, R.R9.name(block=block), total_key, part_keys)
        if check:
            checks.append(check)
    return checks


def run_checks(metrics: dict, format: str | None) -> list[dict]:  # noqa: A002 - the contract's name
    """Every rule whose inputs are all present. Standard rules for standard formats, the legacy
    统计表 rules otherwise (their keys only exist in legacy reports)."""
    try:
        metrics = {k: v for k, v in (metrics or {}).items() if isinstance(v, (int, float))}
        checks = standard_checks(metrics, format)
        if not (format or "").startswith("standard"):
            checks += legacy_checks(metrics)
        return checks
    except Exception as exc:  # checks must never cost the report its numbers
        return [{"rule": R.CHECKS_NOT_RUN.name(), "expected": None, "found": None, "passed": False,
                 "detail": f"checks not run: {type(exc).__name__}: {exc}"}]
