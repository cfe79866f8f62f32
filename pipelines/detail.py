"""Read a 政府信息公开 detail page: title, metadata block, body HTML, attachments, soft-404.

One reader for every family (families override `parse_detail` only for odd layouts). The
metadata block comes in many shapes — `<td><b>索引号：</b></td><td>…</td>`, 4-column
`table.xxgk_table`, `<li>索引号：…</li>`, div grids, dl/dt/dd, or one line holding several
`label: value` pairs — so the page is read as a stream of text chunks in document order and labels
are recognised in the chunks (REPORT_FORMAT.md §4, PORTALS.md §0.2, §1.5, §2.3, §4).

Result (the DetailPage dict):
  title        str | None
  page_meta    {canonical key: str}; dates as ISO YYYY-MM-DD; empty / "无" values left out
  body_html    the main content container as HTML, or None
  attachments  [{"url": absolute URL, "filename": str}], document order, unique by URL
  soft_404     True for a short 200 page that says the page does not exist
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from posixpath import basename
from typing import Any, Iterator
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit, urlunsplit

import lxml.html
import opencc
from lxml import etree

from pipelines.page_labels import IGNORED_LABELS as _IGNORED_LABELS
from pipelines.page_labels import LABELS as _LABELS
from pipelines.page_labels import WEAK_LABELS as _WEAK_LABELS
from pipelines.normalize import html_parser
from pipelines.records import ListingEntry

ATTACHMENT_EXTENSIONS = (
    ".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".et", ".rtf", ".zip", ".rar", ".7z", ".ofd", ".ceb",
)

_DATE_KEYS = {"written", "published"}
_EMPTY_VALUES = {"", "无", "暂无", "-", "--", "—", "/", "／", "null", "none"}

# Metadata read from <meta name=…> tags: (key, rank) — a visible label of better rank wins.
_META_TAGS = {"pubdate": ("published", 2), "contentsource": ("source", 5), "keywords": ("keywords", 5)}

_BODY_SELECTORS = [
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' TRS_Editor ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' trs_editor_view ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' TRS_UEDITOR ')]",
    "//*[@id='UCAP-CONTENT' or contains(concat(' ', normalize-space(@class), ' '), ' UCAP-CONTENT ')]",
    "//ucapcontent",
    "//*[@id='zoom' or @id='Zoom' or @id='zoomcon']",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' xxgk_content ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' article-content ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' Article_content ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' article_content ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' main-txt ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' artile_zw ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' news_cont_d_wrap ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' articleBox ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' tyxxy_main ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' m-txt-article ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' newscontnet ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' j-fontContent ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' ewb-article-detail ')]",
    "//*[@id='content' or @id='Content']",
]
# Headings that may hold the title: <h1> first, then the usual title classes.
_HEADING_XPATHS = (
    "//h1",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' title ') or "
    "contains(concat(' ', normalize-space(@class), ' '), ' article-title ') or "
    "contains(concat(' ', normalize-space(@class), ' '), ' detail-title ') or "
    "contains(concat(' ', normalize-space(@class), ' '), ' article_title ') or "
    "contains(concat(' ', normalize-space(@class), ' '), ' xxgk_title ') or @id='title'] | //h2",
)
# Page chrome (site banner, logo, navigation): a heading inside it names the site, not the report.
_CHROME = re.compile(r"header|logo|banner|nav|menu|site-?name|footer", re.I)
_ATTACHMENT_BLOCKS_XPATH = (
    "//p[contains(concat(' ', normalize-space(@class), ' '), ' insertfileTag ')]//a"
    " | //*[contains(@class, 'article_attachment') or contains(@class, 'attachment') or contains(@class, 'fujian')"
    " or contains(@id, 'fujian') or contains(@id, 'attachment')]//a"
)
_FLAGGED_ANCHORS_XPATH = "//a[@appendix='true' or @data-appendix='true' or @needdownload='true']"

_SKIP_TAGS = {"script", "style", "noscript", "head", "title", "select", "option", "textarea", "template"}
_SPACE = re.compile(r"[\s\u3000\u00a0\u200b]+")
_DATE = re.compile(r"(\d{4})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")
_UNKNOWN_LABEL_AFTER = re.compile(r"\s+[^\s:：|]{2,8}\s*[:：]")
_LEAD_JUNK = re.compile(r"^[\s•·●◆■▪【\[|｜]+")
_VALUE_TRIM = "\t\n\r \u3000\u00a0|｜:：;；,，】]"
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
# The body between <meta name=ContentStart> and <meta name=ContentEnd>: found as two searches, and
# "[^<>]*" stops at the next tag, so a page of many unclosed markers stays linear to scan.
_CONTENT_START = re.compile(r"<meta[^<>]*name\s*=\s*[\"']?ContentStart[^<>]*>", re.I)
_CONTENT_END = re.compile(r"<meta[^<>]*name\s*=\s*[\"']?ContentEnd", re.I)
_JS_ANCHOR = re.compile(r"<a\b([^<>]*)>", re.I)
_JS_ATTRIBUTE = re.compile(r"([\w-]+)\s*=\s*\\?([\"'])(.*?)\\?\2")
_SOFT_404 = re.compile(
    r"页面不存在|页面找不到|找不到(该|您要访问的|您所访问的|所访问的)?页面|页面已(被)?删除|不存在或已(被)?删除|"
    r"您访问的页面|无法找到该页|(?<!\d)404(?![\d.]|\s*[件条个项次人份])|not\s+found",
    re.I,
)
SOFT_404_MAX_TEXT = 1500  # visible characters; real 404 shells are short, reports are not
_TITLE_SUFFIX = re.compile(r"\s*[_|｜—-]+\s*[^_|｜—-]*$")


@lru_cache(maxsize=1)
def _simplified_to_traditional() -> list[opencc.OpenCC]:
    return [opencc.OpenCC(config) for config in ("s2t", "s2tw", "s2hk")]


def _label_pattern(label: str) -> str:
    """Regex for one label: any character may be traditional, padded with spaces or U+3000."""
    parts = []
    for char in label:
        variants = {char} | {converter.convert(char) for converter in _simplified_to_traditional()}
        parts.append("[" + "".join(sorted(variants)) + "]" if len(variants) > 1 else re.escape(char))
    return r"[\s\u3000\u00a0]*".join(parts)


@lru_cache(maxsize=1)
def _label_regex() -> tuple[re.Pattern, dict[str, tuple[str | None, int]]]:
    by_label: dict[str, tuple[str | None, int]] = {label: (key, rank) for key, rank, label in _LABELS}
    for label in _IGNORED_LABELS:
        by_label.setdefault(label, (None, 99))
    ordered = sorted(by_label, key=len, reverse=True)
    groups = "|".join(f"(?P<L{i}>{_label_pattern(label)})" for i, label in enumerate(ordered))
    # A label starts its chunk (after bullets) or follows a separator; testing that first keeps long
    # paragraphs cheap to scan.
    regex = re.compile(rf"(?:^(?P<lead>{_LEAD_JUNK.pattern[1:]})?|(?<=[\s|｜;；】\])]))(?:{groups})"
                       rf"[\s\u3000\u00a0]*(?P<colon>[:：|｜])?")
    index = {f"L{i}": label for i, label in enumerate(ordered)}
    return regex, {name: (label, *by_label[label]) for name, label in index.items()}


@dataclass
class _Chunk:
    text: str
    owner: Any  # the element whose text (or child's tail) this is


@dataclass
class _LabelHit:
    label: str
    key: str | None
    rank: int
    start: int
    end: int


def _collapse(text: str | None) -> str:
    return _SPACE.sub(" ", text or "").strip()


def iso_date(value: str | None) -> str | None:
    """The first date in `value` as YYYY-MM-DD (2018年02月07日, 2024-01-31 15:30:49, 2021/01/29)."""
    match = _DATE.search(value or "")
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31 and 1990 <= year <= 2100):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


# --- parsing ---------------------------------------------------------------------------
def _parse(html: str):
    html = _XML_DECLARATION.sub("", html or "", count=1)
    if not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html, parser=html_parser())  # past 256 levels too
    except (etree.ParserError, ValueError):
        return None


def _find_body_container(tree):
    for xpath in _BODY_SELECTORS:
        for element in tree.xpath(xpath):
            if _collapse(element.text_content()) or len(element):
                return element
    return None


def _largest_text_block(tree):
    """Fallback: the block whose own paragraphs hold the most text. <body> is a candidate too: a
    saved report with no CMS container keeps its paragraphs and tables right under it."""
    best, best_size = None, 0
    for element in tree.iter("body", "div", "td", "article", "section"):
        size = len(_collapse(element.text))
        for child in element:
            if child.tag in ("p", "br", "span", "font", "strong", "table") or (child.tag == "div" and len(child) == 0):
                size += len(_collapse(child.text_content()))
            size += len(_collapse(child.tail))
        if size > best_size:
            best, best_size = element, size
    return best


def _iter_chunks(element, skip) -> Iterator[_Chunk]:
    """Text of the page in document order, one chunk per text node line, skipping `skip` subtrees."""
    def pieces(text, owner):
        for line in (text or "").splitlines():
            if line.strip():
                yield _Chunk(line, owner)

    stack = [(element, False)]
    while stack:
        node, tail_only = stack.pop()
        if tail_only:
            yield from pieces(node.tail, node.getparent())
            continue
        if node.tail is not None and node.getparent() is not None:
            stack.append((node, True))
        if not isinstance(node.tag, str) or node.tag.lower() in _SKIP_TAGS or node in skip:
            continue
        yield from pieces(node.text, node)
        for child in reversed(node):
            stack.append((child, False))


def _depth_to(element, ancestor) -> int:
    depth = 0
    while element is not None and element is not ancestor:
        element = element.getparent()
        depth += 1
    return depth if element is ancestor else 1_000


def _close(label_owner, value_owner, max_depth: int = 3) -> bool:
    """The value's text sits near the label's: both within `max_depth` levels of a common ancestor
    (a table row, a cell pair, dt/dd in one dl, sibling divs of one grid row)."""
    node = label_owner
    for _ in range(max_depth + 1):
        if node is None:
            return False
        if _depth_to(value_owner, node) <= max_depth:
            return True
        node = node.getparent()
    return False


def _table_row(element):
    """The table row holding element, if any: a label in a cell takes its value from the same row,
    so an empty last cell never borrows the next heading on the page."""
    while element is not None:
        if isinstance(element.tag, str) and element.tag.lower() == "tr":
            return element
        element = element.getparent()
    return None


def _label_hits(text: str) -> list[_LabelHit]:
    regex, names = _label_regex()
    hits: list[_LabelHit] = []
    for match in regex.finditer(text):
        name = next(n for n, v in match.groupdict().items() if v is not None and n not in ("colon", "lead"))
        label, key, rank = names[name]
        has_colon = match.group("colon") is not None
        rest = text[match.end():]
        if match.start() == 0 and match.start(name) == len(match.group("lead") or ""):
            alone = not rest.strip()
            spaced = bool(rest) and rest[0] in " \t\u3000\u00a0|｜"
            if not (has_colon or alone or (spaced and label not in _WEAK_LABELS)):
                continue
        elif not has_colon:
            continue
        hits.append(_LabelHit(label, key, rank, match.start(name), match.end()))
    return hits


def _clean_value(key: str, raw: str) -> str | None:
    cut = _UNKNOWN_LABEL_AFTER.search(raw)
    value = _collapse(raw[: cut.start()] if cut else raw).strip(_VALUE_TRIM).strip()
    if value.lower() in _EMPTY_VALUES:
        return None
    if key in _DATE_KEYS:
        return iso_date(value)
    if key == "index_no":
        return value.split(" ")[0]
    return value


class _MetaCollector:
    def __init__(self):
        self.best: dict[str, tuple[int, str]] = {}

    def offer(self, key: str | None, rank: int, raw: str) -> None:
        if key is None:
            return
        value = _clean_value(key, raw)
        if value is None:
            return
        if key not in self.best or rank < self.best[key][0]:
            self.best[key] = (rank, value)

    def result(self) -> dict[str, str]:
        meta = {key: value for key, (_, value) in self.best.items()}
        if "publisher" not in meta and "source" in meta:
            meta["publisher"] = meta.pop("source")  # 来源 names the publisher when nothing else does
        return meta


def _read_page_meta(tree, body) -> dict[str, str]:
    collector = _MetaCollector()
    for element in tree.iter("meta"):
        name = (element.get("name") or "").strip().lower()
        if name in _META_TAGS:
            key, rank = _META_TAGS[name]
            collector.offer(key, rank, element.get("content") or "")
    skip = {body} if body is not None else set()
    pending: tuple[_LabelHit, Any] | None = None
    for chunk in _iter_chunks(tree, skip):
        # Link text is navigation ("主题分类", "发布机构" menus), never a metadata label.
        hits = [] if _inside_link(chunk.owner) else _label_hits(chunk.text)
        if pending is not None:
            label_hit, label_owner = pending
            before = chunk.text[: hits[0].start] if hits else chunk.text
            same_row = _table_row(label_owner) is None or _table_row(label_owner) is _table_row(chunk.owner)
            if before.strip() and len(before.strip()) <= 120 and same_row and _close(label_owner, chunk.owner):
                collector.offer(label_hit.key, label_hit.rank, before)
            pending = None
        for position, hit in enumerate(hits):
            following = hits[position + 1].start if position + 1 < len(hits) else len(chunk.text)
            value = chunk.text[hit.end:following]
            if value.strip(_VALUE_TRIM):
                collector.offer(hit.key, hit.rank, value)
            elif position + 1 == len(hits):
                pending = (hit, chunk.owner)
    return collector.result()


def _meta_content(tree, name: str) -> str | None:
    for element in tree.iter("meta"):
        if (element.get("name") or "").strip().lower() == name.lower():
            value = _collapse(element.get("content"))
            if value:
                return value
    return None


def _in_chrome(element) -> bool:
    for node in [element, *element.iterancestors()]:
        if node.tag in ("header", "nav", "footer"):
            return True
        if _CHROME.search(f"{node.get('class') or ''} {node.get('id') or ''}"):
            return True
    return False


def _inside_link(element) -> bool:
    return element.tag == "a" or any(ancestor.tag == "a" for ancestor in element.iterancestors())


def _read_title(tree, page_meta: dict[str, str], body, entry: ListingEntry | None) -> str | None:
    title = _meta_content(tree, "ArticleTitle") or page_meta.get("title")
    if title:
        return title
    # Headings after the body container belong to sidebars and related-links boxes.
    order = {element: position for position, element in enumerate(tree.iter())}
    body_position = order.get(body, len(order))
    site_name = _meta_content(tree, "SiteName")
    for xpath in _HEADING_XPATHS:
        for heading in tree.xpath(xpath):
            if order.get(heading, 0) > body_position or _in_chrome(heading):
                continue
            text = _collapse(heading.text_content())
            if len(text) >= 6 and text != site_name:
                return text
    if entry is not None and entry.title:
        return _collapse(entry.title)
    page_title = tree.find(".//title")
    if page_title is not None and _collapse(page_title.text_content()):
        return _TITLE_SUFFIX.sub("", _collapse(page_title.text_content())) or None
    return None


# --- attachments -----------------------------------------------------------------------
def _has_attachment_extension(href: str) -> bool:
    parts = urlsplit(href)
    if unquote(parts.path).lower().endswith(ATTACHMENT_EXTENSIONS):
        return True
    return any(value.lower().endswith(ATTACHMENT_EXTENSIONS) for _, value in parse_qsl(parts.query))


def _filename(absolute: str, download: str | None, title: str | None) -> str:
    for candidate in (download, title):
        candidate = _collapse(candidate)
        if candidate and candidate.lower().endswith(ATTACHMENT_EXTENSIONS):
            return candidate
    parts = urlsplit(absolute)
    name = unquote(basename(parts.path))
    if not name.lower().endswith(ATTACHMENT_EXTENSIONS):
        for _, value in parse_qsl(parts.query):
            if value.lower().endswith(ATTACHMENT_EXTENSIONS):
                return basename(value)
    return name or absolute


class _AttachmentList:
    def __init__(self, page_url: str):
        self.page_url = page_url
        self.found: dict[str, dict[str, str]] = {}

    def add(self, href: str | None, download: str | None = None, title: str | None = None,
            require_extension: bool = True) -> None:
        href = (href or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            return
        if require_extension and not _has_attachment_extension(href):
            return
        absolute = urlunsplit(urlsplit(urljoin(self.page_url, href))._replace(fragment=""))
        if absolute == self.page_url or absolute in self.found:
            return
        self.found[absolute] = {"url": absolute, "filename": _filename(absolute, download, title)}

    def add_anchor(self, anchor, require_extension: bool = True) -> None:
        self.add(anchor.get("href"), anchor.get("download"), anchor.get("title"), require_extension)


def _read_attachments(tree, body, page_url: str) -> list[dict[str, str]]:
    attachments = _AttachmentList(page_url)
    scopes = []
    if body is not None:
        scopes.append(body)
        parent = body.getparent()
        if parent is not None and parent.tag not in ("body", "html"):
            scopes.append(parent)
    for scope in scopes:
        for anchor in scope.iter("a"):
            attachments.add_anchor(anchor)
    for anchor in tree.xpath(_FLAGGED_ANCHORS_XPATH):
        attachments.add_anchor(anchor, require_extension=False)
    for anchor in tree.xpath(_ATTACHMENT_BLOCKS_XPATH):
        attachments.add_anchor(anchor)
    # Links that exist only inside JavaScript strings (var rel_appendix = '<a href=…>'; var att = …).
    for script in tree.iter("script"):
        for match in _JS_ANCHOR.finditer(script.text or ""):
            attributes = {name.lower(): value for name, _, value in _JS_ATTRIBUTE.findall(match.group(1))}
            attachments.add(attributes.get("href"), attributes.get("download"), attributes.get("title"))
    return list(attachments.found.values())


# --- body and soft 404 -----------------------------------------------------------------
def _body_html(html: str, body) -> str | None:
    start = _CONTENT_START.search(html)
    end = _CONTENT_END.search(html, start.end()) if start else None
    if end and html[start.end():end.start()].strip():
        return html[start.end():end.start()].strip()
    if body is None:
        return None
    return lxml.html.tostring(body, encoding="unicode", with_tail=False)


def _marker_container(tree):
    """The element holding a <meta name=ContentStart> marker, when the page uses the markers."""
    for element in tree.iter("meta"):
        if (element.get("name") or "").lower() == "contentstart" and element.getparent() is not None:
            parent = element.getparent()
            if parent.tag not in ("head", "html"):
                return parent
    return None


def _short_visible_text(tree, limit: int) -> str | None:
    """The page's visible text, or None as soon as it grows past `limit` characters."""
    parts, size = [], 0
    for chunk in _iter_chunks(tree, set()):
        parts.append(chunk.text)
        size += len(chunk.text)
        if size > limit * 2 and len(_collapse(" ".join(parts))) > limit:
            return None
    text = _collapse(" ".join(parts))
    return text if len(text) <= limit else None


