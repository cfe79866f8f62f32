"""SQLite archive: schema and writes, through sqlite-utils.

Public schema (users' SQL relies on these names): portals, reports, report_versions,
attachments, metrics, checks, crawl_runs, fetch_errors. Ids are stable hashes of canonical URLs,
so re-running a crawl upserts the same rows.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

import sqlite_utils

from pipelines import check_reviews, completeness, levels, search, views
from pipelines.metrics import keys as metric_keys
from pipelines.metrics import rules
from pipelines.metrics.cross_checks import ensure_cross_checks, refresh_cross_checks

DEFAULT_DB = Path(__file__).resolve().parent.parent / "data" / "reports.db"

# Column order is what a reader sees first in Datasette: what the report is, then where it came from,
# then the bulky and technical columns.
REPORT_COLUMNS = {
    "id": str,
    "title": str,
    "agency": str,
    "agency_level": str,
    "province": str,
    "city": str,
    "county": str,
    "report_year": int,
    "published": str,
    "format": str,
    "failed_checks": int,
    "checks_run": int,
    "checks_passed": int,
    "checks_failed": int,
    "completeness": str,
    "tables_expected": str,
    "tables_found": str,
    "table_metrics": int,
    "prose_metrics": int,
    "department": str,
    "region": str,
    "region_code": str,
    "index_no": str,
    "doc_no": str,
    "written": str,
    "category": str,
    "url": str,
    "portal_id": str,
    "list_title": str,
    "list_date": str,
    "list_extra": str,
    "agency_source": str,
    "is_report": int,
    "parse_status": str,
    "parse_errors": str,
    "text": str,
    "page_meta": str,
    "content_hash": str,
    "version": int,
    "encoding": str,
    "warc_file": str,
    "warc_offset": int,
    "warc_length": int,
    "continuations": str,
    "first_seen": str,
    "last_seen": str,
    "last_changed": str,
}

ATTACHMENT_COLUMNS = {
    "id": str,
    "report_id": str,
    "url": str,
    "filename": str,
    "media_type": str,
    "size": int,
    "content_hash": str,
    "text": str,
    "status": str,
    "error": str,
    "extraction_method": str,
    "ocr_confidence": float,
    "pages": int,
    "warc_file": str,
    "warc_offset": int,
    "warc_length": int,
    "first_seen": str,
    "last_seen": str,
}


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def stable_id(url: str) -> str:
    return hashlib.sha1(url.strip().encode("utf-8")).hexdigest()[:16]


def content_hash(text: str | bytes | None) -> str | None:
    if text is None:
        return None
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


class DatabaseUnreadable(Exception):
    """The archive database cannot be opened or read: not SQLite, damaged, or not accessible.

    str() is one line naming the file and what is wrong; the CLI turns it into EXIT_DATABASE.
    """

    def __init__(self, path: str | Path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"cannot use the database {self.path}: {reason}")


EXIT_DATABASE = 4  # exit code of every command when the database is corrupt or unreadable

SQLITE_MAGIC = b"SQLite format 3\x00"


def open_db(path: str | Path | None = None) -> sqlite_utils.Database:
    """Open (creating if need be) the archive database; DatabaseUnreadable when it is unusable."""
    path = Path(path or DEFAULT_DB)
    _check_db_file(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite_utils.Database(path)
    except (OSError, sqlite3.Error) as exc:
        raise DatabaseUnreadable(path, _reason(exc)) from exc
    try:
        db.enable_wal()
        db.execute("PRAGMA busy_timeout = 30000")
        db.execute("select count(*) from sqlite_master").fetchone()
        search.register_functions(db.conn)
        ensure_schema(db)
    except sqlite3.Error as exc:
        db.close()
        if not is_damage(exc):
            raise
        raise DatabaseUnreadable(path, _reason(exc)) from exc
    return db


def _check_db_file(path: Path) -> None:
    """Cheap checks before SQLite sees the file: a directory, an unreadable file, a foreign file."""
    if path.is_dir():
        raise DatabaseUnreadable(path, "is a directory, not a database file")
    if not path.exists():
        return
    try:
        with open(path, "rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise DatabaseUnreadable(path, _reason(exc)) from exc
    if head and head != SQLITE_MAGIC:
        raise DatabaseUnreadable(path, "not a SQLite database (wrong file header: damaged or another kind of file)")


DAMAGE_MESSAGES = ("malformed", "not a database", "disk i/o error", "unable to open database file", "corrupt",
                   "readonly database")


def is_damage(exc: BaseException) -> bool:
    """Whether a sqlite3 error says the file itself is damaged or inaccessible (not a bad query)."""
    return isinstance(exc, sqlite3.DatabaseError) and any(m in str(exc).lower() for m in DAMAGE_MESSAGES)


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if "malformed" in text or "not a database" in text:
        return f"the SQLite file is damaged ({text}); restore a backup or rebuild it with a new crawl"
    return text


def ensure_schema(db: sqlite_utils.Database) -> None:
    db["portals"].create(
        {"id": str, "name": str, "province": str, "city": str, "county": str, "region_code": str,
         "department": str, "family": str, "encoding": str, "start_urls": str, "evidence": str,
         "last_run_id": int, "last_status": str, "last_crawled": str, "reports_found": int},
        pk="id", if_not_exists=True,
    )
    ensure_agency_levels(db)
    # Foreign keys are declared (not enforced) so Datasette links each row to its report.
    db["reports"].create(REPORT_COLUMNS, pk="id", if_not_exists=True,
                         foreign_keys=[("portal_id", "portals", "id"), ("agency_level", "agency_levels", "level")])
    _add_report_columns(db)
    db["report_versions"].create(
        {"report_id": str, "version": int, "content_hash": str, "title": str, "text": str,
         "page_meta": str, "warc_file": str, "warc_offset": int, "warc_length": int,
         "fetched_at": str, "replaced_at": str, "note": str},
        pk=("report_id", "version"), foreign_keys=[("report_id", "reports", "id")], if_not_exists=True,
    )
    db["attachments"].create(ATTACHMENT_COLUMNS, pk="id", foreign_keys=[("report_id", "reports", "id")],
                             if_not_exists=True)
    ensure_metric_keys(db)
    _sync_registry(db, "check_rules", CHECK_RULE_COLUMNS, "rule", check_rule_rows())
    # metrics.key → metric_keys: Datasette shows each key's Chinese label beside it (new databases).
    # value is declared ANY, which SQLite gives NUMERIC affinity: a whole number is stored (and
    # served) as an INTEGER - 220, not 220.0 - and a fraction (3.5 万元) as a REAL.
    db["metrics"].create(
        {"report_id": str, "key": str, "value": METRIC_VALUE_TYPE, "unit": str, "section": str, "source": str,
         "snippet": str, "ocr": int},
        pk=("report_id", "key"), foreign_keys=[("report_id", "reports", "id"), ("key", "metric_keys", "key")],
        if_not_exists=True,
    )
    _numeric_metric_values(db)
    db["checks"].create(
        {"report_id": str, "rule": str, "expected": str, "found": str, "passed": int, "detail": str,
         "probable_cause": str},
        pk=("report_id", "rule"), foreign_keys=[("report_id", "reports", "id")], if_not_exists=True,
    )
    if "probable_cause" not in {c.name for c in db["checks"].columns}:  # databases from before the column
        db["checks"].add_column("probable_cause", str)
    db["crawl_runs"].create(
        {"id": int, "started": str, "finished": str, "status": str, "portals": int,
         "list_pages": int, "detail_pages": int, "attachments": int, "requests": int,
         "reports_new": int, "reports_updated": int, "reports_unchanged": int, "details_skipped": int,
         "failures_skipped": int,
         "non_reports": int, "errors": int, "settings": str},
        pk="id", if_not_exists=True,
    )
    db["fetch_errors"].create(
        {"id": int, "run_id": int, "portal_id": str, "url": str, "stage": str, "kind": str,
         "status": int, "message": str, "time": str, "list_title": str, "list_date": str},
        pk="id", foreign_keys=[("run_id", "crawl_runs", "id")], if_not_exists=True,
    )
    db["archive_records"].create(
        {"payload_digest": str, "url": str, "warc_file": str, "offset": int, "length": int, "recorded": str},
        pk="payload_digest", if_not_exists=True,
    )
    for table, columns in (("reports", ["portal_id"]), ("reports", ["report_year"]),
                           ("attachments", ["report_id"]), ("fetch_errors", ["run_id"]),
                           ("metrics", ["key"])):
        db[table].create_index(columns, if_not_exists=True)
    search.ensure_search(db)
    ensure_cross_checks(db)  # R6/R7 and level sums over several reports (pipelines/metrics/cross_checks.py)
    views.create_views(db)
    check_reviews.ensure_check_reviews(db)  # reviewers' verdicts on failed checks, and their view


METRIC_VALUE_TYPE = "ANY"  # NUMERIC affinity in an ordinary (not STRICT) table

# Report columns computed from the parse (and, for databases written before they existed, from the
# stored agency fields, metrics and checks rows once, when the columns are added).
DERIVED_REPORT_COLUMNS = ("agency_level", "checks_run", "checks_passed", "checks_failed", "completeness",
                          "tables_expected", "tables_found", "table_metrics", "prose_metrics")


def _add_report_columns(db: sqlite_utils.Database) -> None:
    """Add the report columns an older database lacks; fill the derived ones from what it stores."""
    existing = {column.name for column in db["reports"].columns}
    missing = [name for name in REPORT_COLUMNS if name not in existing]
    if not missing:
        return
    with db.conn:
        for name in missing:
            db["reports"].add_column(name, REPORT_COLUMNS[name])
        if set(missing) & set(DERIVED_REPORT_COLUMNS):
            _backfill_derived(db)


def _backfill_derived(db: sqlite_utils.Database) -> None:
    reports = list(db.query("select id, agency, province, city, county, department, region_code, format, "
                            "parse_status from reports"))
    for report in reports:
        sources = [(row[0], row[1]) for row in db.execute(
            "select source, section from metrics where report_id = ?", [report["id"]]).fetchall()]
        passed = [row[0] for row in db.execute("select passed from checks where report_id = ?", [report["id"]])]
        columns = completeness.quality(report["format"], sources, passed)
        columns["agency_level"] = levels.agency_level(report["agency"], report["province"], report["city"],
                                                      report["county"], report["department"], report["region_code"])
        db["reports"].update(report["id"], columns)


def _numeric_metric_values(db: sqlite_utils.Database) -> None:
    """An older database declared metrics.value REAL (220 read back as 220.0): rebuild it as ANY."""
    value = next((c for c in db["metrics"].columns if c.name == "value"), None)
    if value is not None and value.type.upper() in ("REAL", "FLOAT", "DOUBLE"):
        with db.conn:
            db["metrics"].transform(types={"value": METRIC_VALUE_TYPE})


METRIC_KEY_COLUMNS = {"key": str, "label_zh": str, "label_en": str, "unit": str, "section": str, "formats": str,
                      "pattern": str, "position": int}


def metric_key_rows() -> list[dict[str, Any]]:
    """The metric-key registry (pipelines/metrics/keys.py) as rows of the metric_keys table."""
    return [{"key": r.key, "label_zh": r.label_zh, "label_en": r.label_en, "unit": r.unit, "section": r.section,
             "formats": ", ".join(r.formats), "pattern": r.pattern, "position": position}
            for position, r in enumerate(metric_keys.KEYS.values(), 1)]


def ensure_metric_keys(db: sqlite_utils.Database) -> None:
    """metric_keys holds the registry: refreshed when the code's registry differs (writes nothing otherwise)."""
    _sync_registry(db, "metric_keys", METRIC_KEY_COLUMNS, "key", metric_key_rows())


