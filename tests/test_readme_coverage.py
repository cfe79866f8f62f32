"""README's coverage table is the one `nianbao portals coverage` prints for data/portals.yml."""
from __future__ import annotations

import re
import subprocess
import sys

from tests.crawl_helpers import REPO


def test_readme_coverage_matches_registry():
    generated = subprocess.run([sys.executable, "-m", "cli.main", "portals", "coverage"], cwd=REPO,
                               capture_output=True, text=True, check=True).stdout
    body = generated.strip().split("\n", 1)[1].strip().replace("## ", "### ")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- coverage:start -->\n(.*)\n<!-- coverage:end -->", readme, re.S).group(1)
    assert block.strip() == body, "README coverage is stale: paste `nianbao portals coverage` into README.md"
