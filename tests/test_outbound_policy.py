"""The outbound policy (crawler/outbound.py) on its own: the pure `judge`, the registry's hosts, the
resolver on fake resolution results and the middleware with a stubbed lookup. No test here sends a
request: private and public ranges are only ever strings handed to the policy."""
from __future__ import annotations

import asyncio

import pytest
import scrapy
from twisted.internet import base as twisted_base
from twisted.internet import defer
from twisted.internet.error import DNSLookupError
from twisted.python.failure import Failure

from crawler import settings as project_settings
from crawler.outbound import (OFFSITE_REDIRECT, REFUSED_ADDRESS, REFUSED_SCHEME, AddressRefused,
                              OutboundPolicyMiddleware, OutboundRefused, PublicAddressResolver, host_to_resolve,
                              judge, judge_redirect, non_public_reason)
from crawler.registry import validate_entry
from crawler.spiders.reports import ReportsSpider
from tests.test_error_kinds import failure_for

PORTAL_HOSTS = {"www.example.gov.cn", "127.0.0.1", "cdn.example.com"}
NON_PUBLIC = [
    "10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.254", "192.168.1.1", "127.0.0.1", "127.0.0.2",
    "169.254.169.254", "0.0.0.0", "224.0.0.251", "239.255.255.250", "240.0.0.1", "255.255.255.255",
    "100.64.0.1", "192.0.2.1", "198.18.0.1",
    "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1",
    "::ffff:10.0.0.1", "::ffff:127.0.0.1", "::ffff:169.254.169.254",  # IPv4-mapped
    "2002:c0a8:0101::1", "64:ff9b::a9fe:a9fe",  # 6to4 (192.168.1.1) and NAT64 (169.254.169.254)
]
PUBLIC = ["93.184.216.34", "172.15.255.255", "172.32.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"]


@pytest.mark.parametrize("url", ["file:///etc/passwd", "data:text/plain;base64,aGk=", "ftp://127.0.0.1/nb.pdf",
                                 "s3://bucket/key.pdf", "gopher://127.0.0.1:70/", "javascript:alert(1)", "/relative.pdf"])
def test_only_http_and_https(url):
    refusal = judge(url, [], PORTAL_HOSTS)
    assert refusal is not None and refusal.kind == REFUSED_SCHEME


@pytest.mark.parametrize("address", NON_PUBLIC)
def test_non_public_answer_refused(address):
    refusal = judge("http://files.example.com/nb.pdf", [address], PORTAL_HOSTS)
    assert refusal is not None and refusal.kind == REFUSED_ADDRESS and address in refusal.message


@pytest.mark.parametrize("address", NON_PUBLIC)
def test_non_public_ip_literal_refused_whatever_the_answers(address):
    host = f"[{address}]" if ":" in address else address
    refusal = judge(f"https://{host}:8443/nb.pdf", ["93.184.216.34"], {"www.example.gov.cn"})
    assert refusal is not None and refusal.kind == REFUSED_ADDRESS


@pytest.mark.parametrize("address", PUBLIC)
def test_public_answers_allowed(address):
    assert non_public_reason(address) is None
    assert judge("http://files.example.com/nb.pdf", [address], PORTAL_HOSTS) is None


def test_userinfo_does_not_hide_the_host():
    assert judge("http://www.example.gov.cn@10.0.0.1/nb.pdf", [], PORTAL_HOSTS).kind == REFUSED_ADDRESS
    assert judge("http://[fe80::1%25eth0]/nb.pdf", [], PORTAL_HOSTS).kind == REFUSED_ADDRESS  # zone id


def test_one_non_public_answer_among_public_ones_refuses():
    assert judge("http://mixed.example.com/", ["93.184.216.34", "10.1.2.3"], ()).kind == REFUSED_ADDRESS


def test_reasons_name_the_range():
    assert non_public_reason("169.254.169.254") == "link-local"
    assert non_public_reason("127.0.0.2") == "loopback"
    assert non_public_reason("::ffff:10.0.0.1") == "private, as 10.0.0.1 inside IPv6"


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/nb/1.html", "http://WWW.Example.gov.cn./nb/",
                                 "https://img.cdn.example.com/a.pdf"])
