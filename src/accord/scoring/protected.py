"""Protected attributes (gender, ethnicity, religion, ...) are never model features.

The list is data (``protected.yaml``), jurisdiction aware; this module only matches column names
against it. Detection is by name because that is what a feature table carries; a risk team that
renames ``gender`` to ``g1`` defeats it, which is why the model report lists the features used.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from accord.kit.errors import InputError

ALL = "ALL"
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPLIT = re.compile(r"[^0-9a-zA-Z]+")
_LATIN = re.compile(r"^[0-9a-zA-Z_\- .]+$")


def _tokens(name: str) -> list[str]:
    return [t for t in _SPLIT.split(_CAMEL.sub("_", name).lower()) if t]


@lru_cache(maxsize=8)
def _load(path: str | None) -> dict:
    if path is None:
        text = resources.files("accord.scoring").joinpath("protected.yaml").read_text("utf-8")
        source = "protected.yaml"
    else:
        try:
            text = Path(path).read_text("utf-8")
        except OSError as exc:
            raise InputError(f"{path}: cannot read the protected-attribute list ({exc.strerror})") from exc
        source = path
    try:
        data = yaml.safe_load(text)
        categories = data["categories"]
        jurisdictions = data["jurisdictions"]
    except (yaml.YAMLError, TypeError, KeyError) as exc:
        raise InputError(f"{source}: not a protected-attribute list (needs 'categories' and 'jurisdictions')") from exc
    return {"categories": categories, "jurisdictions": jurisdictions}


def forbidden_categories(jurisdiction: str | None = None, config: str | None = None) -> list[str]:
    """Category names forbidden in ``jurisdiction`` (CN / US / UK); ``None`` or ALL = the union."""
    data = _load(config)
    table = data["jurisdictions"]
    if jurisdiction is None or jurisdiction.upper() == ALL:
        seen: dict[str, None] = {}
        for cats in table.values():
            seen.update(dict.fromkeys(cats))
        return list(seen)
    key = jurisdiction.upper()
    if key not in table:
        raise InputError(f"unknown jurisdiction {jurisdiction!r}; known: {', '.join(sorted(table))}, ALL")
    return list(table[key])


def _matches(column: str, name: str) -> bool:
    if not _LATIN.match(name):
        return name in column  # Chinese and other scripts: substring
    want = _tokens(name)
    have = _tokens(column)
    n = len(want)
    return any(have[i:i + n] == want for i in range(len(have) - n + 1))


def protected_columns(columns: list[str], jurisdiction: str | None = None,
                      config: str | None = None) -> dict[str, str]:
    """Map each protected column to the reason it is excluded, e.g. ``{"性别": "gender: ..."}``."""
    data = _load(config)
    found: dict[str, str] = {}
    for category in forbidden_categories(jurisdiction, config):
        spec = data["categories"].get(category)
        if spec is None:
            raise InputError(f"protected-attribute list: jurisdiction names unknown category {category!r}")
        for column in columns:
            if column in found:
                continue
            hit = next((n for n in spec["names"] if _matches(column, str(n))), None)
            if hit is not None:
                where = jurisdiction.upper() if jurisdiction else ALL
                found[column] = f"protected attribute ({category}, matched '{hit}', jurisdiction {where}): {spec['reason']}"
    return found
