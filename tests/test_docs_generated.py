"""docs/metrics.md and docs/checks.md are generated from the registries and committed up to date."""
from __future__ import annotations

from pipelines.metrics import docs, keys, rules


def test_committed_docs_match_the_registries():
    stale = docs.stale()
    assert not stale, (f"{', '.join(stale)} differ from what the registries generate: "
                       f"run `{docs.COMMAND}` and commit the result")


def test_the_docs_name_every_key_and_rule():
    metrics_md = docs.render_metrics()
    checks_md = docs.render_checks()
    table3_keys = {r.key for r in keys.KEYS.values() if r.section == "table3"}
    assert all(f"`{key}`" in metrics_md for key in set(keys.KEYS) - table3_keys)
    assert all(f"`{part.name}`" in metrics_md for part in keys.TABLE3_ROWS + keys.TABLE3_COLUMNS)
    assert all(f"`{rule.id}`" in checks_md for rule in rules.RULES)
    assert all(f"| {t.id} |" in checks_md for t in rules.TEMPLATE_RULES)


def test_stale_docs_are_reported(tmp_path):
    (tmp_path / "metrics.md").write_text(docs.render_metrics() + "\nedited by hand\n", encoding="utf-8")
    (tmp_path / "checks.md").write_text(docs.render_checks(), encoding="utf-8")
    assert docs.stale(tmp_path) == ["docs/metrics.md"]
