"""Repayment and delinquency history as of each decision day, from the schedule's due days, the
days installments became fully paid (``settled_day``) and the payments — pure Polars.

``pop`` is the population: one row per (``loan_pk``, ``d``) where ``d`` is the decision day
(epoch days). Every expression only looks at facts dated on or before ``d``:
an installment settled after ``d`` counts as unpaid on ``d``; payments after ``d`` are ignored.

Why the schedule rather than the daily snapshots for history: it is exact whatever the run
cadence (a book imported yesterday has no snapshot history, but its settlement days say how it
was repaid), and it matches the engine's DPD rule: on day t the DPD is t minus the due day of the
oldest installment not settled by the end of t (the due day itself is 0).

Amounts: only installments already due on d contribute their scheduled interest and fees — an
early payoff later rewrites the interest of installments not yet due (it is never charged), so
those amounts are not facts of day d; their principal never changes.
"""

from __future__ import annotations

import polars as pl

from accord.delinquency.buckets import DEFAULT_BOUNDS

NEVER = 10**7  # "not settled yet": a settlement day beyond any decision day

HISTORY_COLUMNS = {
    "dpd": pl.Int64, "bucket_no": pl.Int64, "times_delinquent": pl.Int64,
    "max_dpd_90d": pl.Int64, "max_dpd_180d": pl.Int64, "max_dpd_ever": pl.Int64,
    "worst_bucket_90d": pl.Int64, "worst_bucket_180d": pl.Int64,
    "installments_due": pl.Int64, "installments_late": pl.Int64, "unpaid_installments": pl.Int64,
    "on_time_share": pl.Float64, "mean_days_late": pl.Float64, "std_days_late": pl.Float64,
    "max_days_late": pl.Int64, "installment_minor": pl.Int64, "days_to_next_due": pl.Int64,
    "principal_remaining_minor": pl.Int64, "due_to_date_minor": pl.Int64,
    "payments_count": pl.Int64, "payments_90d": pl.Int64, "paid_total_minor": pl.Int64,
    "days_since_last_payment": pl.Int64, "partial_payment_ratio": pl.Float64, "paid_to_due_ratio": pl.Float64,
}


def bucket_of(dpd: pl.Expr) -> pl.Expr:
    """Bucket number (M0 = 0 … M7 = 7) of a DPD under the default bounds."""
    expr = pl.lit(len(DEFAULT_BOUNDS), dtype=pl.Int64)
    for i, bound in reversed(list(enumerate(DEFAULT_BOUNDS))):
        expr = pl.when(dpd <= bound).then(pl.lit(i, dtype=pl.Int64)).otherwise(expr)
    return pl.when(dpd.is_null()).then(None).otherwise(expr)


def _episode_starts(inst: pl.DataFrame) -> pl.DataFrame:
    """Days on which a loan entered delinquency (DPD 0 -> >= 1: an M0 -> M1 entry).

    Installment i keeps the loan past due on days [due+1, settled-1]; the loan is delinquent on the
    union of these intervals. A new episode starts where an interval begins after every earlier one
    ended. Merging with the (future) settlement days gives the same starts up to any day d as
    merging the intervals cut at d, so counting starts <= d is point-in-time correct."""
    late = inst.filter(pl.col("settled") >= pl.col("due_day") + 2).sort("loan_pk", "due_day")
    late = late.with_columns(
        (pl.col("due_day") + 1).alias("start"), (pl.col("settled") - 1).alias("end"))
    late = late.with_columns(pl.col("end").cum_max().shift(1).over("loan_pk").alias("prev_end"))
    return late.filter(pl.col("prev_end").is_null() | (pl.col("start") > pl.col("prev_end") + 1)) \
        .select("loan_pk", pl.col("start").alias("entry_day"))


