"""Family adapters, one module per CMS family. Each module defines `FAMILY`, an instance of
crawler.families.base.Family whose `name` is the registry's `family` value."""
from __future__ import annotations

import importlib
import pkgutil

from crawler.families.base import Family

_NOT_FAMILIES = {"base", "common"}


def family_modules() -> list[str]:
    return sorted(
        m.name for m in pkgutil.iter_modules(__path__) if m.name not in _NOT_FAMILIES and not m.name.startswith("_")
    )


def all_families() -> dict[str, Family]:
    found = {}
    for module_name in family_modules():
        module = importlib.import_module(f"{__name__}.{module_name}")
        family = getattr(module, "FAMILY", None)
        if isinstance(family, Family):
            found[family.name] = family
    return found


def get_family(name: str) -> Family:
    families = all_families()
    if name not in families:
        raise KeyError(f"unknown family {name!r}; known: {', '.join(sorted(families))}")
    return families[name]