CHECK_RULE_COLUMNS = {"rule": str, "prefix": str, "template_rule": str, "compares_zh": str, "compares_en": str,
                      "statement_zh": str, "formats": str, "position": int}


def check_rule_rows() -> list[dict[str, Any]]:
    """The consistency-rule registry (pipelines/metrics/rules.py) as rows of the check_rules table;
    `prefix` is the rule pattern up to its first placeholder, how a checks.rule finds its rule in SQL."""
    template = {t.id: t for t in rules.TEMPLATE_RULES}
    return [{"rule": r.id, "prefix": r.id.split("<", 1)[0], "template_rule": r.template_rule,
             "compares_zh": r.compares_zh, "compares_en": r.compares_en,
             "statement_zh": template[r.template_rule].statement_zh if r.template_rule in template else None,
             "formats": ", ".join(r.formats), "position": position}
            for position, r in enumerate(rules.RULES, 1)]


def ensure_agency_levels(db: sqlite_utils.Database) -> None:
    """agency_levels: each reports.agency_level with its Chinese and English label."""
    _sync_registry(db, "agency_levels", {"level": str, "label_zh": str, "label_en": str, "position": int}, "level",
                   levels.label_rows())


def _sync_registry(db: sqlite_utils.Database, name: str, columns: dict[str, Any], pk: str,
                   rows: list[dict[str, Any]]) -> None:
    """A table holding one of the code's registries, refreshed when the code differs (no write otherwise)."""
    table = db[name]
    table.create(columns, pk=pk, if_not_exists=True)
    wanted = {row[pk]: row for row in rows}
    if set(columns) <= {c.name for c in table.columns}:
        current = {row[pk]: row for row in db.query(f"select {', '.join(columns)} from {name}")}
        if current == wanted:
            return
    else:
        current = {}
    with db.conn:
        for stale in set(current) - set(wanted):
            table.delete(stale)
        table.upsert_all([row for key, row in wanted.items() if current.get(key) != row], pk=pk, alter=True)


