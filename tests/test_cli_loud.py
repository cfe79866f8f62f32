"""A CLI that fails loudly: exit codes, one `nianbao: ` line on stderr per error, a quiet console
with a summary at the end of a crawl, and `parse` telling reports from other pages.

Every command runs as a user runs it (a subprocess); the crawls go to a small mock portal on
127.0.0.1 with two reports, a dead link (404) and a broken page (500 after retries)."""
from __future__ import annotations

import fcntl
import json
import shlex
import subprocess
import sys

import pytest
import sqlite_utils

from crawler.mockportals import MockSite
from tests.crawl_helpers import REPO, write_registry
from tests.test_crawl_incremental import REPORTS, ROW, build_site, entry

NIANBAO = [sys.executable, "-m", "cli.main"]
FAST = ["--set", "DOWNLOAD_DELAY=0", "--set", "AUTOTHROTTLE_ENABLED=False", "--set", "RETRY_TIMES=1"]
REPORT_FILE = REPO / "tests" / "fixtures" / "legacy" / "wuxi_pipe_table_2016.txt"
SITE_HANDLER = '''
from crawler.mockportals import MockResponse


def handle(request):
    if request.path == "/nb/broken.html":
        return MockResponse(500, "<html><body>Internal Server Error</body></html>", {"Content-Type": "text/html"})
    return None
'''
NEWS_ARTICLE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>市科技局召开2023年科技创新工作会议_临沂市科学技术局</title></head>
<body><div class="article"><h1>市科技局召开2023年科技创新工作会议</h1>
<div class="info">发布时间：2023-03-15 来源：市科学技术局</div>
<div class="content"><p>3月14日，市科技局召开2023年全市科技创新工作会议，总结2022年工作，部署2023年重点任务。</p>
<p>会议指出，2022年全市新增高新技术企业120家，技术合同成交额达到45亿元，同比增长18%。</p>
<p>会议要求，各县区要进一步加强科技创新平台建设，推动科技成果转化。</p></div></div></body></html>
"""


def nianbao(*args: str, timeout: int = 240) -> subprocess.CompletedProcess:
    return subprocess.run([*NIANBAO, *args], cwd=REPO, capture_output=True, text=True, timeout=timeout)


def one_error_line(result: subprocess.CompletedProcess) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("nianbao: ") and "Traceback" not in result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    root = tmp_path_factory.mktemp("loud") / "portal"
    build_site(root, REPORTS)
    index = root / "site" / "nb" / "index.html"
    extra = [ROW.format(href="gone.html", title="临沂市科学技术局2019年政府信息公开工作年度报告", date="2020-01-20"),
             ROW.format(href="broken.html", title="临沂市科学技术局2018年政府信息公开工作年度报告", date="2019-01-20")]
    index.write_text(index.read_text(encoding="utf-8").replace("</ul>", "\n".join(extra) + "\n</ul>"), encoding="utf-8")
    (root / "site.py").write_text(SITE_HANDLER, encoding="utf-8")
    site = MockSite(root).start()
    registry = write_registry(root.parent / "portals.yml", [entry(site)])
    yield {"site": site, "registry": registry, "dir": root.parent}
    site.stop()


# --- crawl: the console ----------------------------------------------------------------------
def test_crawl_prints_progress_and_summary_not_scrapy_noise(portal, tmp_path):
    db = tmp_path / "reports.db"
    result = nianbao("crawl", "--registry", str(portal["registry"]), "--db", str(db), *FAST)
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "linyi-kjj: 1 list page, 2 reports, 2 errors" in out
    assert "crawl run 1 finished: 1 portals" in out
    assert "fetched: 1 list pages, 2 detail pages, 0 attachments" in out
    assert "reports: 2 new, 0 updated, 0 unchanged" in out
    assert "errors: 2 (http_404 1, http_500 1)" in out
    assert "portal_errors_last_run" in out and "from fetch_errors where run_id = 1" in out
    for noise in ("Telnet Password", "INFO:", "Overridden settings", "Gave up retrying", "ERROR", "Deprecat"):
        assert noise not in out and noise not in result.stderr, noise
    assert result.stderr == ""
    rows = sqlite_utils.Database(db).query("select kind from fetch_errors where run_id = 1 order by kind")
    assert [r["kind"] for r in rows] == ["http_404", "http_500"]  # recorded, just not shouted


def test_verbose_brings_scrapy_info_back_and_portals_is_an_alias(portal, tmp_path):
    result = nianbao("crawl", "--portals", str(portal["registry"]), "--db", str(tmp_path / "reports.db"), "-v", *FAST)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "INFO:" in result.stderr
    assert "Gave up retrying" in result.stderr  # verbose hides nothing
    assert "Telnet Password" not in result.stderr  # the telnet console stays off for CLI runs
    assert "crawl run 1 finished" in result.stdout


def test_crawl_that_does_not_finish_exits_1_with_its_summary(portal, tmp_path):
    result = nianbao("crawl", "--registry", str(portal["registry"]), "--db", str(tmp_path / "reports.db"), *FAST,
                     "--set", "CLOSESPIDER_ITEMCOUNT=1", "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=1")
    assert result.returncode == 1
    assert "crawl run 1 interrupted" in result.stdout
    assert one_error_line(result).startswith("nianbao: the crawl did not finish (closespider_itemcount)")


# --- crawl: refusals before Scrapy starts ----------------------------------------------------
def test_missing_registry_exits_2(tmp_path):
    db = tmp_path / "reports.db"
    result = nianbao("crawl", "--registry", str(tmp_path / "missing.yml"), "--db", str(db))
    assert result.returncode == 2
    assert one_error_line(result) == f"nianbao: cannot read the registry {tmp_path / 'missing.yml'}: No such file or directory"
    assert result.stdout == "" and not db.exists()
    old_name = nianbao("crawl", "--portals", str(tmp_path / "missing.yml"), "--db", str(db))
    assert old_name.returncode == 2 and "cannot read the registry" in one_error_line(old_name)


def test_unreadable_registry_exits_2(tmp_path):
    registry = tmp_path / "portals.yml"
    registry.mkdir()  # a directory where the file should be
    result = nianbao("crawl", "--registry", str(registry), "--db", str(tmp_path / "reports.db"))
    assert result.returncode == 2
    assert one_error_line(result).startswith(f"nianbao: cannot read the registry {registry}")


def test_registry_without_a_valid_portal_exits_2(tmp_path):
    registry = write_registry(tmp_path / "portals.yml", [{"id": "no-name", "family": "generic"}])
    result = nianbao("crawl", "--registry", str(registry), "--db", str(tmp_path / "reports.db"))
    assert result.returncode == 2
    line = one_error_line(result)
    assert line.startswith(f"nianbao: the registry {registry} holds no valid portal (")
    assert f"nianbao portals check --registry {registry}" in line
    empty = write_registry(tmp_path / "empty.yml", [])
    assert nianbao("crawl", "--registry", str(empty), "--db", str(tmp_path / "reports.db")).returncode == 2


def test_unknown_or_invalid_portal_id_exits_2(portal, tmp_path):
    invalid = dict(entry(portal["site"], "broken-entry"), family="no-such-family")
    registry = write_registry(tmp_path / "portals.yml", [entry(portal["site"]), invalid])
    db = tmp_path / "reports.db"
    result = nianbao("crawl", "--registry", str(registry), "--db", str(db), "--portal", "no-such-id")
    assert result.returncode == 2
    assert one_error_line(result) == f"nianbao: no portal no-such-id in the registry {registry}"
    assert not db.exists()
    result = nianbao("crawl", "--registry", str(registry), "--db", str(db), "--portal", "linyi-kjj",
                     "--portal", "broken-entry")
    assert result.returncode == 2
    assert "broken-entry (an invalid entry" in one_error_line(result)


def test_locked_database_exits_3(portal, tmp_path):
    db = tmp_path / "reports.db"
    with open(tmp_path / "reports.crawl.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = nianbao("crawl", "--registry", str(portal["registry"]), "--db", str(db))
    assert result.returncode == 3
    assert one_error_line(result).startswith(f"nianbao: another crawl is writing {db}")


def test_unusable_database_exits_4(portal, tmp_path):
    db = tmp_path / "reports.db"
    db.write_bytes(b"not a database " * 200)
    for command in (["crawl", "--registry", str(portal["registry"])], ["reparse", "--quiet"]):
        result = nianbao(*command, "--db", str(db))
        assert result.returncode == 4, result.stderr[-2000:]
        line = one_error_line(result)
        assert line.startswith("nianbao: cannot use the database") and str(db) in line


def test_bad_set_is_a_usage_error(portal, tmp_path):
    result = nianbao("crawl", "--registry", str(portal["registry"]), "--db", str(tmp_path / "r.db"), "--set", "NOVALUE")
    assert result.returncode == 2
    assert one_error_line(result) == "nianbao: --set expects NAME=VALUE, got 'NOVALUE'"


def test_help_shows_relative_defaults_and_one_registry_name():
    serve_help = nianbao("serve", "--help").stdout
    assert "default data/reports.db" in serve_help and str(REPO) not in serve_help
    crawl_help = nianbao("crawl", "--help").stdout
    assert "--registry FILE, --portals FILE" in crawl_help and str(REPO) not in crawl_help
    for action in ("check", "coverage"):
        assert "--registry FILE" in nianbao("portals", action, "--help").stdout
    missing = nianbao("portals", "check", "--registry", "/no/such/portals.yml")
    assert missing.returncode == 2
    assert one_error_line(missing) == "nianbao: cannot read the registry /no/such/portals.yml: No such file or directory"


def test_serve_without_a_database_exits_2(tmp_path):
    result = nianbao("serve", "--db", str(tmp_path / "none.db"), "--port", "0")
    assert result.returncode == 2
    assert one_error_line(result).startswith(f"nianbao: no archive database at {tmp_path / 'none.db'}")


# --- parse ---------------------------------------------------------------------------------
@pytest.fixture
def news(tmp_path):
    path = tmp_path / "news.html"
    path.write_text(NEWS_ARTICLE, encoding="utf-8")
    return path


def test_parse_of_a_news_article_is_not_a_report(news):
    result = nianbao("parse", str(news))
    assert result.returncode == 1
    parsed = json.loads(result.stdout)
    assert parsed["is_report"] is False
    assert one_error_line(result) == f"nianbao: not an annual report (is_report false): {news}"


def test_parse_of_a_report_and_a_news_article(news):
    result = nianbao("parse", str(REPORT_FILE), str(news))
    assert result.returncode == 0  # one file is a report
    report, article = (json.loads(line) for line in result.stdout.strip().splitlines())
    assert report["is_report"] is True and article["is_report"] is False
    assert one_error_line(result) == f"nianbao: not an annual report (is_report false): {news}"
    alone = nianbao("parse", str(REPORT_FILE))
    assert alone.returncode == 0 and alone.stderr == "" and json.loads(alone.stdout)["is_report"] is True


def test_parse_errors_go_to_stderr(tmp_path):
    missing = tmp_path / "missing.txt"
    result = nianbao("parse", str(missing))
    assert result.returncode == 1
    assert json.loads(result.stdout)["is_report"] is False
    assert one_error_line(result) == f"nianbao: cannot read 1 file: cannot read {missing}: No such file or directory"


def test_parse_into_head_exits_quietly():
    # Far more output than the pipe and stdout buffers hold, so the writes after `head` leaves fail.
    files = " ".join(shlex.quote(str(REPORT_FILE)) for _ in range(30))
    command = f"set -o pipefail; {shlex.join(NIANBAO)} parse {files} | head -1"
    result = subprocess.run(["bash", "-c", command], cwd=REPO, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("{") and result.stdout.count("\n") == 1
    assert result.stderr == ""  # no BrokenPipeError traceback, no "Exception ignored"
