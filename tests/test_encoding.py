"""pipelines.encoding: the codec that really decodes a page, whatever its header and meta claim."""
from __future__ import annotations

import codecs

import pytest

from pipelines.encoding import declared_charsets, detect_encoding, normalize_charset

TITLE = "临沂市科学技术局2021年政府信息公开工作年度报告"


def page(charset_tag: str, text: str = TITLE) -> str:
    return (f"<html><head>{charset_tag}<title>{text}</title></head><body><h1>{text}</h1>"
            f"<p>索引号：11371300004335672K/2022-00008　发布机构：临沂市科学技术局</p>"
            f"<p>主动公开政府信息235条，收到申请9件。</p></body></html>")


GB_META = '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'


@pytest.mark.parametrize("header", [
    "text/html; charset=utf-8",       # the server default, wrong for this page
    "text/html; charset=ISO-8859-1",  # an error-page style header
    "text/html",                      # no charset at all
    None,                             # no Content-Type header
])
def test_gbk_page_with_meta_gb2312_decodes_whatever_the_header_says(header):
    body = page(GB_META).encode("gbk")
    codec = detect_encoding(body, header)
    assert codec == "gb18030"
    assert TITLE in body.decode(codec)


def test_gbk_page_without_any_declaration():
    body = page("").encode("gbk")
    assert detect_encoding(body, "text/html; charset=iso-8859-1") == "gb18030"


def test_gb2312_label_reads_gbk_only_characters():
    # 镕 and 喆 are in GBK but not in GB2312: a strict gb2312 decode would fail on them.
    text = "朱镕基 陶喆 政府信息公开工作年度报告"
    body = page(GB_META, text).encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        body.decode("gb2312")
    codec = detect_encoding(body, "text/html; charset=gb2312")
    assert text in body.decode(codec)


def test_one_broken_byte_in_a_long_gbk_page_still_reads_as_gbk():
    body = page(GB_META, TITLE * 40).encode("gbk")
    broken = body[:300] + b"\xff" + body[300:]
    codec = detect_encoding(broken, "text/html; charset=utf-8")
    assert codec == "gb18030"
    assert TITLE in broken.decode(codec, errors="replace")


@pytest.mark.parametrize("header", ["text/html; charset=gbk", "text/html; charset=iso-8859-1", None])
def test_utf8_bytes_win_over_wrong_labels(header):
    body = page('<meta charset="gb2312">').encode("utf-8")
    assert detect_encoding(body, header) == "utf-8"


def test_ascii_page_keeps_its_declared_charset():
    assert detect_encoding(b"<html><body>hello</body></html>", "text/html; charset=GBK") == "gb18030"
    assert detect_encoding(b"<html><body>hello</body></html>", "text/html; charset=iso-8859-1") == "utf-8"
    assert detect_encoding(b"<html><body>hello</body></html>", None) == "utf-8"


def test_byte_order_mark_wins():
    body = codecs.BOM_UTF8 + page('<meta charset="gbk">').encode("utf-8")
    assert detect_encoding(body, "text/html; charset=gbk") == "utf-8-sig"


def test_big5_page_declared_big5():
    text = "政府資訊公開工作年度報告"
    body = f'<html><head><meta charset="big5"></head><body><h1>{text}</h1><p>發布機構：臺北市政府</p></body></html>'.encode("big5")
    codec = detect_encoding(body, "text/html")
    assert text in body.decode(codec)


def test_xml_declaration_counts_as_a_declaration():
    body = ('<?xml version="1.0" encoding="GB2312"?><datastore><record>' + TITLE + "</record></datastore>").encode("gbk")
    assert declared_charsets(body, "text/xml; charset=utf-8") == ["utf-8", "gb18030"]
    assert detect_encoding(body, "text/xml; charset=utf-8") == "gb18030"


def test_latin1_only_when_nothing_else_decodes():
    # Random high bytes that are neither UTF-8 nor GB18030 nor anything charset-normalizer trusts.
    body = bytes([0x80, 0xFF] * 50)
    assert detect_encoding(body, "text/html; charset=iso-8859-1") == "iso8859-1"
    assert detect_encoding(page(GB_META).encode("gbk"), "text/html; charset=iso-8859-1") != "iso8859-1"


@pytest.mark.parametrize("label,codec", [
    ("GB2312", "gb18030"), ("gbk", "gb18030"), ("x-gbk", "gb18030"), ("cp936", "gb18030"), ("GB18030", "gb18030"),
    ("UTF8", "utf-8"), ("utf-8", "utf-8"), ('"utf-8"', "utf-8"), ("big5", "big5hkscs"), ("ISO-8859-1", "iso8859-1"),
    ("no-such-charset", None), ("", None), (None, None),
])
def test_normalize_charset(label, codec):
    assert normalize_charset(label) == codec


def test_declared_charsets_header_first_then_meta_unique():
    body = b'<html><head><meta charset="gbk"><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head>'
    assert declared_charsets(body, "text/html; charset=UTF-8") == ["utf-8", "gb18030"]
    assert declared_charsets(body, None) == ["gb18030"]


@pytest.mark.parametrize("header", ["text/html; charset=utf-8", None])
def test_utf8_page_with_a_broken_byte_stays_utf8(header):
    # UTF-8 Chinese often "decodes" as GB18030 without error (as mojibake): the odd bad byte must not tip it.
    body = page('<meta charset="utf-8">', TITLE * 40).encode("utf-8")
    broken = body[:301] + b"\xff" + body[301:]
    assert detect_encoding(broken, header) == "utf-8"
    assert detect_encoding(page("", TITLE * 40).encode("utf-8")[:500] + b"\xff", None) == "utf-8"


def test_mostly_ascii_gbk_page_is_not_mistaken_for_broken_utf8():
    markup = '<div class="nav"><a href="/index.html">home</a></div>' * 100
    body = f'<html><head><meta charset="gbk"></head><body>{markup}<p>{TITLE}</p>{markup}</body></html>'.encode("gbk")
    assert detect_encoding(body, "text/html; charset=utf-8") == "gb18030"


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=150, deadline=None)
@given(body=st.binary(max_size=3000), header=st.sampled_from([None, "text/html", "text/html; charset=utf-8",
                                                               "text/html; charset=gbk", "text/html; charset=bogus"]))
def test_any_bytes_get_a_usable_codec(body, header):
    codec = detect_encoding(body, header)
    codecs.lookup(codec)
    body.decode(codec, errors="replace")
