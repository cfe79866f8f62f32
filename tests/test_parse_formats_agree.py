"""One report saved as HTML, PDF, DOCX, DOC and a scanned PDF: `nianbao parse` gives the same
metrics for every form (the HTML page goes through the crawl's reading path, body fallback included)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from tests.crawl_helpers import REPO

DOCUMENTS = REPO / "tests" / "fixtures" / "documents"
FORMS = ["report_2021.html", "report_2021.pdf", "report_2021.docx", "report_2021.doc", "report_2021_scanned.pdf"]


def parse(*names: str) -> list[dict]:
    result = subprocess.run([sys.executable, "-m", "cli.main", "parse", *(str(DOCUMENTS / n) for n in names)],
                            cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


@pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")) or not shutil.which("tesseract"),
                    reason="needs LibreOffice (.doc) and Tesseract (scanned PDF): installed by .ci/run")
def test_every_form_of_one_report_gives_the_same_metrics():
    results = dict(zip(FORMS, parse(*FORMS)))
    html = results["report_2021.html"]
    assert html["format"] == "standard-2021"
    assert len(html["metrics"]) >= 200, html["errors"]
    assert html["metrics"]["active.normative.issued"] == 3 and html["metrics"]["active.total"] == 1526
    for name, result in results.items():
        differing = {k for k in set(result["metrics"]) | set(html["metrics"])
                     if result["metrics"].get(k) != html["metrics"].get(k)}
        assert not differing, f"{name} differs from the HTML page on {sorted(differing)[:10]}"
        assert result["report_year"] == 2021 and result["format"] == "standard-2021", name
