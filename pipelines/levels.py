"""Which level of government published a report: the `agency_level` of reports.

A region's figures mean something only one level at a time: a city government's own report, its
bureaus' reports and its districts' reports each count the same city's work (or parts of it), so
adding them up counts things twice. `agency_level` says which of these a report is:

    province_gov   省级政府   a province's (autonomous region's, municipality's) 人民政府 or its 办公厅
    city_gov       市级政府   a prefecture-level city's (自治州, 地区, 盟) government, 行政公署 included
    county_gov     县级政府   a county's (district's, county-level city's, 旗's) government
    town_gov       乡镇级政府  a town's or township's government, or a 街道办事处
    province_dept  省级部门   any other agency of a province (湖北省教育厅)
    city_dept      市级部门   any other agency of a city (宜昌市生态环境局)
    county_dept    县级部门   any other agency of a county (夷陵区教育局)
    other          其他       no region, or an agency below the county that is not a town government

A government's office (人民政府办公室/办公厅, 政府办, its 政务公开办公室) publishes the government's
report: it counts as the government. A name that is only a place (宿迁市, a government's report
naming only its place) is that place's government.

`agency_level(agency, province, city, county, department, region_code)` is a pure function of the
report's fields (the gazetteer is static data): the name first, the registry department when the
report names no agency, and the region fields when the name names no place.
"""
from __future__ import annotations

import re

from pipelines.normalize import compact

# (level, Chinese label, English label), in display order.
LEVELS = (
    ("province_gov", "省级政府", "provincial government"),
    ("city_gov", "市级政府", "prefecture-level (city) government"),
    ("county_gov", "县级政府", "county-level government"),
    ("town_gov", "乡镇级政府", "town, township or sub-district government"),
    ("province_dept", "省级部门", "provincial department"),
    ("city_dept", "市级部门", "city department"),
    ("county_dept", "县级部门", "county department"),
    ("other", "其他", "other (no region, or below the county and not a town government)"),
)
LEVEL_NAMES = tuple(level for level, _, _ in LEVELS)
GOVERNMENTS = ("province_gov", "city_gov", "county_gov", "town_gov")

_OFFICE = r"(?:办公厅|办公室|办|(?:政务公开|信息公开|政务信息公开)(?:工作)?(?:领导小组)?(?:办公室|办))?"
# '宜昌市人民政府', '夷陵区人民政府办公室', '市政府办公厅', '大兴安岭地区行政公署'
_GOVERNMENT = re.compile(rf"^(?P<place>.*?)(?:人民政府|政府|行政公署){_OFFICE}$")
# '某某镇人民政府' is caught above; '小溪塔街道办事处', '某某镇', '某某街道(党政)办公室'
_TOWN = re.compile(r"^(?P<place>.*?(?:镇|乡|街道|苏木))(?:办事处)?(?:党政综合办公室|党政办公室|综合办公室|办公室)?$")
_TOWN_PLACE = re.compile(r"(?:镇|乡|街道|苏木)$")
# A short name that says its level by its first character: 市科技局, 区政府办, 县教育局, 省统计局.
_LEVEL_PREFIX = {"省": "province", "市": "city", "州": "city", "盟": "city", "区": "county", "县": "county",
                 "旗": "county"}
# The level a place name's ending suggests when the gazetteer does not know it (市 is settled apart).
_PLACE_SUFFIX = (("自治区", "province"), ("省", "province"), ("地区", "city"), ("自治州", "city"), ("州", "city"),
                 ("盟", "city"), ("区", "county"), ("县", "county"), ("旗", "county"))


def _gazetteer():
    try:
        from pipelines import gazetteer
    except ImportError:  # pragma: no cover - the gazetteer's data packages are missing
        return None
    return gazetteer


def region_level(province: str | None, city: str | None, county: str | None) -> str | None:
    """The level of the most specific region field: county, city (not a municipality's), province."""
    if county:
        return "county"
    if city and city != province:
        return "city"
    if province or city:
        return "province"
    return None


def _resolve(name: str, hint: str | None) -> dict | None:
    module = _gazetteer()
    if module is None or not name:
        return None
    try:
        return module.resolve(name, hint) if hint else module.resolve(name)
    except Exception:  # an unknown hint or a gazetteer bug: no reading
        try:
            return module.resolve(name)
        except Exception:
            return None


def _name_level(name: str, hint: str | None, fields_level: str | None, county: str | None) -> str | None:
    """The level of the place a name starts with, or None when it starts with no place."""
    if not name:
        return None
    first = name[0]
    if first in _LEVEL_PREFIX and (len(name) == 1 or not _resolve(name, hint)):
        level = _LEVEL_PREFIX[first]
        if first == "市" and fields_level == "county" and county and county.endswith("市"):
            return "county"  # a county-level city's 市政府办 / 市教育局
        if first == "市" and fields_level == "province":
            return "province"  # a municipality's 市教育委员会
        return level
    found = _resolve(name, hint)
    if found:
        return found["level"]
    return None


def _place_level(place: str, hint: str | None, fields_level: str | None, county: str | None) -> str | None:
    """The level of a government's place ('宜昌市', '夷陵区', '市'), or None when it cannot be told."""
    level = _name_level(place, hint, fields_level, county)
    if level:
        return level
    for suffix, suffix_level in _PLACE_SUFFIX:
        if place.endswith(suffix):
            return suffix_level
    if place.endswith("市"):
        return "county" if place == county else "city"
    return None


def _is_bare_place(name: str, hint: str | None) -> bool:
    found = _resolve(name, hint)
    return bool(found) and name.endswith(found["name"])


def agency_level(agency: str | None, province: str | None = None, city: str | None = None,
                 county: str | None = None, department: str | None = None, region_code: str | None = None) -> str:
    """One of LEVEL_NAMES for the agency that published a report (see the module's docstring)."""
    name = compact(agency or "") or compact(department or "")
    fields_level = region_level(province, city, county)
    hint = region_code or county or city or province
    if not name:
        return "other"
    government = _GOVERNMENT.match(name)
    town = _TOWN.match(name)
    if government and _TOWN_PLACE.search(government.group("place")):
        return "town_gov"
    if town and not government:
        return "town_gov"
    if government:
        place = government.group("place")
        level = (_place_level(place, hint, fields_level, county) if place else None) or fields_level
        return f"{level}_gov" if level else "other"
    if _is_bare_place(name, hint):
        return f"{_resolve(name, hint)['level']}_gov"
    level = _name_level(name, hint, fields_level, county) or fields_level
    return f"{level}_dept" if level else "other"


def label_rows() -> list[dict[str, object]]:
    """The agency_levels table: each level with its Chinese and English label."""
    return [{"level": level, "label_zh": zh, "label_en": en, "position": position}
            for position, (level, zh, en) in enumerate(LEVELS, 1)]
