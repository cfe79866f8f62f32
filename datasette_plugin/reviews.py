"""Review of failed consistency checks (issue 15): verdicts beside each failed check on the report page.

Off unless `nianbao serve --review` calls enable_review(): then the password login of
datasette-auth-passwords (/-/login, one account, its hash read from the environment) is configured,
the report page shows a form beside each failed check to a logged-in actor, and POST
/-/nianbao/review appends a row to check_reviews (through sqlite-utils, on Datasette's write
connection). Nothing else is ever written: reports, metrics and checks stay as the archive has them.
Without review mode the route answers 403 and no form is shown.
"""
from __future__ import annotations

import datetime
import urllib.parse

import sqlite_utils
from datasette import hookimpl
from datasette.utils.asgi import Response

from pipelines.check_reviews import VERDICTS, ensure_check_reviews

PASSWORD_HASH_ENV = "NIANBAO_REVIEW_PASSWORD_HASH"
AUTH_PLUGIN = "datasette-auth-passwords"
DATABASE_NAME = "reports"
MAX_NOTE = 2000


def enable_review(datasette, reviewer: str = "reviewer") -> None:
    """Review mode for this Datasette: the account `reviewer` logs in with the password whose hash is
    in the NIANBAO_REVIEW_PASSWORD_HASH environment variable (metadata names the variable, never the hash)."""
    datasette.nianbao_review = {"reviewer": reviewer}


def review_mode(datasette) -> bool:
    return bool(getattr(datasette, "nianbao_review", None))


@hookimpl
def get_metadata(datasette, key, database, table):
    if not review_mode(datasette):
        return {}
    account = datasette.nianbao_review["reviewer"]
    return {"plugins": {AUTH_PLUGIN: {f"{account}_password_hash": {"$env": PASSWORD_HASH_ENV}}}}


@hookimpl
def startup(datasette):
    async def inner():
        if review_mode(datasette) and DATABASE_NAME in datasette.databases:
            # An archive written before check_reviews existed gets the table and view (nothing else).
            await datasette.get_database(DATABASE_NAME).execute_write_fn(
                lambda conn: ensure_check_reviews(sqlite_utils.Database(conn)), block=True)
    return inner


async def latest_reviews(db, report_id: str) -> dict[str, dict]:
    """{rule: latest review (with `history`, the number of reviews)} for a report's checks."""
    if "check_reviews" not in await db.table_names():
        return {}
    rows = (await db.execute(
        "select rule, verdict, note, reviewer, reviewed_at, id from check_reviews where report_id = ? order by id",
        [report_id])).rows
    result: dict[str, dict] = {}
    for rule, verdict, note, reviewer, reviewed_at, _ in rows:
        history = result.get(rule, {}).get("history", 0) + 1
        zh, en = VERDICTS.get(verdict, (verdict, verdict))
        result[rule] = dict(verdict=verdict, verdict_zh=zh, verdict_en=en, note=note, reviewer=reviewer,
                            reviewed_at=reviewed_at, history=history)
    return result


@hookimpl
def extra_template_vars(template, database, request, datasette):
    async def inner():
        if template != "row-reports-reports.html" or request is None or not request.url_vars:
            return {}
        report_id = urllib.parse.unquote(request.url_vars.get("pks", ""))
        can_review = review_mode(datasette) and request.actor is not None
        return {"nb_review": {
            "enabled": can_review,
            "mode": review_mode(datasette),
            "latest": await latest_reviews(datasette.get_database(database), report_id),
            "verdicts": [(code, zh, en) for code, (zh, en) in VERDICTS.items()],
            "action": datasette.urls.path("/-/nianbao/review"),
            "history_url": datasette.urls.table(database, "check_reviews") + "?report_id="
                           + urllib.parse.quote(report_id),
        }}
    return inner


def _refuse(message: str, status: int) -> Response:
    return Response.text(message + "\n", status=status)


async def review(request, datasette):
    """POST report_id, rule, verdict, note (and Datasette's csrftoken): append one review."""
    if not review_mode(datasette):
        return _refuse("review is off: this server is read-only (start it with `nianbao serve --review`)", 403)
    if request.method != "POST":
        return _refuse("POST a review from the report page", 405)
    if request.actor is None or not request.actor.get("id"):
        return _refuse("log in at /-/login to review", 403)
    form = await request.post_vars()
    report_id, rule = form.get("report_id", ""), form.get("rule", "")
    verdict, note = form.get("verdict", ""), (form.get("note") or "").strip()
    if verdict not in VERDICTS:
        return _refuse(f"unknown verdict {verdict!r}: one of {', '.join(VERDICTS)}", 400)
    if len(note) > MAX_NOTE:
        return _refuse(f"the note is longer than {MAX_NOTE} characters", 400)
    db = datasette.get_database(DATABASE_NAME)
    failed = (await db.execute("select 1 from checks where report_id = ? and rule = ? and passed = 0",
                               [report_id, rule])).rows
    if not failed:
        return _refuse("no such failed check", 404)
    row = {"report_id": report_id, "rule": rule, "verdict": verdict, "note": note,
           "reviewer": str(request.actor["id"]),
           "reviewed_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}

    def write(conn):
        # The only write the server makes: one new row in check_reviews.
        sqlite_utils.Database(conn)["check_reviews"].insert(row)

    await db.execute_write_fn(write, block=True)
    return Response.redirect(datasette.urls.row(DATABASE_NAME, "reports", report_id) + "#nb-check-"
                             + urllib.parse.quote(rule))


@hookimpl
def register_routes():
    return [(r"^/-/nianbao/review$", review)]


def disable_login() -> None:
    """A read-only server offers no log-in at all: datasette-auth-passwords (loaded by its entry point)
    is taken out of this process's plugins, with its /-/login, /-/password-tool and "Log in" menu item."""
    from datasette.plugins import pm

    if pm.get_plugin(AUTH_PLUGIN_ENTRY_POINT) is not None:
        pm.unregister(name=AUTH_PLUGIN_ENTRY_POINT)


AUTH_PLUGIN_ENTRY_POINT = "auth_passwords"
