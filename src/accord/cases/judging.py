"""Judging promises to pay (承诺还款) against payments — pure and columnar.

A promise counts the payments on its loan made from the day it was taken up to its date plus the grace
days. It is **kept** as soon as they reach the promised amount less the allowed shortfall (the larger
of a fixed amount and a share of the promise); from the day after the grace period it is **partly kept** when
something above ``partly_kept_min_share`` of the amount arrived, and **broken** otherwise. Judging is
monotone in payments: more money never makes a verdict worse (a property test checks this).
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from accord.cases.policy import Tolerance

PROMISES_SCHEMA = {"id": pl.Int64, "loan_pk": pl.Int64, "amount_minor": pl.Int64, "due_on": pl.Date,
                   "taken_on": pl.Date}
PAYMENTS_SCHEMA = {"loan_pk": pl.Int64, "paid_on": pl.Date, "amount_minor": pl.Int64}
_PPM = 1_000_000  # shares as integer parts per million keep the money maths in integers


def _ppm(share) -> int:  # noqa: ANN001
    return int(share * _PPM)


def required_minor(amount_minor: int, tol: Tolerance) -> int:
    """The least payment that keeps a promise of ``amount_minor`` under ``tol``."""
    allowed = max(tol.shortfall_minor, amount_minor * _ppm(tol.shortfall_share) // _PPM)
    return max(amount_minor - allowed, 1)


def judge(promises: pl.DataFrame, payments: pl.DataFrame, as_of: date, tol: Tolerance) -> pl.DataFrame:
    """Verdicts for pending promises as of ``as_of``.

    Returns one row per promise: id, paid_minor (counted so far), status (pending / kept / partly_kept /
    broken) and final (True when the verdict is settled and the promise leaves ``pending``).
    """
    p = promises.cast(PROMISES_SCHEMA)  # type: ignore[arg-type]
    pays = payments.cast(PAYMENTS_SCHEMA)  # type: ignore[arg-type]
    p = p.with_columns((pl.col("due_on") + timedelta(days=tol.grace_days)).alias("window_end"))
    counted = (p.select("id", "loan_pk", "taken_on", "window_end")
               .join(pays, on="loan_pk", how="inner")
               .filter((pl.col("paid_on") >= pl.col("taken_on")) & (pl.col("paid_on") <= pl.col("window_end"))
                       & (pl.col("paid_on") <= as_of))
               .group_by("id").agg(pl.col("amount_minor").sum().alias("paid_minor")))
    p = p.join(counted, on="id", how="left").with_columns(pl.col("paid_minor").fill_null(0))
    share = _ppm(tol.shortfall_share)
    allowed = pl.max_horizontal(pl.lit(tol.shortfall_minor, pl.Int64), pl.col("amount_minor") * share // _PPM)
    required = pl.max_horizontal(pl.col("amount_minor") - allowed, pl.lit(1, pl.Int64))
    partial_floor = pl.col("amount_minor") * _ppm(tol.partly_kept_min_share) // _PPM
    # Final only once the grace period has fully passed: a verdict on day window_end + 1 has seen every
    # payment made up to window_end, however late in that day it was imported.
    over = pl.col("window_end") < as_of
    status = (pl.when(pl.col("paid_minor") >= required).then(pl.lit("kept"))
              .when(~over).then(pl.lit("pending"))
              .when((pl.col("paid_minor") > 0) & (pl.col("paid_minor") > partial_floor)).then(pl.lit("partly_kept"))
              .otherwise(pl.lit("broken")))
    return (p.with_columns(status.alias("status"))
            .with_columns((pl.col("status") != "pending").alias("final"))
            .select("id", "paid_minor", "status", "final").sort("id"))

