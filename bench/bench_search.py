"""Benchmark: Chinese search and the Datasette views on a large synthetic archive.

    .venv/bin/python bench/bench_search.py --reports 20000 [--db /tmp/bench/reports.db]

Builds an archive through pipelines.store (reports of a few thousand characters assembled from
report-like sentences), then measures: write throughput with the index kept in step, full index
rebuild, open_db's index self-check, index size, and Datasette response times (in-process ASGI
client) for searches of 2-4 characters, the report_summary view with facets and a canned query.
Prints one JSON object. Not a test: no assertions on speed.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from datasette_plugin.app import build_datasette  # noqa: E402
from pipelines import search, store  # noqa: E402
from tests.datasette_fixtures import PORTALS, parsed_result, report_text  # noqa: E402

FILLER = [
    "进一步加强政府信息公开平台建设，优化栏目设置。", "围绕优化营商环境做好政策解读工作。",
    "依法依规做好依申请公开工作，规范答复文书。", "全年未发生因政府信息公开引发的行政复议案件。",
    "加强政务新媒体管理，及时回应社会关切。", "组织开展政务公开业务培训，提升工作人员能力。",
    "推进基层政务公开标准化规范化建设。", "做好重大行政决策预公开和公众参与工作。",
    "因政府信息公开被提起行政诉讼的案件均已审结。", "完善政府信息公开保密审查机制。",
]


def synthetic_reports(count: int, seed: int = 7):
    rng = random.Random(seed)
    for index in range(count):
        portal = PORTALS[index % len(PORTALS)]
        year = 2014 + index % 10
        agency = f"{portal['city'] or portal['province']}第{index // 50}局"
        numbers = tuple(rng.randint(0, 3000) for _ in range(7))
        passages = {p for p in ("review", "apply", "lawsuit") if rng.random() < 0.5}
        body = report_text(agency, year, numbers, passages) + "\n" + "".join(
            rng.choice(FILLER) for _ in range(rng.randint(40, 120)))
        url = f"http://bench.example/{portal['id']}/{index}.html"
        row = {"id": store.stable_id(url), "url": url, "portal_id": portal["id"], "title": f"{agency}{year}年政府信息公开工作年度报告",
               "province": portal["province"], "city": portal["city"], "county": portal["county"],
               "department": portal["department"], "text": body, "content_hash": store.content_hash(body)}
        yield row, parsed_result(portal, year, agency, numbers)


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def datasette_timings(db_path: Path, paths: list[str], repeats: int = 5) -> dict[str, float]:
    datasette = build_datasette(db_path)

    async def run():
        await datasette.invoke_startup()
        results = {}
        for path in paths:
            await datasette.client.get(path)  # warm the page cache
            samples = []
            for _ in range(repeats):
                start = time.perf_counter()
                response = await datasette.client.get(path)
                samples.append(time.perf_counter() - start)
                assert response.status_code == 200, (path, response.status_code, response.text[:300])
            results[path] = round(statistics.median(samples) * 1000, 1)
        return results

    return asyncio.run(run())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=20000)
    parser.add_argument("--db", default="/tmp/nianbao-bench/reports.db")
    args = parser.parse_args()
    db_path = Path(args.db)
    for suffix in ("", "-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    db = store.open_db(db_path)
    store.upsert_portals(db, PORTALS)
    start = time.perf_counter()
    characters = 0
    for row, parsed in synthetic_reports(args.reports):
        characters += len(row["text"])
        store.save_report(db, row, [], parsed)
    write_seconds = time.perf_counter() - start
    rebuild_seconds, _ = timed(search.reindex, db, [r[0] for r in db.execute("select id from reports")])
    db.execute(f"delete from {search.VERSION_TABLE}")  # a version change forces a full rebuild
    db.conn.commit()
    full_rebuild_seconds, _ = timed(search.ensure_search, db)
    db.close()
    open_seconds, reopened = timed(store.open_db, db_path)
    reopened.close()
    connection = sqlite3.connect(db_path)
    try:
        fts_bytes = connection.execute(
            "select sum(pgsize) from dbstat where name like 'reports_fts%'").fetchone()[0]
    except sqlite3.OperationalError:
        fts_bytes = None
    total_bytes = connection.execute("select page_count * page_size from pragma_page_count(), pragma_page_size()").fetchone()[0]
    connection.close()
    paths = [
        "/reports/reports.json?_search=复议&_size=50&_col=title",
        "/reports/reports.json?_search=依申请&_size=50&_col=title",
        "/reports/reports.json?_search=行政诉讼&_size=50&_col=title",
        "/reports/reports?_search=行政复议",
        "/reports/reports",
        "/reports/report_summary",
        "/reports/report_summary.json?province=广东省&_size=50",
        "/reports/requests_trend_for_region.json?region=广东省",
        "/reports/metric_pivot.json?key=requests.new.total",
    ]
    result = {
        "reports": args.reports,
        "text_characters": characters,
        "save_report_per_second": round(args.reports / write_seconds, 1),
        "reindex_unchanged_seconds": round(rebuild_seconds, 2),
        "reindex_full_seconds": round(full_rebuild_seconds, 2),
        "open_db_with_index_check_seconds": round(open_seconds, 3),
        "database_mb": round(total_bytes / 1e6, 1),
        "fts_index_mb": round(fts_bytes / 1e6, 1) if fts_bytes else None,
        "datasette_median_ms": datasette_timings(db_path, paths),
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
