"""Development / validation splits.

Out-of-time by default when a time column is given: the latest ``share`` of the rows (by time) is
the validation sample, so the model is judged on a period it has not seen - the way it will be
used. Rows on the cut-off date all go to the same side. Without a time column: a stratified
random split with a fixed seed.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from accord.kit.errors import InputError, ProblemError


def stratified_mask(y: np.ndarray, share: float, seed: int) -> np.ndarray:
    """Boolean mask of ~``share`` of the rows, the same share of each class."""
    rng = np.random.default_rng(seed)
    mask = np.zeros(len(y), dtype=bool)
    for cls in (0, 1):
        idx = np.flatnonzero(y == cls)
        k = int(round(len(idx) * share))
        mask[rng.choice(idx, size=k, replace=False)] = True
    return mask


def out_of_time_mask(frame: pl.DataFrame, time_column: str, share: float, source: str = "data") -> np.ndarray:
    """Rows at or after the (1 − share) quantile of the time column."""
    s = frame[time_column]
    if s.dtype == pl.String:
        parsed = s.str.to_date(strict=False)
        if parsed.null_count() > s.null_count():
            parsed = s.str.to_datetime(strict=False)
        s = parsed
    if not (s.dtype.is_temporal() or s.dtype.is_numeric()):
        raise InputError(f"{source}: time column {time_column!r} is not a date, timestamp or number")
    if s.null_count():
        raise InputError(f"{source}: time column {time_column!r} is empty or not a date in {s.null_count()} row(s)")
    phys = s.to_physical().cast(pl.Float64).to_numpy()
    k = min(int(len(phys) * (1.0 - share)), len(phys) - 1)
    cut = np.partition(phys, k)[k]  # the first validation period
    mask = phys >= cut
    if mask.all():
        mask = phys > cut
    if mask.all() or not mask.any():
        raise ProblemError(f"{source}: time column {time_column!r} has too few distinct periods for an out-of-time split")
    return mask


def check_both_classes(y: np.ndarray, what: str) -> None:
    if len(y) == 0 or y.min() == y.max():
        raise ProblemError(f"the {what} sample has only one class ({len(y)} rows); more data or another split is needed")
