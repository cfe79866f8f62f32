"""Time document extraction per type over the fixtures (not a test).

    .venv/bin/python bench/bench_documents.py [--reps N] [--ocr-reps N]

For each fixture: extract() through the isolated worker (what the crawl runs) and the same
extractor in-process (the extraction cost alone), plus the DOC fallbacks (antiword, catdoc)
next to LibreOffice. Pages of DOCX/DOC are those of the same report as PDF (3), so per-page
figures compare across formats.
"""
from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.documents import extract  # noqa: E402
from pipelines.documents.doc import via_antiword, via_catdoc, via_soffice  # noqa: E402
from pipelines.documents.limits import Deadline  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "documents"
REPORT_PAGES = 3  # report_2021.pdf; the DOCX/DOC hold the same report


def timed(function, reps: int) -> list[float]:
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def row(label: str, pages: int, times: list[float], note: str = "") -> str:
    mean = statistics.mean(times)
    return f"{label:<34} {pages:>5} {len(times):>4} {mean:>9.3f} {mean / pages:>9.3f} {min(times):>9.3f}  {note}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--ocr-reps", type=int, default=2)
    args = parser.parse_args()

    cases = [
        ("PDF text layer", "report_2021.pdf", REPORT_PAGES, args.reps),
        ("DOCX", "report_2021.docx", REPORT_PAGES, args.reps),
        ("XLSX (table 三)", "table3_2021.xlsx", 1, args.reps),
        ("XLS (table 三)", "table3_2021.xls", 1, args.reps),
        ("DOC", "report_2021.doc", REPORT_PAGES, args.reps),
        ("PDF scanned (OCR)", "report_2021_scanned.pdf", REPORT_PAGES, args.ocr_reps),
    ]
    print(f"{'case':<34} {'pages':>5} {'reps':>4} {'s/doc':>9} {'s/page':>9} {'min s':>9}")
    for label, name, pages, reps in cases:
        data = (FIXTURES / name).read_bytes()
        statuses = set()

        def isolated():
            statuses.add(extract(data, name).status)

        def in_process():
            statuses.add(extract(data, name, isolate=False).status)

        print(row(f"{label} [worker]", pages, timed(isolated, reps)))
        print(row(f"{label} [in-process]", pages, timed(in_process, reps), ",".join(sorted(statuses))))
    doc = (FIXTURES / "report_2021.doc").read_bytes()
    tools = [("DOC via antiword", lambda: via_antiword(doc, Deadline(60))),
             ("DOC via catdoc", lambda: via_catdoc(doc, Deadline(60)))]
    if shutil.which("soffice"):
        tools.insert(0, ("DOC via soffice", lambda: via_soffice(doc, ".doc", Deadline(60))))
    # how much of table 三 each tool keeps: its rows of seven counts, as tab-separated cells
    source = (FIXTURES / "report_2021.html").read_text(encoding="utf-8")
    count_rows = ["\t".join(re.findall(r"\d+", cells)) for cells in re.findall(r"((?:<td>\d+</td>){7})</tr>", source)]
    for label, function in tools:
        text = function().text
        kept = sum(1 for r in count_rows if r in text)
        print(row(label, REPORT_PAGES, timed(function, args.reps), f"table-三 rows kept: {kept}/{len(count_rows)}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
