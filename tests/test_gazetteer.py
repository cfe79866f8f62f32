import pytest

from pipelines import gazetteer
from tests.shared_docs import (
    corpus_params,
    gold_case,
    gold_params,
    role_gold,
    role_text,
)


@pytest.mark.parametrize("corpus,file", gold_params())
def test_report_agencies_resolve_to_their_region(corpus, file):
    agency, region = gold_case(corpus, file)["agency"], gold_case(corpus, file)["region"]
    found = gazetteer.resolve(agency)
    assert found is not None, agency
    assert found["name"] == region
    assert not found["former"]


def test_county_record_carries_its_parents():
    assert gazetteer.resolve("同江市科学技术局") == {
        "province": "黑龙江省", "city": "佳木斯市", "county": "同江市", "code": "230881",
        "name": "同江市", "level": "county", "former": False,
    }


@pytest.mark.parametrize(
    "text,code,level",
    [
        ("九江市科技局", "360400", "city"),
        ("青岛市", "370200", "city"),
        ("吉林市科技局", "220200", "city"),  # the city, not the province it shares a name with
        ("吉林省科学技术厅", "220000", "province"),
        ("黑龙江省佳木斯市同江市人民政府", "230881", "county"),
        ("恩施州人民政府", "422800", "city"),
        ("广西壮族自治区人民政府办公厅", "450000", "province"),
        ("北京市海淀区", "110108", "county"),
        ("仙桃市人民政府", "429004", "county"),
    ],
)
def test_resolve_most_specific_division_at_start(text, code, level):
    found = gazetteer.resolve(text)
    assert (found["code"], found["level"]) == (code, level)


def test_resolve_needs_a_name_at_the_start():
    assert gazetteer.resolve("市科技局") is None
    assert gazetteer.resolve("关于九江市科技局") is None
    assert gazetteer.resolve("") is None


def test_shared_district_name_needs_context():
    assert {c["city"] for c in gazetteer.candidates("朝阳区")} >= {"北京市", "长春市"}
    assert gazetteer.resolve("朝阳区人民政府") is None
    assert gazetteer.resolve("朝阳区", within="长春市")["code"] == "220104"
    assert gazetteer.resolve("朝阳区", within="110000")["code"] == "110105"
    assert gazetteer.resolve("长春市朝阳区")["code"] == "220104"


def test_municipality_is_its_own_city():
    record = gazetteer.by_code("310000")
    assert (record["province"], record["city"], record["level"]) == ("上海市", "上海市", "province")
    assert gazetteer.by_code("310115")["city"] == "上海市"


def test_former_divisions_resolve_but_are_flagged():
    old = gazetteer.resolve("莱芜市人民政府")
    assert old["code"] == "371200" and old["former"]
    new = gazetteer.resolve("莱芜区")
    assert (new["code"], new["city"], new["former"]) == ("370116", "济南市", False)
    assert gazetteer.validate("山东省", "莱芜市", None, "371200")[0].startswith("region code 371200")


def test_find_region_in_free_text():
    text = "本年度报告可以在吉林市政府网站信息公开专栏上查阅"
    assert gazetteer.find_region(text)["code"] == "220200"
    assert gazetteer.find_region("地址：青岛市香港中路11号")["code"] == "370200"
    assert gazetteer.find_region("办公地点在朝阳区，隶属长春市")["code"] == "220104"


def test_find_region_skips_street_names_and_generic_words():
    assert gazetteer.find_region("位于海南路的办公楼") is None
    assert gazetteer.find_region("城区改造工作") is None
    assert gazetteer.find_region("中山大道附近的广州市")["code"] == "440100"


@pytest.mark.parametrize("corpus", corpus_params())
def test_find_region_in_report_text(corpus):
    """A whole report, citing provincial rules and giving a city address, finds that province or city."""
    found = gazetteer.find_region(role_text(corpus, "legacy_table"))
    assert found["name"] in {"seeds": {"山东省", "青岛市"}, "standalone": {"四川省", "绵阳市"}}[corpus]
    region = gazetteer.resolve(role_gold(corpus, "legacy_table")["region"])
    assert found["name"] in {region["province"], region["city"]}


def test_by_code_accepts_twelve_digits_and_rejects_unknown():
    assert gazetteer.by_code("230881000000")["name"] == "同江市"
    assert gazetteer.by_code("999999") is None
    assert gazetteer.by_code("") is None


def test_validate_reports_each_disagreement():
    assert gazetteer.validate("黑龙江省", "佳木斯市", "同江市", "230881") == []
    assert gazetteer.validate("北京市", "北京市", "海淀区", "110108") == []
    assert gazetteer.validate("北京市", None, "海淀区", "110108") == []
    assert gazetteer.validate("湖北省", None, "仙桃市", "429004") == []
    assert gazetteer.validate("山东省", "青岛市", None, "999999") == ["unknown region code 999999"]
    wrong_city = gazetteer.validate("黑龙江省", "哈尔滨市", "同江市", "230881")
    assert wrong_city == ["city '哈尔滨市' disagrees with code 230881 (expected '佳木斯市')"]
    county_outside = gazetteer.validate("山东省", "青岛市", "同江市", "370200")
    assert len(county_outside) == 1 and "同江市 is not in 青岛市" in county_outside[0]
    wrong_province = gazetteer.validate("吉林省", "九江市", None, "360400")
    assert wrong_province == ["province '吉林省' disagrees with code 360400 (江西省)"]
    assert gazetteer.validate("江西省", "九江市", None, None) == ["region code is missing"]


def test_every_current_code_validates_against_its_own_record():
    g = gazetteer.gazetteer()
    current = [code for code, division in g.divisions.items() if not division.former]
    assert len(current) > 3000
    for code in current:
        r = gazetteer.by_code(code)
        assert gazetteer.validate(r["province"], r["city"], r["county"], code) == [], code
