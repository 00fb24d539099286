"""Read import files into all-text Polars frames (validation parses every value itself, so that a
bad number or date is reported with its file, row and field instead of failing the whole read)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from accord.kit.errors import InputError
from accord.loans.importing.columns import KINDS

SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".xlsx": "xlsx"}


def kind_of(path: Path) -> str | None:
    """``borrowers.csv``, ``loans_2026-03.parquet``, ``schedule.xlsx`` ... → the file kind."""
    stem = path.stem.lower()
    for kind in KINDS:
        if stem == kind or stem.startswith(kind + "_") or stem.startswith(kind + "-"):
            return kind
    if stem in ("borrower", "loan", "payment", "schedules"):
        return {"borrower": "borrowers", "loan": "loans", "payment": "payments", "schedules": "schedule"}[stem]
    return None


def discover(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        if not p.exists():
            raise InputError(f"{p}: no such file or directory")
        if p.is_dir():
            files.extend(sorted(f for f in p.iterdir() if f.suffix.lower() in SUFFIXES))
        else:
            if p.suffix.lower() not in SUFFIXES:
                raise InputError(f"{p}: unsupported file type (use .csv, .parquet or .xlsx)")
            files.append(p)
    if not files:
        raise InputError("no CSV, Parquet or XLSX files to import")
    return files


def _to_text(df: pl.DataFrame) -> pl.DataFrame:
    cols = []
    for name, dtype in df.schema.items():
        col = pl.col(name)
        if dtype == pl.Datetime and getattr(dtype, "time_zone", None):
            cols.append(col.dt.strftime("%Y-%m-%dT%H:%M:%S%.f%:z").alias(name))
        elif dtype == pl.Datetime:
            cols.append(col.dt.strftime("%Y-%m-%dT%H:%M:%S%.f").alias(name))  # naive: refused later
        elif dtype == pl.Date:
            cols.append(col.dt.strftime("%Y-%m-%d").alias(name))
        else:
            cols.append(col.cast(pl.String).alias(name))
    return df.select(cols)


def read_text_frame(path: Path) -> pl.DataFrame:
    fmt = SUFFIXES[path.suffix.lower()]
    try:
        if fmt == "csv":
            df = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
        elif fmt == "parquet":
            df = pl.read_parquet(path)
        else:
            df = pl.read_excel(path, engine="calamine", infer_schema_length=0)
    except Exception as exc:  # noqa: BLE001 - report the file, not the parser's traceback
        raise InputError(f"{path}: cannot be read as {fmt.upper()}: {exc}") from exc
    df = df.rename({c: c.strip() for c in df.columns})
    df = _to_text(df)
    if fmt == "xlsx":
        # A date cell reads as "2026-01-15 00:00:00": keep the date. A cell with a time of day stays a
        # (naive) timestamp, which validation refuses where a date or a zoned timestamp is expected.
        df = df.with_columns(pl.col(c).str.replace(r"^(\d{4}-\d{2}-\d{2})[ T]00:00:00(\.0+)?$", "${1}")
                             for c in df.columns)
    # Blank cells mean "not given".
    return df.with_columns(pl.when(pl.col(c).str.strip_chars() == "").then(None).otherwise(pl.col(c)).alias(c)
                           for c in df.columns)
