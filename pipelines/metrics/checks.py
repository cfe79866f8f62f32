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
    """total_key = Σ part_keys, or None when any of them is absent. A failure that two adjacent digits
    would mend is marked with its probable_cause (probable_extraction_error)."""
    found = metrics.get(total_key)
    parts = _values(metrics, part_keys)
    if found is None or parts is None:
        return None
    shown = " + ".join(f"{k}={v}" for k, v in zip(part_keys, parts))
    result = _result(rule, sum(parts), found, f"{total_key}={found} vs {shown}")
    if not result["passed"]:
        cause = probable_extraction_error(list(part_keys), parts, found)
        if cause:
            result["probable_cause"], explanation = cause
            result["detail"] += f"; {explanation}"
    return result


def _whole(value) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or value != int(value):
        return None
    return int(value)


def probable_extraction_error(part_keys: list[str], parts: list, total) -> tuple[str, str] | None:
    """Why a failing sum (total = Σ parts, parts in printed order) may be a misreading, not the report's error.

    split_number:  two adjacent single-digit parts a, b (a ≠ 0) read apart from one printed number "ab":
                   the sum passes with the number ab in their place (cells 1 and 2 that were 12).
    merged_number: one part of two or more digits that was two adjacent numbers run together: the sum
                   passes with it cut into two numbers (12 that was 1 and 2).
    Returns (cause, explanation) or None; the numbers themselves are never changed.
    """
    total, values = _whole(total), [_whole(v) for v in parts]
    if total is None or any(v is None for v in values):
        return None
    rest = sum(values)
    split, merged = [], []
    for i in range(len(values) - 1):
        a, b = values[i], values[i + 1]
        if 1 <= a <= 9 and 0 <= b <= 9 and rest - a - b + int(f"{a}{b}") == total:
            split.append(f"{part_keys[i]}={a} {part_keys[i + 1]}={b} → {a}{b}")
    for i, value in enumerate(values):
        digits = str(value)
        for cut in range(1, len(digits)):
            head, tail = digits[:cut], digits[cut:]
            if len(tail) > 1 and tail.startswith("0"):
                continue
            if rest - value + int(head) + int(tail) == total:
                merged.append(f"{part_keys[i]}={value} → {head} + {tail}")
    if split and not merged:
        return "split_number", "probably one number read as two: " + "; ".join(split)
    if merged and not split:
        return "merged_number", "probably two numbers read as one: " + "; ".join(merged)
    return None


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
