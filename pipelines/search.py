"""Chinese full-text search over reports: a CJK-bigram FTS5 index kept in step with every write.

SQLite's unicode61 tokenizer does not segment Chinese (a whole run of Han characters becomes one
token) and the trigram tokenizer cannot find terms shorter than three characters. So the index is
fed pre-segmented text instead: every run of CJK characters becomes its overlapping bigrams followed
by the run's last character ("年度报告" -> "年度 度报 报告 告"), other words are kept as they are, and
unicode61 indexes the result. A query is rewritten the same way into an FTS5 phrase (see
fts_query), which makes a search for any CJK substring of one character or more exact.

Contract used by pipelines.store:
- register_functions(conn): the SQL functions nianbao_bigrams(text) and nianbao_fts_query(query).
- ensure_search(db): create the index if missing and repair it when it drifted from reports.
- index_report(db, report_id): bring the index in step with one report row (its text already
  holds the text extracted from its attachments).

Datasette uses the index through the `fts_table: reports_fts` metadata of the reports table; the
web plugin registers fts_query as Datasette's escape_fts so `?_search=复议` goes through it.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from typing import Iterable

FTS_TABLE = "reports_fts"
STATE_TABLE = "reports_fts_state"
VERSION_TABLE = "reports_fts_version"
# Bump when the segmentation or the index layout changes: ensure_search then rebuilds the index.
INDEX_VERSION = "cjk-bigram-2"

# Han (BMP, extension A, compatibility, supplementary planes), 々 and 〇, kana and hangul.
_CJK = "\u3005\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
_SEGMENT_RE = re.compile(f"([{_CJK}]+)|([^{_CJK}]+)")
# What unicode61 treats as a token: letters, numbers and private-use characters; the rest separates.
_WORD_RE = re.compile(r"[^\W_]+")
# Datasette's own escape_fts splits the query on whitespace and keeps "double quoted" phrases whole.
_QUERY_TERM_RE = re.compile(r'"([^"]*)"?|(\S+)')


def _normalise(text: str) -> str:
    # NFKC folds full-width digits and letters (２０２１ -> 2021) on both the index and the query side.
    return unicodedata.normalize("NFKC", text)


def _run_tokens(run: str, open_ended: bool) -> list[str]:
    """Tokens for one run of CJK characters.

    An indexed run ends with its last character on its own, so that a query run which stops where
    the text run stops (or a one-character query) still has a token to match. A query run that the
    text may continue past (open_ended) stops at its last bigram.
    """
    if len(run) == 1:
        return [run]
    bigrams = [run[i:i + 2] for i in range(len(run) - 1)]
    return bigrams if open_ended else bigrams + [run[-1]]


def _tokens(text: str, open_end: bool = False) -> list[tuple[str, bool]]:
    """(token, is_cjk) pairs; open_end marks the final CJK run as one the text may continue."""
    segments = [(m.group(1), m.group(2)) for m in _SEGMENT_RE.finditer(_normalise(text))]
    tokens: list[tuple[str, bool]] = []
    for position, (cjk, other) in enumerate(segments):
        if cjk:
            last = position == len(segments) - 1
            tokens.extend((token, True) for token in _run_tokens(cjk, open_ended=open_end and last))
        else:
            tokens.extend((word, False) for word in _WORD_RE.findall(other))
    return tokens


def bigrams(text: str | None) -> str:
    """Index-side segmentation: the text as space-separated tokens for unicode61."""
    if not text:
        return ""
    return " ".join(token for token, _ in _tokens(text))


def _term_phrase(term: str) -> str | None:
    tokens = _tokens(term, open_end=True)
    if not tokens:
        return None
    phrase = '"' + " ".join(token for token, _ in tokens) + '"'
    last_token, last_is_cjk = tokens[-1]
    # A query ending in a lone CJK character must match it as the first half of a bigram too.
    if last_is_cjk and len(last_token) == 1:
        phrase += "*"
    return phrase


def fts_query(query: str | None) -> str:
    """Rewrite a user's search into an FTS5 MATCH expression over the bigram index.

    Terms separated by whitespace must all occur (AND); a "quoted phrase" is one term. FTS5
    operators in the input are treated as text, so any input is a valid expression. A query with
    no searchable characters becomes an empty phrase, which matches nothing.
    """
    phrases = []
    for quoted, bare in _QUERY_TERM_RE.findall(query or ""):
        phrase = _term_phrase(quoted if quoted else bare)
        if phrase:
            phrases.append(phrase)
    return " ".join(phrases) if phrases else '""'


def register_functions(conn) -> None:
    conn.create_function("nianbao_bigrams", 1, bigrams, deterministic=True)
    conn.create_function("nianbao_fts_query", 1, fts_query, deterministic=True)


# --- the index ---------------------------------------------------------------------------
def ensure_search(db) -> None:
    """Create the index if missing, rebuild it when its version changed, else repair any drift."""
    db.execute(f"create table if not exists {VERSION_TABLE} (key text primary key, value text)")
    stored = db.execute(f"select value from {VERSION_TABLE} where key = 'version'").fetchone()
    if db[FTS_TABLE].exists() and db[STATE_TABLE].exists() and stored and stored[0] == INDEX_VERSION:
        repair(db)
        return
    with db.conn:
        db.execute(f"drop table if exists {FTS_TABLE}")
        db.execute(f"drop table if exists {STATE_TABLE}")
        db.execute(f"create virtual table {FTS_TABLE} using fts5(title, text, content = '', tokenize = 'unicode61')")
        db.execute(f"create table {STATE_TABLE} (rowid integer primary key, report_id text not null, "
                   "source_hash text not null, indexed blob not null)")
        db.execute(f"create index {STATE_TABLE}_report_id on {STATE_TABLE} (report_id)")
        db.execute(f"insert or replace into {VERSION_TABLE} values ('version', ?)", [INDEX_VERSION])
    reindex(db, [row[0] for row in db.execute("select id from reports")])


def repair(db) -> int:
    """Re-index reports whose index entry is missing or belongs to another report; drop orphans.

    The index is keyed by reports.rowid (Datasette joins on it), which a VACUUM may renumber.
    Returns the number of reports re-indexed.
    """
    stale = [row[0] for row in db.execute(
        f"select r.id from reports r left join {STATE_TABLE} s on s.rowid = r.rowid "
        "where s.report_id is null or s.report_id != r.id")]
    orphans = [row[0] for row in db.execute(
        f"select rowid from {STATE_TABLE} where rowid not in (select rowid from reports)")]
    if stale or orphans:
        with db.conn:
            for rowid in orphans:
                _unindex(db, rowid)
            for report_id in stale:
                index_report(db, report_id)
    return len(stale)


def reindex(db, report_ids: Iterable[str]) -> None:
    with db.conn:
        for report_id in report_ids:
            index_report(db, report_id)


def _pack(title: str, text: str) -> bytes:
    return zlib.compress(f"{title}\x00{text}".encode("utf-8"))


def _unpack(indexed: bytes) -> tuple[str, str]:
    title, _, text = zlib.decompress(indexed).decode("utf-8").partition("\x00")
    return title, text


def _source_hash(title: str, text: str) -> str:
    return hashlib.sha256(f"{INDEX_VERSION}\x00{title}\x00{text}".encode("utf-8")).hexdigest()


def _unindex(db, rowid: int) -> None:
    """Remove the postings at rowid: a contentless FTS5 table deletes by the values it indexed."""
    state = db.execute(f"select indexed from {STATE_TABLE} where rowid = ?", [rowid]).fetchone()
    if state is None:
        return
    title, text = _unpack(state[0])
    db.execute(f"insert into {FTS_TABLE} ({FTS_TABLE}, rowid, title, text) values ('delete', ?, ?, ?)",
               [rowid, bigrams(title), bigrams(text)])
    db.execute(f"delete from {STATE_TABLE} where rowid = ?", [rowid])


def index_report(db, report_id: str) -> None:
    """Bring the index in step with one report; cheap when nothing changed since the last call."""
    row = db.execute("select rowid, title, text from reports where id = ?", [report_id]).fetchone()
    if row is None:
        for (rowid,) in db.execute(f"select rowid from {STATE_TABLE} where report_id = ?", [report_id]).fetchall():
            _unindex(db, rowid)
        return
    rowid, title, text = row[0], row[1] or "", row[2] or ""
    source_hash = _source_hash(title, text)
    state = db.execute(f"select report_id, source_hash from {STATE_TABLE} where rowid = ?", [rowid]).fetchone()
    if state is not None and tuple(state) == (report_id, source_hash):
        return
    _unindex(db, rowid)
    db.execute(f"insert into {FTS_TABLE} (rowid, title, text) values (?, ?, ?)", [rowid, bigrams(title), bigrams(text)])
    db.execute(f"insert into {STATE_TABLE} (rowid, report_id, source_hash, indexed) values (?, ?, ?, ?)",
               [rowid, report_id, source_hash, _pack(title, text)])
