"""Ability (还款能力) and willingness (还款意愿) to pay, scored separately from point-in-time features
and combined into the four segments the strategies use.

Each axis is the mean of the percentile ranks (0 = lowest in the book, 1 = highest) of its proxies,
each oriented so that higher means more able / more willing; a proxy that is null for a loan (no
history yet, or its table does not exist) is left out of that loan's mean. The proxies:

ability — capacity to pay
  principal_minor          larger loans go to (and are taken by) people with more capacity
  paid_to_due_ratio        paid so far over scheduled so far: keeping up with the schedule
  partial_payment_ratio    (reversed) paying part of what is owed signals a cash shortfall
  balance_to_installment   (reversed) a heavy remaining load relative to one installment
  replies_hardship         (reversed) the borrower said they cannot pay

willingness — intent to pay
  on_time_share            installments paid by their due day
  mean_days_late           (reversed) how long they let an installment run late
  times_delinquent         (reversed) entries into M1
  max_dpd_180d             (reversed) how far they let it go recently
  days_since_last_payment  (reversed) paying something when able
  promise_kept_share       promises kept among those judged
  responsiveness_90d       their own contacts per outbound attempt
  replies_dispute          (reversed) disputes and cease requests

Segments (threshold 0.5 on each axis, relative to the book):
  can_and_will   → gentle reminders, self-service
  cant_but_will  → hardship plans, extensions (分期 / 展期)
  can_but_wont   → firmer steps within policy
  cant_and_wont  → early escalation / legal review
"""

from __future__ import annotations

import polars as pl

ABILITY = {"principal_minor": 1, "paid_to_due_ratio": 1, "partial_payment_ratio": -1,
           "balance_to_installment": -1, "replies_hardship": -1}
WILLINGNESS = {"on_time_share": 1, "mean_days_late": -1, "times_delinquent": -1, "max_dpd_180d": -1,
               "days_since_last_payment": -1, "promise_kept_share": 1, "responsiveness_90d": 1,
               "replies_dispute": -1}
SEGMENTS = {
    (True, True): "can_and_will", (False, True): "cant_but_will",
    (True, False): "can_but_wont", (False, False): "cant_and_wont",
}
TREATMENT = {"can_and_will": "reminders", "cant_but_will": "plans", "can_but_wont": "firmer_steps",
             "cant_and_wont": "early_escalation"}


def _axis(frame: pl.DataFrame, proxies: dict[str, int]) -> pl.Expr:
    ranks = []
    for name, sign in proxies.items():
        if name not in frame.columns or frame[name].null_count() == frame.height:
            continue
        col = pl.col(name).cast(pl.Float64)
        if frame[name].drop_nulls().n_unique() < 2:
            continue  # a constant proxy says nothing about anyone
        pct = (col * sign).rank("average") / col.is_not_null().sum()
        ranks.append(pct)
    if not ranks:
        return pl.lit(None, dtype=pl.Float64)
    return pl.mean_horizontal(ranks)


def score_segments(features: pl.DataFrame, high: float = 0.5) -> pl.DataFrame:
    """``loan_pk``, ``ability``, ``willingness`` (0–1), ``segment`` and ``treatment`` for each row."""
    out = features.select(
        "loan_pk", *(["decision_date"] if "decision_date" in features.columns else []),
        _axis(features, ABILITY).alias("ability"), _axis(features, WILLINGNESS).alias("willingness"))
    can, will = pl.col("ability") >= high, pl.col("willingness") >= high
    seg = (pl.when(can & will).then(pl.lit(SEGMENTS[True, True]))
           .when(~can & will).then(pl.lit(SEGMENTS[False, True]))
           .when(can & ~will).then(pl.lit(SEGMENTS[True, False]))
           .otherwise(pl.lit(SEGMENTS[False, False])))
    out = out.with_columns(seg.alias("segment"))
    return out.with_columns(pl.col("segment").replace_strict(TREATMENT).alias("treatment"))