def _is_soft_404(tree, body) -> bool:
    if body is not None and len(_collapse(body.text_content())) > 200:
        return False
    text = _short_visible_text(tree, SOFT_404_MAX_TEXT)
    if text is None:
        return False
    title = tree.find(".//title")
    heading = _collapse(title.text_content()) if title is not None else ""
    return bool(_SOFT_404.search(text) or _SOFT_404.search(heading))


# --- entry points ----------------------------------------------------------------------
def read_detail_html(html: str, url: str, entry: ListingEntry | None = None) -> dict[str, Any]:
    """The DetailPage dict (see module docstring) for one page's decoded HTML."""
    tree = _parse(html)
    if tree is None:
        return {"title": entry.title if entry else None, "page_meta": {}, "body_html": None,
                "attachments": [], "soft_404": True, "continuations": []}
    body = _marker_container(tree)
    if body is None:
        body = _find_body_container(tree)
    if body is None:
        body = _largest_text_block(tree)
    page_meta = _read_page_meta(tree, body)
    return {
        "title": _read_title(tree, page_meta, body, entry),
        "page_meta": page_meta,
        "body_html": _body_html(html, body),
        "attachments": _read_attachments(tree, body, url),
        "soft_404": _is_soft_404(tree, body),
        "continuations": continuation_urls(html, url),
    }