# --- portals ------------------------------------------------------------------------
def upsert_portals(db: sqlite_utils.Database, rows: Iterable[dict[str, Any]]) -> None:
    rows = [dict(r, start_urls=json.dumps(r.get("start_urls") or [], ensure_ascii=False)) for r in rows]
    if rows:
        db["portals"].upsert_all(rows, pk="id", alter=True)


# --- crawl runs and errors -------------------------------------------------------------
def start_run(db: sqlite_utils.Database, settings: dict[str, Any] | None = None) -> int:
    table = db["crawl_runs"]
    table.insert({"started": now_iso(), "status": "running",
                  "settings": json.dumps(settings or {}, ensure_ascii=False, default=str)})
    return table.last_pk


def finish_run(db: sqlite_utils.Database, run_id: int, counts: dict[str, Any], status: str = "finished") -> None:
    db["crawl_runs"].update(run_id, dict(counts, finished=now_iso(), status=status), alter=True)


def mark_interrupted_runs(db: sqlite_utils.Database) -> list[int]:
    """Mark every run still 'running' as 'interrupted' (killed before it could finish).

    Call only while holding the crawl lock: then no other crawl of this database is alive, so a run
    left 'running' can only be one that died. Returns the ids marked.
    """
    with db.conn:
        ids = [row[0] for row in db.execute("select id from crawl_runs where status = 'running'").fetchall()]
        if ids:
            db.execute(f"update crawl_runs set status = 'interrupted' where id in ({', '.join('?' for _ in ids)})", ids)
    return ids


