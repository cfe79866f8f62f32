"""Shared pytest configuration."""
from __future__ import annotations


def pytest_addoption(parser):
    parser.addoption("--regen", action="store_true", default=False,
                     help="rewrite the golden files (tests/golden/*.json) from the mock portals instead of "
                          "comparing; review the result with `git diff -- tests/golden/`")
