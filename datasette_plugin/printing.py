"""Printing this server's own print views to PDF with the Debian Chromium (shared by /-/body.pdf and /-/ranking.pdf).

Chromium runs headless as a subprocess, one job at a time (printing is CPU-heavy), with a timeout;
it is pointed at a 127.0.0.1 URL of this server and every other host name is made unresolvable, so the
printed page can load nothing else. Print views are served with PRINT_CSP (no scripts, nothing loaded).
"""
from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
import urllib.parse
from pathlib import Path

from datasette.utils.asgi import Response

CHROMIUM = Path(os.environ.get("NIANBAO_CHROMIUM", "/usr/bin/chromium"))
PDF_TIMEOUT_SECONDS = 60
# Printing is CPU-heavy: one Chromium at a time, whichever page is printed.
PDF_SLOTS = asyncio.Semaphore(1)
PRINT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
PRINT_HEADERS = {"Content-Security-Policy": PRINT_CSP, "Referrer-Policy": "no-referrer"}


def export_routes(path: str, load, *, page_template: str, print_template: str, var: str, csv_text,
                  filename, params, what: str) -> list[tuple[str, object]]:
    """The four routes of a printable page: `path` (HTML), `path.csv`, `path/print` and `path.pdf`.

    `load(request, datasette)` gives the page's data or an error Response; `csv_text(data)` its CSV;
    `filename(data, extension)` the download name; `params` the query keys the print view takes."""
    async def loaded(request, datasette, template, headers=None):
        data = await load(request, datasette)
        if isinstance(data, Response):
            return data
        page = await datasette.render_template(template, {var: data}, request=request)
        return Response.html(page, headers=headers)

    async def page(request, datasette):
        return await loaded(request, datasette, page_template)

    async def print_view(request, datasette):
        return await loaded(request, datasette, print_template, dict(PRINT_HEADERS))

    async def csv_export(request, datasette):
        data = await load(request, datasette)
        if isinstance(data, Response):
            return data
        return Response("\ufeff" + csv_text(data), content_type="text/csv; charset=utf-8",  # BOM: Excel reads UTF-8
                        headers={"Content-Disposition": f"attachment; filename=\"{filename(data, '.csv')}\""})

    async def pdf_export(request, datasette):
        missing = chromium_missing(CHROMIUM, f"{path}/print")
        if missing is not None:
            return missing
        data = await load(request, datasette)  # 400/404 before starting a browser
        if isinstance(data, Response):
            return data
        url = local_url(request, datasette, f"{path}/print", params)
        return await pdf_response(url, filename(data, ".pdf"), what)

    escaped = path.replace(".", r"\.")
    return [(rf"^{escaped}$", page), (rf"^{escaped}\.csv$", csv_export), (rf"^{escaped}/print$", print_view),
            (rf"^{escaped}\.pdf$", pdf_export)]


def chromium_missing(chromium: Path, print_path: str) -> Response | None:
    """A 503 naming the print view when Chromium is not installed, else None."""
    if chromium.exists() and os.access(chromium, os.X_OK):
        return None
    return Response.text(f"PDF export needs Chromium at {chromium}; it is not installed on this server. "
                         f"The print view ({print_path}) can be printed from a browser.", status=503)


def local_url(request, datasette, path: str, keys) -> str | None:
    """http://127.0.0.1:<this server's port><path>?<the request's own values of keys>, None without a port."""
    server = request.scope.get("server")
    if not server or not server[1]:
        return None
    query = urllib.parse.urlencode({k: request.args.get(k) for k in keys if request.args.get(k) is not None})
    return f"http://127.0.0.1:{int(server[1])}{datasette.urls.path(path)}" + (f"?{query}" if query else "")


async def pdf_response(url: str | None, filename: str, what: str, chromium: Path | None = None) -> Response:
    if url is None:
        return Response.text("PDF export needs the server's own port (run under `nianbao serve`).", status=503)
    async with PDF_SLOTS:
        pdf = await print_to_pdf(url, chromium=chromium)
    if pdf is None:
        return Response.text(f"Chromium could not print the {what} in time.", status=503)
    return Response(pdf, content_type="application/pdf",
                    headers={"Content-Disposition": f"inline; filename=\"{filename}\""})


async def print_to_pdf(url: str, timeout: float = PDF_TIMEOUT_SECONDS, chromium: Path | None = None) -> bytes | None:
    """Headless Chromium prints one 127.0.0.1 page; every host name is unresolvable, so it loads nothing else."""
    if urllib.parse.urlsplit(url).hostname != "127.0.0.1":
        raise ValueError("only the local server's own pages are printed")
    chromium = chromium or CHROMIUM
    with tempfile.TemporaryDirectory(prefix="nianbao-pdf-") as work:
        target = Path(work) / "out.pdf"
        command = [str(chromium), "--headless", "--no-sandbox", "--disable-gpu", "--disable-extensions",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                   "--no-first-run", "--no-default-browser-check", "--disable-domain-reliability",
                   "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", f"--user-data-dir={work}/profile",
                   "--no-pdf-header-footer", "--print-to-pdf-no-header", f"--print-to-pdf={target}", url]
        process = await asyncio.create_subprocess_exec(
            *command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, start_new_session=True)
        try:
            _, stderr = await asyncio.wait_for(process.communicate(), timeout)
        except asyncio.TimeoutError:
            # Chromium's helpers share its new session: end that process group, which we started.
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            await process.wait()
            print(f"nianbao: Chromium timed out printing {url}", file=sys.stderr)
            return None
        if process.returncode != 0 or not target.exists():
            print(f"nianbao: Chromium failed printing {url}: {stderr[-500:]!r}", file=sys.stderr)
            return None
        return target.read_bytes()
