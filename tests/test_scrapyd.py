"""The README's scheduled crawl through scrapyd, for real: a scrapyd on 127.0.0.1 (a free port, its
own directories), the project deployed with `scrapyd-deploy` (addversion.json) from a copy of the
source tree, the `reports` spider scheduled over a mock portal (schedule.json), polled until it
finishes (listjobs.json), and the reports it found in the database."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from crawler.mockportals import FIXTURES, MockSite
from tests.crawl_helpers import FAST_SETTINGS, REPO, expected_for, path_of, write_registry

BIN = Path(sys.executable).parent
SCRAPYD = BIN / "scrapyd"
SCRAPYD_DEPLOY = BIN / "scrapyd-deploy"
SITE = FIXTURES / "attachments"  # reports with PDF/Word attachments: the extraction worker runs from the egg too
JOB_DEADLINE = 90.0

pytestmark = pytest.mark.skipif(not (SCRAPYD.exists() and SCRAPYD_DEPLOY.exists()),
                                reason="scrapyd / scrapyd-client not installed (pip install -e '.[test]')")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(base: str, endpoint: str, data: list[tuple[str, str]] | None = None) -> dict:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(f"{base}/{endpoint}", data=body, timeout=10) as response:
        return json.loads(response.read())


def copy_source(dest: Path, url: str) -> Path:
    """The deployable tree as a fresh checkout has it (scrapyd-deploy writes setup.py and build/
    into the project directory, so it must not run in the working copy)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in ("crawler", "pipelines", "cli", "datasette_plugin"):
        shutil.copytree(REPO / package, dest / package, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, dest / name)
    config = (REPO / "scrapy.cfg").read_text(encoding="utf-8")
    assert "url = http://127.0.0.1:6800/" in config and "project = nianbao" in config
    (dest / "scrapy.cfg").write_text(config.replace("http://127.0.0.1:6800/", url), encoding="utf-8")
    # A marker only the deployed copy has: the job log then shows the crawl ran the egg's code, not
    # the working copy the venv's editable install points at.
    settings = dest / "crawler" / "settings.py"
    text = settings.read_text(encoding="utf-8")
    assert 'BOT_NAME = "nianbao"' in text
    settings.write_text(text.replace('BOT_NAME = "nianbao"', 'BOT_NAME = "nianbao-egg"'), encoding="utf-8")
    return dest


@pytest.fixture
def scrapyd(tmp_path):
    home = tmp_path / "scrapyd"
    home.mkdir()
    port = free_port()
    (home / "scrapyd.conf").write_text(f"""[scrapyd]
bind_address = 127.0.0.1
http_port = {port}
eggs_dir = {home / 'eggs'}
dbs_dir = {home / 'dbs'}
logs_dir = {home / 'logs'}
items_dir =
jobs_dir = {home / 'jobs'}
poll_interval = 0.2
max_proc = 1
""", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY")}
    env["HOME"] = str(home)  # no ~/.scrapyd.conf of the machine's user
    log = open(home / "scrapyd.out", "wb")
    process = subprocess.Popen([str(SCRAPYD)], cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                assert api(base, "daemonstatus.json")["status"] == "ok"
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"scrapyd did not start:\n{(home / 'scrapyd.out').read_text(errors='replace')}")
                time.sleep(0.2)
        yield {"base": base, "home": home, "env": env}
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def test_deploy_schedule_and_crawl_through_scrapyd(scrapyd, tmp_path):
    base = scrapyd["base"]
    source = copy_source(tmp_path / "src", base + "/")
    deploy = subprocess.run([str(SCRAPYD_DEPLOY), "--version", "r1"], cwd=source, env=scrapyd["env"],
                            capture_output=True, text=True, timeout=120)
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    answer = json.loads(deploy.stdout.strip().splitlines()[-1])
    assert answer["status"] == "ok" and answer["project"] == "nianbao", answer
    assert answer["spiders"] >= 1
    assert api(base, "listversions.json?project=nianbao")["versions"] == ["r1"]
    assert "reports" in api(base, "listspiders.json?project=nianbao")["spiders"]

    site = MockSite(SITE).start()
    try:
        registry = write_registry(tmp_path / "portals.yml", site.portal_entries())
        db_path = tmp_path / "db" / "reports.db"
        form = [("project", "nianbao"), ("spider", "reports"), ("portals", str(registry)),
                ("setting", f"NIANBAO_DB={db_path}")]
        form += [("setting", s) for s in FAST_SETTINGS if not s.startswith("LOG_LEVEL=")]  # INFO: the stats in the job log
        scheduled = api(base, "schedule.json", form)
        assert scheduled["status"] == "ok", scheduled
        job = scheduled["jobid"]

        deadline = time.monotonic() + JOB_DEADLINE
        while True:
            jobs = api(base, "listjobs.json?project=nianbao")
            if any(j["id"] == job for j in jobs["finished"]):
                break
            if time.monotonic() > deadline:
                pytest.fail(f"job {job} not finished after {JOB_DEADLINE:.0f}s: {jobs}\n{job_log(scrapyd, job)}")
            time.sleep(0.3)
    finally:
        site.stop()

    log = job_log(scrapyd, job)
    assert "Traceback" not in log, log[-4000:]
    assert "'finish_reason': 'finished'" in log, log[-4000:]
    assert "(bot: nianbao-egg)" in log, log[:2000]
    expected = expected_for(SITE)["reports"]
    db = sqlite3.connect(db_path)
    try:
        urls = [row[0] for row in db.execute("select url from reports")]
        runs = db.execute("select status from crawl_runs").fetchall()
        attachments = dict(db.execute("select filename, text from attachments"))
    finally:
        db.close()
    assert len(urls) == len(expected)
    assert sorted(path_of(u) for u in urls) == sorted(expected)
    assert runs == [("finished",)]
    assert sorted(attachments) == sorted(a for r in expected.values() for a in r.get("attachments", []))
    pdf = next(name for name in attachments if name.endswith(".pdf"))
    assert attachments[pdf] and "政府信息公开" in attachments[pdf]  # extracted by the worker, started from the egg
    assert (db_path.parent / "archive").is_dir()


def job_log(scrapyd, job: str) -> str:
    logs = list((scrapyd["home"] / "logs").rglob(f"{job}.log"))
    return logs[0].read_text(encoding="utf-8", errors="replace") if logs else "(no job log)"
