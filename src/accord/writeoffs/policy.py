"""Write-off policy as data (``accord/writeoffs/data/writeoffs.yaml``; ``ACCORD_WRITEOFF_POLICY_FILE``
replaces it): whether an open loan may be flagged for sale."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


from accord.kit.errors import InputError
from accord.kit.yamlfile import read_yaml

DEFAULT = Path(__file__).resolve().parent / "data" / "writeoffs.yaml"


@dataclass(frozen=True)
class WriteOffPolicy:
    sell_open_loans: bool = False
    source: str = str(DEFAULT)


@lru_cache(maxsize=4)
def _load(path: Path) -> WriteOffPolicy:
    data = read_yaml(path, "write-off policy") or {}
    sale = data.get("sale") if isinstance(data, dict) else None
    value = (sale or {}).get("open_loans", False) if isinstance(sale, dict) or sale is None else None
    if not isinstance(value, bool):
        raise InputError(f"{path}: sale.open_loans must be true or false")
    return WriteOffPolicy(value, str(path))


def writeoff_policy() -> WriteOffPolicy:
    given = os.environ.get("ACCORD_WRITEOFF_POLICY_FILE")
    return _load(Path(given) if given else DEFAULT)
