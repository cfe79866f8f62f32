"""A small, realistic archive database for the Datasette tests, built through pipelines.store.

Twelve reports from five portals (four provinces, 2019-2022; Hangzhou has none for 2021), written
the way a crawl writes them: the detail page archived as a WARC record (one of them GBK-encoded),
the report row with its text, attachments, metrics with provenance, consistency checks (one report
fails one), a crawl run with fetch errors. Texts mention 行政复议 / 依申请 / 行政诉讼 in some reports and not in others, so the
search tests have both hits and misses.
"""
from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any

from pipelines import store
from pipelines.archive import WarcArchive, archive_dir_for

PORTALS = [
    {"id": "gd-gz-gov", "name": "广州市人民政府 政府信息公开年报", "province": "广东省", "city": "广州市",
     "county": None, "region_code": "440100", "department": "市政府办公厅", "family": "gkmlpt",
     "start_urls": ["http://www.gz.gov.cn/gkmlpt/index"]},
    {"id": "gd-sz-jtj", "name": "深圳市交通运输局 年报", "province": "广东省", "city": "深圳市",
     "county": None, "region_code": "440300", "department": "交通运输局", "family": "gkmlpt",
     "start_urls": ["http://jtys.sz.gov.cn/gkmlpt/index"]},
    {"id": "zj-hz-gov", "name": "杭州市人民政府 年报", "province": "浙江省", "city": "杭州市",
     "county": None, "region_code": "330100", "department": "市政府办公厅", "family": "zjzwfw",
     "start_urls": ["http://www.hangzhou.gov.cn/col/col1229063387/index.html"]},
    {"id": "bj-hd-gov", "name": "北京市海淀区人民政府 年报", "province": "北京市", "city": "北京市",
     "county": "海淀区", "region_code": "110108", "department": "区政府办公室", "family": "generic",
     "start_urls": ["http://www.bjhd.gov.cn/zfxxgk/ndbg/"]},
    {"id": "js-nj-stj", "name": "南京市统计局 年报", "province": "江苏省", "city": "南京市",
     "county": None, "region_code": "320100", "department": "统计局", "family": "generic",
     "start_urls": ["http://tjj.nanjing.gov.cn/xxgk/ndbg/"]},
]

# (portal, year, agency, headline numbers, which passages the text carries)
#   numbers: active, new requests, carried over, handled (total), carried forward, review, litigation
REPORTS = [
    ("gd-gz-gov", 2019, "广州市人民政府办公厅", (5231, 820, 31, 801, 50, 12, 5), {"review", "apply", "lawsuit"}),
    ("gd-gz-gov", 2020, "广州市人民政府办公厅", (6012, 1015, 50, 1002, 63, 9, 4), {"review", "apply", "plan"}),
    ("gd-gz-gov", 2021, "广州市人民政府办公厅", (6630, 1204, 63, 1230, 37, 0, 0), {"apply"}),
    ("gd-sz-jtj", 2020, "深圳市交通运输局", (1820, 233, 4, 230, 7, 3, 1), {"review", "lawsuit"}),
    ("gd-sz-jtj", 2021, "深圳市交通运输局", (2041, 301, 7, 296, 12, 2, 0), {"apply", "lawsuit"}),
    ("zj-hz-gov", 2019, "杭州市人民政府办公厅", (4410, 655, 18, 660, 13, 6, 2), {"review"}),
    ("zj-hz-gov", 2020, "杭州市人民政府办公厅", (4882, 702, 13, 699, 16, 4, 3), {"apply", "review", "lawsuit"}),
    ("zj-hz-gov", 2022, "杭州市人民政府办公厅", (5120, 745, 16, 748, 13, 5, 2), set()),
    ("bj-hd-gov", 2020, "北京市海淀区人民政府", (3312, 1460, 88, 1500, 48, 21, 11), {"review", "apply", "lawsuit"}),
    ("bj-hd-gov", 2021, "北京市海淀区人民政府", (3590, 1610, 48, 1590, 68, 17, 9), {"apply"}),
    ("js-nj-stj", 2020, "南京市统计局", (620, 14, 0, 14, 0, 0, 0), {"lawsuit"}),
    ("js-nj-stj", 2021, "南京市统计局", (688, 11, 0, 11, 0, 0, 0), set()),
]

# The Haidian 2021 report prints a 总计 that does not add up: new + carried over = 1658, not 1590 + 68.
BROKEN = ("bj-hd-gov", 2021)
# The Nanjing 2020 page is served in GBK, as many county and bureau portals still do.
GBK_PAGE = ("js-nj-stj", 2020)
# Haidian 2020 publishes its report as a PDF attachment; the search passage is in the attachment text.
ATTACHMENT_REPORT = ("bj-hd-gov", 2020)


def report_url(portal_id: str, year: int) -> str:
    base = next(p for p in PORTALS if p["id"] == portal_id)["start_urls"][0].rsplit("/", 1)[0]
    return f"{base}/content/post_{year}{zlib.crc32(portal_id.encode()) % 1000:03d}.html"


