"""SQL views for the common questions (owned by the Datasette work; see issue 5)."""
from __future__ import annotations


def create_views(db) -> None:
    return None
