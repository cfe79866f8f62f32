"""Drive one family adapter by hand against a running mock site, the way the spider would:
follow every request it yields (same method, body and headers) over real HTTP with urllib, feed
each response back to the step the request names, and collect the listing entries."""
from __future__ import annotations

import gzip

import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urldefrag

import scrapy
from scrapy.http import HtmlResponse, TextResponse
from scrapy.responsetypes import responsetypes

from pipelines.encoding import detect_encoding
from crawler.families import get_family
from pipelines.read import read_page
from pipelines.records import ListingEntry
from crawler.mockportals import MockSite
from crawler.registry import Portal, validate_entry


@dataclass
class DriveResult:
    entries: list[ListingEntry] = field(default_factory=list)
    requests: list[scrapy.Request] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)


def portal_from_site(site: MockSite, portal_id: str, **overrides) -> Portal:
    raw = next(e for e in site.portal_entries() if e["id"] == portal_id)
    raw = {**raw, **overrides}
    portal, problems = validate_entry(raw, {raw["family"]})
    assert portal is not None, problems
    return portal


def fetch(request: scrapy.Request, headers: dict[str, str] | None = None) -> TextResponse:
    """Send a Scrapy request with urllib (fragment dropped, as a browser would) → a decoded response."""
    if headers is None:
        headers = {k.decode("latin-1"): b", ".join(v).decode("utf-8") for k, v in request.headers.items()}
    outgoing = urllib.request.Request(urldefrag(request.url)[0], data=request.body or None,
                                      method=request.method, headers=headers)
    try:
        with urllib.request.urlopen(outgoing, timeout=10) as answer:
            status, response_headers, body = answer.status, dict(answer.headers.items()), answer.read()
    except urllib.error.HTTPError as error:
        status, response_headers, body = error.code, dict(error.headers.items()), error.read()
    if response_headers.get("Content-Encoding", "").lower() == "gzip":  # servers that gzip unasked
        body = gzip.decompress(body)
    content_type = response_headers.get("Content-Type", "")
    cls = responsetypes.from_args(headers={"Content-Type": content_type}, url=request.url, body=body)
    if not issubclass(cls, TextResponse):
        cls = HtmlResponse
    return cls(url=request.url, status=status, headers=response_headers, body=body, request=request,
               encoding=detect_encoding(body, content_type))


def drive(portal: Portal, max_requests: int = 50) -> DriveResult:
    family = get_family(portal.family)
    result = DriveResult()
    queue = list(family.start(portal))
    while queue:
        assert len(result.requests) < max_requests, "the family kept asking for list pages"
        request = queue.pop(0)
        result.requests.append(request)
        response = fetch(request)
        result.statuses.append(response.status)
        step = request.meta.get("nianbao_step", "parse_list")
        for output in getattr(family, step)(response, portal):
            if isinstance(output, scrapy.Request):
                queue.append(output)
            else:
                assert isinstance(output, ListingEntry), output
                result.entries.append(output)
    return result


def fetch_detail(entry: ListingEntry, portal: Portal) -> dict:
    """The detail page read through the one reading path, as a plain dict."""
    response = fetch(scrapy.Request(entry.url))
    assert response.status == 200, (entry.url, response.status)
    headers = {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()}
    page = read_page(response.url, response.body, headers, entry, portal.family, portal.encoding)
    return {"title": page.title, "page_meta": page.page_meta, "body_html": page.body_html,
            "attachments": page.attachments, "soft_404": page.soft_404, "continuations": page.continuations}
