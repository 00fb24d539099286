"""Reading feature tables (CSV / Parquet) into Polars, and fingerprinting training data."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import polars as pl

from accord.kit.errors import InputError

_CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
_PARQUET_SUFFIXES = {".parquet", ".pq"}


def read_table(path: str | Path) -> pl.DataFrame:
    """Read a CSV or Parquet feature table; an unreadable file is an ``InputError`` naming it."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    suffix = p.suffix.lower()
    try:
        if suffix in _PARQUET_SUFFIXES:
            return pl.read_parquet(p)
        if suffix in _CSV_SUFFIXES:
            # Whole-file schema inference: a column that turns float late in the file stays numeric.
            return pl.read_csv(p, infer_schema_length=None, separator="\t" if suffix == ".tsv" else ",",
                               null_values=["", "NA", "NaN", "null", "NULL"])
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{p}: cannot read the table ({first})") from exc
    raise InputError(f"{p}: unsupported file type {suffix or '(none)'}; use .csv or .parquet")


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def frame_sha256(frame: pl.DataFrame) -> str:
    """Fingerprint of an in-memory frame (its Arrow IPC bytes, uncompressed)."""
    buf = io.BytesIO()
    frame.write_ipc(buf, compression="uncompressed")
    return hashlib.sha256(buf.getvalue()).hexdigest()


def require_columns(frame: pl.DataFrame, columns: list[str], what: str, source: str = "data") -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"{source}: {what} column {missing[0]!r} not found"
                         + (f" (also missing: {', '.join(missing[1:])})" if len(missing) > 1 else ""))