# TRS splits long articles: the first part's body calls createPageHTML(3, 0, "t20151009_67430", "html")
# and the rest of the article is at t20151009_67430_1.html, t20151009_67430_2.html (PORTALS.md §1.7).
_ARTICLE_PAGER = re.compile(
    r"""createPageHTML\(\s*(\d{1,2})\s*,\s*0\s*,\s*["']([^"'/]+)["']\s*,\s*["'](s?html?)["']\s*\)""")
MAX_ARTICLE_PARTS = 20


def continuation_urls(html: str, url: str) -> list[str]:
    """The further parts of a multi-page article, when this page is its first part."""
    own = basename(urlsplit(url).path)
    for match in _ARTICLE_PAGER.finditer(html or ""):
        parts, stem, suffix = int(match.group(1)), match.group(2), match.group(3)
        if stem in ("index", "list") or not own.startswith(stem):
            continue  # a list pager, or a pager for another page
        return [urljoin(url, f"{stem}_{n}.{suffix}") for n in range(1, min(parts, MAX_ARTICLE_PARTS))]
    return []


def read_detail_page(response, entry: ListingEntry | None = None) -> dict[str, Any]:
    """read_detail_html on a Scrapy TextResponse (already re-decoded by pipelines.encoding).

    A list row that links straight to a document (PDF, DOC …) gives a binary response: the
    document itself is then the report's one attachment.
    """
    if not hasattr(response, "text"):
        name = unquote(basename(urlsplit(response.url).path)) or response.url
        return {"title": entry.title if entry else None, "page_meta": {}, "body_html": None,
                "attachments": [{"url": response.url, "filename": name}], "soft_404": False, "continuations": []}
    return read_detail_html(response.text, response.url, entry)
