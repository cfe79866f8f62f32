"""Consistency rules (勾稽关系) of REPORT_FORMAT.md §2: pass, fail and skip for each rule."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.metrics.checks import APPLICANT_COLUMNS, RESULT_ROWS_COMMON, run_checks
from tests.shared_docs import corpus_params, role_gold


def table3(results: dict[str, list[int]], carried: list[int], forward: list[int], fmt: str = "standard-2019") -> dict:
    """A consistent table 三 from its result rows (six applicant columns each); zero elsewhere."""
    other = ("other",) if fmt == "standard-2019" else ("other.no_correction", "other.unpaid_fee", "other.other")
    rows = {r: results.get(r, [0] * 6) for r in RESULT_ROWS_COMMON + other}
    total = [sum(v[i] for v in rows.values()) for i in range(6)]
    rows.update(total=total, carried_over=carried, carry_forward=forward,
                new=[t + f - c for t, f, c in zip(total, forward, carried)])
    metrics = {}
    for row, values in rows.items():
        for col, v in zip(APPLICANT_COLUMNS, values):
            metrics[f"requests.{row}.{col}"] = v
        metrics[f"requests.{row}.total"] = sum(values)
    return metrics


def by_rule(checks: list[dict]) -> dict[str, dict]:
    return {c["rule"]: c for c in checks}


@pytest.fixture
def consistent() -> dict:
    m = table3({"granted": [258, 12, 1, 1, 0, 2], "unable.not_held": [252, 6, 0, 1, 0, 1], "other": [5, 0, 0, 0, 0, 0]},
               carried=[18, 0, 0, 0, 0, 1], forward=[72, 2, 0, 0, 0, 0])
    for block, parts in (("review", [5, 0, 0, 2]), ("litigation.direct", [8, 0, 0, 1]), ("litigation.after_review", [0, 0, 0, 0])):
        for name, v in zip(("upheld", "corrected", "other", "pending"), parts):
            m[f"{block}.{name}"] = v
        m[f"{block}.total"] = sum(parts)
    m["litigation.total"] = 9
    return m


def test_consistent_tables_pass_every_rule(consistent):
    checks = run_checks(consistent, "standard-2019")
    assert all(c["passed"] for c in checks), [c for c in checks if not c["passed"]]
    rules = by_rule(checks)
    assert {f"R1.requests.{c}" for c in APPLICANT_COLUMNS + ("total",)} <= set(rules)
    assert {f"R2.requests.{c}" for c in APPLICANT_COLUMNS + ("total",)} <= set(rules)
    assert "R3.requests.granted" in rules and "R3.requests.other" in rules
    assert {"R4.review", "R4.litigation.direct", "R4.litigation.after_review", "R5.litigation"} <= set(rules)
    assert rules["R1.requests.natural_person"]["expected"] == rules["R1.requests.natural_person"]["found"]


def test_r1_fails_for_one_column(consistent):
    consistent["requests.carry_forward.natural_person"] += 1
    del consistent["requests.carry_forward.total"]  # blank: R1.total and R3.carry_forward skip
    failed = [c for c in run_checks(consistent, "standard-2019") if not c["passed"]]
    assert [c["rule"] for c in failed] == ["R1.requests.natural_person"]
    assert failed[0]["found"] == failed[0]["expected"] + 1
    assert "R1.requests.total" not in by_rule(run_checks(consistent, "standard-2019"))


def test_r2_uses_the_2021_other_rows():
    m = table3({"granted": [3, 1, 0, 0, 0, 0], "other.unpaid_fee": [2, 0, 0, 0, 0, 0]}, [0] * 6, [1, 0, 0, 0, 0, 0],
               fmt="standard-2021")
    assert all(c["passed"] for c in run_checks(m, "standard-2021"))
    assert all(c["passed"] for c in run_checks(m, None))  # template inferred from the keys
    m["requests.other.other.natural_person"] = 1  # now (六) sums to more than (七) counts
    m["requests.other.other.total"] = 1
    failed = sorted(c["rule"] for c in run_checks(m, "standard-2021") if not c["passed"])
    assert failed == ["R2.requests.natural_person", "R2.requests.total"]


def test_r3_fails_for_one_row_and_skips_a_blank_total(consistent):
    consistent["requests.granted.total"] += 1
    failed = sorted(c["rule"] for c in run_checks(consistent, "standard-2019") if not c["passed"])
    assert failed == ["R2.requests.total", "R3.requests.granted"]
    del consistent["requests.granted.total"]  # blank 总计, as in the real SH2019 予以公开 row
    rules = by_rule(run_checks(consistent, "standard-2019"))
    assert "R3.requests.granted" not in rules and "R2.requests.total" not in rules
    assert all(c["passed"] for c in rules.values())


def test_r4_each_block(consistent):
    consistent["litigation.after_review.pending"] = 2
    failed = [c for c in run_checks(consistent, "standard-2019") if not c["passed"]]
    assert [c["rule"] for c in failed] == ["R4.litigation.after_review"]
    assert (failed[0]["expected"], failed[0]["found"]) == (2, 0)


def test_r5_litigation_total(consistent):
    consistent["litigation.total"] = 10  # e.g. a prose figure disagreeing with table 四
    failed = [c["rule"] for c in run_checks(consistent, "standard-2019") if not c["passed"]]
    assert failed == ["R5.litigation"]
    del consistent["litigation.after_review.total"]
    assert "R5.litigation" not in by_rule(run_checks(consistent, "standard-2019"))


def test_blank_cells_skip_rules_instead_of_failing():
    assert run_checks({}, None) == []
    assert run_checks({"requests.new.total": 3}, "standard-2021") == []
    only_review = {"review.upheld": 1, "review.corrected": 0, "review.other": 0, "review.total": 1}
    assert run_checks(only_review, "standard-2019") == []  # no 尚未审结 cell: R4 needs it


@pytest.mark.parametrize("corpus", corpus_params())
def test_legacy_table_breaks_r9(corpus):
    """The old 统计表 of seed 003 (or its stand-in): 答复数 below the sum of its parts."""
    metrics = role_gold(corpus, "legacy_table")["metrics"]
    rules = by_rule(run_checks(metrics, "legacy"))
    answer = rules["R9.requests.answer"]
    expected = {"seeds": (3, 6), "standalone": (5, 7)}[corpus]  # standalone: 1+2+0+1+2+1+0+0 = 7
    assert not answer["passed"] and (answer["found"], answer["expected"]) == expected
    assert rules["R9.requests.channel"]["passed"] and rules["R9.requests.completed"]["passed"]
    assert rules["R9.staff"]["passed"] and rules["R9.review"]["passed"]
    assert [r for r, c in rules.items() if not c["passed"]] == ["R9.requests.answer"]
    # channels of 主动公开 need not sum (R10): 网站 + 微信 exceed the total, and no rule says otherwise
    assert metrics["active.website"] + metrics["active.wechat"] > metrics["active.total"]
    assert not any(r.startswith("R9.active") for r in rules)


def test_legacy_rules_not_applied_to_standard_reports():
    m = {"review.total": 2, "review.upheld": 1, "review.corrected": 0, "review.other": 0}
    assert run_checks(m, "standard-2019") == []
    assert [c["rule"] for c in run_checks(m, "legacy")] == ["R9.review"]


def test_non_numbers_do_not_break_checks():
    checks = run_checks({"review.total": "7", "review.upheld": None}, None)
    assert checks == []


@settings(max_examples=80, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted({f"requests.{r}.{c}" for r in ("new", "carried_over", "total", "carry_forward",
                                                                             "granted", "other", "other.other")
                                               for c in APPLICANT_COLUMNS + ("total",)}
                                              | {"review.total", "review.upheld", "review.corrected", "review.other",
                                                 "review.pending", "litigation.total", "requests.answer.granted"})),
                       st.integers(-5, 50) | st.floats(allow_nan=False, allow_infinity=False, width=32) | st.none()),
       st.sampled_from([None, "standard-2019", "standard-2021", "legacy", "unknown"]))
def test_checks_are_well_formed_for_any_metrics(metrics, fmt):
    for check in run_checks(metrics, fmt):
        assert set(check) == {"rule", "expected", "found", "passed", "detail"}
        assert check["passed"] == (abs(check["expected"] - check["found"]) < 1e-6)
