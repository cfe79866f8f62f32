"""The golden harness: each mock portal site read whole — list requests, listing entries in the
order yielded, and every report's detail page through the one reading path — must equal its
reviewed file tests/golden/<site>.json (see tests/golden/__init__.py).

`pytest tests/test_golden_families.py --regen` rewrites the files; review them with
`git diff -- tests/golden/` before committing."""
from __future__ import annotations

import difflib

import pytest

from crawler.families import all_families
from tests.golden import GOLDEN, REGEN_COMMAND, dumps, golden_path, load, read_site, site_roots, write

SITES = site_roots()


def _diff(expected: dict, found: dict, name: str, limit: int = 80) -> str:
    lines = list(difflib.unified_diff(dumps(expected).splitlines(), dumps(found).splitlines(),
                                      f"tests/golden/{name}.json (reviewed)", f"{name} (read now)", lineterm="", n=2))
    more = f"\n… {len(lines) - limit} more diff lines" if len(lines) > limit else ""
    return "\n".join(lines[:limit]) + more


@pytest.mark.parametrize("name", sorted(SITES))
def test_site_reads_as_its_golden_file(name, request):
    found = read_site(SITES[name])
    if request.config.getoption("--regen"):
        write(name, found)
    expected = load(name)
    if expected is None:
        pytest.fail(f"no golden file {golden_path(name)} for mock portal site {name!r}; create it with\n  "
                    + REGEN_COMMAND.format(site=name) + "\nthen review it against the fixture pages")
    if expected != found:
        pytest.fail(f"mock portal site {name!r} no longer reads as its golden file. If the change is intended, "
                    f"run\n  {REGEN_COMMAND.format(site=name)}\nand review `git diff -- tests/golden/`.\n"
                    + _diff(expected, found, name), pytrace=False)


def test_every_golden_file_has_its_site():
    stale = sorted(p.name for p in GOLDEN.glob("*.json") if p.stem not in SITES)
    assert not stale, f"golden files without a mock portal site under tests/fixtures/: {stale}"


def test_every_family_module_has_a_golden_site():
    covered: dict[str, list[str]] = {}
    for name in SITES:
        record = load(name) or {"portals": []}
        for portal in record["portals"]:
            covered.setdefault(portal["family"], []).append(name)
    missing = sorted(set(all_families()) - set(covered))
    assert not missing, (f"families with no golden site: {missing}. Add a mock portal under "
                         f"tests/fixtures/<family>/ and run {REGEN_COMMAND.format(site='<family>')}")


def test_every_golden_site_reads_reports():
    for name in SITES:
        record = load(name)
        if record is None:
            continue  # reported by test_site_reads_as_its_golden_file
        pages = [e["detail"] for p in record["portals"] for e in p["entries"] if isinstance(e["detail"], dict)]
        assert any(d["status"] == 200 and not d.get("soft_404") for d in pages), f"{name}: no report page read"
