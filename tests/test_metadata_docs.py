"""metadata.yml documents every table, view and column the schema creates, in Chinese and English.

A column added to pipelines.store (or a view) without a description here fails this suite; so does
documentation left behind for a column that no longer exists.
"""
from __future__ import annotations

import re

import pytest
import yaml

from datasette_plugin.app import DATABASE_NAME, METADATA_PATH
from pipelines import store
from tests.datasette_fixtures import build_demo_db

FTS5_SHADOW_SUFFIXES = ("_data", "_idx", "_content", "_docsize", "_config")
HAS_CJK = re.compile(r"[\u4e00-\u9fff]")
HAS_LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


@pytest.fixture(scope="module")
def metadata():
    return yaml.safe_load(METADATA_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module", params=["fresh", "demo"])
def schema(request, tmp_path_factory):
    """{table or view: [columns]} of a database made by store.open_db, empty or filled by writes."""
    path = tmp_path_factory.mktemp(request.param) / "reports.db"
    if request.param == "demo":
        build_demo_db(path)  # upserts with alter=True may add columns: those need docs too
    db = store.open_db(path)
    names = db.table_names() + db.view_names()
    result = {name: [column.name for column in db[name].columns] for name in names}
    db.close()
    return result


def fts_shadow_tables(schema) -> set[str]:
    virtual = {name for name in schema if any(f"{name}{suffix}" in schema for suffix in FTS5_SHADOW_SUFFIXES)}
    return {f"{name}{suffix}" for name in virtual for suffix in FTS5_SHADOW_SUFFIXES if f"{name}{suffix}" in schema}


def tables_metadata(metadata):
    return metadata["databases"][DATABASE_NAME]["tables"]


def test_instance_metadata(metadata):
    assert metadata["title"] == "nianbao 年报 archive"
    for key in ("description_html", "source", "source_url", "license", "license_url"):
        assert metadata.get(key), key
    assert "crawl_runs" in metadata["description_html"]  # how fresh
    assert "cite" in metadata["description_html"]


def test_every_table_and_view_is_described(schema, metadata):
    tables = tables_metadata(metadata)
    missing = [name for name in schema if not (tables.get(name) or {}).get("description")]
    assert not missing, f"tables/views without a description in metadata.yml: {missing}"


def undocumented_columns(schema, metadata) -> list[str]:
    tables = tables_metadata(metadata)
    shadows = fts_shadow_tables(schema)
    problems = []
    for name, columns in schema.items():
        if name in shadows:
            continue  # FTS5's own storage: hidden, described as a whole
        documented = (tables.get(name) or {}).get("columns") or {}
        for column in columns:
            text = documented.get(column)
            if not text:
                problems.append(f"{name}.{column}: no description")
            elif not (HAS_CJK.search(text) and HAS_LATIN_WORD.search(text)):
                problems.append(f"{name}.{column}: description must be in Chinese and English: {text!r}")
    return problems


def test_every_column_is_described_in_chinese_and_english(schema, metadata):
    problems = undocumented_columns(schema, metadata)
    assert not problems, "\n".join(problems)


def test_a_column_added_later_without_docs_is_caught(tmp_path, metadata):
    db = store.open_db(tmp_path / "reports.db")
    db["reports"].add_column("ocr_language", str)
    schema = {name: [column.name for column in db[name].columns] for name in db.table_names() + db.view_names()}
    db.close()
    assert undocumented_columns(schema, metadata) == ["reports.ocr_language: no description"]


def test_no_documentation_for_columns_that_do_not_exist(schema, metadata):
    stale = [f"{name}.{column}" for name, spec in tables_metadata(metadata).items()
             for column in (spec.get("columns") or {}) if name in schema and column not in schema[name]]
    assert not stale, f"metadata.yml documents columns the schema does not have: {stale}"
    unknown = [name for name in tables_metadata(metadata) if name not in schema]
    assert not unknown, f"metadata.yml documents tables the schema does not create: {unknown}"


def test_technical_tables_are_hidden(schema, metadata):
    tables = tables_metadata(metadata)
    technical = fts_shadow_tables(schema) | {"reports_fts", "reports_fts_state", "reports_fts_version", "archive_records"}
    assert technical <= set(schema)
    assert all(tables[name].get("hidden") for name in technical)


def test_browsing_defaults(metadata):
    tables = tables_metadata(metadata)
    assert tables["reports"]["facets"] == ["province", "city", "report_year", "agency_level", "department", "format",
                                           "completeness"]
    assert tables["reports"]["label_column"] == "title"
    assert tables["reports"]["fts_table"] == "reports_fts"
    assert "unit" in tables["metrics"]["columns"]["value"]  # value's unit lives in the unit column
    for query in metadata["databases"][DATABASE_NAME]["queries"].values():
        assert query.get("title") and query.get("description") and query.get("sql")
