"""Build the Datasette app that serves the archive: metadata.yml, the nianbao plugin, safe settings."""
from __future__ import annotations

import copy
import os
import sqlite3
from pathlib import Path

import yaml
from datasette.app import Datasette
from datasette.database import Database
from datasette.plugins import pm

from datasette_plugin import browse, compare, plugin, ranking, reviews
from pipelines.archive import archive_dir_for

METADATA_PATH = Path(__file__).resolve().parents[1] / "metadata.yml"
# The report page (row-reports-reports.html), the compact reports table and canned-query titles.
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
# metadata.yml, canned queries and dashboards address the archive by this name, whatever the file is called.
DATABASE_NAME = "reports"

# Keep a large archive responsive for many readers: bounded queries, facets and pages; no facet
# suggestions (each costs a query per column); long report texts truncated in HTML tables.
SETTINGS = {
    "sql_time_limit_ms": 3000,
    "facet_time_limit_ms": 500,
    "max_returned_rows": 1000,
    "default_facet_size": 20,
    "default_page_size": 50,
    "suggest_facets": False,
    "truncate_cells_html": 120,
    "num_sql_threads": 3,
    "allow_download": False,
    "default_cache_ttl": 60,
}


def load_metadata(archive_dir: str | os.PathLike | None = None) -> dict:
    metadata = yaml.safe_load(METADATA_PATH.read_text(encoding="utf-8"))
    metadata = copy.deepcopy(metadata)
    if archive_dir is not None:
        metadata.setdefault("plugins", {}).setdefault("nianbao", {})["archive_dir"] = str(archive_dir)
    return metadata


def top_province(db_path: Path) -> str | None:
    """The province with the most reports, read once at start (None for an empty or unreadable archive)."""
    try:
        connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            row = connection.execute(
                "select province from reports where province is not null and province != '' "
                "group by province order by count(*) desc, province limit 1").fetchone()
        finally:
            connection.close()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def set_dashboard_default_region(metadata: dict, db_path: Path) -> None:
    """The dashboard's region filter opens on the province with the most reports, unless metadata.yml sets one."""
    dashboards = (metadata.get("plugins") or {}).get("datasette-dashboards") or {}
    region = ((dashboards.get("nianbao") or {}).get("filters") or {}).get("region")
    if region is not None and not region.get("default"):
        province = top_province(db_path)
        if province:
            region["default"] = province


def register_plugin() -> None:
    if not pm.is_registered(plugin):
        pm.register(plugin, name="nianbao")
    if not pm.is_registered(browse):
        pm.register(browse, name="nianbao-browse")
    pm.is_registered(reviews) or pm.register(reviews, name="nianbao-reviews")
    pm.is_registered(compare) or pm.register(compare, name="nianbao-compare")
    pm.is_registered(ranking) or pm.register(ranking, name="nianbao-ranking")


def build_datasette(db_path: str | os.PathLike, immutable: bool = False,
                    archive_dir: str | os.PathLike | None = None, settings: dict | None = None) -> Datasette:
    """A read-only Datasette over one archive database (WAL: crawls may keep writing meanwhile).

    immutable=True serves a published snapshot: SQLite skips locking and Datasette may cache counts.
    The archived-copy route reads WARC files from archive_dir (default: `archive` beside the database).
    """
    db_path = Path(db_path).resolve()
    if not db_path.exists():
        raise FileNotFoundError(f"no archive database at {db_path}")
    register_plugin()
    metadata = load_metadata(archive_dir if archive_dir is not None else archive_dir_for(db_path))
    set_dashboard_default_region(metadata, db_path)
    datasette = Datasette(metadata=metadata, settings=dict(SETTINGS, **(settings or {})),
                          template_dir=str(TEMPLATES_DIR))
    # Datasette adds an empty in-memory database when given no files; the archive is the only one.
    if "_memory" in datasette.databases:
        datasette.remove_database("_memory")
    datasette.add_database(Database(datasette, path=str(db_path), is_mutable=not immutable), name=DATABASE_NAME)
    return datasette
