"""nianbao parse FILE [FILE …] [--url URL]: print the METRICS.md object of saved reports.

.html/.htm is a saved detail page (metadata block, body, tables); .txt is plain text (a copied
report, tables one cell per line, optionally starting with 'URL: …'); document suffixes (.pdf,
.docx, .doc, .xls …) go through pipelines.documents. One file prints indented JSON, several print
one object per line, each with `is_report`: whether the file is an annual disclosure report at all
(its title reads as one, or the parser found the report's disclosure figures in it; a news article
is not). Errors and the files that are not reports are named on stderr, one line each kind. Exit
code 1 when no file is a readable report (none could be read, or none is a report), else 0.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from cli import EXIT_FAILED, EXIT_OK, complain

HELP = "parse saved report files (.html, .txt, .pdf, .docx …) and print their metrics as JSON"
HTML_SUFFIXES = {".html", ".htm", ".shtml", ".xhtml"}
TEXT_SUFFIXES = {".txt", ".text", ".md"}


def add_arguments(parser):
    parser.add_argument("files", nargs="+", metavar="FILE", help="saved page, text copy or document")
    parser.add_argument("--url", help="the URL the file came from (recorded, and used to resolve links)")
    parser.add_argument("--family", help="read a saved page with this CMS family's detail quirks (gkmlpt, hanweb …)")


def decode(data: bytes) -> str:
    """Bytes of a text copy, decoded by the crawl's charset detector (GBK copies too)."""
    from pipelines.read import decode_page

    return decode_page(data)[0]


def _document_suffixes() -> frozenset[str]:
    try:
        from pipelines.documents import SUFFIXES
    except ImportError:
        return frozenset()
    return frozenset(s.lower() if s.startswith(".") else "." + s.lower() for s in SUFFIXES)


def parse_html_file(data: bytes, url: str | None, family: str | None = None) -> dict[str, Any]:
    """A saved detail page, read by the crawl's reading path (pipelines.read) and parsed."""
    from pipelines.parse import parse_report
    from pipelines.read import parser_input, read_page
    from pipelines.records import ListingEntry

    entry = ListingEntry(url=url or "", title="")
    page = read_page(url or "", data, {}, entry, family)
    arguments = dict(parser_input(page, [], entry, []), url=url)
    if page.is_document:  # bytes that are no page at all: parse them as plain text
        arguments.update(html=None, text=decode(data))
    result = parse_report(**arguments)
    result["errors"][:0] = page.errors
    return result


def parse_file(path: Path, url: str | None, family: str | None = None) -> tuple[dict[str, Any], bool]:
    """(result, readable) for one file."""
    from pipelines.parse import empty_result, parse_report

    suffix = path.suffix.lower()
    try:
        data = path.read_bytes()
    except OSError as exc:
        result = empty_result()
        result.update(fatal=True, errors=[f"cannot read {path}: {exc.strerror or exc}"])
        return result, False
    if suffix in HTML_SUFFIXES:
        result = parse_html_file(data, url, family)
    elif suffix in TEXT_SUFFIXES:
        result = parse_report(text=decode(data), url=url)
    elif suffix in _document_suffixes():
        from pipelines.documents import extract_file

        try:
            extracted = extract_file(path)
        except Exception as exc:  # the contract says it never raises; be safe anyway
            result = empty_result()
            result.update(fatal=True, errors=[f"{path.name}: extraction failed: {type(exc).__name__}: {exc}"])
            return result, False
        result = parse_report(url=url, documents=[extracted])
    else:
        result = empty_result()
        result.update(fatal=True, errors=[f"{path.name}: unsupported file type {suffix or '(none)'}"])
        return result, False
    result["file"] = str(path)
    return result, not result.get("fatal")


def is_report(result: dict[str, Any]) -> bool:
    """An annual disclosure report: its title reads as one (crawler.report_titles, the rule the crawl
    applies to list titles), or, when the title is missing or lacks the year, the parser found the
    report's disclosure figures in it. A page with neither (a news article) is not one."""
    from crawler.report_titles import is_annual_report_title

    if result.get("fatal"):
        return False
    return is_annual_report_title(result.get("title")) or bool(result.get("metrics"))


def run(args) -> int:
    reports = 0
    unreadable: list[str] = []
    not_reports: list[str] = []
    many = len(args.files) > 1
    for name in args.files:
        try:
            result, ok = parse_file(Path(name), args.url, args.family)
        except Exception as exc:  # one bad file must not stop the others
            from pipelines.parse import empty_result

            result, ok = empty_result(), False
            result.update(fatal=True, errors=[f"{name}: {type(exc).__name__}: {exc}"])
        result.setdefault("file", name)
        result["is_report"] = ok and is_report(result)
        if not ok:
            error = result["errors"][0] if result.get("errors") else "unreadable"
            unreadable.append(error if Path(name).name in error else f"{name}: {error}")
        elif not result["is_report"]:
            not_reports.append(name)
        reports += result["is_report"]
        if many:
            print(json.dumps(result, ensure_ascii=False))
        else:
            print(json.dumps(result, ensure_ascii=False, indent=2))
    sys.stdout.flush()
    if unreadable:
        complain(f"cannot read {len(unreadable)} file{'s' * (len(unreadable) > 1)}: {'; '.join(unreadable)}")
    if not_reports:
        complain(f"not an annual report (is_report false): {', '.join(not_reports)}")
    return EXIT_OK if reports else EXIT_FAILED