def index_archive_record(db: sqlite_utils.Database, digest: str, url: str, warc_file: str, offset: int,
                         length: int, recorded: str | None) -> None:
    """One archive_records row, committed at once (called right after the WARC record is flushed)."""
    with db.conn:
        db.execute("insert or replace into archive_records (payload_digest, url, warc_file, offset, length, recorded) "
                   "values (?, ?, ?, ?, ?, ?)", [digest, url, warc_file, offset, length, recorded])


def record_fetch_error(db: sqlite_utils.Database, run_id: int | None, error: dict[str, Any]) -> None:
    db["fetch_errors"].insert(dict(error, run_id=run_id, time=now_iso()), alter=True)


# --- reports ----------------------------------------------------------------------------
def known_listings(db: sqlite_utils.Database) -> dict[str, tuple[str | None, str | None]]:
    """url -> (list_title, list_date) of every archived report, for incremental crawls."""
    return {row["url"]: (row["list_title"], row["list_date"])
            for row in db.query("select url, list_title, list_date from reports")}


# Failures that will not mend by asking again while the list entry stays the same (outbound refusals too).
PERMANENT_FAILURES = ("http_404", "http_410", "soft_404", "blocked", "offsite_redirect", "refused_scheme",
                      "refused_address")


def permanent_failures(db: sqlite_utils.Database) -> dict[str, tuple[str | None, str | None]]:
    """url -> (list_title, list_date) of detail pages whose latest failure was permanent."""
    rows = db.query(
        f"""select url, kind, list_title, list_date from fetch_errors
            where id in (select max(id) from fetch_errors where stage = 'detail' group by url)
              and kind in ({', '.join('?' for _ in PERMANENT_FAILURES)})""",
        list(PERMANENT_FAILURES),
    )
    return {row["url"]: (row["list_title"], row["list_date"]) for row in rows}


