"""The checked-in registry of real portals (data/portals.yml), validated offline."""
from collections import Counter
from urllib.parse import urlsplit

import pytest
import yaml

from crawler import portal_check
from crawler.families import family_modules
from crawler.registry import DEFAULT_REGISTRY, load_portals
from pipelines import gazetteer
from tests.shared_docs import gold, needs_seeds

# The regions of the five seed reports (../shared/seeds): their 科技局 columns are registered.
SEED_REGIONS = ("同江市", "九江市", "鹤岗市", "青岛市", "吉林市")


@pytest.fixture(scope="module")
def registry():
    portals, errors = portal_check.check_registry(DEFAULT_REGISTRY)
    return portals, errors


def test_registry_has_no_problems(registry):
    portals, errors = registry
    assert [str(e) for e in errors] == []
    assert len(portals) >= 155


def test_registry_spans_provinces_and_levels(registry):
    portals, _ = registry
    provinces = Counter(p.province for p in portals)
    assert len(provinces) >= 20
    levels = Counter(gazetteer.by_code(p.region_code)["level"] for p in portals)
    assert levels["province"] and levels["city"] and levels["county"]


@needs_seeds
def test_seed_regions_are_those_of_the_seed_gold():
    assert sorted(case["region"] for case in gold("seeds")) == sorted(SEED_REGIONS)


def test_seed_cities_science_bureaus_are_registered(registry):
    portals, _ = registry
    for region in SEED_REGIONS:
        bureaus = [
            p for p in portals
            if gazetteer.by_code(p.region_code)["name"] == region and p.department and "科" in p.department
        ]
        assert bureaus, f"no 科技局 column for seed region {region}"
        for portal in bureaus:
            assert gazetteer.resolve(portal.department)["name"] == region


def test_every_family_has_an_adapter_module(registry):
    portals, _ = registry
    used = {p.family for p in portals}
    assert used <= set(portal_check.FAMILIES)
    assert used <= set(family_modules())
    assert used == set(portal_check.FAMILIES)  # each allowed family is exercised by real entries


def test_evidence_is_on_the_start_host(registry):
    portals, _ = registry
    for portal in portals:
        hosts = {urlsplit(u).netloc for u in portal.start_urls}
        assert urlsplit(portal.evidence).netloc in hosts, portal.id


def test_start_urls_are_columns_not_reports(registry):
    portals, _ = registry
    for portal in portals:
        for url in portal.start_urls:
            assert portal_check.derive(url).report_url is None, (portal.id, url)


def test_report_evidence_derives_back_to_the_entry(registry):
    """Re-deriving each report-shaped evidence URL gives the registered family and column."""
    portals, _ = registry
    checked = 0
    for portal in portals:
        derived = portal_check.derive(portal.evidence)
        if derived.report_url is None or portal.family == "generic":
            continue
        assert derived.family == portal.family, portal.id
        assert derived.start_url in portal.start_urls, portal.id
        checked += 1
    assert checked >= 80


def test_no_mirror_hosts_in_urls():
    document = yaml.safe_load(DEFAULT_REGISTRY.read_text(encoding="utf-8"))
    for entry in document["portals"]:
        for url in entry["start_urls"] + [entry["evidence"]]:
            host = urlsplit(url).hostname
            # Government portals: *.gov.cn, or a bare IP some of them still serve from.
            assert host.endswith(".gov.cn") or host.replace(".", "").isdigit(), (entry["id"], url)


def test_registry_loads_with_the_installed_families():
    portals, errors = load_portals(DEFAULT_REGISTRY)
    assert errors == []
    assert len(portals) >= 155
