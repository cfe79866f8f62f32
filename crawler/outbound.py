"""Outbound policy: a hostile portal cannot make the crawler read its disk or reach private networks.

Every request (list pages, detail pages, continuations, attachments, redirect hops, robots.txt)
goes through OutboundPolicyMiddleware, which applies `judge`:

- only http and https are fetched (`refused_scheme`);
- a host that is not one of the portal's own registered hosts must resolve to public addresses
  only: loopback, private, link-local, multicast, unspecified, reserved and other non-global
  addresses are refused (`refused_address`), IPv4 inside IPv6 (mapped, 6to4, NAT64) included;
- a detail page (or a part of one) redirected to a host outside the portal is not the portal's
  report (`offsite_redirect`).

The registered hosts (start_urls hosts, allowed_domains, extra_hosts) are exempt: that is how a
portal on an intranet address, and the mock portals on 127.0.0.1, are crawled at all.

The same address check runs again when the connection is made, in PublicAddressResolver (Scrapy's
TWISTED_DNS_RESOLVER), so a name that answers a public address to the middleware and a private one
to the connection (DNS rebinding) is still refused. Scrapy's HTTP/1.1 handler connects through
Twisted's HostnameEndpoint, which hands every host to the installed resolver, IP literals
(IPv4 and IPv6) included, so nothing skips that check.
"""
from __future__ import annotations

import ipaddress
import logging
import socket
from dataclasses import dataclass
from functools import cached_property
from typing import Iterable
from urllib.parse import urljoin, urlsplit

from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import threads
from twisted.internet.error import DNSLookupError

try:  # Scrapy ≥ 2.14 wraps Twisted's DNS errors in its own class
    from scrapy.exceptions import CannotResolveHostError
except ImportError:  # pragma: no cover
    CannotResolveHostError = DNSLookupError

logger = logging.getLogger(__name__)

ALLOWED_SCHEMES = frozenset({"http", "https"})
REFUSED_SCHEME = "refused_scheme"
REFUSED_ADDRESS = "refused_address"
OFFSITE_REDIRECT = "offsite_redirect"
# Refusals are final for the URL: asking again next crawl would be refused again.
REFUSAL_KINDS = frozenset({REFUSED_SCHEME, REFUSED_ADDRESS, OFFSITE_REDIRECT})
REPORT_PAGE_STAGES = frozenset({"detail", "detail_part"})  # pages stored as the portal's report
NAT64 = ipaddress.ip_network("64:ff9b::/96")
# "private" last: Python counts link-local, reserved and more as private too; the narrower name says more.
NON_PUBLIC_FLAGS = ("loopback", "link_local", "multicast", "unspecified", "reserved", "private")


class OutboundRefused(IgnoreRequest):
    """A request the outbound policy does not send; `kind` names the fetch_errors kind."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class Refusal:
    kind: str
    message: str

    def error(self) -> OutboundRefused:
        return OutboundRefused(self.kind, self.message)


# --- the pure policy -------------------------------------------------------------------------
def url_host(url: str) -> str:
    """The URL's host, lower-case, without port, brackets or a trailing dot ("" when it has none)."""
    try:
        return (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:  # a malformed netloc ("http://[::1")
        return ""


def ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])  # an IPv6 zone ("fe80::1%eth0") is no part of the address
    except ValueError:
        return None


def is_own_host(host: str, own_hosts: Iterable[str]) -> bool:
    """The host is a registered name, or a subdomain of a registered domain name (not of an IP)."""
    host = host.lower().rstrip(".")
    return any(host == name or (ip_literal(name) is None and host.endswith("." + name)) for name in own_hosts)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def non_public_reason(address: str) -> str | None:
    """Why an address is not a public one to connect to (None when it is)."""
    ip = ip_literal(address)
    if ip is None:
        return f"not an IP address: {address!r}"
    if isinstance(ip, ipaddress.IPv6Address) and (inner := _embedded_ipv4(ip)) is not None:
        reason = non_public_reason(str(inner))
        return f"{reason}, as {inner} inside IPv6" if reason else None
    for flag in NON_PUBLIC_FLAGS:
        if getattr(ip, f"is_{flag}"):
            return flag.replace("_", "-")
    return None if ip.is_global else "not globally routable"


def host_to_resolve(url: str, own_hosts: Iterable[str]) -> str | None:
    """The name whose addresses `judge` needs for this URL; None when the URL is decided without them."""
    host = url_host(url)
    if urlsplit(url).scheme.lower() not in ALLOWED_SCHEMES or not host or ip_literal(host) is not None:
        return None
    return None if is_own_host(host, own_hosts) else host


def judge(url: str, addresses: Iterable[str], own_hosts: Iterable[str]) -> Refusal | None:
    """Whether a request to `url` may be sent: None, or the refusal.

    `addresses` are what the URL's host resolves to (ignored for an IP-literal host, whose
    address is the host itself); `own_hosts` are the portal's registered hosts, which are exempt
    from the address check."""
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        return Refusal(REFUSED_SCHEME, f"{scheme or 'no'} scheme: only http and https are fetched")
    host = url_host(url)
    if not host:
        return Refusal(REFUSED_ADDRESS, "the URL names no host")
    if is_own_host(host, own_hosts):
        return None
    literal = ip_literal(host)
    for address in [str(literal)] if literal is not None else addresses:
        reason = non_public_reason(address)
        if reason:
            where = host if literal is not None else f"{host} resolves to {address}"
            return Refusal(REFUSED_ADDRESS, f"{where} ({reason}): not a public address, and not one of the portal's hosts")
    return None


