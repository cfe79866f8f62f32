"""Whole reports against hand-made gold: the five real seed reports (../shared/seeds/gold.json,
skipped when the folder is not beside the repository) and the five self-written reports of
tests/fixtures/standalone that exercise the same behaviours (see tests/shared_docs.py)."""
from __future__ import annotations

import pytest

from pipelines.parse import parse_report
from tests.shared_docs import (
    ROLES,
    corpus_dir,
    corpus_params,
    gold,
    gold_case,
    gold_params,
    role_gold,
)

FIELDS = ("title", "agency", "region", "report_year", "published", "index_no", "format")
ANSWER_PARTS = ("already_public", "granted", "partial", "denied", "not_this_agency", "not_exist",
                "asked_to_amend", "other_channel")
_PARSED: dict[tuple[str, str], dict] = {}


def parsed(corpus: str, file: str) -> dict:
    if (corpus, file) not in _PARSED:
        _PARSED[corpus, file] = parse_report(text=(corpus_dir(corpus) / file).read_text(encoding="utf-8"))
    return _PARSED[corpus, file]


def parsed_role(corpus: str, role: str) -> dict:
    return parsed(corpus, ROLES[role][corpus])


@pytest.mark.parametrize("corpus,file", gold_params())
def test_fields_match_gold(corpus, file):
    result, expected = parsed(corpus, file), gold_case(corpus, file)
    assert {f: result[f] for f in FIELDS} == {f: expected[f] for f in FIELDS}


@pytest.mark.parametrize("corpus,file", gold_params())
def test_metrics_match_gold_exactly(corpus, file):
    # Exact equality: no missing key, no wrong value, and no extra headline key gold lacks.
    assert parsed(corpus, file)["metrics"] == gold_case(corpus, file)["metrics"]


@pytest.mark.parametrize("corpus,file", gold_params())
def test_every_metric_has_provenance(corpus, file):
    result = parsed(corpus, file)
    assert set(result["provenance"]) == set(result["metrics"])
    for key, info in result["provenance"].items():
        assert info["source"] in ("table", "prose"), key
        assert info["snippet"], key
        assert info["ocr"] is False


def test_standalone_reports_cover_every_role():
    assert sorted(g["file"] for g in gold("standalone")) == sorted(r["standalone"] for r in ROLES.values())
    assert sorted(p.name for p in corpus_dir("standalone").glob("*.txt")) == sorted(g["file"] for g in gold("standalone"))


@pytest.mark.parametrize("corpus", corpus_params())
def test_inconsistent_table_is_a_failed_check_and_keeps_both_numbers(corpus):
    result, metrics = parsed_role(corpus, "legacy_table"), role_gold(corpus, "legacy_table")["metrics"]
    failed = [c for c in result["checks"] if not c["passed"]]
    assert [c["rule"] for c in failed] == ["R9.requests.answer"]
    answered, parts = metrics["requests.total.total"], sum(metrics[f"requests.answer.{p}"] for p in ANSWER_PARTS)
    assert answered < parts  # the table breaks its own footnote …
    assert (failed[0]["found"], failed[0]["expected"]) == (answered, parts)
    for key in ["requests.total.total"] + [f"requests.answer.{p}" for p in ANSWER_PARTS]:
        assert result["metrics"][key] == metrics[key]  # … and every printed number is kept


@pytest.mark.parametrize("corpus", corpus_params())
def test_no_year_total_when_only_a_channel_is_counted(corpus):
    metrics = parsed_role(corpus, "title_agency")["metrics"]
    assert "active.total" not in metrics
    assert metrics["active.website"] == role_gold(corpus, "title_agency")["metrics"]["active.website"]


@pytest.mark.parametrize("corpus", corpus_params())
def test_sources_and_agency_source(corpus):
    assert parsed_role(corpus, "page_meta")["sources"] == ["page"]
    assert parsed_role(corpus, "legacy_table")["agency_source"] == "signature"
    assert parsed_role(corpus, "title_agency")["agency_source"] == "title"
    assert parsed_role(corpus, "legacy_table")["provenance"]["staff.total"]["source"] == "table"
    assert parsed_role(corpus, "prose_signature")["provenance"]["active.total"]["source"] == "prose"


@pytest.mark.parametrize("corpus", corpus_params())
def test_parsed_reports_store_in_the_archive(corpus, tmp_path):
    from pipelines import store

    db = store.open_db(tmp_path / "reports.db")
    for case in gold(corpus):
        name, result = case["file"], parsed(corpus, case["file"])
        report = {"id": store.stable_id(name), "url": f"file:{name}", "title": result["title"],
                  "content_hash": store.content_hash(name)}
        assert store.save_report(db, report, [], result) == "new"
    table = role_gold(corpus, "legacy_table")
    rows = {r["id"]: r for r in db.query("select * from reports")}
    stored_report = rows[store.stable_id(table["file"])]
    assert stored_report["agency"] == table["agency"] and stored_report["report_year"] == table["report_year"]
    assert stored_report["format"] == "legacy" and stored_report["failed_checks"] == 1
    assert stored_report["parse_status"] == "ok"
    stored = {(r["key"], r["value"], r["source"]) for r in db.query(
        "select key, value, source from metrics where report_id = ?", [stored_report["id"]])}
    assert ("staff.total", table["metrics"]["staff.total"], "table") in stored
    assert len(stored) == len(table["metrics"])
    metrics = table["metrics"]
    parts = sum(metrics[f"requests.answer.{p}"] for p in ANSWER_PARTS)
    failed = list(db.query("select rule, expected, found from checks where passed = 0"))
    assert failed == [{"rule": "R9.requests.answer", "expected": str(parts), "found": str(metrics["requests.total.total"])}]
