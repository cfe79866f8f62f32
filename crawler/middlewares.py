"""Downloader middlewares."""
from __future__ import annotations

import logging
import zlib
from pathlib import Path

from scrapy.exceptions import IgnoreRequest

from pipelines.archive import ArchiveRef, DecodedTooLarge, WarcArchive, archive_dir_for, decode_content

logger = logging.getLogger(__name__)


class RawArchiveMiddleware:
    """Write detail pages and attachments to the WARC archive before anything parses them.

    Sits above HttpCompressionMiddleware, so the body is the one the server sent (still
    gzip-encoded if it was); the response headers go with it, which keeps the record
    self-describing. Requests opt in with meta["nianbao_archive"] = True.

    Kill safety: each record is flushed to the file, then its archive_records row is committed, so
    a crawl killed at any point leaves an index that only points at complete records.

    Caps: a body larger than the size cap never gets here (the download handler cancels it); a
    compressed body is inflated here first, bounded by the same cap HttpCompressionMiddleware
    applies next (meta download_maxsize, else DOWNLOAD_MAXSIZE). One that inflates past it (a gzip
    bomb) is not archived: the request fails with IgnoreRequest, which the spider records as an
    `oversize` fetch error. Nothing truncated is ever archived, so every record is a whole response.
    """

    def __init__(self, archive_dir: Path, db_path: str, maxsize: int = 0, stats=None):
        self.archive_dir = archive_dir
        self.db_path = db_path
        self.maxsize = maxsize
        self.stats = stats
        self.archive: WarcArchive | None = None
        self.db = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        db_path = settings.get("NIANBAO_DB")
        archive_dir = Path(settings.get("NIANBAO_ARCHIVE_DIR") or archive_dir_for(db_path))
        middleware = cls(archive_dir, db_path, settings.getint("DOWNLOAD_MAXSIZE"), crawler.stats)
        from scrapy import signals

        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def _ensure_archive(self) -> WarcArchive:
        if self.archive is None:
            from pipelines import store

            self.db = store.open_db(self.db_path)
            known = {
                row["payload_digest"]: (ArchiveRef(row["warc_file"], row["offset"], row["length"], row["payload_digest"],
                                                   recorded=row["recorded"]), row["url"])
                for row in self.db.query("select * from archive_records")
            }
            self.archive = WarcArchive(self.archive_dir, known, on_record=self._index)
        return self.archive

    def _index(self, digest: str, url: str, ref: ArchiveRef) -> None:
        from pipelines import store

        store.index_archive_record(self.db, digest, url, ref.warc_file, ref.offset, ref.length, ref.recorded)

    def process_response(self, request, response, spider=None):
        if request.meta.get("nianbao_archive") and 200 <= response.status < 300:
            self._check_inflated_size(request, response)
            headers = [(k.decode("latin-1"), b", ".join(v).decode("latin-1")) for k, v in response.headers.items()]
            ref = self._ensure_archive().write_response(response.url, response.status, "", headers, response.body)
            request.meta["nianbao_archive_ref"] = ref
        return response

    def _check_inflated_size(self, request, response) -> None:
        encoding = b", ".join(response.headers.getlist("Content-Encoding")).decode("latin-1")
        if not encoding or request.method == "HEAD":
            return
        limit = request.meta.get("download_maxsize", self.maxsize) or None
        try:
            decode_content(response.body, encoding, max_size=limit)
        except DecodedTooLarge as exc:
            if self.stats is not None:
                self.stats.inc_value("nianbao/archive/oversize_not_archived")
            # "maxsize" in the message: the spider files it as kind `oversize`.
            raise IgnoreRequest(f"not archived: the {len(response.body)} B compressed body inflates past the size cap "
                                f"(download_maxsize {limit} B; {exc})") from exc
        except (OSError, EOFError, ValueError, ImportError, zlib.error):
            # A body that does not decompress is archived as served (the archive keeps what the
            # server sent); HttpCompressionMiddleware decides what the crawl does with it.
            pass

    def spider_closed(self):
        if self.archive is not None:
            self.archive.close()
            if not self.archive.new_records and self.archive.path.exists() and self.archive.path.stat().st_size == 0:
                self.archive.path.unlink()
        if self.db is not None:
            self.db.close()
            self.db = None
