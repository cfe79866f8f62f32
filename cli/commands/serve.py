"""nianbao serve: browse the archive in Datasette (read-only), with metadata.yml and the nianbao plugin."""
from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path

from cli import EXIT_USAGE, complain
from datasette_plugin.app import build_datasette
from datasette_plugin.limits import limit_sqlite_heap
from datasette_plugin.reviews import PASSWORD_HASH_ENV, disable_login, enable_review

HELP = "serve the archive database read-only in Datasette (search, facets, canned queries, dashboard)"


def add_arguments(parser):
    # Relative to the current directory, as `nianbao crawl --db` is: serve what crawl wrote here.
    parser.add_argument("--db", default="data/reports.db", help="archive database (default data/reports.db)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="interface to bind (default 127.0.0.1; 0.0.0.0 exposes it to the network)")
    parser.add_argument("--port", type=int, default=8001, help="port (default 8001; 0 picks a free one)")
    parser.add_argument("--immutable", action="store_true",
                        help="serve a published snapshot that nothing writes to (faster: no locking, cached counts)")
    parser.add_argument("--archive-dir", default=None,
                        help="directory of the WARC files behind the archived-copy links (default: archive/ beside the database)")
    parser.add_argument("--review", action="store_true",
                        help="review mode: open the database writable so that a logged-in reviewer can mark failed "
                             "checks (the check_reviews table only); needs the password hash in "
                             f"{PASSWORD_HASH_ENV} or --password-file")
    parser.add_argument("--password-file", default=None,
                        help="file holding the reviewer's password hash (`.venv/bin/datasette hash-password`)")
    parser.add_argument("--reviewer", default="reviewer", help="the reviewer's login name (default reviewer)")


def checkpoint_for_snapshot(db_path: Path) -> None:
    """Fold the write-ahead log into the database file: immutable readers never look at the WAL."""
    wal = db_path.with_name(db_path.name + "-wal")
    if not wal.exists() or wal.stat().st_size == 0:
        return
    connection = sqlite3.connect(db_path)
    try:
        busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        connection.close()
    if busy:
        raise RuntimeError(f"{db_path} is being written to; --immutable needs a snapshot nothing writes to")


def review_password_hash(password_file) -> str:
    """The reviewer's password hash, from --password-file or the environment; RuntimeError if none usable."""
    if password_file is not None:
        try:
            value = Path(password_file).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise RuntimeError(f"cannot read the password file {password_file}: {error.strerror}") from None
    else:
        value = os.environ.get(PASSWORD_HASH_ENV, "").strip()
    if not value.startswith("pbkdf2_sha256$") or value.count("$") != 3:
        where = password_file or PASSWORD_HASH_ENV
        raise RuntimeError(f"--review needs a password hash (pbkdf2_sha256$…, from `.venv/bin/datasette hash-password`) "
                           f"in {where}")
    return value


def serve(db_path, host: str = "127.0.0.1", port: int = 8001, immutable: bool = False, archive_dir=None,
          review: bool = False, reviewer: str = "reviewer") -> int:
    """Run Datasette over db_path with uvicorn, as `datasette serve` does, until interrupted."""
    import uvicorn

    db_path = Path(db_path).resolve()
    if immutable:
        checkpoint_for_snapshot(db_path)
    datasette = build_datasette(db_path, immutable=immutable, archive_dir=archive_dir)
    if review:
        enable_review(datasette, reviewer)
    else:
        disable_login()
    limit_sqlite_heap()  # this process only serves, so SQLite's memory may be capped process-wide
    asyncio.run(datasette.invoke_startup())
    mode = "immutable snapshot" if immutable else "read-only, live"
    if review:
        mode = f"review mode: {reviewer} logs in at /-/login; only check_reviews is written"
    print(f"nianbao: serving {db_path} ({mode}) at http://{host}:{port}/", flush=True)
    uvicorn.run(datasette.app(), host=host, port=port, log_level="warning", lifespan="on")
    return 0


def run(args) -> int:
    db_path = Path(args.db)
    if not db_path.exists():
        complain(f"no archive database at {db_path} (run `nianbao crawl` or `nianbao demo` first, or pass --db)")
        return EXIT_USAGE
    try:
        if args.review:
            if args.immutable:
                raise RuntimeError("--review writes reviews to the database; it cannot be served --immutable")
            # The auth plugin reads the hash from the environment (metadata names the variable, never the hash).
            os.environ[PASSWORD_HASH_ENV] = review_password_hash(args.password_file)
        return serve(db_path, host=args.host, port=args.port, immutable=args.immutable, archive_dir=args.archive_dir,
                     review=args.review, reviewer=args.reviewer)
    except RuntimeError as error:
        complain(str(error))
        return EXIT_USAGE
