"""Serving limits: no single request may make the Datasette process hold or send unbounded data.

Datasette's sql_time_limit_ms is checked between SQLite instructions, so one instruction that builds a
huge value (randomblob(1e9)) or a thousand rows of big values slip through it, and the whole result is
built in memory, then rendered, before a byte is sent. Three caps close that:

- every SQLite value (string, blob, row record) on Datasette's connections is at most MAX_VALUE_BYTES;
- a query fails as soon as its values could not be sent within MAX_RESPONSE_BYTES once rendered
  (JSON writes a Chinese or control character as a six-byte \\uXXXX escape), so an oversized result
  is refused before Datasette renders it;
- no response body larger than MAX_RESPONSE_BYTES is sent, whatever built it.
"""
from __future__ import annotations

import json
import sqlite3
import weakref

# The largest legitimate value is a report's text with its attachments' text, a few MB; a row record
# must fit too, since SQLite refuses to read a row longer than this limit.
MAX_VALUE_BYTES = 8 * 1024 * 1024
# Above the largest archived attachment served as-is (the crawl keeps attachments up to 30 MB).
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
# SQLite's own heap, process-wide: bounds a single row of many big columns, which exists in full
# inside SQLite before Python sees any of it. Ample for page caches, sorting and FTS queries.
SQLITE_HEAP_LIMIT_BYTES = 64 * 1024 * 1024
OUT_OF_MEMORY_MESSAGE = ("Query needs more memory than this server allows: "
                         "select fewer or shorter columns (e.g. substr(text, 1, 1000)).")

_MB = 1024 * 1024


class QueryResultTooLarge(sqlite3.DataError):
    """A DatabaseError, so Datasette reports it as a failed query (400), like a timed-out one."""


def rendered_bytes(value) -> int:
    """At most how many bytes value takes in a response: JSON escapes a non-ASCII or control
    character in six bytes (a rare astral one in twelve: the response cap catches those), and a blob is
    decoded as UTF-8 when it can be, else base64."""
    if isinstance(value, str):
        return len(value) if value.isascii() and value.isprintable() else 6 * len(value)
    if isinstance(value, bytes):
        return 6 * len(value)
    return 24


def budgeted_row_factory(limit: int = MAX_RESPONSE_BYTES):
    """A row factory making Datasette's sqlite3.Row rows that fails a query once its values could
    not be rendered within limit.

    One connection runs one query at a time, so the budget restarts whenever a new cursor shows up.
    """
    current = {"cursor": lambda: None, "total": 0}

    def make_row(cursor, values):
        if current["cursor"]() is not cursor:
            current["cursor"], current["total"] = weakref.ref(cursor), 0
        current["total"] += sum(map(rendered_bytes, values))
        if current["total"] > limit:
            del values  # the error's traceback keeps this frame alive: it must not keep the row too
            raise QueryResultTooLarge(
                f"Query result too large: it would pass the {limit // _MB} MB this server sends. "
                "Select fewer rows (_size=, LIMIT) or columns, or shorter values (e.g. substr(text, 1, 1000)).")
        return sqlite3.Row(cursor, values)

    return make_row


def limit_connection(conn: sqlite3.Connection) -> None:
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    conn.row_factory = budgeted_row_factory()


def limit_sqlite_heap(limit: int = SQLITE_HEAP_LIMIT_BYTES) -> None:
    """Cap SQLite's memory for the whole process (sqlite3_hard_heap_limit64): call it only in a server process."""
    connection = sqlite3.connect(":memory:")
    try:
        connection.execute(f"PRAGMA hard_heap_limit = {int(limit)}")
    finally:
        connection.close()


def _refusal(path: str, size: int, limit: int) -> tuple[int, str, bytes]:
    message = (f"Response too large: {size / _MB:.0f} MB, more than the {limit // _MB} MB this server sends. "
               "Ask for fewer rows (_size=, LIMIT) or columns (_col=, _nocol=), or shorter values.")
    if path.endswith(".json"):
        return 400, "application/json; charset=utf-8", json.dumps({"ok": False, "error": message, "status": 400}).encode()
    return 400, "text/plain; charset=utf-8", message.encode()


def response_size_cap(app, limit: int = MAX_RESPONSE_BYTES):
    """ASGI wrapper: a body chunk over limit is never sent.

    The response's headers are held back until its first body chunk, so an oversized one-piece body
    (Datasette's JSON and HTML pages) is replaced by a 400 saying why. A stream (CSV) whose headers
    are already out and whose next chunk is oversized is ended there.
    """
    async def capped_app(scope, receive, send):
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        held_start = None
        finished = False

        async def capped_send(message):
            nonlocal held_start, finished
            if finished:
                return
            if message["type"] == "http.response.start":
                held_start = message
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            body = message.get("body", b"")
            if len(body) > limit:
                finished = True
                if held_start is not None:
                    status, content_type, error = _refusal(scope.get("path", ""), len(body), limit)
                    await send({"type": "http.response.start", "status": status,
                                "headers": [(b"content-type", content_type.encode()),
                                            (b"content-length", str(len(error)).encode())]})
                    await send({"type": "http.response.body", "body": error})
                else:
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            if held_start is not None:
                await send(held_start)
                held_start = None
            await send(message)

        await app(scope, receive, capped_send)
        if held_start is not None and not finished:  # headers with no body at all
            await send(held_start)

    return capped_app
