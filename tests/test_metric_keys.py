"""The metric-key registry (pipelines/metrics/keys.py) is the parser's output contract.

The parser emits only registered keys and registered check-rule names, over every report fixture;
the modules that spell keys agree with the registry; an unregistered key is dropped with a parse
error (never raised: a crawl must not stop over one number).
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cli.commands.parse import HTML_SUFFIXES, TEXT_SUFFIXES, _document_suffixes, parse_file
from pipelines import parse as parse_module
from pipelines import views
from pipelines.metrics import keys, legacy, prose, rules, standard, table_labels
from pipelines.metrics.prose import Finding

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
METRICS_MD = ROOT.parent / "shared" / "METRICS.md"  # the contract's old home, beside the repository
PARSEABLE = HTML_SUFFIXES | TEXT_SUFFIXES | _document_suffixes()
REPORT_FILES = sorted(p for p in FIXTURES.rglob("*") if p.is_file() and p.suffix.lower() in PARSEABLE)


def problems_of(result: dict) -> list[str]:
    """Unregistered metric keys and rule names in one parse result, and guard messages."""
    problems = [f"metric key {k!r}" for k in result["metrics"] if not keys.is_registered(k)]
    problems += [f"provenance key {k!r}" for k in result.get("provenance", {}) if not keys.is_registered(k)]
    problems += [f"rule {c['rule']!r}" for c in result["checks"] if not rules.is_registered(c["rule"])]
    problems += [e for e in result["errors"] if "not registered" in e]
    return problems


def test_the_fixtures_cover_every_kind_of_input():
    suffixes = {p.suffix.lower() for p in REPORT_FILES}
    assert {".html", ".txt", ".pdf", ".docx", ".doc", ".xls"} <= suffixes
    assert len(REPORT_FILES) >= 100


@pytest.mark.parametrize("path", REPORT_FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_parse_emits_only_registered_keys_and_rules(path):
    result, _ = parse_file(path, None)  # what `nianbao parse FILE` runs: parse_report on the file
    assert not problems_of(result), f"{path.relative_to(ROOT)}: {problems_of(result)}"


def test_nianbao_parse_command_prints_only_registered_keys():
    files = [FIXTURES / "reports" / "county2022_old_template.html", FIXTURES / "legacy" / "jilin_district_2017.txt",
             FIXTURES / "documents" / "report_2021.docx", FIXTURES / "reports" / "pdftext2021.txt"]
    done = subprocess.run([sys.executable, "-m", "cli.main", "parse", *map(str, files)], cwd=ROOT,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    results = [json.loads(line) for line in done.stdout.strip().split("\n")]
    assert len(results) == len(files) and all(r["metrics"] for r in results)
    for result in results:
        assert not problems_of(result), (result["file"], problems_of(result))


def test_an_unregistered_key_is_dropped_with_a_parse_error(monkeypatch):
    def prose_with_a_stray_key(text):
        return {"requests.new.total": Finding("requests.new.total", 3, "件", None, "收到申请3件"),
                "requests.brand_new.total": Finding("requests.brand_new.total", 7, "件", None, "新指标7件")}

    monkeypatch.setattr(parse_module, "extract_prose", prose_with_a_stray_key)
    result = parse_module.parse_report(text="2020年政府信息公开工作年度报告\n本年收到申请3件。")
    assert result["metrics"] == {"requests.new.total": 3}
    assert "requests.brand_new.total" not in result["provenance"]
    assert any(e.startswith("requests.brand_new.total: metric key not registered") for e in result["errors"])
    assert not result.get("fatal")


# --- the registry ---------------------------------------------------------------------------
def test_registry_answers_for_concrete_keys():
    assert keys.is_registered("requests.granted.natural_person")
    assert keys.is_registered("requests.other.unpaid_fee.total")
    assert keys.is_registered("active.fees.amount") and keys.get("active.fees.amount").unit == "万元"
    assert not keys.is_registered("requests.<row>.<column>")
    assert not keys.is_registered("active.procurement.decisions")  # no such pair in either template
    assert not keys.is_registered("requests.granted")
    record = keys.get("requests.new.total")
    assert record.section == "headline" and set(record.formats) == set(keys.FORMATS)
    assert keys.get("requests.other.natural_person").formats == ("standard-2019",)
    assert keys.get("requests.other.other.total").formats == ("standard-2021",)
    assert keys.get("review.upheld").formats == ("standard-2019", "standard-2021", "legacy")
    with pytest.raises(KeyError, match="not registered"):
        keys.table3_key("granted", "everyone")


def test_every_record_is_complete():
    for key, record in keys.KEYS.items():
        assert record.key == key and re.fullmatch(r"[a-z_]+(\.[a-z_]+)+", key), key
        assert re.search(r"[\u4e00-\u9fff]", record.label_zh) and re.search(r"[A-Za-z]{3,}", record.label_en), key
        assert record.section in keys.SECTIONS and record.formats, key
        assert set(record.formats) <= set(keys.FORMATS), key
        assert record.unit is None or record.unit in ("条", "件", "次", "个", "人", "人次", "元", "万元", "篇"), key


def test_the_registry_holds_every_key_of_metrics_md():
    """The contract moved into the code: nothing METRICS.md names is missing (skipped without it)."""
    if not METRICS_MD.is_file():
        pytest.skip("../shared/METRICS.md is not beside the repository")
    named = metrics_md_keys(METRICS_MD.read_text(encoding="utf-8"))
    assert len(named) > 250
    assert sorted(k for k in named if not keys.is_registered(k)) == []


def metrics_md_keys(text: str) -> set[str]:
    """Concrete keys METRICS.md names: whole keys, `.suffix` continuations, `x.*` × suffixes, table 三."""
    found: set[str] = set()
    head, _, rest = text.partition("## Standard format table 三")
    table3, _, tail = rest.partition("\n## ")
    for chunk in re.split(r"\n(?=- |\n|## )", head + "\n## " + tail):
        tokens = re.findall(r"`([^`\n]+)`", chunk)
        families = [t[:-2] for t in tokens if re.fullmatch(r"[a-z_]+(\.[a-z_]+)*\.\*", t)]
        previous = None
        for token in tokens:
            if re.fullmatch(r"[a-z_]+(\.[a-z_]+)+", token):
                previous = token
                found.add(token)
            elif re.fullmatch(r"\.[a-z_]+", token):
                if families:
                    found.update(f + token for f in families)
                elif previous:
                    found.add(previous.rsplit(".", 1)[0] + token)
    columns = re.findall(r"`([a-z_]+)`", table3.split("\n\n")[0])
    rows = [t for line in table3.splitlines() if line.startswith("| ") and "`" in line
            for t in re.findall(r"`([a-z_.]+)`", line.split("|")[2])]
    found.update(f"requests.{r}.{c}" for r in rows for c in columns)
    return found


# --- modules that spell keys agree with the registry ------------------------------------------
def test_keys_spelled_in_the_readers_are_registered():
    spelled = {key for _, _, key in legacy.ROWS} | set(legacy.BLOCK_TOTALS.values())
    spelled |= {key for _, key in prose.CHANNELS}
    spelled |= {key for _, key in views.HEADLINE_METRICS}
    for total, parts in rules.LEGACY_SUMS.values():
        spelled |= {total, *parts}
    assert sorted(k for k in spelled if not keys.is_registered(k)) == []


def test_table_vocabularies_name_registered_parts():
    structural = {"caption", "header", "group", "subtotal", "litigation"}
    for vocabulary, parts in ((table_labels.TABLE2_ROWS, keys.TABLE2_ENTITIES),
                              (table_labels.TABLE2_COLUMNS, keys.TABLE2_COLUMNS),
                              (table_labels.TABLE3_COLUMNS, keys.TABLE3_COLUMNS),
                              (table_labels.TABLE3_ROWS, keys.TABLE3_ROWS),
                              (table_labels.TABLE4_GROUPS, keys.TABLE4_BLOCKS),
                              (table_labels.TABLE4_COLUMNS, keys.TABLE4_PARTS)):
        names = {name for name, _ in vocabulary if name not in structural and not name.startswith("parent.")}
        assert names == {p.name for p in parts}


def test_the_standard_reader_agrees_with_the_registry():
    assert standard.TABLE3_COLUMN_ORDER == tuple(c.name for c in keys.TABLE3_COLUMNS)
    assert set(standard.TABLE3_COLUMN_NAMES) == set(standard.TABLE3_COLUMN_ORDER)
    assert standard.TABLE4_BLOCKS == tuple(b.name for b in keys.TABLE4_BLOCKS)
    assert standard.TABLE4_LEAVES == tuple(p.name for p in keys.TABLE4_PARTS)
    assert {e: set(c) for e, c in standard.TABLE2_ALLOWED.items()} == \
        {e: set(keys.table2_columns_of(e)) for e in keys.TABLE2_PAIRS}


# --- the rule registry ----------------------------------------------------------------------
def test_rule_names_are_made_and_recognised_by_the_registry():
    assert rules.R1.name(column="business") == "R1.requests.business"
    assert rules.rule_of("R3.requests.other.no_correction") is rules.R3
    assert rules.rule_of("R9.requests.answer") is rules.R9
    assert rules.rule_of("sources_agree.requests.new.total@report.pdf") is rules.SOURCES_AGREE
    assert rules.rule_of("prose_agrees.active.total") is rules.PROSE_AGREES
    assert rules.rule_of("prose_agrees.no.such.key") is None
    assert rules.rule_of("R1.requests.everyone") is None
    with pytest.raises(ValueError):
        rules.R4.name(block="complaints")
    template = {t.id for t in rules.TEMPLATE_RULES}
    assert all(rule.template_rule in template for rule in rules.RULES if rule.template_rule)
    implemented = {rule.template_rule for rule in rules.RULES}
    for t in rules.TEMPLATE_RULES:
        assert (t.id in implemented) != bool(t.not_checked_because), t.id


# --- the metric_keys table ------------------------------------------------------------------
def test_open_db_loads_and_refreshes_metric_keys(tmp_path):
    from pipelines import store

    db = store.open_db(tmp_path / "reports.db")
    rows = {r["key"]: r for r in db["metric_keys"].rows}
    assert set(rows) == set(keys.KEYS)
    assert rows["requests.granted.natural_person"]["label_zh"] == "予以公开（自然人）"
    assert rows["active.fees.amount"]["formats"] == "standard-2021"
    assert ("key", "metric_keys", "key") in {(fk.column, fk.other_table, fk.other_column)
                                             for fk in db["metrics"].foreign_keys}
    db["metric_keys"].insert({"key": "gone.key", "label_zh": "旧", "label_en": "old"})
    db["metric_keys"].update("active.total", {"label_zh": "旧名称"})
    db.close()
    db = store.open_db(tmp_path / "reports.db")
    assert {r["key"] for r in db["metric_keys"].rows} == set(keys.KEYS)
    assert db["metric_keys"].get("active.total")["label_zh"] == keys.get("active.total").label_zh
    before = db.conn.total_changes
    store.ensure_metric_keys(db)  # an unchanged registry writes nothing
    assert db.conn.total_changes == before
    db.close()
