"""Mapping files turn another system's export (a lender's own loan tape) into Accord's columns.

```yaml
loans:                       # which Accord file kind the mapped file becomes
  file: "loan_tape*.csv"     # glob matched against file names (optional if the name says the kind)
  rename: {LoanNo: loan_id, ClientNo: borrower_id, Amount: principal, Rate: annual_rate}
  values:                    # value translation per column
    repayment_method: {等额本息: annuity, 等额本金: equal_principal, 先息后本: interest_only}
  percent: [annual_rate]     # "18" or "18%" → 0.18
  date_formats: {disbursed_on: "%Y/%m/%d"}
  defaults: {currency: CNY}
  drop: [BranchCode]         # columns to ignore
```
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import polars as pl
import yaml

from accord.kit.errors import InputError
from accord.loans.importing.columns import KINDS


@dataclass
class FileMapping:
    kind: str
    file: str | None = None
    rename: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    percent: list[str] = field(default_factory=list)
    date_formats: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    drop: list[str] = field(default_factory=list)


def load_mapping(path: Path) -> dict[str, FileMapping]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"mapping file {path}: cannot be read: {exc}") from exc
    if not isinstance(raw, dict):
        raise InputError(f"mapping file {path}: expected a mapping of file kinds")
    out = {}
    for kind, spec in raw.items():
        if kind not in KINDS:
            raise InputError(f"mapping file {path}: unknown file kind {kind!r} (expected {', '.join(KINDS)})")
        spec = spec or {}
        unknown = set(spec) - {"file", "rename", "values", "percent", "date_formats", "defaults", "drop"}
        if unknown:
            raise InputError(f"mapping file {path}, {kind}: unknown key {sorted(unknown)[0]!r}")
        out[kind] = FileMapping(kind=kind, **{k: v for k, v in spec.items()})
    return out


def kind_by_mapping(path: Path, mappings: dict[str, FileMapping]) -> str | None:
    for kind, m in mappings.items():
        if m.file and fnmatch.fnmatch(path.name, m.file):
            return kind
    return None


def _percent(v: str | None) -> str | None:
    if v is None:
        return None
    try:
        return format(Decimal(v.strip().rstrip("%")) / 100, "f")
    except InvalidOperation:
        return v  # left as is: validation reports it with its row


def _date(v: str | None, fmt: str) -> str | None:
    if v is None:
        return None
    try:
        return datetime.strptime(v.strip(), fmt).date().isoformat()
    except ValueError:
        return v


def apply(df: pl.DataFrame, m: FileMapping) -> pl.DataFrame:
    df = df.drop([c for c in m.drop if c in df.columns])
    df = df.rename({src: dst for src, dst in m.rename.items() if src in df.columns})
    exprs = []
    for col, table in m.values.items():
        if col in df.columns:
            exprs.append(pl.col(col).replace(table).alias(col))
    for col in m.percent:
        if col in df.columns:
            exprs.append(pl.col(col).map_elements(_percent, return_dtype=pl.String).alias(col))
    for col, fmt in m.date_formats.items():
        if col in df.columns:
            exprs.append(pl.col(col).map_elements(lambda v, f=fmt: _date(v, f), return_dtype=pl.String).alias(col))
    if exprs:
        df = df.with_columns(exprs)
    for col, value in m.defaults.items():
        if col not in df.columns:
            df = df.with_columns(pl.lit(str(value)).alias(col))
        else:
            df = df.with_columns(pl.col(col).fill_null(str(value)))
    return df
