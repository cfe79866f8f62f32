"""Failures become the fetch_errors kinds the README lists, whichever Scrapy/Twisted class raised them."""
from __future__ import annotations

import pytest
import scrapy
from twisted.internet import defer, error
from twisted.python.failure import Failure

from crawler.antibot import BlockedByAntiBot
from pipelines.records import ListingEntry
from crawler.spiders.reports import ReportsSpider
from scrapy.exceptions import IgnoreRequest


def failure_for(exc: BaseException, stage: str = "detail") -> Failure:
    entry = ListingEntry(url="http://www.example.gov.cn/nb/1.html", title="某市2021年政府信息公开工作年度报告",
                         date="2022-01-20")
    request = scrapy.Request(entry.url, meta={"nianbao_portal": "p", "nianbao_stage": stage, "nianbao_entry": entry})
    try:
        raise exc
    except BaseException:
        failure = Failure()
    failure.request = request
    return failure


def scrapy_error(name: str, message: str) -> BaseException:
    import scrapy.exceptions

    return getattr(scrapy.exceptions, name)(message) if hasattr(scrapy.exceptions, name) else None


@pytest.mark.parametrize("exc,kind", [
    (error.DNSLookupError("no such host"), "dns"),
    (scrapy_error("CannotResolveHostError", "DNS lookup failed"), "dns"),
    (error.TimeoutError("took too long"), "timeout"),
    (scrapy_error("DownloadTimeoutError", "took too long"), "timeout"),
    (error.ConnectionRefusedError("refused"), "connection_refused"),
    (defer.CancelledError("expected response size larger than download max size"), "oversize"),
    (BlockedByAntiBot("anti-bot challenge (瑞数 RiverSecurity, HTTP 412)"), "blocked"),
    (IgnoreRequest("Forbidden by robots.txt"), "robots"),
    (ValueError("something odd"), "error"),
])
def test_failure_kinds(exc, kind):
    if exc is None:
        pytest.skip("this Scrapy has no such exception class")
    item = ReportsSpider()._classify(failure_for(exc))
    assert item.kind == kind
    assert item.stage == "detail" and item.list_title.startswith("某市2021年") and item.list_date == "2022-01-20"
