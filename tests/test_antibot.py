"""Anti-bot shells on a mock portal: solvable ones are passed politely, browser-only challenges are
recorded as `blocked` without endless retries, and the crawl goes on."""
from __future__ import annotations

import sqlite_utils

from crawler.mockportals import MockSite
from tests.crawl_helpers import path_of, run_crawl, write_registry
from tests.test_crawl_incremental import REPORTS, build_site, entry

HANDLER = '''
from crawler.mockportals import MockResponse

COOKIE_SHELL = ('<html><head><script>document.cookie = "C3VK=5f1a9c; path=/; max-age=300";'
                'location.reload();</script></head><body></body></html>')
RIVER = ('<html><head><meta id="9DhefwqGPrzGxEp9hPaoag"><script>$_ts=window["$_ts"];if(!$_ts)$_ts={};'
         '$_ts.nsd=39617;</script></head><body></body></html>')
STATS = {"shell": 0, "self_redirect": 0, "river": 0}


def handle(request):
    cookies = request.headers.get("cookie", "")
    if request.path == "/nb/index.html" and "C3VK=5f1a9c" not in cookies:
        STATS["shell"] += 1
        return MockResponse(200, COOKIE_SHELL, {"Content-Type": "text/html; charset=utf-8"})
    if request.path == "/nb/2021.html" and "CT6T=ok" not in cookies:
        STATS["self_redirect"] += 1
        return MockResponse(302, b"", {"Location": "/nb/2021.html", "Set-Cookie": "CT6T=ok; Path=/"})
    if request.path == "/nb/2019.html":
        STATS["river"] += 1
        return MockResponse(412, RIVER, {"Content-Type": "text/html; charset=utf-8",
                                         "Set-Cookie": "FSSBBIl1UgzbN7N80S=abc; Path=/"})
    return None
'''


def test_cookie_shell_and_self_redirect_passed_challenge_recorded(tmp_path):
    root = tmp_path / "guarded"
    build_site(root, REPORTS)
    index = root / "site" / "nb" / "index.html"
    index.write_text(index.read_text(encoding="utf-8").replace(
        "</ul>", '<li><a href="2019.html" title="临沂市科学技术局2019年政府信息公开工作年度报告">2019年报</a>'
                 "<span>2020-01-10</span></li></ul>"), encoding="utf-8")
    (root / "site.py").write_text(HANDLER, encoding="utf-8")
    site = MockSite(root).start()
    try:
        registry = write_registry(tmp_path / "portals.yml", [entry(site)])
        db_path = tmp_path / "reports.db"
        run_crawl(registry, db_path)
        requested = site.requested()
    finally:
        site.stop()
    db = sqlite_utils.Database(db_path)
    assert sorted(path_of(r["url"]) for r in db.query("select url from reports")) == ["/nb/2020.html", "/nb/2021.html"]
    errors = [(path_of(e["url"]), e["kind"], e["message"]) for e in db.query("select * from fetch_errors")]
    assert len(errors) == 1
    path, kind, message = errors[0]
    assert (path, kind) == ("/nb/2019.html", "blocked") and "RiverSecurity" in message
    assert requested.count("/nb/2019.html") == 1  # a challenge is not retried
    assert requested.count("/nb/index.html") == 2  # the shell, then the list with its cookie
    assert requested.count("/nb/2021.html") == 2  # the redirect to itself, then the page
