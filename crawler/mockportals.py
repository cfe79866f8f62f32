"""Mock portals: the fixture sites under tests/fixtures/<family>/ served over real HTTP on 127.0.0.1.

Used by the tests and by `nianbao demo`. Each fixture directory is one portal site:

  site/          static files, served byte for byte ("/" and "/dir/" serve index.html)
  site.yml       optional: headers per path glob ({"headers": {"/gbk/*": {"Content-Type": "text/html"}}}),
                 gzip: [globs] to send gzip even without Accept-Encoding
  site.py        optional: handle(request: MockRequest) -> MockResponse | None for dynamic routes
                 (POST data proxies, JSON APIs, errors, redirects); None falls back to static files
  portal.yml     registry entries for this site; "{base}" in any string becomes http://127.0.0.1:PORT
  expected.json  what a crawl of the site must archive (read by the tests)

Every site gets its own port, so each portal is its own host for Scrapy's per-domain politeness.
"""
from __future__ import annotations

import fnmatch
import gzip
import importlib.util
import mimetypes
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"


@dataclass
class MockRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    site: "MockSite"

    @property
    def form(self) -> dict[str, str]:
        parsed = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {k: v[-1] for k, v in parsed.items()}


@dataclass
class MockResponse:
    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


class MockSite:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.name = self.root.name
        self.static = self.root / "site"
        config_file = self.root / "site.yml"
        self.config = yaml.safe_load(config_file.read_text(encoding="utf-8")) if config_file.exists() else {}
        self.config = self.config or {}
        self.handler: Callable[[MockRequest], MockResponse | None] | None = None
        handler_file = self.root / "site.py"
        if handler_file.exists():
            spec = importlib.util.spec_from_file_location(f"mocksite_{self.name}", handler_file)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            self.handler = getattr(module, "handle", None)
        self.requests: list[tuple[str, str]] = []  # (method, path?query) in arrival order
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        assert self.server is not None, "site not started"
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self, port: int = 0) -> "MockSite":
        """Serve on 127.0.0.1:port (0: any free port)."""
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output quiet
                pass

            def do_GET(self):
                site._serve(self, "GET")

            def do_POST(self):
                site._serve(self, "POST")

            def do_HEAD(self):
                site._serve(self, "HEAD")

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                # Clients hanging up mid-response (a crawler cancelling an oversize download) are normal.
                pass

        self.server = Server(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name=f"mock-{self.name}", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def reset_log(self) -> None:
        with self.lock:
            self.requests.clear()

    def requested(self, method: str | None = None) -> list[str]:
        with self.lock:
            return [p for m, p in self.requests if method is None or m == method]

    # --- registry --------------------------------------------------------------------
    def portal_entries(self) -> list[dict]:
        portal_file = self.root / "portal.yml"
        if not portal_file.exists():
            return []
        text = portal_file.read_text(encoding="utf-8").replace("{base}", self.base_url)
        document = yaml.safe_load(text) or {}
        return document.get("portals", [])

    # --- serving ---------------------------------------------------------------------
    def _serve(self, http: BaseHTTPRequestHandler, method: str) -> None:
        split = urlsplit(http.path)
        length = int(http.headers.get("Content-Length") or 0)
        body = http.rfile.read(length) if length else b""
        with self.lock:
            self.requests.append((method, http.path))
        request = MockRequest(
            method=method,
            path=unquote(split.path),
            query={k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()},
            headers={k.lower(): v for k, v in http.headers.items()},
            body=body,
            site=self,
        )
        response = None
        if self.handler is not None:
            response = self.handler(request)
        if response is None:
            response = self._static(request)
        payload = response.encoded()
        headers = dict(response.headers)
        if any(fnmatch.fnmatch(request.path, glob) for glob in self.config.get("gzip", [])):
            payload = gzip.compress(payload)
            headers["Content-Encoding"] = "gzip"
        http.send_response(response.status)
        for name, value in headers.items():
            http.send_header(name, value)
        http.send_header("Content-Length", str(len(payload)))
        http.end_headers()
        if method != "HEAD":
            http.wfile.write(payload)

    def _static(self, request: MockRequest) -> MockResponse:
        relative = request.path.lstrip("/")
        target = (self.static / relative).resolve()
        if not str(target).startswith(str(self.static.resolve())):
            return MockResponse(403, b"forbidden")
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            return MockResponse(404, "<html><body><h1>404 Not Found</h1></body></html>",
                                {"Content-Type": "text/html; charset=utf-8"})
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if content_type == "text/html":
            content_type = "text/html; charset=utf-8"
        headers = {"Content-Type": content_type}
        for glob, extra in (self.config.get("headers") or {}).items():
            if fnmatch.fnmatch(request.path, glob):
                headers.update(extra)
        return MockResponse(200, target.read_bytes(), headers)


def fixture_sites(fixtures: Path = FIXTURES) -> list[Path]:
    """Every fixture directory that is a mock portal (has site/ and portal.yml)."""
    return sorted(p for p in fixtures.iterdir() if (p / "site").is_dir() and (p / "portal.yml").exists())


class MockPortals:
    """Start the given (default: all) mock portal sites; write a registry file pointing at them."""

    def __init__(self, names: list[str] | None = None, fixtures: Path = FIXTURES, first_port: int = 0):
        roots = fixture_sites(fixtures)
        if names is not None:
            roots = [r for r in roots if r.name in names]
        self.sites = {root.name: MockSite(root) for root in roots}
        self.first_port = first_port  # fixed ports keep report URLs (and so their ids) stable across runs

    def __enter__(self) -> "MockPortals":
        return self.start()

    def start(self) -> "MockPortals":
        for number, site in enumerate(self.sites.values()):
            try:
                site.start(self.first_port + number if self.first_port else 0)
            except OSError as exc:
                self.stop()
                raise OSError(f"cannot serve mock portal {site.name} on port {self.first_port + number}: {exc}") from exc
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        for site in self.sites.values():
            site.stop()

    def portal_entries(self) -> list[dict]:
        entries = []
        for site in self.sites.values():
            entries.extend(site.portal_entries())
        return entries

    def write_registry(self, path: Path) -> Path:
        path = Path(path)
        path.write_text(yaml.safe_dump({"portals": self.portal_entries()}, allow_unicode=True, sort_keys=False),
                        encoding="utf-8")
        return path
