"""Registry tooling: derive a column and CMS family from a URL, check registry entries offline
and (optionally) live, and summarise coverage.

The same derivation serves `nianbao portals add` (a new URL → a draft entry) and
`nianbao portals check` (does each entry's start URL fit its family, and its evidence its column?).
"""
from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from pipelines.encoding import detect_encoding
from crawler.families import all_families
from crawler.registry import Portal, RegistryError, load_portals
from pipelines import gazetteer

# The families a registry entry may name: each has an adapter in crawler/families/ and a mock
# portal in the tests.
FAMILIES = tuple(sorted(all_families()))
USER_AGENT = "nianbao-registry-check/0.1 (+annual-report archive; one request per column)"

# --- URL shapes --------------------------------------------------------------------------
# TRS WCM detail page: <column>/YYYYMM/tYYYYMMDD_ID.html (or .shtml/.htm).
TRS_DETAIL = re.compile(r"^(?P<column>.*/)(?P<month>\d{6})/t\d{8}_\d+(?:_wap)?\.s?html?$")
# Hanweb jpage article: /art/YYYY/M/D/art_COLID_ARTID.html, its column /col/colCOLID/index.html.
HANWEB_ART = re.compile(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_(?P<col>\d+)_\d+\.html?$")
# Hanweb article kept under its column's folder: <column>/art/YYYY/art_<hex>.html.
HANWEB_ART_IN_COLUMN = re.compile(r"^(?P<column>.*/)art/\d{4}/art_[0-9a-f]{16,}\.html?$")
HANWEB_COLUMN = re.compile(r"/col/col(?P<col>\d+)/(?:index\.html?)?$")
GKMLPT_PATH = re.compile(r"/gkmlpt/")
# Other detail shapes whose column is the folder above them (family generic).
GENERIC_DETAILS = (
    re.compile(r"^(?P<column>.*/)content/post_\d+\.html?$"),  # Guangdong intensive sites outside gkmlpt
    re.compile(r"^(?P<column>.*/)content/[0-9a-f-]{36}\.html?$"),  # Jiangsu: content/<uuid>.html
    re.compile(r"^(?P<column>.*/)\d{6}/c\d+_\d+\.s?html?$"),  # Heilongjiang: YYYYMM/c01_<id>.shtml
    re.compile(r"^(?P<column>.*/)\d{6}/[0-9a-f]{32}\.s?html?$"),  # YYYYMM/<32 hex>.shtml
    re.compile(r"^(?P<column>.*/)ct/\d+\.s?html?$"),
    re.compile(r"^(?P<column>.*/)\d{10,}/index\.s?html?$"),  # <timestamp id>/index.html
    re.compile(r"^(?P<column>.*/)(?:doc|art|content)_[0-9a-z]+\.s?html?$"),
    re.compile(r"^(?P<column>.*/)\d{4}-\d{2}-\d{2}/\d+\.s?html?$"),
    re.compile(r"^(?P<column>.*/)\d{8}/[0-9a-f]{32}\.s?html?$"),  # Shanghai: YYYYMMDD/<32 hex>.html
    re.compile(r"^(?P<column>.*/columns/[0-9a-f-]{36}/)\d{6}/\d{2}/[0-9a-f-]{36}\.html?$"),  # Hebei
    re.compile(r"^(?P<column>.*/)t?\d{4,}\.s?html?$"),  # <numeric id>.html or t<id>.shtml in the column
)
# A column listing page itself: a folder, index.html, index_2.shtml, list.shtml, 1.html.
COLUMN_PAGE = re.compile(r"^(?P<column>.*/)(?:(?:index|list)(?:_\d+)?\.s?html?|\d{1,3}\.s?html?)?$")
# Per-year sub-columns (gknb2017/, 2018/, 2020n/, 2024n/, 2021nb/): the column is their parent.
YEAR_SEGMENT = re.compile(r"^[a-z]*_?(?:19|20)\d{2}(?:(?:n[a-z]*|[a-z]*nb|nd|h)\d*)?(?:_\d+)?$", re.I)


@dataclass
class Derivation:
    family: str
    start_url: str
    reason: str
    report_url: str | None = None  # set when the input was a report, not a column


def _with_path(url: str, path: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def column_root(path: str) -> str:
    """Cut a column path before its first per-year segment (…/zfxxgknb/gknb2017/ → …/zfxxgknb/)."""
    segments = path.split("/")
    for index, segment in enumerate(segments[:-1]):
        if index > 0 and YEAR_SEGMENT.match(segment):
            return "/".join(segments[:index]) + "/"
    return path


def derive(url: str) -> Derivation:
    """Family and column start URL from the shape of a report or column URL alone."""
    parts = urlsplit(url.strip())
    path = parts.path or "/"
    if GKMLPT_PATH.search(path):
        return Derivation("gkmlpt", _with_path(url, "/gkmlpt/index"), "gkmlpt path", url if "post_" in path else None)
    art = HANWEB_ART.search(path)
    if art:
        column = f"/col/col{art['col']}/index.html"
        return Derivation("hanweb", _with_path(url, column), f"Hanweb article of column {art['col']}", url)
    in_column = HANWEB_ART_IN_COLUMN.match(path)
    if in_column:
        return Derivation("hanweb", _with_path(url, column_root(in_column["column"])), "Hanweb article under its column folder", url)
    column = HANWEB_COLUMN.search(path)
    if column:
        return Derivation("hanweb", _with_path(url, f"/col/col{column['col']}/index.html"), "Hanweb column page")
    trs = TRS_DETAIL.match(path)
    if trs:
        return Derivation("trs", _with_path(url, column_root(trs["column"])), "TRS detail ./YYYYMM/tYYYYMMDD_ID", url)
    if parts.query:
        return Derivation("generic", url, "dynamic page: kept as given")
    for shape in GENERIC_DETAILS:
        match = shape.match(path)
        if match:
            return Derivation("generic", _with_path(url, column_root(match["column"])), "detail page in a column folder", url)
    listing = COLUMN_PAGE.match(path)
    if listing and re.search(r"/\d{1,3}\.s?html?$", path):
        return Derivation("generic", url, "numbered list page (1.html): not TRS paging")
    if listing:
        # A bare folder or index page: TRS's static lists look like this; markup settles it.
        return Derivation("trs", _with_path(url, column_root(listing["column"])) if path.endswith("/") else url, "column folder or index page")
    return Derivation("generic", url, "unrecognised shape: kept as given")


# --- markup ------------------------------------------------------------------------------
def family_from_markup(html: str) -> str | None:
    """The family whose telltales the page carries (each family recognises its own pages, the most
    specific first), or None when it shows none."""
    for family in sorted(all_families().values(), key=lambda f: -f.specificity):
        if family.recognises(html):
            return family.name
    return None


def guess(url: str, html: str | None = None) -> Derivation:
    """URL shape first; page markup overrides a guess that rests only on a folder-shaped URL."""
    derivation = derive(url)
    if html:
        seen = family_from_markup(html)
        if seen and seen != derivation.family:
            if derivation.report_url is None or derivation.family == "generic":
                derivation.family = seen
                derivation.reason += f"; markup says {seen}"
        elif seen is None and derivation.reason.startswith("column folder"):
            derivation.family = "generic"
            derivation.reason += "; no family markup"
    return derivation


# --- page text → region --------------------------------------------------------------------
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.S | re.I)
_META = re.compile(r"<meta\s+name=\"?(SiteName|ColumnName|ArticleTitle|ContentSource)\"?\s+content=\"([^\"]*)\"", re.I)
_TAGS = re.compile(r"<[^>]+>")


def page_clues(html: str) -> list[str]:
    """Strings that name the publisher, most telling first: meta tags, title, then the body text."""
    clues = [value for name, value in _META.findall(html) if name.lower() in ("contentsource", "sitename")]
    clues += [value for name, value in _META.findall(html) if name.lower() == "articletitle"]
    title = _TITLE.search(html)
    if title:
        clues.append(_TAGS.sub("", title.group(1)))
    clues.append(_TAGS.sub(" ", html)[:5000])
    return [c.strip() for c in clues if c.strip()]


def guess_region(agency: str | None = None, html: str | None = None, host: str | None = None,
                 known: list[Portal] | None = None) -> dict | None:
    """Region from the agency's name, else the page's own words, else a registry entry on the same host."""
    if agency:
        found = gazetteer.resolve(agency) or gazetteer.find_region(agency)
        if found:
            return found
    for clue in page_clues(html) if html else []:
        found = gazetteer.resolve(clue) or gazetteer.find_region(clue)
        if found:
            return found
    if host and known:
        for portal in known:
            if any(urlsplit(u).netloc == host for u in portal.start_urls) and portal.region_code:
                return gazetteer.by_code(portal.region_code)
    return None


# --- offline check -----------------------------------------------------------------------
def _column_prefix(url: str) -> str:
    path = urlsplit(url).path
    return path if path.endswith("/") else path.rsplit("/", 1)[0] + "/"


def check_shape(portal: Portal) -> list[RegistryError]:
    problems = []
    for url in portal.start_urls:
        path = urlsplit(url).path
        if portal.family == "gkmlpt" and not GKMLPT_PATH.search(path):
            problems.append(RegistryError(portal.id, "start_urls", f"gkmlpt start URL has no /gkmlpt/ path: {url}"))
        elif portal.family == "hanweb" and not (HANWEB_COLUMN.search(path) or COLUMN_PAGE.match(path)):
            problems.append(RegistryError(portal.id, "start_urls", f"hanweb start URL is not a column page: {url}"))
        elif portal.family == "trs" and not COLUMN_PAGE.match(path):
            problems.append(RegistryError(portal.id, "start_urls", f"trs start URL is not a column folder or index page: {url}"))
        derived = derive(url)
        if derived.report_url is not None:
            problems.append(RegistryError(portal.id, "start_urls", f"start URL is a report, not its column: {url} (column {derived.start_url})"))
    return problems


def check_evidence(portal: Portal) -> list[RegistryError]:
    if not portal.evidence:
        return [RegistryError(portal.id, "evidence", "missing: give the URL of a real report in this column")]
    evidence = urlsplit(portal.evidence)
    if evidence.scheme not in ("http", "https") or not evidence.netloc:
        return [RegistryError(portal.id, "evidence", f"not an http(s) URL: {portal.evidence!r}")]
    problems = []
    hosts = {urlsplit(u).netloc.lower() for u in portal.start_urls}
    if evidence.netloc.lower() not in hosts:
        problems.append(RegistryError(portal.id, "evidence", f"host {evidence.netloc} differs from the start URL host {', '.join(sorted(hosts))}"))
        return problems
    derived = derive(portal.evidence)
    if portal.family == "hanweb" and HANWEB_ART.search(evidence.path):
        if derived.start_url not in portal.start_urls:
            problems.append(RegistryError(portal.id, "evidence", f"article belongs to column {derived.start_url}, not to the start URL"))
    elif portal.family == "gkmlpt":
        if not GKMLPT_PATH.search(evidence.path):
            problems.append(RegistryError(portal.id, "evidence", "gkmlpt evidence is not under /gkmlpt/"))
    elif not any(evidence.path.startswith(_column_prefix(u)) for u in portal.start_urls):
        problems.append(RegistryError(portal.id, "evidence", f"path {evidence.path} is outside the column {', '.join(_column_prefix(u) for u in portal.start_urls)}"))
    if derived.report_url and derived.family != portal.family and portal.family != "generic":
        problems.append(RegistryError(portal.id, "family", f"evidence URL has the shape of {derived.family}, entry says {portal.family}"))
    return problems


def check_region(portal: Portal) -> list[RegistryError]:
    if not portal.region_code:
        return [RegistryError(portal.id, "region_code", "missing")]
    problems = []
    for message in gazetteer.validate(portal.province, portal.city, portal.county, portal.region_code):
        field = "region_code"
        for name in ("province", "city", "county"):
            if message.startswith(name):
                field = name
        problems.append(RegistryError(portal.id, field, message))
    return problems


def installed_families() -> set[str]:
    from crawler.families import family_modules

    return set(family_modules())


def check_registry(path: str | Path | None = None) -> tuple[list[Portal], list[RegistryError]]:
    """Every problem of a registry file, one per entry and field; no network."""
    portals, errors = load_portals(path, known_families=set(FAMILIES))
    modules = installed_families()
    for portal in portals:
        if portal.family not in modules:
            errors.append(RegistryError(portal.id, "family", f"no adapter module crawler/families/{portal.family}.py"))
        errors += check_shape(portal) + check_evidence(portal) + check_region(portal)
    return portals, errors


# --- live check --------------------------------------------------------------------------
@dataclass
class LiveResult:
    portal_id: str
    url: str
    status: int | str
    family_seen: str | None
    ok: bool


def fetch(url: str, timeout: float = 10.0) -> tuple[int | str, str]:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "text/html,*/*;q=0.5"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(2_000_000)
            codec = detect_encoding(body, response.headers.get("Content-Type"))
            return response.status, body.decode(codec, errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, ""
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return type(exc).__name__ + ": " + str(getattr(exc, "reason", exc))[:80], ""


def live_check(portals: list[Portal], timeout: float = 10.0) -> list[LiveResult]:
    """Fetch each start URL once; report whether it answers and still shows its family's markup."""
    results = []
    for portal in portals:
        for url in portal.start_urls:
            status, html = fetch(url, timeout)
            seen = family_from_markup(html) if html else None
            answered = status == 200 and bool(html)
            matches = seen == portal.family or (portal.family == "generic" and answered)
            results.append(LiveResult(portal.id, url, status, seen, answered and matches))
    return results


# --- coverage ----------------------------------------------------------------------------
def coverage_markdown(portals: list[Portal]) -> str:
    by_province: dict[str, Counter] = defaultdict(Counter)
    for portal in portals:
        by_province[portal.province or "(national)"][portal.family] += 1
    per_family = Counter(portal.family for portal in portals)
    families = sorted(per_family, key=lambda f: (-per_family[f], f))  # the most used family first
    lines = [
        "# Registry coverage",
        "",
        f"Generated by `nianbao portals coverage` from data/portals.yml: {len(portals)} annual-report columns "
        f"in {len(by_province)} provinces.",
        "",
        "## By province",
        "",
        "| Province | Columns | " + " | ".join(families) + " |",
        "|---|---:|" + "---:|" * len(families),
    ]
    for province in sorted(by_province, key=lambda p: (-sum(by_province[p].values()), p)):
        counts = by_province[province]
        lines.append(f"| {province} | {sum(counts.values())} | " + " | ".join(str(counts[f] or "") for f in families) + " |")
    totals = Counter(p.family for p in portals)
    lines += ["", "## By family", "", "| Family | Columns |", "|---|---:|"]
    lines += [f"| {family} | {totals[family]} |" for family in families]
    levels = Counter((gazetteer.by_code(p.region_code) or {}).get("level", "?") for p in portals if p.region_code)
    lines += ["", "## By level of government", "", "| Level | Columns |", "|---|---:|"]
    lines += [f"| {level} | {levels[level]} |" for level in ("province", "city", "county") if levels[level]]
    return "\n".join(lines) + "\n"


# --- draft entries (nianbao portals add) ---------------------------------------------------
_HOST_NOISE = {"www", "gov", "cn", "com", "org", "net"}


def suggest_id(start_url: str) -> str:
    """A readable slug from host and column path: xxgk.jlcity.gov.cn/gzbm/kjj_1/ndbg/ → jlcity-xxgk-kjj-1-ndbg."""
    parts = urlsplit(start_url)
    labels = [label for label in re.split(r"[.:]", parts.netloc.lower()) if label not in _HOST_NOISE]
    segments = [s for s in parts.path.split("/") if s and not re.match(r"^(index|list)(_\d+)?\.s?html?$", s)]
    words = list(reversed(labels)) + segments[-2:]
    slug = re.sub(r"[^a-z0-9]+", "-", "-".join(words).lower()).strip("-")
    return slug[:60].strip("-") or "portal"


def draft_entry(url: str, html: str | None = None, agency: str | None = None, known: list[Portal] | None = None) -> dict:
    """A registry entry to review, from a report or column URL (and its markup when available)."""
    derivation = guess(url, html)
    region = guess_region(agency, html, urlsplit(url).netloc, known) or {}
    department = agency
    if not department and html:
        department = next(iter(page_clues(html)), None)
    entry = {
        "id": suggest_id(derivation.start_url),
        "name": f"{department or urlsplit(url).netloc} 政府信息公开工作年度报告",
        "province": region.get("province"),
        "city": region.get("city"),
        "county": region.get("county"),
        "region_code": region.get("code"),
        "department": department,
        "family": derivation.family,
        "start_urls": [derivation.start_url],
        "evidence": derivation.report_url or url,
    }
    notes = [f"family: {derivation.reason}"]
    if not region:
        notes.append("region not found: fill province/city/county/region_code by hand")
    entry["notes"] = "; ".join(notes)
    return entry
