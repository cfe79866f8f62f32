"""Chinese full-text search over reports (owned by the Datasette work; see issue 5).

Contract used by pipelines.store:
- register_functions(conn): add any SQL functions the index needs to a sqlite3 connection.
- ensure_search(db): create the FTS table/triggers if missing.
- index_report(db, report_id): bring the index in step with one report row after a write.
"""
from __future__ import annotations


def register_functions(conn) -> None:
    return None


def ensure_search(db) -> None:
    return None


def index_report(db, report_id: str) -> None:
    return None
