"""Chinese full-text search: exact for 1+ character CJK queries, in step with every write, in Datasette."""
from __future__ import annotations

import re
import sqlite3

import pytest
from hypothesis import given, settings, strategies as st

from datasette_plugin.app import build_datasette
from pipelines import search, store
from tests.datasette_fixtures import add_report, copy_demo_db, get, reports_containing

QUERIES = ["复议", "依申请", "行政诉讼", "2021年度", "诉讼", "依申请公开", "海淀", "年度报告", "行政复议"]


@pytest.fixture()
def demo_db(tmp_path):
    return copy_demo_db(tmp_path)


def sql_search(db_path, query: str) -> set[str]:
    db = store.open_db(db_path)
    try:
        return {row["id"] for row in db.query(
            "select id from reports where rowid in "
            "(select rowid from reports_fts where reports_fts match nianbao_fts_query(?))", [query])}
    finally:
        db.close()


# --- segmentation ------------------------------------------------------------------------
def test_index_side_segments_cjk_runs_into_bigrams_and_keeps_words():
    assert search.bigrams("2021年度报告") == "2021 年度 度报 报告 告"
    assert search.bigrams("依申请公开，共12件") == "依申 申请 请公 公开 开 共 12 件"
    assert search.bigrams("２０２１年 GDP") == "2021 年 GDP"  # full-width digits folded (NFKC)
    assert search.bigrams(None) == ""


def test_query_side_rewrites_terms_into_safe_phrases():
    assert search.fts_query("复议") == '"复议"'
    assert search.fts_query("依申请") == '"依申 申请"'
    assert search.fts_query("行政 诉讼") == '"行政" "诉讼"'
    assert search.fts_query("2021年") == '"2021 年"*'
    assert search.fts_query('"行政复议" OR (x') == '"行政 政复 复议" "OR" "x"'
    assert search.fts_query("  ，。 ") == '""'


CJK_ALPHABET = "行政复议诉讼依申请公开年度报告"


@settings(max_examples=150, deadline=None)
@given(texts=st.lists(st.text(alphabet=CJK_ALPHABET + "12 ，\n", min_size=0, max_size=40), min_size=1, max_size=6),
       data=st.data())
def test_any_cjk_substring_query_finds_exactly_the_texts_containing_it(texts, data):
    # The claim the whole design rests on: for a query made of CJK characters (1 char or more),
    # MATCH over the bigram index agrees with Python's substring test, in both directions.
    source = data.draw(st.sampled_from(texts))
    runs = re.findall(f"[{CJK_ALPHABET}]+", source)
    run = data.draw(st.sampled_from(runs)) if runs else data.draw(st.text(alphabet=CJK_ALPHABET, min_size=1, max_size=4))
    start = data.draw(st.integers(0, len(run) - 1))
    query = run[start:data.draw(st.integers(start + 1, len(run)))]
    connection = sqlite3.connect(":memory:")
    connection.execute("create virtual table f using fts5(text, tokenize = 'unicode61')")
    for rowid, text in enumerate(texts):
        connection.execute("insert into f (rowid, text) values (?, ?)", [rowid, search.bigrams(text)])
    found = {row[0] for row in connection.execute("select rowid from f where f match ?", [search.fts_query(query)])}
    assert found == {rowid for rowid, text in enumerate(texts) if query in text}


# --- the archive database ----------------------------------------------------------------
@pytest.mark.parametrize("query", QUERIES)
def test_sql_search_matches_substring_scan(demo_db, query):
    expected = reports_containing(demo_db, query)
    assert sql_search(demo_db, query) == expected


def test_fixture_has_hits_and_misses_for_the_queries(demo_db):
    total = len(reports_containing(demo_db, "年度报告"))
    for term in QUERIES:
        assert 0 < len(reports_containing(demo_db, term)) <= total, term
    for term in ("复议", "依申请", "行政诉讼", "2021年度"):
        assert len(reports_containing(demo_db, term)) < total, term
    # "2021年度" is also in a 2020 report's plans, and not in "2021年政府信息公开…" titles.
    assert len(reports_containing(demo_db, "2021年度")) == 5


def test_text_only_in_an_attachment_is_searchable(demo_db):
    db = store.open_db(demo_db)
    attachment_report = db.execute(
        "select r.id from reports r join attachments a on a.report_id = r.id").fetchone()[0]
    db.close()
    assert attachment_report in sql_search(demo_db, "行政诉讼")


def test_new_report_is_searchable_immediately(demo_db):
    assert sql_search(demo_db, "数据开放平台") == set()
    report_id = add_report(demo_db, "js-nj-stj", 2022, "南京市统计局2022年度报告：依托数据开放平台公开统计数据。")
    assert sql_search(demo_db, "数据开放平台") == {report_id}
    assert report_id in sql_search(demo_db, "统计数据")