def judge_redirect(url: str, own_hosts: Iterable[str]) -> Refusal | None:
    """A report page redirected away from the portal: whatever is there is not the portal's report."""
    host = url_host(url)
    if is_own_host(host, own_hosts):
        return None
    return Refusal(OFFSITE_REDIRECT, f"report page redirected to {host or url}, which is not one of the portal's hosts")


def lookup_addresses(host: str) -> list[str]:
    """Every address (IPv4 and IPv6) the system resolves a name to; [] when it does not resolve.
    Blocking: call it in a thread."""
    try:
        answers = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    return sorted({answer[4][0] for answer in answers})


# --- at connection time ------------------------------------------------------------------------
class AddressRefused(DNSLookupError):
    """The resolver's answer is not a public address. A DNSLookupError, so Twisted's endpoint
    treats it as a name without usable addresses and never connects."""


class PublicAddressResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, refusing non-public answers unless the name is a registered host.

    Every answer is checked, cached ones too. The exempt hosts are the union over the crawl's
    portals (OutboundPolicyMiddleware registers them when the spider opens); the per-portal check
    is the middleware's. Refusals are remembered by name so the failed request is recorded as
    refused_address rather than as a DNS failure."""

    def __init__(self, reactor, cache_size: int, timeout: float):
        super().__init__(reactor, cache_size, timeout)
        self.exempt_hosts: set[str] = set()
        self.refusals: dict[str, str] = {}

    def exempt(self, hosts: Iterable[str]) -> None:
        self.exempt_hosts.update(hosts)

    def getHostByName(self, name: str, timeout=()):
        return super().getHostByName(name, timeout).addCallback(self._checked, name)

    def _checked(self, address: str, name: str) -> str:
        reason = None if is_own_host(name, self.exempt_hosts) else non_public_reason(address)
        if reason is None:
            self.refusals.pop(name.lower(), None)
            return address
        message = f"{name} resolved to {address} ({reason}) when connecting: not a public address"
        self.refusals[name.lower()] = message
        raise AddressRefused(message)

    def all_addresses(self, host: str) -> list[str]:
        """What the middleware checks before the request is sent (blocking; run in a thread)."""
        return lookup_addresses(host)


def installed_resolver() -> PublicAddressResolver | None:
    from twisted.internet import reactor

    resolver = getattr(reactor, "resolver", None)
    return resolver if isinstance(resolver, PublicAddressResolver) else None


# --- the middleware ------------------------------------------------------------------------------
class OutboundPolicyMiddleware:
    """Applies `judge` to every request before it is sent, redirect hops included (a redirect is a
    new request through every process_request). Placed before RobotsTxtMiddleware (100), so no
    robots.txt is asked of a host the policy refuses."""

    def __init__(self, crawler, resolver: PublicAddressResolver | None = None):
        self.crawler = crawler
        self.resolver = resolver  # found when the spider opens: CrawlerProcess installs it after building this
        self.addresses: dict[str, list[str]] = {}  # per crawl: the resolver re-checks at connection time

    @classmethod
    def from_crawler(cls, crawler):
        middleware = cls(crawler)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware

    def spider_opened(self, spider):
        self.resolver = self.resolver or installed_resolver()
        if self.resolver is None:
            logger.warning("TWISTED_DNS_RESOLVER is not crawler.outbound.PublicAddressResolver: "
                           "addresses are checked before requests are sent, not again when connecting")
            return
        self.resolver.exempt(self.all_portal_hosts)

    @cached_property
    def all_portal_hosts(self) -> frozenset[str]:
        portals = getattr(self.crawler.spider, "portals", {})
        return frozenset().union(*(portal.hosts for portal in portals.values()))

    def _own_hosts(self, request) -> frozenset[str]:
        portal = getattr(self.crawler.spider, "portals", {}).get(request.meta.get("nianbao_portal"))
        # A request of no portal (robots.txt) follows one that passed its portal's check.
        return portal.hosts if portal is not None else self.all_portal_hosts

    async def process_request(self, request):
        own_hosts = self._own_hosts(request)
        refusal = None
        if request.meta.get("redirect_urls") and request.meta.get("nianbao_stage") in REPORT_PAGE_STAGES:
            refusal = judge_redirect(request.url, own_hosts)
        if refusal is None:
            host = host_to_resolve(request.url, own_hosts)
            addresses = await self._addresses(host) if host else []
            refusal = judge(request.url, addresses, own_hosts)
        if refusal is not None:
            raise refusal.error()

    async def _addresses(self, host: str) -> list[str]:
        if host not in self.addresses:
            lookup = self.resolver.all_addresses if self.resolver is not None else lookup_addresses
            self.addresses[host] = await maybe_deferred_to_future(threads.deferToThread(lookup, host))
        return self.addresses[host]

    def process_response(self, request, response):
        """Scrapy does not follow a redirect to file:, data:, ftp: … and hands the 3xx on as an HTTP
        error; it is the same refusal as a link to such a URL, and as final."""
        location = response.headers.get("Location") if 300 <= response.status < 400 else None
        if location:
            target = urljoin(request.url, location.decode("latin-1").strip())
            refusal = judge(target, [], frozenset())
            if refusal is not None and refusal.kind == REFUSED_SCHEME:
                raise OutboundRefused(REFUSED_SCHEME, f"redirect to {target[:200]}: {refusal.message}")
        return response

    def process_exception(self, request, exception):
        """A connection the resolver refused fails as a DNS error: record it as the refusal it is."""
        if self.resolver is None or not isinstance(exception, (DNSLookupError, CannotResolveHostError)):
            return None
        message = self.resolver.refusals.get(url_host(request.url))
        if message:
            raise OutboundRefused(REFUSED_ADDRESS, message)
        return None