def report_text(agency: str, year: int, numbers: tuple[int, ...], passages: set[str]) -> str:
    active, new, carried, handled, forward, review, litigation = numbers
    lines = [
        f"{agency}{year}年政府信息公开工作年度报告",
        f"本报告根据《中华人民共和国政府信息公开条例》编制，统计期限自{year}年1月1日起至{year}年12月31日止。",
        f"现将{year}年度政府信息公开工作情况报告如下。",
        "一、总体情况",
        f"{year}年，我单位深入贯彻落实党中央、国务院关于全面推进政务公开工作的决策部署，主动公开政府信息{active}条。",
    ]
    if "apply" in passages:
        lines.append(f"全年共受理依申请公开{new}件，上年结转{carried}件，均在法定期限内答复。")
    else:
        lines.append(f"全年共收到政府信息公开申请{new}件，上年结转{carried}件，均在法定期限内答复。")
    lines += [
        "二、主动公开政府信息情况",
        "规章 本年新制作数量 0 本年新公开数量 0 对外公开总数量 0",
        "三、收到和处理政府信息公开申请情况",
        f"一、本年新收政府信息公开申请数量 {new}",
        f"二、上年结转政府信息公开申请数量 {carried}",
        f"（七）总计 {handled}",
        f"四、结转下年度继续办理 {forward}",
        "四、政府信息公开行政复议、行政诉讼情况" if passages & {"review", "lawsuit"} else "四、复核与争议情况",
    ]
    if "review" in passages:
        lines.append(f"全年因政府信息公开被申请行政复议{review}件，结果维持{max(review - 1, 0)}件。")
    if "lawsuit" in passages:
        lines.append(f"因政府信息公开被提起行政诉讼{litigation}件，尚未审结{min(litigation, 1)}件。")
    lines += [
        "五、存在的主要问题及改进情况",
        "公开内容的规范性仍需加强，下一步将完善工作机制。",
    ]
    if "plan" in passages:
        lines.append(f"计划于{year + 1}年度内完成政府信息公开平台改版。")
    lines += [
        "六、其他需要报告的事项",
        "本年度未收取信息处理费。",
    ]
    return "\n".join(lines)


def parsed_result(portal: dict[str, Any], year: int, agency: str, numbers: tuple[int, ...]) -> dict[str, Any]:
    active, new, carried, handled, forward, review, litigation = numbers
    metrics = {
        "active.total": active, "requests.new.total": new, "requests.carried_over.total": carried,
        "requests.total.total": handled, "requests.carry_forward.total": forward,
        "review.total": review, "litigation.total": litigation,
    }
    units = {"active.total": "条", "review.total": "件", "litigation.total": "件"}
    provenance = {key: {"unit": units.get(key, "件"), "section": "三" if key.startswith("requests") else "四",
                        "source": "table", "snippet": f"{key} {value}"} for key, value in metrics.items()}
    provenance["active.total"].update(section="一", source="prose", snippet=f"主动公开政府信息{active}条")
    balance_ok = new + carried == handled + forward
    checks = [{"rule": "requests.balance.total", "expected": str(handled + forward), "found": str(new + carried),
               "passed": balance_ok, "detail": None if balance_ok else "本年新收+上年结转 ≠ 总计+结转下年度"},
              {"rule": "review.total.sum", "expected": str(review), "found": str(review), "passed": True}]
    return {
        "title": f"{agency}{year}年政府信息公开工作年度报告", "agency": agency,
        "province": portal["province"], "city": portal["city"], "county": portal["county"],
        "region": portal["county"] or portal["city"] or portal["province"], "report_year": year,
        "published": f"{year + 1}-01-{20 + year % 7:02d}", "index_no": f"{portal['region_code']}/{year}-00{year % 10}",
        "doc_no": None, "format": "standard-2021" if year >= 2021 else "standard-2019",
        "metrics": metrics, "provenance": provenance, "checks": checks, "errors": [],
    }


def page_html(title: str, text: str, charset: str) -> str:
    paragraphs = "\n".join(f"<p>{line}</p>" for line in text.splitlines())
    return (f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>{title}</title></head>'
            f'<body><div class="article"><h1>{title}</h1>\n{paragraphs}\n</div></body></html>')