def reports_missing_attachments(db: sqlite_utils.Database) -> set[str]:
    """URLs of archived reports with an attachment whose download failed (and may work next time)."""
    return {row["url"] for row in db.query(
        "select distinct r.url from attachments a join reports r on r.id = a.report_id where a.status = 'fetch_error'")}


def get_report(db: sqlite_utils.Database, report_id: str) -> dict[str, Any] | None:
    rows = list(db.query("select * from reports where id = ?", [report_id]))
    return rows[0] if rows else None


def save_report(db: sqlite_utils.Database, report: dict[str, Any], attachments: list[dict[str, Any]],
                parsed: dict[str, Any] | None) -> str:
    """Insert or update one report with its attachments, metrics and checks, in one transaction.

    Returns "new", "updated" (content changed: the old version is kept in report_versions),
    "unchanged" (only last_seen moves) or "kept" (the new capture could not be parsed at all while
    the archived one could: the archived copy stays current and the capture is filed in
    report_versions with a note, so a broken page never replaces a good report).
    """
    report_id = report["id"]
    now = now_iso()
    with db.conn:
        existing = get_report(db, report_id)
        if existing is None:
            outcome = "new"
            row = dict(report, version=1, first_seen=now, last_seen=now, last_changed=now)
        elif existing.get("content_hash") == report.get("content_hash"):
            outcome = "unchanged"
            row = dict(existing, last_seen=now, list_title=report.get("list_title"), list_date=report.get("list_date"))
        elif parsed is not None and parsed.get("fatal") and existing.get("parse_status") == "ok":
            outcome = "kept"
            _file_version(db, report_id, dict(report, version=_next_version(db, existing), last_changed=now),
                          replaced_at=None, note="newer capture that could not be parsed; the archived copy stays current")
            row = dict(existing, last_seen=now, list_title=report.get("list_title"), list_date=report.get("list_date"))
            db["reports"].upsert(row, pk="id", alter=True)
            return outcome
        else:
            outcome = "updated"
            _file_version(db, report_id, existing, replaced_at=now)
            row = dict(report, version=_next_version(db, existing),
                       first_seen=existing.get("first_seen"), last_seen=now, last_changed=now)
        if outcome != "unchanged" and parsed is not None:
            row.update(parsed_columns(parsed))
        db["reports"].upsert(row, pk="id", alter=True)
        for attachment in attachments:
            previous = next(iter(db.query("select * from attachments where id = ?", [attachment["id"]])), None)
            if previous and previous.get("status") == "ok" and attachment.get("status") != "ok":
                # A failed re-download never replaces a good archived copy.
                db["attachments"].update(attachment["id"], {"last_seen": now})
                continue
            first_seen = previous.get("first_seen") if previous else now
            db["attachments"].upsert(dict(attachment, report_id=report_id, first_seen=first_seen, last_seen=now),
                                     pk="id", alter=True)
        if outcome != "unchanged" and parsed is not None:
            write_parse(db, report_id, parsed, in_transaction=True)
        search.index_report(db, report_id)
    return outcome


def _next_version(db: sqlite_utils.Database, existing: dict[str, Any]) -> int:
    filed = next(db.query("select max(version) as v from report_versions where report_id = ?", [existing["id"]]))["v"]
    return max(existing.get("version") or 1, filed or 0) + 1


