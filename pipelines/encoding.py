"""Pick the codec that really decodes a page's bytes.

Chinese portals often declare one charset and send another: the HTTP header says utf-8 or
iso-8859-1 while the bytes are GBK with `<meta charset=gb2312>` (PORTALS.md §6). Declarations are
hints, checked against the bytes: a declared charset wins only when the body decodes strictly with
it. GB2312 and GBK are read as GB18030, their superset, so rare characters never break decoding.
"""
from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

# How far into the body to look for <meta charset> / <?xml encoding?> declarations.
DECLARATION_WINDOW = 4096

_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
_XML_ENCODING = re.compile(rb"<\?xml[^>]+encoding\s*=\s*[\"']([\w.:-]+)", re.I)

_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "cp936": "gb18030",
    "ms936": "gb18030",
    "windows-936": "gb18030",
    "euc-cn": "gb18030",
    "csgb2312": "gb18030",
    "big5": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
}
# Single-byte codecs decode any byte string, so a declaration of one proves nothing.
_SINGLE_BYTE = {"latin-1", "iso8859-1", "cp1252", "ascii", "iso8859-15"}
# charset-normalizer guesses worth taking for Chinese portals; for anything else (it will name a
# DOS code page for plain noise) the declared single-byte charset, or GB18030 with replacements, is as good.
_PLAUSIBLE_GUESSES = {"gb18030", "big5hkscs", "utf-8", "utf-16", "utf-32", "euc_jp", "shift_jis", "cp932", "euc_kr", "cp949"}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def normalize_charset(name: str | None) -> str | None:
    """A Python codec name for a declared charset label, or None when unknown."""
    if not name:
        return None
    label = name.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        codec = codecs.lookup(label).name
    except LookupError:
        return None
    return _ALIASES.get(codec, codec)


def declared_charsets(body: bytes, content_type: str | None) -> list[str]:
    """Charsets the response declares, header first, then the page itself; normalised, unique."""
    found: list[str] = []
    raw: list[str | None] = []
    if content_type:
        match = _HEADER_CHARSET.search(content_type)
        raw.append(match.group(1) if match else None)
    head = body[:DECLARATION_WINDOW]
    for pattern in (_XML_ENCODING, _META_CHARSET):
        match = pattern.search(head)
        raw.append(match.group(1).decode("ascii", "ignore") if match else None)
    for label in raw:
        codec = normalize_charset(label)
        if codec and codec not in found:
            found.append(codec)
    return found


def _decodes(body: bytes, codec: str) -> bool:
    try:
        body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _mostly_utf8(body: bytes) -> bool:
    """UTF-8 with the odd broken byte. GBK read as UTF-8 breaks on nearly every Chinese character,
    while UTF-8 read as GB18030 often "succeeds" as mojibake, so this is checked first."""
    text = body.decode("utf-8", errors="replace")
    broken = text.count("\ufffd")
    non_ascii = sum(1 for char in text if ord(char) > 127)
    return non_ascii > 0 and broken / non_ascii < 0.01


def _error_ratio(body: bytes, codec: str) -> float:
    text = body.decode(codec, errors="replace")
    return text.count("\ufffd") / max(len(text), 1)


def detect_encoding(body: bytes, content_type: str | None = None) -> str:
    """The Python codec name to decode `body` with (see the module docstring for the rules)."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return codec
    declared = declared_charsets(body, content_type)
    trusted = [c for c in declared if c not in _SINGLE_BYTE]
    if body.isascii():
        return trusted[0] if trusted else "utf-8"
    # Non-ASCII bytes that are valid UTF-8 are UTF-8 in practice, whatever the labels say: GBK text
    # almost never forms valid UTF-8, while UTF-8 text often "decodes" as GB18030 into mojibake.
    if _decodes(body, "utf-8") or _mostly_utf8(body):
        return "utf-8"
    for codec in trusted:
        if _decodes(body, codec):
            return codec
    if "gb18030" not in trusted and _decodes(body, "gb18030"):
        return "gb18030"
    # Real pages carry the odd broken byte: accept a declared multi-byte charset that reads nearly all.
    for codec in trusted + ["gb18030"]:
        if _error_ratio(body, codec) < 0.001:
            return codec
    guess = from_bytes(body[:200_000]).best()
    if guess is not None and guess.encoding:
        codec = normalize_charset(guess.encoding)
        if codec in _PLAUSIBLE_GUESSES:
            return codec
    single = [c for c in declared if c in _SINGLE_BYTE]
    return single[0] if single else "gb18030"
