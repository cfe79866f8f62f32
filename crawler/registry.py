"""The portal registry (data/portals.yml): load and validate entries.

A bad entry is reported with its id (or position) and the field at fault, and never stops the
other portals from loading.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

DEFAULT_REGISTRY = Path(__file__).resolve().parent.parent / "data" / "portals.yml"
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
HOST_NAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")
REGION_CODE = re.compile(r"^\d{6}$")
DEFAULT_MAX_PAGES = 50


@dataclass
class Portal:
    id: str
    name: str
    province: str | None
    city: str | None
    county: str | None
    region_code: str | None
    department: str | None
    family: str
    start_urls: list[str]
    allowed_domains: list[str] = field(default_factory=list)
    max_pages: int = DEFAULT_MAX_PAGES
    encoding: str | None = None
    evidence: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    extra_hosts: list[str] = field(default_factory=list)  # e.g. an attachment CDN on another host

    @property
    def hosts(self) -> frozenset[str]:
        """The portal's own hosts (start_urls hosts, allowed_domains, extra_hosts): the outbound
        policy (crawler/outbound.py) lets these be reached whatever address they resolve to."""
        names = {urlparse(url).hostname or "" for url in self.start_urls} | set(self.allowed_domains) | set(self.extra_hosts)
        return frozenset(name.lower().rstrip(".") for name in names if name)

    def as_row(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "province": self.province,
            "city": self.city,
            "county": self.county,
            "region_code": self.region_code,
            "department": self.department,
            "family": self.family,
            "encoding": self.encoding,
            "start_urls": self.start_urls,
            "evidence": self.evidence,
        }


@dataclass
class RegistryError:
    entry: str  # the entry's id, or "#N" when it has none
    field: str
    message: str

    def __str__(self) -> str:
        return f"portal {self.entry}: field {self.field!r}: {self.message}"


def _optional_str(raw: dict, key: str, problems: list[tuple[str, str]]) -> str | None:
    value = raw.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, (str, int)):
        problems.append((key, f"must be a string, got {type(value).__name__}"))
        return None
    return str(value)


def _host_names(value: Any, problems: list[tuple[str, str]]) -> list[str]:
    """extra_hosts: bare host names or IP addresses (no scheme, port or path)."""
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(("extra_hosts", "must be a list of host names"))
        return []
    hosts = []
    for host in value:
        name = str(host).strip().lower().rstrip(".") if isinstance(host, str) else ""
        if not (HOST_NAME.match(name) or _is_ip(name)):
            problems.append(("extra_hosts", f"not a bare host name or IP address: {host!r}"))
        hosts.append(name)
    return hosts


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def validate_entry(raw: Any, known_families: set[str]) -> tuple[Portal | None, list[tuple[str, str]]]:
    """Return (portal, problems); portal is None when any problem is found."""
    problems: list[tuple[str, str]] = []
    if not isinstance(raw, dict):
        return None, [("-", "entry must be a mapping")]
    portal_id = raw.get("id")
    if not isinstance(portal_id, str) or not SLUG.match(portal_id):
        problems.append(("id", "must be a slug of [a-z0-9-]"))
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(("name", "is required"))
    family = raw.get("family")
    if family not in known_families:
        problems.append(("family", f"unknown family {family!r}; known: {', '.join(sorted(known_families))}"))
    start_urls = raw.get("start_urls")
    if isinstance(start_urls, str):
        start_urls = [start_urls]
    if not isinstance(start_urls, list) or not start_urls:
        problems.append(("start_urls", "must be a non-empty list of URLs"))
        start_urls = []
    for url in start_urls:
        parsed = urlparse(str(url))
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            problems.append(("start_urls", f"not an http(s) URL: {url!r}"))
    region_code = _optional_str(raw, "region_code", problems)
    if region_code is not None and not REGION_CODE.match(region_code):
        problems.append(("region_code", f"must be 6 digits, got {region_code!r}"))
    max_pages = raw.get("max_pages", DEFAULT_MAX_PAGES)
    if not isinstance(max_pages, int) or max_pages < 1:
        problems.append(("max_pages", "must be a positive integer"))
    options = raw.get("options") or {}
    if not isinstance(options, dict):
        problems.append(("options", "must be a mapping"))
    allowed = raw.get("allowed_domains") or []
    if not isinstance(allowed, list):
        problems.append(("allowed_domains", "must be a list"))
    extra_hosts = _host_names(raw.get("extra_hosts"), problems)
    values = {k: _optional_str(raw, k, problems) for k in ("province", "city", "county", "department", "encoding", "evidence")}
    if problems:
        return None, problems
    return (
        Portal(
            id=portal_id,
            name=name.strip(),
            family=family,
            start_urls=[str(u) for u in start_urls],
            region_code=region_code,
            allowed_domains=[str(d) for d in allowed],
            max_pages=max_pages,
            options=options,
            extra_hosts=extra_hosts,
            **values,
        ),
        [],
    )


def load_portals(path: str | Path | None = None, known_families: set[str] | None = None) -> tuple[list[Portal], list[RegistryError]]:
    """Load a registry file. Returns the valid portals and one error per bad field."""
    if known_families is None:
        from crawler.families import all_families

        known_families = set(all_families())
    path = Path(path or DEFAULT_REGISTRY)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        return [], [RegistryError(str(path), "-", f"cannot read registry: {exc}")]
    entries = document.get("portals") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        return [], [RegistryError(str(path), "portals", "the file must hold a list under 'portals'")]
    portals: list[Portal] = []
    errors: list[RegistryError] = []
    seen: set[str] = set()
    for position, raw in enumerate(entries, start=1):
        label = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else f"#{position}"
        portal, problems = validate_entry(raw, known_families)
        errors.extend(RegistryError(label, f, m) for f, m in problems)
        if portal is None:
            continue
        if portal.id in seen:
            errors.append(RegistryError(label, "id", "duplicate id"))
            continue
        seen.add(portal.id)
        portals.append(portal)
    return portals, errors
