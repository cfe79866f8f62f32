"""Report corpora for the whole-report tests: the real seeds beside the repository and the
self-written stand-ins inside it.

- "seeds": ../shared/seeds (five real reports and their hand-made gold.json). The folder lies
  beside the repository in CI and on the developers' machines, not in a bare clone: every test
  that reads it goes through this module and is skipped with SKIP_REASON when it is absent.
- "standalone": tests/fixtures/standalone, five invented reports (agencies, texts and numbers
  written for the tests, in the shape of the templates of REPORT_FORMAT.md) with a gold.json of
  the same schema, always present.

Each corpus has one report per role below, so a test names the behaviour it needs and runs on
both corpora; the standalone run alone keeps each behaviour tested in a clone.
"""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO.parent / "shared" / "seeds"
STANDALONE = REPO / "tests" / "fixtures" / "standalone"
SKIP_REASON = ("../shared/seeds not found beside the repository: seed-report tests skipped; "
               "the self-written fixtures in tests/fixtures/standalone cover the same behaviours")

# role → the report of each corpus that exercises it.
ROLES = {
    # the old 统计表, one cell per line, that breaks R9.requests.answer; agency from the signature
    "legacy_table": {"seeds": "003_892ffea44dfa64a3.txt", "standalone": "legacy_table_2016.txt"},
    # prose only, a Chinese-numeral zero, a catalogue longer than the stated count, signature agency
    "prose_signature": {"seeds": "000_bec88f49f69761ae.txt", "standalone": "prose_signature_2017.txt"},
    # a copied page with its metadata block (信息索取号, 发布时间) and a garbled closing date
    "page_meta": {"seeds": "001_7cac77d2a16a0895.txt", "standalone": "page_meta_2017.txt"},
    # a title with stray spaces and screenshot text that holds numbers
    "stray_spaces": {"seeds": "002_899d6ab70974a60b.txt", "standalone": "stray_spaces_2018.txt"},
    # agency from the title, no year total (only one channel's count)
    "title_agency": {"seeds": "004_7b3af533a8c4464a.txt", "standalone": "title_agency_2018.txt"},
}


def seeds_present() -> bool:
    return (SEEDS / "gold.json").is_file()


# A marker for a test that reads the seeds only.
needs_seeds = pytest.mark.skipif(not seeds_present(), reason=SKIP_REASON)


def require_seeds() -> Path:
    """../shared/seeds, or a skip of the calling test when it is not beside the repository."""
    if not seeds_present():
        pytest.skip(SKIP_REASON)
    return SEEDS


def corpus_dir(corpus: str) -> Path:
    return require_seeds() if corpus == "seeds" else STANDALONE


def corpus_params() -> list:
    """For @pytest.mark.parametrize("corpus", corpus_params())."""
    return [pytest.param("standalone", id="standalone"),
            pytest.param("seeds", id="seeds", marks=needs_seeds)]


@cache
def gold(corpus: str) -> tuple[dict, ...]:
    return tuple(json.loads((corpus_dir(corpus) / "gold.json").read_text(encoding="utf-8")))


def gold_params() -> list:
    """For @pytest.mark.parametrize("corpus,file", gold_params()): every report of both corpora,
    or one skipped "seeds" entry when the seeds are absent."""
    params = [pytest.param("standalone", g["file"], id=f"standalone-{Path(g['file']).stem}") for g in gold("standalone")]
    if seeds_present():
        params += [pytest.param("seeds", g["file"], id=f"seeds-{g['file'][:3]}") for g in gold("seeds")]
    else:
        params.append(pytest.param("seeds", None, id="seeds", marks=pytest.mark.skip(reason=SKIP_REASON)))
    return params


def gold_case(corpus: str, file: str) -> dict:
    return next(g for g in gold(corpus) if g["file"] == file)


def role_path(corpus: str, role: str) -> Path:
    return corpus_dir(corpus) / ROLES[role][corpus]


def role_text(corpus: str, role: str) -> str:
    return role_path(corpus, role).read_text(encoding="utf-8")


def role_gold(corpus: str, role: str) -> dict:
    return gold_case(corpus, ROLES[role][corpus])
