"""Every relative link in README.md, metadata.yml (the Datasette pages) and docs/ leads to a file of
the repository; no document points at ../shared (METRICS.md, REPORT_FORMAT.md live in docs/ now)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINKED = [ROOT / "README.md", ROOT / "metadata.yml", *sorted((ROOT / "docs").glob("*.md"))]
MARKDOWN_LINK = re.compile(r"!?\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HTML_LINK = re.compile(r"""(?:href|src)\s*=\s*["']([^"']+)["']""")
# A document named in running text ("docs/metrics.md", "METRICS.md"): it must exist too.
DOCUMENT_NAME = re.compile(r"(?<![\w/.-])((?:\.\.?/)*[\w.-]+(?:/[\w.-]+)*\.md)\b")


def relative_links(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    targets = MARKDOWN_LINK.findall(text) + HTML_LINK.findall(text)
    if path.suffix == ".yml" or path.name == "README.md":
        targets += DOCUMENT_NAME.findall(text)
    out = []
    for target in targets:
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith(("#", "/", "{")):
            continue  # a URL, an anchor, a Datasette route (/reports/…, /-/…) or a template
        out.append(target.split("#")[0].split("?")[0])
    return [t for t in out if t]


def resolve(source: Path, target: str) -> Path:
    base = source.parent
    return (base / target).resolve()


def test_the_documents_have_links_to_check():
    readme = relative_links(ROOT / "README.md")
    assert "docs/metrics.md" in readme and "docs/checks.md" in readme
    assert any(t.endswith("docs/metrics.md") for t in relative_links(ROOT / "metadata.yml"))


@pytest.mark.parametrize("path", LINKED, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve_to_files_in_the_repository(path):
    broken = []
    for target in relative_links(path):
        resolved = resolve(path, target)
        if not resolved.is_relative_to(ROOT) or not resolved.exists():
            broken.append(target)
    assert not broken, f"{path.relative_to(ROOT)} links to what is not a file of the repository: {broken}"


def test_a_link_outside_the_repository_is_caught(tmp_path):
    page = ROOT / "docs" / "example.md"
    assert [t for t in ("../shared/METRICS.md", "metrics.md", "nowhere.md")
            if not resolve(page, t).is_relative_to(ROOT) or not resolve(page, t).exists()] == \
        ["../shared/METRICS.md", "nowhere.md"]
    text = tmp_path / "README.md"
    text.write_text("Keys per METRICS.md, see [the docs](docs/metrics.md) and <a href=\"/reports/metrics\">x</a>.",
                    encoding="utf-8")
    assert set(relative_links(text)) == {"docs/metrics.md", "METRICS.md"}
