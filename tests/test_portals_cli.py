"""`nianbao portals add | check | coverage`, and the live check against a loopback server."""
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from crawler import portal_check
from cli.main import main
from crawler.registry import DEFAULT_REGISTRY, load_portals


def run_cli(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def add(capsys, url, *extra):
    code, out, _ = run_cli(capsys, "portals", "add", url, *extra)
    assert code == 0
    (entry,) = yaml.safe_load(out)
    return entry


@pytest.mark.parametrize(
    "report,family,column",
    [
        (  # TRS: the column is the folder above ./YYYYMM/tYYYYMMDD_N.html
            "http://www.cqkz.gov.cn/kz/fzhggwyh_80546/zwgk_72016/zfxxgknb_72026/202601/t20260127_15357166.html",
            "trs",
            "http://www.cqkz.gov.cn/kz/fzhggwyh_80546/zwgk_72016/zfxxgknb_72026/",
        ),
        (  # TRS under a per-year sub-column: the column is the year's parent
            "https://www.bjmy.gov.cn/zwgk/zfxxgk/zfxxgknb/gknb2017/201802/t20180223_195744.html",
            "trs",
            "https://www.bjmy.gov.cn/zwgk/zfxxgk/zfxxgknb/",
        ),
        (  # Hanweb jpage article → /col/colC/index.html
            "http://www.hzsc.gov.cn/art/2019/1/10/art_1229232084_3833653.html",
            "hanweb",
            "http://www.hzsc.gov.cn/col/col1229232084/index.html",
        ),
        (  # Hanweb article kept under its column folder, per-year tree
            "https://ghx.gov.cn/ghx/zfxxgk/zfxxgknb/2024/xzf/art/2025/art_36b7055ecdc04285ac295103f8b4e82a.html",
            "hanweb",
            "https://ghx.gov.cn/ghx/zfxxgk/zfxxgknb/",
        ),
        (  # gkmlpt post → the platform's index
            "http://www.gd.gov.cn/gkmlpt/content/4/4688/post_4688997.html",
            "gkmlpt",
            "http://www.gd.gov.cn/gkmlpt/index",
        ),
        (  # Guangdong content/post outside gkmlpt → generic, the folder above content/
            "https://www.lg.gov.cn/xxgk/xxgknb/qzfgzbm/content/post_11956962.html",
            "generic",
            "https://www.lg.gov.cn/xxgk/xxgknb/qzfgzbm/",
        ),
        (  # Heilongjiang county CMS: YYYYMM/c01_<id>.shtml → generic
            "http://hrbdl.gov.cn/hebdlq/c111239/202301/c01_868731.shtml",
            "generic",
            "http://hrbdl.gov.cn/hebdlq/c111239/",
        ),
        (  # Hebei: columns/<uuid>/YYYYMM/DD/<uuid>.html → generic
            "http://zd.gov.cn/columns/46a69ba8-6983-4991-a5f0-2bb20825f779/202502/17/171893c3-58f2-42c4-beaf-d4e012f8e33b.html",
            "generic",
            "http://zd.gov.cn/columns/46a69ba8-6983-4991-a5f0-2bb20825f779/",
        ),
        (  # Shanghai YYYYMMDD/<hex>.html → generic
            "https://shanghai.gov.cn/nw12344/20230331/4a03b5fa47ae4c73b7ec42801de6be66.html",
            "generic",
            "https://shanghai.gov.cn/nw12344/",
        ),
    ],
)
def test_add_derives_family_and_column_from_a_report_url(capsys, report, family, column):
    entry = add(capsys, report)
    assert entry["family"] == family
    assert entry["start_urls"] == [column]
    assert entry["evidence"] == report


def test_add_takes_the_region_from_the_agency_name(capsys):
    entry = add(
        capsys,
        "http://xxgk.jlcity.gov.cn/gzbm/kjj_1/ndbg/202001/t20200114_726971.html",
        "--agency", "吉林市科技局",
    )
    assert (entry["province"], entry["city"], entry["county"], entry["region_code"]) == ("吉林省", "吉林市", None, "220200")
    assert entry["department"] == "吉林市科技局"


def test_add_reuses_the_region_of_a_registered_host_and_flags_duplicates(capsys):
    entry = add(capsys, "http://www.cqkz.gov.cn/kz/fzhggwyh_80546/zwgk_72016/zfxxgknb_72026/202601/t20260127_15357166.html")
    assert entry["region_code"] == "500154"
    assert "already registered" in entry["notes"]


def page(tmp_path, name, body):
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return str(path)


HANWEB_COLUMN = """<html><head><meta name="SiteName" content="九江市人民政府"><title>年报</title></head><body>
<div id="1"><script type="text/xml"><datastore><recordset><record><![CDATA[<li><a href='/art/2024/1/5/art_5_9.html' title='2023年报'>2023年报</a></li>]]></record></recordset></datastore></script></div>
<script>$('#1').jpage({totalRecord:3,perPage:15});</script></body></html>"""
TRS_COLUMN = """<html><head><title>年报</title></head><body><ul><li><a href="./202401/t20240105_1.html">2023年报</a></li></ul>
<script>createPageHTML(3, 0, "index", "html");</script></body></html>"""
PLAIN_COLUMN = """<html><head><title>信息公开年报</title></head><body><a href="report.pdf">2023年报</a></body></html>"""


def test_add_reads_family_and_region_from_markup(capsys, tmp_path):
    entry = add(capsys, "https://nowhere.example.gov.cn/xxgk/nb/", "--html", page(tmp_path, "h.html", HANWEB_COLUMN))
    assert entry["family"] == "hanweb"
    assert entry["region_code"] == "360400"  # from <meta name="SiteName">
    entry = add(capsys, "https://nowhere.example.gov.cn/xxgk/nb/", "--html", page(tmp_path, "t.html", TRS_COLUMN))
    assert entry["family"] == "trs"
    entry = add(capsys, "https://nowhere.example.gov.cn/xxgk/nb/", "--html", page(tmp_path, "p.html", PLAIN_COLUMN))
    assert entry["family"] == "generic"
    assert "region not found" in entry["notes"]


BROKEN = {
    "portals": [
        {  # city disagrees with the code, evidence on another host
            "id": "bad-region", "name": "x", "province": "黑龙江省", "city": "哈尔滨市", "county": "同江市",
            "region_code": "230881", "department": "同江市科学技术局", "family": "generic",
            "start_urls": ["https://www.tongjiang.gov.cn/tjs/c100014/zfxxgk_zclist.shtml"],
            "evidence": "https://mirror.example.com/tjs/c100014/zfxxgk_zclist.shtml",
        },
        {  # a report given as start URL; evidence outside the column; unknown code
            "id": "report-as-start", "name": "x", "province": "江西省", "city": "九江市",
            "region_code": "369999", "family": "trs",
            "start_urls": ["http://www.xunyang.gov.cn/zwgk/kjj/zfxxgknb/202201/t20220113_5375563.html"],
            "evidence": "http://www.xunyang.gov.cn/other/202201/t20220113_5375563.html",
        },
        {  # family not allowed, evidence missing
            "id": "odd-family", "name": "x", "province": "山东省", "city": "青岛市", "region_code": "370200",
            "family": "jpaas", "start_urls": ["http://www.qingdao.gov.cn/zwgk/"],
        },
        {  # Hanweb article of another column
            "id": "wrong-column", "name": "x", "province": "浙江省", "city": "杭州市", "county": "上城区",
            "region_code": "330102", "family": "hanweb",
            "start_urls": ["http://www.hzsc.gov.cn/col/col1/index.html"],
            "evidence": "http://www.hzsc.gov.cn/art/2019/1/10/art_1229232084_3833653.html",
        },
        {  # duplicate id
            "id": "bad-region", "name": "dup", "province": "山东省", "city": "青岛市", "region_code": "370200",
            "family": "trs", "start_urls": ["http://www.qingdao.gov.cn/a/"], "evidence": "http://www.qingdao.gov.cn/a/202001/t20200101_1.html",
        },
    ]
}


def test_check_reports_each_broken_entry_and_field(capsys, tmp_path):
    registry = tmp_path / "portals.yml"
    registry.write_text(yaml.safe_dump(BROKEN, allow_unicode=True), encoding="utf-8")
    code, out, err = run_cli(capsys, "portals", "check", "--registry", str(registry))
    assert code == 1
    lines = out.splitlines()

    def has(entry, field, words):
        return any(line.startswith(f"portal {entry}: field '{field}'") and words in line for line in lines)

    assert has("bad-region", "city", "disagrees with code 230881")
    assert has("bad-region", "evidence", "host mirror.example.com differs")
    assert has("report-as-start", "start_urls", "is a report, not its column")
    assert has("report-as-start", "region_code", "unknown region code 369999")
    assert has("report-as-start", "evidence", "outside the column")
    assert has("odd-family", "family", "unknown family 'jpaas'")
    assert has("wrong-column", "evidence", "belongs to column http://www.hzsc.gov.cn/col/col1229232084/index.html")
    assert has("bad-region", "id", "duplicate id")
    assert "3 entries" in err  # the entry with an unknown family and the duplicate are not loaded


def test_check_passes_on_the_real_registry(capsys):
    code, out, err = run_cli(capsys, "portals", "check")
    assert code == 0, out
    assert out == ""
    assert " 0 problems" in err


def test_coverage_table_matches_the_committed_file(capsys, tmp_path):
    target = tmp_path / "COVERAGE.md"
    code, out, _ = run_cli(capsys, "portals", "coverage", "--output", str(target))
    assert code == 0
    assert target.read_text(encoding="utf-8") == out
    portals, _ = load_portals(DEFAULT_REGISTRY)
    assert f"{len(portals)} annual-report columns" in out
    assert "| 吉林省 |" in out and "| trs |" in out
    committed = DEFAULT_REGISTRY.parent / "COVERAGE.md"
    assert committed.read_text(encoding="utf-8") == out, "run `nianbao portals coverage --output data/COVERAGE.md`"


@pytest.fixture
def loopback_site(tmp_path):
    (tmp_path / "trs").mkdir()
    (tmp_path / "trs" / "index.html").write_text(TRS_COLUMN, encoding="utf-8")
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "index.html").write_text(PLAIN_COLUMN, encoding="utf-8")
    handler = partial(QuietHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_live_check_sees_answers_and_family_markup(loopback_site):
    from crawler.registry import Portal

    def portal(pid, family, path):
        return Portal(id=pid, name=pid, province=None, city=None, county=None, region_code=None,
                      department=None, family=family, start_urls=[loopback_site + path])

    results = portal_check.live_check([
        portal("trs-ok", "trs", "/trs/"),
        portal("trs-changed", "hanweb", "/trs/"),
        portal("generic-ok", "generic", "/plain/"),
        portal("gone", "trs", "/missing/"),
    ], timeout=5)
    by_id = {r.portal_id: r for r in results}
    assert by_id["trs-ok"].ok and by_id["trs-ok"].family_seen == "trs"
    assert not by_id["trs-changed"].ok
    assert by_id["generic-ok"].ok
    assert by_id["gone"].status == 404 and not by_id["gone"].ok
