"""nianbao reparse: re-run parsing over every archived report from the raw archive (no network)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

HELP = "re-parse every archived report from the raw WARC archive (no network)"


def add_arguments(parser):
    parser.add_argument("--db", default="data/reports.db", help="archive database (default data/reports.db)")
    parser.add_argument("--archive", help="archive directory (default: <db dir>/archive)")
    parser.add_argument("--report", action="append", default=[], metavar="ID", help="only this report id (repeatable)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def archived_html(archive_dir: Path, warc_file: str, offset: int) -> tuple[str | None, str, bytes]:
    """(decoded HTML or None when the record is not a page, content type, raw payload) of one record."""
    from pipelines.encoding import detect_encoding
    from pipelines.archive import read_payload

    headers, body = read_payload(archive_dir, warc_file, offset)
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    if "html" in content_type.lower() or body[:200].lstrip().startswith(b"<"):
        return body.decode(detect_encoding(body, content_type), errors="replace"), content_type, body
    return None, content_type, body


def reparse_report(db, archive_dir: Path, report: dict) -> dict:
    """Rebuild the page and its documents from the archive and parse them again."""
    from pipelines.detail import read_detail_html
    from pipelines import documents
    from pipelines.archive import read_payload
    from crawler.item_pipelines import meta_for_parser
    from pipelines.parse import parse_report

    docs = []
    html = None
    page_meta = json.loads(report.get("page_meta") or "{}")
    page_html, content_type, body = archived_html(archive_dir, report["warc_file"], report["warc_offset"])
    if page_html is not None:
        page = read_detail_html(page_html, report["url"])
        html = page.get("body_html")
        page_meta = {**page_meta, **(page.get("page_meta") or {})}
        for part in json.loads(report.get("continuations") or "[]"):  # multi-page articles
            if part.get("warc_file"):
                part_html, _, _ = archived_html(archive_dir, part["warc_file"], part["warc_offset"])
                part_body = read_detail_html(part_html or "", part["url"]).get("body_html")
                html = "\n".join(p for p in (html, part_body) if p)
    else:
        docs.append(documents.extract(body, Path(report["url"]).name, content_type or None))
    for attachment in db.query(
        "select * from attachments where report_id = ? and warc_file is not null and status = 'ok' order by rowid",
        [report["id"]],
    ):
        _, data = read_payload(archive_dir, attachment["warc_file"], attachment["warc_offset"])
        docs.append(documents.extract(data, attachment["filename"], attachment["media_type"]))
    portal = next(iter(db.query("select * from portals where id = ?", [report.get("portal_id")])), None)
    return parse_report(html=html, url=report["url"],
                        page_meta=meta_for_parser(page_meta, report.get("title"), report.get("list_date")),
                        portal=portal, documents=[d for d in docs if d.status == "ok"])


def run(args) -> int:
    from tqdm import tqdm

    from pipelines import store
    from pipelines.archive import archive_dir_for

    db = store.open_db(args.db)
    archive_dir = Path(args.archive) if args.archive else archive_dir_for(args.db)
    where = "warc_file is not null"
    params: list = []
    if args.report:
        where += f" and id in ({', '.join('?' for _ in args.report)})"
        params = list(args.report)
    reports = list(db.query(f"select * from reports where {where} order by id", params))
    updated = kept = failed = 0
    for report in tqdm(reports, desc="reparse", unit="report", disable=args.quiet, file=sys.stderr):
        try:
            parsed = reparse_report(db, archive_dir, report)
        except Exception as exc:  # unreadable archive record: keep what is stored
            failed += 1
            print(f"{report['id']} {report['url']}: cannot re-read the archive: {exc}", file=sys.stderr)
            continue
        if store.write_parse(db, report["id"], parsed):
            updated += 1
        else:
            kept += 1
    print(f"reparsed {updated} reports; kept the earlier parse of {kept} (new parse failed); "
          f"{failed} unreadable from the archive")
    db.close()
    return 0 if failed == 0 else 1
