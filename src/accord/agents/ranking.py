"""Expected value of a call, pure: balance × probability of paying if reached ÷ cost of the call.
Until a model is registered the probability comes from the rule-based risk band."""

from __future__ import annotations

import polars as pl

# P(pay | right-party contact) by risk band; a conservative prior, replaced by model scores when present.
P_PAY = {"low": 0.55, "medium": 0.35, "high": 0.2}
CALL_COST = {"call": 5.0, "ai_call": 0.2}  # CNY per call (calibration.md: human ¥3–8, AI ¥0.1–0.3)


def expected_value(df: pl.DataFrame) -> pl.DataFrame:
    """Adds ``p_pay`` and ``ev`` (minor units of expected recovery per unit of cost)."""
    p = pl.col("score_band").replace_strict(P_PAY, default=0.3, return_dtype=pl.Float64)
    cost = pl.col("channel").replace_strict(CALL_COST, default=5.0, return_dtype=pl.Float64)
    return df.with_columns(p.alias("p_pay")).with_columns(
        (pl.col("overdue_minor").cast(pl.Float64) * pl.col("p_pay") / cost).alias("ev"))
