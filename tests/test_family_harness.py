"""Every family module must have its mock portal and expected output (the juriscraper rule)."""
from __future__ import annotations

import json

import yaml

from crawler.families import all_families, family_modules
from crawler.mockportals import FIXTURES, fixture_sites


def families_with_portals() -> dict[str, list[str]]:
    covered: dict[str, list[str]] = {}
    for root in fixture_sites():
        entries = yaml.safe_load((root / "portal.yml").read_text(encoding="utf-8"))["portals"]
        for entry in entries:
            covered.setdefault(entry["family"], []).append(root.name)
    return covered


def test_every_family_module_defines_a_family():
    families = all_families()
    assert len(families) == len(family_modules())
    for name, family in families.items():
        assert family.name == name


def test_every_family_has_a_mock_portal_with_expected_output():
    covered = families_with_portals()
    for name in all_families():
        assert name in covered, f"family {name!r} has no mock portal under {FIXTURES}"
        for site in covered[name]:
            expected = json.loads((FIXTURES / site / "expected.json").read_text(encoding="utf-8"))
            assert expected["reports"], f"{site}/expected.json lists no reports"


def test_each_family_recognises_its_own_mock_portal_pages():
    from crawler.portal_check import family_from_markup

    for root in fixture_sites():
        entries = yaml.safe_load((root / "portal.yml").read_text(encoding="utf-8"))["portals"]
        family = entries[0]["family"]
        pages = [p.read_bytes().decode("utf-8", "replace") for p in (root / "site").rglob("*.htm*")]
        seen = {family_from_markup(html) for html in pages}
        if family == "generic":
            assert "generic" not in seen  # the fallback never claims a page: it is what is left
        else:
            assert family in seen, f"{root.name}: no page recognised as {family} (saw {seen})"
            assert not seen - {family, None}, f"{root.name}: pages claimed by other families: {seen - {family}}"