def test_portal_hosts_exempt_whatever_they_resolve_to(url):
    assert judge(url, ["10.0.0.5"], PORTAL_HOSTS) is None
    assert host_to_resolve(url, PORTAL_HOSTS) is None  # nothing to look up


def test_subdomains_of_an_ip_are_not_own_hosts():
    assert judge("http://x.127.0.0.1/", ["127.0.0.1"], {"127.0.0.1"}).kind == REFUSED_ADDRESS


def test_what_needs_a_lookup():
    assert host_to_resolve("http://intranet.example.net/a.pdf", PORTAL_HOSTS) == "intranet.example.net"
    assert host_to_resolve("http://10.0.0.1/a.pdf", PORTAL_HOSTS) is None  # an IP literal is its own answer
    assert host_to_resolve("file:///etc/passwd", PORTAL_HOSTS) is None


def test_report_page_redirected_off_the_portal():
    assert judge_redirect("http://www.example.gov.cn/moved/1.html", PORTAL_HOSTS) is None
    refusal = judge_redirect("http://elsewhere.example.org/1.html", PORTAL_HOSTS)
    assert refusal.kind == OFFSITE_REDIRECT and "elsewhere.example.org" in refusal.message


# --- the registry -----------------------------------------------------------------------------
def registry_entry(**extra) -> dict:
    return {"id": "p", "name": "某市 年报", "family": "trs", "start_urls": ["http://www.example.gov.cn:8080/nb/"], **extra}


def test_portal_hosts_from_start_urls_allowed_domains_and_extra_hosts():
    portal, problems = validate_entry(registry_entry(allowed_domains=["Example.gov.cn"],
                                                     extra_hosts=["cdn.example.com", "10.8.0.2"]), {"trs"})
    assert problems == []
    assert portal.hosts == {"www.example.gov.cn", "example.gov.cn", "cdn.example.com", "10.8.0.2"}


@pytest.mark.parametrize("extra_hosts", ["cdn.example.com", ["http://cdn.example.com"], ["cdn.example.com:8080"],
                                         ["cdn.example.com/files"], [""], [42]])
def test_extra_hosts_must_be_a_list_of_bare_hosts(extra_hosts):
    portal, problems = validate_entry(registry_entry(extra_hosts=extra_hosts), {"trs"})
    assert portal is None and [field for field, _ in problems] == ["extra_hosts"]


# --- the resolver, on fake resolution results ------------------------------------------------------
@pytest.fixture
def resolver(monkeypatch):
    """PublicAddressResolver whose underlying lookup answers from ANSWERS (no DNS, no reactor)."""
    answers = {"rebind.example.com": "10.0.0.7", "public.example.com": "93.184.216.34",
               "portal.example.com": "192.168.10.10", "127.0.0.2": "127.0.0.2"}
    monkeypatch.setattr(twisted_base.ThreadedResolver, "getHostByName",
                        lambda self, name, timeout=(): defer.succeed(answers[name]))
    public = PublicAddressResolver(reactor=None, cache_size=0, timeout=5)
    public.exempt({"portal.example.com"})
    return public


def resolved(deferred) -> str | Failure:
    results = []
    deferred.addBoth(results.append)
    return results[0]


def test_resolver_refuses_a_non_public_answer_at_connection_time(resolver):
    result = resolved(resolver.getHostByName("rebind.example.com"))
    assert isinstance(result, Failure) and result.check(AddressRefused) and result.check(DNSLookupError)
    assert "10.0.0.7" in resolver.refusals["rebind.example.com"]


def test_resolver_refuses_ip_literals_too(resolver):
    # Twisted's HostnameEndpoint hands IP-literal hosts to the resolver as names.
    assert isinstance(resolved(resolver.getHostByName("127.0.0.2")), Failure)


def test_resolver_passes_public_answers_and_registered_hosts(resolver):
    assert resolved(resolver.getHostByName("public.example.com")) == "93.184.216.34"
    assert resolved(resolver.getHostByName("portal.example.com")) == "192.168.10.10"


