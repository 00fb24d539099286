"""Which columns of a feature table become model features, and turning them into arrays.

Any Polars frame plugs in: a risk team's CSV, or the frame Accord builds from its own database.
Every non-feature column (id, target, time, protected, constant, identifier-like) is listed with
the reason it was left out, so the model report can say why.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from accord.kit.errors import InputError
from accord.scoring.protected import protected_columns

NUMERIC = "numeric"
CATEGORICAL = "categorical"
_ID_LIKE_MIN = 50  # a text column with more distinct values than this and > half the rows is an id


@dataclass(frozen=True)
class FeatureSpec:
    name: str
    kind: str  # NUMERIC or CATEGORICAL

    def to_dict(self) -> dict:
        return {"name": self.name, "kind": self.kind}


def target_vector(frame: pl.DataFrame, target: str, source: str = "data") -> np.ndarray:
    """The target as int8 0/1 (1 = bad). Booleans count as 0/1; anything else is an ``InputError``."""
    s = frame[target]
    nulls = s.null_count()
    if nulls:
        raise InputError(f"{source}: target column {target!r} is empty in {nulls} row(s)")
    if s.dtype == pl.Boolean:
        return s.cast(pl.Int8).to_numpy()
    if not s.dtype.is_numeric():
        raise InputError(f"{source}: target column {target!r} must hold 1 (bad) / 0 (good), found {s.dtype} values")
    bad = s.filter(~s.is_in([0, 1]))
    if len(bad):
        raise InputError(f"{source}: target column {target!r} must hold 1 (bad) / 0 (good), found {bad[0]!r}")
    y = s.cast(pl.Int8).to_numpy()
    if y.min() == y.max():
        raise InputError(f"{source}: target column {target!r} has only {int(y[0])}s; a model needs both goods and bads")
    return y


def select_features(frame: pl.DataFrame, target: str, id_column: str, time_column: str | None = None,
                    exclude: tuple[str, ...] = (), jurisdiction: str | None = None,
                    protected_config: str | None = None) -> tuple[list[FeatureSpec], dict[str, str]]:
    """Split the columns into features and excluded columns (name -> reason)."""
    excluded: dict[str, str] = {}
    reserved = {id_column: "id column", target: "target column"}
    if time_column:
        reserved[time_column] = "time column (used for the out-of-time split)"
    candidates = [c for c in frame.columns if c not in reserved]
    excluded.update(protected_columns(candidates, jurisdiction, protected_config))
    for name in exclude:
        if name not in frame.columns:
            raise InputError(f"data: excluded column {name!r} not found")
        excluded.setdefault(name, "excluded by the user")
    specs: list[FeatureSpec] = []
    n = frame.height
    for name in candidates:
        if name in excluded:
            continue
        s = frame[name]
        dtype = s.dtype
        if dtype.is_temporal():
            excluded[name] = "date/time column (name it with --time for an out-of-time split)"
        elif s.null_count() == n or s.drop_nulls().n_unique() < 2:
            excluded[name] = "constant (one value or empty)"
        elif dtype.is_numeric() or dtype == pl.Boolean:
            specs.append(FeatureSpec(name, NUMERIC))
        elif dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum):
            distinct = s.n_unique()
            if distinct > _ID_LIKE_MIN and distinct > n // 2:
                excluded[name] = f"identifier-like text ({distinct} distinct values in {n} rows)"
            else:
                specs.append(FeatureSpec(name, CATEGORICAL))
        else:
            excluded[name] = f"unsupported column type {dtype}"
    for name, reason in reserved.items():
        excluded[name] = reason
    if not specs:
        raise InputError("data: no usable feature columns left after exclusions")
    return specs, excluded


def check_columns(frame: pl.DataFrame, specs: list[FeatureSpec], source: str = "data") -> None:
    """A feature the model needs but the frame lacks is an ``InputError`` naming it."""
    for spec in specs:
        if spec.name not in frame.columns:
            raise InputError(f"{source}: feature column {spec.name!r} is missing")


def numeric_array(frame: pl.DataFrame, name: str, source: str = "data") -> np.ndarray:
    """float64 values with NaN for missing; text that is not a number is an ``InputError``."""
    s = frame[name]
    if s.dtype == pl.Float64:
        return s.to_numpy()
    cast = s.cast(pl.Float64, strict=False)
    if cast.null_count() > s.null_count():
        bad = s.filter(cast.is_null() & s.is_not_null())[0]
        raise InputError(f"{source}: feature column {name!r} must be numeric, found {bad!r}")
    return cast.to_numpy()


def text_series(frame: pl.DataFrame, name: str) -> pl.Series:
    """Categorical values as text (an integer-coded category 3 becomes "3")."""
    return frame[name].cast(pl.String)
