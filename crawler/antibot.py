"""Anti-bot shells seen on government portals (PORTALS.md §7), handled politely.

- A cookie-and-reload shell whose cookie is a plain literal (C3VK-style `document.cookie = "C3VK=…"`,
  JSL-style pages answering 521 with a literal cookie): the cookie is set and the request asked once more.
- A redirect to the same URL that sets a cookie (openresty CT6T): asked once more with the cookie; without
  this the dupefilter would silently drop the repeat.
- A challenge that needs a browser (瑞数 RiverSecurity `$_ts` pages, obfuscated 加速乐 scripts): not
  retried; the request fails with BlockedByAntiBot, recorded as `blocked` in fetch_errors.
"""
from __future__ import annotations

import re
import zlib

from scrapy.exceptions import IgnoreRequest

from pipelines.archive import decode_content

MAX_TRIES = 2
SHELL_MAX_BYTES = 8192
SHELL_MAX_DECODED = 1024 * 1024  # what a compressed shell may inflate to before it is no shell
LITERAL_COOKIE = re.compile(r"""document\.cookie\s*=\s*["']([A-Za-z0-9_\-]+)=([^;"'+]*)""")
RELOAD = re.compile(r"location\.(?:reload|href|replace|assign)|window\.location\s*=")
CHALLENGES = {
    "瑞数 RiverSecurity": re.compile(r"\$_ts\s*=|FSSBBIl1UgzbN7N80|9DhefwqGPrzGxEp9hPaoag"),
    "加速乐 JSL": re.compile(r"__jsl_clearance|_\$\w+\(\)|jsl_clearance"),
}
REDIRECTS = {301, 302, 303, 307, 308}


class BlockedByAntiBot(IgnoreRequest):
    """The portal answered with a challenge that only a real browser could pass."""


class AntiBotMiddleware:
    """Sits between CookiesMiddleware (700) and RedirectMiddleware (600), so cookies a shell or a
    redirect sets are already in the jar when the request is asked again."""

    def process_response(self, request, response):
        tries = request.meta.get("nianbao_antibot_tries", 0)
        text = self._small_body_text(response)
        for name, pattern in CHALLENGES.items():
            if response.status in (202, 412, 512, 521) and pattern.search(text) and not LITERAL_COOKIE.search(text):
                raise BlockedByAntiBot(f"anti-bot challenge ({name}, HTTP {response.status}): needs a real browser")
        cookie = LITERAL_COOKIE.search(text) if text and RELOAD.search(text) else None
        if cookie is not None:
            if tries >= MAX_TRIES:
                raise BlockedByAntiBot(f"cookie shell kept answering after {tries} tries (HTTP {response.status})")
            cookies = dict(request.cookies) if isinstance(request.cookies, dict) else {}
            cookies[cookie.group(1)] = cookie.group(2)
            return request.replace(cookies=cookies, dont_filter=True,
                                   meta=dict(request.meta, nianbao_antibot_tries=tries + 1))
        if response.status in REDIRECTS and self._to_itself(request, response):
            if tries >= MAX_TRIES:
                raise BlockedByAntiBot(f"redirects to itself after {tries} tries (HTTP {response.status})")
            return request.replace(dont_filter=True, meta=dict(request.meta, nianbao_antibot_tries=tries + 1))
        return response

    @staticmethod
    def _small_body_text(response) -> str:
        """The body of a small response as text (shells are tiny); decompressed, since this runs
        before HttpCompressionMiddleware."""
        if len(response.body) > SHELL_MAX_BYTES:
            return ""
        encoding = (response.headers.get("Content-Encoding") or b"").decode("latin-1")
        try:
            # Bounded: a few KB of gzip may inflate to gigabytes; a shell that large is no shell.
            body = decode_content(response.body, encoding, max_size=SHELL_MAX_DECODED)
        except (OSError, ValueError, ImportError, zlib.error):  # a broken or inflating body is no shell
            return ""
        return body[:SHELL_MAX_BYTES].decode("utf-8", "replace")

    @staticmethod
    def _to_itself(request, response) -> bool:
        location = response.headers.get("Location")
        if not location or not response.headers.getlist("Set-Cookie"):
            return False
        return response.urljoin(location.decode("latin-1")) == request.url