def build_demo_db(db_path: str | Path) -> Path:
    """Write the demo archive (database + WARC files beside it) and return the database path."""
    db_path = Path(db_path)
    db = store.open_db(db_path)
    store.upsert_portals(db, PORTALS)
    portals = {p["id"]: p for p in PORTALS}
    run_id = store.start_run(db, {"demo": True})
    archive = WarcArchive(archive_dir_for(db_path))
    for portal_id, year, agency, numbers, passages in REPORTS:
        portal = portals[portal_id]
        if (portal_id, year) == BROKEN:
            numbers = numbers[:3] + (numbers[3] - 20,) + numbers[4:]
        url = report_url(portal_id, year)
        report_id = store.stable_id(url)
        text = report_text(agency, year, numbers, passages)
        title = f"{agency}{year}年政府信息公开工作年度报告"
        attachments = []
        if (portal_id, year) == ATTACHMENT_REPORT:
            page_text = f"{title}\n详见附件。"
            attachment_text = text
            pdf_url = url.replace(".html", ".pdf")
            pdf_ref = archive.write_response(pdf_url, 200, "OK", [("Content-Type", "application/pdf")],
                                             b"%PDF-1.4\n% demo attachment\n%%EOF\n")
            attachments.append({"id": store.stable_id(pdf_url), "url": pdf_url, "filename": f"{year}年报.pdf",
                                "media_type": "application/pdf", "size": 36, "status": "ok",
                                "content_hash": store.content_hash(attachment_text), "text": attachment_text,
                                "extraction_method": "pdfplumber", "pages": 6, "warc_file": pdf_ref.warc_file,
                                "warc_offset": pdf_ref.offset, "warc_length": pdf_ref.length})
            text = f"{page_text}\n\n{attachment_text}"
        else:
            page_text = text
        charset = "gbk" if (portal_id, year) == GBK_PAGE else "utf-8"
        body = page_html(title, page_text, charset).encode(charset)
        ref = archive.write_response(url, 200, "OK", [("Content-Type", f"text/html; charset={charset}")], body)
        row = {
            "id": report_id, "url": url, "portal_id": portal_id, "title": title, "list_title": title,
            "list_date": f"{year + 1}-01-15", "agency": agency, "agency_source": "page_meta",
            "province": portal["province"], "city": portal["city"], "county": portal["county"],
            "region_code": portal["region_code"], "department": portal["department"],
            "published": f"{year + 1}-01-15", "is_report": 1, "text": text,
            "page_meta": json.dumps({"publisher": agency}, ensure_ascii=False),
            "content_hash": store.content_hash(text), "encoding": charset,
            "warc_file": ref.warc_file, "warc_offset": ref.offset, "warc_length": ref.length,
        }
        store.save_report(db, row, attachments, parsed_result(portal, year, agency, numbers))
    archive.close()
    store.record_fetch_error(db, run_id, {"portal_id": "js-nj-stj", "url": "http://tjj.nanjing.gov.cn/xxgk/ndbg/index_3.html",
                                          "stage": "list", "kind": "http_404", "status": 404, "message": "HTTP 404 Not Found"})
    store.record_fetch_error(db, run_id, {"portal_id": "gd-sz-jtj", "url": "http://jtys.sz.gov.cn/attachment/0/2022.pdf",
                                          "stage": "attachment", "kind": "timeout", "status": None,
                                          "message": "download timed out after 180 s"})
    store.finish_run(db, run_id, {"portals": len(PORTALS), "reports_new": len(REPORTS), "errors": 2})
    db.close()
    return db_path


def add_report(db_path: str | Path, portal_id: str, year: int, text: str) -> str:
    """Archive one more report (as a later crawl would) and return its id."""
    db = store.open_db(db_path)
    portal = next(p for p in PORTALS if p["id"] == portal_id)
    url = report_url(portal_id, year)
    agency = portal["name"].split()[0]
    row = {"id": store.stable_id(url), "url": url, "portal_id": portal_id, "title": f"{agency}{year}年政府信息公开工作年度报告",
           "province": portal["province"], "city": portal["city"], "county": portal["county"],
           "text": text, "content_hash": store.content_hash(text)}
    store.save_report(db, row, [], parsed_result(portal, year, agency, (1, 1, 0, 1, 0, 0, 0)))
    db.close()
    return row["id"]


def get(datasette, path: str):
    """GET path from the Datasette ASGI app in-process (no server), returning the httpx response."""
    import asyncio

    async def fetch():
        await datasette.invoke_startup()
        return await datasette.client.get(path)

    return asyncio.run(fetch())


def reports_containing(db_path: str | Path, term: str) -> set[str]:
    """Ids of the reports whose title or text contains term: the answer a search must give."""
    import sqlite3

    connection = sqlite3.connect(db_path)
    try:
        return {row[0] for row in connection.execute("select id, title, text from reports")
                if term in (row[1] or "") or term in (row[2] or "")}
    finally:
        connection.close()


_TEMPLATE: dict[str, Path] = {}


def copy_demo_db(directory: str | Path, name: str = "archive.db") -> Path:
    """A fresh copy of the demo archive (database and WARC files): built once per process, then copied."""
    import atexit
    import shutil
    import tempfile

    if "db" not in _TEMPLATE:
        template_dir = tempfile.mkdtemp(prefix="nianbao-demo-")
        atexit.register(shutil.rmtree, template_dir, True)
        _TEMPLATE["db"] = build_demo_db(Path(template_dir) / "template.db")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_TEMPLATE["db"], directory / name)
    shutil.copytree(archive_dir_for(_TEMPLATE["db"]), archive_dir_for(directory / name), dirs_exist_ok=True)
    return directory / name
