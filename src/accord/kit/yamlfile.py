"""Reading the YAML files operators edit (policies, profiles): one place for the error that names the
file, so every feature refuses an unreadable or malformed file the same way (exit 2)."""

from __future__ import annotations

from pathlib import Path

import yaml

from accord.kit.errors import InputError


def read_yaml(path: Path | str, what: str) -> object:
    """The parsed content of ``path``; ``InputError`` "PATH: cannot read the WHAT (...)" otherwise."""
    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: cannot read the {what} ({exc})") from exc


def read_mapping(path: Path | str, what: str) -> dict:
    """A YAML file that must hold a mapping (an empty file is an empty mapping)."""
    data = read_yaml(path, what)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(f"{path}: the {what} must be a mapping")
    return data
