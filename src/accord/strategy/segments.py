"""Segment matching as Polars expressions: the first segment whose conditions hold wins."""

from __future__ import annotations

import polars as pl

from accord.strategy.schema import Range, Strategy, When

LIST_FIELDS = ("bucket", "score_band", "segment_aw", "jurisdiction", "product", "loan_kind", "language", "stage")
LIST_COLUMNS = {"stage": "case_stage"}  # a field read from a differently named account column
RANGE_FIELDS = {"dpd": "dpd", "days_in_bucket": "days_in_bucket", "balance": "balance_minor",
                "pre_due_days": "pre_due_days"}


def _range(col: str, r: Range, scale: float = 1) -> pl.Expr:
    e = pl.lit(True)
    if r.min is not None:
        e = e & (pl.col(col) >= r.min * scale)
    if r.max is not None:
        e = e & (pl.col(col) <= r.max * scale)
    return e & pl.col(col).is_not_null()


def when_expr(w: When) -> pl.Expr:
    e = pl.lit(True)
    for f in LIST_FIELDS:
        values = getattr(w, f)
        if values is not None:
            e = e & pl.col(LIST_COLUMNS.get(f, f)).is_in(list(values))
    for f, col in RANGE_FIELDS.items():
        r = getattr(w, f)
        if r is not None:
            e = e & _range(col, r, 100 if f == "balance" else 1)  # balance in currency units → minor
    return e


def assign_segments(accounts: pl.DataFrame, strategy: Strategy) -> pl.DataFrame:
    """Adds ``segment`` and ``ladder`` (null when no segment matches)."""
    seg = pl.lit(None, pl.String)
    lad = pl.lit(None, pl.String)
    for s in reversed(strategy.segments):  # build the chain so the first segment has the last word
        cond = when_expr(s.when)
        seg = pl.when(cond).then(pl.lit(s.id)).otherwise(seg)
        lad = pl.when(cond).then(pl.lit(s.ladder)).otherwise(lad)
    return accounts.with_columns(seg.alias("segment"), lad.alias("ladder"))
