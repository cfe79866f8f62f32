"""The data of a report's own page (/reports/reports/{id}, templates/row-reports-reports.html).

Everything is read with SQL on Datasette's read-only connections: the report row (whatever columns
the archive has: agency_level, checks_* and completeness are used when present), its attachments, its
failed checks explained by the rule registry (pipelines.metrics.rules), and its metrics laid out as
the standard template's tables 二/三/四 (rows and columns from pipelines.metrics.keys), with the
remaining headline, legacy and prose figures listed under their Chinese labels.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from pipelines.metrics import keys as K
from pipelines.metrics import rules as R

# Shown in the header, in this order, when the reports table has them (label, column).
HEADER_FIELDS = (
    ("发布机关 Agency", "agency"), ("机关层级 Level", "agency_level"), ("地区 Region", "region"),
    ("省 Province", "province"), ("市 City", "city"), ("县/区 County", "county"), ("部门 Department", "department"),
    ("报告年度 Year", "report_year"), ("格式 Format", "format"), ("发布日期 Published", "published"),
    ("成文日期 Written", "written"), ("索引号 Index no.", "index_no"), ("文号 Document no.", "doc_no"),
    ("版本 Version", "version"), ("首次抓取 First seen", "first_seen"), ("最近抓取 Last seen", "last_seen"),
)
CHECK_COUNT_FIELDS = (("检查数 Checks run", "checks_run"), ("通过 Passed", "checks_passed"),
                      ("未通过 Failed", "checks_failed"), ("完整度 Completeness", "completeness"))
SOURCE_LABELS = {"table": "表格 table", "prose": "正文 prose", "legacy": "旧统计表 legacy table",
                 "attachment": "附件 attachment"}


@dataclass
class Cell:
    key: str
    label_zh: str
    label_en: str
    value: str
    unit: str | None
    source: str | None
    snippet: str | None
    ocr: bool

    @property
    def provenance(self) -> str:
        parts = [f"{self.label_zh} · {self.key}"]
        if self.source:
            parts.append("来源 source: " + SOURCE_LABELS.get(self.source, self.source))
        if self.ocr:
            parts.append("OCR 识别 (check against the archived copy)")
        if self.snippet:
            parts.append("原文 snippet: " + self.snippet)
        return "\n".join(parts)


@dataclass
class Grid:
    """One of the template's tables: its title, column headers and rows of cells (None = not reported)."""
    id: str
    title: str
    columns: list[tuple[str, str]]  # (label_zh, label_en)
    rows: list[tuple[str, str, list[Cell | None]]] = field(default_factory=list)  # (label_zh, label_en, cells)


def number(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}"
    if isinstance(value, (int, float)):
        return f"{value:,}"
    return str(value)


async def _columns(db, table: str) -> list[str]:
    return [row[1] for row in (await db.execute(f"pragma table_info([{table}])")).rows]


def _grid(grid_id, title, row_parts, column_parts, key_of, cells, formats=None) -> Grid | None:
    """A table of the template with the rows and columns the report has at least one number in."""
    present_rows = [r for r in row_parts if any(key_of(r, c) in cells for c in column_parts)]
    present_columns = [c for c in column_parts if any(key_of(r, c) in cells for r in row_parts)]
    if not present_rows:
        return None
    grid = Grid(grid_id, title, [(c.label_zh, c.label_en) for c in present_columns])
    for row in present_rows:
        grid.rows.append((row.label_zh, row.label_en, [cells.pop(key_of(row, c), None) for c in present_columns]))
    return grid


def metric_tables(cells: dict[str, Cell]) -> list[Grid]:
    """Tables 二, 三 and 四 as the official template prints them; used cells are removed from `cells`."""
    grids = []
    table2_columns = [c for c in K.TABLE2_COLUMNS if any(c.name in K.TABLE2_PAIRS[e] for e in K.TABLE2_PAIRS)]
    grids.append(_grid("table2", K.SECTIONS["table2"][0], K.TABLE2_ENTITIES, table2_columns,
                       lambda r, c: f"active.{r.name}.{c.name}", cells))
    grids.append(_grid("table3", K.SECTIONS["table3"][0], K.TABLE3_ROWS_PRINTED, K.TABLE3_COLUMNS,
                       lambda r, c: f"requests.{r.name}.{c.name}", cells))
    grids.append(_grid("table4", K.SECTIONS["table4"][0], K.TABLE4_BLOCKS, K.TABLE4_PARTS,
                       lambda r, c: f"{r.name}.{c.name}", cells))
    return [g for g in grids if g is not None]


# checks.probable_cause of a failed sum (pipelines/metrics/checks.py probable_extraction_error).
PROBABLE_CAUSES = {
    "split_number": ("extraction", "疑似提取错误 probable extraction error: one printed number read as two"),
    "merged_number": ("extraction", "疑似提取错误 probable extraction error: two printed numbers read as one"),
    None: ("report", "报告自身不一致 the report's own inconsistency (no misreading explains the gap)"),
}
CROSS_FAMILIES = {"cross_year": "跨年度 cross-year", "level_sum": "跨层级 cross-level"}