def _file_version(db: sqlite_utils.Database, report_id: str, row: dict[str, Any], replaced_at: str | None,
                  note: str | None = None) -> None:
    db["report_versions"].upsert({
        "report_id": report_id, "version": row.get("version") or 1,
        "content_hash": row.get("content_hash"), "title": row.get("title"),
        "text": row.get("text"), "page_meta": row.get("page_meta"),
        "warc_file": row.get("warc_file"), "warc_offset": row.get("warc_offset"),
        "warc_length": row.get("warc_length"), "fetched_at": row.get("last_changed"),
        "replaced_at": replaced_at, "note": note,
    }, pk=("report_id", "version"), alter=True)


def parsed_columns(parsed: dict[str, Any]) -> dict[str, Any]:
    """The report columns that come from the parser's METRICS.md object."""
    failed = sum(1 for c in parsed.get("checks") or [] if not c.get("passed", False))
    columns = {
        key: parsed.get(key)
        for key in ("agency", "province", "city", "county", "region", "region_code", "report_year", "published",
                    "index_no", "doc_no", "format")
        if parsed.get(key) is not None
    }
    if parsed.get("title"):
        columns["title"] = parsed["title"]
    if parsed.get("agency_source"):
        columns["agency_source"] = parsed["agency_source"]
    columns["parse_status"] = "failed" if parsed.get("fatal") else "ok"
    columns["parse_errors"] = json.dumps(parsed.get("errors") or [], ensure_ascii=False)
    columns["failed_checks"] = failed
    level = parsed.get("agency_level")
    if level is None and not parsed.get("fatal"):  # a parse object from before agency_level existed
        level = levels.agency_level(parsed.get("agency"), parsed.get("province"), parsed.get("city"),
                                    parsed.get("county"), parsed.get("department"), parsed.get("region_code"))
    if level is not None:
        columns["agency_level"] = level
    columns.update(completeness.parse_quality(parsed))
    return columns


def write_parse(db: sqlite_utils.Database, report_id: str, parsed: dict[str, Any], in_transaction: bool = False) -> bool:
    """Replace a report's metrics and checks with a new parse.

    A failed parse never replaces a successful one: returns False and writes nothing then.
    """
    def _write() -> bool:
        existing = get_report(db, report_id)
        new_failed = bool(parsed.get("fatal"))
        if existing and existing.get("parse_status") == "ok" and new_failed:
            return False
        db["metrics"].delete_where("report_id = ?", [report_id])
        db["checks"].delete_where("report_id = ?", [report_id])
        rows = metric_rows(report_id, parsed)
        if rows:
            db["metrics"].insert_all(rows, pk=("report_id", "key"), replace=True, alter=True)
        checks = [
            {"report_id": report_id, "rule": c.get("rule"), "expected": _as_text(c.get("expected")),
             "found": _as_text(c.get("found")), "passed": 1 if c.get("passed", False) else 0,
             "detail": c.get("detail"), "probable_cause": c.get("probable_cause")}
            for c in parsed.get("checks") or []
        ]
        if checks:
            db["checks"].insert_all(checks, pk=("report_id", "rule"), replace=True, alter=True)
        if existing:
            db["reports"].update(report_id, parsed_columns(parsed), alter=True)
        refresh_cross_checks(db, [report_id])  # this report's and its neighbours' cross checks, same transaction
        return True

    if in_transaction:
        return _write()
    with db.conn:
        written = _write()
        if written:
            search.index_report(db, report_id)
        return written


def metric_rows(report_id: str, parsed: dict[str, Any]) -> list[dict[str, Any]]:
    """Long-form metric rows: provenance from parsed['provenance'] when the parser gives it."""
    provenance = parsed.get("provenance") or {}
    rows = []
    for key, value in (parsed.get("metrics") or {}).items():
        source = provenance.get(key) or {}
        rows.append({
            "report_id": report_id, "key": key, "value": value, "unit": source.get("unit"),
            "section": source.get("section"), "source": source.get("source"),
            "snippet": source.get("snippet"), "ocr": 1 if source.get("ocr") else 0,
        })
    return rows


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
