"""Coverage-guided fuzzing (atheris / libFuzzer) of parse_report and the detail-page reader.

    pip install --target /tmp/atheris_pkgs atheris
    PYTHONPATH=/tmp/atheris_pkgs .venv/bin/python bench/fuzz_atheris.py /tmp/fuzz-corpus \
        -max_total_time=600 -timeout=20 -max_len=65536 -rss_limit_mb=4096

The corpus directory is seeded with the project's report and detail-page fixtures on first use.
The first input byte picks the target: parse_report on HTML, on text, or read_detail_html and then
parse_report on what it read. The rest is decoded as UTF-8 with surrogateescape (so lone
surrogates reach the readers too). A crash is an exception, or a result breaking the contract that
tests/test_fuzz_parse.py checks (finite metrics, string keys, strict JSON, no caught crash in
errors); libFuzzer's -timeout reports inputs that run too long. Not a test: not run by pytest.
"""
from __future__ import annotations

import sys
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

with atheris.instrument_imports(include=["pipelines"]):
    from pipelines.detail import read_detail_html
    from pipelines.parse import parse_report

from tests.test_fuzz_detail import check_detail  # noqa: E402
from tests.test_fuzz_parse import check_parse_result  # noqa: E402

SEEDS = [*(ROOT / "tests/fixtures/reports").glob("*.*"), ROOT / "tests/fixtures/documents/report_2021.html",
         *(ROOT / "tests/fixtures/legacy").glob("*.txt"), *(ROOT / "tests/fixtures/hanweb/records").glob("*.html"),
         *(ROOT / "tests/fixtures/generic/site/_detail").glob("*.html")]


def seed_corpus(directory: Path) -> None:
    if directory.exists() and any(directory.iterdir()):
        return
    directory.mkdir(parents=True, exist_ok=True)
    for number, path in enumerate(sorted(SEEDS)):
        if path.suffix not in (".html", ".txt"):
            continue
        if path.suffix == ".txt":
            mode = b"\x01"
        else:
            mode = b"\x00" if {"reports", "documents"} & set(path.parts) else b"\x02"
        (directory / f"seed{number:03d}").write_bytes(mode + path.read_bytes())


def target(data: bytes) -> None:
    if not data:
        return
    mode, text = data[0] % 3, data[1:].decode("utf-8", "surrogateescape")
    if mode == 0:
        check_parse_result(parse_report(html=text))
    elif mode == 1:
        check_parse_result(parse_report(text=text))
    else:
        found = read_detail_html(text, "http://example.gov.cn/zwgk/t20210127_1001.html")
        check_detail(found)
        check_parse_result(parse_report(html=found["body_html"], page_meta=found["page_meta"]))


def main() -> None:
    args = list(sys.argv)
    corpus = next((Path(a) for a in args[1:] if not a.startswith("-")), None)
    if corpus is not None:
        seed_corpus(corpus)
    parse_report(text="warm-up 2021年主动公开信息1条。")  # OpenCC and the gazetteer load outside the timeout
    atheris.Setup(args, target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