async def cross_checks(datasette, db, tables: set, report_id: str) -> list[dict]:
    """The report's rows in cross_checks (R6/R7 against last year's report, level_sum against its parts),
    each with the other report(s) linked: title, year and page."""
    if "cross_checks" not in tables:
        return []
    result = await db.execute(
        "select rule, family, other_report_id, other_report_ids, expected, found, gap, passed, detail "
        "from cross_checks where report_id = ? order by passed, family, rule", [report_id])
    rows = [dict(zip(result.columns, row)) for row in result.rows]
    wanted = set()
    for row in rows:
        try:
            others = json.loads(row["other_report_ids"] or "[]")
        except ValueError:
            others = []
        row["others"] = others or ([row["other_report_id"]] if row["other_report_id"] else [])
        wanted.update(row["others"])
    titles = {}
    if wanted:
        marks = ", ".join("?" for _ in wanted)
        titles = {r[0]: (r[1], r[2], r[3]) for r in (await db.execute(
            f"select id, title, agency, report_year from reports where id in ({marks})", sorted(wanted))).rows}
    for row in rows:
        row["family_label"] = CROSS_FAMILIES.get(row["family"], row["family"] or "")
        row["explain"] = explain_rule(row["rule"])
        row["links"] = [{"id": other, "title": (titles.get(other) or (None,))[0] or other,
                         "agency": (titles.get(other) or (None, None))[1],
                         "year": (titles.get(other) or (None, None, None))[2],
                         "page": datasette.urls.row(db.name, "reports", other)} for other in row["others"]]
    return rows


def explain_rule(name: str) -> dict:
    rule = R.rule_of(name)
    if rule is None:
        return {"compares_zh": "", "compares_en": "", "statement": ""}
    template = next((t for t in getattr(R, "TEMPLATE_RULES", ()) if t.id == rule.template_rule), None)
    statement = f"{template.id}: {template.statement_zh}" if template else (rule.template_rule or "")
    return {"compares_zh": rule.compares_zh, "compares_en": rule.compares_en, "statement": statement}


async def report_page(datasette, database_name: str, report_id: str) -> dict:
    db = datasette.get_database(database_name)
    tables = set(await db.table_names())
    report_columns = await _columns(db, "reports")
    rows = (await db.execute("select * from reports where id = ?", [report_id])).rows
    if not rows:
        return {}
    report = dict(zip(report_columns, rows[0]))
    header = [(label, report[column]) for label, column in HEADER_FIELDS
              if column in report and report[column] not in (None, "")]
    counts = [(label, report[column]) for label, column in CHECK_COUNT_FIELDS
              if column in report and report[column] is not None]

    attachments = []
    if "attachments" in tables:
        attachment_columns = set(await _columns(db, "attachments"))
        wanted = [c for c in ("id", "url", "filename", "media_type", "size", "status", "pages",
                              "extraction_method", "warc_file") if c in attachment_columns]
        attachments = [dict(zip(wanted, row)) for row in (await db.execute(
            f"select {', '.join(wanted)} from attachments where report_id = ? order by rowid", [report_id])).rows]

    failed, passed_count = [], 0
    if "checks" in tables:
        cause = "probable_cause" if "probable_cause" in await _columns(db, "checks") else "null"
        for rule, expected, found, passed, detail, probable in (await db.execute(
                f"select rule, expected, found, passed, detail, {cause} from checks where report_id = ? order by rule",
                [report_id])).rows:
            if passed:
                passed_count += 1
            else:
                failed.append(dict(rule=rule, expected=expected, found=found, detail=detail, **explain_rule(rule),
                                   cause=PROBABLE_CAUSES.get(probable, PROBABLE_CAUSES[None])))
    cross = await cross_checks(datasette, db, tables, report_id)

    labels = {}
    if "metric_keys" in tables:
        labels = {row[0]: (row[1], row[2], row[3]) for row in (await db.execute(
            "select key, label_zh, label_en, unit from metric_keys")).rows}
    cells: dict[str, Cell] = {}
    if "metrics" in tables:
        metric_columns = set(await _columns(db, "metrics"))
        ocr = "ocr" if "ocr" in metric_columns else "0"
        for key, value, unit, source, snippet, is_ocr in (await db.execute(
                f"select key, value, unit, source, snippet, {ocr} from metrics where report_id = ?",
                [report_id])).rows:
            registered = K.get(key)
            label_zh, label_en, default_unit = labels.get(key) or (
                (registered.label_zh, registered.label_en, registered.unit) if registered else (key, "", None))
            cells[key] = Cell(key, label_zh or key, label_en or "", number(value), unit or default_unit,
                              source, snippet, bool(is_ocr))
    grids = metric_tables(cells)
    order = {key: i for i, key in enumerate(K.KEYS)}
    others = sorted(cells.values(), key=lambda c: (order.get(c.key, len(order)), c.key))
    sections = {}
    for cell in others:
        section = K.KEYS[cell.key].section if cell.key in K.KEYS else "other"
        sections.setdefault(section, []).append(cell)
    figure_groups = [(K.SECTIONS.get(s, ("其他数字", "Other figures"))[0],
                      K.SECTIONS.get(s, ("", "Other figures"))[1], group) for s, group in sections.items()]

    return {
        "report": report,
        "header": header,
        "check_counts": counts,
        "attachments": attachments,
        "failed_checks": failed,
        "cross_checks": cross,
        "passed_checks": passed_count,
        "metric_grids": grids,
        "figure_groups": figure_groups,
        "metric_count": sum(len(g[2]) for g in figure_groups) + sum(
            1 for grid in grids for _, _, row in grid.rows for cell in row if cell),
        "all_columns": [(column, report[column]) for column in report_columns],
    }
