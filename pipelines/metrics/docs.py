"""docs/metrics.md and docs/checks.md, generated from the registries (keys.py, rules.py).

    python -m pipelines.metrics.docs            # (re)write both files
    python -m pipelines.metrics.docs --check    # exit 1 when a committed file differs from the code

tests/test_docs_generated.py fails when the committed files are stale.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipelines.metrics import keys as K
from pipelines.metrics import rules as R

DOCS = Path(__file__).resolve().parents[2] / "docs"
COMMAND = "python -m pipelines.metrics.docs"
FORMAT_SHORT = {K.S2019: "2019", K.S2021: "2021", K.LEGACY: "legacy", K.PROSE: "prose"}


def _banner(source: str) -> str:
    return (f"<!-- Generated from {source} by `{COMMAND}`: edit the registry and run the command, "
            "not this file. -->\n")


def _formats(formats) -> str:
    return ", ".join(FORMAT_SHORT[f] for f in formats)


def _cell(text) -> str:
    return "" if text is None else str(text).replace("|", "\\|")


def _table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _patterns(part: K.Part) -> str:
    return ", ".join(f"{p.partition(':')[0]} {p.partition(':')[2]}" for p in part.match)


def _parts(parts: tuple[K.Part, ...]) -> str:
    return _table(PART_HEADER, [[f"`{p.name}`", p.label_zh, p.label_en, _formats(p.formats), _patterns(p)]
                                for p in parts])


def _key_rows(section: str) -> list[list]:
    return [[f"`{r.key}`", r.label_zh, r.label_en, r.unit or "as stated", _formats(r.formats)]
            for r in K.KEYS.values() if r.section == section]


KEY_HEADER = ["key", "中文", "English", "unit", "formats"]
PART_HEADER = ["name", "中文 (template label)", "English", "formats", "recognised by (table_labels)"]

METRICS_INTRO = """\
# Metric keys — the parser's output contract

