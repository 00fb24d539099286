"""Delinquency views, pure over Polars frames: the contract's per-loan rows, the bucket summary and
the roll-rate (迁徙率) matrix."""

from __future__ import annotations

import polars as pl

from accord.kit.money import fmt_minor

MONEY = ("overdue_principal", "overdue_interest", "overdue_fees", "penalty", "total_overdue", "outstanding_principal")
CONTRACT_FIELDS = ("loan_id", "dpd", "bucket", *MONEY)


def with_total(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(
        (pl.col("overdue_principal") + pl.col("overdue_interest") + pl.col("overdue_fees") + pl.col("penalty"))
        .alias("total_overdue"))


def contract_rows(df: pl.DataFrame) -> list[dict]:
    """One object per open loan, money as two-decimal strings (contracts.md)."""
    rows = []
    for r in with_total(df).select(CONTRACT_FIELDS).iter_rows(named=True):
        rows.append({**r, **{m: fmt_minor(r[m]) for m in MONEY}, "dpd": int(r["dpd"])})
    return rows


def bucket_order(names) -> list[str]:  # noqa: ANN001
    return sorted(set(names), key=lambda b: int(b[1:]))


def bucket_summary(df: pl.DataFrame) -> pl.DataFrame:
    """Count and balance per bucket, with shares."""
    df = with_total(df)
    total_n, total_bal = max(df.height, 1), max(int(df["outstanding_principal"].sum() or 0), 1)
    out = (df.group_by("bucket").agg(pl.len().alias("loans"), pl.col("outstanding_principal").sum().alias("balance"),
                                    pl.col("total_overdue").sum().alias("overdue"))
           .with_columns((pl.col("loans") / total_n).alias("share_count"),
                         (pl.col("balance") / total_bal).alias("share_balance")))
    order = bucket_order(out["bucket"].to_list())
    return out.with_columns(pl.col("bucket").cast(pl.Enum(order))).sort("bucket").with_columns(pl.col("bucket").cast(pl.String))


def roll_matrix(pairs: pl.DataFrame, by_balance: bool = False) -> pl.DataFrame:
    """Share of each start bucket found in each end bucket (rows sum to 1). Loans closed by the end
    date count as ``paid_off``."""
    df = pairs.with_columns(
        pl.when(pl.col("bucket_to").is_null() | pl.col("closed_to").fill_null(False).cast(pl.Boolean))
        .then(pl.lit("paid_off")).otherwise(pl.col("bucket_to")).alias("to"))
    weight = pl.col("balance_from").sum() if by_balance else pl.len()
    counts = df.group_by("bucket_from", "to").agg(weight.alias("w"))
    totals = counts.group_by("bucket_from").agg(pl.col("w").sum().alias("t"))
    shares = counts.join(totals, on="bucket_from").with_columns((pl.col("w") / pl.col("t")).alias("share"))
    to_cols = bucket_order([b for b in shares["to"].unique().to_list() if b != "paid_off"]) + (
        ["paid_off"] if "paid_off" in shares["to"].to_list() else [])
    wide = shares.pivot(on="to", index="bucket_from", values="share").fill_null(0.0)
    wide = wide.select(["bucket_from", *[c for c in to_cols if c in wide.columns]])
    order = bucket_order(wide["bucket_from"].to_list())
    return wide.with_columns(pl.col("bucket_from").cast(pl.Enum(order))).sort("bucket_from") \
        .with_columns(pl.col("bucket_from").cast(pl.String))
