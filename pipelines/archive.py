"""The raw archive: every fetched detail page and attachment, byte for byte as served, in WARC.

One gzip WARC file per crawl run under <archive dir>/; each record's file and offset go to
SQLite so `nianbao reparse` and the archived-copy route can read one record without scanning.
A payload seen before (same digest) is written as a revisit record pointing at the first copy.
"""
from __future__ import annotations

from dataclasses import dataclass

import base64
import gzip
import hashlib
import os
import zlib
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path
from typing import Callable

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter


@dataclass
class ArchiveRef:
    """Where the raw bytes of one response sit in the WARC archive."""

    warc_file: str  # path relative to the archive directory
    offset: int
    length: int
    payload_digest: str  # sha1 of the payload as served (before decompression)
    revisit: bool = False  # True when the payload repeated an earlier record
    recorded: str | None = None  # WARC-Date of the record holding the payload


def payload_digest(body: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def archive_dir_for(db_path: str | os.PathLike) -> Path:
    return Path(db_path).resolve().parent / "archive"


class WarcArchive:
    def __init__(self, directory: str | os.PathLike, known: dict[str, tuple[ArchiveRef, str]] | None = None,
                 on_record: Callable[[str, str, ArchiveRef], None] | None = None):
        """on_record(digest, url, ref) is called for each new (non-revisit) record once its bytes are
        flushed to the file, so an index written there never points past what the file holds."""
        self.on_record = on_record
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
        self.name = f"nianbao-{stamp}-{os.getpid()}.warc.gz"
        self.path = self.directory / self.name
        self._file = None
        self._writer = None
        self.known = dict(known or {})  # payload digest -> (first record, its URL)
        self.new_records: list[tuple[str, str, ArchiveRef]] = []  # (digest, url, ref) for the index

    def _open(self):
        if self._file is None:
            self._file = open(self.path, "ab")
            self._writer = WARCWriter(self._file, gzip=True)

    def write_response(self, url: str, status: int, reason: str, headers: list[tuple[str, str]], body: bytes) -> ArchiveRef:
        """Archive one response as served; returns where its payload can be read back."""
        self._open()
        digest = payload_digest(body)
        http_headers = StatusAndHeaders(f"{status} {reason}".strip(), headers, protocol="HTTP/1.1")
        offset = self._file.tell()
        if digest in self.known:
            first, first_url = self.known[digest]
            record = self._writer.create_revisit_record(url, digest=digest, refers_to_uri=first_url,
                                                        refers_to_date=first.recorded or _warc_now(),
                                                        http_headers=http_headers)
            self._writer.write_record(record)
            self._file.flush()
            return ArchiveRef(first.warc_file, first.offset, first.length, digest, revisit=True,
                              recorded=first.recorded)
        record = self._writer.create_warc_record(url, "response", payload=BytesIO(body), http_headers=http_headers)
        self._writer.write_record(record)
        self._file.flush()
        ref = ArchiveRef(self.name, offset, self._file.tell() - offset, digest,
                         recorded=record.rec_headers.get_header("WARC-Date"))
        self.known[digest] = (ref, url)
        self.new_records.append((digest, url, ref))
        if self.on_record is not None:
            self.on_record(digest, url, ref)
        return ref

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _warc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_record(archive_dir: str | os.PathLike, warc_file: str, offset: int) -> tuple[str, dict[str, str], bytes]:
    """(url, http headers, decoded payload) of the record at offset: content-encoding undone.

    Raises ValueError when the record is missing or damaged (its payload digest does not match),
    so a truncated archive file never passes for a short page.
    """
    path = Path(archive_dir) / warc_file
    with open(path, "rb") as handle:
        handle.seek(offset)
        try:
            for record in ArchiveIterator(handle):
                headers = dict(record.http_headers.headers) if record.http_headers else {}
                raw = record.raw_stream.read()
                declared = record.rec_headers.get_header("WARC-Payload-Digest")
                if not declared or declared != payload_digest(raw):
                    raise ValueError(f"damaged WARC record at {warc_file}:{offset} (payload digest mismatch)")
                encoding = next((v for k, v in headers.items() if k.lower() == "content-encoding"), "")
                return record.rec_headers.get_header("WARC-Target-URI"), headers, decode_content(raw, encoding)
        except (EOFError, OSError, zlib.error) as exc:
            raise ValueError(f"damaged WARC record at {warc_file}:{offset}: {exc}") from exc
    raise ValueError(f"no WARC record at {warc_file}:{offset}")


class DecodedTooLarge(ValueError):
    """The body inflates past the size cap: a decompression bomb, or simply too big."""

    def __init__(self, decoded: int, max_size: int):
        self.decoded = decoded
        self.max_size = max_size
        super().__init__(f"decompressed past {max_size} B (stopped at {decoded} B)")


_CHUNK = 64 * 1024


def decode_content(raw: bytes, content_encoding: str, max_size: int | None = None) -> bytes:
    """Undo the Content-Encoding the server applied (Scrapy undid it before parsing; the archive did not).

    With max_size, decompression stops as soon as the output would pass it (DecodedTooLarge), so a
    small compressed body that inflates to gigabytes costs at most max_size bytes of memory.
    Unknown codings are left as they are.
    """
    for coding in reversed([c.strip().lower() for c in content_encoding.split(",") if c.strip()]):
        if coding in ("gzip", "x-gzip"):
            raw = _gunzip(raw, max_size)
        elif coding == "deflate":
            try:
                raw = _inflate(zlib.decompressobj(), raw, max_size)
            except zlib.error:
                raw = _inflate(zlib.decompressobj(-zlib.MAX_WBITS), raw, max_size)
        elif coding == "br":
            raw = _unbrotli(raw, max_size)
        elif coding == "zstd":
            raw = _unzstd(raw, max_size)
    return raw


def _inflate(decompressor, data: bytes, max_size: int | None, out: list[bytes] | None = None,
             size: int = 0) -> bytes:
    out = [] if out is None else out
    chunk = decompressor.decompress(data, _CHUNK)
    while True:
        size += len(chunk)
        if max_size is not None and size > max_size:
            raise DecodedTooLarge(size, max_size)
        out.append(chunk)
        if decompressor.eof or not decompressor.unconsumed_tail and not chunk:
            break
        chunk = decompressor.decompress(decompressor.unconsumed_tail, _CHUNK)
    if not decompressor.eof:
        tail = decompressor.flush()
        size += len(tail)
        if max_size is not None and size > max_size:
            raise DecodedTooLarge(size, max_size)
        out.append(tail)
    return b"".join(out)


def _gunzip(data: bytes, max_size: int | None) -> bytes:
    """Every gzip member (like gzip.decompress), each bounded."""
    out: list[bytes] = []
    size = 0
    while data:
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        before = len(out)
        _inflate(decompressor, data, max_size, out, size)
        size += sum(len(c) for c in out[before:])
        if not decompressor.eof:
            raise EOFError("compressed file ended before the end-of-stream marker was reached")
        data = decompressor.unused_data.lstrip(b"\x00")
    return b"".join(out)


def _unbrotli(data: bytes, max_size: int | None) -> bytes:
    import brotli

    if max_size is None:
        return brotli.decompress(data)
    decompressor = brotli.Decompressor()
    out = [decompressor.process(data, output_buffer_limit=_CHUNK)]
    size = len(out[0])
    while not decompressor.is_finished():
        if size > max_size:
            raise DecodedTooLarge(size, max_size)
        chunk = decompressor.process(b"", output_buffer_limit=_CHUNK)
        if not chunk:
            break
        size += len(chunk)
        out.append(chunk)
    if size > max_size:
        raise DecodedTooLarge(size, max_size)
    return b"".join(out)


def _unzstd(data: bytes, max_size: int | None) -> bytes:
    try:
        from compression import zstd  # Python 3.14
    except ImportError:
        from backports import zstd
    decompressor = zstd.ZstdDecompressor()
    out = [decompressor.decompress(data, max_length=_CHUNK)]
    size = len(out[0])
    while not decompressor.eof and not decompressor.needs_input:
        if max_size is not None and size > max_size:
            raise DecodedTooLarge(size, max_size)
        chunk = decompressor.decompress(b"", max_length=_CHUNK)
        size += len(chunk)
        out.append(chunk)
    if max_size is not None and size > max_size:
        raise DecodedTooLarge(size, max_size)
    return b"".join(out)


def read_payload(archive_dir: str | os.PathLike, warc_file: str, offset: int) -> tuple[dict[str, str], bytes]:
    _, headers, body = read_record(archive_dir, warc_file, offset)
    return headers, body