def schedule_block(inst: pl.DataFrame, pop: pl.DataFrame) -> pl.DataFrame:
    """DPD, delinquency episodes, worst DPD in windows, lateness and balances for each (loan, d)."""
    inst = inst.with_columns(pl.col("settled_day").fill_null(NEVER).alias("settled"))
    x = pop.join(inst, on="loan_pk", how="inner")
    unpaid_at_d = pl.col("settled") > pl.col("d")
    due_before = pl.col("due_day") < pl.col("d")
    # Days late of installments settled by d (0 when paid on or before the due day): regularity.
    days_late = pl.when(pl.col("settled") <= pl.col("d")).then(
        (pl.col("settled") - pl.col("due_day")).clip(lower_bound=0))
    # Worst DPD an installment caused in a window ending at d: the DPD grows until it is settled.
    last_late_day = pl.min_horizontal(pl.col("settled") - 1, pl.col("d"))
    late_run = pl.when(last_late_day > pl.col("due_day")).then(last_late_day - pl.col("due_day"))

    def worst(window: int | None) -> pl.Expr:
        cond = last_late_day > pl.col("due_day")
        if window is not None:
            cond = cond & (last_late_day > pl.col("d") - window)
        return pl.when(cond).then(late_run).max().fill_null(0)

    agg = x.group_by("loan_pk", "d").agg(
        pl.when(due_before & unpaid_at_d).then(pl.col("d") - pl.col("due_day")).max().fill_null(0).alias("dpd"),
        worst(90).alias("max_dpd_90d"), worst(180).alias("max_dpd_180d"), worst(None).alias("max_dpd_ever"),
        (pl.col("due_day") <= pl.col("d")).sum().cast(pl.Int64).alias("installments_due"),
        ((pl.col("due_day") + 1 <= pl.col("d")) & (pl.col("settled") >= pl.col("due_day") + 2))
        .sum().cast(pl.Int64).alias("installments_late"),
        (due_before & unpaid_at_d).sum().cast(pl.Int64).alias("unpaid_installments"),
        days_late.mean().alias("mean_days_late"), days_late.std().alias("std_days_late"),
        days_late.max().cast(pl.Int64).alias("max_days_late"),
        # Installment size: the latest installment due by d (its amount is settled fact); before the
        # first due day, the first installment's principal.
        pl.col("scheduled_minor").filter(pl.col("due_day") <= pl.col("d")).last()
        .fill_null(pl.col("principal_due").first()).alias("installment_minor"),
        (pl.col("due_day").filter(unpaid_at_d & (pl.col("due_day") >= pl.col("d"))).min() - pl.col("d").first())
        .alias("days_to_next_due"),
        pl.col("principal_due").filter(unpaid_at_d).sum().alias("principal_remaining_minor"),
        pl.col("scheduled_minor").filter(pl.col("due_day") <= pl.col("d")).sum().alias("due_to_date_minor"),
        # Installments whose on-time status is known on d (due before d).
        due_before.sum().cast(pl.Int64).alias("_known"),
    )
    agg = agg.with_columns(
        pl.when(pl.col("_known") > 0).then(1 - pl.col("installments_late") / pl.col("_known")).alias("on_time_share"),
        bucket_of(pl.col("dpd")).alias("bucket_no"),
        bucket_of(pl.col("max_dpd_90d")).alias("worst_bucket_90d"),
        bucket_of(pl.col("max_dpd_180d")).alias("worst_bucket_180d"),
    ).drop("_known")
    entries = _episode_starts(inst)
    times = pop.join(entries, on="loan_pk", how="inner").filter(pl.col("entry_day") <= pl.col("d")) \
        .group_by("loan_pk", "d").agg(pl.len().cast(pl.Int64).alias("times_delinquent"))
    return agg.join(times, on=["loan_pk", "d"], how="left").with_columns(pl.col("times_delinquent").fill_null(0))


def payment_block(pays: pl.DataFrame, inst: pl.DataFrame, pop: pl.DataFrame) -> pl.DataFrame:
    """Payments up to d: count, total, recency, and the share that were partial.

    A payment is partial when something was owed on its day (scheduled amounts due so far minus
    everything paid before) and it did not cover it. Penalties are left out of "owed": a payment
    that clears the schedule but not the penalty is not called partial. The cumulative sums only
    look backwards, so they do not depend on later payments."""
    cum_due = inst.sort("loan_pk", "due_day").select(
        "loan_pk", pl.col("due_day").alias("paid_day"),
        pl.col("scheduled_minor").cum_sum().over("loan_pk").alias("cum_due"))
    p = pays.sort("loan_pk", "paid_day").with_columns(
        (pl.col("amount_minor").cum_sum().over("loan_pk") - pl.col("amount_minor")).alias("paid_before"))
    p = p.sort("paid_day").join_asof(cum_due.sort("paid_day"), on="paid_day", by="loan_pk", strategy="backward",
                                             check_sortedness=False) \
        .with_columns(pl.col("cum_due").fill_null(0))
    owed = pl.col("cum_due") - pl.col("paid_before")
    p = p.with_columns(((owed > 0) & (pl.col("amount_minor") < owed)).alias("partial"))
    x = pop.join(p, on="loan_pk", how="inner").filter(pl.col("paid_day") <= pl.col("d"))
    agg = x.group_by("loan_pk", "d").agg(
        pl.len().cast(pl.Int64).alias("payments_count"),
        (pl.col("paid_day") > pl.col("d") - 90).sum().cast(pl.Int64).alias("payments_90d"),
        pl.col("amount_minor").sum().alias("paid_total_minor"),
        (pl.col("d").first() - pl.col("paid_day").max()).alias("days_since_last_payment"),
        pl.col("partial").mean().alias("partial_payment_ratio"),
    )
    return agg


def history_features(inst: pl.DataFrame, pays: pl.DataFrame, pop: pl.DataFrame) -> pl.DataFrame:
    """Schedule and payment blocks joined on the population (loans without payments get 0 / null)."""
    sched = schedule_block(inst, pop)
    paid = payment_block(pays, inst, pop)
    out = pop.join(sched, on=["loan_pk", "d"], how="left").join(paid, on=["loan_pk", "d"], how="left")
    out = out.with_columns(
        pl.col("payments_count").fill_null(0), pl.col("payments_90d").fill_null(0),
        pl.col("paid_total_minor").fill_null(0))
    out = out.with_columns(
        pl.when(pl.col("due_to_date_minor") > 0)
        .then((pl.col("paid_total_minor") / pl.col("due_to_date_minor")).clip(upper_bound=5.0))
        .alias("paid_to_due_ratio"))
    return out.select("loan_pk", "d", *[pl.col(c).cast(t) for c, t in HISTORY_COLUMNS.items()])