Every number the parser finds becomes one row of `metrics`: `key`, `value` (int or float), `unit`
(条 / 件 / 次 / 个 / 人 / 人次 / 篇 / 元 / 万元), and where it came from (section, table or prose,
snippet). Keys are lower-case ASCII, dot-separated, and only the keys below are ever emitted: the
parser drops any other key with a parse error (`<key>: metric key not registered …`). Values are
numbers as printed: Chinese numerals (零, 十二, 一百零五), full-width digits and '—'/'-'/'/'
meaning zero are normalised; a blank cell is *absent*, not zero. Amounts keep the unit the report
states (the row's `unit` says which; the unit below is the usual one).

`nianbao parse FILE [--url URL]` prints one JSON object per file:

```
{"title": ..., "agency": ..., "province": ..., "city": ..., "county": ..., "region": ...,
 "report_year": 2020, "published": "2021-01-27", "index_no": ..., "doc_no": ...,
 "format": "standard-2019" | "standard-2021" | "legacy" | "unknown",
 "metrics": {"active.total": 376, "requests.new.total": 2, ...},
 "checks": [{"rule": ..., "expected": ..., "found": ..., "passed": ...}], "errors": [...]}
```

FILE may be .html/.htm (a saved detail page), .txt (plain text: tables arrive linearised, one
cell per line), .pdf, .docx, .doc, .xls/.xlsx, .wps or an image. `region` is the most specific
place name (county if any, else city, else province). Unknown fields are null, never guessed.
The consistency rules over these numbers are in [checks.md](checks.md).

**formats** says where a key occurs: `2019` / `2021` = the standard tables of the 2019 template
(国办公开办函〔2019〕60号) / the 2021 template (国办公开办函〔2021〕30号), decided from the labels,
never from the year; `legacy` = the old 统计表 (统计指标 / 单位 / 统计数, before 2019); `prose` =
a sentence of a report in any format. In Datasette the same list is the `metric_keys` table, and
each `metrics.key` shows its Chinese label.
"""

METRICS_HOWTO = """\
## Adding a key

Everything is in `pipelines/metrics/keys.py`:

- a headline or legacy key: one `_key(...)` / `_legacy(...)` line (key, 中文, English, unit, formats);
- a row or column of a standard table: one `Part(...)` in `TABLE2_ENTITIES` / `TABLE2_COLUMNS` (and
  the entity's columns in `TABLE2_PAIRS`), `TABLE3_ROWS` / `TABLE3_COLUMNS` or `TABLE4_BLOCKS` /
  `TABLE4_PARTS`, with the `match` patterns that recognise its label ("in:" the pattern occurs in
  the label, "eq:" it is the whole label); the table reader's vocabularies come from these.

Then run `python -m pipelines.metrics.docs` and commit the regenerated docs; the `metric_keys`
table refreshes itself the next time a database is opened.
"""


def render_metrics() -> str:
    out = [_banner("pipelines/metrics/keys.py"), METRICS_INTRO]
    counts = {s: sum(1 for r in K.KEYS.values() if r.section == s) for s in K.SECTIONS}
    out.append(f"{len(K.KEYS)} keys: " + ", ".join(f"{counts[s]} {s}" for s in K.SECTIONS) + ".\n")

    zh, en = K.SECTIONS["headline"]
    out.append(f"\n## {en} — {zh}\n\n")
    out.append("The figures most reports state somewhere, in a table or a sentence.\n\n")
    out.append(_table(KEY_HEADER, _key_rows("headline")))

    zh, en = K.SECTIONS["table2"]
    out.append(f"\n## {en} — {zh}: `active.<entity>.<column>`\n\n")
    out.append("Only the pairs each template prints. Entities (rows of the table):\n\n")
    out.append(_parts(K.TABLE2_ENTITIES))
    out.append("\nColumns:\n\n")
    out.append(_parts(K.TABLE2_COLUMNS))
    out.append("\nKeys:\n\n")
    out.append(_table(KEY_HEADER, _key_rows("table2")))

    zh, en = K.SECTIONS["table3"]
    rows, columns = K.TABLE3_ROWS_PRINTED, K.TABLE3_COLUMNS
    out.append(f"\n## {en} — {zh}: `requests.<row>.<column>`\n\n")
    out.append(f"Every row × every column: {len(rows)} rows × {len(columns)} columns = {len(rows) * len(columns)} "
               "keys, e.g. `requests.new.total` is the 总计 cell of row 一 and `requests.granted.natural_person` "
               "the 自然人 cell of (一)予以公开. A key is in a format when both its row and its column are. "
               "The 总计 cells of rows 一, 二, (七) and 四 are headline keys (above).\n\n")
    out.append("Columns (申请人情况):\n\n")
    out.append(_parts(columns))
    out.append("\nRows, in template order:\n\n")
    out.append(_parts(rows))

    zh, en = K.SECTIONS["table4"]
    out.append(f"\n## {en} — {zh}: `<block>.<outcome>`\n\n")
    out.append("Blocks:\n\n")
    out.append(_parts(K.TABLE4_BLOCKS))
    out.append("\nOutcomes (columns of each block):\n\n")
    out.append(_parts(K.TABLE4_PARTS))
    out.append("\nKeys (`review.total` and `litigation.total` = direct + after review are headline keys):\n\n")
    out.append(_table(KEY_HEADER, _key_rows("table4")))

    zh, en = K.SECTIONS["legacy"]
    out.append(f"\n## {en} — {zh}\n\n")
    out.append("The old 统计表 uses the headline keys where they fit (its 申请答复数 row is "
               "`requests.total.total`) and these for its other rows. Channels need not sum to the total: the "
               "same item on two channels counts once in the total.\n\n")
    out.append(_table(KEY_HEADER, _key_rows("legacy")))
    out.append("\n" + METRICS_HOWTO)
    return "".join(out)


CHECKS_INTRO = """\
# Consistency checks (勾稽关系)

Each report's numbers are checked against the rules below; every evaluated rule is one row of
`checks` (`report_id`, `rule`, `expected`, `found`, `passed`, `detail`). A rule is evaluated only
when every number it needs is present: a blank cell is absent, so its rule is skipped, never
failed. A failed check only reports: the numbers stay as printed. Metric keys are explained in
[metrics.md](metrics.md).
"""

CHECKS_HOWTO = """\
## Adding a rule

Declare it in `pipelines/metrics/rules.py`: a `Rule(id pattern, template rule, 比较, compares,
formats, placeholder values)` added to `RULES` (a sum of legacy 统计表 rows is one more entry of
`LEGACY_SUMS`), evaluate it in `pipelines/metrics/checks.py` naming each result with
`rule.name(...)`, then run `python -m pipelines.metrics.docs` and commit the regenerated docs.
"""


def _values(rule: R.Rule) -> str:
    parts = []
    for placeholder, values in rule.values.items():
        if values is None:
            parts.append(f"`<{placeholder}>`: any" + (" registered metric key" if placeholder == "key" else ""))
        else:
            parts.append(f"`<{placeholder}>`: " + ", ".join(f"`{v}`" for v in values))
    return "; ".join(parts)


def render_checks() -> str:
    out = [_banner("pipelines/metrics/rules.py"), CHECKS_INTRO]
    out.append("\n## Rules\n\n")
    out.append(_table(["rule", "template rule", "比较", "compares", "formats"],
                      [[f"`{r.id}`", r.template_rule or "(archive)", r.compares_zh, r.compares_en, _formats(r.formats)]
                       for r in R.RULES]))
    out.append("\nPlaceholder values:\n\n")
    out += [f"- `{r.id}`: {_values(r)}\n" for r in R.RULES if r.values]
    out.append("\nThe legacy sums (R9): the parent row = the sum of its sub-rows.\n\n")
    out.append(_table(["rule", "parent", "sub-rows"],
                      [[f"`{R.R9.name(block=block)}`", f"`{total}`", " + ".join(f"`{p}`" for p in parts)]
                       for block, (total, parts) in R.LEGACY_SUMS.items()]))
    out.append("\nNot summed on purpose: 主动公开 by channel (R10).\n")
    out.append("\n## The template's rules (R1–R10)\n\n")
    out.append("The consistency rules of the report template and its predecessors, numbered as above; "
               "the archive checks those a single report can show.\n\n")
    implemented = {}
    for rule in R.RULES:
        if rule.template_rule:
            implemented.setdefault(rule.template_rule, []).append(f"`{rule.id}`")
    out.append(_table(["id", "规则", "rule", "basis", "checked as"],
                      [[t.id, t.statement_zh, t.statement_en, t.basis,
                        ", ".join(implemented.get(t.id, [])) or f"not checked: {t.not_checked_because}"]
                       for t in R.TEMPLATE_RULES]))
    out.append("\n" + CHECKS_HOWTO)
    return "".join(out)


GENERATED = {"metrics.md": render_metrics, "checks.md": render_checks}


def stale(docs: Path = DOCS) -> list[str]:
    """The generated files whose committed text differs from what the code generates."""
    out = []
    for name, render in GENERATED.items():
        path = docs / name
        if not path.is_file() or path.read_text(encoding="utf-8") != render():
            out.append(f"docs/{name}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="only report stale files (exit 1 if any)")
    args = parser.parse_args(argv)
    if args.check:
        names = stale()
        for name in names:
            print(f"{name} is stale: run `{COMMAND}`", file=sys.stderr)
        return 1 if names else 0
    DOCS.mkdir(exist_ok=True)
    for name, render in GENERATED.items():
        (DOCS / name).write_text(render(), encoding="utf-8")
        print(f"wrote docs/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
