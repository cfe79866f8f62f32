"""The golden harness: every mock portal's list pages and report pages as the crawl reads them,
compared with a reviewed file per site (tests/golden/<site>.json).

For each site under tests/fixtures/ that crawler.mockportals.fixture_sites() returns, and each of
its portal.yml entries, the family's list steps are driven over real HTTP (tests.family_driver)
and every listing entry is recorded in the order yielded; every entry whose title is an annual
report's (the spider's own test) has its detail page read through pipelines.read.read_page, and
so have the further parts of a multi-page article. Page bodies are kept as normalized text
(pipelines.normalize.html_to_text): its sha256, length, first 200 and last 100 characters.

The mock server's random port is written as "{base}", so the files do not change between runs.
Regenerate with `pytest tests/test_golden_families.py --regen` or `python -m tests.golden regen
[SITE ...]`, then review the git diff of tests/golden/ against the fixture pages.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy

from crawler.mockportals import MockSite, fixture_sites
from crawler.registry import Portal
from crawler.report_titles import is_annual_report_title
from pipelines.normalize import html_to_text
from pipelines.read import read_page
from pipelines.records import DetailPage, ListingEntry
from tests.family_driver import drive, fetch, portal_from_site

GOLDEN = Path(__file__).resolve().parent
PLACEHOLDER = "{base}"
TEXT_HEAD = 200
TEXT_TAIL = 100  # where a body that swallowed the page footer shows
REGEN_COMMAND = "pytest tests/test_golden_families.py --regen  (or: python -m tests.golden regen {site})"


def golden_path(site_name: str) -> Path:
    return GOLDEN / f"{site_name}.json"


def site_roots() -> dict[str, Path]:
    """Every mock portal site, by name."""
    return {root.name: root for root in fixture_sites()}


# --- reading one site ---------------------------------------------------------------------------
class _Site:
    """URLs on the mock server as paths ("/col/index.html"); any other URL stays whole."""

    def __init__(self, base: str):
        self.base = base
        self.seen: set[str] = set()  # the spider fetches a URL once, however often it is listed

    def path(self, url: str) -> str:
        return url[len(self.base):] if url.startswith(self.base + "/") else url

    def request(self, request: scrapy.Request, status: int) -> dict[str, Any]:
        line: dict[str, Any] = {"method": request.method, "url": self.path(request.url), "status": status}
        if request.body:
            line["body"] = request.body.decode("utf-8", "replace")
        step = request.meta.get("nianbao_step")
        if step and step != "parse_list":
            line["step"] = step
        return line

    def page(self, page: DetailPage) -> dict[str, Any]:
        found: dict[str, Any] = {
            "title": page.title,
            "page_meta": dict(page.page_meta),
            "body_text": _text(page.body_html),
            "attachments": [{**a, "url": self.path(a["url"])} for a in page.attachments],
            "continuations": [self.path(u) for u in page.continuations],
            "soft_404": page.soft_404,
        }
        if page.is_document:
            found["document"] = True
        if page.errors:
            found["errors"] = list(page.errors)
        return found

    def detail(self, entry: ListingEntry, portal: Portal) -> dict[str, Any]:
        status, page = _read(entry.url, entry, portal)
        if page is None:
            return {"status": status}
        detail = {"status": status, **self.page(page)}
        parts = []
        if not page.soft_404:
            for url in page.continuations:  # the further parts of the article, as the spider reads them
                part_status, part = _read(url, entry, portal)
                parts.append({"url": self.path(url), "status": part_status, **(self.page(part) if part else {})})
        if parts:
            detail["parts"] = parts
        return detail

    def entry(self, entry: ListingEntry, portal: Portal) -> dict[str, Any]:
        found: dict[str, Any] = {"url": self.path(entry.url), "title": entry.title, "date": entry.date,
                                 "extra": dict(entry.extra)}
        if not is_annual_report_title(entry.title or ""):
            found["detail"] = "not a report title: the spider does not fetch it"
        elif entry.url in self.seen:
            found["detail"] = "listed before: the spider does not fetch it again"
        else:
            self.seen.add(entry.url)
            found["detail"] = self.detail(entry, portal)
        return found


def _text(body_html: str | None) -> dict[str, Any] | None:
    if body_html is None:
        return None
    text = html_to_text(body_html)
    return {"sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(), "chars": len(text),
            "head": text[:TEXT_HEAD], "tail": text[-TEXT_TAIL:] if len(text) > TEXT_HEAD else ""}


def _read(url: str, entry: ListingEntry, portal: Portal) -> tuple[int, DetailPage | None]:
    """Fetch a page as the spider would and read it through the one reading path (None when the
    server answered an error status: the spider never reads those)."""
    response = fetch(scrapy.Request(url))
    if response.status != 200:
        return response.status, None
    headers = {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()}
    return 200, read_page(response.url, response.body, headers, entry, portal.family, portal.encoding)


def read_portal(site: MockSite, portal_id: str, urls: _Site) -> dict[str, Any]:
    """One registry entry: the list requests the family made, and every entry it yielded in order,
    each report entry with its detail page."""
    portal = portal_from_site(site, portal_id)
    result = drive(portal)
    return {
        "id": portal.id,
        "family": portal.family,
        "list_requests": [urls.request(r, s) for r, s in zip(result.requests, result.statuses)],
        "entries": [urls.entry(e, portal) for e in result.entries],
    }


def _placeholder(value: Any, base: str) -> Any:
    """Whatever still names the mock server (in metadata, bodies, extra fields) → "{base}"."""
    if isinstance(value, str):
        return value.replace(base, PLACEHOLDER)
    if isinstance(value, list):
        return [_placeholder(v, base) for v in value]
    if isinstance(value, dict):
        return {_placeholder(k, base): _placeholder(v, base) for k, v in value.items()}
    return value


def read_site(root: Path) -> dict[str, Any]:
    """The whole golden record of one mock portal site."""
    site = MockSite(root).start()
    try:
        urls = _Site(site.base_url)
        portals = [read_portal(site, entry["id"], urls) for entry in site.portal_entries()]
        return _placeholder({"site": root.name, "portals": portals}, site.base_url)
    finally:
        site.stop()


def dumps(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def load(site_name: str) -> dict[str, Any] | None:
    path = golden_path(site_name)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def write(site_name: str, record: dict[str, Any]) -> Path:
    path = golden_path(site_name)
    path.write_text(dumps(record), encoding="utf-8")
    return path


def counts(record: dict[str, Any]) -> dict[str, int]:
    entries = [e for p in record["portals"] for e in p["entries"]]
    details = [e["detail"] for e in entries if isinstance(e["detail"], dict)]
    return {
        "portals": len(record["portals"]),
        "entries": len(entries),
        "report_pages": len(details),
        "pages_read": sum(1 for d in details if d["status"] == 200),
        "parts": sum(len(d.get("parts", [])) for d in details),
    }