# --- the middleware ----------------------------------------------------------------------------------
class FakeSpider:
    def __init__(self):
        portal, _ = validate_entry(registry_entry(), {"trs"})
        other, _ = validate_entry(registry_entry(id="q", start_urls=["http://intranet.example.net/nb/"]), {"trs"})
        self.portals = {"p": portal, "q": other}


class FakeCrawler:
    spider = FakeSpider()


@pytest.fixture
def middleware(monkeypatch):
    answers = {"intranet.example.net": ["10.20.30.40"], "files.example.com": ["93.184.216.34"]}
    mw = OutboundPolicyMiddleware(FakeCrawler())

    async def stub_addresses(host):
        return answers.get(host, [])

    monkeypatch.setattr(mw, "_addresses", stub_addresses)
    return mw


def outcome(mw, url, **meta):
    try:
        asyncio.run(mw.process_request(scrapy.Request(url, meta=meta)))
    except OutboundRefused as refused:
        return refused.kind
    return "sent"


def test_middleware_applies_the_requests_own_portal(middleware):
    assert outcome(middleware, "http://intranet.example.net/nb/1.html", nianbao_portal="q") == "sent"
    assert outcome(middleware, "http://intranet.example.net/a.pdf", nianbao_portal="p") == REFUSED_ADDRESS
    assert outcome(middleware, "http://files.example.com/a.pdf", nianbao_portal="p") == "sent"
    assert outcome(middleware, "file:///etc/passwd", nianbao_portal="p") == REFUSED_SCHEME


def test_middleware_requests_of_no_portal_get_every_portals_hosts(middleware):
    assert outcome(middleware, "http://intranet.example.net/robots.txt") == "sent"
    assert outcome(middleware, "http://10.0.0.1/robots.txt") == REFUSED_ADDRESS


def test_middleware_redirect_hops(middleware):
    hop = {"nianbao_portal": "p", "redirect_urls": ["http://www.example.gov.cn:8080/nb/1.html"]}
    assert outcome(middleware, "http://files.example.com/1.html", nianbao_stage="detail", **hop) == OFFSITE_REDIRECT
    assert outcome(middleware, "http://www.example.gov.cn/nb/1.html", nianbao_stage="detail", **hop) == "sent"
    assert outcome(middleware, "http://files.example.com/a.pdf", nianbao_stage="attachment", **hop) == "sent"
    assert outcome(middleware, "http://192.168.0.1/a.pdf", nianbao_stage="attachment", **hop) == REFUSED_ADDRESS


def test_middleware_names_a_resolver_refusal(resolver):
    mw = OutboundPolicyMiddleware(FakeCrawler(), resolver)
    resolved(resolver.getHostByName("rebind.example.com"))
    request = scrapy.Request("http://rebind.example.com/a.pdf")
    with pytest.raises(OutboundRefused) as refused:
        mw.process_exception(request, DNSLookupError("no results for hostname lookup: rebind.example.com"))
    assert refused.value.kind == REFUSED_ADDRESS and "10.0.0.7" in refused.value.message
    assert mw.process_exception(scrapy.Request("http://other.example.com/"), DNSLookupError("nxdomain")) is None


# --- wiring -------------------------------------------------------------------------------------------
def test_settings_wire_the_policy():
    assert project_settings.DOWNLOAD_HANDLERS == {"file": None, "data": None, "ftp": None, "s3": None}
    assert project_settings.TWISTED_DNS_RESOLVER == "crawler.outbound.PublicAddressResolver"
    assert project_settings.DOWNLOADER_MIDDLEWARES["crawler.outbound.OutboundPolicyMiddleware"] < 100  # before robots.txt


@pytest.mark.parametrize("kind", [REFUSED_SCHEME, REFUSED_ADDRESS, OFFSITE_REDIRECT])
def test_spider_records_each_refusal_kind(kind):
    item = ReportsSpider()._classify(failure_for(OutboundRefused(kind, "why")))
    assert (item.kind, item.message, item.stage) == (kind, "why", "detail")
