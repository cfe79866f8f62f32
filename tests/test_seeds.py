"""The five real seed reports against their hand-made gold (../shared/seeds/gold.json)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.parse import parse_report

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
GOLD = json.loads((SEEDS / "gold.json").read_text(encoding="utf-8")) if (SEEDS / "gold.json").exists() else []
FIELDS = ("title", "agency", "region", "report_year", "published", "index_no", "format")


@pytest.fixture(scope="module")
def parsed():
    return {gold["file"]: parse_report(text=(SEEDS / gold["file"]).read_text(encoding="utf-8")) for gold in GOLD}


@pytest.mark.skipif(not GOLD, reason="seeds folder not found beside the repo")
@pytest.mark.parametrize("gold", GOLD, ids=lambda g: g["file"][:3])
def test_fields_match_gold(parsed, gold):
    result = parsed[gold["file"]]
    assert {f: result[f] for f in FIELDS} == {f: gold[f] for f in FIELDS}


@pytest.mark.skipif(not GOLD, reason="seeds folder not found beside the repo")
@pytest.mark.parametrize("gold", GOLD, ids=lambda g: g["file"][:3])
def test_metrics_match_gold_exactly(parsed, gold):
    # Exact equality: no missing key, no wrong value, and no extra headline key gold lacks.
    assert parsed[gold["file"]]["metrics"] == gold["metrics"]


@pytest.mark.skipif(not GOLD, reason="seeds folder not found beside the repo")
@pytest.mark.parametrize("gold", GOLD, ids=lambda g: g["file"][:3])
def test_every_metric_has_provenance(parsed, gold):
    result = parsed[gold["file"]]
    assert set(result["provenance"]) == set(result["metrics"])
    for key, info in result["provenance"].items():
        assert info["source"] in ("table", "prose"), key
        assert info["snippet"], key
        assert info["ocr"] is False


@pytest.mark.skipif(not GOLD, reason="seeds folder not found beside the repo")
def test_seed_003_inconsistent_table_is_a_failed_check_and_keeps_both_numbers(parsed):
    result = parsed["003_892ffea44dfa64a3.txt"]
    failed = [c for c in result["checks"] if not c["passed"]]
    assert [c["rule"] for c in failed] == ["R9.requests.answer"]
    assert failed[0]["found"] == 3 and failed[0]["expected"] == 6
    assert result["metrics"]["requests.total.total"] == 3
    assert result["metrics"]["requests.answer.denied"] == 3
    assert result["metrics"]["requests.answer.not_this_agency"] == 3


@pytest.mark.skipif(not GOLD, reason="seeds folder not found beside the repo")
def test_seed_004_has_no_year_total(parsed):
    metrics = parsed["004_7b3af533a8c4464a.txt"]["metrics"]
    assert "active.total" not in metrics
    assert metrics["active.website"] == 196


@pytest.mark.skipif(not GOLD, reason="seeds folder not found beside the repo")
def test_seed_sources_and_agency_source(parsed):
    assert parsed["001_7cac77d2a16a0895.txt"]["sources"] == ["page"]
    assert parsed["003_892ffea44dfa64a3.txt"]["agency_source"] == "signature"
    assert parsed["004_7b3af533a8c4464a.txt"]["agency_source"] == "title"
    assert parsed["003_892ffea44dfa64a3.txt"]["provenance"]["staff.total"]["source"] == "table"
    assert parsed["000_bec88f49f69761ae.txt"]["provenance"]["active.total"]["source"] == "prose"


@pytest.mark.skipif(not GOLD, reason="seeds folder not found beside the repo")
def test_parsed_seeds_store_in_the_archive(parsed, tmp_path):
    from pipelines import store

    db = store.open_db(tmp_path / "reports.db")
    for name, result in parsed.items():
        report = {"id": store.stable_id(name), "url": f"file:{name}", "title": result["title"],
                  "content_hash": store.content_hash(name)}
        assert store.save_report(db, report, [], result) == "new"
    rows = {r["id"]: r for r in db.query("select * from reports")}
    seed_003 = rows[store.stable_id("003_892ffea44dfa64a3.txt")]
    assert seed_003["agency"] == "青岛市科学技术局" and seed_003["report_year"] == 2017
    assert seed_003["format"] == "legacy" and seed_003["failed_checks"] == 1 and seed_003["parse_status"] == "ok"
    stored = {(r["key"], r["value"], r["source"]) for r in db.query(
        "select key, value, source from metrics where report_id = ?", [seed_003["id"]])}
    assert ("staff.total", 2, "table") in stored and len(stored) == len(parsed["003_892ffea44dfa64a3.txt"]["metrics"])
    failed = list(db.query("select rule, expected, found from checks where passed = 0"))
    assert failed == [{"rule": "R9.requests.answer", "expected": "6", "found": "3"}]
