"""Serve a report's (or attachment's) archived copy straight from the WARC archive.

An HTML page is decoded with the charset it is really in and re-served as UTF-8 with a banner
saying it is an archived copy and when it was fetched. Other payloads (PDF, DOCX ...) are served
as archived, byte for byte. Archived pages run no scripts and load nothing from anywhere: a CSP
sandboxes them off Datasette's origin and allows only inline styles and data: images, and their
<base> is dropped so relative URLs no longer point at the live site (links are made absolute instead,
so following one is still the reader's choice). A link to an attachment the archive holds opens its
archived copy (/-/archive/attachment/{id}) instead of the live portal.
"""
from __future__ import annotations

import asyncio
import html
import re
import sys
import urllib.parse
from pathlib import Path

from datasette.utils.asgi import NotFound, Response
from datasette.views.base import DatasetteError

from pipelines.archive import archive_dir_for, read_record
from pipelines.read import decode_page

# No script-src: default-src 'none' covers scripts, frames, fonts, fetches; 'unsafe-inline' styles carry
# the banner and the page's own <style>, which can load nothing since img-src allows data: only.
ARCHIVED_COPY_CSP = "; ".join([
    "sandbox allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation",
    "default-src 'none'", "img-src data:", "style-src 'unsafe-inline'", "base-uri 'none'", "form-action 'none'",
])
_BASE_TAG_RE = re.compile(r"<base\b[^>]*>", re.I)
_BASE_HREF_RE = re.compile(r"""<base\b[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_LINK_HREF_RE = re.compile(r"""(<(?:a|area)\b[^>]*?\bhref\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""", re.I)
_META_CHARSET_REWRITE_RE = re.compile(r"(<meta[^>]+charset\s*=\s*[\"']?)([\w.:-]+)", re.I)
_BODY_OPEN_RE = re.compile(r"<body\b[^>]*>", re.I)


def archive_database(datasette):
    """The archive database: `reports` as build_datasette names it, else the first one served."""
    if "reports" in datasette.databases:
        return datasette.get_database("reports")
    return next(db for name, db in datasette.databases.items() if name != "_internal" and not db.is_memory)


def archive_dir(datasette, database) -> Path:
    configured = (datasette.plugin_config("nianbao") or {}).get("archive_dir")
    if configured:
        return Path(configured)
    return archive_dir_for(database.path)


def _header(headers: dict[str, str], name: str) -> str | None:
    return next((value for key, value in headers.items() if key.lower() == name.lower()), None)


def _banner(record: dict, original_url: str, record_url: str) -> str:
    fetched = html.escape(record.get("fetched_at") or "unknown time")
    title = html.escape(record.get("title") or "")
    return (
        '<div id="nianbao-archive-banner" style="all:initial;display:block;padding:8px 12px;'
        'background:#fff3c4;border-bottom:2px solid #c9a227;font:14px/1.5 sans-serif;color:#222">'
        f"<strong>存档副本 archived copy</strong>, fetched at {fetched} · {title} · "
        f'<a href="{html.escape(original_url)}">原文 original URL</a> · '
        f'<a href="{html.escape(record_url)}">档案记录 archive record</a></div>'
    )


def _link_base(page: str, original_url: str) -> str:
    declared = _BASE_HREF_RE.search(page)
    if declared:
        return urllib.parse.urljoin(original_url, html.unescape(next(g for g in declared.groups() if g is not None)))
    return original_url


def _without_fragment(url: str) -> str:
    return urllib.parse.urldefrag(url)[0]


def link_targets(page: str, original_url: str) -> set[str]:
    """The absolute URLs (without fragment) the page's <a>/<area> links point at."""
    link_base = _link_base(page, original_url)
    targets = set()
    for match in _LINK_HREF_RE.finditer(page):
        href = html.unescape(next(g for g in match.groups()[1:] if g is not None)).strip()
        if href and not href.startswith("#"):
            targets.add(_without_fragment(urllib.parse.urljoin(link_base, href)))
    return targets


def absolute_links(page: str, original_url: str, archived: dict[str, str] | None = None) -> str:
    """Drop every <base> and resolve <a>/<area> links against the base the page had; a link whose
    target is in `archived` (absolute URL → local path of its archived copy) goes there instead.

    A <base> to the live site would make the browser resolve every relative image, stylesheet and
    script there; links made absolute still reach the original site, but only when clicked.
    """
    link_base = _link_base(page, original_url)
    page = _BASE_TAG_RE.sub("", page)
    archived = archived or {}

    def absolute(match: re.Match) -> str:
        href = html.unescape(next(g for g in match.groups()[1:] if g is not None))
        if href.startswith("#") or not href.strip():
            return match.group(0)
        target = urllib.parse.urljoin(link_base, href.strip())
        local = archived.get(_without_fragment(target))
        if local:
            return f'{match.group(1)}"{html.escape(local)}" data-nianbao-original="{html.escape(target)}"'
        return f'{match.group(1)}"{html.escape(target)}"'

    return _LINK_HREF_RE.sub(absolute, page)


def with_banner(page: str, banner: str, original_url: str, archived: dict[str, str] | None = None) -> str:
    """Insert the banner at the top of the body and a UTF-8 meta; links absolute (or to archived
    attachments), no <base>."""
    page = _META_CHARSET_REWRITE_RE.sub(lambda m: m.group(1) + "utf-8", page)
    page = absolute_links(page, original_url, archived)
    body = _BODY_OPEN_RE.search(page)
    return page[:body.end()] + banner + page[body.end():] if body else banner + page


def _read_archived(directory: Path, warc_file: str, offset, what: str):
    """(url, headers, payload) of an archived record, or a 410 naming no server path when it is unreadable."""
    try:
        if Path(warc_file).name != warc_file:
            raise ValueError("WARC file name is not a plain file name")
        return read_record(directory, warc_file, int(offset))
    except Exception as error:  # any failure to read the record means it is gone or damaged here
        # The details (paths included) are for the operator's console, never for the page.
        print(f"nianbao: archived copy of {what} unreadable: {warc_file}@{offset}: {error!r}", file=sys.stderr)
        raise DatasetteError(f"The archived copy of {what} is missing or damaged on this server.",
                             title="Archived copy unavailable 存档副本不可用", status=410) from None


async def _archived_response(datasette, request, table: str, row_id: str) -> Response:
    database = archive_database(datasette)
    columns = "id, url, warc_file, warc_offset, " + (
        "title, encoding, last_changed as fetched_at, id as report_id" if table == "reports"
        else "filename as title, null as encoding, last_seen as fetched_at, report_id")
    rows = (await database.execute(f"select {columns} from {table} where id = ?", [row_id])).rows
    if not rows:
        raise NotFound(f"No {table[:-1]} with id {row_id}")
    record = dict(rows[0])
    if not record["warc_file"]:
        raise NotFound(f"{table[:-1].capitalize()} {row_id} has no archived copy")
    url, headers, body = await asyncio.to_thread(
        _read_archived, archive_dir(datasette, database), record["warc_file"], record["warc_offset"],
        f"{table[:-1]} {row_id}")
    archived_headers = {"Content-Security-Policy": ARCHIVED_COPY_CSP, "X-Content-Type-Options": "nosniff",
                        "Referrer-Policy": "no-referrer", "X-Nianbao-Fetched-At": record["fetched_at"] or "",
                        "X-Nianbao-Original-Url": record["url"]}
    content_type = _header(headers, "Content-Type") or "application/octet-stream"
    if "html" not in content_type.lower():
        return Response(body, content_type=content_type.split(";")[0].strip(), headers=archived_headers)
    # Decoded as the crawl decoded it (its recorded encoding, else the same detector): one reading.
    page = decode_page(body, content_type, record["encoding"])[0]
    record_url = datasette.absolute_url(
        request, datasette.urls.row(database.name, "reports", record["report_id"]))
    page_url = url or record["url"]
    archived = await archived_attachments(datasette, database, link_targets(page, page_url))
    page = with_banner(page, _banner(record, page_url, record_url), page_url, archived)
    return Response.html(page, headers=archived_headers)


async def archived_attachments(datasette, database, urls: set[str]) -> dict[str, str]:
    """URL → local path of the archived copy, for the urls the attachments table holds with a WARC record."""
    urls = sorted(urls)
    found: dict[str, str] = {}
    if not urls or "attachments" not in await database.table_names():
        return found
    for start in range(0, len(urls), 500):  # SQLite's bound-parameter limit
        chunk = urls[start:start + 500]
        rows = (await database.execute(
            f"select url, id from attachments where warc_file is not null and warc_file != '' "
            f"and url in ({', '.join('?' for _ in chunk)}) order by last_seen", chunk)).rows
        for attachment_url, attachment_id in rows:
            found[attachment_url] = datasette.urls.path(f"/-/archive/attachment/{attachment_id}")
    return found


async def report_copy(request, datasette) -> Response:
    return await _archived_response(datasette, request, "reports", request.url_vars["report_id"])


async def attachment_copy(request, datasette) -> Response:
    return await _archived_response(datasette, request, "attachments", request.url_vars["attachment_id"])
