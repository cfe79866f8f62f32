"""Downloader middlewares."""
from __future__ import annotations

from pathlib import Path

from pipelines.archive import ArchiveRef
from pipelines.archive import WarcArchive, archive_dir_for


class RawArchiveMiddleware:
    """Write detail pages and attachments to the WARC archive before anything parses them.

    Sits above HttpCompressionMiddleware, so the body is the one the server sent (still
    gzip-encoded if it was); the response headers go with it, which keeps the record
    self-describing. Requests opt in with meta["nianbao_archive"] = True.
    """

    def __init__(self, archive_dir: Path, db_path: str):
        self.archive_dir = archive_dir
        self.db_path = db_path
        self.archive: WarcArchive | None = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        db_path = settings.get("NIANBAO_DB")
        archive_dir = Path(settings.get("NIANBAO_ARCHIVE_DIR") or archive_dir_for(db_path))
        middleware = cls(archive_dir, db_path)
        from scrapy import signals

        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def _ensure_archive(self) -> WarcArchive:
        if self.archive is None:
            from pipelines import store

            db = store.open_db(self.db_path)
            known = {
                row["payload_digest"]: (ArchiveRef(row["warc_file"], row["offset"], row["length"], row["payload_digest"],
                                                   recorded=row["recorded"]), row["url"])
                for row in db.query("select * from archive_records")
            }
            db.close()
            self.archive = WarcArchive(self.archive_dir, known)
        return self.archive

    def process_response(self, request, response):
        if request.meta.get("nianbao_archive") and 200 <= response.status < 300:
            headers = [(k.decode("latin-1"), b", ".join(v).decode("latin-1")) for k, v in response.headers.items()]
            ref = self._ensure_archive().write_response(response.url, response.status, "", headers, response.body)
            request.meta["nianbao_archive_ref"] = ref
        return response

    def spider_closed(self):
        if self.archive is None:
            return
        self.archive.close()
        if self.archive.new_records:
            from pipelines import store

            db = store.open_db(self.db_path)
            db["archive_records"].upsert_all(
                [{"payload_digest": d, "url": u, "warc_file": r.warc_file, "offset": r.offset, "length": r.length,
                  "recorded": r.recorded} for d, u, r in self.archive.new_records],
                pk="payload_digest",
            )
            db.close()
        elif self.archive.path.exists() and self.archive.path.stat().st_size == 0:
            self.archive.path.unlink()