def test_changed_and_reparsed_report_reindexed(demo_db):
    db = store.open_db(demo_db)
    report = next(db.query("select * from reports where text like '%行政诉讼%' limit 1"))
    new_text = report["text"].replace("行政诉讼", "司法审查") + "\n本年度新设政务公开专区。"
    report.update(text=new_text, content_hash=store.content_hash(new_text))
    assert store.save_report(db, report, [], None) == "updated"
    assert store.write_parse(db, report["id"], {"title": report["title"] + "（更正版）", "metrics": {}, "checks": []})
    db.close()
    assert report["id"] not in sql_search(demo_db, "行政诉讼")
    assert report["id"] in sql_search(demo_db, "政务公开专区")
    assert sql_search(demo_db, "更正版") == {report["id"]}
    assert sql_search(demo_db, "行政诉讼") == reports_containing(demo_db, "行政诉讼")


def test_index_follows_rowids_renumbered_behind_its_back(demo_db):
    # VACUUM may renumber the rowids of a table without an INTEGER PRIMARY KEY; Datasette joins the
    # index on reports.rowid, so open_db must notice and re-key the index.
    connection = sqlite3.connect(demo_db)
    connection.execute("update reports set rowid = rowid + 1000 where rowid % 2 = 0")
    connection.execute("delete from reports where rowid = 1")  # and one report gone
    connection.commit()
    connection.close()
    assert search.repair(store.open_db(demo_db)) == 0  # open_db already repaired it
    for query in ("复议", "依申请", "行政诉讼", "2021年度"):
        assert sql_search(demo_db, query) == reports_containing(demo_db, query)
    connection = sqlite3.connect(demo_db)
    assert connection.execute("select count(*) from reports_fts_state").fetchone()[0] == 11
    connection.close()


def test_index_is_rebuilt_when_its_version_changes(demo_db):
    connection = sqlite3.connect(demo_db)
    connection.execute("update reports_fts_version set value = 'older' where key = 'version'")
    connection.commit()
    connection.close()
    assert sql_search(demo_db, "依申请") == reports_containing(demo_db, "依申请")
    connection = sqlite3.connect(demo_db)
    assert connection.execute("select value from reports_fts_version").fetchone()[0] == search.INDEX_VERSION
    connection.close()


# --- through Datasette ---------------------------------------------------------------------
@pytest.mark.parametrize("query", QUERIES)
def test_datasette_json_search_is_exact(demo_db, query):
    datasette = build_datasette(demo_db)
    response = get(datasette, f"/reports/reports.json?_search={query}&_shape=array&_col=title&_size=max")
    assert response.status_code == 200, response.text
    assert {row["id"] for row in response.json()} == reports_containing(demo_db, query)


def test_datasette_html_search_box_is_exact(demo_db):
    datasette = build_datasette(demo_db)
    page = get(datasette, "/reports/reports")
    assert 'name="_search"' in page.text  # the search box is offered on the reports table
    for query in ("复议", "依申请", "行政诉讼", "2021年度"):
        response = get(datasette, f"/reports/reports?_search={query}&_size=max")
        assert response.status_code == 200
        linked = set(re.findall(r'href="/reports/reports/([0-9a-f]{16})"', response.text))
        expected = reports_containing(demo_db, query)
        assert linked == expected, query
        assert f"{len(expected)} rows where search matches" in response.text


def test_datasette_search_sees_writes_made_while_serving(demo_db):
    datasette = build_datasette(demo_db)
    assert get(datasette, "/reports/reports.json?_search=智慧政务&_shape=array").json() == []
    report_id = add_report(demo_db, "gd-gz-gov", 2022, "广州市2022年度报告：建设智慧政务平台。")
    rows = get(datasette, "/reports/reports.json?_search=智慧政务&_shape=array").json()
    assert [row["id"] for row in rows] == [report_id]


@pytest.mark.parametrize("query", ['"', "AND OR NOT", "(复议", "复议*", "-", "title:复议", "，。"])
def test_datasette_search_never_errors_on_odd_input(demo_db, query):
    datasette = build_datasette(demo_db)
    response = get(datasette, f"/reports/reports.json?_search={query}&_shape=array")
    assert response.status_code == 200, response.text


def test_search_with_context_canned_query(demo_db):
    datasette = build_datasette(demo_db)
    rows = get(datasette, "/reports/search_with_context.json?q=依申请&_shape=array").json()
    assert {row["report_id"] for row in rows} == reports_containing(demo_db, "依申请")
    assert all("依申请" in row["context"] for row in rows)
